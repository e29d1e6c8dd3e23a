//! From a live VM to a [`Snapshot`]: each shared thing (container, process record,
//! channel, origin, code) gets a table index the first time it is met, by address;
//! its contents are written from a work list, not by recursion, so deep nesting and
//! cycles cost nothing special.

use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;

use super::clock::Clock;
use super::format::*;
use crate::code::Code;
use crate::host::Host;
use crate::interp::Later;
use crate::process::{Frame, Iter, Outcome, Process, Wait};
use crate::scheduler::Vm;
use crate::value::{
    Array, ChannelState, Dict, PatternKind, ProcessInfo, ProcessOrigin, ProcessState, SessionState,
    Value,
};

/// A shared thing met but not written yet.
enum Todo {
    Array(Array, usize),
    Dict(Dict, usize),
    Info(Rc<RefCell<ProcessInfo>>, usize),
    Channel(Rc<RefCell<ChannelState>>, usize),
}

pub(super) struct Writer<'h, H: Host> {
    host: &'h H,
    clock: Clock,
    snap: Snapshot,
    seen: HashMap<*const (), usize>,
    todo: Vec<Todo>,
    /// Where each piece of code came from, by address.
    sources: HashMap<*const Code, CodeSource>,
}

impl<'h, H: Host> Writer<'h, H> {
    pub fn new(vm: &'h Vm<H>) -> Self {
        let mut sources = HashMap::new();
        for (path, code) in &vm.code_cache {
            sources.insert(Rc::as_ptr(code), CodeSource::File(path.clone()));
        }
        for (id, (stamp, code)) in &vm.object_cache {
            let stamp = stamp.clone();
            let stamp = Some(stamp);
            sources.insert(Rc::as_ptr(code), CodeSource::Object { id: *id, stamp });
        }
        for (code, from) in &vm.code_sources {
            sources.insert(Rc::as_ptr(code), from.clone());
        }
        Writer {
            host: &vm.host,
            clock: Clock::now(),
            snap: Snapshot {
                version: super::FORMAT_VERSION,
                codes: Vec::new(),
                arrays: Vec::new(),
                dicts: Vec::new(),
                infos: Vec::new(),
                origins: Vec::new(),
                channels: Vec::new(),
                vm: SVm {
                    next_pid: vm.next_pid,
                    live: vm.live,
                    procs: Vec::new(),
                    ready: vm.ready.iter().collect(),
                    timers: Vec::new(),
                    limit_waiters: vm.limit_waiters.iter().collect(),
                    proc_waiters: Vec::new(),
                    store_waiters: vm.store_waiters.iter().collect(),
                    flow_locks: Vec::new(),
                    later: Vec::new(),
                    retry: Vec::new(),
                    cut: vm.cut,
                    main: None,
                },
            },
            seen: HashMap::new(),
            todo: Vec::new(),
            sources,
        }
    }

    /// Write the whole VM.
    pub fn vm(mut self, vm: &Vm<H>) -> Result<Snapshot, String> {
        let mut pids: Vec<u64> = vm.procs.keys().copied().collect();
        pids.sort_unstable();
        for pid in pids {
            let p = self.process(&vm.procs[&pid])?;
            self.snap.vm.procs.push(p);
        }
        let mut retry: Vec<u64> = vm.retry.keys().copied().collect();
        retry.sort_unstable();
        for pid in retry {
            let p = self.process(&vm.retry[&pid])?;
            self.snap.vm.retry.push(p);
        }
        self.snap.vm.main = vm.main.as_ref().map(|m| self.info(m));
        // Code called before and not running now is kept too: called again, it is the same.
        let mut cached: Vec<(&std::path::PathBuf, &Rc<Code>)> = vm.code_cache.iter().collect();
        cached.sort_by(|a, b| a.0.cmp(b.0));
        for (_, c) in cached {
            self.code(c);
        }
        let mut objects: Vec<(&i64, &Rc<Code>)> =
            vm.object_cache.iter().map(|(id, (_, c))| (id, c)).collect();
        objects.sort_by_key(|o| *o.0);
        for (_, c) in objects {
            self.code(c);
        }
        for (c, _) in &vm.code_sources {
            self.code(c);
        }
        // Only the timers of a live wait matter; the others would be ignored anyway.
        for std::cmp::Reverse((t, pid, seq)) in vm.timers.iter() {
            if vm.procs.get(pid).is_some_and(|p| p.seq == *seq) {
                self.snap.vm.timers.push((self.clock.utc(*t), *pid, *seq));
            }
        }
        self.snap.vm.timers.sort_by_key(|t| t.0);
        let mut waiters: Vec<(u64, Vec<u64>)> = vm
            .proc_waiters
            .iter()
            .map(|(k, v)| (*k, v.clone()))
            .collect();
        waiters.sort_unstable_by_key(|w| w.0);
        self.snap.vm.proc_waiters = waiters;
        let mut locks: Vec<SLock> = vm
            .flow_locks
            .locks
            .iter()
            .map(|(flow, lock)| {
                let mut holders: Vec<(u64, u32)> =
                    lock.holders.iter().map(|(p, n)| (*p, *n)).collect();
                holders.sort_unstable();
                SLock {
                    flow: *flow,
                    holders,
                    waiters: lock.waiters.iter().copied().collect(),
                }
            })
            .collect();
        locks.sort_unstable_by_key(|l| l.flow);
        self.snap.vm.flow_locks = locks;
        self.snap.vm.later = vm.store_later.iter().map(later).collect();
        self.finish()?;
        Ok(self.snap)
    }

