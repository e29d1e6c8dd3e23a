//! Methods of primitive values (library.md §2.3–§2.12) with Python semantics.
//! Channel and Process methods are listed (so that `ch.send` is a bound
//! method) but executed by the interpreter.

use std::rc::Rc;

use chrono::NaiveDate;

use super::args::{bind, Bound};
use super::codec;
use super::format::str_format;
use crate::value::datetime::{isoformat_utc, strftime};
use crate::value::limits::{self, MAX_BYTES, MAX_ELEMENTS};
use crate::value::{Args, Error, Key, Result, Value};

pub const STRING_METHODS: &[&str] = &[
    "format",
    "join",
    "find",
    "rfind",
    "startswith",
    "endswith",
    "encode",
    "lower",
    "upper",
    "replace",
    "split",
    "rsplit",
    "splitlines",
    "strip",
];
pub const BINARY_METHODS: &[&str] = &["decode", "hex"];
pub const ARRAY_METHODS: &[&str] = &["add_item", "del_item", "pop_item"];
pub const DICT_METHODS: &[&str] = &["del_item", "get_item", "pop_item", "get_keys"];
pub const PATTERN_METHODS: &[&str] = &["match"];
pub const DATETIME_METHODS: &[&str] = &["format", "isoformat", "astimezone"];
pub const DATE_METHODS: &[&str] = &["format"];
pub const TIME_METHODS: &[&str] = &["format"];
/// Executed by the interpreter (they touch the scheduler).
pub const CHANNEL_METHODS: &[&str] = &[
    "send",
    "pop_message",
    "peek_message",
    "delete_message",
    "clear_messages",
];
pub const PROCESS_METHODS: &[&str] = &["delete"];

fn methods_of(v: &Value) -> &'static [&'static str] {
    match v {
        Value::Str(_) => STRING_METHODS,
        Value::Bytes(_) => BINARY_METHODS,
        Value::Array(_) => ARRAY_METHODS,
        Value::Dict(_) => DICT_METHODS,
        Value::Pattern(_) => PATTERN_METHODS,
        Value::Datetime(_) => DATETIME_METHODS,
        Value::Date(_) => DATE_METHODS,
        Value::Time(_) => TIME_METHODS,
        Value::Channel(_) => CHANNEL_METHODS,
        Value::Process(_) => PROCESS_METHODS,
        _ => &[],
    }
}

/// Whether `name` is a method of the receiver's type.
pub fn is_method(recv: &Value, name: &str) -> bool {
    methods_of(recv).contains(&name)
}

/// Call method `name` of `recv`.
pub fn call_method(recv: &Value, name: &str, args: Args) -> Result<Value> {
    match recv {
        Value::Str(s) if name == "format" => Ok(Value::str(&str_format(s, &args.pos, &args.kw)?)),
        Value::Str(s) => string_method(s, name, args),
        Value::Bytes(b) => binary_method(b, name, args),
        Value::Array(_) => array_method(recv, name, args),
        Value::Dict(_) => dict_method(recv, name, args),
        Value::Pattern(p) if name == "match" => {
            let a = bind("match", args, &["s"], 1)?;
            Ok(p.match_value(a.req(0)))
        }
        Value::Datetime(_) | Value::Date(_) | Value::Time(_) if is_method(recv, name) => {
            date_method(recv, name, args)
        }
        Value::Channel(_) | Value::Process(_) if is_method(recv, name) => Err(Error::new(format!(
            "{}.{name} must be run by the interpreter",
            recv.type_name()
        ))),
        _ => Err(no_method(recv, name)),
    }
}

fn no_method(recv: &Value, name: &str) -> Error {
    Error::new(format!("{} has no method '{name}'", recv.type_name()))
}

// ---------------------------------------------------------------- String

/// Python `str.isspace` for one character (includes U+001C–U+001F).
fn is_space(c: char) -> bool {
    c.is_whitespace() || ('\x1c'..='\x1f').contains(&c)
}

/// Python slice bounds for `[start:end]` over `len` items.
fn slice_bounds(len: usize, start: Option<i64>, end: Option<i64>) -> (usize, usize) {
    let n = len as i64;
    let fix = |i: i64| if i < 0 { (i + n).max(0) } else { i.min(n) };
    (
        fix(start.unwrap_or(0)) as usize,
        fix(end.unwrap_or(n)) as usize,
    )
}

