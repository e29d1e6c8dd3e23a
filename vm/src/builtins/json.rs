//! `json_parse` and `json_dump` with Python `json` behaviour (library.md §1.7):
//! key order kept, arbitrary-size integers, `NaN`/`Infinity` accepted,
//! `json.dumps` separators and `ensure_ascii`.

use std::fmt::Write as _;
use std::rc::Rc;

use indexmap::IndexMap;
use num_bigint::BigInt;

use crate::value::datetime::{fmt_date, fmt_time, isoformat_utc};
use crate::value::limits::MAX_INT_DIGITS;
use crate::value::render::float_repr;
use crate::value::{Error, Key, Result, Value};

/// Nesting deeper than this is refused instead of exhausting the stack.
const MAX_DEPTH: usize = 1000;

// ---------------------------------------------------------------- parse

struct Parser<'a> {
    s: &'a [u8],
    text: &'a str,
    i: usize,
    strict: bool,
}

/// Parse JSON text; `strict` refuses control characters inside strings.
pub fn parse(text: &str, strict: bool) -> Result<Value> {
    let mut p = Parser {
        s: text.as_bytes(),
        text,
        i: 0,
        strict,
    };
    p.ws();
    let v = p.value(0)?;
    p.ws();
    if p.i != p.s.len() {
        return Err(p.err("Extra data"));
    }
    Ok(v)
}

