//! Waiting on a busy store without stopping the others. The host's store connection
//! never waits on a lock: while another OS process writes to the store, a request
//! that needs the write lock answers [`HostError::Busy`] at once, having done nothing.
//! The instruction that asked is then undone — its operands back on the stack, its pc
//! back on it — and its process parks for a short while ([`Wait::Store`]); the other
//! processes run meanwhile, and the instruction runs again from its start when the
//! process is woken. That is sound because an instruction that may reach the store has
//! no effect before its first store request (`fork`, which starts children between
//! requests, parks itself instead).
//!
//! Writes that no process can wait for — a multiplicity place given back or a channel
//! left as a process ends — are queued and tried again from the scheduler's loop.

use std::cmp::Reverse;
use std::time::{Duration, Instant};

use jfc_compiler::bytecode::{Op, StatusVar};

use super::Step;
use crate::host::{Host, HostError, StoreRequest, StoreResult};
use crate::process::{Process, Wait};
use crate::scheduler::Vm;
use crate::value::{Error, ObjectRef, Result, Value};

/// The first wait after a busy answer; each busy answer in a row doubles it, up to
/// [`MAX_BACKOFF`]: a short write costs the process little, a long one costs the
/// scheduler few retries.
const FIRST_BACKOFF: Duration = Duration::from_millis(5);
const MAX_BACKOFF: Duration = Duration::from_millis(100);

/// How often queued writes are tried again.
const LATER_RETRY: Duration = Duration::from_millis(20);

/// Where an instruction that may reach the store started: what running it again needs
/// (its operands are kept in `Vm::saved`).
pub(crate) struct Undo {
    pc: usize,
    depth: usize,
    base: usize,
}

/// A store write that waits in a queue rather than in a process.
pub(crate) enum Later {
    /// Give back a place of the multiplicity of a flow.
    GivePlace(i64),
    /// Process `pid` no longer waits on the stored channel.
    StopWaiting(ObjectRef, u64),
}

impl<H: Host> Vm<H> {
    /// The answer of a store request as the interpreter's result. A busy answer is
    /// noted, so that the instruction is run again even where the error is dropped
    /// (`has_key`, `%` with an object: a busy store must not read as a missing field).
    pub(crate) fn ask<T>(&self, answer: StoreResult<T>) -> Result<T> {
        answer.map_err(|e| {
            if e == HostError::Busy {
                self.store_busy.set(true);
            }
            Error::new(e.to_string())
        })
    }

    /// Before `p` runs the instruction at its pc: when the instruction may reach the
    /// store, what undoes it. Its operands are copied aside.
    pub(crate) fn undo_point(&mut self, p: &Process) -> Option<Undo> {
        let frame = p.frames.last()?;
        let chunk = &frame.code.chunk;
        let operands = match chunk.code[frame.pc] {
            Op::LoadPath(_)
            | Op::Template(_)
            | Op::LoadStatus(StatusVar::Env)
            | Op::JumpIfFalseKeep(_)
            | Op::JumpIfTrueKeep(_)
            | Op::Event(_)
            | Op::Choice(_) => 0,
            Op::Not | Op::JumpIfFalse(_) | Op::JumpIfTrue(_) | Op::GetAttr(_) | Op::IterStart => 1,
            Op::Add | Op::Rem | Op::In | Op::NotIn | Op::GetIndex | Op::SetAttr(_) => 2,
            Op::SetIndex => 3,
            Op::Call(c) => chunk.calls[c as usize].width() + 1,
            Op::CallBuiltin(_, c) | Op::BuiltinJob(_, c) => chunk.calls[c as usize].width(),
            Op::Exec(i) => {
                let spec = &chunk.execs[i as usize];
                spec.call.width() + usize::from(spec.has_input) + 1
            }
            Op::RemoteJob(_, i) => chunk.execs[i as usize].call.width(),
            // A pfor pops its source when it starts, not when it resumes.
            Op::Fork(i) => {
                usize::from(chunk.forks[i as usize].pfor_slot.is_some() && p.fork.is_none())
            }
            _ => return None,
        };
        let base = p.stack.len().checked_sub(operands)?;
        if operators_of_values(chunk.code[frame.pc]) && !p.stack[base..].iter().any(stored) {
            // Arithmetic, tests, attributes and indexes of plain values never reach the
            // store: the hot loops of a flow copy nothing aside.
            return None;
        }
        self.store_busy.set(false);
        self.saved.clear();
        self.saved.extend_from_slice(&p.stack[base..]);
        Some(Undo {
            pc: frame.pc,
            depth: p.frames.len(),
            base,
        })
    }

