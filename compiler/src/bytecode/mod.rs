//! Bytecode of a compiled jobflow: a flat instruction list per [`Chunk`], a constant
//! pool, side tables for the operands too big for an instruction, and a line table.
//!
//! Everything derives serde so a compiled flow can be stored with its object and
//! loaded again; [`verify`] checks a loaded chunk before the VM runs it.

mod disasm;
mod op;
mod stack;
mod verify;

pub use disasm::disassemble;
pub use op::*;
pub use verify::verify;

use serde::{Deserialize, Serialize};

use crate::lexer::PatKind;
use crate::span::Span;

/// A compiled jobflow.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct Chunk {
    /// File name or object path, for messages.
    pub name: String,
    /// The source text, so error reports can quote the failing job.
    pub source: String,
    pub params: Vec<ParamInfo>,
    pub code: Vec<Op>,
    pub consts: Vec<Const>,
    /// Names of variable slots, for messages ("undefined variable `x`") and fork copies.
    pub slots: Vec<String>,
    /// Interned names used by attribute access, keyword arguments and the like.
    pub names: Vec<String>,
    pub calls: Vec<CallSpec>,
    pub execs: Vec<ExecSpec>,
    pub templates: Vec<Template>,
    pub events: Vec<EventSpec>,
    pub forks: Vec<ForkSpec>,
    pub choices: Vec<ChoiceSpec>,
    /// Spans of the jobs, indexed by the operand of [`Op::Job`].
    pub jobs: Vec<Span>,
    /// Line table: `(first pc, span)` runs, sorted by pc.
    pub lines: Vec<(u32, Span)>,
}

impl Chunk {
    /// The source span of the instruction at `pc`.
    pub fn span_at(&self, pc: usize) -> Span {
        let i = self
            .lines
            .partition_point(|&(start, _)| start as usize <= pc);
        if i == 0 {
            Span::default()
        } else {
            self.lines[i - 1].1
        }
    }
}

/// A declared parameter; its default is computed by the code at `default` (ending in `StoreSlot`).
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct ParamInfo {
    pub name: String,
    pub slot: u16,
    pub has_default: bool,
}

/// A constant of the pool.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub enum Const {
    Int(i64),
    /// An integer too large for i64, in decimal.
    BigInt(String),
    Float(f64),
    Str(String),
    Bytes(Vec<u8>),
    /// An object path as written (`./lib`, `/system/config`).
    Path(String),
}

/// How the arguments of a call lie on the stack: `npos` positional values, then
/// (if `spread`) one Array, then one value per keyword name, then (if `spread_named`) one Dictionary.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Default)]
pub struct CallSpec {
    pub npos: u16,
    pub spread: bool,
    pub keywords: Vec<String>,
    pub spread_named: bool,
}

impl CallSpec {
    /// How many stack values the arguments take.
    pub fn width(&self) -> usize {
        self.npos as usize + self.spread as usize + self.keywords.len() + self.spread_named as usize
    }
}

/// An execution job `[target << input : args]`: the target, the input (if any) and the
/// arguments are on the stack; `controls` are the control variables visible at the job.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct ExecSpec {
    pub has_input: bool,
    pub call: CallSpec,
    /// `(index into CONTROL_VARIABLES, slot)` for every control variable in scope.
    pub controls: Vec<(u8, u16)>,
}

/// A string or pattern literal with `$` placeholders resolved at compile time.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct Template {
    pub parts: Vec<TemplatePart>,
    /// `Some` for a pattern literal.
    pub pattern: Option<(PatKind, bool)>,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub enum TemplatePart {
    Text(String),
    /// A variable slot; when unset at run time the placeholder text is kept verbatim.
    Slot {
        slot: u16,
        verbatim: String,
    },
    Status {
        var: StatusVar,
        verbatim: String,
    },
}

/// The status variables (language.md §11).
#[derive(Clone, Copy, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub enum StatusVar {
    Result,
    Status,
    Error,
    Debug,
    Env,
}

impl StatusVar {
    pub fn from_name(name: &str) -> Option<StatusVar> {
        Some(match name {
            "RESULT" => StatusVar::Result,
            "STATUS" => StatusVar::Status,
            "ERROR" => StatusVar::Error,
            "DEBUG" => StatusVar::Debug,
            "ENV" => StatusVar::Env,
            _ => return None,
        })
    }

    pub fn name(self) -> &'static str {
        match self {
            StatusVar::Result => "RESULT",
            StatusVar::Status => "STATUS",
            StatusVar::Error => "ERROR",
            StatusVar::Debug => "DEBUG",
            StatusVar::Env => "ENV",
        }
    }
}

/// An event job: the target (and guard, and arguments per `call`) are on the stack.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct EventSpec {
    /// `false` for `<>`.
    pub has_target: bool,
    pub guard: Option<crate::ast::Guard>,
    pub call: CallSpec,
}

/// A fork block: each branch runs from its pc in a child process until `ChildEnd`;
/// the parent continues at `end`.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct ForkSpec {
    pub branches: Vec<u32>,
    pub end: u32,
    /// For `pfor`: the slot of the loop variable in the child (the iterable is on the stack).
    pub pfor_slot: Option<u16>,
}

/// A choice block: the operands of every branch's event job are on the stack in order;
/// when one fires, execution continues at its branch pc.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct ChoiceSpec {
    pub events: Vec<u32>,
    pub branches: Vec<u32>,
}

/// The control variables whose values a command job reads (language.md §12), resolved
/// to the slots visible at the job.
pub const CONTROL_VARIABLES: &[&str] = &[
    "__realm__",
    "__host__",
    "__conntype__",
    "__user__",
    "__password__",
    "__node__",
    "__account__",
    "__sudo__",
    "__dir__",
    "__port__",
    "__keyfile__",
    "__passphrase__",
    "__timeout__",
    "__proxy__",
    "__shell__",
    "__use_shell__",
    "__use_pty__",
    "__use_cache__",
    "__raw_stdout__",
    "__raw_stderr__",
    "__encoding__",
    "__winrs_auth_type__",
    "__winrs_scheme__",
    "__winrs_use_tlsv1_0__",
    // jfc extensions: the agent zone a command runs from (`jfc agent`), and whether a
    // command an agent lost may run again on another agent of the zone.
    "__zone__",
    "__idempotent__",
];
