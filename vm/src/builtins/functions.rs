//! The pure (core) built-in functions of library.md §1.3–§1.7.

use std::rc::Rc;

use chrono::{DateTime, FixedOffset, Local, NaiveDateTime, TimeZone, Timelike, Utc};
use num_bigint::BigInt;
use num_traits::{Signed, ToPrimitive};

use super::args::{bind, Bound};
use super::{codec, json, mail};
use crate::value::datetime::{
    check_datetime, parse_date, parse_iso_datetime, parse_time, strptime, td_from_micros,
};
use crate::value::limits::{self, MAX_BYTES, MAX_INT_DIGITS};
use crate::value::num::float_to_int;
use crate::value::{get_attr, Args, Error, Key, Pattern, PatternKind, Result, Value};

/// Names handled by [`call_function`].
pub const PURE_FUNCTIONS: &[&str] = &[
    "int",
    "float",
    "string",
    "bytes",
    "type",
    "length",
    "has_key",
    "encode",
    "decode",
    "datetime",
    "date",
    "time",
    "timedelta",
    "pattern",
    "iprange",
    "json_parse",
    "json_dump",
    "mail_parse",
];

/// `now()`: the host's time `clock` in the local zone, to the microsecond (Python
/// datetimes carry microseconds, not nanoseconds).
pub fn now(args: Args, clock: DateTime<Utc>) -> Result<Value> {
    bind("now", args, &[], 0)?;
    let now = clock.with_timezone(&Local).fixed_offset();
    let micros = now.nanosecond() / 1000 * 1000;
    Ok(Value::Datetime(now.with_nanosecond(micros).unwrap_or(now)))
}

/// Largest network `iprange` expands: a /12 (each address is a String of its own).
const MAX_HOSTS: u64 = 1 << 20;

/// Whether `name` is one of the pure built-in functions.
pub fn is_pure_function(name: &str) -> bool {
    PURE_FUNCTIONS.contains(&name)
}

