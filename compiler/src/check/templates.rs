//! `$` placeholders in string literals that are left as literal text
//! (W0006): `${hp[0]}` (braces take a name only) and `'$STATUS'` (a status variable
//! is written `${$STATUS}` inside a literal). language.md §7.9.1.

use super::LazyNames;
use crate::diagnostics::{Code, Diagnostic};
use crate::span::Span;

use super::structure::STATUS_VARIABLES;

/// Check the placeholders of one literal; `defined`: the names the flow defines, when known.
pub fn check(text: &str, span: Span, defined: Option<&LazyNames>, out: &mut Vec<Diagnostic>) {
    let mut rest = text;
    while let Some(pos) = rest.find('$') {
        let after = &rest[pos + 1..];
        let used = if after.starts_with('$') {
            1
        } else if let Some(inner) = after.strip_prefix('{') {
            match inner.find('}') {
                Some(end) => {
                    braced(&inner[..end], span, defined, out);
                    end + 2
                }
                None => 0,
            }
        } else {
            let len = after
                .bytes()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == b'_')
                .count();
            status_without_braces(&after[..len], span, defined, out);
            len
        };
        rest = &after[used..];
    }
}

fn braced(name: &str, span: Span, defined: Option<&LazyNames>, out: &mut Vec<Diagnostic>) {
    if let Some(status) = name.strip_prefix('$') {
        if STATUS_VARIABLES.contains(&status) {
            return;
        }
    } else if is_name(name) {
        status_without_braces(name, span, defined, out);
        return;
    }
    out.push(
        Diagnostic::new(
            Code::LiteralPlaceholder,
            span,
            format!("`${{{name}}}` is left as literal text: `${{...}}` takes one variable name"),
        )
        .label("not interpolated")
        .help(format!(
            "put the value in a variable first, `[v = {name}]`, then write `${{v}}`; or join strings: `'...' + string({name})`"
        )),
    );
}

/// `$STATUS` or `${STATUS}` where no variable `STATUS` exists: meant as the status variable.
fn status_without_braces(
    name: &str,
    span: Span,
    defined: Option<&LazyNames>,
    out: &mut Vec<Diagnostic>,
) {
    let Some(defined) = defined else { return };
    if !STATUS_VARIABLES.contains(&name) || defined.get().contains(name) {
        return;
    }
    out.push(
        Diagnostic::new(
            Code::LiteralPlaceholder,
            span,
            format!("`${name}` is left as literal text: there is no variable `{name}`"),
        )
        .label("not interpolated")
        .help(format!(
            "inside a literal a status variable is written `${{${name}}}`"
        )),
    );
}

fn is_name(s: &str) -> bool {
    let mut chars = s.chars();
    chars
        .next()
        .is_some_and(|c| (c.is_alphabetic() || c == '_') && !c.is_ascii_digit())
        && chars.all(|c| c.is_alphanumeric() || c == '_')
}
