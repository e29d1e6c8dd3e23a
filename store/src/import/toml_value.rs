//! Field values in TOML files and back, exactly.
//!
//! | value | TOML |
//! |---|---|
//! | String, Integer, Float (also `nan`, `inf`), Boolean | the same |
//! | Datetime (offset in whole minutes) | an offset date-time `2024-05-01T09:30:00+09:00` |
//! | Date, Time | a local date `2024-05-01`, a local time `09:30:00` |
//! | Array | an array |
//! | Dictionary with String keys (none `$t`) | a table |
//! | Object in a field of type Object | its path, a String (the field converts it back) |
//! | Object elsewhere | `{ "$t" = "object", path = "/a/b" }` |
//! | Binary, big Integer, Timedelta, Pattern | the store's tagged form (store::codec) as a table: `{ "$t" = "bytes", v = "<base64>" }` |
//! | anything TOML cannot hold (a `null` inside an Array or Dictionary, ...) | `{ "$t" = "json", v = "<stored form>" }` |
//!
//! Reading, a TOML local date-time (no offset) is local time, as a Datetime field reads a
//! String without offset.

use chrono::{DateTime, Datelike, FixedOffset, Local, NaiveDate, NaiveTime, TimeZone, Timelike};
use indexmap::IndexMap;
use jfc_vm::value::{Key, ObjectRef, Value};
use toml::value::{Date, Datetime, Offset, Time};

use crate::codec;
use crate::Store;

/// The reserved key of tagged tables (the codec's).
const TAG: &str = "$t";

/// The value a TOML value stands for. Object paths of tagged objects are looked up in
/// `store`; errors say what is wrong with the value.
pub fn toml_to_value(t: &toml::Value, store: &Store) -> Result<Value, String> {
    Ok(match t {
        toml::Value::String(s) => Value::str(s),
        toml::Value::Integer(i) => Value::Int(*i),
        toml::Value::Float(f) => Value::Float(*f),
        toml::Value::Boolean(b) => Value::Bool(*b),
        toml::Value::Datetime(dt) => datetime_to_value(dt)?,
        toml::Value::Array(items) => Value::array(
            items
                .iter()
                .map(|i| toml_to_value(i, store))
                .collect::<Result<_, _>>()?,
        ),
        toml::Value::Table(table) => match table.get(TAG) {
            Some(tag) => tagged_to_value(tag, table, store)?,
            None => {
                let mut out = IndexMap::with_capacity(table.len());
                for (k, v) in table {
                    out.insert(Key::str(k), toml_to_value(v, store)?);
                }
                Value::dict(out)
            }
        },
    })
}

fn tagged_to_value(tag: &toml::Value, table: &toml::Table, store: &Store) -> Result<Value, String> {
    match tag.as_str() {
        Some("json") => {
            let text = table
                .get("v")
                .and_then(toml::Value::as_str)
                .ok_or("a `$t = \"json\"` table needs a String `v`")?;
            relink(codec::decode(text)?, store)
        }
        Some("object") => {
            let path = table
                .get("path")
                .and_then(toml::Value::as_str)
                .ok_or("a `$t = \"object\"` table needs a String `path`")?;
            store.path_value(path)
        }
        Some(_) => {
            let text = serde_json::to_string(table).map_err(|e| e.to_string())?;
            relink(codec::decode(&text)?, store)
        }
        None => Err("`$t` must be a String".into()),
    }
}

/// Object references of a decoded value point at the objects at their paths in `store`
/// (ids differ from store to store; paths are what a file means).
fn relink(v: Value, store: &Store) -> Result<Value, String> {
    Ok(match v {
        Value::Object(ref o) => store.path_value(&o.path)?,
        Value::Array(ref a) => {
            let items = a.borrow().clone();
            Value::array(
                items
                    .into_iter()
                    .map(|i| relink(i, store))
                    .collect::<Result<_, _>>()?,
            )
        }
        Value::Dict(ref d) => {
            let entries = d.borrow().clone();
            let mut out = IndexMap::with_capacity(entries.len());
            for (k, v) in entries {
                out.insert(k, relink(v, store)?);
            }
            Value::dict(out)
        }
        other => other,
    })
}

fn datetime_to_value(dt: &Datetime) -> Result<Value, String> {
    let date = dt
        .date
        .map(|d| {
            NaiveDate::from_ymd_opt(d.year as i32, d.month as u32, d.day as u32)
                .ok_or_else(|| format!("{dt} is not a valid date"))
        })
        .transpose()?;
    let time = dt
        .time
        .map(|t| {
            NaiveTime::from_hms_nano_opt(
                t.hour as u32,
                t.minute as u32,
                t.second.unwrap_or(0) as u32,
                t.nanosecond.unwrap_or(0),
            )
            .ok_or_else(|| format!("{dt} is not a valid time"))
        })
        .transpose()?;
    Ok(match (date, time, dt.offset) {
        (Some(d), Some(t), Some(o)) => {
            let seconds = match o {
                Offset::Z => 0,
                Offset::Custom { minutes } => minutes as i32 * 60,
            };
            let offset =
                FixedOffset::east_opt(seconds).ok_or_else(|| format!("{dt}: bad offset"))?;
            let value = offset
                .from_local_datetime(&d.and_time(t))
                .single()
                .ok_or_else(|| format!("{dt} is not a valid date-time"))?;
            Value::Datetime(value)
        }
        (Some(d), Some(t), None) => {
            let value = Local
                .from_local_datetime(&d.and_time(t))
                .earliest()
                .ok_or_else(|| format!("{dt} does not exist in the local time zone"))?;
            Value::Datetime(value.fixed_offset())
        }
        (Some(d), None, _) => Value::Date(d),
        (None, Some(t), _) => Value::Time(t),
        (None, None, _) => return Err(format!("{dt} is not a date or time")),
    })
}

