//! `dir.glob(pattern)` (library.md §3.6.6):
//!
//! ```text
//! [<path>/]<name-glob>[.<TypeName>][@<owner>][(<attr>[__<lookup>]=<value>, ...)][[<field>[__<lookup>]=<value>, ...]]
//! ```
//!
//! - The path and name take `*` (within one name), `?`, `[seq]`, `[!seq]`; a path segment
//!   `**` stands for any number of directories, none included. Without a path, only the
//!   direct children of `dir` are looked at.
//! - A leading `/` starts the path at the root of the store, whatever `dir` is.
//! - `.<TypeName>` names a type of `/system/types`, else the one TypeObject of that name
//!   elsewhere (object names have no `.`).
//! - A `[...]` after the name holding `name=value` is the field filter list; any other
//!   `[...]` is a character class of the name.
//! - Filter values are jobflow literals: strings, numbers, `true`/`false`/`null`,
//!   `r'...'` regular expressions, object paths and arrays of these.

use jfc_compiler::lexer::{self, PatKind, Spanned, Token};
use jfc_vm::value::Value;

use super::filter::{self, Cond, Op, Subject, Test};
use super::find::{attr_filter, field_filter};
use super::lookup::{Attr, Lookup};
use super::{default_order, table_fields, Fallback, Query, Scope, TypeFields};
use crate::objects::{ObjectId, ROOT};
use crate::Store;

/// The parts of a pattern, as written.
struct Parts<'a> {
    path: &'a str,
    owner: Option<&'a str>,
    attrs: Option<&'a str>,
    fields: Option<&'a str>,
}

pub fn query(store: &Store, dir: ObjectId, pattern: &str) -> Result<Query, String> {
    let err = |e: crate::StoreError| e.0;
    let parts = split_parts(pattern)?;
    let (mut base, path) = match parts.path.strip_prefix('/') {
        Some(rest) => (ROOT, rest),
        None => (dir, parts.path),
    };
    let mut segments: Vec<&str> = path.split('/').collect();
    let last = segments.pop().unwrap_or_default();
    let (name, type_id) = name_and_type(store, last)?;
    if segments.iter().any(|s| s.is_empty()) {
        return Err(format!("{pattern:?}: an empty directory name in the path"));
    }
    // The literal directories at the front are looked up, not matched.
    let literal = segments.iter().take_while(|s| !has_magic(s)).count();
    let mut found = true;
    for seg in &segments[..literal] {
        match store.child(base, seg).map_err(err)? {
            Some(c) => base = c,
            None => found = false,
        }
        if !found {
            break;
        }
    }
    let rest = &segments[literal..];
    let mut conds = Vec::new();
    let scope = if !found {
        Scope::Nothing
    } else if rest.is_empty() {
        if name != "*" {
            conds.push(glob_cond(Subject::Name, sqlite_glob(name)));
        }
        Scope::Children(base)
    } else {
        let re = path_regex(rest, name);
        fancy_regex::Regex::new(&re)
            .map_err(|_| format!("{pattern:?}: a `[...]` of the path matches no character"))?;
        conds.push(Cond::Attr(
            Subject::RelPath,
            Test {
                op: Op::Regex(re),
                icase: false,
            },
        ));
        Scope::Subtree(base)
    };
    let mut tf = table_fields(store, dir).map_err(err)?;
    if let Some(t) = type_id {
        conds.push(filter::attr(
            store,
            Attr::TypeObject,
            Lookup::Exact,
            &store.object_value(t).map_err(err)?,
        )?);
        tf = Some(TypeFields::of(store, t).map_err(err)?);
    }
    if let Some(owner) = parts.owner {
        conds.push(filter::attr(
            store,
            Attr::Owner,
            Lookup::Exact,
            &Value::str(owner),
        )?);
    }
    for (key, value) in filters(parts.attrs.unwrap_or_default())? {
        conds.push(attr_filter(store, &key, &value)?);
    }
    let fields = filters(parts.fields.unwrap_or_default())?;
    if !fields.is_empty() {
        let Some(tf) = &tf else {
            return Err("[field filters] need a .TypeName (or a Table): the type's fields say how values compare".into());
        };
        for (key, value) in fields {
            conds.push(field_filter(store, tf, &key, &value)?);
        }
    }
    let fallback = if rest.is_empty() {
        Fallback::Name
    } else {
        Fallback::Path
    };
    let order = default_order(store, dir, tf.as_ref(), fallback).map_err(err)?;
    Query::new(store, scope, conds, order, None, 0).map_err(err)
}

fn glob_cond(subject: Subject, pattern: String) -> Cond {
    Cond::Attr(
        subject,
        Test {
            op: Op::Glob(pattern),
            icase: false,
        },
    )
}

