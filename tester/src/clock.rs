//! The virtual clock of one test: it stands still while the flow runs, and jumps to
//! the next thing due (a timer of the VM, a delayed answer of a mock) whenever the VM
//! would wait. Sleeps, timeouts and delays thus take no wall time and happen in order.

use std::cell::{Cell, RefCell};
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use crossbeam_channel::Sender;
use jfc_vm::{Completion, Ticket};

/// What happens when the clock reaches `at` (time since the start).
struct Delivery {
    at: Duration,
    /// Order of scheduling, so that what is due at once comes in the order asked.
    seq: u64,
    due: Due,
}

enum Due {
    /// An answer to a request of the VM: sent by the clock itself.
    Answer {
        ticket: Ticket,
        completion: Completion,
        done: Sender<(Ticket, Completion)>,
    },
    /// Something the test arranged to happen then: handed back to the host.
    Event(Event),
}

/// What a test arranges to happen at a virtual time.
pub enum Event {
    /// A message arrives on the stored channel with this id (`mock_message`).
    Message {
        channel: i64,
        message: jfc_vm::value::Value,
    },
    /// Task `id` is submitted with this text, or canceled (None) (`mock_task`).
    Task { id: i64, submit: Option<String> },
}

pub struct VirtualClock {
    start: Instant,
    start_utc: DateTime<Utc>,
    elapsed: Cell<Duration>,
    due: RefCell<Vec<Delivery>>,
    seq: Cell<u64>,
}

impl VirtualClock {
    /// A clock reading `start_utc` now.
    pub fn new(start_utc: DateTime<Utc>) -> VirtualClock {
        VirtualClock {
            start: Instant::now(),
            start_utc,
            elapsed: Cell::new(Duration::ZERO),
            due: RefCell::new(Vec::new()),
            seq: Cell::new(0),
        }
    }

    pub fn instant(&self) -> Instant {
        self.start + self.elapsed.get()
    }

    pub fn now(&self) -> DateTime<Utc> {
        self.start_utc + chrono::TimeDelta::from_std(self.elapsed.get()).unwrap_or_default()
    }

    pub fn start_utc(&self) -> DateTime<Utc> {
        self.start_utc
    }

    /// The instant `since` after the start.
    pub fn instant_at(&self, since: Duration) -> Instant {
        self.start + since
    }

    /// Where [`VirtualClock::advance`] would move to (time since the start): `until` or
    /// the next thing due, whichever is first; None when nothing is due at all.
    pub fn target(&self, until: Option<Instant>) -> Option<Duration> {
        let next_answer = self.due.borrow().iter().map(|d| d.at).min();
        let until = until.map(|t| t.saturating_duration_since(self.start));
        match (until, next_answer) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    /// How much virtual time has passed.
    pub fn elapsed(&self) -> Duration {
        self.elapsed.get()
    }

    /// Send `completion` after `delay` of virtual time (at once when zero).
    pub fn answer(
        &self,
        delay: Duration,
        ticket: Ticket,
        completion: Completion,
        done: Sender<(Ticket, Completion)>,
    ) {
        if delay.is_zero() {
            let _ = done.send((ticket, completion));
            return;
        }
        self.schedule(
            self.elapsed.get() + delay,
            Due::Answer {
                ticket,
                completion,
                done,
            },
        );
    }

    /// Hand `event` back from [`VirtualClock::advance`] at `at` after the start (at
    /// once, if that time has passed).
    pub fn at(&self, at: Duration, event: Event) {
        self.schedule(at.max(self.elapsed.get()), Due::Event(event));
    }

    fn schedule(&self, at: Duration, due: Due) {
        let seq = self.seq.get() + 1;
        self.seq.set(seq);
        self.due.borrow_mut().push(Delivery { at, seq, due });
    }

    /// Drop the answers still due to process `pid` (it was terminated).
    pub fn cancel(&self, pid: u64) {
        self.due
            .borrow_mut()
            .retain(|d| !matches!(&d.due, Due::Answer { ticket, .. } if ticket.pid == pid));
    }

    /// Move on to `until` or the next thing due, whichever is first, send the answers
    /// then due and give back the events. None when nothing is due at all.
    pub fn advance(&self, until: Option<Instant>) -> Option<Vec<Event>> {
        let target = self.target(until)?;
        self.elapsed.set(self.elapsed.get().max(target));
        let now = self.elapsed.get();
        let mut due = self.due.borrow_mut();
        let mut ready: Vec<Delivery> = Vec::new();
        let mut i = 0;
        while i < due.len() {
            if due[i].at <= now {
                ready.push(due.swap_remove(i));
            } else {
                i += 1;
            }
        }
        drop(due);
        ready.sort_by_key(|d| (d.at, d.seq));
        let mut events = Vec::new();
        for d in ready {
            match d.due {
                Due::Answer {
                    ticket,
                    completion,
                    done,
                } => {
                    let _ = done.send((ticket, completion));
                }
                Due::Event(e) => events.push(e),
            }
        }
        Some(events)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ticket(pid: u64) -> Ticket {
        Ticket { pid, seq: 0 }
    }

    #[test]
    fn answers_come_in_virtual_order_without_waiting() {
        let clock = VirtualClock::new(DateTime::UNIX_EPOCH);
        let (tx, rx) = crossbeam_channel::unbounded();
        clock.answer(
            Duration::from_secs(3600),
            ticket(1),
            Completion::Done,
            tx.clone(),
        );
        clock.answer(
            Duration::from_secs(60),
            ticket(2),
            Completion::Done,
            tx.clone(),
        );
        clock.answer(Duration::ZERO, ticket(3), Completion::Done, tx);
        assert_eq!(rx.try_recv().map(|(t, _)| t.pid), Ok(3));
        assert!(clock.advance(None).is_some());
        assert_eq!(clock.elapsed(), Duration::from_secs(60));
        assert_eq!(rx.try_recv().map(|(t, _)| t.pid), Ok(2));
        assert!(rx.try_recv().is_err());
        // A VM timer before the next answer comes first.
        let timer = clock.instant() + Duration::from_secs(10);
        assert!(clock.advance(Some(timer)).is_some());
        assert_eq!(clock.elapsed(), Duration::from_secs(70));
        assert!(rx.try_recv().is_err());
        assert!(clock.advance(None).is_some());
        assert_eq!(rx.try_recv().map(|(t, _)| t.pid), Ok(1));
        assert_eq!(
            clock.now(),
            DateTime::UNIX_EPOCH + chrono::TimeDelta::hours(1)
        );
        assert!(clock.advance(None).is_none(), "nothing left to wait for");
    }

    #[test]
    fn a_cancelled_process_gets_no_answer() {
        let clock = VirtualClock::new(DateTime::UNIX_EPOCH);
        let (tx, rx) = crossbeam_channel::unbounded();
        clock.answer(Duration::from_secs(5), ticket(7), Completion::Done, tx);
        clock.cancel(7);
        assert!(clock.advance(None).is_none());
        assert!(rx.try_recv().is_err());
    }
}
