//! The interpreter loop: one `match` over the instruction set. Jobs, events, forks
//! and calls live in their own modules.

mod calls;
mod events;
mod fast;
mod file_args;
mod fork;
mod http_args;
mod jobs;
mod lazy;
mod local_io;
mod mail_args;
mod multiplicity;
mod objects;
mod remote;
mod report;
mod session;
mod store;
mod store_fns;
mod store_wait;

pub(crate) use calls::bind_params;
pub(crate) use jobs::finish_command;
pub(crate) use multiplicity::FlowLocks;
pub(crate) use session::{no_more, unread};
pub(crate) use store_wait::Later;

use std::rc::Rc;

use indexmap::IndexMap;
use jfc_compiler::ast::{CompareOp, Connector};
use jfc_compiler::bytecode::{Op, StatusVar, TemplatePart};

use crate::host::{Host, StoreRequest};
use crate::process::{Handler, Iter, Outcome, Process};
use crate::scheduler::Vm;
use crate::value::{arith, compare, Error, Key, Pattern, ProcessState, Result, Value};

/// What the process does after an instruction.
pub(crate) enum Step {
    Next,
    /// The process waits; it is parked.
    Park,
    /// Cut at a job boundary for a snapshot (`VmOptions::stop_at_jobs`): the process
    /// goes on first, with the fuel it had left, when the VM runs again.
    Stop,
    /// The process is over.
    End {
        state: ProcessState,
        exit_status: Value,
        result: Value,
        error: Value,
    },
}

impl<H: Host> Vm<H> {
    /// Run `p` for one slice of instructions. Returns true when the process ended.
    pub(crate) fn run_slice(&mut self, p: &mut Process) -> bool {
        let mut fuel = self.take_cut_fuel(p.pid);
        let slow = self.opts.trace || self.opts.stop_at_jobs || self.coverage.is_some();
        while fuel > 0 {
            // A retry point goes at the next job: the slow path sees it.
            let slow_jobs = slow || (!self.retry.is_empty() && self.retry.contains_key(&p.pid));
            fast::run(p, &mut fuel, slow_jobs);
            if fuel == 0 {
                break;
            }
            fuel -= 1;
            let undo = self.undo_point(p);
            let step = self.step(p);
            if let Some(undo) = undo {
                if self.parked_on_busy_store(p, undo, &step) {
                    return false;
                }
            }
            match step {
                Ok(Step::Next) => {}
                Ok(Step::Park) => return false,
                Ok(Step::Stop) => {
                    self.cut = Some((p.pid, fuel));
                    return false;
                }
                Ok(Step::End {
                    state,
                    exit_status,
                    result,
                    error,
                }) => {
                    self.end_process(p, state, exit_status, result, error);
                    return true;
                }
                Err(e) => {
                    if self.raise(p, e) {
                        return true;
                    }
                }
            }
        }
        false
    }

