//! Indexing `x[k]`, attribute access `x.name` and their update-job forms
//! (language.md §4.4, §7.3; library.md §2).

use std::rc::Rc;

use chrono::{Datelike, Timelike, Utc};

use super::datetime::{td_micros, td_parts};
use super::{BoundMethod, Error, Key, Result, Value};
use crate::builtins::methods::{is_method, DICT_METHODS};

/// Resolve a possibly negative index against `len`.
fn resolve(index: &Value, len: usize, what: &str) -> Result<usize> {
    let i = match index {
        Value::Int(_) | Value::Bool(_) => index.as_i64().unwrap_or(0),
        // Any BigInt is out of range of any container.
        Value::BigInt(_) => return Err(Error::new(format!("{what} index out of range"))),
        other => {
            return Err(Error::new(format!(
                "{what} index must be an Integer, not {}",
                other.type_name()
            )))
        }
    };
    let n = len as i64;
    let j = if i < 0 { i + n } else { i };
    if (0..n).contains(&j) {
        Ok(j as usize)
    } else {
        Err(Error::new(format!(
            "{what} index out of range: {i} (length {len})"
        )))
    }
}

/// `container[key]`.
pub fn get_index(container: &Value, key: &Value) -> Result<Value> {
    match container {
        Value::Array(a) => {
            let a = a.borrow();
            let i = resolve(key, a.len(), "Array")?;
            Ok(a[i].clone())
        }
        Value::Dict(d) => {
            let k = Key::new(key.clone())?;
            d.borrow()
                .get(&k)
                .cloned()
                .ok_or_else(|| Error::new(format!("key {} not found", key.to_nested_text())))
        }
        Value::Str(s) => {
            let n = s.chars().count();
            let i = resolve(key, n, "String")?;
            Ok(s.chars()
                .nth(i)
                .map(|c| Value::str(c.encode_utf8(&mut [0; 4])))
                .unwrap_or(Value::Null))
        }
        Value::Bytes(b) => {
            let i = resolve(key, b.len(), "Binary")?;
            Ok(Value::Int(b[i] as i64))
        }
        other => Err(Error::new(format!(
            "{} cannot be indexed",
            other.type_name()
        ))),
    }
}

/// `[value >> container[key]]`: arrays never grow; dictionaries set or add.
pub fn set_index(container: &Value, key: Value, value: Value) -> Result<()> {
    match container {
        Value::Array(a) => {
            let mut a = a.borrow_mut();
            let i = resolve(&key, a.len(), "Array")?;
            a[i] = value;
            Ok(())
        }
        Value::Dict(d) => {
            let k = Key::new(key)?;
            d.borrow_mut().insert(k, value);
            Ok(())
        }
        other => Err(Error::new(format!(
            "{} does not support item assignment",
            other.type_name()
        ))),
    }
}

fn bound(v: &Value, name: &str) -> Value {
    Value::Method(Rc::new(BoundMethod {
        receiver: v.clone(),
        name: Rc::from(name),
    }))
}

/// `v.name`: Dictionary methods, then entries; read-only properties of the
/// other types; else a bound method of that type.
pub fn get_attr(v: &Value, name: &str) -> Result<Value> {
    if let Value::Dict(d) = v {
        if DICT_METHODS.contains(&name) {
            return Ok(bound(v, name));
        }
        return d
            .borrow()
            .get(&Key::str(name))
            .cloned()
            .ok_or_else(|| Error::new(format!("Dictionary has no key '{name}'")));
    }
    if let Some(p) = property(v, name) {
        return Ok(p);
    }
    if is_method(v, name) {
        return Ok(bound(v, name));
    }
    if let Value::Process(_) = v {
        return Err(Error::new(format!(
            "a Process has no attribute '{name}' (it has: {})",
            super::process::PROPERTIES.join(", ")
        )));
    }
    Err(Error::new(format!(
        "{} has no attribute '{name}'",
        v.type_name()
    )))
}

