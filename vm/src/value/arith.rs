//! Arithmetic operators (language.md §7.7): i64 fast path, BigInt on
//! overflow, Float overflow as an error (Q17), repetition and concatenation,
//! date/time arithmetic.

use std::rc::Rc;

use chrono::{DateTime, FixedOffset, NaiveDate, TimeDelta};
use num_bigint::BigInt;
use num_integer::Integer;
use num_traits::{Signed, ToPrimitive, Zero};

use super::datetime::{check_date, check_datetime, td_from_micros, td_micros};
use super::limits::{self, MAX_BYTES, MAX_ELEMENTS};
use super::num::{big_is_neg, int_true_div, Num};
use super::{Error, Result, Value};

fn type_error(op: &str, a: &Value, b: &Value) -> Error {
    Error::new(format!(
        "cannot {op} {} and {}",
        a.type_name(),
        b.type_name()
    ))
}

/// A Float result; overflow from finite operands is an error (Q17).
fn float_result(r: f64, x: f64, y: f64) -> Result<Value> {
    if r.is_infinite() && x.is_finite() && y.is_finite() {
        return Err(Error::new("Float overflow"));
    }
    Ok(Value::Float(r))
}

/// Both operands as numbers; at least one Float → Some(floats).
fn as_floats(a: &Num, b: &Num) -> Result<Option<(f64, f64)>> {
    if matches!(a, Num::Float(_)) || matches!(b, Num::Float(_)) {
        Ok(Some((a.to_f64()?, b.to_f64()?)))
    } else {
        Ok(None)
    }
}

fn big(n: &Num) -> BigInt {
    match n {
        Num::Int(i) => BigInt::from(*i),
        Num::Big(b) => (*b).clone(),
        Num::Float(_) => BigInt::zero(),
    }
}

/// Integer op with an i64 fast path and BigInt fallback, within the size limit.
fn int_op(
    a: &Num,
    b: &Num,
    fast: fn(i64, i64) -> Option<i64>,
    slow: fn(BigInt, BigInt) -> BigInt,
) -> Result<Value> {
    if let (Num::Int(x), Num::Int(y)) = (a, b) {
        if let Some(r) = fast(*x, *y) {
            return Ok(Value::Int(r));
        }
    }
    limits::checked_int(slow(big(a), big(b)))
}

/// `a + b`.
pub fn add(a: &Value, b: &Value) -> Result<Value> {
    if let (Some(x), Some(y)) = (a.as_num(), b.as_num()) {
        if let Some((x, y)) = as_floats(&x, &y)? {
            return float_result(x + y, x, y);
        }
        return int_op(&x, &y, i64::checked_add, |p, q| p + q);
    }
    match (a, b) {
        (Value::Str(x), Value::Str(y)) if x.len() + y.len() > MAX_BYTES => {
            Err(limits::bytes_too_large("the joined String"))
        }
        (Value::Bytes(x), Value::Bytes(y)) if x.len() + y.len() > MAX_BYTES => {
            Err(limits::bytes_too_large("the joined Binary"))
        }
        (Value::Array(x), Value::Array(y))
            if x.borrow().len() + y.borrow().len() > MAX_ELEMENTS =>
        {
            let n = x.borrow().len() + y.borrow().len();
            Err(limits::elements_too_large("the joined Array", n))
        }
        (Value::Str(x), Value::Str(y)) => {
            let mut s = String::with_capacity(x.len() + y.len());
            s.push_str(x);
            s.push_str(y);
            Ok(Value::Str(Rc::from(s)))
        }
        (Value::Bytes(x), Value::Bytes(y)) => Ok(Value::Bytes([&x[..], &y[..]].concat().into())),
        (Value::Array(x), Value::Array(y)) => {
            let mut v = x.borrow().clone();
            v.extend(y.borrow().iter().cloned());
            Ok(Value::array(v))
        }
        (Value::Datetime(d), Value::Timedelta(t)) | (Value::Timedelta(t), Value::Datetime(d)) => {
            shift_datetime(d, *t)
        }
        (Value::Date(d), Value::Timedelta(t)) | (Value::Timedelta(t), Value::Date(d)) => {
            shift_date(d, td_days(t))
        }
        (Value::Timedelta(x), Value::Timedelta(y)) => Ok(Value::Timedelta(td_from_micros(
            td_micros(x) + td_micros(y),
        )?)),
        _ => Err(type_error("add", a, b)),
    }
}

