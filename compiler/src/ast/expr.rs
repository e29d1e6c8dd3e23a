//! Expressions (language.md §2.4, §7).

use num_bigint::BigInt;
use serde::Serialize;

use super::{Binding, Ident};
use crate::lexer::PatKind;
use crate::span::Span;

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Expr {
    pub kind: ExprKind,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub enum ExprKind {
    /// A variable, or a built-in function used as a value.
    Var(String),
    /// `$RESULT` and the other status variables (name without `$`).
    Status(String),
    /// An object path as written: `/a/b`, `./x`, `../`.
    Path(String),
    /// `/` in operand position: the root directory.
    Root,
    /// A string literal after escape processing; `$` templates are expanded when it is evaluated.
    Str(String),
    Bytes(Vec<u8>),
    Int(BigInt),
    Float(f64),
    Pattern {
        kind: PatKind,
        text: String,
        icase: bool,
    },
    Bool(bool),
    Null,
    Array(Vec<Expr>),
    /// `{a = 1, b = 2}`
    DictNamed(Vec<Binding>),
    /// `{k1: v1, k2: v2}`
    DictPairs(Vec<(Expr, Expr)>),
    Paren(Box<Expr>),
    Attr(Box<Expr>, Ident),
    Index(Box<Expr>, Box<Expr>),
    Call(Box<Expr>, Vec<Arg>),
    Unary(UnaryOp, Box<Expr>),
    Binary(BinaryOp, Box<Expr>, Box<Expr>),
    /// A comparison chain: `a < b <= c`.
    Compare(Box<Expr>, Vec<(CompareOp, Expr)>),
    Not(Box<Expr>),
    And(Box<Expr>, Box<Expr>),
    Or(Box<Expr>, Box<Expr>),
    /// Left by the parser where an expression could not be read.
    Error,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum UnaryOp {
    Neg,
    Pos,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum BinaryOp {
    Add,
    Sub,
    Mul,
    Div,
    Rem,
    In,
    NotIn,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, serde::Deserialize)]
pub enum CompareOp {
    Lt,
    Gt,
    Le,
    Ge,
    Eq,
    Ne,
    Match,
    NotMatch,
}

impl CompareOp {
    pub fn symbol(self) -> &'static str {
        match self {
            CompareOp::Lt => "<",
            CompareOp::Gt => ">",
            CompareOp::Le => "<=",
            CompareOp::Ge => ">=",
            CompareOp::Eq => "==",
            CompareOp::Ne => "!=",
            CompareOp::Match => "=~",
            CompareOp::NotMatch => "!~",
        }
    }
}

impl BinaryOp {
    pub fn symbol(self) -> &'static str {
        match self {
            BinaryOp::Add => "+",
            BinaryOp::Sub => "-",
            BinaryOp::Mul => "*",
            BinaryOp::Div => "/",
            BinaryOp::Rem => "%",
            BinaryOp::In => "in",
            BinaryOp::NotIn => "not in",
        }
    }
}

/// One argument of a call: the order rules of §2.4 are checked after parsing.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub enum Arg {
    Pos(Expr),
    /// `*array`
    Spread(Expr),
    Named(Binding),
    /// `**dictionary`
    SpreadNamed(Expr),
}

impl Arg {
    pub fn span(&self) -> Span {
        match self {
            Arg::Pos(e) | Arg::Spread(e) | Arg::SpreadNamed(e) => e.span,
            Arg::Named(b) => b.name.span.to(b.value.span),
        }
    }
}
