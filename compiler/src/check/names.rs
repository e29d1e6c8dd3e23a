//! Names that nothing in the flow defines (E0015): reading one is always an error at
//! run time, and most often the name was meant as text or as another language's literal.

use std::collections::HashSet;

use super::suggest;
use crate::diagnostics::{Code, Diagnostic};
use crate::span::Span;

/// The diagnostic for a read of `name`, which no assignment or parameter of the flow defines.
pub fn undefined(name: &str, span: Span, defined: &HashSet<String>) -> Diagnostic {
    let d = Diagnostic::new(
        Code::UndefinedName,
        span,
        format!("`{name}` is not defined anywhere in this flow"),
    );
    if let Some(literal) = foreign_literal(name) {
        return d.label(format!("did you mean `{literal}`?")).help(format!(
            "the literals are written `true`, `false` and `null`: write `{literal}`"
        ));
    }
    if let Some(close) = suggest::closest(name, defined.iter().map(String::as_str)) {
        return d.label(format!("did you mean `{close}`?")).help(format!(
            "`{close}` is a variable of this flow; `{name}` is not"
        ));
    }
    d.label(format!("did you mean the string `'{name}'`?"))
        .help(format!(
            "text is quoted: `'{name}'`; a variable is assigned first (`[{name} = ...]`) or declared as a parameter (`|{name}|`)"
        ))
}

/// The jobflow literal that another language's spelling stands for.
fn foreign_literal(name: &str) -> Option<&'static str> {
    Some(match name {
        "True" | "TRUE" => "true",
        "False" | "FALSE" => "false",
        "None" | "NULL" | "Null" | "nil" | "undefined" => "null",
        _ => return None,
    })
}