/// `a - b`.
pub fn sub(a: &Value, b: &Value) -> Result<Value> {
    if let (Some(x), Some(y)) = (a.as_num(), b.as_num()) {
        if let Some((x, y)) = as_floats(&x, &y)? {
            return float_result(x - y, x, y);
        }
        return int_op(&x, &y, i64::checked_sub, |p, q| p - q);
    }
    match (a, b) {
        (Value::Datetime(x), Value::Datetime(y)) => {
            let us = td_micros(&x.signed_duration_since(*y));
            Ok(Value::Timedelta(td_from_micros(us)?))
        }
        (Value::Datetime(d), Value::Timedelta(t)) => shift_datetime(d, -*t),
        (Value::Date(x), Value::Date(y)) => {
            let days = x.signed_duration_since(*y).num_days();
            Ok(Value::Timedelta(td_from_micros(
                days as i128 * 86_400_000_000,
            )?))
        }
        // Python: date - td == date + timedelta(-td.days).
        (Value::Date(d), Value::Timedelta(t)) => shift_date(d, -td_days(t)),
        (Value::Timedelta(x), Value::Timedelta(y)) => Ok(Value::Timedelta(td_from_micros(
            td_micros(x) - td_micros(y),
        )?)),
        _ => Err(type_error("subtract", a, b)),
    }
}

/// The `days` field of a Timedelta (Python normalisation, floor).
fn td_days(t: &TimeDelta) -> i64 {
    td_micros(t).div_euclid(86_400_000_000) as i64
}

fn shift_datetime(d: &DateTime<FixedOffset>, t: TimeDelta) -> Result<Value> {
    let r = d
        .checked_add_signed(t)
        .ok_or_else(|| Error::new("date value out of range"))?;
    Ok(Value::Datetime(check_datetime(r)?))
}

fn shift_date(d: &NaiveDate, days: i64) -> Result<Value> {
    let t = TimeDelta::try_days(days).ok_or_else(|| Error::new("date value out of range"))?;
    let r = d
        .checked_add_signed(t)
        .ok_or_else(|| Error::new("date value out of range"))?;
    Ok(Value::Date(check_date(r)?))
}

/// `a * b`.
pub fn mul(a: &Value, b: &Value) -> Result<Value> {
    if let (Some(x), Some(y)) = (a.as_num(), b.as_num()) {
        if let Some((x, y)) = as_floats(&x, &y)? {
            return float_result(x * y, x, y);
        }
        if limits::product_too_large(big(&x).bits(), big(&y).bits()) {
            return Err(limits::int_too_large());
        }
        return int_op(&x, &y, i64::checked_mul, |p, q| p * q);
    }
    // Repetition and scaling, with the count on either side.
    let (seq, count) = if b.is_integral() {
        (a, b)
    } else if a.is_integral() {
        (b, a)
    } else {
        (a, b)
    };
    match (seq, count) {
        (Value::Str(s), n) if n.is_integral() => {
            let k = repeat_count(n, s.len(), MAX_BYTES)
                .map_err(|_| limits::bytes_too_large("the repeated String"))?;
            Ok(Value::Str(Rc::from(s.repeat(k))))
        }
        (Value::Bytes(s), n) if n.is_integral() => {
            let k = repeat_count(n, s.len(), MAX_BYTES)
                .map_err(|_| limits::bytes_too_large("the repeated Binary"))?;
            Ok(Value::Bytes(s.repeat(k).into()))
        }
        (Value::Array(items), n) if n.is_integral() => {
            let items = items.borrow();
            let k = repeat_count(n, items.len(), MAX_ELEMENTS)
                .map_err(|total| limits::elements_too_large("the repeated Array", total))?;
            let mut v = Vec::with_capacity(items.len() * k);
            for _ in 0..k {
                v.extend(items.iter().cloned());
            }
            Ok(Value::array(v))
        }
        (Value::Timedelta(t), n) | (n, Value::Timedelta(t)) if n.as_num().is_some() => {
            scale_timedelta(t, n)
        }
        _ => Err(type_error("multiply", a, b)),
    }
}

