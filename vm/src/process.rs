//! A process: a green thread with its own stack, frames and status variables.

use std::cell::RefCell;
use std::collections::VecDeque;
use std::rc::Rc;
use std::time::Instant;

use crate::code::Code;

use crate::value::{ProcessInfo, Value};

/// How the last job ended; connectors read it (language.md §5).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    Success,
    /// Class A: the job ran and reported a non-zero status.
    JobFailure,
    /// Class B: the job could not reach its target.
    ConnFailure,
}

/// `$RESULT`, `$STATUS`, `$ERROR`, `$DEBUG` of one jobflow invocation.
#[derive(Clone)]
pub struct StatusVars {
    pub result: Value,
    pub status: Value,
    pub error: Value,
    pub debug: Value,
}

impl Default for StatusVars {
    fn default() -> Self {
        StatusVars {
            result: Value::str(""),
            status: Value::Int(0),
            error: Value::str(""),
            debug: Value::Null,
        }
    }
}

/// One jobflow invocation.
#[derive(Clone)]
pub struct Frame {
    pub code: Rc<Code>,
    pub pc: usize,
    pub slots: Vec<Option<Value>>,
    pub status: StatusVars,
    pub iters: Vec<Iter>,
    /// Directory of the flow, for relative object paths.
    pub dir: Rc<str>,
    /// Operand stack height when the frame started.
    pub stack_base: usize,
    /// The jobflow object whose multiplicity lock this frame holds.
    pub lock: Option<i64>,
}

impl Frame {
    pub fn new(code: Rc<Code>, dir: Rc<str>, stack_base: usize) -> Frame {
        let slots = vec![None; code.chunk.slots.len()];
        Frame {
            code,
            pc: 0,
            slots,
            status: StatusVars::default(),
            iters: Vec::new(),
            dir,
            stack_base,
            lock: None,
        }
    }
}

/// A running `for` loop: a snapshot of what it iterates (§6.4).
#[derive(Clone)]
pub enum Iter {
    Items(VecDeque<Value>),
    Range { next: i64, end: i64 },
}

/// A `try` handler.
#[derive(Clone, Copy)]
pub struct Handler {
    pub frame: usize,
    pub pc: usize,
    pub stack: usize,
    pub iters: usize,
}

/// Why a process is not ready.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Wait {
    None,
    /// A host request (command) is running.
    Host,
    Sleep,
    /// An event job or choice: re-run when woken.
    Event,
    /// A fork/pfor block waits for children or for room under the process limit.
    Children,
    /// The store was busy: run the instruction again after a short while.
    Store,
    Suspended,
}

/// The state of the fork/pfor block a process is running.
#[derive(Clone)]
pub struct ForkState {
    /// Children not started yet: the pc to start at and the pfor value.
    pub pending: VecDeque<(usize, Option<Value>)>,
    pub pfor_slot: Option<u16>,
    pub children: Vec<Rc<RefCell<ProcessInfo>>>,
    /// Started children that have not ended or detached.
    pub running: usize,
    pub end: usize,
}

/// Cloned only for a retry point (snapshot::retry): values stay shared.
#[derive(Clone)]
pub struct Process {
    pub pid: u64,
    pub info: Rc<RefCell<ProcessInfo>>,
    pub frames: Vec<Frame>,
    pub stack: Vec<Value>,
    pub handlers: Vec<Handler>,
    pub outcome: Outcome,
    pub wait: Wait,
    /// Bumped at every wait (see `host::Ticket`).
    pub seq: u64,
    /// Set when the timer of the current wait fired.
    pub timed_out: bool,
    pub deadline: Option<Instant>,
    pub fork: Option<ForkState>,
    /// The parent whose fork/pfor block waits for this process.
    pub parent: Option<u64>,
    /// Index of the running job in the current chunk's job table.
    pub job: u32,
    /// Set while an event job or fork block waits, so its re-run keeps its deadline.
    pub resumed: bool,
    /// Per-branch deadlines of a waiting `choice`.
    pub choice_deadlines: Vec<Option<Instant>>,
    /// The channels and processes the event job it is parked on waits for (arrays
    /// flattened): it counts in their `event_count` until the job goes on.
    pub listening: Vec<Value>,
    /// How to decode the output of the running command.
    pub command: Option<CommandOptions>,
    /// The session block the process is in (one at a time: they do not nest).
    pub session: Option<OpenSession>,
}

/// An open session block of a process, and where it opened: a `try` caught an error
/// from inside it, or a jobflow that opened it returned, closes it.
#[derive(Clone)]
pub struct OpenSession {
    pub channel: Rc<RefCell<crate::value::ChannelState>>,
    /// The frame (index) it opened in.
    pub frame: usize,
    /// The `try` handlers active when it opened.
    pub handlers: usize,
}

/// What a command job needs again when its output comes back.
#[derive(Clone)]
pub struct CommandOptions {
    pub encoding: String,
    pub raw_stdout: bool,
    pub raw_stderr: bool,
    /// The command itself, so a snapshot taken while it runs can name it or start it again.
    pub request: Option<crate::host::CommandRequest>,
    /// The session a session block is opening (its id), rather than a command.
    pub session: Option<u64>,
}

impl Process {
    pub fn frame(&self) -> &Frame {
        self.frames.last().expect("a live process has a frame")
    }

    pub fn frame_mut(&mut self) -> &mut Frame {
        self.frames.last_mut().expect("a live process has a frame")
    }
}
