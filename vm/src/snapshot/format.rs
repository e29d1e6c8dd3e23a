//! The snapshot as data: plain serde types, flat. Arrays, Dictionaries, process
//! records, channels, origins and code live once each in a table of the [`Snapshot`]
//! and are referred to by index, so what was shared stays shared and cycles are just
//! indices. Instants are written as wall-clock UTC, so a deadline survives a restart.

use std::path::PathBuf;

use chrono::{DateTime, FixedOffset, NaiveDate, NaiveTime, Utc};
use jfc_compiler::bytecode::{Chunk, Const};
use serde::{Deserialize, Serialize};

use crate::host::CommandRequest;

/// The whole state of a VM's processes. Made by [`crate::Vm::snapshot`], turned back
/// into a VM by [`crate::Vm::restore`]; [`Snapshot::to_bytes`] and
/// [`Snapshot::from_bytes`] write and read it.
#[derive(Serialize, Deserialize)]
pub struct Snapshot {
    /// The format version ([`super::FORMAT_VERSION`] when written by this build).
    pub version: u32,
    pub(crate) codes: Vec<SCode>,
    pub(crate) arrays: Vec<Vec<SValue>>,
    pub(crate) dicts: Vec<Vec<(SValue, SValue)>>,
    pub(crate) infos: Vec<SInfo>,
    pub(crate) origins: Vec<SOrigin>,
    pub(crate) channels: Vec<SChannel>,
    pub(crate) vm: SVm,
}

/// A value; containers and processes by their index in the snapshot's tables.
#[derive(Serialize, Deserialize)]
pub(crate) enum SValue {
    Null,
    Bool(bool),
    Int(i64),
    /// In hexadecimal: linear both ways, where decimal is quadratic for a huge one.
    BigInt(String),
    Float(f64),
    /// A NaN or infinity, which JSON numbers cannot hold: its bits.
    FloatBits(u64),
    Str(String),
    Bytes(Vec<u8>),
    /// Compiled again when read.
    Pattern {
        kind: SPatternKind,
        text: String,
        icase: bool,
    },
    Array(usize),
    Dict(usize),
    Datetime(DateTime<FixedOffset>),
    Date(NaiveDate),
    Time(NaiveTime),
    /// Whole seconds and the nanoseconds past them (both with the sign of the span).
    Timedelta {
        secs: i64,
        nanos: i32,
    },
    Process(usize),
    Channel(usize),
    Builtin(u16),
    Method {
        receiver: Box<SValue>,
        name: String,
    },
    Jobflow(PathBuf),
    Object {
        id: i64,
        path: String,
    },
    /// A LazyArray: its query as the host wrote it.
    Lazy {
        label: String,
        query: serde_json::Value,
    },
}

#[derive(Clone, Copy, Serialize, Deserialize)]
pub(crate) enum SPatternKind {
    Regex,
    Glob,
    Exact,
}

/// A distinct piece of code and where it came from: a resumed process goes on with
/// the code it was running, even when its file changed since.
#[derive(Serialize, Deserialize)]
pub(crate) struct SCode {
    /// Its Float constants that JSON cannot hold (NaN, infinities) are 0 here ...
    pub chunk: Chunk,
    /// ... and here by index, as their bits.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub nonfinite: Vec<(usize, u64)>,
    pub from: Option<CodeSource>,
}

impl SCode {
    pub fn new(chunk: &Chunk, from: Option<CodeSource>) -> SCode {
        let mut chunk = chunk.clone();
        let mut nonfinite = Vec::new();
        for (i, c) in chunk.consts.iter_mut().enumerate() {
            if let Const::Float(f) = c {
                if !f.is_finite() {
                    nonfinite.push((i, f.to_bits()));
                    *f = 0.0;
                }
            }
        }
        SCode {
            chunk,
            nonfinite,
            from,
        }
    }

    /// The chunk as it was compiled.
    pub fn chunk(&self) -> Result<Chunk, String> {
        let mut chunk = self.chunk.clone();
        for &(i, bits) in &self.nonfinite {
            match chunk.consts.get_mut(i) {
                Some(Const::Float(f)) => *f = f64::from_bits(bits),
                _ => return Err(format!("constant #{i} of {} is not a Float", chunk.name)),
            }
        }
        Ok(chunk)
    }
}

/// Where a piece of code came from.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum CodeSource {
    /// A flow file.
    File(PathBuf),
    /// A Jobflow object of the store; `stamp` is the version a call loaded (a flow
    /// started from the command line has none).
    Object { id: i64, stamp: Option<String> },
}

