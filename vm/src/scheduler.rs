//! The scheduler: one interpreter thread runs ready processes in bounded slices;
//! waiting processes park until a completion, a timer or another process wakes them.

use std::cell::{Cell, RefCell};
use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap, HashSet};
use std::path::PathBuf;
use std::rc::Rc;
use std::time::{Duration, Instant};

use crossbeam_channel::{Receiver, Sender};

use crate::code::Code;
use crate::host::{Completion, Host, HostError, StoreRequest, StoreResult, Ticket};
use crate::process::{Frame, Outcome, Process, Wait};
use crate::queue::UniqueQueue;
use crate::value::{ProcessInfo, ProcessState, Value};

/// How often processes waiting on stored channels look for sends by other OS processes.
const STORE_POLL: Duration = Duration::from_millis(20);

/// The command echo format of the original engine (`showCommandFormat`).
pub const DEFAULT_COMMAND_ECHO: &str = "[{username}@{hostname}]{sudomark} {command}";

/// Tunables of a VM.
#[derive(Clone, Debug)]
pub struct VmOptions {
    /// Live processes at most; fork/pfor wait for room (language.md §14.2).
    pub max_processes: usize,
    /// Instructions a process runs before the next ready one gets its turn.
    pub fuel: u32,
    /// Print each job as it starts (stderr).
    pub trace: bool,
    /// Echo each command line on stderr in this format (platform.md §2.3): `{username}`,
    /// `{hostname}`, `{sudomark}` and `{command}` are replaced. `None`: no echo.
    pub command_echo: Option<String>,
    /// Nested jobflow calls at most (a runaway recursion fails cleanly).
    pub max_call_depth: usize,
    /// Stop at every job boundary: [`Vm::run`] returns with the process cut there, so the
    /// VM can be snapshotted (a debugging aid that proves snapshots, `jfc run
    /// --roundtrip-at-jobs`).
    pub stop_at_jobs: bool,
    /// Checkpoint mode (platform.md §2.7): hand the host a snapshot after every job with
    /// an effect and before every command starts ([`Host::checkpoint`]).
    pub checkpoint: bool,
}

impl Default for VmOptions {
    fn default() -> Self {
        VmOptions {
            max_processes: 1000,
            fuel: 10_000,
            trace: false,
            command_echo: None,
            max_call_depth: 200,
            stop_at_jobs: false,
            checkpoint: false,
        }
    }
}

