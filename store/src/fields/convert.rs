//! The conversion on write (library.md §4.1, §4.2, §3.4): a value becomes the stored form
//! of its field type, or the write is refused with a message naming the field and the rule.

use std::rc::Rc;

use chrono::{DateTime, FixedOffset, Local, NaiveDate, NaiveDateTime, NaiveTime, TimeZone};
use indexmap::IndexMap;
use jfc_vm::builtins::functions::{to_float, to_int};
use jfc_vm::value::datetime::{
    check_date, check_datetime, parse_date, parse_iso_datetime, parse_time,
};
use jfc_vm::value::{Key, Value};

use super::check;
use super::kind::ScalarType;
use super::qualifiers::Qualifiers;
use super::Resolve;

/// Where a value is being written: the field (or element) label for messages, the
/// qualifiers that apply and how to resolve object paths.
pub(super) struct Ctx<'a> {
    pub label: String,
    pub q: &'a Qualifiers,
    pub resolve: Resolve<'a>,
}

impl Ctx<'_> {
    /// `field `<label>`: <msg>`: every refusal names the field.
    pub fn err(&self, msg: impl std::fmt::Display) -> String {
        format!("field `{}`: {msg}", self.label)
    }

    fn element(&self, suffix: &str) -> Ctx<'_> {
        Ctx {
            label: format!("{}{suffix}", self.label),
            q: self.q,
            resolve: self.resolve,
        }
    }

    fn refuse(&self, v: &Value, target: &str) -> String {
        self.err(format!(
            "cannot convert {} {} to {target}",
            v.type_name(),
            show(v)
        ))
    }
}

/// A value as messages show it: the nested text form, cut when long.
pub(super) fn show(v: &Value) -> String {
    const MAX: usize = 60;
    let text = v.to_nested_text();
    if text.chars().count() <= MAX {
        return text;
    }
    let cut: String = text.chars().take(MAX).collect();
    format!("{cut}...")
}

/// A scalar field (or one element): null unsets (it skips every rule), anything else
/// is converted, then checked against the qualifiers.
pub(super) fn scalar(t: ScalarType, ctx: &Ctx, v: Value) -> Result<Value, String> {
    if matches!(v, Value::Null) {
        return Ok(Value::Null);
    }
    let v = to_type(t, ctx, v)?;
    check::qualifiers(t, ctx, &v)?;
    Ok(v)
}

/// `Array<T>`: a new Array whose elements are converted to T (§4.2).
pub(super) fn array(t: ScalarType, ctx: &Ctx, v: Value) -> Result<Value, String> {
    let items = match &v {
        Value::Null => return Ok(Value::Null),
        Value::Array(a) => a
            .try_borrow()
            .map_err(|_| ctx.err("the Array is in use"))?
            .clone(),
        _ => return Err(ctx.refuse(&v, &format!("Array<{}>", t.name()))),
    };
    let mut out = Vec::with_capacity(items.len());
    for (i, item) in items.into_iter().enumerate() {
        out.push(scalar(t, &ctx.element(&format!("[{i}]")), item)?);
    }
    Ok(Value::array(out))
}

/// `Dictionary<T>`: String keys (stripped with `key_strip`), values converted to T.
pub(super) fn dictionary(t: ScalarType, ctx: &Ctx, v: Value) -> Result<Value, String> {
    let entries = match &v {
        Value::Null => return Ok(Value::Null),
        Value::Dict(d) => d
            .try_borrow()
            .map_err(|_| ctx.err("the Dictionary is in use"))?
            .clone(),
        _ => return Err(ctx.refuse(&v, &format!("Dictionary<{}>", t.name()))),
    };
    let mut out = IndexMap::with_capacity(entries.len());
    for (k, item) in entries {
        let Value::Str(key) = k.value() else {
            return Err(ctx.err(format!("key {} is not a String", show(k.value()))));
        };
        let key = if ctx.q.key_strip { key.trim() } else { key };
        let element = ctx.element(&format!("[{}]", show(&Value::str(key))));
        // A later key that strips to the same text replaces the value (Python dict).
        out.insert(Key::str(key), scalar(t, &element, item)?);
    }
    Ok(Value::dict(out))
}