/// The repetition count of `n` for a sequence of `len` units; ≤ 0 gives 0. A result
/// beyond `max` units is an error carrying its size (as text: it may not fit a usize).
fn repeat_count(n: &Value, len: usize, max: usize) -> Result<usize, String> {
    let count = match n.as_bigint() {
        Some(c) if c.is_positive() => c,
        _ => return Ok(0),
    };
    if len == 0 {
        return Ok(0);
    }
    match count.to_usize() {
        Some(k) if k.checked_mul(len).is_some_and(|t| t <= max) => Ok(k),
        _ => Err((count * len).to_string()),
    }
}

/// Timedelta × number (Python rounds Float products half-to-even to µs).
fn scale_timedelta(t: &TimeDelta, n: &Value) -> Result<Value> {
    let us = td_micros(t);
    match n.as_num() {
        Some(Num::Float(f)) => {
            let r = (us as f64 * f).round_ties_even();
            if !r.is_finite() || r.abs() > 1e20 {
                return Err(Error::new("Timedelta out of range"));
            }
            Ok(Value::Timedelta(td_from_micros(r as i128)?))
        }
        Some(Num::Int(k)) => Ok(Value::Timedelta(td_from_micros(
            us.checked_mul(k as i128)
                .ok_or_else(|| Error::new("Timedelta out of range"))?,
        )?)),
        _ => Err(Error::new("Timedelta out of range")),
    }
}

/// `a / b`: true division, always Float for numbers (Q18).
pub fn div(a: &Value, b: &Value) -> Result<Value> {
    if let (Some(x), Some(y)) = (a.as_num(), b.as_num()) {
        if let Some((x, y)) = as_floats(&x, &y)? {
            if y == 0.0 {
                return Err(Error::new("division by zero"));
            }
            return float_result(x / y, x, y);
        }
        return Ok(Value::Float(int_true_div(&big(&x), &big(&y))?));
    }
    match (a, b) {
        (Value::Timedelta(x), Value::Timedelta(y)) => {
            let d = td_micros(y);
            if d == 0 {
                return Err(Error::new("division by zero"));
            }
            Ok(Value::Float(td_micros(x) as f64 / d as f64))
        }
        (Value::Timedelta(t), n) if n.as_num().is_some() => {
            let f = n.as_num().map(|k| k.to_f64()).transpose()?.unwrap_or(0.0);
            if f == 0.0 {
                return Err(Error::new("division by zero"));
            }
            let r = (td_micros(t) as f64 / f).round_ties_even();
            if !r.is_finite() || r.abs() > 1e20 {
                return Err(Error::new("Timedelta out of range"));
            }
            Ok(Value::Timedelta(td_from_micros(r as i128)?))
        }
        _ => Err(type_error("divide", a, b)),
    }
}