#[derive(Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
pub(crate) enum SState {
    New,
    Ready,
    Running,
    Waiting,
    Aborted,
    Done,
}

/// A Process value's record (`ProcessInfo`).
#[derive(Serialize, Deserialize)]
pub(crate) struct SInfo {
    pub pid: u64,
    pub state: SState,
    pub result: SValue,
    pub exit_status: SValue,
    pub error: SValue,
    pub parent: Option<u64>,
    pub detached: bool,
    pub origin: usize,
    pub started: DateTime<Utc>,
    pub finished: Option<DateTime<Utc>>,
    pub parent_info: Option<usize>,
    pub children: Vec<usize>,
    pub suspended: bool,
    pub console: String,
}

#[derive(Serialize, Deserialize)]
pub(crate) struct SOrigin {
    pub job: SValue,
    pub user: SValue,
}

#[derive(Serialize, Deserialize)]
pub(crate) struct SChannel {
    pub messages: Vec<(u64, SValue)>,
    pub next_id: u64,
    pub waiters: Vec<u64>,
    /// The channel of a session block that has closed or ended.
    #[serde(default)]
    pub session: Option<SSession>,
}

/// A session that is over: where it ran, and why it ended (None: its block closed it).
#[derive(Serialize, Deserialize)]
pub(crate) struct SSession {
    pub label: String,
    pub encoding: String,
    pub ended: Option<String>,
}

/// What the scheduler holds besides the processes.
#[derive(Serialize, Deserialize)]
pub(crate) struct SVm {
    pub next_pid: u64,
    pub live: usize,
    pub procs: Vec<SProcess>,
    /// The ready queue, first to run first.
    pub ready: Vec<u64>,
    /// `(when, pid, seq)` of each pending timer.
    pub timers: Vec<(DateTime<Utc>, u64, u64)>,
    pub limit_waiters: Vec<u64>,
    pub proc_waiters: Vec<(u64, Vec<u64>)>,
    pub store_waiters: Vec<u64>,
    pub flow_locks: Vec<SLock>,
    /// Store writes queued because the store was busy (interp::store_wait::Later).
    #[serde(default)]
    pub later: Vec<SLater>,
    /// Retry points: processes as they were before the job that failed last
    /// (snapshot::retry).
    #[serde(default)]
    pub retry: Vec<SProcess>,
    /// The process cut at a job boundary and the fuel it had left.
    pub cut: Option<(u64, u32)>,
    /// The main process's record.
    pub main: Option<usize>,
}

/// A store write queued because the store was busy.
#[derive(Serialize, Deserialize)]
pub(crate) enum SLater {
    /// Give back a place of the multiplicity of a flow.
    GivePlace(i64),
    /// Process `pid` no longer waits on the stored channel `id` (at `path`).
    StopWaiting { id: i64, path: String, pid: u64 },
}

/// The multiplicity lock of one Jobflow object.
#[derive(Serialize, Deserialize)]
pub(crate) struct SLock {
    pub flow: i64,
    /// Holders (sorted by pid) and how many of their frames entered the flow.
    pub holders: Vec<(u64, u32)>,
    pub waiters: Vec<u64>,
}

#[derive(Serialize, Deserialize)]
pub(crate) struct SProcess {
    pub pid: u64,
    pub info: usize,
    pub frames: Vec<SFrame>,
    pub stack: Vec<SValue>,
    pub handlers: Vec<SHandler>,
    pub outcome: SOutcome,
    pub wait: SWait,
    pub seq: u64,
    pub timed_out: bool,
    pub deadline: Option<DateTime<Utc>>,
    pub fork: Option<SFork>,
    pub parent: Option<u64>,
    pub job: u32,
    pub resumed: bool,
    pub choice_deadlines: Vec<Option<DateTime<Utc>>>,
    pub listening: Vec<SValue>,
    pub command: Option<SCommand>,
}

#[derive(Clone, Copy, Serialize, Deserialize)]
pub(crate) enum SOutcome {
    Success,
    JobFailure,
    ConnFailure,
}

#[derive(Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
pub(crate) enum SWait {
    None,
    Host,
    Sleep,
    Event,
    Children,
    Suspended,
    /// Parked on a busy store: the instruction runs again (its pc is back on it).
    Store,
}

#[derive(Clone, Copy, Serialize, Deserialize)]
pub(crate) struct SHandler {
    pub frame: usize,
    pub pc: usize,
    pub stack: usize,
    pub iters: usize,
}

