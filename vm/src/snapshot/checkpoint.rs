//! Checkpoint mode (platform.md §2.7): the host gets a snapshot after every job with
//! an effect (a command ended, the store was written) and before every command
//! starts, so a crash leaves at most the commands in flight *in doubt*.
//!
//! A command does not go to the host when its process asks: it waits in
//! `Vm::starting` for the next checkpoint, taken once the asking process is back in
//! the process table (the snapshot then shows it waiting on that command), and the
//! host is asked to start it after keeping that checkpoint.

use crate::host::{Host, Request, Ticket};
use crate::scheduler::Vm;

use super::Snapshot;

/// What a restored VM does with a command that may have run before the restart.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum InDoubt {
    /// Raise an error naming the job's line in its process (a `try` may catch it).
    Abort,
    /// Run the command again.
    Rerun,
    /// Go on as if it had succeeded with no output (`$STATUS` 0): the operator checked
    /// that it ran.
    Skip,
}

impl<H: Host> Vm<H> {
    /// Start a host request now, or in checkpoint mode after the next checkpoint.
    pub(crate) fn start_request(&mut self, ticket: Ticket, request: Request) {
        self.in_flight += 1;
        if self.opts.checkpoint {
            self.starting.push((ticket, request));
        } else {
            self.host.start(ticket, request, self.done_tx.clone());
        }
    }

    /// Checkpoint mode: hand the host a snapshot when a job ended or the store was
    /// written since the last one, or when commands wait to start (they start then).
    pub(crate) fn checkpoint_if_due(&mut self) {
        if !self.checkpoint_due.get() && self.starting.is_empty() {
            return;
        }
        self.checkpoint_due.set(false);
        self.checkpoint();
        for (ticket, request) in std::mem::take(&mut self.starting) {
            self.host.start(ticket, request, self.done_tx.clone());
        }
    }

    /// Hand the host a snapshot of the VM now (checkpoint mode, and at the end of a run
    /// in checkpoint mode that did not end well: what `--retry` starts from).
    pub fn checkpoint(&self) {
        if !self.sessions.is_empty() {
            // A live shell cannot be saved: checkpoints pause while a session block is
            // open, and a resume starts over from the last one before it.
            return;
        }
        match self.snapshot() {
            Ok(snap) => self.host.checkpoint(snap),
            Err(e) => self
                .host
                .report(&format!("jfc: no checkpoint could be written: {e}")),
        }
    }
}

/// A command job of a snapshot: in doubt, or to run again.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct JobAt {
    pub pid: u64,
    /// Its line in the flow the process runs.
    pub line: usize,
    /// The command line, as the process asked for it.
    pub command: String,
}

impl std::fmt::Display for JobAt {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "line {} (process {}): {}",
            self.line, self.pid, self.command
        )
    }
}

impl Snapshot {
    /// The commands that may have started and not ended when the snapshot was taken:
    /// one for each process waiting on one.
    pub fn jobs_in_doubt(&self) -> Vec<JobAt> {
        self.vm
            .procs
            .iter()
            .filter(|p| p.wait == super::format::SWait::Host)
            .map(|p| self.job_at(p))
            .collect()
    }

    /// The command job process `p` waits on.
    pub(super) fn job_at(&self, p: &super::format::SProcess) -> JobAt {
        let command = p.command.as_ref().and_then(|c| c.request.as_ref());
        let (line, text) = self.job_source(p);
        JobAt {
            pid: p.pid,
            line,
            // A job that is not a command (urlopen, mailto...) as the flow writes it.
            command: command.map_or(text, |r| r.command.clone()),
        }
    }

    /// The source line of the job process `p` is running, and its text.
    fn job_source(&self, p: &super::format::SProcess) -> (usize, String) {
        let Some(chunk) = p.frames.last().and_then(|f| self.codes.get(f.code)) else {
            return (0, String::new());
        };
        let chunk = &chunk.chunk;
        let span = chunk.jobs.get(p.job as usize).copied().unwrap_or_default();
        let index = jfc_compiler::span::LineIndex::new(&chunk.source);
        let line = index.line_col(&chunk.source, span.start as usize).0;
        let text = chunk
            .source
            .get(span.start as usize..span.end as usize)
            .unwrap_or_default();
        (line, text.to_string())
    }

    /// The pids of the processes a snapshot knows: the live ones, and those whose
    /// record (ended or not) a live one can still reach.
    pub fn known_pids(&self) -> Vec<u64> {
        self.infos.iter().map(|i| i.pid).collect()
    }

    /// The pids of the processes still running when the snapshot was taken.
    pub fn live_pids(&self) -> Vec<u64> {
        self.vm.procs.iter().map(|p| p.pid).collect()
    }

    /// The pid of the process started first (the run's main process).
    pub fn main_pid(&self) -> Option<u64> {
        self.vm.main.and_then(|i| self.infos.get(i)).map(|i| i.pid)
    }
}

#[cfg(test)]
#[path = "checkpoint_tests.rs"]
mod tests;
