//! Jobs, connectors and blocks (language.md §2.3, §4–§6).

use serde::Serialize;

use super::{Arg, Binding, Expr, Ident};
use crate::span::Span;

/// A jobflow expression: jobs joined by connectors, kept flat (§5.3).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Flow {
    pub steps: Vec<Step>,
    pub span: Span,
}

/// A job and the connector written after it (none for the last job).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Step {
    pub job: Job,
    pub connector: Option<(Connector, Span)>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, serde::Deserialize)]
pub enum Connector {
    /// `->`: continue on success only.
    Then,
    /// `=>`: continue also after a job failure.
    Always,
    /// `->>`: continue also after a connection failure.
    ThenConn,
    /// `=>>`: continue after any failure.
    AlwaysConn,
}

impl Connector {
    pub fn symbol(self) -> &'static str {
        match self {
            Connector::Then => "->",
            Connector::Always => "=>",
            Connector::ThenConn => "->>",
            Connector::AlwaysConn => "=>>",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Job {
    pub kind: JobKind,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub enum JobKind {
    /// `[]`
    Skip,
    /// `[expr << input : args]`
    Exec {
        target: Expr,
        input: Option<Expr>,
        args: Vec<Arg>,
    },
    /// `[a = 1, b = 2]`
    Assign(Vec<Binding>),
    /// `[value >> target]`
    Update {
        value: Expr,
        target: Expr,
    },
    Event(Event),
    /// `name(args)`
    Builtin {
        name: Ident,
        args: Vec<Arg>,
    },
    Break,
    Continue,
    Block(Box<Block>),
    /// Left by the parser where a job could not be read.
    Error,
}

/// `<target ? guard : args>`; `<>` has no target.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Event {
    pub target: Option<Expr>,
    pub guard: Option<(Guard, Expr)>,
    pub args: Vec<Arg>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, serde::Deserialize)]
pub enum Guard {
    /// `?`: the head message must match.
    Head,
    /// `??`: skip messages until one matches.
    Scan,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Block {
    pub kind: BlockKind,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub enum BlockKind {
    Simple {
        bindings: Vec<Binding>,
        body: Flow,
    },
    /// `{ if c | flow }` (short) or `{ if c | then: .. elif c: .. else: .. }` (long).
    If {
        cond: Option<Expr>,
        then: Flow,
        elifs: Vec<(Expr, Flow)>,
        otherwise: Option<Flow>,
        long: bool,
    },
    Case {
        subject: Option<Expr>,
        clauses: Vec<CaseClause>,
        otherwise: Option<Flow>,
    },
    For {
        var: Ident,
        iter: Expr,
        body: Flow,
    },
    While {
        cond: Expr,
        body: Flow,
    },
    /// Each branch starts with an event job.
    Choice {
        branches: Vec<Flow>,
    },
    Fork {
        branches: Vec<Flow>,
    },
    Pfor {
        var: Ident,
        iter: Expr,
        body: Flow,
    },
    Session {
        var: Ident,
        body: Flow,
    },
    Try {
        body: Flow,
    },
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct CaseClause {
    pub patterns: Vec<Expr>,
    pub body: Flow,
}