fn opt_int(a: &Bound, i: usize) -> Result<Option<i64>> {
    match a.opt_nonnull(i) {
        None => Ok(None),
        Some(_) => a.int_or(i, 0).map(Some),
    }
}

fn string_arg(a: &Bound, i: usize) -> Result<Rc<str>> {
    match a.req(i) {
        Value::Str(s) => Ok(s.clone()),
        _ => Err(a.type_error(i, "a String")),
    }
}

fn strings(v: Vec<String>) -> Value {
    Value::array(v.into_iter().map(|s| Value::str(&s)).collect())
}

fn string_method(s: &str, name: &str, args: Args) -> Result<Value> {
    match name {
        "join" => {
            let a = bind(name, args, &["list"], 1)?;
            let items: Vec<Value> = match a.req(0) {
                Value::Array(x) => x.borrow().clone(),
                Value::Str(t) => t
                    .chars()
                    .map(|c| Value::str(c.encode_utf8(&mut [0; 4])))
                    .collect(),
                _ => return Err(a.type_error(0, "an Array")),
            };
            let mut out = String::new();
            for (i, it) in items.iter().enumerate() {
                let Value::Str(t) = it else {
                    return Err(Error::new(format!(
                        "join(): element {i} must be a String, not {}",
                        it.type_name()
                    )));
                };
                if out.len() + s.len() + t.len() > MAX_BYTES {
                    return Err(limits::bytes_too_large("the joined String"));
                }
                if i > 0 {
                    out.push_str(s);
                }
                out.push_str(t);
            }
            Ok(Value::str(&out))
        }
        "find" | "rfind" => {
            let a = bind(name, args, &["sub", "start", "end"], 1)?;
            let sub = string_arg(&a, 0)?;
            let chars: Vec<char> = s.chars().collect();
            let start = opt_int(&a, 1)?;
            let (st, en) = slice_bounds(chars.len(), start, opt_int(&a, 2)?);
            // Python: a start beyond the end finds nothing, not even "".
            if st > en || start.is_some_and(|x| x > chars.len() as i64) {
                return Ok(Value::Int(-1));
            }
            let hay: String = chars[st..en].iter().collect();
            let found = if name == "find" {
                hay.find(&*sub)
            } else {
                hay.rfind(&*sub)
            };
            Ok(Value::Int(match found {
                Some(b) => (st + hay[..b].chars().count()) as i64,
                None => -1,
            }))
        }
        "startswith" | "endswith" => {
            let pname: &'static [&'static str] = if name == "startswith" {
                &["prefix", "start", "end"]
            } else {
                &["suffix", "start", "end"]
            };
            let a = bind(name, args, pname, 1)?;
            let cands: Vec<Value> = match a.req(0) {
                Value::Array(x) => x.borrow().clone(),
                v => vec![v.clone()],
            };
            let chars: Vec<char> = s.chars().collect();
            let start = opt_int(&a, 1)?;
            let (st, en) = slice_bounds(chars.len(), start, opt_int(&a, 2)?);
            if start.is_some_and(|x| x > chars.len() as i64) {
                return Ok(Value::Bool(false));
            }
            let hay: String = if st <= en {
                chars[st..en].iter().collect()
            } else {
                String::new()
            };
            for c in cands {
                let Value::Str(ref p) = c else {
                    return Err(Error::new(format!(
                        "{name}(): {} must be a String or an Array of Strings, not {}",
                        pname[0],
                        c.type_name()
                    )));
                };
                let hit = if name == "startswith" {
                    hay.starts_with(&**p)
                } else {
                    hay.ends_with(&**p)
                };
                if hit && (st <= en || p.is_empty()) {
                    return Ok(Value::Bool(true));
                }
            }
            Ok(Value::Bool(false))
        }
        "encode" => {
            let a = bind(name, args, &["encoding"], 0)?;
            let enc = a.string_or(0, "utf-8")?;
            Ok(Value::Bytes(codec::encode(s, enc)?.into()))
        }
        "lower" => {
            bind(name, args, &[], 0)?;
            Ok(Value::str(&s.to_lowercase()))
        }
        "upper" => {
            bind(name, args, &[], 0)?;
            Ok(Value::str(&s.to_uppercase()))
        }
        "replace" => {
            let a = bind(name, args, &["old", "new", "count"], 2)?;
            let old = string_arg(&a, 0)?;
            let new = string_arg(&a, 1)?;
            let count = a.int_or(2, -1)?;
            let count = usize::try_from(count).unwrap_or(usize::MAX);
            // Each replacement may grow the text: refuse a result beyond the limit first.
            let grows = new.len().saturating_sub(old.len());
            if grows > 0 && s.len() + s.matches(&*old).take(count).count() * grows > MAX_BYTES {
                return Err(limits::bytes_too_large("the replaced String"));
            }
            Ok(Value::str(&s.replacen(&*old, &new, count)))
        }
        "split" | "rsplit" => {
            let a = bind(name, args, &["sep", "maxsplit"], 0)?;
            let max = a.int_or(1, -1)?;
            let max = if max < 0 {
                usize::MAX
            } else {
                usize::try_from(max).unwrap_or(usize::MAX)
            };
            let right = name == "rsplit";
            match a.opt_nonnull(0) {
                None => {
                    // A String shorter than twice the limit has fewer words than it.
                    if s.len() >= 2 * MAX_ELEMENTS {
                        let words = s.split(is_space).filter(|w| !w.is_empty()).count();
                        check_pieces(words.min(max.saturating_add(1)))?;
                    }
                    Ok(strings(split_whitespace(s, max, right)))
                }
                Some(Value::Str(sep)) => {
                    if sep.is_empty() {
                        return Err(Error::new("empty separator"));
                    }
                    // Counted only when the String is long enough to pass the limit.
                    if s.len() / sep.len() >= MAX_ELEMENTS {
                        check_pieces(s.matches(&**sep).take(max).count() + 1)?;
                    }
                    let parts: Vec<String> = if right {
                        let mut v: Vec<String> = s
                            .rsplitn(max.saturating_add(1), &**sep)
                            .map(String::from)
                            .collect();
                        v.reverse();
                        v
                    } else {
                        s.splitn(max.saturating_add(1), &**sep)
                            .map(String::from)
                            .collect()
                    };
                    Ok(strings(parts))
                }
                Some(_) => Err(a.type_error(0, "a String or null")),
            }
        }
        "splitlines" => {
            let a = bind(name, args, &["keepends"], 0)?;
            if s.len() >= MAX_ELEMENTS {
                check_pieces(line_count(s))?;
            }
            Ok(strings(splitlines(s, a.bool_or(0, false))))
        }
        "strip" => {
            let a = bind(name, args, &["chars"], 0)?;
            match a.opt_nonnull(0) {
                None => Ok(Value::str(s.trim_matches(is_space))),
                Some(Value::Str(set)) => Ok(Value::str(s.trim_matches(|c| set.contains(c)))),
                Some(_) => Err(a.type_error(0, "a String or null")),
            }
        }
        _ => Err(no_method(&Value::str(s), name)),
    }
}