/// Call pure built-in function `name`.
pub fn call_function(name: &str, args: Args) -> Result<Value> {
    match name {
        "int" => {
            let a = bind(name, args, &["x"], 0)?;
            to_int(a.opt(0).unwrap_or(&Value::Int(0)))
        }
        "float" => {
            let a = bind(name, args, &["x"], 0)?;
            to_float(a.opt(0).unwrap_or(&Value::Float(0.0)))
        }
        "string" => {
            let a = bind(name, args, &["obj"], 1)?;
            Ok(Value::str(&a.req(0).to_text()))
        }
        "bytes" => {
            let a = bind(name, args, &["b", "encoding"], 0)?;
            to_bytes(&a)
        }
        "type" => {
            let a = bind(name, args, &["obj"], 1)?;
            Ok(Value::str(a.req(0).type_name()))
        }
        "length" => {
            let a = bind(name, args, &["obj"], 1)?;
            length(a.req(0))
        }
        "has_key" => {
            let a = bind(name, args, &["obj", "key"], 2)?;
            Ok(Value::Bool(has_key(a.req(0), a.req(1))))
        }
        "encode" => {
            let a = bind(name, args, &["message", "encoding"], 1)?;
            let Value::Str(s) = a.req(0) else {
                return Err(a.type_error(0, "a String"));
            };
            Ok(Value::Bytes(
                codec::encode(s, a.string_or(1, "utf-8")?)?.into(),
            ))
        }
        "decode" => {
            let a = bind(name, args, &["data", "encoding"], 1)?;
            let Value::Bytes(b) = a.req(0) else {
                return Err(a.type_error(0, "a Binary"));
            };
            Ok(Value::str(&codec::decode(b, a.string_or(1, "utf-8")?)?))
        }
        "datetime" => {
            let a = bind(name, args, &["dt_str_or_date", "dt_fmt_or_time", "zone"], 1)?;
            make_datetime(&a)
        }
        "date" => {
            let a = bind(name, args, &["date_str", "dt_fmt"], 1)?;
            let Value::Str(s) = a.req(0) else {
                return Err(a.type_error(0, "a String"));
            };
            match a.opt_nonnull(1) {
                None => Ok(Value::Date(parse_date(s)?)),
                Some(Value::Str(f)) => Ok(Value::Date(strptime(s, f)?.date()?)),
                Some(_) => Err(a.type_error(1, "a String")),
            }
        }
        "time" => {
            let a = bind(name, args, &["time_str", "dt_fmt"], 1)?;
            let Value::Str(s) = a.req(0) else {
                return Err(a.type_error(0, "a String"));
            };
            match a.opt_nonnull(1) {
                None => Ok(Value::Time(parse_time(s)?)),
                Some(Value::Str(f)) => Ok(Value::Time(strptime(s, f)?.time()?)),
                Some(_) => Err(a.type_error(1, "a String")),
            }
        }
        "timedelta" => {
            let a = bind(
                name,
                args,
                &["days", "hours", "minutes", "seconds", "microseconds"],
                0,
            )?;
            make_timedelta(&a)
        }
        "pattern" => {
            let a = bind(name, args, &["pattern", "typ", "mode"], 1)?;
            make_pattern(&a)
        }
        "iprange" => {
            let a = bind(name, args, &["address"], 1)?;
            let Value::Str(s) = a.req(0) else {
                return Err(a.type_error(0, "a String"));
            };
            iprange(s)
        }
        "json_parse" => {
            let a = bind(name, args, &["data", "strict"], 1)?;
            let strict = a.bool_or(1, false);
            match a.req(0) {
                Value::Str(s) => json::parse(s, strict),
                Value::Bytes(b) => json::parse(&codec::decode(b, "utf-8")?, strict),
                _ => Err(a.type_error(0, "a String or Binary")),
            }
        }
        "json_dump" => {
            let a = bind(name, args, &["obj", "ensure_ascii", "indent"], 1)?;
            let indent = match a.opt_nonnull(2) {
                None => None,
                Some(Value::Str(s)) => Some(s.to_string()),
                Some(v @ (Value::Int(_) | Value::BigInt(_) | Value::Bool(_))) => {
                    let n = v.as_i64().unwrap_or(0);
                    if n > 1024 {
                        return Err(Error::new("json_dump(): indent too large"));
                    }
                    Some(" ".repeat(n.max(0) as usize))
                }
                Some(_) => return Err(a.type_error(2, "an Integer, a String or null")),
            };
            Ok(Value::str(&json::dump(
                a.req(0),
                a.bool_or(1, true),
                indent.as_deref(),
            )?))
        }
        "mail_parse" => {
            let a = bind(name, args, &["data"], 1)?;
            match a.req(0) {
                Value::Str(s) => mail::parse(s.as_bytes()),
                Value::Bytes(b) => mail::parse(b),
                _ => Err(a.type_error(0, "a String or Binary")),
            }
        }
        _ => Err(Error::new(format!("unknown built-in function '{name}'"))),
    }
}

/// Digits with single `_` between digits (Python numeric literal rule); returns them without `_`.
fn strip_underscores(s: &str) -> Option<String> {
    if s.starts_with('_') || s.ends_with('_') || s.contains("__") {
        return None;
    }
    Some(s.replace('_', ""))
}

fn is_py_space(c: char) -> bool {
    c.is_whitespace() || ('\x1c'..='\x1f').contains(&c)
}

/// `int(x)`.
pub fn to_int(x: &Value) -> Result<Value> {
    match x {
        Value::Int(_) | Value::BigInt(_) => Ok(x.clone()),
        Value::Bool(b) => Ok(Value::Int(*b as i64)),
        Value::Float(f) => float_to_int(*f),
        Value::Str(s) => {
            let bad = || {
                Error::new(format!(
                    "invalid literal for int() with base 10: {}",
                    x.to_nested_text()
                ))
            };
            let t = s.trim_matches(is_py_space);
            let (neg, digits) = match t.strip_prefix('-') {
                Some(d) => (true, d),
                None => (false, t.strip_prefix('+').unwrap_or(t)),
            };
            let digits = strip_underscores(digits).ok_or_else(bad)?;
            if digits.is_empty() || !digits.chars().all(|c| c.is_ascii_digit()) {
                return Err(bad());
            }
            // Parsing is quadratic in the length: bound it like any Integer result.
            if digits.trim_start_matches('0').len() as u64 > MAX_INT_DIGITS {
                return Err(limits::int_too_large());
            }
            let n: BigInt = digits.parse().map_err(|_| bad())?;
            Ok(Value::from_bigint(if neg { -n } else { n }))
        }
        other => Err(Error::new(format!(
            "int() cannot convert {}",
            other.type_name()
        ))),
    }
}

