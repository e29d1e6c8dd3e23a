//! The storage form of values: JSON text that gives back exactly the value stored.
//!
//! Plain JSON is used wherever it is exact, so that stored values stay readable
//! (and usable by SQLite's JSON functions):
//!
//! | value | stored as |
//! |---|---|
//! | Null, Boolean | `null`, `true`, `false` |
//! | Integer in i64 | a JSON number without `.`/`e` |
//! | finite Float | a JSON number that always has `.` or `e` (`1.0`, `1e100`, `-0.0`) |
//! | String | a JSON string |
//! | Array | a JSON array |
//! | Dictionary with String keys, none of them `"$t"` | a JSON object, in insertion order |
//!
//! Everything else is a **tagged object**: a JSON object with the reserved key `"$t"`
//! (written first) naming the kind. A JSON object is a tagged object exactly when it has
//! a `"$t"` key; a user Dictionary that has a `"$t"` key (or any non-String key) is
//! therefore always written in the tagged `dict` form, so the two cannot be confused:
//!
//! | value | stored as |
//! |---|---|
//! | Integer outside i64 | `{"$t":"bigint","v":"<decimal>"}` |
//! | NaN / ±inf | `{"$t":"float","v":"nan"\|"inf"\|"-inf"}` (not valid JSON numbers) |
//! | Binary | `{"$t":"bytes","v":"<base64>"}` |
//! | other Dictionary | `{"$t":"dict","v":[[<key>,<value>],...]}` |
//! | Datetime | `{"$t":"datetime","v":"<UTC instant>Z","o":<offset seconds>}` (Q32: the instant is UTC; the offset is kept too) |
//! | Date | `{"$t":"date","v":"YYYY-MM-DD"}` |
//! | Time | `{"$t":"time","v":"HH:MM:SS[.f]"}` |
//! | Timedelta | `{"$t":"timedelta","s":<seconds>,"n":<nanoseconds>}` |
//! | Pattern | `{"$t":"pattern","k":"r"\|"g"\|"e","v":"<text>","i":<icase>}` |
//! | Object | `{"$t":"object","id":<id>,"path":"<path>"}` |
//! | an encrypted value (Password fields) | `{"$t":"secret","n":"<base64 24-byte nonce>","v":"<base64 ciphertext and 16-byte tag>"}` |
//!
//! The `secret` form is the whole value of a Password, `Array<Password>` or
//! `Dictionary<Password>` field: its storage text as above, encrypted with the store's
//! key (XChaCha20-Poly1305, store::secret). [`encode`] never writes it and [`decode`]
//! refuses it: only the store, which has the key, seals and opens it ([`sealed_text`],
//! [`sealed_parts`]). A Password value written before encryption existed is plain text
//! and still reads.
//!
//! Process, Channel, built-in function, Method and Jobflow values live only while a
//! process runs and cannot be stored.

use std::cell::RefCell;
use std::fmt::Write as _;
use std::rc::Rc;

use base64::Engine as _;
use chrono::{DateTime, FixedOffset, NaiveDate, NaiveDateTime, NaiveTime, TimeDelta};
use indexmap::IndexMap;
use jfc_vm::builtins::json;
use jfc_vm::value::{Key, ObjectRef, Pattern, PatternKind, Value};
use num_bigint::BigInt;

/// The reserved key of tagged objects.
const TAG: &str = "$t";

/// Deepest nesting of Arrays/Dictionaries stored. A tagged Dictionary costs three
/// JSON levels per value level and the JSON reader stops at 1000, so this keeps every
/// encoded value decodable; it also stops cyclic values.
pub const MAX_DEPTH: usize = 300;

/// The storage text of `v`.
pub fn encode(v: &Value) -> Result<String, String> {
    let mut out = String::new();
    write_value(&mut out, v, 0)?;
    Ok(out)
}

/// The value of a storage text; corrupt text is an error, never a panic.
pub fn decode(text: &str) -> Result<Value, String> {
    let raw = json::parse(text, true).map_err(|e| format!("corrupt stored value: {e}"))?;
    from_json(raw, 0).map_err(|e| format!("corrupt stored value: {e}"))
}

/// The tag of an encrypted value.
const SECRET: &str = "secret";

/// The storage text of an encrypted value: its nonce and ciphertext (store::secret).
pub(crate) fn sealed_text(nonce: &[u8], ciphertext: &[u8]) -> String {
    let mut out = String::new();
    tagged(
        &mut out,
        SECRET,
        &[
            ("n", &json_str(&base64_encode(nonce))),
            ("v", &json_str(&base64_encode(ciphertext))),
        ],
    );
    out
}