    /// Write out everything met but not written yet.
    pub fn finish(&mut self) -> Result<(), String> {
        while let Some(todo) = self.todo.pop() {
            match todo {
                Todo::Array(a, i) => {
                    let items = a.borrow().clone();
                    let items = items
                        .iter()
                        .map(|v| self.value(v))
                        .collect::<Result<_, _>>()?;
                    self.snap.arrays[i] = items;
                }
                Todo::Dict(d, i) => {
                    let entries: Vec<(Value, Value)> = d
                        .borrow()
                        .iter()
                        .map(|(k, v)| (k.value().clone(), v.clone()))
                        .collect();
                    let mut out = Vec::with_capacity(entries.len());
                    for (k, v) in &entries {
                        out.push((self.value(k)?, self.value(v)?));
                    }
                    self.snap.dicts[i] = out;
                }
                Todo::Info(info, i) => self.snap.infos[i] = self.info_body(&info.borrow())?,
                Todo::Channel(c, i) => {
                    let c = c.borrow();
                    // A closed session's channel is kept as a channel of its lines.
                    let open = c.session.as_ref().filter(|l| l.state == SessionState::Open);
                    if let Some(link) = open {
                        return Err(format!(
                            "the session with {} is a live shell, which a snapshot cannot hold",
                            link.label
                        ));
                    }
                    let messages = c
                        .messages
                        .iter()
                        .map(|(id, v)| Ok((*id, self.value(v)?)))
                        .collect::<Result<_, String>>()?;
                    self.snap.channels[i] = SChannel {
                        messages,
                        next_id: c.next_id,
                        waiters: c.waiters.clone(),
                        session: c.session.as_ref().map(|l| SSession {
                            label: l.label.clone(),
                            encoding: l.encoding.clone(),
                            ended: match &l.state {
                                SessionState::Ended(why) => Some(why.clone()),
                                _ => None,
                            },
                        }),
                    };
                }
            }
        }
        Ok(())
    }

    /// The index of a shared thing, and whether it is met for the first time.
    fn index<T: ?Sized>(&mut self, rc: &Rc<T>, len: usize) -> (usize, bool) {
        let key = Rc::as_ptr(rc) as *const ();
        match self.seen.get(&key) {
            Some(&i) => (i, false),
            None => {
                self.seen.insert(key, len);
                (len, true)
            }
        }
    }

