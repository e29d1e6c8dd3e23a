//! The VM's window on the world. The VM never runs a command, reads a file or opens
//! a socket itself: it hands a [`Request`] to the [`Host`] and parks the process;
//! the host answers later with a [`Completion`] sent over a crossbeam channel.
//! Store requests ([`StoreRequest`]) are answered at once, and never wait on a lock:
//! while another OS process writes to the store, one that needs the lock answers
//! [`HostError::Busy`], and the VM parks the process to ask again later.

use std::path::Path;
use std::time::Duration;

use crossbeam_channel::Sender;
use jfc_compiler::bytecode::Chunk;

use crate::value::{Args, LazyArray, ObjectRef, ProcessInfo, Value};

pub use crate::requests::{
    Data, DownloadRequest, FileContent, FilePart, HttpBody, HttpRequest, MailRequest, SmtpChoice,
    Subscript, UploadRequest,
};

/// Identifies the parked process a completion belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Ticket {
    pub pid: u64,
    /// Bumped at every wait, so a late completion of an abandoned wait is ignored.
    pub seq: u64,
}

/// A command job (language.md §13), with the control variables already read.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct CommandRequest {
    pub command: String,
    pub stdin: Option<Vec<u8>>,
    /// `__shell__`; used when `use_shell`.
    pub shell: String,
    pub use_shell: bool,
    /// Whether `__shell__` was set: else `__node__`'s `shell` replaces the default.
    pub shell_set: bool,
    /// Whether `__use_shell__` was set: else `__node__`'s `use_shell` replaces the
    /// default.
    pub use_shell_set: bool,
    /// `__dir__`: working directory.
    pub dir: Option<String>,
    /// `__timeout__`: kill the command after this long.
    pub timeout: Option<Duration>,
    /// `__host__`: `None` runs on this machine.
    pub host: Option<String>,
    /// `__user__`: the user the command runs as.
    pub user: Option<String>,
    /// `__sudo__`: run the command through sudo.
    pub sudo: bool,
    /// `__password__`: for the login or sudo; never echoed.
    pub password: Option<String>,
    /// `__port__`: the SSH port of `host` (22 when None).
    pub port: Option<u16>,
    /// `__keyfile__`: the private key to log in to `host` with.
    pub keyfile: Option<String>,
    /// `__passphrase__`: the passphrase of `keyfile`; never echoed.
    pub passphrase: Option<String>,
    /// `__use_cache__ = false`: a connection of its own, not one kept from earlier jobs.
    pub fresh_connection: bool,
    /// `__node__`: the id of the NodeInfo object the command runs on; its fields fill
    /// in what the control variables leave unset (library.md §3.19).
    pub node: Option<i64>,
    /// `__account__`: the id of the AccountInfo object to log in with (§3.20).
    pub account: Option<i64>,
    /// A private key itself (an AccountInfo's key file), rather than a path.
    pub key: Option<String>,
    /// `__use_pty__`: run on a pseudo-terminal (stderr then comes with stdout).
    pub pty: bool,
    /// `__proxy__` as a String: the jump host `[user@]host[:port]`, logged in to with
    /// the job's credentials (its own user when it names one).
    pub proxy: Option<String>,
    /// `__proxy__` as a NodeInfo (or the `proxy` field of `__node__`): the id of the
    /// jump host's object, logged in to with its own account.
    pub proxy_node: Option<i64>,
    /// The jump host already read from its NodeInfo, with its own credentials (and
    /// jump host): how a job that an agent runs, with no store, keeps a NodeInfo jump
    /// host.
    pub proxy_via: Option<Box<CommandRequest>>,
    /// `__zone__` (a jfc extension): the agent zone the command runs from, through
    /// the broker (`jfc agent`); None: from this process, or the zone of `__node__`.
    pub zone: Option<String>,
    /// `__idempotent__` (a jfc extension): the command may run again when the agent
    /// that took it is lost before answering; by default it never runs twice.
    pub idempotent: bool,
}

