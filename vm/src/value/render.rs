//! Conversion to text (language.md §9), type names (library.md §2.1),
//! truthiness (§8.2) and deep copies (§8.3, §14.1).

use std::cell::RefCell;
use std::collections::{HashMap, HashSet};
use std::fmt::Write as _;
use std::rc::Rc;

use num_traits::Zero;

use super::datetime::{fmt_date, fmt_datetime, fmt_time, fmt_timedelta};
use super::{Key, PatternKind, ProcessState, Value};

/// The name of built-in number `id`, if known.
pub fn builtin_name(id: u16) -> Option<&'static str> {
    jfc_compiler::builtins::exists(id).then(|| jfc_compiler::builtins::get(id).name)
}

/// The 21 keywords; a Dictionary key equal to one of them is quoted, since
/// keywords are not identifiers (§1.4).
const KEYWORDS: [&str; 21] = [
    "and", "break", "case", "choice", "continue", "elif", "else", "false", "for", "fork", "if",
    "in", "not", "null", "or", "pfor", "session", "then", "true", "try", "while",
];

/// Python's `\w` approximated with Unicode alphanumerics plus `_`.
pub(crate) fn is_word_char(c: char) -> bool {
    c == '_' || c.is_alphanumeric()
}

/// IDENTIFIER of §1.4: `[^\W0-9]\w*`, keywords excluded.
pub fn is_identifier(s: &str) -> bool {
    let mut chars = s.chars();
    match chars.next() {
        Some(c) if is_word_char(c) && !c.is_ascii_digit() => {}
        _ => return false,
    }
    chars.all(is_word_char) && !KEYWORDS.contains(&s)
}

impl Value {
    /// The name `type()` returns (library.md §2.1, §6 Q14).
    pub fn type_name(&self) -> &'static str {
        match self {
            Value::Null => "Null",
            Value::Bool(_) => "Boolean",
            Value::Int(_) | Value::BigInt(_) => "Integer",
            Value::Float(_) => "Float",
            Value::Str(_) => "String",
            Value::Bytes(_) => "Binary",
            Value::Pattern(_) => "Pattern",
            Value::Array(_) => "Array",
            Value::Dict(_) => "Dictionary",
            Value::Datetime(_) => "Datetime",
            Value::Date(_) => "Date",
            Value::Time(_) => "Time",
            Value::Timedelta(_) => "Timedelta",
            // Virtual objects and store objects are all 'Object'.
            Value::Process(_) | Value::Jobflow(_) | Value::Object(_) => "Object",
            Value::Channel(_) => "Channel",
            Value::Lazy(_) => "LazyArray",
            // Host values the library does not name (library.md §2.1: `Native(<name>)`).
            Value::Builtin(_) => "Native(Function)",
            Value::Method(_) => "Native(Method)",
        }
    }

    /// Truthiness (§8.2, Q21).
    pub fn truthy(&self) -> bool {
        match self {
            Value::Null => false,
            Value::Bool(b) => *b,
            Value::Int(i) => *i != 0,
            Value::BigInt(b) => !b.is_zero(),
            Value::Float(f) => *f != 0.0,
            Value::Str(s) => !s.is_empty(),
            Value::Bytes(b) => !b.is_empty(),
            Value::Array(a) => !a.borrow().is_empty(),
            Value::Dict(d) => !d.borrow().is_empty(),
            Value::Timedelta(t) => !t.is_zero(),
            _ => true,
        }
    }

    /// A copy in which every reachable Array and Dictionary is new; shared
    /// (and cyclic) structure is preserved. Everything else is immutable and shared.
    pub fn deep_copy(&self) -> Value {
        let mut memo: HashMap<*const (), Value> = HashMap::new();
        deep_copy_in(self, &mut memo)
    }

    /// Top-level text form (§9): Strings unquoted.
    pub fn to_text(&self) -> String {
        match self {
            Value::Str(s) => s.to_string(),
            _ => {
                let mut out = String::new();
                Renderer::default().value(&mut out, self);
                out
            }
        }
    }

    /// Nested text form (§9): Strings single-quoted and escaped.
    pub fn to_nested_text(&self) -> String {
        let mut out = String::new();
        Renderer::default().value(&mut out, self);
        out
    }
}