/// The nonce and the ciphertext of an encrypted value.
pub(crate) type Sealed = (Vec<u8>, Vec<u8>);

/// The nonce and ciphertext of a storage text in the encrypted form; None for every
/// other text (a plain value), an error for a damaged encrypted form.
pub(crate) fn sealed_parts(text: &str) -> Option<Result<Sealed, String>> {
    // Every other form that is a JSON object starts with `{"$t":"<other tag>"` or is a
    // plain Dictionary; only those that mention the tag are parsed.
    if !text.trim_start().starts_with('{') || !text.contains(SECRET) {
        return None;
    }
    let Ok(Value::Dict(ref d)) = json::parse(text, true) else {
        return None;
    };
    let f = take_map(d);
    if !matches!(f.get(&Key::str(TAG)), Some(Value::Str(t)) if &**t == SECRET) {
        return None;
    }
    let part = |name: &str| -> Result<Vec<u8>, String> {
        field_str(&f, name)
            .and_then(|t| base64_decode(&t))
            .map_err(|e| format!("damaged encrypted value: {e}"))
    };
    Some(part("n").and_then(|n| Ok((n, part("v")?))))
}

// ---------------------------------------------------------------- encode

fn write_value(out: &mut String, v: &Value, depth: usize) -> Result<(), String> {
    if depth > MAX_DEPTH {
        return Err(format!(
            "cannot store a value nested more than {MAX_DEPTH} levels deep (or cyclic)"
        ));
    }
    match v {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Int(i) => {
            let _ = write!(out, "{i}");
        }
        Value::BigInt(b) => tagged(out, "bigint", &[("v", &json_str(&b.to_string()))]),
        Value::Float(f) => write_float(out, *f),
        Value::Str(s) => write_str(out, s),
        Value::Bytes(b) => tagged(out, "bytes", &[("v", &json_str(&base64_encode(b)))]),
        Value::Array(a) => write_array(out, a, depth)?,
        Value::Dict(d) => write_dict(out, d, depth)?,
        Value::Datetime(dt) => write_datetime(out, dt),
        Value::Date(d) => tagged(out, "date", &[("v", &json_str(&d.to_string()))]),
        Value::Time(t) => tagged(out, "time", &[("v", &json_str(&t.to_string()))]),
        Value::Timedelta(td) => write_timedelta(out, td),
        Value::Pattern(p) => write_pattern(out, p),
        Value::Object(o) => tagged(
            out,
            "object",
            &[("id", &o.id.to_string()), ("path", &json_str(&o.path))],
        ),
        Value::Process(_) => return Err(not_storable("a Process")),
        Value::Channel(_) => return Err(not_storable("a Channel")),
        Value::Lazy(_) => return Err(not_storable("a LazyArray")),
        Value::Builtin(_) => return Err(not_storable("a built-in function")),
        Value::Method(_) => return Err(not_storable("a Method")),
        Value::Jobflow(_) => return Err(not_storable("a Jobflow reference")),
    }
    Ok(())
}

fn not_storable(what: &str) -> String {
    format!("{what} cannot be stored")
}

/// `{"$t":"<tag>","k1":<json1>,...}`; the field texts are already JSON.
fn tagged(out: &mut String, tag: &str, fields: &[(&str, &str)]) {
    out.push_str("{\"$t\":");
    write_str(out, tag);
    for (k, v) in fields {
        out.push(',');
        write_str(out, k);
        out.push(':');
        out.push_str(v);
    }
    out.push('}');
}

fn json_str(s: &str) -> String {
    let mut out = String::new();
    write_str(&mut out, s);
    out
}

/// A JSON string; control characters escaped, everything else kept as UTF-8.
fn write_str(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

/// Rust's `{:?}` is the shortest text that reads back to the same f64 and always has
/// a `.` or an `e`, so the reader sees a Float again (1.0 stays 1.0, not 1).
fn write_float(out: &mut String, f: f64) {
    if f.is_nan() {
        tagged(out, "float", &[("v", "\"nan\"")]);
    } else if f.is_infinite() {
        let v = if f > 0.0 { "\"inf\"" } else { "\"-inf\"" };
        tagged(out, "float", &[("v", v)]);
    } else {
        let _ = write!(out, "{f:?}");
    }
}

fn write_array(out: &mut String, a: &Rc<RefCell<Vec<Value>>>, depth: usize) -> Result<(), String> {
    let items = a.try_borrow().map_err(|_| busy())?;
    out.push('[');
    for (i, item) in items.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        write_value(out, item, depth + 1)?;
    }
    out.push(']');
    Ok(())
}