/// `put(local, remote)` or `get(remote, local)` (library.md §1.11) on the host that
/// `target`'s control variables choose (its `command` is empty).
#[derive(Clone, Debug, PartialEq)]
pub struct TransferRequest {
    /// true: `put`, from here to the host; false: `get`, from the host to here.
    pub put: bool,
    /// The source path; shell wildcards allowed, a directory is copied whole.
    pub from: String,
    /// The destination: a directory, or a file's path.
    pub to: String,
    pub target: CommandRequest,
}

/// A script job `[./script << input: args]` (language.md §4.2): the ScriptJob's text,
/// or a script file's beside the flow, run as a temporary file on the host `target`
/// chooses, with `target.command` naming the script for echoes and `target.stdin` its
/// input.
#[derive(Clone, Debug, PartialEq)]
pub struct ScriptRequest {
    pub source: String,
    /// A script file whose text the host reads (then `source` is empty).
    pub file: Option<std::path::PathBuf>,
    /// The ScriptJob's `ext` (`sh`, `py`...), given to the temporary file.
    pub ext: String,
    pub args: Vec<String>,
    pub target: CommandRequest,
}

/// A session block `{ session s | ... }` (language.md §6.10): an interactive shell on
/// the host `target` chooses (on a pseudo-terminal with `target.pty`), known as `id`
/// to [`Host::session_send`] and [`Host::session_close`].
#[derive(Clone, Debug, PartialEq)]
pub struct SessionRequest {
    pub id: u64,
    pub target: CommandRequest,
}

/// `reboot(wait)` (library.md §1.11): reboot the host `target` chooses, through sudo,
/// and wait up to `wait` for it to go down and accept a login again.
#[derive(Clone, Debug, PartialEq)]
pub struct RebootRequest {
    pub wait: Duration,
    pub target: CommandRequest,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Request {
    Command(CommandRequest),
    Transfer(TransferRequest),
    Script(ScriptRequest),
    Session(SessionRequest),
    Reboot(RebootRequest),
    /// The local built-in jobs of library.md §1.8 and §1.10, run on this machine.
    Http(HttpRequest),
    Mail(MailRequest),
    Download(DownloadRequest),
    Upload(UploadRequest),
}

#[derive(Clone, Debug, PartialEq)]
pub enum Completion {
    /// The command ran; `status` is its exit status.
    Command {
        stdout: Vec<u8>,
        stderr: Vec<u8>,
        status: i64,
    },
    /// The command could not be run where asked, or timed out (class B, `$STATUS = -1`).
    ConnectionFailed(String),
    /// A transfer wrote these destination paths.
    Transferred(Vec<String>),
    /// Session `id` is open: its output follows as `SessionOutput`.
    SessionOpened { id: u64 },
    /// A line the shell of session `id` printed, its terminator removed; or, when the
    /// shell has printed no more for a moment, the unfinished line so far (a prompt).
    /// Sent with the opening ticket; it belongs to the session, not to a wait.
    SessionOutput { id: u64, line: Vec<u8> },
    /// The shell of session `id` is gone (it exited, or the connection dropped): no
    /// more output comes.
    SessionEnded { id: u64, why: String },
    /// A remote job without a value (`reboot`) succeeded: `$RESULT` null.
    Done,
    /// A local built-in job succeeded with this `$RESULT`.
    Data(Data),
    /// A local built-in job failed (library.md §0.4 kind 2): `$STATUS` 1, this
    /// `$ERROR` (`'urlopen' failed: ...`).
    Failed(String),
}

impl Completion {
    /// Whether the job failed (class A or B, language.md §5.1).
    pub fn failed(&self) -> bool {
        !matches!(
            self,
            Completion::Command { status: 0, .. }
                | Completion::Transferred(_)
                | Completion::SessionOpened { .. }
                | Completion::Done
                | Completion::Data(_)
        )
    }
}

/// Why the host did not answer a store request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum HostError {
    /// Another OS process holds the store's write lock: nothing was done, ask again
    /// later. The VM parks the asking process and runs the others meanwhile.
    Busy,
    /// The request failed; the message is for the user.
    Failed(String),
}