/// Python `str.split()` / `str.rsplit()` without a separator.
fn split_whitespace(s: &str, max: usize, right: bool) -> Vec<String> {
    let mut chars: Vec<char> = s.chars().collect();
    if right {
        chars.reverse();
    }
    let mut out: Vec<String> = Vec::new();
    let mut i = 0;
    let n = chars.len();
    while i < n {
        while i < n && is_space(chars[i]) {
            i += 1;
        }
        if i == n {
            break;
        }
        if out.len() == max {
            // The remainder, with trailing whitespace kept.
            let mut rest: Vec<char> = chars[i..].to_vec();
            if right {
                rest.reverse();
            }
            out.push(rest.into_iter().collect());
            break;
        }
        let start = i;
        while i < n && !is_space(chars[i]) {
            i += 1;
        }
        let mut word: Vec<char> = chars[start..i].to_vec();
        if right {
            word.reverse();
        }
        out.push(word.into_iter().collect());
    }
    if right {
        out.reverse();
    }
    out
}

/// The error for a split into more pieces than an Array may have.
fn check_pieces(n: usize) -> Result<()> {
    if n > MAX_ELEMENTS {
        return Err(limits::elements_too_large("the split String", n));
    }
    Ok(())
}

/// A line break of Python `str.splitlines`.
fn is_break(c: char) -> bool {
    matches!(
        c,
        '\n' | '\r'
            | '\x0b'
            | '\x0c'
            | '\x1c'
            | '\x1d'
            | '\x1e'
            | '\u{85}'
            | '\u{2028}'
            | '\u{2029}'
    )
}