pub struct Vm<H: Host> {
    pub(crate) host: H,
    pub(crate) opts: VmOptions,
    /// Boxed: a table grows by doubling, and its empty slots would each cost a whole
    /// `Process`; moving one in and out of the table is then a pointer copy too.
    pub(crate) procs: HashMap<u64, Box<Process>>,
    pub(crate) ready: UniqueQueue,
    pub(crate) timers: BinaryHeap<Reverse<(Instant, u64, u64)>>,
    pub(crate) done_tx: Sender<(Ticket, Completion)>,
    pub(crate) done_rx: Receiver<(Ticket, Completion)>,
    pub(crate) next_pid: u64,
    /// Host requests not yet completed.
    pub(crate) in_flight: usize,
    /// Parents waiting for room under the process limit.
    pub(crate) limit_waiters: UniqueQueue,
    /// Processes waiting (event job) for another process to end.
    pub(crate) proc_waiters: HashMap<u64, Vec<u64>>,
    pub(crate) flow_locks: crate::interp::FlowLocks,
    pub(crate) live: usize,
    /// Jobflows compiled once per run, by path.
    pub(crate) code_cache: HashMap<PathBuf, Rc<Code>>,
    /// Jobflow objects of the store loaded once per run, by object id: code and directory.
    pub(crate) object_cache: HashMap<i64, (String, Rc<Code>)>,
    /// Processes waiting for a message on a stored channel.
    pub(crate) store_waiters: UniqueQueue,
    /// Set when the store answered busy during the running instruction (interp::store_wait).
    pub(crate) store_busy: Cell<bool>,
    /// The operands of the running instruction, kept to run it again after a busy answer.
    pub(crate) saved: Vec<Value>,
    /// How long each process parked on a busy store waits next.
    pub(crate) store_backoff: HashMap<u64, Duration>,
    /// Store writes no process waits for, to try again at `later_at`.
    pub(crate) store_later: Vec<crate::interp::Later>,
    pub(crate) later_at: Option<Instant>,
    /// The process cut at a job boundary (`stop_at_jobs`) and the fuel it had left.
    pub(crate) cut: Option<(u64, u32)>,
    /// Whether each stored object run by an execution job is a ScriptJob (a type never
    /// changes, nor is an id used again): asked of the store once per object.
    pub(crate) script_kinds: HashMap<i64, bool>,
    /// Checkpoint mode: commands waiting for the next checkpoint to start.
    pub(crate) starting: Vec<(Ticket, crate::host::Request)>,
    /// Checkpoint mode: a job ended or the store was written since the last checkpoint.
    pub(crate) checkpoint_due: Cell<bool>,
    /// Checkpoint mode: each process as it was before the job that failed last, while
    /// that failure may still end it, and after it did (snapshot::retry).
    pub(crate) retry: HashMap<u64, Box<Process>>,
    /// The process started by [`Vm::spawn_main`].
    pub(crate) main: Option<Rc<RefCell<ProcessInfo>>>,
    /// Where code not loaded by the VM itself (the main flow's) came from, for snapshots.
    pub(crate) code_sources: Vec<(Rc<Code>, crate::snapshot::CodeSource)>,
    /// The channels of session blocks opening or open, by session id: their output goes
    /// there. Each counts as a host request in flight until it is closed or ends.
    pub(crate) sessions: HashMap<u64, Rc<RefCell<crate::value::ChannelState>>>,
    /// Controls from outside the VM's thread (control.rs), when it takes them.
    pub(crate) controls: Option<Receiver<crate::control::Control>>,
    /// Processes suspended from outside: they run no job until resumed.
    pub(crate) held: HashSet<u64>,
    /// What ran, when coverage is recorded (`jfc test --coverage`).
    pub(crate) coverage: Option<crate::coverage::Coverage>,
}

impl<H: Host> Vm<H> {
    pub fn new(host: H, opts: VmOptions) -> Vm<H> {
        let (done_tx, done_rx) = crossbeam_channel::unbounded();
        Vm {
            host,
            opts,
            procs: HashMap::new(),
            ready: UniqueQueue::default(),
            timers: BinaryHeap::new(),
            done_tx,
            done_rx,
            next_pid: 1,
            in_flight: 0,
            limit_waiters: UniqueQueue::default(),
            proc_waiters: HashMap::new(),
            flow_locks: Default::default(),
            live: 0,
            code_cache: HashMap::new(),
            object_cache: HashMap::new(),
            store_waiters: UniqueQueue::default(),
            store_busy: Cell::new(false),
            saved: Vec::new(),
            store_backoff: HashMap::new(),
            store_later: Vec::new(),
            later_at: None,
            cut: None,
            script_kinds: HashMap::new(),
            starting: Vec::new(),
            checkpoint_due: Cell::new(false),
            retry: HashMap::new(),
            main: None,
            code_sources: Vec::new(),
            sessions: HashMap::new(),
            controls: None,
            held: HashSet::new(),
            coverage: None,
        }
    }

    pub fn host(&self) -> &H {
        &self.host
    }

    pub fn options(&self) -> &VmOptions {
        &self.opts
    }

    /// Start `chunk` as a new top-level process with parameters `args` (already values).
    pub fn spawn_main(
        &mut self,
        chunk: Rc<Code>,
        dir: &str,
        args: Vec<(String, Value)>,
    ) -> Result<Rc<RefCell<ProcessInfo>>, String> {
        self.spawn_main_with(chunk, dir, Vec::new(), args)
    }