    fn step(&mut self, p: &mut Process) -> Result<Step> {
        let frame = p
            .frames
            .last_mut()
            .ok_or_else(|| Error::new("internal error: no frame"))?;
        let op = frame.code.chunk.code[frame.pc];
        frame.pc += 1;
        match op {
            Op::Const(i) => {
                let v = frame.code.consts[i as usize].clone();
                p.stack.push(v);
            }
            Op::Null => p.stack.push(Value::Null),
            Op::Bool(b) => p.stack.push(Value::Bool(b)),
            Op::LoadSlot(s) => match &frame.slots[s as usize] {
                Some(v) => {
                    let v = v.clone();
                    p.stack.push(v);
                }
                None => {
                    let name = &frame.code.chunk.slots[s as usize];
                    return Err(Error::new(format!("undefined variable `{name}`")));
                }
            },
            Op::StoreSlot(s) => {
                let v = pop(p)?;
                p.frame_mut().slots[s as usize] = Some(v);
            }
            Op::IfSet(s, t) => {
                if frame.slots[s as usize].is_some() {
                    frame.pc = t as usize;
                }
            }
            Op::LoadStatus(v) => {
                let value = match v {
                    StatusVar::Result => frame.status.result.clone(),
                    StatusVar::Status => frame.status.status.clone(),
                    StatusVar::Error => frame.status.error.clone(),
                    StatusVar::Debug => frame.status.debug.clone(),
                    StatusVar::Env => self.store_value(StoreRequest::Environment)?,
                };
                p.stack.push(value);
            }
            Op::LoadBuiltin(id) => p.stack.push(Value::Builtin(id)),
            Op::LoadPath(c) => {
                let path = frame.code.chunk.consts[c as usize].clone();
                let dir = frame.dir.clone();
                let jfc_compiler::bytecode::Const::Path(path) = path else {
                    return Err(Error::new("bad path constant"));
                };
                let v = self.store_value(StoreRequest::Resolve {
                    dir: &dir,
                    path: &path,
                })?;
                p.stack.push(v);
            }
            Op::Template(i) => {
                let v = match &frame.code.patterns[i as usize] {
                    Some(pattern) => pattern.clone(),
                    None => template(p, i as usize, self)?,
                };
                p.stack.push(v);
            }
            Op::MakeArray(n) => {
                let items = p.stack.split_off(p.stack.len() - n as usize);
                p.stack.push(Value::array(items));
            }
            Op::MakeDict(n) => {
                let flat = p.stack.split_off(p.stack.len() - 2 * n as usize);
                let mut map = IndexMap::with_capacity(n as usize);
                let mut it = flat.into_iter();
                while let (Some(k), Some(v)) = (it.next(), it.next()) {
                    map.insert(Key::new(k)?, v);
                }
                p.stack.push(Value::dict(map));
            }
            Op::Pop => {
                pop(p)?;
            }
            Op::Dup => {
                let v = p.stack.last().cloned().unwrap_or(Value::Null);
                p.stack.push(v);
            }
            Op::Add => {
                let b = self.materialize(pop(p)?)?;
                let a = self.materialize(pop(p)?)?;
                p.stack.push(arith::add(&a, &b)?);
            }
            Op::Sub => binary(p, arith::sub)?,
            Op::Mul => binary(p, arith::mul)?,
            Op::Div => binary(p, arith::div)?,
            Op::Rem => {
                let b = pop(p)?;
                let a = pop(p)?;
                p.stack.push(self.remainder(&a, &b)?);
            }
            Op::Neg => unary(p, arith::neg)?,
            Op::Pos => unary(p, arith::pos)?,
            Op::Not => {
                let v = pop(p)?;
                p.stack.push(Value::Bool(!self.truthy(&v)?));
            }
            Op::In | Op::NotIn => {
                let container = pop(p)?;
                let item = pop(p)?;
                let found = self.contains(&container, &item)?;
                p.stack.push(Value::Bool(found == matches!(op, Op::In)));
            }
            Op::Compare(c) => binary(p, |a, b| compare_values(c, a, b).map(Value::Bool))?,
            Op::CompareChain(c, t) => {
                let b = pop(p)?;
                let a = pop(p)?;
                if compare_values(c, &a, &b)? {
                    p.stack.push(b);
                } else {
                    p.stack.push(Value::Bool(false));
                    p.frame_mut().pc = t as usize;
                }
            }
            Op::GetAttr(n) => {
                let name = frame.code.chunk.names[n as usize].clone();
                let base = pop(p)?;
                let v = self.get_attr(&base, &name)?;
                p.stack.push(v);
            }
            Op::GetIndex => {
                let key = pop(p)?;
                let base = pop(p)?;
                let v = self.get_index(&base, &key)?;
                p.stack.push(v);
            }
            Op::SetAttr(n) => {
                let name = frame.code.chunk.names[n as usize].clone();
                let base = pop(p)?;
                let value = pop(p)?;
                self.set_attr(&base, &name, value)?;
            }
            Op::SetIndex => {
                let key = pop(p)?;
                let base = pop(p)?;
                let value = pop(p)?;
                self.set_index(&base, key, value)?;
            }
            Op::Call(c) => {
                let args = calls::pop_args(p, c as usize)?;
                let callee = pop(p)?;
                let v = self.call_value(p, &callee, args)?;
                p.stack.push(v);
            }
            Op::CallBuiltin(id, c) => {
                let args = calls::pop_args(p, c as usize)?;
                let v = self.call_builtin(p, id, args)?;
                p.stack.push(v);
            }
            Op::Jump(t) => frame.pc = t as usize,
            Op::JumpIfFalse(t) => {
                if !self.truthy(&pop(p)?)? {
                    p.frame_mut().pc = t as usize;
                }
            }
            Op::JumpIfTrue(t) => {
                if self.truthy(&pop(p)?)? {
                    p.frame_mut().pc = t as usize;
                }
            }
            Op::JumpIfFalseKeep(t) | Op::JumpIfTrueKeep(t) => {
                let truthy = match p.stack.last() {
                    Some(v) => self.truthy(v)?,
                    None => false,
                };
                if truthy == matches!(op, Op::JumpIfTrueKeep(_)) {
                    p.frame_mut().pc = t as usize;
                } else {
                    pop(p)?;
                }
            }
            Op::Job(i) => {
                p.job = i;
                if let Some(cov) = &mut self.coverage {
                    cov.job(&p.frame().code, i);
                }
                if !self.retry.is_empty() {
                    // The failure before went by: nothing to run again.
                    self.retry.remove(&p.pid);
                }
                if self.opts.trace {
                    self.trace_job(p);
                }
                if self.opts.stop_at_jobs {
                    return Ok(Step::Stop);
                }
            }
            Op::JobOk | Op::NoBranch => set_status(p, Value::Int(0), Outcome::Success),
            Op::JobResult => {
                let v = pop(p)?;
                let st = &mut p.frame_mut().status;
                st.result = v;
                st.error = Value::str("");
                set_status(p, Value::Int(0), Outcome::Success);
            }
            Op::BuiltinJob(id, c) => return self.builtin_job(p, id, c as usize),
            Op::Exec(i) => return self.exec(p, i as usize),
            Op::RemoteJob(id, i) => return self.remote_job(p, id, i as usize),
            Op::Event(i) => return self.event_job(p, i as usize),
            Op::Choice(i) => return self.choice(p, i as usize),
            Op::Connect(c) => {
                if let Some(cov) = &mut self.coverage {
                    let pc = p.frame().pc;
                    cov.connector(&p.frame().code, pc, p.outcome, passes(p.outcome, c));
                }
                connect(p, c)?
            }
            Op::CaseMatch => {
                let pattern = pop(p)?;
                let subject = p.stack.last().cloned().unwrap_or(Value::Null);
                p.stack
                    .push(Value::Bool(compare::case_match(&subject, &pattern)?));
            }
            Op::CaseFail => set_status(p, Value::Int(1), Outcome::JobFailure),
            Op::IterStart => {
                let source = pop(p)?;
                let it = self.iterate(&source)?;
                p.frame_mut().iters.push(it);
            }
            Op::IterNext(s, t) => {
                let next = match frame.iters.last_mut() {
                    Some(Iter::Items(items)) => items.pop_front(),
                    Some(Iter::Range { next, end }) if *next < *end => {
                        *next += 1;
                        Some(Value::Int(*next - 1))
                    }
                    _ => None,
                };
                match next {
                    Some(v) => frame.slots[s as usize] = Some(v),
                    None => {
                        frame.iters.pop();
                        frame.pc = t as usize;
                    }
                }
            }
            Op::IterEnd => {
                frame.iters.pop();
            }
            Op::Fail(c) => return Err(Error::new(frame.code.consts[c as usize].to_text())),
            Op::TryStart(h) => {
                let iters = frame.iters.len();
                let handler = Handler {
                    frame: p.frames.len() - 1,
                    pc: h as usize,
                    stack: p.stack.len(),
                    iters,
                };
                p.handlers.push(handler);
            }
            Op::TryEnd => {
                p.handlers.pop();
                set_status(p, Value::Int(0), Outcome::Success);
            }
            Op::TryDrop => {
                p.handlers.pop();
            }
            Op::SessionOpen(i) => return self.session_open(p, i as usize),
            Op::SessionBind(s, end) => match pop(p)? {
                v @ Value::Channel(_) => p.frame_mut().slots[s as usize] = Some(v),
                _ => p.frame_mut().pc = end as usize,
            },
            Op::SessionClose(s) => self.session_close(p, s)?,
            Op::Fork(i) => return self.fork(p, i as usize),
            Op::ChildEnd => return Ok(end_done(p)),
            Op::Return => return Ok(self.return_from(p, None)),
        }
        Ok(Step::Next)
    }