/// `float(x)`.
pub fn to_float(x: &Value) -> Result<Value> {
    match x {
        Value::Float(_) => Ok(x.clone()),
        Value::Int(_) | Value::BigInt(_) | Value::Bool(_) => match x.as_num() {
            Some(n) => n.to_f64().map(Value::Float),
            None => Err(Error::new("float() cannot convert the value")),
        },
        Value::Str(s) => {
            let bad = || {
                Error::new(format!(
                    "could not convert string to float: {}",
                    x.to_nested_text()
                ))
            };
            let t = s.trim_matches(is_py_space);
            let (sign, body) = match t.strip_prefix('-') {
                Some(b) => (-1.0, b),
                None => (1.0, t.strip_prefix('+').unwrap_or(t)),
            };
            let lower = body.to_ascii_lowercase();
            match lower.as_str() {
                "inf" | "infinity" => return Ok(Value::Float(sign * f64::INFINITY)),
                "nan" => return Ok(Value::Float(f64::NAN)),
                _ => {}
            }
            let body = strip_underscores(body).ok_or_else(bad)?;
            // Rust's parser also takes "inf"/"nan" spellings; only plain decimals get here.
            if body.is_empty()
                || !body
                    .chars()
                    .all(|c| c.is_ascii_digit() || matches!(c, '.' | 'e' | 'E' | '+' | '-'))
            {
                return Err(bad());
            }
            body.parse::<f64>()
                .map(|f| Value::Float(sign * f))
                .map_err(|_| bad())
        }
        other => Err(Error::new(format!(
            "float() cannot convert {}",
            other.type_name()
        ))),
    }
}

fn to_bytes(a: &Bound) -> Result<Value> {
    let Some(b) = a.opt(0) else {
        return Ok(Value::Bytes(Rc::from(&[][..])));
    };
    match b {
        Value::Bytes(_) => Ok(b.clone()),
        Value::Str(s) => Ok(Value::Bytes(
            codec::encode(s, a.string_or(1, "utf-8")?)?.into(),
        )),
        Value::Int(_) | Value::BigInt(_) | Value::Bool(_) => {
            let n = b.as_bigint().unwrap_or_default();
            if n.is_negative() {
                return Err(Error::new("bytes(): negative count"));
            }
            match n.to_usize() {
                Some(k) if k <= MAX_BYTES => Ok(Value::Bytes(vec![0u8; k].into())),
                _ => Err(Error::new(format!(
                    "bytes(): result too large: {n} bytes; the limit is {MAX_BYTES}"
                ))),
            }
        }
        Value::Array(items) => {
            let items = items.borrow();
            let mut out = Vec::with_capacity(items.len());
            for it in items.iter() {
                match it.as_i64() {
                    Some(v) if (0..=255).contains(&v) => out.push(v as u8),
                    Some(_) | None if it.is_integral() => {
                        return Err(Error::new("bytes(): element must be in range 0–255"))
                    }
                    _ => {
                        return Err(Error::new(format!(
                            "bytes(): elements must be Integers, not {}",
                            it.type_name()
                        )))
                    }
                }
            }
            Ok(Value::Bytes(out.into()))
        }
        _ => Err(a.type_error(0, "an Integer, String, Array or Binary")),
    }
}

fn length(v: &Value) -> Result<Value> {
    let n = match v {
        Value::Array(a) => a.borrow().len(),
        Value::Dict(d) => d.borrow().len(),
        Value::Str(s) => s.chars().count(),
        Value::Bytes(b) => b.len(),
        other => {
            return Err(Error::new(format!(
                "length(): {} has no length",
                other.type_name()
            )))
        }
    };
    Ok(Value::Int(n as i64))
}

/// `has_key(obj, key)`: never raises.
pub fn has_key(obj: &Value, key: &Value) -> bool {
    match obj {
        Value::Dict(d) => Key::new(key.clone()).is_ok_and(|k| d.borrow().contains_key(&k)),
        _ => match key {
            Value::Str(name) => get_attr(obj, name).is_ok(),
            _ => false,
        },
    }
}