type DictCell = Rc<RefCell<IndexMap<Key, Value>>>;

fn write_dict(out: &mut String, d: &DictCell, depth: usize) -> Result<(), String> {
    let entries = d.try_borrow().map_err(|_| busy())?;
    let plain = entries
        .keys()
        .all(|k| matches!(k.value(), Value::Str(s) if &**s != TAG));
    if plain {
        out.push('{');
        for (i, (k, v)) in entries.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            if let Value::Str(s) = k.value() {
                write_str(out, s);
            }
            out.push(':');
            write_value(out, v, depth + 1)?;
        }
        out.push('}');
        return Ok(());
    }
    out.push_str("{\"$t\":\"dict\",\"v\":[");
    for (i, (k, v)) in entries.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        out.push('[');
        write_value(out, k.value(), depth + 1)?;
        out.push(',');
        write_value(out, v, depth + 1)?;
        out.push(']');
    }
    out.push_str("]}");
    Ok(())
}

fn busy() -> String {
    "cannot store a value that is being modified".to_string()
}

/// The instant in UTC (sortable, Q32) plus the offset to give the value back as it was.
fn write_datetime(out: &mut String, dt: &DateTime<FixedOffset>) {
    let utc = dt.naive_utc();
    let text = if utc.and_utc().timestamp_subsec_nanos().is_multiple_of(1000) {
        utc.format("%Y-%m-%dT%H:%M:%S%.6fZ").to_string()
    } else {
        utc.format("%Y-%m-%dT%H:%M:%S%.9fZ").to_string()
    };
    let offset = dt.offset().local_minus_utc().to_string();
    tagged(out, "datetime", &[("v", &json_str(&text)), ("o", &offset)]);
}

/// Whole seconds rounded down and 0..1e9 nanoseconds: the form `TimeDelta::new` takes
/// back (chrono's `subsec_nanos` is negative for negative durations).
fn write_timedelta(out: &mut String, td: &TimeDelta) {
    const NS: i128 = 1_000_000_000;
    let total = td.num_seconds() as i128 * NS + td.subsec_nanos() as i128;
    let (s, n) = (total.div_euclid(NS), total.rem_euclid(NS));
    tagged(
        out,
        "timedelta",
        &[("s", &s.to_string()), ("n", &n.to_string())],
    );
}

fn write_pattern(out: &mut String, p: &Pattern) {
    let icase = if p.icase { "true" } else { "false" };
    tagged(
        out,
        "pattern",
        &[
            ("k", &json_str(p.kind_letter())),
            ("v", &json_str(&p.text)),
            ("i", icase),
        ],
    );
}

// ---------------------------------------------------------------- decode

/// The value of a parsed JSON tree (whose objects have String keys only).
fn from_json(raw: Value, depth: usize) -> Result<Value, String> {
    if depth > MAX_DEPTH * 3 {
        return Err("nested too deeply".to_string());
    }
    match raw {
        Value::Array(ref a) => {
            let items = take_vec(a);
            let out: Result<Vec<Value>, String> =
                items.into_iter().map(|v| from_json(v, depth + 1)).collect();
            Ok(Value::array(out?))
        }
        Value::Dict(ref d) => {
            let entries = take_map(d);
            if entries.contains_key(&Key::str(TAG)) {
                return from_tagged(&entries, depth);
            }
            let mut out = IndexMap::with_capacity(entries.len());
            for (k, v) in entries {
                out.insert(k, from_json(v, depth + 1)?);
            }
            Ok(Value::dict(out))
        }
        other => Ok(other),
    }
}

/// The contents of a freshly parsed container (nobody else holds it).
fn take_vec(a: &Rc<RefCell<Vec<Value>>>) -> Vec<Value> {
    a.try_borrow_mut()
        .map(|mut v| std::mem::take(&mut *v))
        .unwrap_or_default()
}

fn take_map(d: &DictCell) -> IndexMap<Key, Value> {
    d.try_borrow_mut()
        .map(|mut m| std::mem::take(&mut *m))
        .unwrap_or_default()
}

type Fields = IndexMap<Key, Value>;