/// Read-only properties of non-Dictionary values.
fn property(v: &Value, name: &str) -> Option<Value> {
    let int = |i: i64| Some(Value::Int(i));
    match v {
        Value::Datetime(dt) => {
            let l = dt.naive_local();
            match name {
                "year" => int(l.year() as i64),
                "month" => int(l.month() as i64),
                "day" => int(l.day() as i64),
                "hour" => int(l.hour() as i64),
                "minute" => int(l.minute() as i64),
                "second" => int(l.second() as i64),
                "microsecond" => int((l.nanosecond() / 1000 % 1_000_000) as i64),
                "weekday" => int(l.weekday().num_days_from_monday() as i64),
                "date" => Some(Value::Date(l.date())),
                "time" => Some(Value::Time(l.time())),
                "utc" => Some(Value::Datetime(dt.with_timezone(&Utc).fixed_offset())),
                _ => None,
            }
        }
        Value::Date(d) => match name {
            "year" => int(d.year() as i64),
            "month" => int(d.month() as i64),
            "day" => int(d.day() as i64),
            "weekday" => int(d.weekday().num_days_from_monday() as i64),
            _ => None,
        },
        Value::Time(t) => match name {
            "hour" => int(t.hour() as i64),
            "minute" => int(t.minute() as i64),
            "second" => int(t.second() as i64),
            "microsecond" => int((t.nanosecond() / 1000 % 1_000_000) as i64),
            _ => None,
        },
        Value::Timedelta(t) => {
            let (days, secs, us) = td_parts(t);
            match name {
                "days" => int(days),
                "seconds" => int(secs),
                "microseconds" => int(us),
                "total_seconds" => Some(Value::Float(td_micros(t) as f64 / 1e6)),
                _ => None,
            }
        }
        Value::Pattern(p) => match name {
            "type" => Some(Value::str(p.kind_letter())),
            "pattern" => Some(Value::Str(p.text.clone())),
            "mode" => Some(Value::str(if p.icase { "i" } else { "" })),
            _ => None,
        },
        Value::Process(p) => super::process::property(&p.borrow(), name),
        Value::Channel(c) => {
            let c = c.borrow();
            match name {
                "message_count" => int(c.messages.len() as i64),
                "event_count" => int(c.waiters.len() as i64),
                "data" if c.session.is_some() => Some(crate::interp::unread(&c)),
                _ => None,
            }
        }
        _ => None,
    }
}

/// `[value >> v.name]`: only Dictionaries have writable attributes here.
pub fn set_attr(v: &Value, name: &str, value: Value) -> Result<()> {
    match v {
        Value::Dict(d) => {
            d.borrow_mut().insert(Key::str(name), value);
            Ok(())
        }
        other => Err(Error::new(format!(
            "cannot set attribute '{name}' of {}",
            other.type_name()
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use indexmap::IndexMap;

    fn arr() -> Value {
        Value::array(vec![Value::Int(10), Value::str("x"), Value::Null])
    }

    #[test]
    fn array_indexing() {
        let a = arr();
        assert_eq!(get_index(&a, &Value::Int(0)).unwrap().to_text(), "10");
        assert_eq!(get_index(&a, &Value::Int(-1)).unwrap().to_text(), "null");
        assert!(get_index(&a, &Value::Int(3)).is_err());
        assert!(get_index(&a, &Value::Int(-4)).is_err());
        assert!(get_index(&a, &Value::str("0")).is_err());
        set_index(&a, Value::Int(0), Value::Int(99)).unwrap();
        assert!(set_index(&a, Value::Int(3), Value::Int(1)).is_err());
        assert_eq!(a.to_text(), "[99, 'x', null]");
    }

    #[test]
    fn string_and_binary_indexing() {
        let s = Value::str("héllo");
        assert_eq!(get_index(&s, &Value::Int(1)).unwrap().to_text(), "é");
        assert_eq!(get_index(&s, &Value::Int(-1)).unwrap().to_text(), "o");
        assert!(get_index(&s, &Value::Int(5)).is_err());
        let b = Value::Bytes(Rc::from(&b"\x01\xff"[..]));
        assert_eq!(get_index(&b, &Value::Int(1)).unwrap().to_text(), "255");
        assert!(get_index(&Value::Int(1), &Value::Int(0)).is_err());
    }

    #[test]
    fn dictionaries() {
        let d = Value::dict(IndexMap::new());
        set_attr(&d, "name", Value::str("web1")).unwrap();
        set_index(&d, Value::str("get_keys"), Value::Int(1)).unwrap();
        set_index(&d, Value::Int(1), Value::str("one")).unwrap();
        assert_eq!(get_attr(&d, "name").unwrap().to_text(), "web1");
        assert!(matches!(
            get_attr(&d, "get_keys").unwrap(),
            Value::Method(_)
        ));
        assert_eq!(
            get_index(&d, &Value::str("get_keys")).unwrap().to_text(),
            "1"
        );
        assert_eq!(get_index(&d, &Value::Float(1.0)).unwrap().to_text(), "one");
        assert_eq!(
            get_attr(&d, "x").unwrap_err().message,
            "Dictionary has no key 'x'"
        );
        assert_eq!(
            get_index(&d, &Value::str("x")).unwrap_err().message,
            "key 'x' not found"
        );
        assert!(set_index(&d, Value::array(vec![]), Value::Null).is_err());
    }

    #[test]
    fn properties_and_methods() {
        let s = Value::str("abc");
        assert!(matches!(get_attr(&s, "upper").unwrap(), Value::Method(_)));
        assert_eq!(
            get_attr(&s, "nope").unwrap_err().message,
            "String has no attribute 'nope'"
        );
        assert!(set_attr(&s, "x", Value::Null).is_err());
        let td = Value::Timedelta(chrono::TimeDelta::seconds(-1));
        assert_eq!(get_attr(&td, "days").unwrap().to_text(), "-1");
        assert_eq!(get_attr(&td, "seconds").unwrap().to_text(), "86399");
        assert_eq!(get_attr(&td, "total_seconds").unwrap().to_text(), "-1.0");
        assert!(get_attr(&Value::Int(1), "real").is_err());
    }
}
