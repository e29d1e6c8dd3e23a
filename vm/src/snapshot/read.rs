//! From a [`Snapshot`] back to a VM: every table entry becomes one value first (empty),
//! then each is filled, so references by index (shared, or cyclic) all land on the
//! same `Rc`. A snapshot that does not hold together is refused with an error naming
//! what is wrong, never a panic.

use std::cell::RefCell;
use std::collections::{HashMap, VecDeque};
use std::rc::Rc;

use indexmap::IndexMap;

use super::clock::Clock;
use super::format::*;
use crate::code::Code;
use crate::host::Host;
use crate::process::{
    CommandOptions, ForkState, Frame, Handler, Iter, Outcome, Process, StatusVars, Wait,
};
use crate::value::{
    Array, BoundMethod, ChannelState, Dict, JobflowRef, Key, LazyArray, ObjectRef, Pattern,
    PatternKind, ProcessInfo, ProcessOrigin, ProcessState, SessionLink, SessionState, Value,
};

/// The VM's caches of code: by file path, and by Jobflow object (with its stamp).
type FileCache = HashMap<std::path::PathBuf, Rc<Code>>;
type ObjectCache = HashMap<i64, (String, Rc<Code>)>;

pub(super) struct Reader<'h, H: Host> {
    host: &'h H,
    pub clock: Clock,
    codes: Vec<Rc<Code>>,
    arrays: Vec<Array>,
    dicts: Vec<Dict>,
    infos: Vec<Rc<RefCell<ProcessInfo>>>,
    origins: Vec<Rc<ProcessOrigin>>,
    channels: Vec<Rc<RefCell<ChannelState>>>,
}

fn damaged(what: &str) -> String {
    format!("the snapshot is damaged: {what}")
}

fn at<'a, T>(table: &'a [T], i: usize, what: &str) -> Result<&'a T, String> {
    table
        .get(i)
        .ok_or_else(|| damaged(&format!("{what} #{i} is not in it")))
}

impl<'h, H: Host> Reader<'h, H> {
    /// Make every shared thing of `snap`, then fill them.
    pub fn new(host: &'h H, snap: &Snapshot) -> Result<Self, String> {
        let codes = snap
            .codes
            .iter()
            .map(|c| {
                c.chunk()
                    .and_then(Code::new)
                    .map_err(|e| damaged(&format!("code {}: {e}", c.chunk.name)))
            })
            .collect::<Result<_, _>>()?;
        let mut r = Reader {
            host,
            clock: Clock::now(),
            codes,
            arrays: (0..snap.arrays.len()).map(|_| Rc::default()).collect(),
            dicts: (0..snap.dicts.len()).map(|_| Rc::default()).collect(),
            infos: (0..snap.infos.len())
                .map(|_| {
                    Rc::new(RefCell::new(ProcessInfo::new(
                        0,
                        None,
                        chrono::DateTime::UNIX_EPOCH,
                    )))
                })
                .collect(),
            origins: Vec::new(),
            channels: (0..snap.channels.len()).map(|_| Rc::default()).collect(),
        };
        for o in &snap.origins {
            let origin = ProcessOrigin {
                job: r.value(&o.job)?,
                user: r.value(&o.user)?,
            };
            r.origins.push(Rc::new(origin));
        }
        for (i, items) in snap.arrays.iter().enumerate() {
            let items = r.values(items)?;
            *r.arrays[i].borrow_mut() = items;
        }
        for (i, entries) in snap.dicts.iter().enumerate() {
            let mut map = IndexMap::with_capacity(entries.len());
            for (k, v) in entries {
                let key = Key::new(r.value(k)?).map_err(|e| damaged(&e.message))?;
                map.insert(key, r.value(v)?);
            }
            *r.dicts[i].borrow_mut() = map;
        }
        for (i, c) in snap.channels.iter().enumerate() {
            let messages = c
                .messages
                .iter()
                .map(|(id, v)| Ok((*id, r.value(v)?)))
                .collect::<Result<VecDeque<_>, String>>()?;
            *r.channels[i].borrow_mut() = ChannelState {
                messages,
                next_id: c.next_id,
                waiters: c.waiters.clone(),
                session: c.session.as_ref().map(|s| SessionLink {
                    id: 0,
                    label: s.label.clone(),
                    encoding: s.encoding.clone(),
                    state: s
                        .ended
                        .clone()
                        .map_or(SessionState::Closed, SessionState::Ended),
                }),
            };
        }
        for (i, s) in snap.infos.iter().enumerate() {
            let info = r.info_body(s)?;
            *r.infos[i].borrow_mut() = info;
        }
        Ok(r)
    }

    pub fn code(&self, i: usize) -> Result<Rc<Code>, String> {
        at(&self.codes, i, "code").cloned()
    }

    pub fn info(&self, i: usize) -> Result<Rc<RefCell<ProcessInfo>>, String> {
        at(&self.infos, i, "process record").cloned()
    }