/// The TOML form of a value that is not null. `object_as_path`: an Object becomes its
/// path (for fields of type Object), otherwise a tagged table.
pub fn value_to_toml(v: &Value, object_as_path: bool) -> toml::Value {
    if let (true, Value::Object(o)) = (object_as_path, v) {
        return toml::Value::String(o.path.to_string());
    }
    direct(v).unwrap_or_else(|| {
        let text = codec::encode(v).unwrap_or_else(|_| codec_str(&v.to_text()));
        let mut t = toml::Table::new();
        t.insert(TAG.into(), toml::Value::String("json".into()));
        t.insert("v".into(), toml::Value::String(text));
        toml::Value::Table(t)
    })
}

fn codec_str(s: &str) -> String {
    codec::encode(&Value::str(s)).unwrap_or_default()
}

/// The TOML form when there is an exact one without the `json` fallback.
fn direct(v: &Value) -> Option<toml::Value> {
    Some(match v {
        Value::Null => return None,
        Value::Bool(b) => toml::Value::Boolean(*b),
        Value::Int(i) => toml::Value::Integer(*i),
        Value::Float(f) => toml::Value::Float(*f),
        Value::Str(s) => toml::Value::String(s.to_string()),
        Value::Datetime(dt) => toml::Value::Datetime(datetime_to_toml(dt)?),
        Value::Date(d) => toml::Value::Datetime(Datetime {
            date: Some(date_to_toml(d)?),
            time: None,
            offset: None,
        }),
        Value::Time(t) => toml::Value::Datetime(Datetime {
            date: None,
            time: Some(time_to_toml(t)),
            offset: None,
        }),
        Value::Array(a) => toml::Value::Array(
            a.try_borrow()
                .ok()?
                .iter()
                .map(direct)
                .collect::<Option<Vec<_>>>()?,
        ),
        Value::Dict(d) => {
            let d = d.try_borrow().ok()?;
            let mut t = toml::Table::new();
            for (k, v) in d.iter() {
                let Value::Str(key) = k.value() else {
                    return None;
                };
                if &**key == TAG {
                    return None;
                }
                t.insert(key.to_string(), direct(v)?);
            }
            toml::Value::Table(t)
        }
        Value::Object(ObjectRef { path, .. }) => {
            let mut t = toml::Table::new();
            t.insert(TAG.into(), toml::Value::String("object".into()));
            t.insert("path".into(), toml::Value::String(path.to_string()));
            toml::Value::Table(t)
        }
        // The codec's tagged forms hold no nulls: they convert to TOML as they are.
        Value::BigInt(_) | Value::Bytes(_) | Value::Timedelta(_) | Value::Pattern(_) => {
            let text = codec::encode(v).ok()?;
            let json: serde_json::Value = serde_json::from_str(&text).ok()?;
            toml::Value::try_from(json).ok()?
        }
        _ => return None,
    })
}

fn date_to_toml(d: &NaiveDate) -> Option<Date> {
    Some(Date {
        year: u16::try_from(d.year()).ok().filter(|y| *y <= 9999)?,
        month: d.month() as u8,
        day: d.day() as u8,
    })
}

fn time_to_toml(t: &NaiveTime) -> Time {
    // A leap second (nanosecond ≥ 1e9) is kept as its second's last nanosecond.
    Time {
        hour: t.hour() as u8,
        minute: t.minute() as u8,
        second: Some(t.second() as u8),
        nanosecond: Some(t.nanosecond().min(999_999_999)),
    }
}

fn datetime_to_toml(dt: &DateTime<FixedOffset>) -> Option<Datetime> {
    let seconds = dt.offset().local_minus_utc();
    if seconds % 60 != 0 || dt.nanosecond() >= 1_000_000_000 {
        return None;
    }
    let local = dt.naive_local();
    Some(Datetime {
        date: Some(date_to_toml(&local.date())?),
        time: Some(time_to_toml(&local.time())),
        offset: Some(match seconds {
            0 => Offset::Z,
            s => Offset::Custom {
                minutes: (s / 60) as i16,
            },
        }),
    })
}

/// A value given on the command line (`jfc obj set PATH field=TEXT`): a TOML value
/// (`22`, `true`, `"text"`, `[1, 2]`, `{ a = 1 }`, `2024-05-01T09:30:00Z`), else the text
/// itself as a String. Empty text is null (the field is cleared).
pub fn parse_value_text(text: &str, store: &Store) -> Result<Value, String> {
    if text.trim().is_empty() {
        return Ok(Value::Null);
    }
    match format!("v = {text}").parse::<toml::Table>() {
        Ok(mut t) => match t.remove("v") {
            Some(v) if t.is_empty() => toml_to_value(&v, store),
            _ => Ok(Value::str(text)),
        },
        Err(_) => Ok(Value::str(text)),
    }
}