fn to_type(t: ScalarType, ctx: &Ctx, v: Value) -> Result<Value, String> {
    match t {
        ScalarType::String | ScalarType::Text | ScalarType::LargeText | ScalarType::Password => {
            Ok(to_text(ctx, v))
        }
        ScalarType::Binary => to_binary(ctx, v),
        ScalarType::Integer => to_integer(ctx, v),
        ScalarType::Float => to_float_value(ctx, v),
        ScalarType::Boolean => to_boolean(ctx, v),
        ScalarType::Enum => to_enum(ctx, v),
        ScalarType::File => to_file(ctx, v),
        ScalarType::Object => to_object(ctx, v),
        ScalarType::Datetime => to_datetime(ctx, v),
        ScalarType::Date => to_date(ctx, v),
        ScalarType::Time => to_time(ctx, v),
        ScalarType::IPAddress => check::ipv4(ctx, v),
        ScalarType::EMail => check::email(ctx, v),
        ScalarType::URL => check::url(ctx, v),
    }
}

/// `string()` of any value (§4.1), stripped first when `strip` is set.
fn to_text(ctx: &Ctx, v: Value) -> Value {
    let text = match v {
        Value::Str(ref s) if !ctx.q.strip => return Value::Str(s.clone()),
        Value::Str(ref s) => s.to_string(),
        other => other.to_text(),
    };
    if ctx.q.strip {
        Value::str(text.trim())
    } else {
        Value::str(&text)
    }
}

fn to_binary(ctx: &Ctx, v: Value) -> Result<Value, String> {
    match v {
        Value::Bytes(_) => Ok(v),
        Value::Str(ref s) => Ok(Value::Bytes(Rc::from(s.as_bytes()))),
        other => Err(ctx.refuse(&other, "Binary")),
    }
}

/// Integer, Boolean (a Python int) or decimal String (`int()` rules); 64-bit signed (Q31).
fn to_integer(ctx: &Ctx, v: Value) -> Result<Value, String> {
    let n = match &v {
        Value::Int(_) | Value::BigInt(_) => v.clone(),
        Value::Bool(b) => Value::Int(*b as i64),
        Value::Str(_) => to_int(&v).map_err(|_| ctx.refuse(&v, "Integer"))?,
        _ => return Err(ctx.refuse(&v, "Integer")),
    };
    match n {
        Value::Int(_) => Ok(n),
        _ => Err(ctx.err(format!(
            "{} is out of the Integer range (64-bit signed)",
            show(&v)
        ))),
    }
}

/// Float; Integer, Boolean and numeric Strings converted as `float()` does.
fn to_float_value(ctx: &Ctx, v: Value) -> Result<Value, String> {
    match &v {
        Value::Float(_) => Ok(v),
        Value::Int(_) | Value::BigInt(_) | Value::Bool(_) | Value::Str(_) => {
            to_float(&v).map_err(|_| ctx.refuse(&v, "Float"))
        }
        _ => Err(ctx.refuse(&v, "Float")),
    }
}

/// §6 Q23: Boolean as is; Integer 0/1; `'true'`/`'false'` in any case; nothing else.
fn to_boolean(ctx: &Ctx, v: Value) -> Result<Value, String> {
    match &v {
        Value::Bool(_) => Ok(v),
        Value::Int(0) => Ok(Value::Bool(false)),
        Value::Int(1) => Ok(Value::Bool(true)),
        Value::Str(s) if s.eq_ignore_ascii_case("true") => Ok(Value::Bool(true)),
        Value::Str(s) if s.eq_ignore_ascii_case("false") => Ok(Value::Bool(false)),
        _ => Err(ctx.refuse(&v, "Boolean (true, false, 0, 1, 'true' or 'false')")),
    }
}