impl Parser<'_> {
    fn err(&self, what: &str) -> Error {
        let mut at = self.i.min(self.text.len());
        while !self.text.is_char_boundary(at) {
            at -= 1;
        }
        let before = &self.text[..at];
        let line = before.matches('\n').count() + 1;
        let col = before
            .rfind('\n')
            .map_or(before.chars().count(), |k| before[k + 1..].chars().count())
            + 1;
        Error::new(format!(
            "json_parse: {what}: line {line} column {col} (char {})",
            before.chars().count()
        ))
    }

    fn ws(&mut self) {
        while self.i < self.s.len() && matches!(self.s[self.i], b' ' | b'\t' | b'\n' | b'\r') {
            self.i += 1;
        }
    }

    fn lit(&mut self, word: &str) -> bool {
        if self.s[self.i..].starts_with(word.as_bytes()) {
            self.i += word.len();
            true
        } else {
            false
        }
    }

    fn value(&mut self, depth: usize) -> Result<Value> {
        if depth > MAX_DEPTH {
            return Err(self.err("nesting too deep"));
        }
        let Some(&c) = self.s.get(self.i) else {
            return Err(self.err("Expecting value"));
        };
        match c {
            b'{' => self.object(depth),
            b'[' => self.array(depth),
            b'"' => Ok(Value::str(&self.string()?)),
            b'n' if self.lit("null") => Ok(Value::Null),
            b't' if self.lit("true") => Ok(Value::Bool(true)),
            b'f' if self.lit("false") => Ok(Value::Bool(false)),
            b'N' if self.lit("NaN") => Ok(Value::Float(f64::NAN)),
            b'I' if self.lit("Infinity") => Ok(Value::Float(f64::INFINITY)),
            b'-' if self.s[self.i..].starts_with(b"-Infinity") => {
                self.i += 9;
                Ok(Value::Float(f64::NEG_INFINITY))
            }
            b'-' | b'0'..=b'9' => self.number(),
            _ => Err(self.err("Expecting value")),
        }
    }

    fn number(&mut self) -> Result<Value> {
        let start = self.i;
        let digits = |p: &mut Self| {
            let s = p.i;
            while p.i < p.s.len() && p.s[p.i].is_ascii_digit() {
                p.i += 1;
            }
            p.i - s
        };
        if self.s[self.i] == b'-' {
            self.i += 1;
        }
        if self.s.get(self.i) == Some(&b'0') {
            self.i += 1;
        } else if digits(self) == 0 {
            return Err(self.err("Expecting value"));
        }
        let mut float = false;
        if self.s.get(self.i) == Some(&b'.')
            && self.s.get(self.i + 1).is_some_and(u8::is_ascii_digit)
        {
            self.i += 1;
            digits(self);
            float = true;
        }
        if matches!(self.s.get(self.i), Some(b'e' | b'E')) {
            let save = self.i;
            self.i += 1;
            if matches!(self.s.get(self.i), Some(b'+' | b'-')) {
                self.i += 1;
            }
            if digits(self) == 0 {
                self.i = save;
            } else {
                float = true;
            }
        }
        let t = &self.text[start..self.i];
        if float {
            t.parse::<f64>()
                .map(Value::Float)
                .map_err(|_| self.err("invalid number"))
        } else if let Ok(n) = t.parse::<i64>() {
            Ok(Value::Int(n))
        } else if t.trim_start_matches('-').len() as u64 > MAX_INT_DIGITS {
            // Parsing is quadratic in the length: bound it like any Integer result.
            Err(self.err(&format!(
                "integer too large (an Integer has at most {MAX_INT_DIGITS} decimal digits)"
            )))
        } else {
            t.parse::<BigInt>()
                .map(Value::from_bigint)
                .map_err(|_| self.err("invalid number"))
        }
    }

    fn hex4(&mut self) -> Result<u32> {
        let h = self
            .text
            .get(self.i..self.i + 4)
            .ok_or_else(|| self.err("Invalid \\uXXXX escape"))?;
        let v = u32::from_str_radix(h, 16).map_err(|_| self.err("Invalid \\uXXXX escape"))?;
        self.i += 4;
        Ok(v)
    }

    fn string(&mut self) -> Result<String> {
        self.i += 1; // opening quote
        let mut out = String::new();
        loop {
            let start = self.i;
            while self.i < self.s.len()
                && !matches!(self.s[self.i], b'"' | b'\\')
                && (self.s[self.i] >= 0x20 || !self.strict)
            {
                self.i += 1;
            }
            out.push_str(&self.text[start..self.i]);
            let Some(&c) = self.s.get(self.i) else {
                return Err(self.err("Unterminated string starting at"));
            };
            self.i += 1;
            match c {
                b'"' => return Ok(out),
                b'\\' => {
                    let Some(&e) = self.s.get(self.i) else {
                        return Err(self.err("Unterminated string starting at"));
                    };
                    self.i += 1;
                    match e {
                        b'"' => out.push('"'),
                        b'\\' => out.push('\\'),
                        b'/' => out.push('/'),
                        b'b' => out.push('\x08'),
                        b'f' => out.push('\x0c'),
                        b'n' => out.push('\n'),
                        b'r' => out.push('\r'),
                        b't' => out.push('\t'),
                        b'u' => {
                            let mut u = self.hex4()?;
                            if (0xd800..0xdc00).contains(&u) && self.s[self.i..].starts_with(b"\\u")
                            {
                                let save = self.i;
                                self.i += 2;
                                let lo = self.hex4()?;
                                if (0xdc00..0xe000).contains(&lo) {
                                    u = 0x10000 + ((u - 0xd800) << 10) + (lo - 0xdc00);
                                } else {
                                    self.i = save;
                                }
                            }
                            // A lone surrogate cannot be a Rust char; use U+FFFD.
                            out.push(char::from_u32(u).unwrap_or('\u{fffd}'));
                        }
                        _ => {
                            self.i -= 2;
                            return Err(self.err("Invalid \\escape"));
                        }
                    }
                }
                _ => {
                    self.i -= 1;
                    return Err(self.err("Invalid control character at"));
                }
            }
        }
    }

    fn array(&mut self, depth: usize) -> Result<Value> {
        self.i += 1;
        let mut items = Vec::new();
        self.ws();
        if self.s.get(self.i) == Some(&b']') {
            self.i += 1;
            return Ok(Value::array(items));
        }
        loop {
            self.ws();
            items.push(self.value(depth + 1)?);
            self.ws();
            match self.s.get(self.i) {
                Some(b',') => self.i += 1,
                Some(b']') => {
                    self.i += 1;
                    return Ok(Value::array(items));
                }
                _ => return Err(self.err("Expecting ',' delimiter")),
            }
        }
    }

    fn object(&mut self, depth: usize) -> Result<Value> {
        self.i += 1;
        let mut map = IndexMap::new();
        self.ws();
        if self.s.get(self.i) == Some(&b'}') {
            self.i += 1;
            return Ok(Value::dict(map));
        }
        loop {
            self.ws();
            if self.s.get(self.i) != Some(&b'"') {
                return Err(self.err("Expecting property name enclosed in double quotes"));
            }
            let k = self.string()?;
            self.ws();
            if self.s.get(self.i) != Some(&b':') {
                return Err(self.err("Expecting ':' delimiter"));
            }
            self.i += 1;
            self.ws();
            let v = self.value(depth + 1)?;
            // Python dict: a repeated key keeps its first position, last value.
            map.insert(Key::str(&k), v);
            self.ws();
            match self.s.get(self.i) {
                Some(b',') => self.i += 1,
                Some(b'}') => {
                    self.i += 1;
                    return Ok(Value::dict(map));
                }
                _ => return Err(self.err("Expecting ',' delimiter")),
            }
        }
    }
}