/// Debug output is the nested text form (`'a'`, `[1, 2]`), which is what
/// test failures and traces want to show.
impl std::fmt::Debug for Value {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.to_nested_text())
    }
}

/// One container still to be filled by [`Value::deep_copy`].
enum CopyJob {
    Array(super::Array, super::Array),
    Dict(super::Dict, super::Dict),
}

/// The copy of `v`: containers are created empty (memoised by address, so
/// sharing and cycles survive) and queued to be filled. Working from a queue
/// instead of recursing keeps deep nesting off the stack.
fn copy_shallow(v: &Value, memo: &mut HashMap<*const (), Value>, jobs: &mut Vec<CopyJob>) -> Value {
    match v {
        Value::Array(a) => {
            let ptr = Rc::as_ptr(a) as *const ();
            if let Some(done) = memo.get(&ptr) {
                return done.clone();
            }
            let new = Rc::new(RefCell::new(Vec::new()));
            memo.insert(ptr, Value::Array(new.clone()));
            jobs.push(CopyJob::Array(a.clone(), new.clone()));
            Value::Array(new)
        }
        Value::Dict(d) => {
            let ptr = Rc::as_ptr(d) as *const ();
            if let Some(done) = memo.get(&ptr) {
                return done.clone();
            }
            let new = Rc::new(RefCell::new(indexmap::IndexMap::new()));
            memo.insert(ptr, Value::Dict(new.clone()));
            jobs.push(CopyJob::Dict(d.clone(), new.clone()));
            Value::Dict(new)
        }
        other => other.clone(),
    }
}

fn deep_copy_in(v: &Value, memo: &mut HashMap<*const (), Value>) -> Value {
    let mut jobs = Vec::new();
    let root = copy_shallow(v, memo, &mut jobs);
    while let Some(job) = jobs.pop() {
        match job {
            CopyJob::Array(src, dst) => {
                let items: Vec<Value> = src
                    .borrow()
                    .iter()
                    .map(|x| copy_shallow(x, memo, &mut jobs))
                    .collect();
                *dst.borrow_mut() = items;
            }
            CopyJob::Dict(src, dst) => {
                let entries: indexmap::IndexMap<Key, Value> = src
                    .borrow()
                    .iter()
                    .map(|(k, x)| (k.clone(), copy_shallow(x, memo, &mut jobs)))
                    .collect();
                *dst.borrow_mut() = entries;
            }
        }
    }
    root
}

/// What is left to write of a value being rendered, innermost last.
enum Piece {
    Value(Value),
    Key(Value),
    Text(&'static str),
    /// The container at this address is written: it may appear again, not as itself.
    Leave(*const ()),
}

/// Renders nested values from a work list, not by recursion, so nesting of any depth
/// prints; remembers the containers being rendered so that a container holding itself
/// prints `[...]` / `{...}` (library.md `string`).
#[derive(Default)]
struct Renderer {
    active: HashSet<*const ()>,
}

impl Renderer {
    fn value(&mut self, out: &mut String, v: &Value) {
        let mut todo = vec![Piece::Value(v.clone())];
        while let Some(piece) = todo.pop() {
            match &piece {
                Piece::Value(v) => self.open(out, v, &mut todo),
                Piece::Key(Value::Str(s)) if is_identifier(s) => out.push_str(s),
                Piece::Key(k) => scalar(out, k),
                Piece::Text(t) => out.push_str(t),
                Piece::Leave(ptr) => {
                    self.active.remove(ptr);
                }
            }
        }
    }