    pub fn value(&mut self, v: &Value) -> Result<SValue, String> {
        Ok(match v {
            Value::Null => SValue::Null,
            Value::Bool(b) => SValue::Bool(*b),
            Value::Int(i) => SValue::Int(*i),
            Value::BigInt(b) => SValue::BigInt(b.to_str_radix(16)),
            Value::Float(f) if f.is_finite() => SValue::Float(*f),
            Value::Float(f) => SValue::FloatBits(f.to_bits()),
            Value::Str(s) => SValue::Str(s.to_string()),
            Value::Bytes(b) => SValue::Bytes(b.to_vec()),
            Value::Pattern(p) => SValue::Pattern {
                kind: match p.kind {
                    PatternKind::Regex => SPatternKind::Regex,
                    PatternKind::Glob => SPatternKind::Glob,
                    PatternKind::Exact => SPatternKind::Exact,
                },
                text: p.text.to_string(),
                icase: p.icase,
            },
            Value::Array(a) => SValue::Array(self.array(a)),
            Value::Dict(d) => SValue::Dict(self.dict(d)),
            Value::Datetime(t) => SValue::Datetime(*t),
            Value::Date(d) => SValue::Date(*d),
            Value::Time(t) => SValue::Time(*t),
            Value::Timedelta(d) => SValue::Timedelta {
                secs: d.num_seconds(),
                nanos: d.subsec_nanos(),
            },
            Value::Process(info) => SValue::Process(self.info(info)),
            Value::Channel(c) => SValue::Channel(self.channel(c)),
            Value::Builtin(id) => SValue::Builtin(*id),
            Value::Method(m) => SValue::Method {
                receiver: Box::new(self.value(&m.receiver)?),
                name: m.name.to_string(),
            },
            Value::Jobflow(j) => SValue::Jobflow(j.path.clone()),
            Value::Object(o) => SValue::Object {
                id: o.id,
                path: o.path.to_string(),
            },
            Value::Lazy(la) => SValue::Lazy {
                label: la.label.to_string(),
                query: self.host.lazy_save(la)?,
            },
        })
    }

    fn array(&mut self, a: &Array) -> usize {
        let (i, new) = self.index(a, self.snap.arrays.len());
        if new {
            self.snap.arrays.push(Vec::new());
            self.todo.push(Todo::Array(a.clone(), i));
        }
        i
    }

    fn dict(&mut self, d: &Dict) -> usize {
        let (i, new) = self.index(d, self.snap.dicts.len());
        if new {
            self.snap.dicts.push(Vec::new());
            self.todo.push(Todo::Dict(d.clone(), i));
        }
        i
    }

    fn channel(&mut self, c: &Rc<RefCell<ChannelState>>) -> usize {
        let (i, new) = self.index(c, self.snap.channels.len());
        if new {
            self.snap.channels.push(SChannel {
                messages: Vec::new(),
                next_id: 0,
                waiters: Vec::new(),
                session: None,
            });
            self.todo.push(Todo::Channel(c.clone(), i));
        }
        i
    }

    fn info(&mut self, info: &Rc<RefCell<ProcessInfo>>) -> usize {
        let (i, new) = self.index(info, self.snap.infos.len());
        if new {
            self.snap.infos.push(SInfo {
                pid: 0,
                state: SState::New,
                result: SValue::Null,
                exit_status: SValue::Null,
                error: SValue::Null,
                parent: None,
                detached: false,
                origin: 0,
                started: chrono::DateTime::UNIX_EPOCH,
                finished: None,
                parent_info: None,
                children: Vec::new(),
                suspended: false,
                console: String::new(),
            });
            self.todo.push(Todo::Info(info.clone(), i));
        }
        i
    }

    fn origin(&mut self, o: &Rc<ProcessOrigin>) -> Result<usize, String> {
        let (i, new) = self.index(o, self.snap.origins.len());
        if new {
            let origin = SOrigin {
                job: self.value(&o.job)?,
                user: self.value(&o.user)?,
            };
            self.snap.origins.push(origin);
        }
        Ok(i)
    }

    fn info_body(&mut self, p: &ProcessInfo) -> Result<SInfo, String> {
        Ok(SInfo {
            pid: p.pid,
            state: match p.state {
                ProcessState::New => SState::New,
                ProcessState::Ready => SState::Ready,
                ProcessState::Running => SState::Running,
                ProcessState::Waiting => SState::Waiting,
                ProcessState::Aborted => SState::Aborted,
                ProcessState::Done => SState::Done,
            },
            result: self.value(&p.result)?,
            exit_status: self.value(&p.exit_status)?,
            error: self.value(&p.error)?,
            parent: p.parent,
            detached: p.detached,
            origin: self.origin(&p.origin)?,
            started: p.started,
            finished: p.finished,
            parent_info: p
                .parent_info
                .as_ref()
                .and_then(std::rc::Weak::upgrade)
                .map(|parent| self.info(&parent)),
            children: p.children.iter().map(|c| self.info(c)).collect(),
            suspended: p.suspended,
            console: p.console.clone(),
        })
    }

