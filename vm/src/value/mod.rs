//! Values of the jobflow language (language.md §8, library.md §2).
//!
//! Values live on the interpreter thread only, so containers are `Rc<RefCell<..>>`:
//! Arrays and Dictionaries are shared by reference (§8.3), everything else is immutable.
//! Child processes get a [`Value::deep_copy`] of what they inherit.

use std::cell::RefCell;
use std::collections::VecDeque;
use std::fmt;
use std::path::PathBuf;
use std::rc::Rc;

use indexmap::IndexMap;
use num_bigint::BigInt;

pub mod arith;
pub mod compare;
pub mod datetime;
pub mod index;
mod key;
pub mod limits;
pub(crate) mod num;
mod pattern;
pub mod process;
pub mod regex_error;
pub mod render;
mod teardown;
mod template;

pub use arith::{add, div, mul, neg, pos, rem, sub};
pub use compare::{case_match, compare, contains, equals, partial_compare, similar};
pub use index::{get_attr, get_index, set_attr, set_index};
pub use template::{expand_dollar, percent_format, percent_format_with};

pub type Array = Rc<RefCell<Vec<Value>>>;
pub type Dict = Rc<RefCell<IndexMap<Key, Value>>>;

/// A jobflow value.
#[derive(Clone)]
pub enum Value {
    Null,
    Bool(bool),
    /// The fast path of Integer.
    Int(i64),
    /// An Integer outside i64; never holds a value that fits in i64.
    BigInt(Rc<BigInt>),
    Float(f64),
    Str(Rc<str>),
    Bytes(Rc<[u8]>),
    Pattern(Rc<Pattern>),
    Array(Array),
    Dict(Dict),
    /// A Datetime keeps the UTC offset it was created with.
    Datetime(chrono::DateTime<chrono::FixedOffset>),
    Date(chrono::NaiveDate),
    Time(chrono::NaiveTime),
    Timedelta(chrono::TimeDelta),
    Process(Rc<RefCell<ProcessInfo>>),
    Channel(Rc<RefCell<ChannelState>>),
    /// A built-in function used as a value (`[f = length]`); index into `jfc_compiler::builtins::BUILTINS`.
    Builtin(u16),
    /// A method bound to its receiver (`a.add_item` used as a value or a job).
    Method(Rc<BoundMethod>),
    /// A jobflow that can be called with an execution job.
    Jobflow(Rc<JobflowRef>),
    /// A reference to an object of the store, by id.
    Object(ObjectRef),
    /// The result of `find()`, `glob()` or `children`: a query of the store, run again at
    /// each access (library.md §2.8).
    Lazy(Rc<LazyArray>),
}

/// A store query kept as a value. Only the host knows what `query` holds; `label` is how
/// the query was written (`/home.find(...)`), for messages and printing.
pub struct LazyArray {
    pub query: Rc<dyn std::any::Any>,
    pub label: Rc<str>,
}

/// A stored object, by its id (never reused). What it is and holds is asked from the host;
/// `path` is its absolute path when the reference was made, for printing.
#[derive(Clone, Debug)]
pub struct ObjectRef {
    pub id: i64,
    pub path: Rc<str>,
}

/// The kind letter of a pattern literal.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PatternKind {
    Regex,
    Glob,
    Exact,
}

/// A compiled pattern (language.md §8.7).
pub struct Pattern {
    pub kind: PatternKind,
    pub text: Rc<str>,
    pub icase: bool,
    /// The regular expression that `Regex` and `Glob` patterns match with.
    pub regex: Option<fancy_regex::Regex>,
}

/// A method and its receiver.
pub struct BoundMethod {
    pub receiver: Value,
    pub name: Rc<str>,
}

/// A reference to a jobflow; until the object store exists, a `.jf` file.
#[derive(Debug)]
pub struct JobflowRef {
    pub path: PathBuf,
}

/// The observable state of a process (language.md §14.1).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ProcessState {
    New,
    Ready,
    Running,
    Waiting,
    Aborted,
    Done,
}