/// How many lines `splitlines` makes of `s` (`\r\n` is one break).
fn line_count(s: &str) -> usize {
    let mut n = 0;
    let mut prev = '\0';
    for c in s.chars() {
        if is_break(c) && !(c == '\n' && prev == '\r') {
            n += 1;
        }
        prev = c;
    }
    // The text after the last break is a line of its own.
    n + usize::from(!s.is_empty() && !s.ends_with(is_break))
}

/// Python `str.splitlines`.
fn splitlines(s: &str, keep: bool) -> Vec<String> {
    let chars: Vec<char> = s.chars().collect();
    let mut out = Vec::new();
    let mut start = 0;
    let mut i = 0;
    while i < chars.len() {
        if is_break(chars[i]) {
            let mut end = i + 1;
            if chars[i] == '\r' && chars.get(i + 1) == Some(&'\n') {
                end += 1;
            }
            let stop = if keep { end } else { i };
            out.push(chars[start..stop].iter().collect());
            start = end;
            i = end;
        } else {
            i += 1;
        }
    }
    if start < chars.len() {
        out.push(chars[start..].iter().collect());
    }
    out
}

// ---------------------------------------------------------------- Binary

fn binary_method(b: &[u8], name: &str, args: Args) -> Result<Value> {
    match name {
        "decode" => {
            let a = bind(name, args, &["encoding"], 0)?;
            Ok(Value::str(&codec::decode(b, a.string_or(0, "utf-8")?)?))
        }
        "hex" => {
            bind(name, args, &[], 0)?;
            if b.len() > MAX_BYTES / 2 {
                return Err(limits::bytes_too_large("the hex String"));
            }
            Ok(Value::str(
                &b.iter().map(|x| format!("{x:02x}")).collect::<String>(),
            ))
        }
        _ => Err(no_method(&Value::Bytes(b.into()), name)),
    }
}

// ---------------------------------------------------------------- Array

fn array_method(recv: &Value, name: &str, args: Args) -> Result<Value> {
    let Value::Array(arr) = recv else {
        return Err(no_method(recv, name));
    };
    match name {
        "add_item" => {
            let mut a = bind(name, args, &["value"], 1)?;
            let v = a.take(0).unwrap_or(Value::Null);
            arr.borrow_mut().push(v);
            Ok(Value::Null)
        }
        "del_item" => {
            let a = bind(name, args, &["index"], 1)?;
            let i = array_index(a.req(0), arr.borrow().len())?;
            arr.borrow_mut().remove(i);
            Ok(Value::Null)
        }
        "pop_item" => {
            let a = bind(name, args, &["index"], 0)?;
            let len = arr.borrow().len();
            if len == 0 {
                return Err(Error::new("pop_item() from an empty Array"));
            }
            let i = match a.opt_nonnull(0) {
                None => len - 1,
                Some(v) => array_index(v, len)?,
            };
            Ok(arr.borrow_mut().remove(i))
        }
        _ => Err(no_method(recv, name)),
    }
}

fn array_index(v: &Value, len: usize) -> Result<usize> {
    let i = match v {
        Value::Int(_) | Value::Bool(_) => v.as_i64().unwrap_or(0),
        Value::BigInt(_) => i64::MAX,
        _ => {
            return Err(Error::new(format!(
                "Array index must be an Integer, not {}",
                v.type_name()
            )))
        }
    };
    let n = len as i64;
    let j = if i < 0 { i.saturating_add(n) } else { i };
    if (0..n).contains(&j) {
        Ok(j as usize)
    } else {
        Err(Error::new(format!(
            "Array index out of range: {i} (length {len})"
        )))
    }
}

// ---------------------------------------------------------------- Dictionary