    fn code(&mut self, code: &Rc<Code>) -> usize {
        let (i, new) = self.index(code, self.snap.codes.len());
        if new {
            let from = self.sources.get(&Rc::as_ptr(code)).cloned();
            self.snap.codes.push(SCode::new(&code.chunk, from));
        }
        i
    }

    fn values(&mut self, vs: &[Value]) -> Result<Vec<SValue>, String> {
        vs.iter().map(|v| self.value(v)).collect()
    }

    fn process(&mut self, p: &Process) -> Result<SProcess, String> {
        let frames = p
            .frames
            .iter()
            .map(|f| self.frame(f))
            .collect::<Result<_, _>>()?;
        let fork = match &p.fork {
            None => None,
            Some(f) => Some(SFork {
                pending: f
                    .pending
                    .iter()
                    .map(|(pc, v)| Ok((*pc, v.as_ref().map(|v| self.value(v)).transpose()?)))
                    .collect::<Result<_, String>>()?,
                pfor_slot: f.pfor_slot,
                children: f.children.iter().map(|c| self.info(c)).collect(),
                running: f.running,
                end: f.end,
            }),
        };
        Ok(SProcess {
            pid: p.pid,
            info: self.info(&p.info),
            frames,
            stack: self.values(&p.stack)?,
            handlers: p
                .handlers
                .iter()
                .map(|h| SHandler {
                    frame: h.frame,
                    pc: h.pc,
                    stack: h.stack,
                    iters: h.iters,
                })
                .collect(),
            outcome: match p.outcome {
                Outcome::Success => SOutcome::Success,
                Outcome::JobFailure => SOutcome::JobFailure,
                Outcome::ConnFailure => SOutcome::ConnFailure,
            },
            wait: match p.wait {
                Wait::None => SWait::None,
                Wait::Host => SWait::Host,
                Wait::Sleep => SWait::Sleep,
                Wait::Event => SWait::Event,
                Wait::Children => SWait::Children,
                Wait::Suspended => SWait::Suspended,
                Wait::Store => SWait::Store,
            },
            seq: p.seq,
            timed_out: p.timed_out,
            deadline: p.deadline.map(|t| self.clock.utc(t)),
            fork,
            parent: p.parent,
            job: p.job,
            resumed: p.resumed,
            choice_deadlines: p
                .choice_deadlines
                .iter()
                .map(|d| d.map(|t| self.clock.utc(t)))
                .collect(),
            listening: self.values(&p.listening)?,
            command: p.command.as_ref().map(|c| SCommand {
                encoding: c.encoding.clone(),
                raw_stdout: c.raw_stdout,
                raw_stderr: c.raw_stderr,
                request: c.request.as_ref().map(SRequest::from),
            }),
        })
    }

    fn frame(&mut self, f: &Frame) -> Result<SFrame, String> {
        let slots = f
            .slots
            .iter()
            .map(|s| s.as_ref().map(|v| self.value(v)).transpose())
            .collect::<Result<_, _>>()?;
        let iters = f
            .iters
            .iter()
            .map(|it| {
                Ok(match it {
                    Iter::Items(items) => SIter::Items(
                        items
                            .iter()
                            .map(|v| self.value(v))
                            .collect::<Result<_, String>>()?,
                    ),
                    Iter::Range { next, end } => SIter::Range {
                        next: *next,
                        end: *end,
                    },
                })
            })
            .collect::<Result<_, String>>()?;
        Ok(SFrame {
            code: self.code(&f.code),
            pc: f.pc,
            slots,
            result: self.value(&f.status.result)?,
            status: self.value(&f.status.status)?,
            error: self.value(&f.status.error)?,
            debug: self.value(&f.status.debug)?,
            iters,
            dir: f.dir.to_string(),
            stack_base: f.stack_base,
            lock: f.lock,
        })
    }
}

fn later(l: &Later) -> SLater {
    match l {
        Later::GivePlace(id) => SLater::GivePlace(*id),
        Later::StopWaiting(o, pid) => SLater::StopWaiting {
            id: o.id,
            path: o.path.to_string(),
            pid: *pid,
        },
    }
}