/// What a Process value shows (library.md §5.1); the scheduler updates it as the
/// process runs.
pub struct ProcessInfo {
    /// The process id: the id of its process record when the host keeps records.
    pub pid: u64,
    pub state: ProcessState,
    pub result: Value,
    pub exit_status: Value,
    pub error: Value,
    pub parent: Option<u64>,
    pub detached: bool,
    /// The flow and user it runs for: shared with its parent (a child runs for the same
    /// ones), so a process costs a pointer here, not two values.
    pub origin: Rc<ProcessOrigin>,
    /// When it started and ended (UTC: cheap to read at every spawn; shown in local time).
    pub started: chrono::DateTime<chrono::Utc>,
    pub finished: Option<chrono::DateTime<chrono::Utc>>,
    /// The parent's info. Weak: the parent holds its children, and it outlives them in
    /// any case (it waits for them, and the main process's info is held by the run).
    pub parent_info: Option<std::rc::Weak<RefCell<ProcessInfo>>>,
    /// Every child it created, for `Process.children`: kept for the run, as a stored
    /// record keeps its children.
    pub children: Vec<Rc<RefCell<ProcessInfo>>>,
    /// Stopped by `suspend()`.
    pub suspended: bool,
    /// What the process printed (its console, platform.md §2.3): the first
    /// [`CONSOLE_LIMIT`] bytes.
    pub console: String,
}

/// What a process runs for (`Process.job`, `Process.user`).
pub struct ProcessOrigin {
    /// The flow that started the process; null until the starter sets it.
    pub job: Value,
    /// The executing user, by name (jfc has no User objects yet); null when the host
    /// has no users.
    pub user: Value,
}

/// The console a process keeps: 64 KB, output past it is dropped (platform.md §2.3).
pub const CONSOLE_LIMIT: usize = 64 * 1024;

impl ProcessInfo {
    /// A ready process `pid` started at `started`, with `parent`'s job and user.
    pub fn new(
        pid: u64,
        parent: Option<&Rc<RefCell<ProcessInfo>>>,
        started: chrono::DateTime<chrono::Utc>,
    ) -> ProcessInfo {
        let origin = parent.map_or_else(
            || {
                Rc::new(ProcessOrigin {
                    job: Value::Null,
                    user: Value::Null,
                })
            },
            |p| p.borrow().origin.clone(),
        );
        ProcessInfo {
            pid,
            state: ProcessState::Ready,
            result: Value::Null,
            exit_status: Value::Null,
            error: Value::Null,
            parent: parent.map(|p| p.borrow().pid),
            detached: false,
            origin,
            started,
            finished: None,
            parent_info: parent.map(Rc::downgrade),
            children: Vec::new(),
            suspended: false,
            console: String::new(),
        }
    }

    /// Keep a console line, up to [`CONSOLE_LIMIT`] (cut at a character boundary).
    pub fn keep_console(&mut self, line: &str) {
        let room = CONSOLE_LIMIT.saturating_sub(self.console.len());
        if line.len() < room {
            self.console.push_str(line);
            self.console.push('\n');
            return;
        }
        let mut end = room;
        while !line.is_char_boundary(end) {
            end -= 1;
        }
        self.console.push_str(&line[..end]);
    }
}

/// An in-memory channel (`channel()`, library.md §1.9): a FIFO of messages with ids.
#[derive(Default)]
pub struct ChannelState {
    pub messages: VecDeque<(u64, Value)>,
    pub next_id: u64,
    /// Processes parked on an event job that names this channel (`event_count`): a
    /// process is here from the first time its job waits until the job goes on.
    pub waiters: Vec<u64>,
    /// Set for the channel of a session block: the shell its messages come from.
    pub session: Option<SessionLink>,
}

/// What ties the channel of a session block (language.md §6.10) to its shell.
pub struct SessionLink {
    /// The host's name for the session.
    pub id: u64,
    /// Where the shell runs, for messages: `root@web1:22`, `local`.
    pub label: String,
    /// `__encoding__` of the block: how output is decoded and `send` encodes.
    pub encoding: String,
    pub state: SessionState,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SessionState {
    Open,
    /// The shell is gone (it exited, or its connection dropped); why.
    Ended(String),
    /// The block ended: sending is an error, reading only takes what came before.
    Closed,
}

/// A dictionary key: any non-composite value, hashed and compared the way the
/// original engine does (1, 1.0 and true are the same key).
#[derive(Clone)]
pub struct Key(pub Value);

/// A runtime error (class C): aborts the process unless a `try` catches it.
#[derive(Clone, Debug, PartialEq)]
pub struct Error {
    pub message: String,
}

impl Error {
    pub fn new(message: impl Into<String>) -> Self {
        Error {
            message: message.into(),
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Arguments of a call: positional then keyword, both in source order.
#[derive(Clone, Default)]
pub struct Args {
    pub pos: Vec<Value>,
    pub kw: Vec<(Rc<str>, Value)>,
}

impl Value {
    pub fn str(s: &str) -> Value {
        Value::Str(Rc::from(s))
    }

    pub fn array(items: Vec<Value>) -> Value {
        Value::Array(Rc::new(RefCell::new(items)))
    }

    pub fn dict(entries: IndexMap<Key, Value>) -> Value {
        Value::Dict(Rc::new(RefCell::new(entries)))
    }
}