// ---------------------------------------------------------------- dump

/// Serialise like Python `json.dumps(obj, ensure_ascii=.., indent=..)`.
/// `indent` None is compact (`, ` and `: `); Some(s) puts s per level.
pub fn dump(v: &Value, ensure_ascii: bool, indent: Option<&str>) -> Result<String> {
    let mut d = Dumper {
        ensure_ascii,
        indent,
        out: String::new(),
        active: Vec::new(),
    };
    d.value(v, 0)?;
    Ok(d.out)
}

struct Dumper<'a> {
    ensure_ascii: bool,
    indent: Option<&'a str>,
    out: String,
    active: Vec<*const ()>,
}

impl Dumper<'_> {
    fn newline(&mut self, level: usize) {
        if let Some(ind) = self.indent {
            self.out.push('\n');
            for _ in 0..level {
                self.out.push_str(ind);
            }
        }
    }

    fn item_sep(&mut self) {
        self.out
            .push_str(if self.indent.is_some() { "," } else { ", " });
    }

    fn enter(&mut self, ptr: *const ()) -> Result<()> {
        if self.active.contains(&ptr) {
            return Err(Error::new("json_dump: circular reference detected"));
        }
        if self.active.len() >= MAX_DEPTH {
            return Err(Error::new("json_dump: nesting too deep"));
        }
        self.active.push(ptr);
        Ok(())
    }

    fn value(&mut self, v: &Value, level: usize) -> Result<()> {
        match v {
            Value::Null => self.out.push_str("null"),
            Value::Bool(b) => self.out.push_str(if *b { "true" } else { "false" }),
            Value::Int(_) | Value::BigInt(_) => self.out.push_str(&v.to_text()),
            Value::Float(f) => self.out.push_str(&json_float(*f)),
            Value::Str(s) => self.string(s),
            Value::Array(a) => {
                self.enter(Rc::as_ptr(a) as *const ())?;
                let items = a.borrow().clone();
                if items.is_empty() {
                    self.out.push_str("[]");
                } else {
                    self.out.push('[');
                    for (i, x) in items.iter().enumerate() {
                        if i > 0 {
                            self.item_sep();
                        }
                        self.newline(level + 1);
                        self.value(x, level + 1)?;
                    }
                    self.newline(level);
                    self.out.push(']');
                }
                self.active.pop();
            }
            Value::Dict(d) => {
                self.enter(Rc::as_ptr(d) as *const ())?;
                let entries: Vec<(Key, Value)> = d
                    .borrow()
                    .iter()
                    .map(|(k, v)| (k.clone(), v.clone()))
                    .collect();
                if entries.is_empty() {
                    self.out.push_str("{}");
                } else {
                    self.out.push('{');
                    for (i, (k, x)) in entries.iter().enumerate() {
                        if i > 0 {
                            self.item_sep();
                        }
                        self.newline(level + 1);
                        let key = match &k.0 {
                            Value::Str(s) => s.to_string(),
                            Value::Float(f) => json_float(*f),
                            Value::Int(_) | Value::BigInt(_) | Value::Bool(_) | Value::Null => k.0.to_text(),
                            other => {
                                return Err(Error::new(format!(
                                    "json_dump: keys must be String, Integer, Float, Boolean or null, not {}",
                                    other.type_name()
                                )))
                            }
                        };
                        self.string(&key);
                        self.out.push_str(": ");
                        self.value(x, level + 1)?;
                    }
                    self.newline(level);
                    self.out.push('}');
                }
                self.active.pop();
            }
            // Non-JSON values (library §6 Q8).
            Value::Datetime(dt) => self.string(&isoformat_utc(dt)),
            Value::Date(d) => self.string(&fmt_date(d)),
            Value::Time(t) => self.string(&fmt_time(t)),
            other => self.string(&other.to_text()),
        }
        Ok(())
    }

    fn string(&mut self, s: &str) {
        let out = &mut self.out;
        out.push('"');
        for c in s.chars() {
            match c {
                '"' => out.push_str("\\\""),
                '\\' => out.push_str("\\\\"),
                '\n' => out.push_str("\\n"),
                '\r' => out.push_str("\\r"),
                '\t' => out.push_str("\\t"),
                '\x08' => out.push_str("\\b"),
                '\x0c' => out.push_str("\\f"),
                c if (c as u32) < 0x20 || (self.ensure_ascii && (c as u32) > 0x7e) => {
                    let mut buf = [0u16; 2];
                    for u in c.encode_utf16(&mut buf) {
                        let _ = write!(out, "\\u{u:04x}");
                    }
                }
                c => out.push(c),
            }
        }
        out.push('"');
    }
}

