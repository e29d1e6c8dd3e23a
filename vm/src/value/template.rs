//! Templates (language.md §7.9): `$` interpolation of literals and
//! `string % mapping`.

use super::render::is_word_char;
use super::{Error, Key, Result, Value};

/// Length in bytes of the ASCII placeholder name at the start of `s`
/// (`[A-Za-z_][A-Za-z0-9_]*`, Python `string.Template`), 0 if none.
fn ascii_name_len(s: &str) -> usize {
    let b = s.as_bytes();
    if b.is_empty() || !(b[0].is_ascii_alphabetic() || b[0] == b'_') {
        return 0;
    }
    b.iter()
        .take_while(|c| c.is_ascii_alphanumeric() || **c == b'_')
        .count()
}

/// Whether `s` is an identifier in the §1.4 sense (keywords allowed here).
fn is_name(s: &str) -> bool {
    let mut it = s.chars();
    matches!(it.next(), Some(c) if is_word_char(c) && !c.is_ascii_digit()) && it.all(is_word_char)
}

/// `$` interpolation (§7.9.1): `$$`, `$name` (ASCII), `${name}` (any
/// identifier), `${$NAME}` (status variable). Unknown names and any other
/// `$` are left verbatim. Values are rendered with [`Value::to_text`].
pub fn expand_dollar(
    text: &str,
    lookup: &dyn Fn(&str) -> Option<Value>,
    status: &dyn Fn(&str) -> Option<Value>,
) -> String {
    if !text.contains('$') {
        return text.to_string();
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find('$') {
        out.push_str(&rest[..at]);
        let after = &rest[at + 1..];
        if let Some(tail) = after.strip_prefix('$') {
            out.push('$');
            rest = tail;
            continue;
        }
        if let Some(braced) = after.strip_prefix('{') {
            if let Some(close) = braced.find('}') {
                let inner = &braced[..close];
                let value = match inner.strip_prefix('$') {
                    Some(st) if is_name(st) => status(st),
                    None if is_name(inner) => lookup(inner),
                    _ => None,
                };
                if let Some(v) = value {
                    out.push_str(&v.to_text());
                    rest = &braced[close + 1..];
                    continue;
                }
            }
            out.push('$');
            rest = after;
            continue;
        }
        let n = ascii_name_len(after);
        if n > 0 {
            if let Some(v) = lookup(&after[..n]) {
                out.push_str(&v.to_text());
                rest = &after[n..];
                continue;
            }
        }
        out.push('$');
        rest = after;
    }
    out.push_str(rest);
    out
}

/// `text % mapping` with a Dictionary (§7.9.2). Other right operands are an
/// error; Kompira objects go through [`percent_format_with`].
pub fn percent_format(text: &str, mapping: &Value) -> Result<String> {
    match mapping {
        Value::Dict(d) => {
            let d = d.borrow();
            Ok(percent_format_with(text, &|name| {
                d.get(&Key::str(name)).cloned()
            }))
        }
        other => Err(Error::new(format!(
            "String % {}: the right operand must be a Dictionary",
            other.type_name()
        ))),
    }
}

/// `%%`, `%name` (ASCII), `%{anything}`; missing keys stay verbatim.
pub fn percent_format_with(text: &str, lookup: &dyn Fn(&str) -> Option<Value>) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find('%') {
        out.push_str(&rest[..at]);
        let after = &rest[at + 1..];
        if let Some(tail) = after.strip_prefix('%') {
            out.push('%');
            rest = tail;
            continue;
        }
        if let Some(braced) = after.strip_prefix('{') {
            if let Some(close) = braced.find('}') {
                if let Some(v) = lookup(&braced[..close]) {
                    out.push_str(&v.to_text());
                    rest = &braced[close + 1..];
                    continue;
                }
            }
            out.push('%');
            rest = after;
            continue;
        }
        let n = ascii_name_len(after);
        if n > 0 {
            if let Some(v) = lookup(&after[..n]) {
                out.push_str(&v.to_text());
                rest = &after[n..];
                continue;
            }
        }
        out.push('%');
        rest = after;
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use indexmap::IndexMap;

    fn vars(name: &str) -> Option<Value> {
        match name {
            "host" => Some(Value::str("web1")),
            "port" => Some(Value::Int(8080)),
            "tags" => Some(Value::array(vec![Value::str("a"), Value::str("b")])),
            "count" => Some(Value::Int(3)),
            "名前" => Some(Value::str("u")),
            _ => None,
        }
    }

    fn status(name: &str) -> Option<Value> {
        (name == "RESULT").then(|| Value::str("res"))
    }

    fn x(t: &str) -> String {
        expand_dollar(t, &vars, &status)
    }

    #[test]
    fn dollar_forms() {
        assert_eq!(x("connect to $host:$port"), "connect to web1:8080");
        assert_eq!(x("${host}_backup"), "web1_backup");
        assert_eq!(x("tags=$tags"), "tags=['a', 'b']");
        assert_eq!(
            x("$missing and ${missing} stay"),
            "$missing and ${missing} stay"
        );
        assert_eq!(x("price: $$5"), "price: $5");
        assert_eq!(x("cost: $5"), "cost: $5");
        assert_eq!(x("$count件"), "3件");
        assert_eq!(x("${名前}!"), "u!");
        assert_eq!(x("${$RESULT} $$RESULT ${$NOPE}"), "res $RESULT ${$NOPE}");
        assert_eq!(x("^a$"), "^a$");
        assert_eq!(x("${a.b} ${host"), "${a.b} ${host");
        assert_eq!(x("end$"), "end$");
    }

    #[test]
    fn percent_forms() {
        let mut m = IndexMap::new();
        m.insert(Key::str("user"), Value::str("ops"));
        m.insert(Key::str("n"), Value::Int(3));
        m.insert(Key::str("a b"), Value::Float(1.0));
        let d = Value::dict(m);
        let f = |t: &str| percent_format(t, &d).unwrap();
        assert_eq!(f("%user has %n alerts"), "ops has 3 alerts");
        assert_eq!(f("%{user}_home"), "ops_home");
        assert_eq!(f("%user %unknown"), "ops %unknown");
        assert_eq!(f("100%% %{a b} %{x} %"), "100% 1.0 %{x} %");
        assert!(percent_format("x", &Value::Int(1)).is_err());
    }
}