/// `a % b`: floored remainder with the sign of the divisor. (`String % mapping`
/// is [`super::percent_format`], dispatched by the interpreter.)
pub fn rem(a: &Value, b: &Value) -> Result<Value> {
    if let (Some(x), Some(y)) = (a.as_num(), b.as_num()) {
        if let Some((x, y)) = as_floats(&x, &y)? {
            if y == 0.0 {
                return Err(Error::new("modulo by zero"));
            }
            return Ok(Value::Float(float_mod(x, y)));
        }
        if let (Num::Int(p), Num::Int(q)) = (&x, &y) {
            if *q == 0 {
                return Err(Error::new("modulo by zero"));
            }
            if let Some(r) = p.checked_rem(*q) {
                return Ok(Value::Int(if r != 0 && ((r < 0) != (*q < 0)) {
                    r + q
                } else {
                    r
                }));
            }
        }
        let (p, q) = (big(&x), big(&y));
        if q.is_zero() {
            return Err(Error::new("modulo by zero"));
        }
        // mod_floor takes the sign of the divisor.
        let r = p.mod_floor(&q);
        debug_assert!(r.is_zero() || big_is_neg(&r) == big_is_neg(&q));
        return Ok(Value::from_bigint(r));
    }
    match (a, b) {
        (Value::Timedelta(x), Value::Timedelta(y)) => {
            let d = td_micros(y);
            if d == 0 {
                return Err(Error::new("modulo by zero"));
            }
            let r = td_micros(x).rem_euclid(d);
            let r = if r != 0 && d < 0 { r + d } else { r };
            Ok(Value::Timedelta(td_from_micros(r)?))
        }
        _ => Err(type_error("take the remainder of", a, b)),
    }
}

/// Python float `%`.
fn float_mod(x: f64, y: f64) -> f64 {
    let r = x % y;
    if r == 0.0 {
        0.0f64.copysign(y)
    } else if (r < 0.0) != (y < 0.0) {
        r + y
    } else {
        r
    }
}

/// Unary `-x`.
pub fn neg(a: &Value) -> Result<Value> {
    match a {
        Value::Int(i) => Ok(match i.checked_neg() {
            Some(n) => Value::Int(n),
            None => Value::from_bigint(-BigInt::from(*i)),
        }),
        Value::BigInt(b) => Ok(Value::from_bigint(-(**b).clone())),
        Value::Bool(b) => Ok(Value::Int(-(*b as i64))),
        Value::Float(f) => Ok(Value::Float(-f)),
        Value::Timedelta(t) => Ok(Value::Timedelta(td_from_micros(-td_micros(t))?)),
        _ => Err(Error::new(format!("cannot negate {}", a.type_name()))),
    }
}