    fn trace_job(&self, p: &Process) {
        let chunk = &p.frame().code.chunk;
        let span = chunk.jobs.get(p.job as usize).copied().unwrap_or_default();
        let text = chunk
            .source
            .get(span.range())
            .unwrap_or("")
            .lines()
            .next()
            .unwrap_or("");
        let index = jfc_compiler::span::LineIndex::new(&chunk.source);
        let (line, _) = index.line_col(&chunk.source, span.start as usize);
        self.host.report(&format!(
            "[trace] pid {} {}:{line}: {}",
            p.pid,
            chunk.name,
            report::without_secrets(text)
        ));
    }

    /// Handle a runtime error: the innermost `try` catches it, else the process aborts.
    /// Returns true when the process ended.
    pub(crate) fn raise(&mut self, p: &mut Process, e: Error) -> bool {
        let location = report::location(p);
        if let Some(h) = p.handlers.pop() {
            self.retry.remove(&p.pid);
            self.leave_session(p, h.frame + 1, p.handlers.len());
            for f in p.frames.drain(h.frame + 1..) {
                if let Some(id) = f.lock {
                    self.leave_flow(p.pid, id);
                }
            }
            p.stack.truncate(h.stack);
            p.fork = None;
            p.command = None;
            let frame = p.frame_mut();
            frame.iters.truncate(h.iters);
            frame.pc = h.pc;
            frame.status.debug = Value::str(&format!("{} (at {location})", e.message));
            set_status(p, Value::Int(1), Outcome::Success);
            return false;
        }
        self.host.report(&report::error_report(p, &e));
        let result = p
            .frames
            .first()
            .map_or(Value::Null, |f| f.status.result.clone());
        self.end_process(
            p,
            ProcessState::Aborted,
            Value::Int(1),
            result,
            Value::str(&e.message),
        );
        true
    }