    /// The same, with positional arguments first (a channel action passes the message
    /// as the flow's first parameter).
    pub fn spawn_main_with(
        &mut self,
        chunk: Rc<Code>,
        dir: &str,
        pos: Vec<Value>,
        args: Vec<(String, Value)>,
    ) -> Result<Rc<RefCell<ProcessInfo>>, String> {
        let mut frame = Frame::new(chunk, Rc::from(dir), 0);
        crate::interp::bind_params(
            &mut frame,
            pos,
            args.into_iter()
                .map(|(k, v)| (Rc::from(k.as_str()), v))
                .collect(),
        )
        .map_err(|e| e.message)?;
        let info = self.spawn(frame, None).map_err(|e| e.to_string())?;
        self.main = Some(info.clone());
        Ok(info)
    }

    /// Start a process the host asked for, with no parent; why it cannot start is
    /// reported to the host.
    fn start_asked(&mut self, s: crate::host::Start) {
        let code = match &s.job {
            Value::Jobflow(j) => self
                .load_code(&j.path)
                .map(|c| (c, Rc::from(self.host.flow_dir(&j.path).as_str()))),
            Value::Object(o) => self.object_code(o),
            other => Err(crate::value::Error::new(format!(
                "{} is not a jobflow",
                other.type_name()
            ))),
        };
        let started = code.map_err(|e| e.message).and_then(|(code, dir)| {
            let mut frame = Frame::new(code, dir, 0);
            let kw = s.kw.into_iter().map(|(k, v)| (Rc::from(k.as_str()), v));
            crate::interp::bind_params(&mut frame, s.pos, kw.collect()).map_err(|e| e.message)?;
            self.spawn(frame, None).map(drop).map_err(|e| e.to_string())
        });
        if let Err(why) = started {
            self.host.start_failed(&s.what, &why);
        }
    }

    /// Create a ready process running `frame`, a child of `parent` when given; not
    /// while the store is busy, when the host keeps process records (the only error).
    pub(crate) fn spawn(
        &mut self,
        frame: Frame,
        parent: Option<&Rc<RefCell<ProcessInfo>>>,
    ) -> StoreResult<Rc<RefCell<ProcessInfo>>> {
        let parent_pid = parent.map(|p| p.borrow().pid);
        let pid = self.new_pid(parent_pid)?;
        let info = Rc::new(RefCell::new(ProcessInfo::new(pid, parent, self.host.now())));
        if let Some(parent) = parent {
            parent.borrow_mut().children.push(info.clone());
        }
        let parent = parent_pid;
        let p = Process {
            pid,
            info: info.clone(),
            frames: vec![frame],
            stack: Vec::new(),
            handlers: Vec::new(),
            outcome: Outcome::Success,
            wait: Wait::None,
            seq: 0,
            timed_out: false,
            deadline: None,
            fork: None,
            parent,
            job: 0,
            resumed: false,
            choice_deadlines: Vec::new(),
            listening: Vec::new(),
            session: None,
            command: None,
        };
        self.procs.insert(pid, Box::new(p));
        self.ready.push(pid);
        self.live += 1;
        Ok(info)
    }

    /// The pid of a new process: the id of its record when the host keeps process
    /// records (so a flow, its error reports and `jfc ps` agree), else the next number.
    fn new_pid(&mut self, parent: Option<u64>) -> StoreResult<u64> {
        // A record that could not be opened for another reason leaves the VM to number it.
        let pid = match self.host.process_started(parent) {
            Err(HostError::Busy) => return Err(HostError::Busy),
            Ok(Some(pid)) if !self.procs.contains_key(&pid) => pid,
            _ => self.next_pid,
        };
        self.next_pid = self.next_pid.max(pid + 1);
        Ok(pid)
    }