/// Unary `+x`.
pub fn pos(a: &Value) -> Result<Value> {
    match a {
        Value::Int(_) | Value::BigInt(_) | Value::Float(_) | Value::Timedelta(_) => Ok(a.clone()),
        Value::Bool(b) => Ok(Value::Int(*b as i64)),
        _ => Err(Error::new(format!(
            "cannot apply unary + to {}",
            a.type_name()
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::value::datetime::parse_iso_datetime;

    fn i(n: i64) -> Value {
        Value::Int(n)
    }

    fn t(v: Result<Value>) -> String {
        v.map(|v| v.to_text())
            .unwrap_or_else(|e| format!("error: {e}"))
    }

    #[test]
    fn integers() {
        assert_eq!(t(add(&i(2), &i(3))), "5");
        assert_eq!(t(add(&i(i64::MAX), &i(1))), "9223372036854775808");
        assert_eq!(
            t(mul(&i(99999999999), &i(99999999999))),
            "9999999999800000000001"
        );
        assert_eq!(t(sub(&i(10), &i(20))), "-10");
        assert_eq!(t(neg(&i(i64::MIN))), "9223372036854775808");
        let big = add(&i(i64::MAX), &i(1)).unwrap();
        assert!(matches!(sub(&big, &i(1)).unwrap(), Value::Int(i64::MAX)));
        assert_eq!(t(add(&Value::Bool(true), &i(1))), "2");
    }

    #[test]
    fn division_and_remainder() {
        assert_eq!(t(div(&i(7), &i(2))), "3.5");
        assert_eq!(t(div(&i(6), &i(3))), "2.0");
        assert_eq!(t(div(&i(1), &i(0))), "error: division by zero");
        assert_eq!(
            t(div(&Value::Float(1.0), &Value::Float(0.0))),
            "error: division by zero"
        );
        assert_eq!(t(rem(&i(-7), &i(3))), "2");
        assert_eq!(t(rem(&i(7), &i(-3))), "-2");
        assert_eq!(t(rem(&i(17), &i(5))), "2");
        assert_eq!(t(rem(&i(i64::MIN), &i(-1))), "0");
        assert_eq!(t(rem(&Value::Float(-7.5), &i(2))), "0.5");
        assert_eq!(t(rem(&i(1), &i(0))), "error: modulo by zero");
        let ten400 = Value::from_bigint(BigInt::from(10).pow(400));
        let ten399 = Value::from_bigint(BigInt::from(10).pow(399));
        assert_eq!(t(div(&ten400, &ten399)), "10.0");
        assert!(add(&ten400, &Value::Float(1.0)).is_err());
    }

    #[test]
    fn floats() {
        assert_eq!(t(add(&i(1), &Value::Float(0.5))), "1.5");
        assert_eq!(t(mul(&Value::Float(2.0), &i(3))), "6.0");
        assert_eq!(
            t(mul(&Value::Float(1e300), &Value::Float(1e300))),
            "error: Float overflow"
        );
        assert_eq!(t(add(&Value::Float(f64::INFINITY), &i(1))), "inf");
        assert_eq!(t(neg(&Value::str("x"))), "error: cannot negate String");
    }

    #[test]
    fn sequences() {
        assert_eq!(t(add(&Value::str("ab"), &Value::str("cd"))), "abcd");
        assert_eq!(t(mul(&Value::str("-"), &i(5))), "-----");
        assert_eq!(t(mul(&i(3), &Value::str("xy"))), "xyxyxy");
        assert_eq!(t(mul(&Value::str("x"), &i(-2))), "");
        let a = Value::array(vec![i(0)]);
        assert_eq!(t(mul(&a, &i(3))), "[0, 0, 0]");
        assert_eq!(t(add(&a, &Value::array(vec![i(1)]))), "[0, 1]");
        assert_eq!(
            t(mul(&Value::Bytes(Rc::from(&b"ab"[..])), &i(2))),
            "b'abab'"
        );
        assert!(t(mul(&Value::str("x"), &i(1 << 40))).starts_with("error: result too large"));
        assert!(mul(&a, &i(1 << 30)).is_err());
        let huge = Value::from_bigint(BigInt::from(10).pow(30));
        assert!(mul(&a, &huge).is_err());
        assert_eq!(t(mul(&Value::str(""), &huge)), "");
        assert_eq!(
            t(add(&Value::str("a"), &i(1))),
            "error: cannot add String and Integer"
        );
    }

    #[test]
    fn dates() {
        let (a, o) = parse_iso_datetime("2024-03-01T08:00:00Z").unwrap();
        let a = Value::Datetime(a.and_local_timezone(o.unwrap()).unwrap());
        let (b, o) = parse_iso_datetime("2024-03-03T09:30:15Z").unwrap();
        let b = Value::Datetime(b.and_local_timezone(o.unwrap()).unwrap());
        let d = sub(&b, &a).unwrap();
        assert_eq!(d.to_text(), "2 days, 1:30:15");
        let day = Value::Timedelta(TimeDelta::days(1));
        assert_eq!(
            t(add(&a, &mul(&day, &i(30)).unwrap())),
            "2024-03-31 08:00:00+00:00"
        );
        assert_eq!(
            t(sub(&b, &mul(&i(3), &day).unwrap())),
            "2024-02-29 09:30:15+00:00"
        );
        assert_eq!(t(neg(&day)), "-1 day, 0:00:00");
        assert_eq!(t(div(&d, &day)), "2.0626736111111112");
        let date = Value::Date(NaiveDate::from_ymd_opt(2024, 2, 28).unwrap());
        assert_eq!(t(add(&date, &day)), "2024-02-29");
        let hour = Value::Timedelta(TimeDelta::hours(-1));
        assert_eq!(t(add(&date, &hour)), "2024-02-27");
        assert_eq!(
            t(sub(&date, &Value::Timedelta(TimeDelta::hours(1)))),
            "2024-02-28"
        );
        let max = Value::Timedelta(TimeDelta::days(999_999_999));
        assert!(add(&a, &max).is_err());
        assert!(add(&max, &max).is_err());
    }
}