fn dict_method(recv: &Value, name: &str, args: Args) -> Result<Value> {
    let Value::Dict(d) = recv else {
        return Err(no_method(recv, name));
    };
    let missing = |k: &Value| Error::new(format!("key {} not found", k.to_nested_text()));
    match name {
        "del_item" => {
            let a = bind(name, args, &["key"], 1)?;
            let k = Key::new(a.req(0).clone())?;
            d.borrow_mut()
                .shift_remove(&k)
                .ok_or_else(|| missing(a.req(0)))?;
            Ok(Value::Null)
        }
        "get_item" => {
            let a = bind(name, args, &["key", "default"], 1)?;
            let k = Key::new(a.req(0).clone())?;
            let found = d.borrow().get(&k).cloned();
            Ok(found.unwrap_or_else(|| a.opt(1).cloned().unwrap_or(Value::Null)))
        }
        "pop_item" => {
            let a = bind(name, args, &["key", "default"], 1)?;
            let k = Key::new(a.req(0).clone())?;
            let removed = d.borrow_mut().shift_remove(&k);
            match (removed, a.opt(1)) {
                (Some(v), _) => Ok(v),
                (None, Some(def)) => Ok(def.clone()),
                (None, None) => Err(missing(a.req(0))),
            }
        }
        "get_keys" => {
            bind(name, args, &[], 0)?;
            Ok(Value::array(
                d.borrow().keys().map(|k| k.0.clone()).collect(),
            ))
        }
        _ => Err(no_method(recv, name)),
    }
}

// ---------------------------------------------------------------- Dates