    /// Write a scalar, or open a container and queue its elements.
    fn open(&mut self, out: &mut String, v: &Value, todo: &mut Vec<Piece>) {
        match v {
            Value::Array(a) => {
                let ptr = Rc::as_ptr(a).cast();
                if !self.active.insert(ptr) {
                    out.push_str("[...]");
                    return;
                }
                out.push('[');
                todo.push(Piece::Leave(ptr));
                todo.push(Piece::Text("]"));
                for (i, x) in a.borrow().iter().enumerate().rev() {
                    todo.push(Piece::Value(x.clone()));
                    if i > 0 {
                        todo.push(Piece::Text(", "));
                    }
                }
            }
            Value::Dict(d) => {
                let ptr = Rc::as_ptr(d).cast();
                if !self.active.insert(ptr) {
                    out.push_str("{...}");
                    return;
                }
                out.push('{');
                todo.push(Piece::Leave(ptr));
                todo.push(Piece::Text("}"));
                for (i, (k, x)) in d.borrow().iter().enumerate().rev() {
                    todo.push(Piece::Value(x.clone()));
                    todo.push(Piece::Text("="));
                    todo.push(Piece::Key(k.0.clone()));
                    if i > 0 {
                        todo.push(Piece::Text(", "));
                    }
                }
            }
            other => scalar(out, other),
        }
    }
}

/// The text of a value that holds no other values.
fn scalar(out: &mut String, v: &Value) {
    match v {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Int(i) => {
            let _ = write!(out, "{i}");
        }
        Value::BigInt(b) => {
            let _ = write!(out, "{b}");
        }
        Value::Float(f) => out.push_str(&float_repr(*f)),
        Value::Str(s) => quote_str(out, s),
        Value::Bytes(b) => out.push_str(&bytes_repr(b)),
        Value::Pattern(p) => out.push_str(&pattern_repr(p.kind, &p.text, p.icase)),
        Value::Object(o) => out.push_str(&o.path),
        // Printing goes through the VM, which runs the query first (interp::lazy);
        // this form is only seen where no query can run.
        Value::Lazy(l) => {
            let _ = write!(out, "<LazyArray {}>", l.label);
        }
        Value::Datetime(dt) => out.push_str(&fmt_datetime(dt)),
        Value::Date(d) => out.push_str(&fmt_date(d)),
        Value::Time(t) => out.push_str(&fmt_time(t)),
        Value::Timedelta(t) => out.push_str(&fmt_timedelta(t)),
        Value::Process(p) => out.push_str(&super::process::abspath(p.borrow().pid)),
        Value::Channel(_) => out.push_str("<Channel>"),
        Value::Builtin(id) => match builtin_name(*id) {
            Some(name) => {
                let _ = write!(out, "<built-in function {name}>");
            }
            None => {
                let _ = write!(out, "<built-in function #{id}>");
            }
        },
        Value::Method(m) => {
            let _ = write!(out, "<method {}.{}>", m.receiver.type_name(), m.name);
        }
        Value::Jobflow(j) => out.push_str(&j.path.display().to_string()),
        Value::Array(_) => out.push_str("[...]"),
        Value::Dict(_) => out.push_str("{...}"),
    }
}

/// The text of a process state as `Process.status` shows it.
pub(crate) fn state_name(s: ProcessState) -> &'static str {
    match s {
        ProcessState::New => "NEW",
        ProcessState::Ready => "READY",
        ProcessState::Running => "RUNNING",
        ProcessState::Waiting => "WAITING",
        ProcessState::Aborted => "ABORTED",
        ProcessState::Done => "DONE",
    }
}

