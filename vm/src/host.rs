//! The VM's window on the world. The VM never runs a command, reads a file or opens
//! a socket itself: it hands a [`Request`] to the [`Host`] and parks the process;
//! the host answers later with a [`Completion`] sent over a crossbeam channel.

use std::path::Path;
use std::time::Duration;

use crossbeam_channel::Sender;
use jfc_compiler::bytecode::Chunk;

use crate::value::{Args, LazyArray, ObjectRef, ProcessInfo, Value};

/// Identifies the parked process a completion belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Ticket {
    pub pid: u64,
    /// Bumped at every wait, so a late completion of an abandoned wait is ignored.
    pub seq: u64,
}

/// A command job (language.md §13), with the control variables already read.
#[derive(Clone, Debug, PartialEq)]
pub struct CommandRequest {
    pub command: String,
    pub stdin: Option<Vec<u8>>,
    /// `__shell__`; used when `use_shell`.
    pub shell: String,
    pub use_shell: bool,
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
}

#[derive(Clone, Debug, PartialEq)]
pub enum Request {
    Command(CommandRequest),
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

/// Everything the VM needs from outside.
pub trait Host {
    /// Start `request`; send its completion with `ticket` on `done` when it is over.
    fn start(&self, ticket: Ticket, request: Request, done: Sender<(Ticket, Completion)>);

    /// Resolve an object path written in a flow located in `dir` (a store directory path,
    /// or for flows run from files, their file-system directory).
    fn resolve_path(&self, dir: &str, path: &str) -> Result<Value, String>;

    /// The compiled jobflow at `path` (as resolved by [`Host::resolve_path`]).
    fn load_jobflow(&self, path: &Path) -> Result<Chunk, String>;

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

    // ---- objects of the store. Without a store every one of them is an error. ----

    /// `obj.name`: a property, a method (as a bound `Value::Method`) or a field.
    fn object_attr(&self, obj: &ObjectRef, name: &str) -> Result<Value, String> {
        Err(no_store(obj, name))
    }

    /// `obj[key]`: a field by name.
    fn object_index(&self, obj: &ObjectRef, key: &Value) -> Result<Value, String> {
        Err(no_store(obj, &key.to_text()))
    }

    /// `[value >> obj.name]`: write a field or a writable property.
    fn object_set(&self, obj: &ObjectRef, name: &str, _value: Value) -> Result<(), String> {
        Err(no_store(obj, name))
    }

    /// `obj.method(args)`.
    fn object_call(&self, obj: &ObjectRef, method: &str, _args: Args) -> Result<Value, String> {
        Err(no_store(obj, method))
    }

    /// The children of a Directory or Table, for `for`, `pfor` and `in`.
    fn object_children(&self, obj: &ObjectRef) -> Result<Vec<Value>, String> {
        Err(no_store(obj, "children"))
    }

    /// Where the Jobflow `obj` is now and which version of it: its directory (relative
    /// paths in it start there) and a stamp that changes whenever its code may have.
    fn object_jobflow_stamp(&self, obj: &ObjectRef) -> Result<(String, String), String> {
        Err(no_store(obj, "execute"))
    }

    /// What running `obj` with an execution job means: a jobflow's code.
    fn object_jobflow(&self, obj: &ObjectRef) -> Result<Chunk, String> {
        Err(no_store(obj, "execute"))
    }

    /// Take the first message of a stored channel accepted by `accept` (`?`: only the head
    /// is tried; `scan` (`??`): the first accepted one, dropping those before it).
    /// With `peek` the message stays and `[msgid, message]` is returned.
    fn channel_receive(
        &self,
        obj: &ObjectRef,
        accept: &mut dyn FnMut(&Value) -> bool,
        scan: bool,
        peek: bool,
    ) -> Result<Option<Value>, String> {
        let _ = (accept, scan, peek);
        Err(no_store(obj, "receive"))
    }

    /// `$ENV`: the Environment of the user running the flow (library.md §3.15), a
    /// Dictionary of its own for each read.
    fn environment(&self) -> Value {
        Value::dict(Default::default())
    }

    /// Run the query of a LazyArray (library.md §2.8).
    fn lazy(&self, la: &LazyArray, op: LazyOp) -> Result<Value, String> {
        let _ = op;
        Err(format!(
            "{}: a LazyArray needs the object store, and this run has none",
            la.label
        ))
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

    /// Process `pid` of this VM waits on the stored channel `channel` (`on`), or stopped
    /// waiting: the store counts it in the channel's `event_count` meanwhile.
    fn channel_waiting(&self, channel: &ObjectRef, pid: u64, on: bool) {
        let _ = (channel, pid, on);
    }

    /// Take one of the `limit` places of the multiplicity of Jobflow `flow` for a process
    /// of this VM, counting the places other OS processes on the same store hold; false
    /// when they are all taken. A host without a store has no other OS processes to ask.
    fn take_flow_place(&self, flow: &ObjectRef, limit: i64) -> Result<bool, String> {
        let _ = (flow, limit);
        Ok(true)
    }

    /// Give back a place taken with [`Host::take_flow_place`].
    fn give_flow_place(&self, flow: i64) {
        let _ = flow;
    }

    /// Process `pid` starts waiting (a command, a sleep, an event, its children) or goes
    /// on after a wait: its status is WAITING meanwhile (platform.md §2.1).
    fn process_waiting(&self, pid: u64, waiting: bool) {
        let _ = (pid, waiting);
    }

    /// A process is starting: the main one (`parent` None) or a child of `parent`. A host
    /// that keeps process records opens one and returns its id, which becomes the pid, so
    /// that `current().pid`, error reports and `jfc ps` name a process alike; None lets
    /// the VM number it.
    fn process_started(&self, parent: Option<u64>) -> Option<u64> {
        let _ = parent;
        None
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

fn no_store(obj: &ObjectRef, what: &str) -> String {
    format!(
        "{}: `{what}` needs the object store, and this run has none",
        obj.path
    )
}