/// The stored value of an Enum is a String; scalar choices (`[1, 2]`) are compared as text.
fn to_enum(ctx: &Ctx, v: Value) -> Result<Value, String> {
    match &v {
        Value::Str(_) => Ok(v),
        Value::Int(_) | Value::BigInt(_) | Value::Float(_) | Value::Bool(_) => {
            Ok(Value::str(&v.to_text()))
        }
        _ => Err(ctx.refuse(&v, "Enum (a String)")),
    }
}

/// §2.13: a Dictionary with a String `name` and Binary (or String, UTF-8) `data`.
/// The read-only `size` and `url` of a File read elsewhere are ignored, so a File value
/// can be copied from one field to another.
fn to_file(ctx: &Ctx, v: Value) -> Result<Value, String> {
    let Value::Dict(d) = &v else {
        return Err(ctx.refuse(&v, "File (a Dictionary {name, data})"));
    };
    let d = d
        .try_borrow()
        .map_err(|_| ctx.err("the Dictionary is in use"))?;
    let name = match d.get(&Key::str("name")) {
        Some(Value::Str(s)) if !s.is_empty() => s.clone(),
        Some(Value::Str(_)) => return Err(ctx.err("a File needs a non-empty 'name'")),
        Some(other) => {
            return Err(ctx.err(format!(
                "File 'name' must be a String, not {}",
                other.type_name()
            )))
        }
        None => return Err(ctx.err("a File needs 'name' and 'data'")),
    };
    let data = match d.get(&Key::str("data")) {
        Some(Value::Bytes(b)) => b.clone(),
        Some(Value::Str(s)) => Rc::from(s.as_bytes()),
        Some(other) => {
            return Err(ctx.err(format!(
                "File 'data' must be a Binary or String, not {}",
                other.type_name()
            )))
        }
        None => return Err(ctx.err("a File needs 'name' and 'data'")),
    };
    let mut out = IndexMap::new();
    out.insert(Key::str("name"), Value::Str(name));
    out.insert(Key::str("data"), Value::Bytes(data));
    Ok(Value::dict(out))
}

/// An object reference, or a path resolved by the store.
fn to_object(ctx: &Ctx, v: Value) -> Result<Value, String> {
    match &v {
        Value::Object(_) => Ok(v),
        Value::Str(path) => match (ctx.resolve)(path) {
            Ok(o @ Value::Object(_)) => Ok(o),
            Ok(other) => Err(ctx.err(format!(
                "{} is not a store object ({})",
                show(&v),
                other.type_name()
            ))),
            Err(e) => Err(ctx.err(e)),
        },
        _ => Err(ctx.refuse(&v, "Object (an object or a path)")),
    }
}

const DATETIME_FORMS: &str =
    "YYYY-MM-DD, MM/DD/YYYY or MM/DD/YY, each optionally followed by HH:MM[:SS]";

/// Datetime; a Date (midnight); a String in a form of the §4.1 table, or in the ISO form
/// `datetime()` reads (which also allows an offset, so `string(dt)` converts back).
/// A String without an offset is local time, as `datetime()` reads it.
fn to_datetime(ctx: &Ctx, v: Value) -> Result<Value, String> {
    let bad = || {
        ctx.err(format!(
            "{} is not a Datetime (expected {DATETIME_FORMS})",
            show(&v)
        ))
    };
    let (naive, offset) = match &v {
        Value::Datetime(_) => return Ok(v),
        Value::Date(d) => (d.and_time(NaiveTime::MIN), None),
        Value::Str(s) => match table_datetime(s) {
            Some(naive) => (naive, None),
            None => parse_iso_datetime(s).map_err(|_| bad())?,
        },
        _ => return Err(ctx.refuse(&v, "Datetime")),
    };
    let dt = match offset {
        Some(o) => o.from_local_datetime(&naive).single(),
        None => Local
            .from_local_datetime(&naive)
            .earliest()
            .map(|d| d.fixed_offset()),
    };
    let dt: DateTime<FixedOffset> = dt.ok_or_else(|| {
        ctx.err(format!(
            "{} does not exist in the local time zone",
            show(&v)
        ))
    })?;
    check_datetime(dt)
        .map(Value::Datetime)
        .map_err(|e| ctx.err(e.message))
}