fn from_tagged(f: &Fields, depth: usize) -> Result<Value, String> {
    let tag = field_str(f, TAG)?;
    match tag.as_str() {
        "bigint" => decode_bigint(f),
        "float" => decode_float(f),
        "bytes" => Ok(Value::Bytes(Rc::from(base64_decode(&field_str(f, "v")?)?))),
        "dict" => decode_dict(f, depth),
        "datetime" => decode_datetime(f),
        "date" => {
            let v = field_str(f, "v")?;
            let d: NaiveDate = v.parse().map_err(|_| format!("bad date '{v}'"))?;
            Ok(Value::Date(d))
        }
        "time" => {
            let v = field_str(f, "v")?;
            let t: NaiveTime = v.parse().map_err(|_| format!("bad time '{v}'"))?;
            Ok(Value::Time(t))
        }
        "timedelta" => decode_timedelta(f),
        "pattern" => decode_pattern(f),
        "object" => Ok(Value::Object(ObjectRef {
            id: field_int(f, "id")?,
            path: Rc::from(field_str(f, "path")?.as_str()),
        })),
        SECRET => Err("an encrypted value, which only the store can read".to_string()),
        other => Err(format!("unknown tag '{other}'")),
    }
}

fn field<'a>(f: &'a Fields, name: &str) -> Result<&'a Value, String> {
    f.get(&Key::str(name))
        .ok_or_else(|| format!("tagged value without '{name}'"))
}

fn field_str(f: &Fields, name: &str) -> Result<String, String> {
    match field(f, name)? {
        Value::Str(s) => Ok(s.to_string()),
        _ => Err(format!("'{name}' is not a string")),
    }
}

fn field_int(f: &Fields, name: &str) -> Result<i64, String> {
    match field(f, name)? {
        Value::Int(i) => Ok(*i),
        _ => Err(format!("'{name}' is not a 64-bit integer")),
    }
}

fn field_bool(f: &Fields, name: &str) -> Result<bool, String> {
    match field(f, name)? {
        Value::Bool(b) => Ok(*b),
        _ => Err(format!("'{name}' is not a boolean")),
    }
}

fn decode_bigint(f: &Fields) -> Result<Value, String> {
    let v = field_str(f, "v")?;
    let b: BigInt = v.parse().map_err(|_| format!("bad integer '{v}'"))?;
    Ok(Value::from_bigint(b))
}

fn decode_float(f: &Fields) -> Result<Value, String> {
    match field_str(f, "v")?.as_str() {
        "nan" => Ok(Value::Float(f64::NAN)),
        "inf" => Ok(Value::Float(f64::INFINITY)),
        "-inf" => Ok(Value::Float(f64::NEG_INFINITY)),
        other => Err(format!("bad float '{other}'")),
    }
}

fn decode_dict(f: &Fields, depth: usize) -> Result<Value, String> {
    let Value::Array(pairs) = field(f, "v")? else {
        return Err("'v' of a dict is not an array".to_string());
    };
    let mut out = IndexMap::new();
    for pair in take_vec(pairs) {
        let Value::Array(ref kv) = pair else {
            return Err("a dict entry is not a pair".to_string());
        };
        let mut kv = take_vec(kv).into_iter();
        let (Some(k), Some(v), None) = (kv.next(), kv.next(), kv.next()) else {
            return Err("a dict entry is not a pair".to_string());
        };
        let key = Key::new(from_json(k, depth + 1)?).map_err(|e| e.message)?;
        out.insert(key, from_json(v, depth + 1)?);
    }
    Ok(Value::dict(out))
}

fn decode_datetime(f: &Fields) -> Result<Value, String> {
    let v = field_str(f, "v")?;
    let naive = NaiveDateTime::parse_from_str(&v, "%Y-%m-%dT%H:%M:%S%.fZ")
        .map_err(|_| format!("bad datetime '{v}'"))?;
    let o = field_int(f, "o")?;
    let offset = i32::try_from(o)
        .ok()
        .and_then(FixedOffset::east_opt)
        .ok_or_else(|| format!("bad offset {o}"))?;
    Ok(Value::Datetime(naive.and_utc().with_timezone(&offset)))
}

fn decode_timedelta(f: &Fields) -> Result<Value, String> {
    let (s, n) = (field_int(f, "s")?, field_int(f, "n")?);
    let td = u32::try_from(n)
        .ok()
        .and_then(|n| TimeDelta::new(s, n))
        .ok_or_else(|| format!("bad timedelta {s}s {n}ns"))?;
    Ok(Value::Timedelta(td))
}

fn decode_pattern(f: &Fields) -> Result<Value, String> {
    let kind = match field_str(f, "k")?.as_str() {
        "r" => PatternKind::Regex,
        "g" => PatternKind::Glob,
        "e" => PatternKind::Exact,
        other => return Err(format!("bad pattern kind '{other}'")),
    };
    let p = Pattern::new(kind, &field_str(f, "v")?, field_bool(f, "i")?).map_err(|e| e.message)?;
    Ok(Value::Pattern(Rc::new(p)))
}

// ---------------------------------------------------------------- base64