fn has_magic(segment: &str) -> bool {
    segment.contains(['*', '?', '['])
}

/// The name glob and the type of `NAME.TypeName` (object names have no `.`).
fn name_and_type<'a>(store: &Store, last: &'a str) -> Result<(&'a str, Option<ObjectId>), String> {
    let star = |n: &'a str| if n.is_empty() { "*" } else { n };
    match last.split_once('.') {
        None => Ok((star(last), None)),
        Some((name, ty)) => Ok((star(name), Some(type_named(store, ty)?))),
    }
}

/// The type `.TypeName` names: the one of /system/types, else the one TypeObject of that
/// name elsewhere (user-defined types may live in any directory).
fn type_named(store: &Store, ty: &str) -> Result<ObjectId, String> {
    if let Ok(t) = store.type_id(ty) {
        return Ok(t);
    }
    let type_object = store.type_id("TypeObject").map_err(|e| e.0)?;
    let found = || -> rusqlite::Result<Vec<ObjectId>> {
        let mut stmt = store
            .conn
            .prepare("SELECT id FROM objects WHERE name = ?1 AND type = ?2 ORDER BY id")?;
        let ids = stmt.query_map(rusqlite::params![ty, type_object], |r| r.get(0))?;
        ids.collect()
    };
    let ids = found().map_err(|e| e.to_string())?;
    match ids[..] {
        [t] => Ok(t),
        [] => Err(format!(
            "no type `{ty}`: after the name, `.TypeName` names a type of /system/types"
        )),
        _ => {
            let paths: Vec<String> = ids.iter().filter_map(|&t| store.abspath(t).ok()).collect();
            Err(format!(
                "`.{ty}` is ambiguous: TypeObjects {} are all called `{ty}`",
                paths.join(", ")
            ))
        }
    }
}

/// A name glob in SQLite's GLOB syntax: the same but `[^seq]` for `[!seq]`.
fn sqlite_glob(glob: &str) -> String {
    glob.replace("[!", "[^")
}

/// A regular expression for the path below the base: `rest` directories, then `name`.
fn path_regex(rest: &[&str], name: &str) -> String {
    let mut re = String::from("^");
    for seg in rest {
        if *seg == "**" {
            re.push_str("(?:[^/]+/)*");
        } else {
            re.push_str(&segment_regex(seg));
            re.push('/');
        }
    }
    re.push_str(&segment_regex(name));
    re.push('$');
    re
}

fn segment_regex(glob: &str) -> String {
    let mut re = String::new();
    let mut chars = glob.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '*' => re.push_str("[^/]*"),
            '?' => re.push_str("[^/]"),
            '[' => {
                let negated = chars.peek() == Some(&'!');
                if negated {
                    chars.next();
                }
                let mut body = String::new();
                let mut closed = false;
                for d in chars.by_ref() {
                    if d == ']' {
                        closed = true;
                        break;
                    }
                    body.push(d);
                }
                if closed {
                    let body = body.replace('\\', "\\\\").replace('[', "\\[");
                    re.push_str(&format!("[{}{body}]", if negated { "^" } else { "" }));
                } else {
                    // An unclosed `[` is a plain character, as in shells.
                    let bang = if negated { "!" } else { "" };
                    re.push_str(&fancy_regex::escape(&format!("[{bang}{body}")));
                }
            }
            c => re.push_str(&fancy_regex::escape(&c.to_string())),
        }
    }
    re
}

/// Split a pattern into its parts; what is left over is an error saying where.
fn split_parts(p: &str) -> Result<Parts<'_>, String> {
    let path_end = path_end(p);
    let mut at = path_end;
    let mut parts = Parts {
        path: &p[..path_end],
        owner: None,
        attrs: None,
        fields: None,
    };
    if let Some(rest) = p[at..].strip_prefix('@') {
        let len = rest
            .find(|c: char| !(c.is_alphanumeric() || "_.-".contains(c)))
            .unwrap_or(rest.len());
        if len == 0 {
            return Err(format!("{p:?}: `@` is followed by no user name"));
        }
        parts.owner = Some(&rest[..len]);
        at += 1 + len;
    }
    if p[at..].starts_with('(') {
        let len = closing(&p[at..])
            .ok_or_else(|| format!("{p:?}: the `(` of the attribute filters is not closed"))?;
        parts.attrs = Some(&p[at + 1..at + len - 1]);
        at += len;
    }
    if p[at..].starts_with('[') {
        let len = closing(&p[at..])
            .ok_or_else(|| format!("{p:?}: the `[` of the field filters is not closed"))?;
        parts.fields = Some(&p[at + 1..at + len - 1]);
        at += len;
    }
    if at < p.len() {
        return Err(format!(
            "{p:?}: unexpected {:?} at character {}; after the name come .TypeName, @owner, (attribute filters) and [field filters], in that order",
            &p[at..],
            p[..at].chars().count() + 1
        ));
    }
    Ok(parts)
}