impl From<String> for HostError {
    fn from(message: String) -> Self {
        HostError::Failed(message)
    }
}

impl std::fmt::Display for HostError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            HostError::Busy => {
                f.write_str("the object store is busy: another process is writing to it")
            }
            HostError::Failed(m) => f.write_str(m),
        }
    }
}

/// The answer to a store request.
pub type StoreResult<T> = Result<T, HostError>;

/// What the VM asks of the object store.
pub enum StoreRequest<'a> {
    /// Resolve an object path written in a flow located in `dir` (a store directory path,
    /// or for flows run from files, their file-system directory, where a path may name a
    /// jobflow file): [`StoreAnswer::Value`].
    Resolve { dir: &'a str, path: &'a str },
    /// `obj.name`: a property, a method (as a bound `Value::Method`) or a field: a Value.
    Attr(&'a ObjectRef, &'a str),
    /// `obj[key]`: a field by name: a Value.
    Index(&'a ObjectRef, &'a Value),
    /// `[value >> obj.name]`: write a field or a writable property: Done.
    Set(&'a ObjectRef, &'a str, Value),
    /// `obj.method(args)`: a Value.
    Call(&'a ObjectRef, &'a str, Args),
    /// The children of a Directory or Table, for `for`, `pfor` and `in`: Values.
    Children(&'a ObjectRef),
    /// Where the Jobflow is now and which version of it: a Stamp.
    JobflowStamp(&'a ObjectRef),
    /// What running the object with an execution job means, a jobflow's code: a Chunk.
    Jobflow(&'a ObjectRef),
    /// Take the first message of a stored channel accepted by `accept` (`?`: only the
    /// head is tried; `scan` (`??`): the first accepted one, dropping those before it);
    /// with `peek` the message stays and `[msgid, message]` is given: a Message.
    Receive {
        channel: &'a ObjectRef,
        accept: &'a mut dyn FnMut(&Value) -> bool,
        scan: bool,
        peek: bool,
    },
    /// `$ENV`: the Environment of the user running the flow (library.md §3.15), a
    /// Dictionary of its own for each read: a Value.
    Environment,
    /// Run the query of a LazyArray (library.md §2.8): a Value.
    Lazy(&'a LazyArray, LazyOp),
    /// Process `pid` of this VM waits on the stored channel (`on`), or stopped waiting:
    /// the store counts it in the channel's `event_count` meanwhile. Done.
    Waiting {
        channel: &'a ObjectRef,
        pid: u64,
        on: bool,
    },
    /// Take one of the `limit` places of the multiplicity of Jobflow `flow` for a process
    /// of this VM, counting the places other OS processes on the same store hold: Taken,
    /// false when they are all taken.
    TakePlace { flow: &'a ObjectRef, limit: i64 },
    /// Give back a place of flow `id` taken with `TakePlace`: Done.
    GivePlace(i64),
}

impl StoreRequest<'_> {
    /// Whether the request may change the store: in checkpoint mode a checkpoint follows.
    pub fn writes(&self) -> bool {
        match self {
            StoreRequest::Set(..) | StoreRequest::Call(..) => true,
            StoreRequest::Receive { peek, .. } => !peek,
            _ => false,
        }
    }
}

/// The answer to a [`StoreRequest`] (each request says which it gets).
pub enum StoreAnswer {
    Value(Value),
    Values(Vec<Value>),
    /// The directory of a Jobflow (relative paths in it start there) and a stamp that
    /// changes whenever its code may have.
    Stamp {
        dir: String,
        stamp: String,
    },
    /// Boxed: a chunk is far larger than the other answers.
    Chunk(Box<Chunk>),
    Message(Option<Value>),
    /// The target of a `Receive` will never give an event (a canceled task): the event
    /// job fails with `$STATUS` 1 and this as `$ERROR` (language.md §14.4).
    Closed(String),
    Taken(bool),
    Done,
}

/// What a flow does with a LazyArray; each one runs the query anew.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LazyOp {
    /// `length(la)`: an Integer.
    Count,
    /// `la[i]` (0-based, `i` ≥ 0): the object, or null past the end.
    Get(i64),
    /// Every match now, as an Array (`for`, `in`, `+`, printing).
    Items,
    /// `la.delete()`: delete every match, giving the count.
    Delete,
}

/// A top-level process a host asks for ([`Host::due_starts`]).
pub struct Start {
    /// The jobflow, as a path resolves: a `Value::Jobflow` file or a stored Jobflow.
    pub job: Value,
    pub pos: Vec<Value>,
    pub kw: Vec<(String, Value)>,
    /// Names the run in what the host is told when it cannot start (a schedule).
    pub what: String,
}

/// Everything the VM needs from outside.
pub trait Host {
    /// Start `request`; send its completion with `ticket` on `done` when it is over.
    fn start(&self, ticket: Ticket, request: Request, done: Sender<(Ticket, Completion)>);

    /// The compiled jobflow at `path` (as resolved by [`StoreRequest::Resolve`]).
    fn load_jobflow(&self, path: &Path) -> Result<Chunk, String>;

    /// Send `data` to the shell of open session `id` (`s.send(...)`).
    fn session_send(&self, id: u64, data: Vec<u8>) -> Result<(), String> {
        let _ = (id, data);
        Err("this host cannot run session blocks".into())
    }

    /// Close session `id`: its shell ends, and no more of its output comes.
    fn session_close(&self, id: u64) {
        let _ = id;
    }

    /// Process `pid` was terminated: stop the command it waits on, if the host can
    /// (its completion, if one still comes, is dropped).
    fn cancel(&self, pid: u64) {
        let _ = pid;
    }

    /// A line the flow writes to its console (`print`, `abort` messages).
    fn console(&self, pid: u64, line: &str);

    /// A report for the operator: runtime errors, traces (stderr under `jfc run`).
    fn report(&self, text: &str);

    /// The directory a flow at `path` lives in, for its relative paths.
    fn flow_dir(&self, path: &Path) -> String {
        path.parent()
            .map(|p| p.display().to_string())
            .unwrap_or_default()
    }

    /// The time now, for `now()`, process start and end times and Datetime deadlines.
    /// A host may fix it (tests) or take it from elsewhere. Timers measure with the
    /// monotonic clock, not this one.
    fn now(&self) -> chrono::DateTime<chrono::Utc> {
        chrono::Utc::now()
    }

    /// The monotonic clock timers measure with. A host with a virtual clock (`jfc
    /// test`) keeps its own, moved on by [`Host::advance_clock`].
    fn instant(&self) -> std::time::Instant {
        std::time::Instant::now()
    }

    /// The VM has nothing to run until `until` (its next timer, if any) or a
    /// completion: a host with a virtual clock moves it on to whichever comes first,
    /// its own delayed completions included, sends what is then due, and returns true
    /// (the VM goes on without waiting). A host on the real clock returns false.
    fn advance_clock(&self, until: Option<std::time::Instant>) -> bool {
        let _ = until;
        false
    }

    /// The processes to start now, each a jobflow of its own with no parent: the
    /// schedules a host with a virtual clock fired while moving it on (`jfc test`).
    /// Asked after each [`Host::advance_clock`] that returned true.
    fn due_starts(&self) -> Vec<Start> {
        Vec::new()
    }

    /// A process [`Host::due_starts`] asked for did not start (its flow does not
    /// compile, its parameters do not bind): a report, or a failure of the test.
    fn start_failed(&self, what: &str, why: &str) {
        self.report(&format!("{what} did not start: {why}"));
    }

    /// A built-in of tests (`mock_command`, `assert_equal`...): only the host of `jfc
    /// test` has them.
    fn test_call(&self, name: &str, args: crate::value::Args) -> Result<Value, String> {
        let _ = args;
        Err(format!(
            "`{name}` is a built-in of tests: only `jfc test` runs it"
        ))
    }

    /// The name of the user running the flow, as the command echo shows it when a
    /// command has no `__user__`: `$USER`, else `root`.
    fn user_name(&self) -> String {
        std::env::var("USER").unwrap_or_else(|_| "root".into())
    }

    /// Answer a store request (objects, channels, queries, multiplicity places). Each is
    /// atomic: when the answer is [`HostError::Busy`] nothing was done, and the VM asks
    /// again later while its other processes run. Without a store every request about an
    /// object is an error.
    fn store(&self, request: StoreRequest<'_>) -> StoreResult<StoreAnswer> {
        no_store(request)
    }

    /// Checkpoint mode ([`crate::VmOptions::checkpoint`]): keep `snapshot` durably. A
    /// request passed to [`Host::start`] after this call must not start before the
    /// snapshot is kept: then a crash never loses the record of a job that ran.
    fn checkpoint(&self, snapshot: crate::Snapshot) {
        let _ = snapshot;
    }

    /// The query of a LazyArray as data, for a snapshot of the processes holding it.
    fn lazy_save(&self, la: &LazyArray) -> Result<serde_json::Value, String> {
        Err(format!(
            "{}: this host cannot write the query of a LazyArray into a snapshot",
            la.label
        ))
    }

    /// A query written by [`Host::lazy_save`], for the LazyArray of a restored process.
    fn lazy_load(
        &self,
        data: &serde_json::Value,
    ) -> Result<std::rc::Rc<dyn std::any::Any>, String> {
        let _ = data;
        Err("this host cannot read the query of a LazyArray from a snapshot".into())
    }

    /// Process `pid` starts waiting (a command, a sleep, an event, its children) or goes
    /// on after a wait: its status is WAITING meanwhile (platform.md §2.1).
    fn process_waiting(&self, pid: u64, waiting: bool) {
        let _ = (pid, waiting);
    }

    /// A process is starting: the main one (`parent` None) or a child of `parent`. A host
    /// that keeps process records opens one and returns its id, which becomes the pid, so
    /// that `current().pid`, error reports and `jfc ps` name a process alike; None lets
    /// the VM number it. A busy store delays the start of a child (its record comes
    /// first); the main process's record is opened before the VM runs.
    fn process_started(&self, parent: Option<u64>) -> StoreResult<Option<u64>> {
        let _ = parent;
        Ok(None)
    }

    /// Process `info.pid` ended; `info` says how.
    fn process_ended(&self, info: &ProcessInfo) {
        let _ = info;
    }

    /// Whether the store changed (here or in another OS process) since the last call:
    /// processes waiting on stored channels are then woken to look again.
    fn store_changed(&self) -> bool {
        false
    }
}

/// The answers of a host without a store.
fn no_store(request: StoreRequest<'_>) -> StoreResult<StoreAnswer> {
    let (obj, what) = match request {
        StoreRequest::Resolve { path, .. } => {
            return Err(format!("object path {path}: this run has no object store").into())
        }
        StoreRequest::Environment => {
            return Ok(StoreAnswer::Value(Value::dict(Default::default())))
        }
        StoreRequest::Lazy(la, _) => {
            return Err(format!(
                "{}: a LazyArray needs the object store, and this run has none",
                la.label
            )
            .into())
        }
        // A host without a store has no other OS processes to count places or waiters for.
        StoreRequest::TakePlace { .. } => return Ok(StoreAnswer::Taken(true)),
        StoreRequest::Waiting { .. } | StoreRequest::GivePlace(_) => return Ok(StoreAnswer::Done),
        StoreRequest::Attr(obj, name) | StoreRequest::Set(obj, name, _) => (obj, name.to_string()),
        StoreRequest::Index(obj, key) => (obj, key.to_text()),
        StoreRequest::Call(obj, method, _) => (obj, method.to_string()),
        StoreRequest::Children(obj) => (obj, "children".to_string()),
        StoreRequest::JobflowStamp(obj) | StoreRequest::Jobflow(obj) => {
            (obj, "execute".to_string())
        }
        StoreRequest::Receive { channel, .. } => (channel, "receive".to_string()),
    };
    Err(format!(
        "{}: `{what}` needs the object store, and this run has none",
        obj.path
    )
    .into())
}