    /// Run until every process has ended (or none can ever be woken again).
    pub fn run(&mut self) {
        loop {
            self.apply_controls();
            self.drain_completions();
            let now = self.host.instant();
            self.fire_timers(now);
            self.retry_queued(Some(now));
            self.checkpoint_if_due();
            if let Some(pid) = self.ready.pop() {
                self.run_one(pid);
                if self.cut.is_some() {
                    return;
                }
                continue;
            }
            if self.procs.is_empty() {
                self.retry_queued(None);
                return;
            }
            let next_timer = self.timers.peek().map(|Reverse((t, _, _))| *t);
            let store_waiting = !self.store_waiters.is_empty();
            if self.in_flight == 0 && next_timer.is_none() && !store_waiting {
                if self.awaits_control() {
                    self.wait_for_control();
                    continue;
                }
                // In the loop, not a nested run: a flow may catch this any number of times.
                self.deadlock();
                continue;
            }
            // Queued store writes wake no process: they do not count against a deadlock.
            let wake_at = match (next_timer, self.later_due()) {
                (Some(t), Some(l)) => Some(t.min(l)),
                (t, l) => t.or(l),
            };
            if self.host.advance_clock(wake_at) {
                for start in self.host.due_starts() {
                    self.start_asked(start);
                }
                // A virtual clock moved on to what was due next: no waiting.
                if store_waiting && self.host.store_changed() {
                    self.wake_store_waiters();
                }
                continue;
            }
            let mut wait = wake_at.map(|t| t.saturating_duration_since(self.host.instant()));
            if store_waiting {
                // Another OS process may send to a stored channel: look every few milliseconds.
                wait = Some(wait.map_or(STORE_POLL, |w| w.min(STORE_POLL)));
            }
            if let Some((ticket, c)) = self.next_completion(wait) {
                self.complete(ticket, c);
            }
            if store_waiting && self.host.store_changed() {
                self.wake_store_waiters();
            }
        }
    }

    /// The next completion, waiting at most `wait` (for ever: None); a control that
    /// comes meanwhile is applied and ends the wait.
    fn next_completion(&mut self, wait: Option<Duration>) -> Option<(Ticket, Completion)> {
        let Some(controls) = self.controls.clone() else {
            return match wait {
                Some(d) => self.done_rx.recv_timeout(d).ok(),
                None => self.done_rx.recv().ok(),
            };
        };
        crossbeam_channel::select! {
            recv(self.done_rx) -> got => got.ok(),
            recv(controls) -> c => {
                if let Ok(c) = c {
                    self.apply(c);
                }
                None
            }
            default(wait.unwrap_or(Duration::from_secs(3600))) => None,
        }
    }

    /// Nothing runs and nothing but a control can wake a process: wait for one.
    fn wait_for_control(&mut self) {
        let got = self.controls.as_ref().map(|rx| rx.recv());
        match got {
            Some(Ok(c)) => self.apply(c),
            // The sender is gone: nothing will resume them.
            _ => {
                self.controls = None;
            }
        }
    }

    fn run_one(&mut self, pid: u64) {
        if self.held.contains(&pid) {
            // Suspended from outside: resuming queues it again.
            return;
        }
        let Some(mut p) = self.procs.remove(&pid) else {
            return;
        };
        let still_waiting = match p.wait {
            Wait::Host | Wait::Suspended => true,
            Wait::Sleep => !p.timed_out,
            // Its timer makes it ready (fire_timers); a wake before then is early.
            Wait::Store => true,
            Wait::None | Wait::Event | Wait::Children => false,
        };
        if still_waiting {
            self.procs.insert(pid, p);
            return;
        }
        p.wait = Wait::None;
        let was = std::mem::replace(&mut p.info.borrow_mut().state, ProcessState::Running);
        if was == ProcessState::Waiting {
            self.host.process_waiting(pid, false);
        }
        let ended = self.run_slice(&mut p);
        if !ended {
            p.info.borrow_mut().state = if p.wait == Wait::None {
                ProcessState::Ready
            } else {
                ProcessState::Waiting
            };
            if p.wait == Wait::None && self.cut.is_some() {
                self.ready.push_front(pid);
            } else if p.wait == Wait::None {
                self.ready.push(pid);
            } else {
                self.host.process_waiting(pid, true);
            }
            self.procs.insert(pid, p);
        }
    }