/// The nine strptime forms of §4.1: a date `YYYY-MM-DD`, `MM/DD/YYYY` or `MM/DD/YY`,
/// then optionally a time `HH:MM` or `HH:MM:SS`. Written out because the VM's strptime
/// takes 1–4 digits for `%Y`, which would read `10/25/06` as year 6.
fn table_datetime(s: &str) -> Option<NaiveDateTime> {
    let mut parts = s.split_whitespace();
    let date = table_date(parts.next()?)?;
    let time = match parts.next() {
        None => NaiveTime::MIN,
        Some(t) => table_time(t)?,
    };
    if parts.next().is_some() {
        return None;
    }
    Some(date.and_time(time))
}

fn table_date(s: &str) -> Option<NaiveDate> {
    if let Some([y, m, d]) = split3(s, '-') {
        return ymd(number(y, 4, 4)? as i32, number(m, 1, 2)?, number(d, 1, 2)?);
    }
    let [m, d, y] = split3(s, '/')?;
    let year = match y.len() {
        4 => number(y, 4, 4)? as i32,
        // Python's %y pivot: 69–99 → 1900s, 00–68 → 2000s.
        2 => match number(y, 2, 2)? as i32 {
            y if y < 69 => 2000 + y,
            y => 1900 + y,
        },
        _ => return None,
    };
    ymd(year, number(m, 1, 2)?, number(d, 1, 2)?)
}

fn ymd(y: i32, m: u32, d: u32) -> Option<NaiveDate> {
    NaiveDate::from_ymd_opt(y, m, d).and_then(|d| check_date(d).ok())
}

fn table_time(s: &str) -> Option<NaiveTime> {
    let parts: Vec<&str> = s.split(':').collect();
    let (h, m, sec) = match parts[..] {
        [h, m] => (h, m, "0"),
        [h, m, sec] => (h, m, sec),
        _ => return None,
    };
    NaiveTime::from_hms_opt(number(h, 1, 2)?, number(m, 1, 2)?, number(sec, 1, 2)?)
}

fn split3(s: &str, sep: char) -> Option<[&str; 3]> {
    let mut it = s.split(sep);
    let parts = [it.next()?, it.next()?, it.next()?];
    it.next().is_none().then_some(parts)
}

/// `min`–`max` ASCII digits.
fn number(s: &str, min: usize, max: usize) -> Option<u32> {
    let ok = (min..=max).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_digit());
    if ok {
        s.parse().ok()
    } else {
        None
    }
}

fn to_date(ctx: &Ctx, v: Value) -> Result<Value, String> {
    match &v {
        Value::Date(_) => Ok(v),
        Value::Str(s) => parse_date(s)
            .ok()
            .and_then(|d| check_date(d).ok())
            .map(Value::Date)
            .ok_or_else(|| ctx.err(format!("{} is not a Date (expected YYYY-MM-DD)", show(&v)))),
        _ => Err(ctx.refuse(&v, "Date")),
    }
}

fn to_time(ctx: &Ctx, v: Value) -> Result<Value, String> {
    match &v {
        Value::Time(_) => Ok(v),
        Value::Str(s) => parse_time(s)
            .map(Value::Time)
            .map_err(|_| ctx.err(format!("{} is not a Time (expected HH:MM[:SS])", show(&v)))),
        _ => Err(ctx.refuse(&v, "Time")),
    }
}
