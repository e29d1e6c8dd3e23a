//! The jobflow virtual machine: values, processes, scheduler and interpreter.
//!
//! A process is a green thread; the [`scheduler::Vm`] runs ready processes in
//! bounded slices on one thread and parks those that wait. Everything outside
//! (commands, files, the store) goes through the [`host::Host`] trait.

pub mod builtins;
pub mod code;
pub mod control;
pub mod coverage;
pub mod host;
mod interp;
pub mod process;
mod queue;
pub mod requests;
pub mod scheduler;
pub mod snapshot;
pub mod value;

pub use code::Code;
pub use host::{Completion, Host, Request, Ticket};
pub use scheduler::{Vm, VmOptions, DEFAULT_COMMAND_ECHO};
pub use snapshot::Snapshot;