    fn values(&self, vs: &[SValue]) -> Result<Vec<Value>, String> {
        vs.iter().map(|v| self.value(v)).collect()
    }

    fn opt(&self, v: &Option<SValue>) -> Result<Option<Value>, String> {
        v.as_ref().map(|v| self.value(v)).transpose()
    }

    pub fn value(&self, v: &SValue) -> Result<Value, String> {
        Ok(match v {
            SValue::Null => Value::Null,
            SValue::Bool(b) => Value::Bool(*b),
            SValue::Int(i) => Value::Int(*i),
            SValue::BigInt(s) => {
                Value::from_bigint(num_traits::Num::from_str_radix(s, 16).map_err(
                    |_: num_bigint::ParseBigIntError| damaged(&format!("`{s}` is not an Integer")),
                )?)
            }
            SValue::Float(f) => Value::Float(*f),
            SValue::FloatBits(b) => Value::Float(f64::from_bits(*b)),
            SValue::Str(s) => Value::str(s),
            SValue::Bytes(b) => Value::Bytes(Rc::from(b.as_slice())),
            SValue::Pattern { kind, text, icase } => {
                let kind = match kind {
                    SPatternKind::Regex => PatternKind::Regex,
                    SPatternKind::Glob => PatternKind::Glob,
                    SPatternKind::Exact => PatternKind::Exact,
                };
                let p = Pattern::new(kind, text, *icase).map_err(|e| damaged(&e.message))?;
                Value::Pattern(Rc::new(p))
            }
            SValue::Array(i) => Value::Array(at(&self.arrays, *i, "array")?.clone()),
            SValue::Dict(i) => Value::Dict(at(&self.dicts, *i, "dictionary")?.clone()),
            SValue::Datetime(t) => Value::Datetime(*t),
            SValue::Date(d) => Value::Date(*d),
            SValue::Time(t) => Value::Time(*t),
            SValue::Timedelta { secs, nanos } => Value::Timedelta(
                chrono::TimeDelta::try_seconds(*secs)
                    .and_then(|s| s.checked_add(&chrono::TimeDelta::nanoseconds(i64::from(*nanos))))
                    .ok_or_else(|| damaged("a Timedelta out of range"))?,
            ),
            SValue::Process(i) => Value::Process(self.info(*i)?),
            SValue::Channel(i) => Value::Channel(at(&self.channels, *i, "channel")?.clone()),
            SValue::Builtin(id) => {
                if !jfc_compiler::builtins::exists(*id) {
                    return Err(damaged(&format!("built-in #{id} does not exist")));
                }
                Value::Builtin(*id)
            }
            SValue::Method { receiver, name } => Value::Method(Rc::new(BoundMethod {
                receiver: self.value(receiver)?,
                name: Rc::from(name.as_str()),
            })),
            SValue::Jobflow(path) => Value::Jobflow(Rc::new(JobflowRef { path: path.clone() })),
            SValue::Object { id, path } => Value::Object(ObjectRef {
                id: *id,
                path: Rc::from(path.as_str()),
            }),
            SValue::Lazy { label, query } => Value::Lazy(Rc::new(LazyArray {
                query: self.host.lazy_load(query)?,
                label: Rc::from(label.as_str()),
            })),
        })
    }

    fn info_body(&self, s: &SInfo) -> Result<ProcessInfo, String> {
        Ok(ProcessInfo {
            pid: s.pid,
            state: match s.state {
                SState::New => ProcessState::New,
                SState::Ready => ProcessState::Ready,
                SState::Running => ProcessState::Running,
                SState::Waiting => ProcessState::Waiting,
                SState::Aborted => ProcessState::Aborted,
                SState::Done => ProcessState::Done,
            },
            result: self.value(&s.result)?,
            exit_status: self.value(&s.exit_status)?,
            error: self.value(&s.error)?,
            parent: s.parent,
            detached: s.detached,
            origin: at(&self.origins, s.origin, "origin")?.clone(),
            started: s.started,
            finished: s.finished,
            parent_info: s
                .parent_info
                .map(|i| self.info(i).map(|p| Rc::downgrade(&p)))
                .transpose()?,
            children: s
                .children
                .iter()
                .map(|c| self.info(*c))
                .collect::<Result<_, _>>()?,
            suspended: s.suspended,
            console: s.console.clone(),
        })
    }

