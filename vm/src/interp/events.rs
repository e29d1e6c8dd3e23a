//! Event jobs and `choice` blocks (language.md §14.4, §6.6).
//!
//! An event job that cannot fire yet parks its process with its operands still on
//! the stack and its pc on the instruction, so that when a send, a process end or a
//! timer wakes it the same instruction simply runs again.

use std::time::Instant;

use jfc_compiler::ast::Guard;
use jfc_compiler::bytecode::EventSpec;

use super::calls::args_from;
use super::{set_status, Step};
use crate::host::{Host, StoreRequest};
use crate::process::{Outcome, Process, Wait};
use crate::scheduler::{deadline_from, Vm};
use crate::value::{compare, Error, ProcessState, Result, Value};

/// The operands of one event job, read off the stack.
struct Operands {
    target: Option<Value>,
    guard: Option<(Guard, Value)>,
    timeout: Value,
    peek: bool,
}

fn operands(values: &[Value], spec: &EventSpec) -> Result<Operands> {
    let mut it = values.iter().cloned();
    let target = if spec.has_target { it.next() } else { None };
    let guard = spec.guard.and_then(|g| it.next().map(|v| (g, v)));
    let args = args_from(it.collect(), &spec.call)?;
    let mut timeout = args.pos.first().cloned().unwrap_or(Value::Null);
    let mut peek = false;
    for (k, v) in &args.kw {
        match &**k {
            "timeout" => timeout = v.clone(),
            "peek_mode" => peek = v.truthy(),
            "detect_error" => {}
            other => {
                return Err(Error::new(format!(
                "an event job has no option `{other}` (options: timeout, peek_mode, detect_error)"
            )))
            }
        }
    }
    Ok(Operands {
        target,
        guard,
        timeout,
        peek,
    })
}

fn width(spec: &EventSpec) -> usize {
    spec.has_target as usize + spec.guard.is_some() as usize + spec.call.width()
}

impl<H: Host> Vm<H> {
    /// An event job: it fires, times out, fails, or parks to run again when woken.
    /// Whatever it does but park, its process no longer waits on its targets.
    pub(crate) fn event_job(&mut self, p: &mut Process, i: usize) -> Result<Step> {
        let step = self.event_job_once(p, i);
        // A busy store: the job runs again soon, still listening.
        if !matches!(step, Ok(Step::Park)) && !self.store_busy.get() {
            self.stop_listening(p);
        }
        step
    }

    /// A `choice` block, likewise.
    pub(crate) fn choice(&mut self, p: &mut Process, i: usize) -> Result<Step> {
        let step = self.choice_once(p, i);
        if !matches!(step, Ok(Step::Park)) && !self.store_busy.get() {
            self.stop_listening(p);
        }
        step
    }

    fn event_job_once(&mut self, p: &mut Process, i: usize) -> Result<Step> {
        let spec = p.frame().code.chunk.events[i].clone();
        let base = p.stack.len().saturating_sub(width(&spec));
        let mut ops = operands(&p.stack[base..], &spec)?;
        ops.target = self.event_target(ops.target)?;
        let fired = match &ops.target {
            None => Some(Fired::Got(p.frame().status.result.clone())),
            Some(t) => self.fire(t, ops.guard.as_ref(), ops.peek, 0)?,
        };
        if let Some(f) = fired {
            p.stack.truncate(base);
            p.resumed = false;
            received(p, f);
            return Ok(Step::Next);
        }
        if p.resumed && p.timed_out {
            p.stack.truncate(base);
            p.resumed = false;
            set_status(p, Value::Int(1), Outcome::JobFailure);
            return Ok(Step::Next);
        }
        let deadline = if p.resumed {
            p.deadline
        } else {
            deadline_from(&ops.timeout, self.host.now(), self.host.instant())?
        };
        self.listen(p, ops.target.iter().collect())?;
        self.wait_again(p, deadline);
        Ok(Step::Park)
    }