/// A String in its nested form: single quotes, `\\ \' \n \t \r` escaped,
/// other controls and DEL as `\xNN`, everything else as itself (§9).
pub fn quote_str(out: &mut String, s: &str) {
    out.push('\'');
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\'' => out.push_str("\\'"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c if (c as u32) < 0x20 || c == '\x7f' => {
                let _ = write!(out, "\\x{:02x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('\'');
}

/// Python `bytes` repr, always with single quotes (§9 lists `\'`).
pub fn bytes_repr(b: &[u8]) -> String {
    let mut out = String::with_capacity(b.len() + 3);
    out.push_str("b'");
    for &c in b {
        match c {
            b'\\' => out.push_str("\\\\"),
            b'\'' => out.push_str("\\'"),
            b'\t' => out.push_str("\\t"),
            b'\n' => out.push_str("\\n"),
            b'\r' => out.push_str("\\r"),
            0x20..=0x7e => out.push(c as char),
            _ => {
                let _ = write!(out, "\\x{c:02x}");
            }
        }
    }
    out.push('\'');
    out
}

/// A pattern in literal form: `r'..'`, `g'..'i`. Double quotes are used
/// only when the text holds an unescaped single quote (as `r"it's"` was written).
pub fn pattern_repr(kind: PatternKind, text: &str, icase: bool) -> String {
    let letter = match kind {
        PatternKind::Regex => 'r',
        PatternKind::Glob => 'g',
        PatternKind::Exact => 'e',
    };
    let mut bare_quote = false;
    let mut escaped = false;
    for c in text.chars() {
        if escaped {
            escaped = false;
        } else if c == '\\' {
            escaped = true;
        } else if c == '\'' {
            bare_quote = true;
        }
    }
    let q = if bare_quote { '"' } else { '\'' };
    let mut out = String::with_capacity(text.len() + 4);
    out.push(letter);
    out.push(q);
    out.push_str(text);
    out.push(q);
    if icase {
        out.push('i');
    }
    out
}

/// Python `repr(float)`: shortest round-trip digits, fixed notation for
/// exponents -4..16, otherwise `d.ddde+XX`.
pub fn float_repr(f: f64) -> String {
    if f.is_nan() {
        return "nan".into();
    }
    if f.is_infinite() {
        return if f > 0.0 { "inf".into() } else { "-inf".into() };
    }
    if f == 0.0 {
        return if f.is_sign_negative() {
            "-0.0".into()
        } else {
            "0.0".into()
        };
    }
    // `{:e}` gives the shortest round-trip digits: "-1.2345e-7".
    let sci = format!("{f:e}");
    let (mant, exp) = match sci.split_once('e') {
        Some((m, e)) => (m, e.parse::<i32>().unwrap_or(0)),
        None => (sci.as_str(), 0),
    };
    let (neg, mant) = match mant.strip_prefix('-') {
        Some(m) => (true, m),
        None => (false, mant),
    };
    let digits: String = mant.chars().filter(|c| *c != '.').collect();
    let mut out = String::new();
    if neg {
        out.push('-');
    }
    if (-4..16).contains(&exp) {
        let n = digits.len() as i32;
        if exp < 0 {
            out.push_str("0.");
            for _ in 0..(-exp - 1) {
                out.push('0');
            }
            out.push_str(&digits);
        } else if exp + 1 >= n {
            out.push_str(&digits);
            for _ in 0..(exp + 1 - n) {
                out.push('0');
            }
            out.push_str(".0");
        } else {
            let (int, frac) = digits.split_at((exp + 1) as usize);
            out.push_str(int);
            out.push('.');
            out.push_str(frac);
        }
    } else {
        out.push_str(&digits[..1]);
        if digits.len() > 1 {
            out.push('.');
            out.push_str(&digits[1..]);
        }
        let _ = write!(out, "e{}{:02}", if exp < 0 { '-' } else { '+' }, exp.abs());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use indexmap::IndexMap;

    #[test]
    fn floats_print_like_python() {
        let cases = [
            (1.0, "1.0"),
            (2.5e-7, "2.5e-07"),
            (1e16, "1e+16"),
            (1e15, "1000000000000000.0"),
            (0.1 + 0.2, "0.30000000000000004"),
            (0.0005, "0.0005"),
            (0.0001, "0.0001"),
            (0.00001, "1e-05"),
            (-1.5, "-1.5"),
            (123.456, "123.456"),
            (1.5e300, "1.5e+300"),
            (f64::INFINITY, "inf"),
            (f64::NEG_INFINITY, "-inf"),
            (-0.0, "-0.0"),
            (5e-324, "5e-324"),
        ];
        for (f, s) in cases {
            assert_eq!(float_repr(f), s, "{f}");
        }
        assert_eq!(float_repr(f64::NAN), "nan");
    }

    #[test]
    fn nested_strings_are_escaped() {
        let v = Value::array(vec![Value::str("it's\n\t\r\\\x01\x7f\"é")]);
        assert_eq!(v.to_text(), r#"['it\'s\n\t\r\\\x01\x7f"é']"#);
        assert_eq!(Value::str("a'b").to_text(), "a'b");
    }

    #[test]
    fn dict_keys() {
        let mut m = IndexMap::new();
        m.insert(Key(Value::str("name")), Value::Int(1));
        m.insert(Key(Value::str("two words")), Value::Int(2));
        m.insert(Key(Value::Int(3)), Value::str("x"));
        m.insert(Key(Value::str("if")), Value::Null);
        m.insert(Key(Value::str("名前")), Value::Null);
        m.insert(Key(Value::str("1a")), Value::Null);
        assert_eq!(
            Value::dict(m).to_text(),
            "{name=1, 'two words'=2, 3='x', 'if'=null, 名前=null, '1a'=null}"
        );
    }

    #[test]
    fn self_containing_containers() {
        let a = Value::array(vec![Value::Int(1)]);
        if let Value::Array(inner) = &a {
            inner.borrow_mut().push(a.clone());
        }
        assert_eq!(a.to_text(), "[1, [...]]");
        let c = a.deep_copy();
        assert_eq!(c.to_text(), "[1, [...]]");
        if let (Value::Array(x), Value::Array(y)) = (&a, &c) {
            assert!(!Rc::ptr_eq(x, y));
        }
    }

    #[test]
    fn very_deep_nesting_does_not_overflow() {
        let mut v = Value::Int(0);
        for _ in 0..5000 {
            v = Value::array(vec![v]);
        }
        let text = v.to_text();
        assert_eq!(text, format!("{}0{}", "[".repeat(5000), "]".repeat(5000)));
        assert_eq!(v.deep_copy().to_text(), text);
    }

    #[test]
    fn deep_copy_is_independent() {
        let inner = Value::array(vec![Value::Int(1)]);
        let outer = Value::array(vec![inner.clone(), inner.clone()]);
        let copy = outer.deep_copy();
        if let Value::Array(a) = &inner {
            a.borrow_mut().push(Value::Int(2));
        }
        assert_eq!(outer.to_text(), "[[1, 2], [1, 2]]");
        assert_eq!(copy.to_text(), "[[1], [1]]");
    }

    #[test]
    fn bytes_and_patterns() {
        assert_eq!(bytes_repr(b"a'\\\t\n\r\x00\xff"), r"b'a\'\\\t\n\r\x00\xff'");
        assert_eq!(pattern_repr(PatternKind::Regex, r"\d", true), r"r'\d'i");
        assert_eq!(
            pattern_repr(PatternKind::Regex, r"it\'s", false),
            r"r'it\'s'"
        );
        assert_eq!(pattern_repr(PatternKind::Glob, "it's", false), "g\"it's\"");
    }

    #[test]
    fn truthiness_and_types() {
        assert!(!Value::Float(0.0).truthy());
        assert!(Value::str("false").truthy());
        assert!(!Value::Bytes(Rc::from(&b""[..])).truthy());
        assert!(!Value::Timedelta(chrono::TimeDelta::zero()).truthy());
        assert_eq!(
            Value::from_bigint(num_bigint::BigInt::from(5)).type_name(),
            "Integer"
        );
        assert!(matches!(
            Value::from_bigint(num_bigint::BigInt::from(5)),
            Value::Int(5)
        ));
        assert_eq!(builtin_name(14), Some("length"));
    }
}