/// Python's float text in JSON: repr, with `NaN`/`Infinity`.
fn json_float(f: f64) -> String {
    if f.is_nan() {
        "NaN".into()
    } else if f.is_infinite() {
        if f > 0.0 {
            "Infinity".into()
        } else {
            "-Infinity".into()
        }
    } else {
        float_repr(f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_example_21() {
        let v = parse(
            r#"{"host": "db1", "ports": [5432, 6432], "tls": true, "note": null, "load": 0.75}"#,
            false,
        )
        .unwrap();
        assert_eq!(
            v.to_text(),
            "{host='db1', ports=[5432, 6432], tls=true, note=null, load=0.75}"
        );
    }

    #[test]
    fn parse_details() {
        assert_eq!(
            parse("123456789012345678901234567890", false)
                .unwrap()
                .to_text(),
            "123456789012345678901234567890"
        );
        assert_eq!(
            parse("[1e2, -0.5, 1E-2]", false).unwrap().to_text(),
            "[100.0, -0.5, 0.01]"
        );
        assert_eq!(
            parse(r#""\u00e9\ud83d\ude00\n""#, false).unwrap().to_text(),
            "é😀\n"
        );
        assert_eq!(
            parse(r#"{"a": 1, "b": 2, "a": 3}"#, false)
                .unwrap()
                .to_text(),
            "{a=3, b=2}"
        );
        assert_eq!(
            parse("[NaN, Infinity, -Infinity]", false)
                .unwrap()
                .to_text(),
            "[nan, inf, -inf]"
        );
        assert!(parse("\"a\tb\"", false).is_ok());
        assert_eq!(
            parse("\"a\tb\"", true).unwrap_err().message,
            "json_parse: Invalid control character at: line 1 column 3 (char 2)"
        );
        assert_eq!(
            parse("", false).unwrap_err().message,
            "json_parse: Expecting value: line 1 column 1 (char 0)"
        );
        assert_eq!(
            parse("[1,]", false).unwrap_err().message,
            "json_parse: Expecting value: line 1 column 4 (char 3)"
        );
        assert!(parse("[1] x", false).is_err());
        assert!(parse("{'a': 1}", false).is_err());
        assert!(parse("01", false).is_err());
        assert!(parse(&"[".repeat(5000), false).is_err());
    }

    #[test]
    fn dump_example_21() {
        let v = parse(r#"{"name": "x", "list": [1, 2.5, false, null]}"#, false).unwrap();
        assert_eq!(
            dump(&v, true, None).unwrap(),
            r#"{"name": "x", "list": [1, 2.5, false, null]}"#
        );
        assert_eq!(
            dump(&Value::str("café"), true, None).unwrap(),
            r#""caf\u00e9""#
        );
        assert_eq!(dump(&Value::str("café"), false, None).unwrap(), r#""café""#);
        let v = parse(r#"{"a": [1]}"#, false).unwrap();
        assert_eq!(
            dump(&v, true, Some("  ")).unwrap(),
            "{\n  \"a\": [\n    1\n  ]\n}"
        );
        assert_eq!(
            dump(&parse("[[], {}]", false).unwrap(), true, Some("")).unwrap(),
            "[\n[],\n{}\n]"
        );
    }

    #[test]
    fn dump_details() {
        assert_eq!(
            dump(&Value::str("😀\x01\"\\"), true, None).unwrap(),
            r#""\ud83d\ude00\u0001\"\\""#
        );
        let mut m = IndexMap::new();
        m.insert(Key(Value::Int(1)), Value::Float(1e16));
        m.insert(Key(Value::Bool(false)), Value::Float(f64::NAN));
        m.insert(Key(Value::Null), Value::Bytes(Rc::from(&b"x"[..])));
        assert_eq!(
            dump(&Value::dict(m), true, None).unwrap(),
            r#"{"1": 1e+16, "false": NaN, "null": "b'x'"}"#
        );
        let a = Value::array(vec![]);
        if let Value::Array(x) = &a {
            x.borrow_mut().push(a.clone());
        }
        assert!(dump(&a, true, None).is_err());
    }
}