    /// After `p` ran the instruction `undo` started: when it met a busy store, undo it
    /// and park `p` to run it again (true). An instruction that parked or ended, or
    /// changed the frames, stands as it is.
    pub(crate) fn parked_on_busy_store(
        &mut self,
        p: &mut Process,
        undo: Undo,
        step: &Result<Step>,
    ) -> bool {
        let busy = self.store_busy.replace(false);
        if !busy || !matches!(step, Ok(Step::Next) | Err(_)) || p.frames.len() != undo.depth {
            self.saved.clear();
            if !busy && !self.store_backoff.is_empty() {
                // Past its instruction: its next busy answer waits the shortest again.
                self.store_backoff.remove(&p.pid);
            }
            return false;
        }
        p.stack.truncate(undo.base);
        p.stack.append(&mut self.saved);
        p.frame_mut().pc = undo.pc;
        self.park_store(p);
        true
    }

    /// Park `p` until the store may be free again; a timer wakes it.
    pub(crate) fn park_store(&mut self, p: &mut Process) {
        let backoff = *self
            .store_backoff
            .entry(p.pid)
            .and_modify(|d| *d = (*d * 2).min(MAX_BACKOFF))
            .or_insert(FIRST_BACKOFF);
        p.wait = Wait::Store;
        // Not `park`: the deadline of a resumed event job stays (it parks again with it).
        p.seq += 1;
        self.timers
            .push(Reverse((self.host.instant() + backoff, p.pid, p.seq)));
    }

    /// Give back a place of the multiplicity of flow `id`, now or later.
    pub(crate) fn give_place(&mut self, id: i64) {
        if let Err(HostError::Busy) = self.host.store(StoreRequest::GivePlace(id)) {
            self.later(Later::GivePlace(id));
        }
    }

    /// Process `pid` no longer waits on the stored channel `o`, now or later.
    pub(crate) fn stop_waiting_on(&mut self, o: &ObjectRef, pid: u64) {
        let request = StoreRequest::Waiting {
            channel: o,
            pid,
            on: false,
        };
        if let Err(HostError::Busy) = self.host.store(request) {
            self.later(Later::StopWaiting(o.clone(), pid));
        }
    }

    /// Process `pid` waits on the stored channel `o`: a queued "no longer" is void.
    pub(crate) fn start_waiting_on(&mut self, o: &ObjectRef, pid: u64) -> Result<()> {
        self.store_done(StoreRequest::Waiting {
            channel: o,
            pid,
            on: true,
        })?;
        self.store_later
            .retain(|l| !matches!(l, Later::StopWaiting(c, w) if c.id == o.id && *w == pid));
        Ok(())
    }

    pub(crate) fn later(&mut self, write: Later) {
        self.store_later.push(write);
        let now = self.host.instant();
        self.later_at.get_or_insert_with(|| now + LATER_RETRY);
    }

    /// When queued writes are due to be tried again.
    pub(crate) fn later_due(&self) -> Option<Instant> {
        self.later_at
    }

    /// Try the queued writes again when they are due (`now` None: at once, once: the
    /// run is over).
    pub(crate) fn retry_queued(&mut self, now: Option<Instant>) {
        match (self.later_at, now) {
            (None, _) => return,
            (Some(at), Some(now)) if at > now => return,
            _ => {}
        }
        self.later_at = None;
        for write in std::mem::take(&mut self.store_later) {
            match write {
                Later::GivePlace(id) => self.give_place(id),
                Later::StopWaiting(o, pid) => self.stop_waiting_on(&o, pid),
            }
        }
        if now.is_none() {
            // What is still queued is void with this OS process: the store skips the
            // places and waiters of processes that have ended.
            self.store_later.clear();
            self.later_at = None;
        }
    }
}

/// Instructions that reach the store only through an operand that is a stored object,
/// a LazyArray or a method bound to one of them.
fn operators_of_values(op: Op) -> bool {
    matches!(
        op,
        Op::Not
            | Op::JumpIfFalse(_)
            | Op::JumpIfTrue(_)
            | Op::GetAttr(_)
            | Op::Add
            | Op::In
            | Op::NotIn
            | Op::GetIndex
            | Op::SetAttr(_)
            | Op::SetIndex
    )
}

/// Whether an operand may lead an instruction to the store.
fn stored(v: &Value) -> bool {
    matches!(v, Value::Object(_) | Value::Lazy(_) | Value::Method(_))
}
