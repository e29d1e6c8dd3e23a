//! The VM's window on the world. The VM never runs a command, reads a file or opens
//! a socket itself: it hands a [`Request`] to the [`Host`] and parks the process;
//! the host answers later with a [`Completion`] sent over a crossbeam channel.

use std::path::{Path, PathBuf};
use std::time::Duration;

use crossbeam_channel::Sender;
use jfc_compiler::bytecode::Chunk;

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
    pub user: Option<String>,
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

/// Everything the VM needs from outside.
pub trait Host {
    /// Start `request`; send its completion with `ticket` on `done` when it is over.
    fn start(&self, ticket: Ticket, request: Request, done: Sender<(Ticket, Completion)>);

    /// Resolve an object path written in a flow located in `dir`.
    fn resolve_path(&self, dir: &Path, path: &str) -> Result<crate::value::Value, String>;

    /// The compiled jobflow at `path` (as resolved by [`Host::resolve_path`]).
    fn load_jobflow(&self, path: &Path) -> Result<Chunk, String>;

    /// A line the flow writes to its console (`print`, `abort` messages).
    fn console(&self, pid: u64, line: &str);

    /// A report for the operator: runtime errors, traces (stderr under `jfc run`).
    fn report(&self, text: &str);

    /// The directory a flow at `path` lives in, for its relative paths.
    fn flow_dir(&self, path: &Path) -> PathBuf {
        path.parent().map(Path::to_path_buf).unwrap_or_default()
    }
}