    fn choice_once(&mut self, p: &mut Process, i: usize) -> Result<Step> {
        let chunk = &p.frame().code.chunk;
        let spec = chunk.choices[i].clone();
        let specs: Vec<EventSpec> = spec
            .events
            .iter()
            .map(|&e| chunk.events[e as usize].clone())
            .collect();
        let total: usize = specs.iter().map(width).sum();
        let base = p.stack.len().saturating_sub(total);
        let mut all = Vec::new();
        let mut off = base;
        for s in &specs {
            let mut ops = operands(&p.stack[off..off + width(s)], s)?;
            ops.target = self.event_target(ops.target)?;
            all.push(ops);
            off += width(s);
        }
        for (k, ops) in all.iter().enumerate() {
            let fired = match &ops.target {
                None => Some(Fired::Got(p.frame().status.result.clone())),
                Some(t) => self.fire(t, ops.guard.as_ref(), ops.peek, 0)?,
            };
            if let Some(f) = fired {
                self.choose(p, base, spec.branches[k]);
                received(p, f);
                return Ok(Step::Next);
            }
        }
        if !p.resumed {
            let (clock, now) = (self.host.now(), self.host.instant());
            p.choice_deadlines = all
                .iter()
                .map(|o| deadline_from(&o.timeout, clock, now))
                .collect::<Result<_>>()?;
        }
        let now = self.host.instant();
        if let Some(k) = p
            .choice_deadlines
            .iter()
            .position(|d| d.is_some_and(|d| d <= now))
        {
            self.choose(p, base, spec.branches[k]);
            set_status(p, Value::Int(1), Outcome::JobFailure);
            return Ok(Step::Next);
        }
        self.listen(p, all.iter().filter_map(|o| o.target.as_ref()).collect())?;
        let deadline = p.choice_deadlines.iter().flatten().min().copied();
        self.wait_again(p, deadline);
        Ok(Step::Park)
    }

    /// The target with its LazyArrays (`children` of a Table of Channels, a `find()`)
    /// run now: each time the event job looks again it sees the objects of that moment.
    fn event_target(&self, target: Option<Value>) -> Result<Option<Value>> {
        let has_lazy = |items: &[Value]| items.iter().any(|i| matches!(i, Value::Lazy(_)));
        Ok(match &target {
            Some(Value::Lazy(_)) => target.map(|t| self.materialize(t)).transpose()?,
            Some(Value::Array(items)) if has_lazy(&items.borrow()) => {
                let items = items.borrow().clone();
                let items = items
                    .into_iter()
                    .map(|i| self.materialize(i))
                    .collect::<Result<_>>()?;
                Some(Value::array(items))
            }
            _ => target,
        })
    }

    fn choose(&mut self, p: &mut Process, base: usize, branch: u32) {
        p.stack.truncate(base);
        p.resumed = false;
        p.choice_deadlines.clear();
        p.frame_mut().pc = branch as usize;
    }

    /// Park on the current instruction so it runs again when woken.
    fn wait_again(&mut self, p: &mut Process, deadline: Option<Instant>) {
        p.frame_mut().pc -= 1;
        p.resumed = true;
        p.wait = Wait::Event;
        self.park(p, deadline);
    }

    /// Ask to be woken when one of `targets` may have an event, and count among their
    /// waiting receivers. A stored channel is told once, not at every spurious wake;
    /// while the store is busy, `p` listens to what it listened to before.
    fn listen(&mut self, p: &mut Process, targets: Vec<&Value>) -> Result<()> {
        let mut now = Vec::new();
        targets.into_iter().for_each(|t| flatten(t, &mut now));
        let pid = p.pid;
        for t in &now {
            match t {
                Value::Channel(ch) => {
                    let mut c = ch.borrow_mut();
                    if !c.waiters.contains(&pid) {
                        c.waiters.push(pid);
                    }
                }
                Value::Process(info) => {
                    let waiters = self.proc_waiters.entry(info.borrow().pid).or_default();
                    if !waiters.contains(&pid) {
                        waiters.push(pid);
                    }
                }
                Value::Object(o) => {
                    self.store_waiters.push(pid);
                    if !p.listening.iter().any(|l| same_object(l, o.id)) {
                        self.start_waiting_on(o, pid)?;
                    }
                }
                _ => {}
            }
        }
        for old in std::mem::replace(&mut p.listening, now) {
            if let Value::Object(o) = &old {
                if !p.listening.iter().any(|l| same_object(l, o.id)) {
                    self.stop_waiting_on(o, pid);
                }
            }
        }
        Ok(())
    }

    /// `p` no longer waits on what it listened to.
    pub(crate) fn stop_listening(&mut self, p: &mut Process) {
        let pid = p.pid;
        for t in std::mem::take(&mut p.listening) {
            match &t {
                Value::Channel(ch) => ch.borrow_mut().waiters.retain(|w| *w != pid),
                Value::Process(info) => {
                    if let Some(ws) = self.proc_waiters.get_mut(&info.borrow().pid) {
                        ws.retain(|w| *w != pid);
                    }
                }
                Value::Object(o) => self.stop_waiting_on(o, pid),
                _ => {}
            }
        }
    }
}