    /// Record the end of a process and wake whoever waits for it.
    pub(crate) fn end_process(
        &mut self,
        p: &mut Process,
        state: ProcessState,
        exit_status: Value,
        result: Value,
        error: Value,
    ) {
        if state != ProcessState::Aborted {
            self.retry.remove(&p.pid);
        }
        {
            let mut info = p.info.borrow_mut();
            info.state = state;
            info.exit_status = exit_status;
            info.result = result;
            info.error = error;
            info.finished = Some(self.host.now());
        }
        self.host.process_ended(&p.info.borrow());
        self.live = self.live.saturating_sub(1);
        self.store_backoff.remove(&p.pid);
        self.leave_all_flows(p.pid);
        self.leave_session(p, 0, 0);
        self.stop_listening(p);
        for w in self.proc_waiters.remove(&p.pid).unwrap_or_default() {
            self.wake(w);
        }
        if let Some(parent) = p.parent.take() {
            self.child_gone(parent);
        }
        let waiters = self.limit_waiters.drain();
        for w in waiters {
            self.wake(w);
        }
    }
}

fn end_done(p: &Process) -> Step {
    let st = &p.frame().status;
    Step::End {
        state: ProcessState::Done,
        exit_status: st.status.clone(),
        result: st.result.clone(),
        error: st.error.clone(),
    }
}

pub(crate) fn pop(p: &mut Process) -> Result<Value> {
    p.stack
        .pop()
        .ok_or_else(|| Error::new("internal error: operand stack underflow"))
}

fn binary(p: &mut Process, f: impl FnOnce(&Value, &Value) -> Result<Value>) -> Result<()> {
    let b = pop(p)?;
    let a = pop(p)?;
    p.stack.push(f(&a, &b)?);
    Ok(())
}

fn unary(p: &mut Process, f: impl FnOnce(&Value) -> Result<Value>) -> Result<()> {
    let a = pop(p)?;
    p.stack.push(f(&a)?);
    Ok(())
}