/// Where the path and name end: at `@`, `(`, or a `[` that opens field filters.
fn path_end(p: &str) -> usize {
    let mut i = 0;
    while i < p.len() {
        let rest = &p[i..];
        if rest.starts_with(['@', '(']) {
            return i;
        }
        if let Some(class) = rest.strip_prefix('[') {
            if holds_assignment(rest) {
                return i;
            }
            // A character class: skip to its `]`.
            i += class.find(']').map_or(1, |j| j + 2);
            continue;
        }
        i += rest.chars().next().map_or(1, char::len_utf8);
    }
    p.len()
}

/// Whether the bracket group `text` starts with holds `name=value` at its top level
/// (then it is the field filter list, closed or not).
fn holds_assignment(text: &str) -> bool {
    let (tokens, _) = lexer::lex(text);
    let mut depth = 0;
    for (_, t, _) in &tokens {
        match t {
            Token::LParen | Token::LBracket | Token::LBrace => depth += 1,
            Token::RParen | Token::RBracket | Token::RBrace => {
                depth -= 1;
                if depth == 0 {
                    return false;
                }
            }
            Token::Assign if depth == 1 => return true,
            _ => {}
        }
    }
    false
}

/// The length of the bracket group `text` starts with, through its matching close,
/// read as jobflow tokens (brackets inside strings do not count).
fn closing(text: &str) -> Option<usize> {
    let (tokens, _) = lexer::lex(text);
    let mut depth = 0i32;
    for (_, t, end) in &tokens {
        match t {
            Token::LParen | Token::LBracket | Token::LBrace => depth += 1,
            Token::RParen | Token::RBracket | Token::RBrace => {
                depth -= 1;
                if depth == 0 {
                    return Some(*end);
                }
            }
            _ => {}
        }
    }
    None
}

/// `a=1, b__lt='x'` as (key, value) pairs.
fn filters(text: &str) -> Result<Vec<(String, Value)>, String> {
    let (tokens, errors) = lexer::lex(text);
    if let Some(e) = errors.first() {
        return Err(format!(
            "cannot read the filters {text:?} at {:?}",
            &text[e.span.start as usize..]
        ));
    }
    let mut out = Vec::new();
    let mut i = 0;
    while i < tokens.len() {
        let key = match (&tokens[i].1, tokens.get(i + 1).map(|t| &t.1)) {
            (Token::Ident(k), Some(Token::Assign)) => k.to_string(),
            _ => return Err(format!("expected name=value in {text:?}")),
        };
        i += 2;
        let value = literal(&tokens, &mut i).map_err(|e| format!("{key}=...: {e}"))?;
        out.push((key, value));
        match tokens.get(i).map(|t| &t.1) {
            None => {}
            Some(Token::Comma) => i += 1,
            Some(_) => return Err(format!("expected `,` between the filters in {text:?}")),
        }
    }
    Ok(out)
}

/// A jobflow literal at `tokens[*i]`.
fn literal(tokens: &[Spanned<'_>], i: &mut usize) -> Result<Value, String> {
    let tok = tokens.get(*i).map(|t| &t.1);
    *i += 1;
    Ok(match tok {
        Some(Token::Str(s)) => Value::str(s),
        Some(Token::Int(t)) => Value::Int(t.parse().map_err(|_| format!("{t} is too large"))?),
        Some(Token::Float(t)) => Value::Float(t.parse().map_err(|_| format!("bad number {t}"))?),
        Some(Token::Minus) => match literal(tokens, i)? {
            Value::Int(n) => Value::Int(-n),
            Value::Float(f) => Value::Float(-f),
            _ => return Err("`-` goes before a number".into()),
        },
        Some(Token::True) => Value::Bool(true),
        Some(Token::False) => Value::Bool(false),
        Some(Token::Null) => Value::Null,
        Some(Token::Path(p)) => Value::str(p),
        Some(Token::Pattern((PatKind::Regex, body, icase))) => {
            Value::str(&if *icase { format!("(?i){body}") } else { body.clone() })
        }
        Some(Token::LBracket) => {
            let mut items = Vec::new();
            while !matches!(tokens.get(*i).map(|t| &t.1), Some(Token::RBracket) | None) {
                items.push(literal(tokens, i)?);
                if matches!(tokens.get(*i).map(|t| &t.1), Some(Token::Comma)) {
                    *i += 1;
                }
            }
            *i += 1;
            Value::array(items)
        }
        _ => {
            return Err(
                "expects a literal: a string, a number, true, false, null, r'regex', an object path or an array of these"
                    .into(),
            )
        }
    })
}