    /// The compiled code of the jobflow at `path`, loaded through the host once.
    pub(crate) fn load_code(
        &mut self,
        path: &std::path::Path,
    ) -> Result<Rc<Code>, crate::value::Error> {
        if let Some(c) = self.code_cache.get(path) {
            return Ok(c.clone());
        }
        let chunk = self
            .host
            .load_jobflow(path)
            .map_err(crate::value::Error::new)?;
        let code = Code::new(chunk).map_err(crate::value::Error::new)?;
        self.code_cache.insert(path.to_path_buf(), code.clone());
        Ok(code)
    }

    /// The code and directory of a Jobflow object. The directory is asked for at every
    /// call (the object or a directory above it may have moved); the code is loaded
    /// again only when the object changed since it was last loaded.
    pub(crate) fn object_code(
        &mut self,
        obj: &crate::value::ObjectRef,
    ) -> Result<(Rc<Code>, Rc<str>), crate::value::Error> {
        let (stamp, dir) = self.store_stamp(StoreRequest::JobflowStamp(obj))?;
        let dir: Rc<str> = Rc::from(dir.as_str());
        if let Some((s, c)) = self.object_cache.get(&obj.id) {
            if *s == stamp {
                return Ok((c.clone(), dir));
            }
        }
        let chunk = self.store_chunk(StoreRequest::Jobflow(obj))?;
        let code = Code::new(chunk).map_err(crate::value::Error::new)?;
        self.object_cache.insert(obj.id, (stamp, code.clone()));
        Ok((code, dir))
    }

    /// Wake every process waiting on a stored channel, to look at its channel again.
    pub(crate) fn wake_store_waiters(&mut self) {
        for pid in self.store_waiters.drain() {
            self.wake(pid);
        }
    }

    /// Put a parked process back on the ready queue.
    pub(crate) fn wake(&mut self, pid: u64) {
        if let Some(p) = self.procs.get(&pid) {
            if p.wait != Wait::None {
                self.ready.push(pid);
            }
        }
    }

    /// Park `p` until `deadline` (if any); the caller has set `p.wait`.
    pub(crate) fn park(&mut self, p: &mut Process, deadline: Option<Instant>) {
        p.seq += 1;
        p.timed_out = false;
        p.deadline = deadline;
        if let Some(t) = deadline {
            self.timers.push(Reverse((t, p.pid, p.seq)));
        }
    }

    fn fire_timers(&mut self, now: Instant) {
        while let Some(&Reverse((t, pid, seq))) = self.timers.peek() {
            if t > now {
                break;
            }
            self.timers.pop();
            if let Some(p) = self.procs.get_mut(&pid) {
                if p.seq == seq && p.wait == Wait::Store {
                    p.wait = Wait::None;
                    self.ready.push(pid);
                } else if p.seq == seq && p.wait != Wait::None {
                    p.timed_out = true;
                    if p.wait == Wait::Sleep {
                        p.wait = Wait::None;
                    }
                    self.ready.push(pid);
                }
            }
        }
    }

    fn drain_completions(&mut self) {
        while let Ok((ticket, c)) = self.done_rx.try_recv() {
            self.complete(ticket, c);
        }
    }

    pub(crate) fn complete(&mut self, ticket: Ticket, c: Completion) {
        if self.session_event(&c) {
            return;
        }
        self.in_flight = self.in_flight.saturating_sub(1);
        self.checkpoint_due.set(self.opts.checkpoint);
        let Some(mut p) = self.procs.remove(&ticket.pid) else {
            self.session_unwanted(&c);
            return;
        };
        let opening = p.command.as_ref().and_then(|o| o.session);
        if let (Some(id), true) = (opening, p.seq == ticket.seq && p.wait == Wait::Host) {
            p.wait = Wait::None;
            p.command = None;
            self.session_opened(&mut p, id, c);
            self.ready.push(p.pid);
        } else if p.seq == ticket.seq && p.wait == Wait::Host {
            if self.opts.checkpoint && c.failed() {
                self.retry.insert(p.pid, Box::new((*p).clone()));
            }
            p.wait = Wait::None;
            if let Err(e) = crate::interp::finish_command(&mut p, c) {
                if self.raise(&mut p, e) {
                    return;
                }
            }
            self.ready.push(p.pid);
        } else {
            self.session_unwanted(&c);
        }
        self.procs.insert(ticket.pid, p);
    }

