//! Control of a running VM from outside its thread (the daemon's API, platform.md §2.4):
//! terminate, suspend or resume a process together with the processes it started. A
//! terminated process ends ABORTED and the command it waits on is stopped
//! ([`Host::cancel`]); a suspended one runs no further job until resumed (a command
//! under way finishes, and its process waits with its result).

use crossbeam_channel::{Receiver, Sender};

use crate::host::Host;
use crate::process::Wait;
use crate::scheduler::Vm;
use crate::value::{ProcessState, Value};

/// What the VM is asked to do to process `pid` and the processes it started.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Control {
    Terminate(u64),
    Suspend(u64),
    Resume(u64),
}

/// The error of a terminated process.
pub const TERMINATED: &str = "terminated";

/// A channel of controls: the sender stays outside, the VM takes the receiver
/// ([`Vm::set_controls`]).
pub fn channel() -> (Sender<Control>, Receiver<Control>) {
    crossbeam_channel::unbounded()
}

impl<H: Host> Vm<H> {
    /// Take controls from `rx` while running: a process suspended from outside then
    /// waits to be resumed, instead of being stopped as one nothing can wake.
    pub fn set_controls(&mut self, rx: Receiver<Control>) {
        self.controls = Some(rx);
    }

    /// Apply the controls that came.
    pub(crate) fn apply_controls(&mut self) {
        let Some(rx) = self.controls.clone() else {
            return;
        };
        while let Ok(c) = rx.try_recv() {
            self.apply(c);
        }
    }

    pub(crate) fn apply(&mut self, c: Control) {
        match c {
            Control::Terminate(pid) => self.family(pid).into_iter().for_each(|p| self.terminate(p)),
            Control::Suspend(pid) => self.family(pid).into_iter().for_each(|p| self.hold(p)),
            Control::Resume(pid) => self.family(pid).into_iter().for_each(|p| self.release(p)),
        }
    }

    /// Whether a process waits for a control to go on: suspended from outside, or by
    /// its own `suspend()` when controls can resume it.
    pub(crate) fn awaits_control(&self) -> bool {
        self.controls.is_some()
            && (!self.held.is_empty() || self.procs.values().any(|p| p.wait == Wait::Suspended))
    }

    /// `pid` and the live processes it started, children before their parents' end.
    fn family(&self, pid: u64) -> Vec<u64> {
        let mut family = vec![pid];
        let mut i = 0;
        while i < family.len() {
            let parent = family[i];
            let mut children: Vec<u64> = self
                .procs
                .values()
                .filter(|p| p.parent == Some(parent))
                .map(|p| p.pid)
                .collect();
            children.sort_unstable();
            family.extend(children);
            i += 1;
        }
        family.retain(|p| self.procs.contains_key(p));
        family.reverse();
        family
    }

    fn terminate(&mut self, pid: u64) {
        let Some(mut p) = self.procs.remove(&pid) else {
            return;
        };
        if p.wait == Wait::Host {
            self.host.cancel(pid);
        }
        self.held.remove(&pid);
        self.end_process(
            &mut p,
            ProcessState::Aborted,
            Value::Int(1),
            Value::Null,
            Value::str(TERMINATED),
        );
    }

    fn hold(&mut self, pid: u64) {
        if let Some(p) = self.procs.get(&pid) {
            p.info.borrow_mut().suspended = true;
            self.held.insert(pid);
        }
    }

    fn release(&mut self, pid: u64) {
        let Some(p) = self.procs.get_mut(&pid) else {
            return;
        };
        p.info.borrow_mut().suspended = false;
        if p.wait == Wait::Suspended {
            p.wait = Wait::None;
        }
        if self.held.remove(&pid) || p.wait == Wait::None {
            // run_one looks again at what it waits for.
            self.ready.push(pid);
        }
    }
}
