//! Multiplicity locks (library.md §3.10, platform.md §2.5): at most N processes may be
//! inside a Jobflow object whose `multiplicity` is N > 0; others wait at the call.
//! The lock belongs to the process and is re-entrant: a frame that took it counts once,
//! and it is given back when that frame returns or unwinds, or the process ends.
//! Places are also taken through the host, which counts those of other OS processes on
//! the same store (two `jfc run` at once, or a run beside the daemon): a process that
//! finds them all taken there waits like a store waiter, looking again when the store
//! changes.

use std::collections::{HashMap, VecDeque};

use crate::host::{Host, HostError, StoreAnswer, StoreRequest};
use crate::scheduler::Vm;
use crate::value::{ObjectRef, Result, Value};

#[derive(Default)]
pub(crate) struct FlowLocks {
    pub(crate) locks: HashMap<i64, Lock>,
}

#[derive(Default)]
pub(crate) struct Lock {
    /// Processes inside the flow, with how many of their frames entered it.
    pub(crate) holders: HashMap<u64, u32>,
    pub(crate) waiters: VecDeque<u64>,
}

/// What a call of a jobflow object may do now.
pub(crate) enum Entry {
    /// Go in; `Some(id)` when a lock of flow `id` was taken for the new frame.
    Enter(Option<i64>),
    /// The flow is full: wait until a process leaves it.
    Wait,
}

impl<H: Host> Vm<H> {
    /// Take a place in jobflow `o` for process `pid`. A busy store is an error (the
    /// call runs again, store_wait), before anything was taken.
    pub(crate) fn enter_flow(&mut self, pid: u64, o: &ObjectRef) -> Result<Entry> {
        let limit = match self.host.store(StoreRequest::Attr(o, "multiplicity")) {
            Ok(StoreAnswer::Value(Value::Int(n))) => n,
            Err(HostError::Busy) => return self.ask(Err(HostError::Busy)),
            _ => 0,
        };
        if limit <= 0 {
            return Ok(Entry::Enter(None));
        }
        let lock = self.flow_locks.locks.entry(o.id).or_default();
        if let Some(n) = lock.holders.get_mut(&pid) {
            *n += 1;
        } else if (lock.holders.len() as i64) < limit {
            // A store that fails does not stop the flow: the local count holds.
            let taken = match self.host.store(StoreRequest::TakePlace { flow: o, limit }) {
                Err(HostError::Busy) => return self.ask(Err(HostError::Busy)),
                Ok(StoreAnswer::Taken(taken)) => taken,
                _ => true,
            };
            if !taken {
                self.store_waiters.push(pid);
                return Ok(Entry::Wait);
            }
            lock.holders.insert(pid, 1);
            lock.waiters.retain(|w| *w != pid);
        } else {
            if !lock.waiters.contains(&pid) {
                lock.waiters.push_back(pid);
            }
            return Ok(Entry::Wait);
        }
        Ok(Entry::Enter(Some(o.id)))
    }

    /// A frame of `pid` that entered flow `id` is gone.
    pub(crate) fn leave_flow(&mut self, pid: u64, id: i64) {
        let Some(lock) = self.flow_locks.locks.get_mut(&id) else {
            return;
        };
        if let Some(n) = lock.holders.get_mut(&pid) {
            *n -= 1;
            if *n == 0 {
                lock.holders.remove(&pid);
                let next = lock.waiters.pop_front();
                self.give_place(id);
                if let Some(w) = next {
                    self.wake(w);
                }
            }
        }
    }

    /// Process `pid` ended: every place it held is free, and it waits for none.
    pub(crate) fn leave_all_flows(&mut self, pid: u64) {
        let mut freed = Vec::new();
        let mut given = Vec::new();
        for (id, lock) in self.flow_locks.locks.iter_mut() {
            lock.waiters.retain(|w| *w != pid);
            if lock.holders.remove(&pid).is_some() {
                given.push(*id);
                freed.extend(lock.waiters.pop_front());
            }
        }
        given.into_iter().for_each(|id| self.give_place(id));
        freed.into_iter().for_each(|w| self.wake(w));
    }
}