fn date_method(recv: &Value, name: &str, args: Args) -> Result<Value> {
    match (recv, name) {
        (_, "format") => {
            let a = bind(name, args, &["dt_fmt"], 1)?;
            let Value::Str(fmt) = a.req(0) else {
                return Err(a.type_error(0, "a String"));
            };
            let epoch = NaiveDate::from_ymd_opt(1900, 1, 1).unwrap_or_default();
            Ok(Value::str(&match recv {
                Value::Datetime(dt) => strftime(fmt, &dt.naive_local(), Some(dt.offset())),
                Value::Date(d) => strftime(fmt, &d.and_time(chrono::NaiveTime::MIN), None),
                Value::Time(t) => strftime(fmt, &epoch.and_time(*t), None),
                _ => return Err(no_method(recv, name)),
            }))
        }
        (Value::Datetime(dt), "isoformat") => {
            bind(name, args, &[], 0)?;
            Ok(Value::str(&isoformat_utc(dt)))
        }
        (Value::Datetime(dt), "astimezone") => {
            let a = bind(name, args, &["zone"], 0)?;
            match a.opt_nonnull(0) {
                None => Ok(Value::Datetime(
                    dt.with_timezone(&chrono::Local).fixed_offset(),
                )),
                Some(Value::Str(z)) => {
                    let tz: chrono_tz::Tz = z
                        .parse()
                        .map_err(|_| Error::new(format!("unknown time zone '{z}'")))?;
                    Ok(Value::Datetime(dt.with_timezone(&tz).fixed_offset()))
                }
                Some(_) => Err(a.type_error(0, "a String")),
            }
        }
        _ => Err(no_method(recv, name)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::value::get_attr;

    fn call(recv: &Value, name: &str, pos: Vec<Value>) -> String {
        call_kw(recv, name, pos, vec![])
    }

    #[test]
    fn the_line_count_checked_against_the_limit_is_what_splitlines_makes() {
        for text in [
            "",
            "a",
            "\n",
            "a\n",
            "a\r\nb",
            "\r\n\r\n",
            "\r\r\n",
            "a\u{2028}b\x0b",
            "\n\nx",
        ] {
            assert_eq!(line_count(text), splitlines(text, false).len(), "{text:?}");
        }
    }

    fn call_kw(recv: &Value, name: &str, pos: Vec<Value>, kw: Vec<(&str, Value)>) -> String {
        let args = Args {
            pos,
            kw: kw.into_iter().map(|(k, v)| (Rc::from(k), v)).collect(),
        };
        match call_method(recv, name, args) {
            Ok(v) => v.to_nested_text(),
            Err(e) => format!("error: {e}"),
        }
    }

    fn s(x: &str) -> Value {
        Value::str(x)
    }

    fn i(n: i64) -> Value {
        Value::Int(n)
    }

    #[test]
    fn example_18() {
        let sp = s("  Web Server  ");
        assert_eq!(call(&sp, "strip", vec![]), "'Web Server'");
        assert_eq!(
            call(&s("a,b,,c"), "split", vec![s(",")]),
            "['a', 'b', '', 'c']"
        );
        assert_eq!(
            call(&s("a,b,c"), "split", vec![s(","), i(1)]),
            "['a', 'b,c']"
        );
        assert_eq!(
            call(&s("a.b.c"), "rsplit", vec![s("."), i(1)]),
            "['a.b', 'c']"
        );
        assert_eq!(
            call(
                &s("-"),
                "join",
                vec![Value::array(vec![s("x"), s("y"), s("z")])]
            ),
            "'x-y-z'"
        );
        assert_eq!(call(&s("xxhixx"), "strip", vec![s("x")]), "'hi'");
        assert_eq!(call(&s("hello"), "find", vec![s("l")]), "2");
        assert_eq!(call(&s("hello"), "rfind", vec![s("l")]), "3");
        assert_eq!(call(&s("hello"), "find", vec![s("z")]), "-1");
        assert_eq!(call(&s("log.txt"), "startswith", vec![s("log")]), "true");
        assert_eq!(call(&s("log.txt"), "endswith", vec![s(".csv")]), "false");
        assert_eq!(
            call(&s("a-a-a"), "replace", vec![s("-"), s("+")]),
            "'a+a+a'"
        );
        assert_eq!(
            call(&s("a-a-a"), "replace", vec![s("-"), s("+"), i(1)]),
            "'a+a-a'"
        );
        assert_eq!(call(&s("one\ntwo"), "splitlines", vec![]), "['one', 'two']");
        assert_eq!(
            call_kw(
                &s("{0} of {1} {unit}"),
                "format",
                vec![i(3), i(10)],
                vec![("unit", s("GB"))]
            ),
            "'3 of 10 GB'"
        );
    }

    #[test]
    fn string_edge_cases() {
        assert_eq!(call(&s("  a b  c  "), "split", vec![]), "['a', 'b', 'c']");
        assert_eq!(
            call(&s("  a b  c  "), "split", vec![Value::Null, i(1)]),
            "['a', 'b  c  ']"
        );
        assert_eq!(
            call(&s("  a b  c  "), "rsplit", vec![Value::Null, i(1)]),
            "['  a b', 'c']"
        );
        assert_eq!(call(&s(""), "split", vec![]), "[]");
        assert_eq!(call(&s(""), "split", vec![s(",")]), "['']");
        assert_eq!(
            call(&s("a"), "split", vec![s("")]),
            "error: empty separator"
        );
        assert_eq!(
            call(&s("a\r\nb\rc\n"), "splitlines", vec![Value::Bool(true)]),
            r"['a\r\n', 'b\r', 'c\n']"
        );
        assert_eq!(call(&s("héllo"), "find", vec![s("l"), i(-2)]), "3");
        assert_eq!(call(&s("abc"), "find", vec![s(""), i(5)]), "-1");
        assert_eq!(call(&s("abc"), "find", vec![s(""), i(3)]), "3");
        assert_eq!(
            call(
                &s("abc"),
                "startswith",
                vec![Value::array(vec![s("x"), s("ab")])]
            ),
            "true"
        );
        assert_eq!(call(&s("abc"), "startswith", vec![s("b"), i(1)]), "true");
        assert_eq!(
            call(&s("abc"), "endswith", vec![s("b"), i(0), i(2)]),
            "true"
        );
        assert_eq!(call(&s("abc"), "startswith", vec![s(""), i(4)]), "false");
        assert_eq!(call(&s("abc"), "replace", vec![s(""), s("-")]), "'-a-b-c-'");
        assert_eq!(call(&s("ÉA"), "lower", vec![]), "'éa'");
        assert_eq!(
            call(&s("-"), "join", vec![Value::array(vec![s("x"), i(1)])]),
            "error: join(): element 1 must be a String, not Integer"
        );
        assert_eq!(
            call(&s("x"), "nope", vec![]),
            "error: String has no method 'nope'"
        );
        assert_eq!(
            call(&s("x"), "lower", vec![i(1)]),
            "error: lower() takes at most 0 arguments (1 given)"
        );
        assert_eq!(call(&s("café"), "encode", vec![]), r"b'caf\xc3\xa9'");
    }

    #[test]
    fn binary() {
        let b = Value::Bytes(Rc::from(&b"Kompira"[..]));
        assert_eq!(call(&b, "hex", vec![]), "'4b6f6d70697261'");
        assert_eq!(
            call(&Value::Bytes(Rc::from(&b"JF"[..])), "decode", vec![]),
            "'JF'"
        );
        assert!(is_method(&b, "decode"));
    }

    #[test]
    fn arrays() {
        let a = Value::array(vec![i(99), s("x"), Value::Null]);
        call(&a, "add_item", vec![s("z")]);
        assert_eq!(a.to_text(), "[99, 'x', null, 'z']");
        call(&a, "del_item", vec![i(1)]);
        assert_eq!(a.to_text(), "[99, null, 'z']");
        assert_eq!(call(&a, "pop_item", vec![]), "'z'");
        assert_eq!(call(&a, "pop_item", vec![i(0)]), "99");
        assert_eq!(a.to_text(), "[null]");
        assert_eq!(
            call(&a, "del_item", vec![i(5)]),
            "error: Array index out of range: 5 (length 1)"
        );
        call(&a, "pop_item", vec![]);
        assert_eq!(
            call(&a, "pop_item", vec![]),
            "error: pop_item() from an empty Array"
        );
    }

    #[test]
    fn dicts() {
        let mut m = indexmap::IndexMap::new();
        m.insert(Key::str("name"), s("web1"));
        m.insert(Key::str("port"), i(443));
        m.insert(Key::str("env"), s("prod"));
        let d = Value::dict(m);
        assert_eq!(call(&d, "get_keys", vec![]), "['name', 'port', 'env']");
        assert_eq!(call(&d, "get_item", vec![s("port")]), "443");
        assert_eq!(call(&d, "get_item", vec![s("x")]), "null");
        assert_eq!(call(&d, "get_item", vec![s("x"), i(0)]), "0");
        assert_eq!(call(&d, "pop_item", vec![s("name")]), "'web1'");
        assert_eq!(call(&d, "pop_item", vec![s("x"), s("none")]), "'none'");
        assert_eq!(
            call(&d, "pop_item", vec![s("x")]),
            "error: key 'x' not found"
        );
        call(&d, "del_item", vec![s("env")]);
        assert_eq!(d.to_text(), "{port=443}");
        let m = get_attr(&d, "get_keys").unwrap();
        assert!(matches!(m, Value::Method(_)));
    }

    #[test]
    fn dates() {
        let d = Value::Date(NaiveDate::from_ymd_opt(2024, 2, 29).unwrap());
        assert_eq!(call(&d, "format", vec![s("%d/%m/%Y")]), "'29/02/2024'");
        let t = Value::Time(chrono::NaiveTime::from_hms_opt(7, 5, 9).unwrap());
        assert_eq!(call(&t, "format", vec![s("%H.%M %Y")]), "'07.05 1900'");
        let (dt, off) =
            crate::value::datetime::parse_iso_datetime("2024-02-28T22:30:00+09:00").unwrap();
        let dt = Value::Datetime(dt.and_local_timezone(off.unwrap()).unwrap());
        assert_eq!(call(&dt, "isoformat", vec![]), "'2024-02-28T13:30:00Z'");
        assert_eq!(
            call(&dt, "format", vec![s("%Y/%m/%d %H:%M")]),
            "'2024/02/28 22:30'"
        );
        assert_eq!(
            call(&dt, "astimezone", vec![s("UTC")]),
            "2024-02-28 13:30:00+00:00"
        );
        assert_eq!(
            call(&dt, "astimezone", vec![s("Mars/Base")]),
            "error: unknown time zone 'Mars/Base'"
        );
        assert_eq!(
            call(&d, "isoformat", vec![]),
            "error: Date has no method 'isoformat'"
        );
    }
}