/// An IANA zone, or the local zone when `zone` is None, applied to a naive time.
fn localize(naive: NaiveDateTime, zone: Option<&str>) -> Result<DateTime<FixedOffset>> {
    let missing = || {
        Error::new(format!(
            "datetime(): {naive} does not exist in that time zone"
        ))
    };
    let dt = match zone {
        Some(z) => {
            let tz: chrono_tz::Tz = z
                .parse()
                .map_err(|_| Error::new(format!("unknown time zone '{z}'")))?;
            tz.from_local_datetime(&naive)
                .earliest()
                .ok_or_else(missing)?
                .fixed_offset()
        }
        None => Local
            .from_local_datetime(&naive)
            .earliest()
            .ok_or_else(missing)?
            .fixed_offset(),
    };
    check_datetime(dt)
}

fn make_datetime(a: &Bound) -> Result<Value> {
    let zone = match a.opt_nonnull(2) {
        None => None,
        Some(Value::Str(z)) => Some(z.to_string()),
        Some(_) => return Err(a.type_error(2, "a String")),
    };
    let (naive, offset) =
        match (a.req(0), a.opt_nonnull(1)) {
            (Value::Str(s), None) => parse_iso_datetime(s)?,
            (Value::Str(s), Some(Value::Str(f))) => {
                let p = strptime(s, f)?;
                (p.date()?.and_time(p.time()?), p.offset)
            }
            (Value::Date(d), Some(Value::Time(t))) => (d.and_time(*t), None),
            (Value::Date(d), None) => (d.and_time(chrono::NaiveTime::MIN), None),
            (Value::Datetime(dt), None) => (dt.naive_local(), Some(*dt.offset())),
            _ => return Err(Error::new(
                "datetime() takes a String (with an optional format String) or a Date and a Time",
            )),
        };
    let dt = match offset {
        // An offset in the text wins over `zone`.
        Some(off) => off
            .from_local_datetime(&naive)
            .single()
            .ok_or_else(|| Error::new("date value out of range"))?,
        None => localize(naive, zone.as_deref())?,
    };
    Ok(Value::Datetime(check_datetime(dt)?))
}

fn make_timedelta(a: &Bound) -> Result<Value> {
    const FACTORS: [i128; 5] = [86_400_000_000, 3_600_000_000, 60_000_000, 1_000_000, 1];
    let range = || Error::new("Timedelta out of range");
    let mut exact: i128 = 0;
    let mut frac: f64 = 0.0;
    for (i, f) in FACTORS.iter().enumerate() {
        match a.opt_nonnull(i) {
            None => {}
            Some(Value::Float(x)) => {
                if !x.is_finite() {
                    return Err(Error::new("timedelta(): cannot use inf or nan"));
                }
                frac += x * *f as f64;
            }
            Some(v @ (Value::Int(_) | Value::Bool(_))) => {
                let n = v.as_i64().unwrap_or(0) as i128;
                exact = n
                    .checked_mul(*f)
                    .and_then(|p| exact.checked_add(p))
                    .ok_or_else(range)?;
            }
            Some(Value::BigInt(_)) => return Err(range()),
            Some(_) => return Err(a.type_error(i, "an Integer or Float")),
        }
    }
    if frac.abs() > 1e20 {
        return Err(range());
    }
    let total = exact
        .checked_add(frac.round_ties_even() as i128)
        .ok_or_else(range)?;
    Ok(Value::Timedelta(td_from_micros(total)?))
}

fn make_pattern(a: &Bound) -> Result<Value> {
    let typ = a.opt(1).map_or("r".to_string(), |v| match v {
        Value::Str(s) => s.to_string(),
        other => other.to_text(),
    });
    let kind = match typ.as_str() {
        "r" => PatternKind::Regex,
        "g" => PatternKind::Glob,
        "e" => PatternKind::Exact,
        other => {
            return Err(Error::new(format!(
                "typ string must be one of 'e', 'g' or 'r', not '{other}'"
            )))
        }
    };
    let Value::Str(text) = a.req(0) else {
        return Err(Error::new(format!(
            "pattern must be string, not '{}'",
            a.req(0).type_name()
        )));
    };
    let mode = a.opt(2).map_or(String::new(), |v| match v {
        Value::Str(s) => s.to_string(),
        other => other.to_text(),
    });
    let icase = match mode.as_str() {
        "" => false,
        "i" => true,
        other => {
            return Err(Error::new(format!(
                "mode string must be 'i' or '', not '{other}'"
            )))
        }
    };
    Ok(Value::Pattern(Rc::new(Pattern::new(kind, text, icase)?)))
}

