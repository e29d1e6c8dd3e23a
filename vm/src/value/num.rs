//! Numeric helpers shared by arithmetic, comparison and conversion.
//!
//! Booleans take part in arithmetic and comparison as 0/1, the way the
//! original (Python) engine treats them.

use std::cmp::Ordering;

use num_bigint::BigInt;
use num_traits::{FromPrimitive, Signed, ToPrimitive, Zero};

use super::{Error, Result, Value};

/// A borrowed view of a numeric value.
pub(crate) enum Num<'a> {
    Int(i64),
    Big(&'a BigInt),
    Float(f64),
}

impl Value {
    /// Normalise a BigInt: values that fit in i64 take the fast path.
    pub fn from_bigint(b: BigInt) -> Value {
        match b.to_i64() {
            Some(i) => Value::Int(i),
            None => Value::BigInt(std::rc::Rc::new(b)),
        }
    }

    /// The numeric view of a value (Integer, Float, Boolean), or None.
    pub(crate) fn as_num(&self) -> Option<Num<'_>> {
        match self {
            Value::Int(i) => Some(Num::Int(*i)),
            Value::BigInt(b) => Some(Num::Big(b)),
            Value::Float(f) => Some(Num::Float(*f)),
            Value::Bool(b) => Some(Num::Int(*b as i64)),
            _ => None,
        }
    }

    /// The value as an integer (Integer or Boolean), as a BigInt.
    pub(crate) fn as_bigint(&self) -> Option<BigInt> {
        match self {
            Value::Int(i) => Some(BigInt::from(*i)),
            Value::BigInt(b) => Some((**b).clone()),
            Value::Bool(b) => Some(BigInt::from(*b as i64)),
            _ => None,
        }
    }

    /// The value as an i64 when it is an Integer/Boolean that fits; BigInt gives None.
    pub(crate) fn as_i64(&self) -> Option<i64> {
        match self {
            Value::Int(i) => Some(*i),
            Value::Bool(b) => Some(*b as i64),
            _ => None,
        }
    }

    /// True for Integer and Boolean (the integral numbers).
    pub(crate) fn is_integral(&self) -> bool {
        matches!(self, Value::Int(_) | Value::BigInt(_) | Value::Bool(_))
    }
}

/// Convert a BigInt to f64 the way Python does: an error when too large.
pub(crate) fn big_to_f64(b: &BigInt) -> Result<f64> {
    match b.to_f64() {
        Some(f) if f.is_finite() => Ok(f),
        _ => Err(Error::new("integer too large to convert to Float")),
    }
}

impl Num<'_> {
    pub(crate) fn to_f64(&self) -> Result<f64> {
        match self {
            Num::Int(i) => Ok(*i as f64),
            Num::Big(b) => big_to_f64(b),
            Num::Float(f) => Ok(*f),
        }
    }
}

/// Exact comparison of an integer with a float (Python compares them exactly).
pub(crate) fn cmp_int_float(i: &BigInt, f: f64) -> Option<Ordering> {
    if f.is_nan() {
        return None;
    }
    if f.is_infinite() {
        return Some(if f > 0.0 {
            Ordering::Less
        } else {
            Ordering::Greater
        });
    }
    let fl = f.floor();
    let fb = BigInt::from_f64(fl)?;
    match i.cmp(&fb) {
        Ordering::Equal if f > fl => Some(Ordering::Less),
        o => Some(o),
    }
}

/// Numeric comparison of two numbers; None when a NaN is involved.
pub(crate) fn num_cmp(a: &Num, b: &Num) -> Option<Ordering> {
    const EXACT: i64 = 1 << 53;
    match (a, b) {
        (Num::Int(x), Num::Int(y)) => Some(x.cmp(y)),
        (Num::Float(x), Num::Float(y)) => x.partial_cmp(y),
        (Num::Int(x), Num::Float(y)) if x.abs() <= EXACT => (*x as f64).partial_cmp(y),
        (Num::Float(x), Num::Int(y)) if y.abs() <= EXACT => x.partial_cmp(&(*y as f64)),
        (Num::Float(x), _) => cmp_int_float(&b.to_big()?, *x).map(Ordering::reverse),
        (_, Num::Float(y)) => cmp_int_float(&a.to_big()?, *y),
        _ => Some(a.to_big()?.cmp(&b.to_big()?)),
    }
}

impl Num<'_> {
    fn to_big(&self) -> Option<BigInt> {
        match self {
            Num::Int(i) => Some(BigInt::from(*i)),
            Num::Big(b) => Some((*b).clone()),
            Num::Float(_) => None,
        }
    }
}

/// Float division of two integers, correct for integers beyond f64's range.
pub(crate) fn int_true_div(a: &BigInt, b: &BigInt) -> Result<f64> {
    if b.is_zero() {
        return Err(Error::new("division by zero"));
    }
    if let (Some(x), Some(y)) = (a.to_i64(), b.to_i64()) {
        if x.abs() <= 1 << 53 && y.abs() <= 1 << 53 {
            return Ok(x as f64 / y as f64);
        }
    }
    // Scale the dividend so the integer quotient keeps ~64 significant bits.
    let shift = 64 + b.bits() as i64 - a.bits() as i64;
    let q = if shift >= 0 {
        (a << (shift as usize)) / b
    } else {
        a / (b << ((-shift) as usize))
    };
    let qf = q.to_f64().unwrap_or(f64::INFINITY);
    let r = scale_pow2(qf, -shift);
    if r.is_infinite() {
        return Err(Error::new("integer division result too large for a Float"));
    }
    Ok(r)
}

/// x * 2^e without intermediate overflow of 2^e.
fn scale_pow2(mut x: f64, mut e: i64) -> f64 {
    while e > 1000 {
        x *= 2f64.powi(1000);
        e -= 1000;
    }
    while e < -1000 {
        x *= 2f64.powi(-1000);
        e += 1000;
    }
    x * 2f64.powi(e as i32)
}

/// Python's `int(f)`: truncation toward zero; inf/nan are errors.
pub(crate) fn float_to_int(f: f64) -> Result<Value> {
    if f.is_nan() {
        return Err(Error::new("cannot convert Float NaN to Integer"));
    }
    if f.is_infinite() {
        return Err(Error::new("cannot convert Float infinity to Integer"));
    }
    let t = f.trunc();
    if t.abs() < 9.0e18 {
        return Ok(Value::Int(t as i64));
    }
    BigInt::from_f64(t)
        .map(Value::from_bigint)
        .ok_or_else(|| Error::new("cannot convert Float to Integer"))
}

/// Sign test helper used by floored remainder.
pub(crate) fn big_is_neg(b: &BigInt) -> bool {
    b.is_negative()
}
