//! The syntax tree. Every node carries the byte span of its source text.
//!
//! The parser never fails: where the text is broken it puts an `Error` node and
//! records a diagnostic, so later passes see the whole file.

mod drop;
mod expr;
mod job;
pub mod visit;

pub use expr::*;
pub use job::*;

use serde::Serialize;

use crate::span::Span;

/// A name with its place in the source.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Ident {
    pub name: String,
    pub span: Span,
}

/// A whole jobflow: parameter declarations, then an optional jobflow expression.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Program {
    pub params: Vec<Param>,
    pub body: Option<Flow>,
    /// Which built-ins the flow sees: set by whoever knows what the file is
    /// ([`crate::analyze_as`]); the parser leaves an ordinary flow.
    #[serde(skip)]
    pub dialect: crate::builtins::Dialect,
}

/// `|name|` or `|name = default|`.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Param {
    pub name: Ident,
    pub default: Option<Expr>,
    pub span: Span,
}

/// `name = value`, in assignment jobs, simple-block bindings and dictionaries.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Binding {
    pub name: Ident,
    pub value: Expr,
}
