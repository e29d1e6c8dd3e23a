//! The state of a VM's processes as data (issue 12): a [`Snapshot`] holds every
//! process (frames, stacks, handlers, waits, forks), the values they reach, the code
//! they run and the scheduler's queues, so that a VM can be written out, dropped, and
//! made again — in this OS process (`jfc run --roundtrip-at-jobs`) or after a restart.
//!
//! The bytes are JSON with a `version` at the top; a snapshot of a newer format is
//! refused. Shared Arrays, Dictionaries, Processes and Channels stay shared (one table
//! entry each, referred to by index), cycles included. A LazyArray's query is host
//! data: the host turns it to JSON and back ([`Host::lazy_save`], [`Host::lazy_load`]).
//!
//! A process that waited on a command when the snapshot was taken is *in doubt*: the
//! command may or may not have run. [`Vm::restore`] starts it again when asked to
//! (`rerun_in_doubt`), else aborts that process with an error naming the job's line.

mod checkpoint;
mod clock;
mod format;
mod read;
mod retry;
mod write;

use std::rc::Rc;

use crate::host::{Host, Request, Ticket};
use crate::interp::Later;
use crate::process::{Process, Wait};
use crate::scheduler::{Vm, VmOptions};
use crate::value::Error;
pub use checkpoint::{InDoubt, JobAt};
use format::SLater;
pub use format::{CodeSource, Snapshot};

/// The format this build writes, and the newest it reads.
pub const FORMAT_VERSION: u32 = 1;

impl Snapshot {
    pub fn to_bytes(&self) -> Vec<u8> {
        serde_json::to_vec(self).expect("a snapshot is plain data")
    }

    /// Read a snapshot written by [`Snapshot::to_bytes`]: a newer format, or bytes that
    /// are not a whole snapshot, are refused with an error saying which.
    pub fn from_bytes(bytes: &[u8]) -> Result<Snapshot, String> {
        #[derive(serde::Deserialize)]
        struct Version {
            version: u32,
        }
        let v: Version = serde_json::from_slice(bytes)
            .map_err(|e| format!("not a jfc snapshot, or a damaged one: {e}"))?;
        if v.version > FORMAT_VERSION {
            return Err(format!(
                "this snapshot was written by a newer jfc (format {}, this one reads up to {FORMAT_VERSION})",
                v.version
            ));
        }
        serde_json::from_slice(bytes).map_err(|e| format!("the snapshot is damaged: {e}"))
    }

    /// Where each piece of code in the snapshot came from (None: not known).
    pub fn code_sources(&self) -> Vec<Option<CodeSource>> {
        self.codes.iter().map(|c| c.from.clone()).collect()
    }
}

impl<H: Host> Vm<H> {
    /// The whole state of the VM's processes. Fails only when the host cannot write
    /// the query of a LazyArray that a process holds.
    pub fn snapshot(&self) -> Result<Snapshot, String> {
        write::Writer::new(self).vm(self)
    }

    /// A VM made from `snap`, running on `host` with `opts`. Processes that waited on
    /// a command are in doubt: `in_doubt` says what becomes of each.
    pub fn restore(
        host: H,
        opts: VmOptions,
        snap: Snapshot,
        in_doubt: InDoubt,
    ) -> Result<Vm<H>, String> {
        if snap.version > FORMAT_VERSION {
            return Err(format!(
                "this snapshot was written by a newer jfc (format {}, this one reads up to {FORMAT_VERSION})",
                snap.version
            ));
        }
        let mut vm = Vm::new(host, opts);
        let (procs, doubtful) = {
            let r = read::Reader::new(&vm.host, &snap)?;
            let mut procs = Vec::new();
            for s in &snap.vm.procs {
                procs.push(r.process(s)?);
            }
            for s in &snap.vm.retry {
                vm.retry.insert(s.pid, Box::new(r.process(s)?));
            }
            let (files, objects) = r.caches(&snap);
            vm.code_cache = files;
            vm.object_cache = objects;
            vm.main = snap.vm.main.map(|i| r.info(i)).transpose()?;
            for &(t, pid, seq) in &snap.vm.timers {
                vm.timers
                    .push(std::cmp::Reverse((r.clock.instant(t), pid, seq)));
            }
            let doubtful: Vec<u64> = procs
                .iter()
                .filter(|p| p.wait == Wait::Host)
                .map(|p| p.pid)
                .collect();
            (procs, doubtful)
        };
        for p in procs {
            vm.procs.insert(p.pid, Box::new(p));
        }
        let s = &snap.vm;
        vm.next_pid = s.next_pid;
        vm.live = s.live;
        // The cut process goes on first: a cut that is not first in line means nothing.
        vm.cut = s.cut.filter(|(pid, _)| s.ready.first() == Some(pid));
        s.ready.iter().for_each(|pid| vm.ready.push(*pid));
        s.limit_waiters
            .iter()
            .for_each(|pid| vm.limit_waiters.push(*pid));
        s.store_waiters
            .iter()
            .for_each(|pid| vm.store_waiters.push(*pid));
        vm.proc_waiters = s.proc_waiters.iter().cloned().collect();
        for l in &s.flow_locks {
            let lock = vm.flow_locks.locks.entry(l.flow).or_default();
            lock.holders = l.holders.iter().copied().collect();
            lock.waiters = l.waiters.iter().copied().collect();
        }
        for l in &s.later {
            vm.later(match l {
                SLater::GivePlace(id) => Later::GivePlace(*id),
                SLater::StopWaiting { id, path, pid } => Later::StopWaiting(
                    crate::value::ObjectRef {
                        id: *id,
                        path: std::rc::Rc::from(path.as_str()),
                    },
                    *pid,
                ),
            });
        }
        for pid in doubtful {
            vm.resolve_doubt(pid, in_doubt);
        }
        Ok(vm)
    }