/// Host addresses of an IPv4 network, Python `IPv4Network(strict=False).hosts()`.
fn iprange(s: &str) -> Result<Value> {
    let bad = || Error::new(format!("iprange(): '{s}' is not an IPv4 network"));
    let (addr, prefix) = match s.trim().split_once('/') {
        Some((a, p)) => (a, p.parse::<u32>().map_err(|_| bad())?),
        None => (s.trim(), 32),
    };
    if prefix > 32 {
        return Err(bad());
    }
    let ip: std::net::Ipv4Addr = addr.parse().map_err(|_| bad())?;
    let mask: u32 = if prefix == 0 {
        0
    } else {
        u32::MAX << (32 - prefix)
    };
    let net = u32::from(ip) & mask;
    let size = 1u64 << (32 - prefix);
    let (first, count) = match prefix {
        32 => (net as u64, 1),
        31 => (net as u64, 2),
        _ => (net as u64 + 1, size - 2),
    };
    if count > MAX_HOSTS {
        return Err(Error::new(format!(
            "iprange(): result too large: '{s}' has {count} host addresses; the limit is {MAX_HOSTS} (a /12)"
        )));
    }
    Ok(Value::array(
        (first..first + count)
            .map(|n| Value::str(&std::net::Ipv4Addr::from(n as u32).to_string()))
            .collect(),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn call(name: &str, pos: Vec<Value>) -> String {
        call_kw(name, pos, vec![])
    }

    fn call_kw(name: &str, pos: Vec<Value>, kw: Vec<(&str, Value)>) -> String {
        let args = Args {
            pos,
            kw: kw.into_iter().map(|(k, v)| (Rc::from(k), v)).collect(),
        };
        match call_function(name, args) {
            Ok(v) => v.to_nested_text(),
            Err(e) => format!("error: {e}"),
        }
    }

    fn s(x: &str) -> Value {
        Value::str(x)
    }

    #[test]
    fn conversions() {
        assert_eq!(call("int", vec![s("42")]), "42");
        assert_eq!(call("int", vec![s("  -7 ")]), "-7");
        assert_eq!(call("int", vec![]), "0");
        assert_eq!(call("int", vec![s("1_000")]), "1000");
        assert_eq!(
            call("int", vec![s("123456789012345678901234567890")]),
            "123456789012345678901234567890"
        );
        assert_eq!(
            call("int", vec![s("1.5")]),
            "error: invalid literal for int() with base 10: '1.5'"
        );
        assert_eq!(
            call("int", vec![s("0x10")]),
            "error: invalid literal for int() with base 10: '0x10'"
        );
        assert_eq!(call("int", vec![Value::Float(-2.7)]), "-2");
        assert_eq!(call("int", vec![Value::Bool(true)]), "1");
        assert!(call("int", vec![Value::Null]).starts_with("error"));
        assert!(call("int", vec![Value::Float(f64::INFINITY)]).starts_with("error"));
        assert_eq!(call("float", vec![s("2.5")]), "2.5");
        assert_eq!(call("float", vec![Value::Int(3)]), "3.0");
        assert_eq!(call("float", vec![]), "0.0");
        assert_eq!(call("float", vec![s("2.5e3")]), "2500.0");
        assert_eq!(call("float", vec![s("-Infinity")]), "-inf");
        assert_eq!(call("float", vec![s("nan")]), "nan");
        assert_eq!(
            call("float", vec![s("abc")]),
            "error: could not convert string to float: 'abc'"
        );
        assert_eq!(call("string", vec![Value::Float(3.0)]), "'3.0'");
        assert_eq!(call("string", vec![Value::Null]), "'null'");
        assert_eq!(call("type", vec![Value::Float(1.5)]), "'Float'");
        assert_eq!(call("length", vec![s("héllo")]), "5");
        assert!(call("length", vec![Value::Int(1)]).starts_with("error"));
        assert_eq!(
            call("string", vec![]),
            "error: string() missing required argument 'obj'"
        );
        assert_eq!(
            call("type", vec![Value::Null, Value::Null]),
            "error: type() takes at most 1 argument (2 given)"
        );
    }

    #[test]
    fn binaries() {
        assert_eq!(
            call(
                "bytes",
                vec![Value::array(vec![Value::Int(104), Value::Int(105)])]
            ),
            "b'hi'"
        );
        assert_eq!(call("bytes", vec![Value::Int(3)]), r"b'\x00\x00\x00'");
        assert_eq!(call("bytes", vec![s("ok")]), "b'ok'");
        assert_eq!(call("bytes", vec![]), "b''");
        assert!(call("bytes", vec![Value::Int(-1)]).starts_with("error"));
        assert!(call("bytes", vec![Value::Int(1 << 40)]).starts_with("error"));
        assert!(call("bytes", vec![Value::array(vec![Value::Int(256)])]).starts_with("error"));
        assert_eq!(call("encode", vec![s("A")]), "b'A'");
        assert_eq!(
            call("decode", vec![Value::Bytes(Rc::from(&b"\x41\x42"[..]))]),
            "'AB'"
        );
        assert_eq!(
            call("decode", vec![Value::Bytes(Rc::from(&b"\xe3\x81\x82"[..]))]),
            "'あ'"
        );
    }

    #[test]
    fn keys() {
        let mut m = indexmap::IndexMap::new();
        m.insert(Key::str("env"), s("prod"));
        let d = Value::dict(m);
        assert_eq!(call("has_key", vec![d.clone(), s("env")]), "true");
        assert_eq!(call("has_key", vec![d.clone(), s("x")]), "false");
        assert_eq!(call("has_key", vec![d, Value::array(vec![])]), "false");
        let td = call_function("timedelta", Args::default()).unwrap();
        assert_eq!(call("has_key", vec![td, s("days")]), "true");
    }

    #[test]
    fn dates_and_times() {
        assert_eq!(call("date", vec![s("2024-02-29")]), "2024-02-29");
        assert_eq!(
            call("date", vec![s("03/15/2023"), s("%m/%d/%Y")]),
            "2023-03-15"
        );
        assert_eq!(call("time", vec![s("07:05:09")]), "07:05:09");
        assert_eq!(call("time", vec![s("2330"), s("%H%M")]), "23:30:00");
        assert_eq!(
            call("datetime", vec![s("2024-02-28T22:30:00+09:00")]),
            "2024-02-28 22:30:00+09:00"
        );
        assert_eq!(
            call(
                "datetime",
                vec![s("2024-01-01 09:00"), s("%Y-%m-%d %H:%M"), s("Asia/Tokyo")]
            ),
            "2024-01-01 09:00:00+09:00"
        );
        assert_eq!(
            call_kw(
                "datetime",
                vec![s("2024-03-01 09:00")],
                vec![("zone", s("UTC"))]
            ),
            "2024-03-01 09:00:00+00:00"
        );
        assert_eq!(
            call_kw(
                "datetime",
                vec![s("2024-03-01 09:00+01:00")],
                vec![("zone", s("UTC"))]
            ),
            "2024-03-01 09:00:00+01:00"
        );
        assert_eq!(
            call_kw(
                "datetime",
                vec![s("2024-03-01")],
                vec![("zone", s("Nowhere"))]
            ),
            "error: unknown time zone 'Nowhere'"
        );
        assert!(call("datetime", vec![s("garbage")]).starts_with("error"));
        let d = call_function(
            "date",
            Args {
                pos: vec![s("2024-02-29")],
                kw: vec![],
            },
        )
        .unwrap();
        let t = call_function(
            "time",
            Args {
                pos: vec![s("10:00")],
                kw: vec![],
            },
        )
        .unwrap();
        assert_eq!(
            call_kw("datetime", vec![d, t], vec![("zone", s("UTC"))]),
            "2024-02-29 10:00:00+00:00"
        );
    }

    #[test]
    fn now_is_the_given_time_in_the_local_zone_to_the_microsecond() {
        let clock = Utc.with_ymd_and_hms(2030, 5, 6, 7, 8, 9).unwrap()
            + chrono::TimeDelta::nanoseconds(123_456_789);
        let Value::Datetime(t) = now(Args::default(), clock).unwrap() else {
            panic!("now() is a Datetime");
        };
        assert_eq!(t, clock - chrono::TimeDelta::nanoseconds(789));
        assert_eq!(t.offset(), clock.with_timezone(&Local).offset());
        let extra = Args {
            pos: vec![Value::Int(1)],
            kw: vec![],
        };
        assert!(now(extra, clock).is_err());
    }

    #[test]
    fn timedeltas() {
        let td = |kw: Vec<(&str, Value)>| call_kw("timedelta", vec![], kw);
        assert_eq!(
            td(vec![
                ("days", Value::Int(1)),
                ("hours", Value::Int(2)),
                ("minutes", Value::Int(3))
            ]),
            "1 day, 2:03:00"
        );
        assert_eq!(td(vec![("minutes", Value::Int(90))]), "1:30:00");
        assert_eq!(
            td(vec![("microseconds", Value::Int(250))]),
            "0:00:00.000250"
        );
        assert_eq!(td(vec![]), "0:00:00");
        assert_eq!(td(vec![("days", Value::Float(1.5))]), "1 day, 12:00:00");
        assert_eq!(td(vec![("hours", Value::Int(-1))]), "-1 day, 23:00:00");
        assert_eq!(
            td(vec![("days", Value::Int(1_000_000_000))]),
            "error: Timedelta out of range"
        );
        assert!(td(vec![("days", s("1"))]).starts_with("error"));
    }

    #[test]
    fn patterns() {
        assert_eq!(call("pattern", vec![s("web*"), s("g")]), "g'web*'");
        assert_eq!(
            call_kw("pattern", vec![s("^web[0-9]+$")], vec![("mode", s("i"))]),
            "r'^web[0-9]+$'i"
        );
        assert_eq!(
            call("pattern", vec![s("x"), s("q")]),
            "error: typ string must be one of 'e', 'g' or 'r', not 'q'"
        );
        assert_eq!(
            call("pattern", vec![Value::Int(1)]),
            "error: pattern must be string, not 'Integer'"
        );
        assert_eq!(
            call("pattern", vec![s("x"), s("r"), s("x")]),
            "error: mode string must be 'i' or '', not 'x'"
        );
        assert!(call("pattern", vec![s("(")]).starts_with("error: invalid regular expression"));
    }

    #[test]
    fn networks() {
        assert_eq!(
            call("iprange", vec![s("10.0.0.0/30")]),
            "['10.0.0.1', '10.0.0.2']"
        );
        assert_eq!(
            call("iprange", vec![s("192.168.0.1/31")]),
            "['192.168.0.0', '192.168.0.1']"
        );
        assert_eq!(
            call("iprange", vec![s("192.168.0.7/32")]),
            "['192.168.0.7']"
        );
        assert_eq!(
            call("iprange", vec![s("192.168.0.1/24")])
                .matches(", ")
                .count(),
            253
        );
        assert!(call("iprange", vec![s("10.0.0.0/33")]).starts_with("error"));
        assert!(call("iprange", vec![s("0.0.0.0/0")]).starts_with("error"));
    }

    #[test]
    fn json_and_mail() {
        assert_eq!(
            call("json_parse", vec![s(r#"{"a": [1, 2.5, null]}"#)]),
            "{a=[1, 2.5, null]}"
        );
        assert_eq!(
            call_kw(
                "json_dump",
                vec![s("café")],
                vec![("ensure_ascii", Value::Bool(false))]
            ),
            r#"'"café"'"#
        );
        assert_eq!(
            call_kw(
                "json_dump",
                vec![Value::array(vec![Value::Int(1)])],
                vec![("indent", Value::Int(2))]
            ),
            r"'[\n  1\n]'"
        );
        assert_eq!(
            call_kw("json_dump", vec![Value::Null], vec![("bogus", Value::Null)]),
            "error: json_dump() got an unexpected keyword argument 'bogus'"
        );
        assert_eq!(
            call("mail_parse", vec![s("Subject: hi\n\nbody")]),
            "{Subject='hi', Body='body', Filename=null, 'Is-Multipart'=false}"
        );
        assert_eq!(
            call("nosuch", vec![]),
            "error: unknown built-in function 'nosuch'"
        );
    }
}