/// Standard base64 with padding (RFC 4648 §4), as every store has written it.
fn base64_encode(data: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(data)
}

fn base64_decode(text: &str) -> Result<Vec<u8>, String> {
    base64::engine::general_purpose::STANDARD
        .decode(text)
        .map_err(|e| format!("bad base64 data: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{NaiveDate, TimeZone};
    use jfc_vm::value::equals;

    fn dict(entries: Vec<(Value, Value)>) -> Value {
        let mut m = IndexMap::new();
        for (k, v) in entries {
            m.insert(Key::new(k).unwrap(), v);
        }
        Value::dict(m)
    }

    fn s(x: &str) -> Value {
        Value::str(x)
    }

    fn pattern(kind: PatternKind, text: &str, icase: bool) -> Value {
        Value::Pattern(Rc::new(Pattern::new(kind, text, icase).unwrap()))
    }

    /// A Datetime at local time `text` (`YYYY-MM-DD HH:MM:SS[.f]`) and offset `off` seconds.
    fn datetime(text: &str, off: i32) -> Value {
        let o = FixedOffset::east_opt(off).unwrap();
        let naive = NaiveDateTime::parse_from_str(text, "%Y-%m-%d %H:%M:%S%.f").unwrap();
        Value::Datetime(o.from_local_datetime(&naive).unwrap())
    }

    /// Exact sameness: the type, the bits of Floats, the offset of Datetimes,
    /// the key types and order of Dictionaries.
    fn same(a: &Value, b: &Value) -> bool {
        match (a, b) {
            (Value::Null, Value::Null) => true,
            (Value::Bool(x), Value::Bool(y)) => x == y,
            (Value::Int(x), Value::Int(y)) => x == y,
            (Value::BigInt(x), Value::BigInt(y)) => x == y,
            (Value::Float(x), Value::Float(y)) => {
                x.to_bits() == y.to_bits() || (x.is_nan() && y.is_nan())
            }
            (Value::Str(x), Value::Str(y)) => x == y,
            (Value::Bytes(x), Value::Bytes(y)) => x == y,
            (Value::Array(x), Value::Array(y)) => {
                let (x, y) = (x.borrow(), y.borrow());
                x.len() == y.len() && x.iter().zip(y.iter()).all(|(a, b)| same(a, b))
            }
            (Value::Dict(x), Value::Dict(y)) => {
                let (x, y) = (x.borrow(), y.borrow());
                x.len() == y.len()
                    && x.iter()
                        .zip(y.iter())
                        .all(|((ka, va), (kb, vb))| same(ka.value(), kb.value()) && same(va, vb))
            }
            (Value::Datetime(x), Value::Datetime(y)) => x == y && x.offset() == y.offset(),
            (Value::Date(x), Value::Date(y)) => x == y,
            (Value::Time(x), Value::Time(y)) => x == y,
            (Value::Timedelta(x), Value::Timedelta(y)) => x == y,
            (Value::Pattern(x), Value::Pattern(y)) => {
                x.kind == y.kind && x.text == y.text && x.icase == y.icase
            }
            (Value::Object(x), Value::Object(y)) => x.id == y.id && x.path == y.path,
            _ => false,
        }
    }

    fn tricky_values() -> Vec<Value> {
        let big = Value::from_bigint("123456789012345678901234567890".parse::<BigInt>().unwrap());
        let neg_big = Value::from_bigint("-98765432109876543210".parse::<BigInt>().unwrap());
        let mut v = vec![
            Value::Null,
            Value::Bool(true),
            Value::Bool(false),
            Value::Int(0),
            Value::Int(-1),
            Value::Int(i64::MAX),
            Value::Int(i64::MIN),
            big,
            neg_big,
            Value::Float(1.0),
            Value::Float(-0.0),
            Value::Float(0.1),
            Value::Float(1e100),
            Value::Float(-1.5e-300),
            Value::Float(5e-324),
            Value::Float(f64::MAX),
            Value::Float(1e16),
            Value::Float(f64::NAN),
            Value::Float(f64::INFINITY),
            Value::Float(f64::NEG_INFINITY),
            s(""),
            s("plain"),
            s("quote \" back \\ slash / nl \n cr \r tab \t nul \u{0} bell \u{7} del \u{7f}"),
            s("日本語 😀 \u{2028}\u{2029} \u{fffd}"),
            s("$t"),
            s("{\"$t\":\"bigint\",\"v\":\"1\"}"),
            s("NaN"),
            Value::Bytes(Rc::from(&b""[..])),
            Value::Bytes(Rc::from(&b"\x00"[..])),
            Value::Bytes(Rc::from(&b"\x00\xff"[..])),
            Value::Bytes(Rc::from(&b"\x00\xff\x80"[..])),
            Value::Bytes(Rc::from(&b"hello world!?"[..])),
            Value::array(vec![]),
            Value::array(vec![Value::Int(1), Value::Float(1.0), s("1"), Value::Null]),
            Value::array(vec![Value::array(vec![Value::array(vec![])])]),
            dict(vec![]),
            dict(vec![
                (s("b"), Value::Int(1)),
                (s("a"), Value::Int(2)),
                (s(""), Value::Null),
            ]),
            dict(vec![(s("$t"), s("bigint")), (s("v"), s("1"))]),
            dict(vec![(s("$t"), Value::Int(1))]),
            dict(vec![(
                s("x"),
                dict(vec![(s("$t"), s("date")), (s("v"), s("2020-01-01"))]),
            )]),
            dict(vec![
                (Value::Int(1), s("int key")),
                (s("1"), s("string key")),
                (Value::Null, Value::Bool(true)),
                (Value::Float(2.5), Value::Float(2.5)),
                (Value::Bool(false), s("false key")),
                (Value::Bytes(Rc::from(&b"k"[..])), s("bytes key")),
                (
                    Value::Date(NaiveDate::from_ymd_opt(2020, 2, 29).unwrap()),
                    s("date key"),
                ),
            ]),
            datetime("2024-01-02 03:04:05", 9 * 3600),
            datetime("2024-01-02 03:04:05.123456", -(5 * 3600 + 30 * 60)),
            datetime("0001-01-01 00:00:00", 0),
            datetime("9999-12-31 23:59:59.999999", 0),
            datetime("2000-06-01 12:00:00.000000001", 3600 + 7),
            // The UTC instant may fall outside years 1–9999 although the local time does not.
            datetime("0001-01-01 00:00:00", 3600),
            datetime("9999-12-31 23:30:00", -3600),
            Value::Date(NaiveDate::MIN),
            Value::Date(NaiveDate::MAX),
            Value::Time(NaiveTime::from_hms_nano_opt(23, 59, 59, 1_500_000_000).unwrap()),
            Value::Timedelta(TimeDelta::MAX),
            Value::Timedelta(TimeDelta::MIN),
            Value::Date(NaiveDate::from_ymd_opt(1, 1, 1).unwrap()),
            Value::Date(NaiveDate::from_ymd_opt(9999, 12, 31).unwrap()),
            Value::Time(NaiveTime::from_hms_opt(0, 0, 0).unwrap()),
            Value::Time(NaiveTime::from_hms_micro_opt(23, 59, 59, 999_999).unwrap()),
            Value::Time(NaiveTime::from_hms_nano_opt(1, 2, 3, 4).unwrap()),
            Value::Timedelta(TimeDelta::zero()),
            Value::Timedelta(TimeDelta::microseconds(-1)),
            Value::Timedelta(TimeDelta::days(-3) + TimeDelta::nanoseconds(5)),
            Value::Timedelta(TimeDelta::days(999_999_999)),
            pattern(PatternKind::Regex, "^a(b|c)*\\d$", false),
            pattern(PatternKind::Glob, "*.txt", true),
            pattern(PatternKind::Exact, "e\"x'act", false),
            Value::Object(ObjectRef {
                id: 42,
                path: Rc::from("/home/user/obj"),
            }),
            Value::Object(ObjectRef {
                id: -1,
                path: Rc::from(""),
            }),
        ];
        // Everything above inside one Array and one Dictionary, twice nested.
        let all = Value::array(v.clone());
        let keyed = dict(
            v.iter()
                .enumerate()
                .map(|(i, x)| (s(&format!("k{i}")), x.clone()))
                .collect(),
        );
        v.push(Value::array(vec![all.clone(), keyed.clone()]));
        v.push(dict(vec![(s("$t"), all), (Value::Int(7), keyed)]));
        v
    }

    #[test]
    fn round_trip_of_tricky_values() {
        for v in tricky_values() {
            let text = encode(&v).unwrap_or_else(|e| panic!("{}: {e}", v.to_nested_text()));
            let back = decode(&text).unwrap_or_else(|e| panic!("{text}: {e}"));
            assert!(
                same(&v, &back),
                "{text} came back as {}",
                back.to_nested_text()
            );
            // Encoding is deterministic, so the text is a stable storage key too.
            assert_eq!(encode(&back).unwrap(), text);
        }
    }

    #[test]
    fn plain_values_stay_plain_json() {
        assert_eq!(encode(&Value::Int(5)).unwrap(), "5");
        assert_eq!(encode(&Value::Float(1.0)).unwrap(), "1.0");
        assert_eq!(encode(&Value::Float(1e100)).unwrap(), "1e100");
        assert_eq!(encode(&s("a\"b")).unwrap(), "\"a\\\"b\"");
        let d = dict(vec![
            (s("b"), Value::Int(1)),
            (s("a"), Value::array(vec![Value::Null])),
        ]);
        assert_eq!(encode(&d).unwrap(), "{\"b\":1,\"a\":[null]}");
    }

    #[test]
    fn tagged_forms() {
        assert_eq!(
            encode(&Value::Bytes(Rc::from(&b"hi"[..]))).unwrap(),
            "{\"$t\":\"bytes\",\"v\":\"aGk=\"}"
        );
        assert_eq!(
            encode(&Value::Float(f64::NAN)).unwrap(),
            "{\"$t\":\"float\",\"v\":\"nan\"}"
        );
        assert_eq!(
            encode(&datetime("2024-01-02 09:00:00", 9 * 3600)).unwrap(),
            "{\"$t\":\"datetime\",\"v\":\"2024-01-02T00:00:00.000000Z\",\"o\":32400}"
        );
        // A user dictionary with the reserved key is escaped, never read as a tag.
        assert_eq!(
            encode(&dict(vec![(s("$t"), s("date"))])).unwrap(),
            "{\"$t\":\"dict\",\"v\":[[\"$t\",\"date\"]]}"
        );
    }

    #[test]
    fn the_encrypted_form() {
        let text = sealed_text(b"nonce", b"\x00cipher");
        assert_eq!(
            text,
            "{\"$t\":\"secret\",\"n\":\"bm9uY2U=\",\"v\":\"AGNpcGhlcg==\"}"
        );
        let (n, v) = sealed_parts(&text).expect("sealed").expect("parts");
        assert_eq!(
            (n.as_slice(), v.as_slice()),
            (&b"nonce"[..], &b"\x00cipher"[..])
        );
        assert!(decode(&text).unwrap_err().contains("encrypted"));
        // Plain values, even ones that mention the tag, are not encrypted forms.
        for plain in [
            "\"secret\"",
            "{\"secret\":\"x\"}",
            "{\"$t\":\"dict\",\"v\":[[\"$t\",\"secret\"]]}",
            "{\"a\":{\"$t\":\"secret\",\"n\":\"\",\"v\":\"\"}}",
            "[1]",
        ] {
            assert!(sealed_parts(plain).is_none(), "{plain}");
        }
        for damaged in [
            "{\"$t\":\"secret\",\"n\":\"!!\",\"v\":\"\"}",
            "{\"$t\":\"secret\",\"v\":\"\"}",
            "{\"$t\":\"secret\",\"n\":\"\",\"v\":1}",
        ] {
            assert!(sealed_parts(damaged).expect("sealed").is_err(), "{damaged}");
        }
    }

    #[test]
    fn base64_matches_rfc4648_vectors() {
        let cases = [
            ("", ""),
            ("f", "Zg=="),
            ("fo", "Zm8="),
            ("foo", "Zm9v"),
            ("foob", "Zm9vYg=="),
            ("fooba", "Zm9vYmE="),
            ("foobar", "Zm9vYmFy"),
        ];
        for (plain, coded) in cases {
            assert_eq!(base64_encode(plain.as_bytes()), coded);
            assert_eq!(base64_decode(coded).unwrap(), plain.as_bytes());
        }
        for bad in ["Zg=", "Z===", "Zg==Zg==", "Zm9*", "=Zg=", "===="] {
            assert!(base64_decode(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn not_storable_values() {
        let ch = Value::Channel(Rc::new(RefCell::new(Default::default())));
        assert_eq!(encode(&ch).unwrap_err(), "a Channel cannot be stored");
        let nested = Value::array(vec![dict(vec![(s("c"), ch)])]);
        assert_eq!(encode(&nested).unwrap_err(), "a Channel cannot be stored");
        assert_eq!(
            encode(&Value::Builtin(0)).unwrap_err(),
            "a built-in function cannot be stored"
        );
    }

    #[test]
    fn cyclic_and_deep_values_are_refused() {
        let a = Value::array(vec![]);
        if let Value::Array(cell) = &a {
            cell.borrow_mut().push(a.clone());
        }
        assert!(encode(&a).unwrap_err().contains("levels deep"));
        if let Value::Array(cell) = &a {
            cell.borrow_mut().clear(); // break the cycle so the test does not leak
        }
        // The deepest storable value, made of the costliest (tagged) dictionaries, reads back.
        let mut v = Value::Int(1);
        for _ in 0..MAX_DEPTH {
            v = dict(vec![(Value::Int(0), v)]);
        }
        let text = encode(&v).unwrap();
        assert!(same(&decode(&text).unwrap(), &v));
        let too_deep = dict(vec![(Value::Int(0), v)]);
        assert!(encode(&too_deep).is_err());
    }

    #[test]
    fn garbage_is_an_error_not_a_panic() {
        let garbage = [
            "",
            " ",
            "{",
            "[1,",
            "nul",
            "01",
            "\"\\u12\"",
            "{\"$t\":1}",
            "{\"$t\":\"nope\"}",
            "{\"$t\":\"bigint\"}",
            "{\"$t\":\"bigint\",\"v\":\"1x\"}",
            "{\"$t\":\"bigint\",\"v\":5}",
            "{\"$t\":\"float\",\"v\":\"1.5\"}",
            "{\"$t\":\"bytes\",\"v\":\"!!\"}",
            "{\"$t\":\"dict\",\"v\":{}}",
            "{\"$t\":\"dict\",\"v\":[1]}",
            "{\"$t\":\"dict\",\"v\":[[1]]}",
            "{\"$t\":\"dict\",\"v\":[[1,2,3]]}",
            "{\"$t\":\"dict\",\"v\":[[[1],2]]}",
            "{\"$t\":\"dict\",\"v\":[[{},2]]}",
            "{\"$t\":\"datetime\",\"v\":\"2024-13-01T00:00:00Z\",\"o\":0}",
            "{\"$t\":\"datetime\",\"v\":\"2024-01-01T00:00:00Z\",\"o\":86400}",
            "{\"$t\":\"datetime\",\"v\":\"2024-01-01T00:00:00Z\",\"o\":99999999999}",
            "{\"$t\":\"datetime\",\"v\":\"2024-01-01T00:00:00Z\"}",
            "{\"$t\":\"date\",\"v\":\"2024-02-30\"}",
            "{\"$t\":\"time\",\"v\":\"25:00:00\"}",
            "{\"$t\":\"timedelta\",\"s\":0,\"n\":-1}",
            "{\"$t\":\"timedelta\",\"s\":9223372036854775807,\"n\":0}",
            "{\"$t\":\"timedelta\",\"s\":0,\"n\":1000000000}",
            "{\"$t\":\"pattern\",\"k\":\"r\",\"v\":\"(\",\"i\":false}",
            "{\"$t\":\"pattern\",\"k\":\"x\",\"v\":\"a\",\"i\":false}",
            "{\"$t\":\"pattern\",\"k\":\"r\",\"v\":\"a\",\"i\":1}",
            "{\"$t\":\"object\",\"id\":\"1\",\"path\":\"/\"}",
            "{\"$t\":\"object\",\"id\":1e3,\"path\":\"/\"}",
            "[1] [2]",
        ];
        for g in garbage {
            assert!(decode(g).is_err(), "{g:?} decoded");
        }
        // Every prefix of a real encoding, and some byte flips: errors or values, no panics.
        let text = encode(&Value::array(tricky_values())).unwrap();
        let chars: Vec<char> = text.chars().collect();
        for cut in (0..chars.len()).step_by(7) {
            let prefix: String = chars[..cut].iter().collect();
            let _ = decode(&prefix);
        }
        for i in (0..chars.len()).step_by(11) {
            let mut flipped = chars.clone();
            flipped[i] = match flipped[i] {
                '"' => '{',
                '{' => '[',
                ',' => ':',
                c if c.is_ascii_digit() => 'x',
                _ => '"',
            };
            let _ = decode(&flipped.into_iter().collect::<String>());
        }
        // A lone surrogate has no char; the reader may replace it but must not panic.
        let _ = decode("\"\\ud800\"");
        let deep = "[".repeat(5000) + &"]".repeat(5000);
        assert!(decode(&deep).is_err());
    }

    #[test]
    fn equal_values_still_compare_equal_after_round_trip() {
        for v in tricky_values() {
            let back = decode(&encode(&v).unwrap()).unwrap();
            let nan = matches!(v, Value::Float(f) if f.is_nan());
            if !nan && !matches!(v, Value::Pattern(_)) && !contains_nan(&v) {
                assert!(equals(&v, &back), "{}", v.to_nested_text());
            }
        }
    }

    fn contains_nan(v: &Value) -> bool {
        match v {
            Value::Float(f) => f.is_nan(),
            Value::Array(a) => a.borrow().iter().any(contains_nan),
            Value::Dict(d) => d.borrow().values().any(contains_nan),
            Value::Pattern(_) => true,
            _ => false,
        }
    }
}