    /// Nothing can wake the remaining processes: raise an error in each (a `try` may
    /// catch it), or stop those that cannot take one (detached, suspended).
    fn deadlock(&mut self) {
        let mut pids: Vec<u64> = self.procs.keys().copied().collect();
        pids.sort_unstable();
        for pid in pids {
            let Some(mut p) = self.procs.remove(&pid) else {
                continue;
            };
            if let Some(stopped) = self.unwakeable(&p) {
                self.end_process(
                    &mut p,
                    ProcessState::Aborted,
                    Value::Int(1),
                    Value::Null,
                    Value::str(&stopped),
                );
                continue;
            }
            let e = crate::value::Error::new(self.deadlock_message(&p));
            if !self.raise(&mut p, e) {
                // a `try` caught it; the process goes on
                self.procs.insert(pid, p);
                self.ready.push(pid);
            }
        }
    }

    /// Why a process that cannot take an error is stopped, or None when it can take one.
    fn unwakeable(&self, p: &Process) -> Option<String> {
        if p.wait == Wait::Suspended {
            // suspend() waits to be resumed from outside (library.md §1.2): no `try` does that.
            let e = "stopped while suspended: suspend() waits to be resumed from outside, and nothing can resume a process of this run";
            self.host.report(&format!("process {}: {e}", p.pid));
            return Some(e.to_string());
        }
        p.info
            .borrow()
            .detached
            .then(|| "stopped: it was waiting for an event that can never come".to_string())
    }

    /// What a process that can never be woken waits for.
    fn deadlock_message(&self, p: &Process) -> String {
        let pending = p.fork.as_ref().map_or(0, |f| f.pending.len());
        if p.wait == Wait::Children && pending > 0 {
            let n = self.opts.max_processes;
            let live = self.live;
            let plural =
                |k: usize, one: &'static str, many: &'static str| if k == 1 { one } else { many };
            return format!(
                "the process limit (--max-processes {n}) is reached: {live} {} live (this one included) and none can end, so this fork/pfor cannot start its {pending} remaining child {}",
                plural(live, "process is", "processes are"),
                plural(pending, "process", "processes"),
            );
        }
        "the process waits for an event that can never come: no other process is running and no timeout is set".to_string()
    }
}

/// Sleep lengths and timeouts: seconds as Integer/Float, or a Datetime to wait until,
/// which is that far from `clock` (the host's time now, at the instant `now`).
pub(crate) fn deadline_from(
    v: &Value,
    clock: chrono::DateTime<chrono::Utc>,
    now: Instant,
) -> Result<Option<Instant>, crate::value::Error> {
    let secs = match v {
        Value::Null => return Ok(None),
        Value::Int(i) => *i as f64,
        Value::Float(f) => *f,
        Value::Bool(b) => f64::from(u8::from(*b)),
        Value::Datetime(dt) => {
            let delta = dt.signed_duration_since(clock);
            delta.num_milliseconds() as f64 / 1000.0
        }
        other => {
            return Err(crate::value::Error::new(format!(
                "a timeout must be seconds or a Datetime, not {}",
                other.type_name()
            )))
        }
    };
    if !secs.is_finite() {
        return Err(crate::value::Error::new(
            "a timeout must be a finite number of seconds",
        ));
    }
    Ok(Some(now + Duration::from_secs_f64(secs.clamp(0.0, 1e9))))
}