pub(crate) fn set_status(p: &mut Process, status: Value, outcome: Outcome) {
    p.frame_mut().status.status = status;
    p.outcome = outcome;
}

fn compare_values(op: CompareOp, a: &Value, b: &Value) -> Result<bool> {
    use std::cmp::Ordering::*;
    Ok(match op {
        CompareOp::Eq => compare::equals(a, b),
        CompareOp::Ne => !compare::equals(a, b),
        CompareOp::Match => compare::similar(a, b)?,
        CompareOp::NotMatch => !compare::similar(a, b)?,
        // NaN compares false both ways, as in Python.
        CompareOp::Lt => compare::partial_compare(a, b)? == Some(Less),
        CompareOp::Gt => compare::partial_compare(a, b)? == Some(Greater),
        CompareOp::Le => matches!(compare::partial_compare(a, b)?, Some(Less | Equal)),
        CompareOp::Ge => matches!(compare::partial_compare(a, b)?, Some(Greater | Equal)),
    })
}

/// After a job joined by `c`: go on, or abort (language.md §5.2).
/// Whether connector `c` lets the process go on after a job that ended so.
fn passes(outcome: Outcome, c: Connector) -> bool {
    match outcome {
        Outcome::Success => true,
        Outcome::JobFailure => matches!(c, Connector::Always | Connector::AlwaysConn),
        Outcome::ConnFailure => matches!(c, Connector::ThenConn | Connector::AlwaysConn),
    }
}

fn connect(p: &mut Process, c: Connector) -> Result<()> {
    if passes(p.outcome, c) {
        return Ok(());
    }
    let st = &p.frame().status;
    let what = match p.outcome {
        Outcome::ConnFailure => "could not reach its target",
        _ => "failed",
    };
    let mut msg = format!(
        "the job {what} (status {}) and `{}` does not continue after that",
        st.status.to_text(),
        c.symbol()
    );
    let err = st.error.to_text();
    let err = err.trim_end();
    if !err.is_empty() {
        msg.push_str(&format!(": {err}"));
    }
    Err(Error::new(msg))
}

/// The iteration source of `for` and `pfor` (language.md §6.4).
pub(crate) fn iterate(v: &Value) -> Result<Iter> {
    Ok(match v {
        Value::Array(a) => Iter::Items(a.borrow().iter().cloned().collect()),
        Value::Dict(d) => Iter::Items(d.borrow().keys().map(|k| k.value().clone()).collect()),
        Value::Str(s) => Iter::Items(
            s.chars()
                .map(|c| Value::str(c.encode_utf8(&mut [0; 4])))
                .collect(),
        ),
        Value::Int(n) => Iter::Range {
            next: 0,
            end: (*n).max(0),
        },
        Value::BigInt(_) => return Err(Error::new("cannot iterate over so large an Integer")),
        other => {
            return Err(Error::new(format!(
                "cannot iterate over a {}",
                other.type_name()
            )))
        }
    })
}

/// Expand a template literal with the variables and status values visible now.
fn template<H: Host>(p: &Process, i: usize, vm: &Vm<H>) -> Result<Value> {
    let frame = p.frame();
    let t = &frame.code.chunk.templates[i];
    let mut out = String::new();
    for part in &t.parts {
        match part {
            TemplatePart::Text(s) => out.push_str(s),
            TemplatePart::Slot { slot, verbatim } => match &frame.slots[*slot as usize] {
                Some(v) => out.push_str(&v.to_text()),
                None => out.push_str(verbatim),
            },
            TemplatePart::Status { var, .. } => {
                let v = match var {
                    StatusVar::Result => &frame.status.result,
                    StatusVar::Status => &frame.status.status,
                    StatusVar::Error => &frame.status.error,
                    StatusVar::Debug => &frame.status.debug,
                    StatusVar::Env => &vm.store_value(StoreRequest::Environment)?,
                };
                out.push_str(&v.to_text());
            }
        }
    }
    match t.pattern {
        None => Ok(Value::Str(Rc::from(out))),
        Some((kind, icase)) => Ok(Value::Pattern(Rc::new(Pattern::new(
            crate::code::pattern_kind(kind),
            &out,
            icase,
        )?))),
    }
}
