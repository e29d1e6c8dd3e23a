//! Size limits of values one instruction may build. An instruction runs without
//! fuel checks (style §9: every slice is bounded), so a result whose size the flow
//! chooses (`'x' * n`, a product of huge Integers, `iprange('10.0.0.0/8')`) is
//! refused with an error naming the limit rather than left to run for minutes.

use num_bigint::BigInt;

use super::{Error, Result, Value};

/// Decimal digits of an Integer at most.
pub const MAX_INT_DIGITS: u64 = 100_000;
/// The same in bits: ⌈100 000 × log2(10)⌉.
const MAX_INT_BITS: u64 = 332_193;
/// Bytes of a String or Binary one instruction builds at most.
pub const MAX_BYTES: usize = 1 << 28;
/// Elements of an Array one instruction builds at most (also child processes of a pfor).
pub const MAX_ELEMENTS: usize = 1 << 22;

/// Whether a product of Integers of `a_bits` and `b_bits` bits is surely beyond the limit.
pub fn product_too_large(a_bits: u64, b_bits: u64) -> bool {
    (a_bits + b_bits).saturating_sub(1) > MAX_INT_BITS
}

/// An Integer result, or the error for one beyond [`MAX_INT_DIGITS`].
pub fn checked_int(n: BigInt) -> Result<Value> {
    if n.bits() > MAX_INT_BITS {
        return Err(int_too_large());
    }
    Ok(Value::from_bigint(n))
}

pub fn int_too_large() -> Error {
    Error::new(format!(
        "result too large: an Integer has at most {MAX_INT_DIGITS} decimal digits"
    ))
}

/// The error for a String/Binary of `bytes` (when known) beyond [`MAX_BYTES`].
pub fn bytes_too_large(what: &str) -> Error {
    Error::new(format!(
        "result too large: {what} would be longer than the limit of {MAX_BYTES} bytes"
    ))
}

/// The error for an Array of `n` elements beyond [`MAX_ELEMENTS`].
pub fn elements_too_large(what: &str, n: impl std::fmt::Display) -> Error {
    Error::new(format!(
        "result too large: {what} would have {n} elements; the limit is {MAX_ELEMENTS}"
    ))
}