    pub fn process(&self, s: &SProcess) -> Result<Process, String> {
        let frames: Vec<Frame> = s
            .frames
            .iter()
            .map(|f| self.frame(f))
            .collect::<Result<_, _>>()?;
        if frames.is_empty() {
            return Err(damaged(&format!("process {} has no frame", s.pid)));
        }
        let fork = match &s.fork {
            None => None,
            Some(f) => Some(ForkState {
                pending: f
                    .pending
                    .iter()
                    .map(|(pc, v)| Ok((*pc, self.opt(v)?)))
                    .collect::<Result<_, String>>()?,
                pfor_slot: f.pfor_slot,
                children: f
                    .children
                    .iter()
                    .map(|c| self.info(*c))
                    .collect::<Result<_, _>>()?,
                running: f.running,
                end: f.end,
            }),
        };
        fits(s, &frames)?;
        let instant = |t: &Option<chrono::DateTime<chrono::Utc>>| t.map(|t| self.clock.instant(t));
        Ok(Process {
            pid: s.pid,
            info: self.info(s.info)?,
            frames,
            stack: self.values(&s.stack)?,
            handlers: s
                .handlers
                .iter()
                .map(|h| Handler {
                    frame: h.frame,
                    pc: h.pc,
                    stack: h.stack,
                    iters: h.iters,
                })
                .collect(),
            outcome: match s.outcome {
                SOutcome::Success => Outcome::Success,
                SOutcome::JobFailure => Outcome::JobFailure,
                SOutcome::ConnFailure => Outcome::ConnFailure,
            },
            wait: match s.wait {
                SWait::None => Wait::None,
                SWait::Host => Wait::Host,
                SWait::Sleep => Wait::Sleep,
                SWait::Event => Wait::Event,
                SWait::Children => Wait::Children,
                SWait::Suspended => Wait::Suspended,
                SWait::Store => Wait::Store,
            },
            seq: s.seq,
            timed_out: s.timed_out,
            deadline: instant(&s.deadline),
            fork,
            parent: s.parent,
            job: s.job,
            resumed: s.resumed,
            choice_deadlines: s.choice_deadlines.iter().map(instant).collect(),
            listening: self.values(&s.listening)?,
            command: s.command.as_ref().map(|c| CommandOptions {
                encoding: c.encoding.clone(),
                raw_stdout: c.raw_stdout,
                raw_stderr: c.raw_stderr,
                request: c.request.as_ref().map(SRequest::to_request),
                session: None,
            }),
            session: None,
        })
    }

    fn frame(&self, f: &SFrame) -> Result<Frame, String> {
        let code = self.code(f.code)?;
        if f.pc >= code.chunk.code.len() || f.slots.len() != code.chunk.slots.len() {
            return Err(damaged(&format!(
                "a frame of {} does not fit its code",
                code.chunk.name
            )));
        }
        let slots = f
            .slots
            .iter()
            .map(|s| self.opt(s))
            .collect::<Result<_, _>>()?;
        let iters = f
            .iters
            .iter()
            .map(|it| {
                Ok(match it {
                    SIter::Items(items) => Iter::Items(self.values(items)?.into()),
                    SIter::Range { next, end } => Iter::Range {
                        next: *next,
                        end: *end,
                    },
                })
            })
            .collect::<Result<_, String>>()?;
        Ok(Frame {
            code,
            pc: f.pc,
            slots,
            status: StatusVars {
                result: self.value(&f.result)?,
                status: self.value(&f.status)?,
                error: self.value(&f.error)?,
                debug: self.value(&f.debug)?,
            },
            iters,
            dir: Rc::from(f.dir.as_str()),
            stack_base: f.stack_base,
            lock: f.lock,
        })
    }

    /// The code caches of the VM: the same file or object called again after the
    /// restore runs the code it ran before.
    pub fn caches(&self, snap: &Snapshot) -> (FileCache, ObjectCache) {
        let mut files = HashMap::new();
        let mut objects = HashMap::new();
        for (code, s) in self.codes.iter().zip(&snap.codes) {
            match &s.from {
                Some(CodeSource::File(path)) => {
                    files.insert(path.clone(), code.clone());
                }
                Some(CodeSource::Object {
                    id,
                    stamp: Some(stamp),
                }) => {
                    objects.insert(*id, (stamp.clone(), code.clone()));
                }
                Some(CodeSource::Object { stamp: None, .. }) | None => {}
            }
        }
        (files, objects)
    }
}

/// Whether the handlers, frames and fork of a process point inside what it has: the
/// interpreter indexes with them unchecked.
fn fits(s: &SProcess, frames: &[Frame]) -> Result<(), String> {
    let bad = || {
        damaged(&format!(
            "the state of process {} does not hold together",
            s.pid
        ))
    };
    let code_len = |f: usize| frames.get(f).map(|f| f.code.chunk.code.len());
    for h in &s.handlers {
        let frame = frames.get(h.frame).ok_or_else(bad)?;
        if h.pc >= frame.code.chunk.code.len() || h.stack > s.stack.len() {
            return Err(bad());
        }
    }
    if frames.iter().any(|f| f.stack_base > s.stack.len()) {
        return Err(bad());
    }
    if let Some(fork) = &s.fork {
        let top = code_len(frames.len() - 1).ok_or_else(bad)?;
        if fork.end >= top || fork.pending.iter().any(|(pc, _)| *pc >= top) {
            return Err(bad());
        }
    }
    Ok(())
}
