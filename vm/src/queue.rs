//! A FIFO of process ids that holds each id at most once, with O(1) membership.

use std::collections::{HashSet, VecDeque};

#[derive(Default)]
pub struct UniqueQueue {
    order: VecDeque<u64>,
    members: HashSet<u64>,
}

impl UniqueQueue {
    /// Add `pid` at the back unless it is already queued.
    pub fn push(&mut self, pid: u64) {
        if self.members.insert(pid) {
            self.order.push_back(pid);
        }
    }

    /// Put `pid` first (moving it there when it is already queued).
    pub fn push_front(&mut self, pid: u64) {
        if !self.members.insert(pid) {
            self.order.retain(|p| *p != pid);
        }
        self.order.push_front(pid);
    }

    /// The queued pids, first to last.
    pub fn iter(&self) -> impl Iterator<Item = u64> + '_ {
        self.order.iter().copied()
    }

    pub fn pop(&mut self) -> Option<u64> {
        let pid = self.order.pop_front()?;
        self.members.remove(&pid);
        Some(pid)
    }

    pub fn is_empty(&self) -> bool {
        self.order.is_empty()
    }

    pub fn drain(&mut self) -> Vec<u64> {
        self.members.clear();
        self.order.drain(..).collect()
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn each_pid_once_in_order() {
        let mut q = super::UniqueQueue::default();
        for pid in [3, 1, 3, 2, 1] {
            q.push(pid);
        }
        assert_eq!(q.drain(), vec![3, 1, 2]);
        q.push(3);
        q.push(4);
        q.push_front(4);
        assert_eq!(q.iter().collect::<Vec<_>>(), vec![4, 3]);
        assert_eq!(q.pop(), Some(4));
        assert_eq!(q.pop(), Some(3));
        assert_eq!(q.pop(), None);
    }
}
