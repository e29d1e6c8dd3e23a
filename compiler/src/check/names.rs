//! Names that nothing in the flow defines (E0015): reading one is always an error at
//! run time, and most often the name was meant as text or as another language's literal.

use std::collections::{HashMap, HashSet};

use super::suggest;
use crate::ast::visit::{self, Visitor};
use crate::ast::{Expr, ExprKind, Job, JobKind, Program};
use crate::diagnostics::{Code, Diagnostic};
use crate::lexer::{lex, Token};
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
    // A `$name` is not a variable one can write instead (E0009 says so).
    let variables = defined
        .iter()
        .map(String::as_str)
        .filter(|n| !n.starts_with('$'));
    if let Some(close) = suggest::closest(name, variables) {
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
pub fn foreign_literal(name: &str) -> Option<&'static str> {
    Some(match name {
        "True" | "TRUE" => "true",
        "False" | "FALSE" => "false",
        "None" | "NULL" | "Null" | "nil" | "undefined" => "null",
        _ => return None,
    })
}

/// The names a flow with a syntax error may define, for checking its recovered tree: a
/// name counts unless every place the file writes it is a read the tree kept (a variable
/// read, a call, a built-in job). Any other place — an assignment or parameter the
/// parser lost in the error, but also a field or keyword name — may define it, so
/// such a name is never reported: the reports are certain, whatever the error hid.
pub fn maybe_defined(program: &Program, text: &str) -> HashSet<String> {
    let mut written: HashMap<&str, usize> = HashMap::new();
    for (_, tok, _) in lex(text).0 {
        if let Token::Ident(name) = tok {
            *written.entry(name).or_default() += 1;
        }
    }
    let mut reads = Reads::default();
    visit::walk_program(&mut reads, program);
    let mut names = super::structure::assigned_names(program);
    names.extend(
        written
            .into_iter()
            .filter(|(name, count)| reads.0.get(name).copied().unwrap_or(0) < *count)
            .map(|(name, _)| name.to_string()),
    );
    names
}

/// How many times the tree reads each name.
#[derive(Default)]
struct Reads<'a>(HashMap<&'a str, usize>);

impl<'a> Visitor<'a> for Reads<'a> {
    fn visit_job(&mut self, job: &'a Job) {
        if let JobKind::Builtin { name, .. } = &job.kind {
            *self.0.entry(&name.name).or_default() += 1;
        }
        visit::walk_job(self, job);
    }

    fn visit_expr(&mut self, e: &'a Expr) {
        if let ExprKind::Var(name) = &e.kind {
            *self.0.entry(name).or_default() += 1;
        }
        visit::walk_expr(self, e);
    }
}
