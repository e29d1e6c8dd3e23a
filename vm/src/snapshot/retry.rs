//! Retry points (`jfc resume --retry`): in checkpoint mode, a process whose job fails
//! is copied as it was before that job, and the copy is kept while the failure may
//! still end the process (the next job, a `try` that catches it or a normal end drop
//! it). A process that ended ABORTED on a failed job keeps it, and so does a fork/pfor
//! parent that ended on failed children: its copy waits on them again.
//!
//! Retrying a run revives, from the main process down, each process with a retry
//! point: a command runs again with every variable as it was; a parent waits again for
//! the children that failed, whose own retry points run again, while the children that
//! ended well keep their results.

use super::format::{SProcess, SState, SWait};
use super::Snapshot;
use crate::host::{Host, Request, Ticket};
use crate::process::Wait;
use crate::scheduler::Vm;
use crate::value::{ProcessState, Value};

impl Snapshot {
    /// The processes `--retry` would run again, parents before their children: from the
    /// main process down, each ABORTED one with a retry point. An error says why there
    /// is nothing to retry.
    pub fn retry_plan(&self) -> Result<Vec<u64>, String> {
        let main = self
            .vm
            .main
            .and_then(|i| self.infos.get(i))
            .ok_or("the checkpoint has no main process")?;
        if !self.vm.procs.is_empty() {
            return Err(format!(
                "process {} did not end: resume it without --retry",
                main.pid
            ));
        }
        if main.state != SState::Aborted {
            return Err(format!("process {} did not end ABORTED", main.pid));
        }
        let mut plan = Vec::new();
        self.plan(main.pid, &mut plan)?;
        Ok(plan)
    }

    fn plan(&self, pid: u64, plan: &mut Vec<u64>) -> Result<(), String> {
        let Some(p) = self.retry_point(pid) else {
            return Err(format!(
                "process {pid} ended ABORTED on an error, not on a failed job: --retry has nothing to run again"
            ));
        };
        let runnable = p.command.as_ref().is_some_and(|c| c.request.is_some());
        if p.wait == SWait::Host && !runnable {
            let job = self.job_at(p);
            return Err(format!(
                "process {pid} failed at line {} on a transfer or a script job: --retry runs failed commands only",
                job.line
            ));
        }
        plan.push(pid);
        let children = p.fork.as_ref().map_or(&[][..], |f| &f.children[..]);
        for &c in children {
            let Some(child) = self.infos.get(c) else {
                continue;
            };
            if child.state != SState::Aborted {
                continue;
            }
            // One that ended on an error, not a failed job, is not run again: the
            // parent counts it failed again.
            if self.retry_point(child.pid).is_some() {
                self.plan(child.pid, plan)?;
            }
        }
        Ok(())
    }

    fn retry_point(&self, pid: u64) -> Option<&SProcess> {
        self.vm.retry.iter().find(|p| p.pid == pid)
    }

    /// The failed jobs `--retry` would run again (none when there is nothing to retry).
    pub fn jobs_to_retry(&self) -> Vec<super::JobAt> {
        let plan = self.retry_plan().unwrap_or_default();
        self.vm
            .retry
            .iter()
            .filter(|p| plan.contains(&p.pid) && p.wait == SWait::Host)
            .map(|p| self.job_at(p))
            .collect()
    }
}

impl<H: Host> Vm<H> {
    /// Run again the processes of `plan` ([`Snapshot::retry_plan`] of the snapshot this
    /// VM was restored from), each from its retry point.
    pub fn retry_failed(&mut self, plan: &[u64]) {
        for &pid in plan.iter().rev() {
            let Some(mut p) = self.retry.remove(&pid) else {
                continue;
            };
            // The places it held were given back when it ended; the rest of the run goes
            // on without them (it does not wait for its flows' multiplicity again).
            for f in &mut p.frames {
                f.lock = None;
            }
            p.listening.clear();
            {
                let mut info = p.info.borrow_mut();
                info.state = ProcessState::Waiting;
                info.finished = None;
                info.exit_status = Value::Null;
                info.result = Value::Null;
                info.error = Value::Null;
            }
            self.live += 1;
            match p.wait {
                Wait::Host => {
                    if let Some(request) = p.command.as_ref().and_then(|c| c.request.clone()) {
                        self.park(&mut p, None);
                        let ticket = Ticket { pid, seq: p.seq };
                        self.start_request(ticket, Request::Command(request));
                    }
                }
                Wait::Children => {
                    let revived = p.fork.as_ref().map_or(0, |f| {
                        f.children
                            .iter()
                            .filter(|c| plan.contains(&c.borrow().pid))
                            .count()
                    });
                    if let Some(f) = p.fork.as_mut() {
                        f.running = revived;
                    }
                    if revived == 0 {
                        self.ready.push(pid);
                    }
                }
                _ => self.ready.push(pid),
            }
            self.procs.insert(pid, p);
        }
    }
}
