//! `fork` and `pfor` blocks: child processes, the process limit, the join.

use std::collections::VecDeque;

use super::{pop, set_status, Step};
use crate::host::Host;
use crate::process::{ForkState, Iter, Outcome, Process, Wait};
use crate::scheduler::Vm;
use crate::value::limits::MAX_ELEMENTS;
use crate::value::{Error, ProcessState, Result, Value};

impl<H: Host> Vm<H> {
    /// Run (or, when woken, resume) the fork/pfor block `forks[i]`.
    pub(crate) fn fork(&mut self, p: &mut Process, i: usize) -> Result<Step> {
        if p.fork.is_none() {
            p.fork = Some(start_fork(self, p, i)?);
        }
        if !self.spawn_children(p) {
            // The store is busy: the next child starts when it is free. Noted as a busy
            // answer, so that the wait grows while the store stays busy.
            p.frame_mut().pc -= 1;
            self.store_busy.set(true);
            self.park_store(p);
            return Ok(Step::Park);
        }
        let state = p.fork.as_ref().expect("set above");
        if state.running > 0 || !state.pending.is_empty() {
            if !state.pending.is_empty() {
                self.limit_waiters.push(p.pid);
            }
            p.frame_mut().pc -= 1;
            p.wait = Wait::Children;
            self.park(p, None);
            return Ok(Step::Park);
        }
        let failed = state
            .children
            .iter()
            .filter(|c| c.borrow().state == ProcessState::Aborted)
            .count();
        if failed > 0 && self.opts.checkpoint {
            // `--retry` runs the failed children again and waits for them here.
            let mut waiting = Box::new(p.clone());
            waiting.frame_mut().pc -= 1;
            waiting.wait = Wait::Children;
            self.retry.insert(p.pid, waiting);
        }
        let state = p.fork.take().expect("set above");
        let procs = state.children.into_iter().map(Value::Process).collect();
        let frame = p.frame_mut();
        frame.pc = state.end;
        frame.status.result = Value::array(procs);
        set_status(
            p,
            Value::Int(failed as i64),
            if failed > 0 {
                Outcome::JobFailure
            } else {
                Outcome::Success
            },
        );
        Ok(Step::Next)
    }

    /// Start as many pending children as the process limit allows; false when the
    /// store was too busy to record the next one.
    fn spawn_children(&mut self, p: &mut Process) -> bool {
        while self.live < self.opts.max_processes {
            let Some(state) = p.fork.as_mut() else {
                return true;
            };
            let Some((pc, value)) = state.pending.pop_front() else {
                return true;
            };
            let slot = state.pfor_slot;
            let mut frame = p.frame().clone();
            frame.pc = pc;
            frame.iters.clear();
            frame.stack_base = 0;
            frame.slots = frame
                .slots
                .iter()
                .map(|s| s.as_ref().map(Value::deep_copy))
                .collect();
            if let (Some(slot), Some(v)) = (slot, value.clone()) {
                frame.slots[slot as usize] = Some(v);
            }
            let Ok(info) = self.spawn(frame, Some(&p.info)) else {
                if let Some(state) = p.fork.as_mut() {
                    state.pending.push_front((pc, value));
                }
                return false;
            };
            if let Some(state) = p.fork.as_mut() {
                state.children.push(info);
                state.running += 1;
            }
        }
        true
    }

    /// A child of `parent` ended or detached: its fork block may go on.
    pub(crate) fn child_gone(&mut self, parent: u64) {
        if let Some(pp) = self.procs.get_mut(&parent) {
            if let Some(state) = pp.fork.as_mut() {
                state.running = state.running.saturating_sub(1);
            }
            self.wake(parent);
        }
    }
}

fn start_fork<H: Host>(vm: &Vm<H>, p: &mut Process, i: usize) -> Result<ForkState> {
    let spec = p.frame().code.chunk.forks[i].clone();
    let pending: VecDeque<(usize, Option<Value>)> = match spec.pfor_slot {
        None => spec.branches.iter().map(|&b| (b as usize, None)).collect(),
        Some(_) => {
            let source = pop(p)?;
            let start = spec.branches[0] as usize;
            let iter = vm.iterate(&source)?;
            let count = match &iter {
                Iter::Items(items) => items.len() as u64,
                Iter::Range { next, end } => end.saturating_sub(*next).max(0) as u64,
            };
            if count > MAX_ELEMENTS as u64 {
                return Err(Error::new(format!(
                    "pfor: {count} iterations are too many: a pfor starts at most {MAX_ELEMENTS} child processes"
                )));
            }
            match iter {
                Iter::Items(items) => items.into_iter().map(|v| (start, Some(v))).collect(),
                Iter::Range { next, end } => {
                    (next..end).map(|n| (start, Some(Value::Int(n)))).collect()
                }
            }
        }
    };
    Ok(ForkState {
        pending,
        pfor_slot: spec.pfor_slot,
        children: Vec::new(),
        running: 0,
        end: spec.end as usize,
    })
}