/// The targets of an event job, arrays of targets opened up.
fn flatten(t: &Value, out: &mut Vec<Value>) {
    let mut todo = vec![t.clone()];
    while let Some(t) = todo.pop() {
        match &t {
            Value::Array(items) => todo.extend(items.borrow().iter().rev().cloned()),
            _ => out.push(t),
        }
    }
}

/// Arrays of targets nest at most this deep (the search for an event recurses).
const MAX_TARGET_DEPTH: usize = 100;

fn same_object(v: &Value, id: i64) -> bool {
    matches!(v, Value::Object(o) if o.id == id)
}

/// What an event job's target gave.
pub(crate) enum Fired {
    /// An event: the received object.
    Got(Value),
    /// The target will never give one (a canceled task), and why.
    Closed(String),
}

/// The event job got `f`: `$RESULT = v` and `$STATUS = 0` for an event `v`; for a
/// closed target, `$RESULT` null, `$STATUS` 1 and `$ERROR` why (a class A failure).
fn received(p: &mut Process, f: Fired) {
    match f {
        Fired::Got(v) => {
            p.frame_mut().status.result = v;
            set_status(p, Value::Int(0), Outcome::Success);
        }
        Fired::Closed(why) => {
            let status = &mut p.frame_mut().status;
            status.result = Value::Null;
            status.error = Value::str(&why);
            set_status(p, Value::Int(1), Outcome::JobFailure);
        }
    }
}

impl<H: Host> Vm<H> {
    /// Take the event of `target` if there is one now.
    fn fire(
        &self,
        target: &Value,
        guard: Option<&(Guard, Value)>,
        peek: bool,
        depth: usize,
    ) -> Result<Option<Fired>> {
        if depth > MAX_TARGET_DEPTH {
            return Err(Error::new(format!(
                "an event job waits on Arrays of targets nested more than {MAX_TARGET_DEPTH} deep"
            )));
        }
        match target {
            Value::Object(o) => {
                let scan = matches!(guard, Some((Guard::Scan, _)));
                let mut accept = |m: &Value| {
                    guard.is_none_or(|(_, g)| compare::case_match(m, g).unwrap_or(false))
                };
                self.store_message(StoreRequest::Receive {
                    channel: o,
                    accept: &mut accept,
                    scan,
                    peek,
                })
            }
            Value::Channel(ch) => {
                let mut c = ch.borrow_mut();
                let at = match guard {
                    None => (!c.messages.is_empty()).then_some(0),
                    Some((Guard::Head, g)) => match c.messages.front() {
                        Some((_, m)) if compare::case_match(m, g)? => Some(0),
                        _ => None,
                    },
                    Some((Guard::Scan, g)) => {
                        let mut found = None;
                        for (i, (_, m)) in c.messages.iter().enumerate() {
                            if compare::case_match(m, g)? {
                                found = Some(i);
                                break;
                            }
                        }
                        found
                    }
                };
                let Some(at) = at else {
                    return match super::no_more(&c) {
                        Some(e) => Err(e),
                        None => Ok(None),
                    };
                };
                c.messages.drain(..at);
                let v = if peek {
                    c.messages
                        .front()
                        .map(|(id, m)| Value::array(vec![Value::Int(*id as i64), m.clone()]))
                } else {
                    c.messages.pop_front().map(|(_, m)| m)
                };
                Ok(v.map(Fired::Got))
            }
            Value::Process(info) => {
                let (state, pid) = {
                    let i = info.borrow();
                    (i.state, i.pid)
                };
                if matches!(state, ProcessState::Done | ProcessState::Aborted) {
                    let proc_value = Value::Process(info.clone());
                    Ok(Some(Fired::Got(if peek {
                        Value::array(vec![Value::Int(pid as i64), proc_value])
                    } else {
                        proc_value
                    })))
                } else {
                    Ok(None)
                }
            }
            Value::Array(items) => {
                let items: Vec<Value> = items.borrow().clone();
                for t in items {
                    match self.fire(&t, guard, peek, depth + 1)? {
                        Some(Fired::Got(v)) => {
                            return Ok(Some(Fired::Got(Value::array(vec![t, v]))))
                        }
                        Some(closed) => return Ok(Some(closed)),
                        None => {}
                    }
                }
                Ok(None)
            }
            other => Err(Error::new(format!(
                "an event job waits on a Channel, a Process or an Array of them, not a {}",
                other.type_name()
            ))),
        }
    }
}