    /// Start again the command `pid` waited on, take it as done, or raise the in-doubt
    /// error in it.
    fn resolve_doubt(&mut self, pid: u64, in_doubt: InDoubt) {
        let Some(mut p) = self.procs.remove(&pid) else {
            return;
        };
        let request = p.command.as_ref().and_then(|c| c.request.clone());
        match request {
            Some(_) if in_doubt == InDoubt::Skip => {
                p.wait = Wait::None;
                let ran = crate::host::Completion::Command {
                    stdout: Vec::new(),
                    stderr: Vec::new(),
                    status: 0,
                };
                if let Err(e) = crate::interp::finish_command(&mut p, ran) {
                    if self.raise(&mut p, e) {
                        return;
                    }
                }
                self.ready.push(pid);
            }
            Some(request) if in_doubt == InDoubt::Rerun => {
                self.in_flight += 1;
                let ticket = Ticket { pid, seq: p.seq };
                self.host
                    .start(ticket, Request::Command(request), self.done_tx.clone());
            }
            _ => {
                // `--retry` runs it, once the operator has looked.
                self.retry.insert(pid, Box::new((*p).clone()));
                p.wait = Wait::None;
                p.command = None;
                let e = Error::new(format!(
                    "the command at line {} may have run before the restart; it is not run again (--rerun-in-doubt runs it, --skip-in-doubt goes on as if it had)",
                    job_line(&p)
                ));
                if self.raise(&mut p, e) {
                    return;
                }
                self.ready.push(pid);
            }
        }
        self.procs.insert(pid, p);
    }

    /// Whether [`Vm::run`] returned because a process was cut at a job boundary
    /// (`VmOptions::stop_at_jobs`) rather than because every process ended.
    pub fn cut_at_job(&self) -> bool {
        self.cut.is_some()
    }

    /// Whether a session block is opening or open: its shell cannot go into a snapshot.
    pub fn has_sessions(&self) -> bool {
        !self.sessions.is_empty()
    }

    /// Wait until no host request is in flight, applying each completion (the processes
    /// it wakes become ready; none runs): then a snapshot has nothing in doubt.
    pub fn settle(&mut self) {
        while self.in_flight > 0 {
            match self.done_rx.recv() {
                Ok((ticket, c)) => self.complete(ticket, c),
                Err(_) => return,
            }
        }
    }

    /// The fuel of a slice of `pid`: what it had left when cut at a job boundary, else
    /// a whole slice. A cut is used once.
    pub(crate) fn take_cut_fuel(&mut self, pid: u64) -> u32 {
        match self.cut.take() {
            Some((cut, fuel)) if cut == pid => fuel,
            _ => self.opts.fuel,
        }
    }

    /// Note where `code` (run by [`Vm::spawn_main`]) came from: a snapshot says so.
    pub fn note_code_source(&mut self, code: &Rc<crate::code::Code>, from: CodeSource) {
        self.code_sources.push((code.clone(), from));
    }

    /// The main process's record (the one [`Vm::spawn_main`] started).
    pub fn main_info(&self) -> Option<Rc<std::cell::RefCell<crate::value::ProcessInfo>>> {
        self.main.clone()
    }

    /// The host back, the VM dropped.
    pub fn into_host(self) -> H {
        self.host
    }
}

/// The source line of the job `p` is running.
fn job_line(p: &Process) -> usize {
    let chunk = &p.frame().code.chunk;
    let span = chunk.jobs.get(p.job as usize).copied().unwrap_or_default();
    let index = jfc_compiler::span::LineIndex::new(&chunk.source);
    index.line_col(&chunk.source, span.start as usize).0
}

#[cfg(test)]
mod tests;