#[derive(Serialize, Deserialize)]
pub(crate) struct SFrame {
    pub code: usize,
    pub pc: usize,
    pub slots: Vec<Option<SValue>>,
    pub result: SValue,
    pub status: SValue,
    pub error: SValue,
    pub debug: SValue,
    pub iters: Vec<SIter>,
    pub dir: String,
    pub stack_base: usize,
    pub lock: Option<i64>,
}

#[derive(Serialize, Deserialize)]
pub(crate) enum SIter {
    Items(Vec<SValue>),
    Range { next: i64, end: i64 },
}

#[derive(Serialize, Deserialize)]
pub(crate) struct SFork {
    pub pending: Vec<(usize, Option<SValue>)>,
    pub pfor_slot: Option<u16>,
    pub children: Vec<usize>,
    pub running: usize,
    pub end: usize,
}

/// The running command of a process waiting on it, and how to read its output.
#[derive(Serialize, Deserialize)]
pub(crate) struct SCommand {
    pub encoding: String,
    pub raw_stdout: bool,
    pub raw_stderr: bool,
    pub request: Option<SRequest>,
}

/// A [`CommandRequest`], timeout in seconds.
#[derive(Serialize, Deserialize)]
pub(crate) struct SRequest {
    pub command: String,
    pub stdin: Option<Vec<u8>>,
    pub shell: String,
    pub use_shell: bool,
    pub dir: Option<String>,
    pub timeout: Option<f64>,
    pub host: Option<String>,
    pub user: Option<String>,
    pub sudo: bool,
    pub password: Option<String>,
    #[serde(default)]
    pub port: Option<u16>,
    #[serde(default)]
    pub keyfile: Option<String>,
    #[serde(default)]
    pub passphrase: Option<String>,
    #[serde(default)]
    pub fresh_connection: bool,
    #[serde(default)]
    pub node: Option<i64>,
    #[serde(default)]
    pub account: Option<i64>,
    #[serde(default)]
    pub key: Option<String>,
    #[serde(default)]
    pub pty: bool,
    #[serde(default)]
    pub proxy: Option<String>,
    #[serde(default)]
    pub proxy_node: Option<i64>,
    #[serde(default)]
    pub zone: Option<String>,
    #[serde(default)]
    pub idempotent: bool,
    /// Older snapshots had the defaults applied: taken as set.
    #[serde(default = "set")]
    pub shell_set: bool,
    #[serde(default = "set")]
    pub use_shell_set: bool,
}

fn set() -> bool {
    true
}

impl From<&CommandRequest> for SRequest {
    fn from(r: &CommandRequest) -> SRequest {
        SRequest {
            command: r.command.clone(),
            stdin: r.stdin.clone(),
            shell: r.shell.clone(),
            use_shell: r.use_shell,
            dir: r.dir.clone(),
            timeout: r.timeout.map(|t| t.as_secs_f64()),
            host: r.host.clone(),
            user: r.user.clone(),
            sudo: r.sudo,
            password: r.password.clone(),
            port: r.port,
            keyfile: r.keyfile.clone(),
            passphrase: r.passphrase.clone(),
            fresh_connection: r.fresh_connection,
            node: r.node,
            account: r.account,
            key: r.key.clone(),
            pty: r.pty,
            proxy: r.proxy.clone(),
            proxy_node: r.proxy_node,
            zone: r.zone.clone(),
            idempotent: r.idempotent,
            shell_set: r.shell_set,
            use_shell_set: r.use_shell_set,
        }
    }
}

impl SRequest {
    pub fn to_request(&self) -> CommandRequest {
        CommandRequest {
            command: self.command.clone(),
            stdin: self.stdin.clone(),
            shell: self.shell.clone(),
            use_shell: self.use_shell,
            dir: self.dir.clone(),
            timeout: self
                .timeout
                .filter(|t| t.is_finite() && *t >= 0.0)
                .map(|t| std::time::Duration::from_secs_f64(t.min(1e9))),
            host: self.host.clone(),
            user: self.user.clone(),
            sudo: self.sudo,
            password: self.password.clone(),
            port: self.port,
            keyfile: self.keyfile.clone(),
            passphrase: self.passphrase.clone(),
            fresh_connection: self.fresh_connection,
            node: self.node,
            account: self.account,
            key: self.key.clone(),
            pty: self.pty,
            proxy: self.proxy.clone(),
            proxy_node: self.proxy_node,
            proxy_via: None,
            zone: self.zone.clone(),
            idempotent: self.idempotent,
            shell_set: self.shell_set,
            use_shell_set: self.use_shell_set,
        }
    }
}
