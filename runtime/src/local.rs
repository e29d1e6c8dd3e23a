//! The host for `jfc run`: local commands, flows from sibling `.jf` files,
//! the console on stdout and reports on stderr.

use std::cell::{Cell, RefCell};
use std::io::Write;
use std::path::{Component, Path, PathBuf};
use std::rc::Rc;

use crossbeam_channel::Sender;
use jfc_compiler::bytecode::Chunk;
use jfc_vm::host::{
    Completion, Host, HostError, LazyOp, Request, StoreAnswer, StoreRequest, StoreResult, Ticket,
};
use jfc_vm::value::{Args, JobflowRef, LazyArray, ObjectRef, Value};

use crate::objects;
use jfc_store::objects::ROOT;
use jfc_store::Store;

use crate::exec::{ExecOptions, Workers};
use crate::record::{Ending, RecordWriter};

pub struct LocalHost {
    /// Shared with the record's writer: in checkpoint mode it starts each command once
    /// the checkpoint before it is kept.
    workers: std::sync::Arc<Workers>,
    /// Checkpoint mode (platform.md §2.7): the VM hands its state over at every job.
    checkpointing: bool,
    /// Checkpoint mode: messages received so far, each held until a checkpoint has it.
    holds: Cell<i64>,
    /// The object store, when the run has one: absolute object paths reach it.
    store: Option<RefCell<Store>>,
    /// The store's change token when last looked at (sends by other OS processes change it).
    seen: Cell<i64>,
    /// The run's process record in the store, when it has one.
    record: RefCell<Option<Record>>,
    /// `$ENV`, read from the store at its first use.
    env: RefCell<Option<Value>>,
    /// Password values the store has written or read: masked in `report` (store::secret).
    revealed: jfc_store::secret::Revealed,
    /// Reports are dropped: the caller words the error itself (a `-p` value).
    quiet: bool,
    /// A run of the daemon: its console goes to its record only, its reports to the
    /// log (no terminal reads them).
    detached: bool,
}

/// The process record of this run, and its writer.
struct Record {
    pid: i64,
    writer: RecordWriter,
    /// The flow the run started, recorded as the job of its child processes too.
    job: String,
    /// Whether the VM has numbered the main process with this record yet.
    claimed: bool,
    /// The records of child processes not yet closed.
    children: std::collections::HashSet<u64>,
}

/// A process, task, schedule or other object that is not a row of the store (`[t]` with
/// `t` from `/task.add`) is neither a Jobflow nor a ScriptJob: an execution job cannot
/// run it.
fn not_runnable(obj: &ObjectRef) -> StoreResult<()> {
    if crate::process_list::is_virtual(obj) {
        return Err(HostError::Failed(format!(
            "{} is not a Jobflow or a ScriptJob: an execution job runs a command (a String), a Jobflow or a ScriptJob (to keep a value, assign it: [x = ...])",
            obj.path
        )));
    }
    Ok(())
}

impl LocalHost {
    /// A host running local commands as `exec` says.
    pub fn new(exec: ExecOptions) -> LocalHost {
        LocalHost {
            workers: std::sync::Arc::new(Workers::new(exec)),
            checkpointing: false,
            holds: Cell::new(0),
            store: None,
            seen: Cell::new(0),
            record: RefCell::new(None),
            env: RefCell::new(None),
            revealed: Default::default(),
            quiet: false,
            detached: false,
        }
    }

    /// The same, with an object store. Its connection never waits on a lock: a write
    /// while another OS process writes answers `HostError::Busy` at once, and the VM
    /// runs its other processes meanwhile (CLI commands keep waiting).
    pub fn with_store(exec: ExecOptions, store: Store) -> LocalHost {
        let seen = store.change_token().unwrap_or(0);
        let revealed = store.revealed();
        if let Err(e) = store.set_busy_timeout(std::time::Duration::ZERO) {
            tracing::warn!("the store's writes may wait on other processes: {e}");
        }
        LocalHost {
            workers: std::sync::Arc::new(Workers::new(exec)),
            checkpointing: false,
            holds: Cell::new(0),
            store: Some(RefCell::new(store)),
            seen: Cell::new(seen),
            record: RefCell::new(None),
            env: RefCell::new(None),
            revealed,
            quiet: false,
            detached: false,
        }
    }

    /// Its connection to the store, for a host built on it (`jfc test` sends the
    /// messages and answers the tasks a test arranged through it); None without a store
    /// or while the VM's own request holds it.
    pub fn store_connection(&self) -> Option<std::cell::RefMut<'_, Store>> {
        self.store.as_ref()?.try_borrow_mut().ok()
    }

    /// The same host, keeping the checkpoints of a run in checkpoint mode in its record.
    pub fn checkpointing(mut self) -> LocalHost {
        self.checkpointing = true;
        self.send_through_outbox();
        self
    }

    /// Checkpoint mode, once the run has its record: its sends wait for a checkpoint.
    fn send_through_outbox(&self) {
        let run = self.record.borrow().as_ref().map(|r| r.pid);
        if let (true, Some(run), Some(store)) = (self.checkpointing, run, &self.store) {
            store.borrow_mut().send_for_run(run);
        }
    }

    /// Take up the record `pid` of a run resumed from `checkpoint` (its snapshot
    /// `snap`, with the processes of `retry` run again): this OS process runs it now,
    /// its console goes back to where the checkpoint was taken, and the records of
    /// processes started after it go.
    pub fn resume_record(
        &self,
        pid: i64,
        checkpoint: &jfc_store::checkpoints::Checkpoint,
        snap: &jfc_vm::Snapshot,
        retry: &[u64],
    ) -> Result<(), String> {
        let Some(store) = &self.store else {
            return Err("this run has no object store".into());
        };
        let children: std::collections::HashSet<u64> = snap
            .live_pids()
            .into_iter()
            .chain(retry.iter().copied())
            .filter(|p| *p != pid as u64)
            .collect();
        {
            // Before the run goes on, this one may wait for other OS processes' writes.
            let mut store = store.borrow_mut();
            let wait = |s: &Store, d| s.set_busy_timeout(d).map_err(|e| e.0);
            wait(&store, std::time::Duration::from_secs(30))?;
            let live: Vec<i64> = children.iter().map(|&p| p as i64).collect();
            let known: Vec<i64> = snap.known_pids().into_iter().map(|p| p as i64).collect();
            let resumed = store.process_resume(pid, checkpoint.console_pos, &live, &known);
            wait(&store, std::time::Duration::ZERO)?;
            resumed.map_err(|e| e.0)?;
        }
        let writer = RecordWriter::reopen(&store.borrow(), pid, checkpoint.console_pos)?;
        // Messages sent while no jfc ran the run changed the store before this host
        // looked: its processes waiting on channels look again at once.
        self.seen.set(i64::MIN);
        *self.record.borrow_mut() = Some(Record {
            pid,
            writer,
            job: store.borrow().process(pid).map_err(|e| e.0)?.job,
            claimed: true,
            children,
        });
        self.send_through_outbox();
        Ok(())
    }

    /// The same host, writing no reports.
    pub fn quiet(mut self) -> LocalHost {
        self.quiet = true;
        self
    }

    /// The same host for a run of the daemon: the console only in the record, reports
    /// in the log.
    pub fn detached(mut self) -> LocalHost {
        self.detached = true;
        self
    }

    /// Open the run's process record (platform.md §2.2) for `job`; its pid. The
    /// record's writer opens it, waiting for other OS processes' writes if need be.
    pub fn start_record(&self, job: &str) -> Result<i64, String> {
        let Some(store) = &self.store else {
            return Err("this run has no object store".into());
        };
        let (pid, writer) = RecordWriter::open(&store.borrow(), job)?;
        self.keep_record(pid, writer, job);
        Ok(pid)
    }

    /// Write the record `pid` the daemon recorded NEW and took to run (store::starts)
    /// as this run's record.
    pub fn adopt_record(&self, pid: i64, job: &str) -> Result<(), String> {
        let Some(store) = &self.store else {
            return Err("this run has no object store".into());
        };
        let writer = RecordWriter::reopen(&store.borrow(), pid, 0)?;
        self.keep_record(pid, writer, job);
        Ok(())
    }

    fn keep_record(&self, pid: i64, writer: RecordWriter, job: &str) {
        *self.record.borrow_mut() = Some(Record {
            pid,
            writer,
            job: job.to_string(),
            claimed: false,
            children: Default::default(),
        });
    }

    /// Close the run's process record with how the main process ended.
    pub fn finish_record(&self, info: &jfc_vm::value::ProcessInfo) {
        if let Some(rec) = self.record.borrow_mut().take() {
            rec.writer.end(self.ending(rec.pid, info));
            rec.writer.close();
        }
    }

    /// How process `pid` ended (`info`), for its record.
    fn ending(&self, pid: i64, info: &jfc_vm::value::ProcessInfo) -> Ending {
        let status = match info.state {
            jfc_vm::value::ProcessState::Done => "DONE",
            _ => "ABORTED",
        };
        tracing::debug!("process {pid} ends {status}");
        Ending::new(
            pid,
            status,
            &info.exit_status,
            &self.masked(&info.result),
            &self.masked(&info.error),
        )
    }

    /// A record for a child process of `parent` (fork/pfor): its pid.
    fn start_child_record(&self, parent: u64) -> StoreResult<Option<u64>> {
        let Some(store) = self.store.as_ref() else {
            return Ok(None);
        };
        let mut rec = self.record.borrow_mut();
        let Some(rec) = rec.as_mut() else {
            return Ok(None);
        };
        let started = store
            .try_borrow_mut()
            .map_err(|_| "the store is in use".to_string())
            .and_then(|mut s| {
                s.process_start_child(&rec.job, "root", parent as i64)
                    .map_err(|e| e.0)
            });
        match answer(started) {
            Ok(pid) => {
                tracing::debug!("process {pid} starts, a child of process {parent}");
                rec.children.insert(pid as u64);
                Ok(Some(pid as u64))
            }
            Err(HostError::Busy) => Err(HostError::Busy),
            Err(e) => {
                // The child runs all the same, numbered by the VM.
                tracing::warn!("cannot record a child process of process {parent}: {e}");
                Ok(None)
            }
        }
    }

    /// A String with the Password values it holds masked: the process record keeps no
    /// plaintext password at rest (nor does its console, below).
    fn masked(&self, v: &Value) -> Value {
        match v {
            Value::Str(s) => Value::str(&self.revealed.mask(s)),
            other => other.clone(),
        }
    }

    /// Run `f` on the store for `obj`, as one transaction (a busy store did nothing).
    /// When it fails and the store no longer has `obj`, the error says so by path: an
    /// Object value outlives the object when another job or process deletes it.
    fn on_object<T>(
        &self,
        obj: &ObjectRef,
        f: impl FnOnce(&mut Store) -> Result<T, String>,
    ) -> StoreResult<T> {
        let mut store = self.store_for(obj)?;
        answer(store.atomic(f)).map_err(|e| {
            let gone = e != HostError::Busy
                && !crate::process_list::is_virtual(obj)
                && !store.exists(obj.id).unwrap_or(true);
            if gone {
                HostError::Failed(format!(
                    "{}: the object no longer exists (it was deleted)",
                    obj.path
                ))
            } else {
                e
            }
        })
    }

    /// The store, for a request about `obj`.
    fn store_for(&self, obj: &ObjectRef) -> Result<std::cell::RefMut<'_, Store>, String> {
        match &self.store {
            Some(s) => s
                .try_borrow_mut()
                .map_err(|_| format!("{}: the store is in use", obj.path)),
            None => Err(format!("{}: this run has no object store", obj.path)),
        }
    }
}

impl Host for LocalHost {
    fn start(&self, ticket: Ticket, request: Request, done: Sender<(Ticket, Completion)>) {
        match self.record.borrow().as_ref().filter(|_| self.checkpointing) {
            // After the checkpoint the VM handed over before asking.
            Some(rec) => {
                let workers = self.workers.clone();
                rec.writer
                    .then(Box::new(move || workers.submit(ticket, request, done)));
            }
            None => self.workers.submit(ticket, request, done),
        }
    }

    fn cancel(&self, pid: u64) {
        self.workers.cancel(pid);
    }

    fn checkpoint(&self, snapshot: jfc_vm::Snapshot) {
        if let Some(rec) = self.record.borrow().as_ref() {
            // What `jfc ps` shows of it, with no password in the clear.
            let lines = |jobs: Vec<jfc_vm::snapshot::JobAt>| {
                let each: Vec<String> = jobs
                    .iter()
                    .map(|j| self.revealed.mask(&j.to_string()).into_owned())
                    .collect();
                each.join("\n")
            };
            let about = jfc_store::checkpoints::CheckpointAbout {
                in_doubt: lines(snapshot.jobs_in_doubt()),
                retry: lines(snapshot.jobs_to_retry()),
                written: String::new(),
                holds_upto: self.holds.get(),
                sends_upto: self.store.as_ref().map_or(0, |s| {
                    s.try_borrow()
                        .ok()
                        .and_then(|s| s.last_unsent(rec.pid).ok())
                        .unwrap_or(0)
                }),
            };
            rec.writer.checkpoint(snapshot, about);
        }
    }

    fn store(&self, request: StoreRequest<'_>) -> StoreResult<StoreAnswer> {
        use StoreAnswer as A;
        use StoreRequest as R;
        Ok(match request {
            R::Resolve { dir, path } => A::Value(self.resolve_path(dir, path)?),
            R::Attr(obj, name) => A::Value(self.object_attr(obj, name)?),
            R::Index(obj, key) => A::Value(self.object_index(obj, key)?),
            R::Set(obj, name, value) => {
                self.object_set(obj, name, value)?;
                A::Done
            }
            R::Call(obj, method, args) => A::Value(self.object_call(obj, method, args)?),
            R::Children(obj) => A::Values(self.object_children(obj)?),
            R::JobflowStamp(obj) => {
                let (stamp, dir) = self.object_jobflow_stamp(obj)?;
                A::Stamp { dir, stamp }
            }
            R::Jobflow(obj) => A::Chunk(Box::new(self.object_jobflow(obj)?)),
            R::Receive { channel, peek, .. } if crate::task_list::is_task(channel) => {
                self.task_receive(channel, peek)?
            }
            R::Receive {
                channel,
                accept,
                scan,
                peek,
            } => A::Message(self.channel_receive(channel, accept, scan, peek)?),
            R::Environment => A::Value(self.environment()?),
            R::Lazy(la, op) => A::Value(self.lazy(la, op)?),
            R::Waiting { channel, pid, on } => {
                self.channel_waiting(channel, pid, on)?;
                A::Done
            }
            R::TakePlace { flow, limit } => A::Taken(self.take_flow_place(flow, limit)?),
            R::GivePlace(flow) => {
                self.give_flow_place(flow)?;
                A::Done
            }
        })
    }

    fn load_jobflow(&self, path: &Path) -> Result<Chunk, String> {
        let name = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|e| format!("cannot read {name}: {e}"))?;
        match jfc_compiler::compile(&text, &name) {
            Ok((chunk, _)) => Ok(chunk),
            Err(diagnostics) => {
                let first = diagnostics
                    .iter()
                    .find(|d| d.is_error())
                    .map_or(String::new(), |d| {
                        let index = jfc_compiler::span::LineIndex::new(&text);
                        let (line, col) = index.line_col(&text, d.span.start as usize);
                        format!(": {name}:{line}:{col}: {}", d.message)
                    });
                Err(format!("the jobflow {name} does not compile{first}"))
            }
        }
    }

    fn session_send(&self, id: u64, data: Vec<u8>) -> Result<(), String> {
        self.workers.sessions().send(id, data)
    }

    fn session_close(&self, id: u64) {
        self.workers.sessions().close(id);
    }

    fn console(&self, _pid: u64, line: &str) {
        if !self.detached {
            let mut out = std::io::stdout().lock();
            let _ = writeln!(out, "{line}");
            let _ = out.flush();
        }
        if let Some(rec) = self.record.borrow().as_ref() {
            rec.writer
                .console(format!("{}\n", self.revealed.mask(line)));
        }
    }

    fn process_waiting(&self, pid: u64, waiting: bool) {
        // The main process's pid is its record's id (process_started).
        if let Some(rec) = self
            .record
            .borrow()
            .as_ref()
            .filter(|r| r.pid as u64 == pid)
        {
            rec.writer
                .status(if waiting { "WAITING" } else { "RUNNING" });
        }
    }

    /// Trace lines, command echoes and error reports, with Password values masked.
    fn report(&self, text: &str) {
        if self.quiet {
            return;
        }
        if self.detached {
            let run = self.record.borrow().as_ref().map_or(0, |r| r.pid);
            return tracing::info!("process {run}: {}", self.revealed.mask(text));
        }
        eprintln!("{}", self.revealed.mask(text));
    }

    fn lazy_save(&self, la: &LazyArray) -> Result<serde_json::Value, String> {
        la.query
            .downcast_ref::<jfc_store::query::Query>()
            .map(jfc_store::query::Query::to_data)
            .ok_or_else(|| format!("{} is not a query of this store", la.label))
    }

    fn lazy_load(&self, data: &serde_json::Value) -> Result<Rc<dyn std::any::Any>, String> {
        Ok(Rc::new(jfc_store::query::Query::from_data(data)?))
    }

    /// The main process is numbered by the run's record, each child by a record of its
    /// own: one numbering for flows, error reports and `jfc ps`.
    fn process_started(&self, parent: Option<u64>) -> StoreResult<Option<u64>> {
        match parent {
            None => {
                let mut rec = self.record.borrow_mut();
                let Some(rec) = rec.as_mut().filter(|r| !r.claimed) else {
                    return Ok(None);
                };
                rec.claimed = true;
                Ok(Some(rec.pid as u64))
            }
            Some(parent) => self.start_child_record(parent),
        }
    }

    /// A child's record is closed when it ends; the main one by `finish_record`, after
    /// the last console line.
    fn process_ended(&self, info: &jfc_vm::value::ProcessInfo) {
        let child = self
            .record
            .borrow_mut()
            .as_mut()
            .is_some_and(|r| r.children.remove(&info.pid));
        if !child {
            return;
        }
        // At once, so that the flow reads the end it just saw; while another OS process
        // writes, by the record's writer, which may wait.
        let ending = self.ending(info.pid as i64, info);
        let now = match self.store.as_ref().map(RefCell::try_borrow_mut) {
            Some(Ok(mut store)) => ending.write(&mut store).map_err(|e| e.0),
            _ => Err("the store is in use".into()),
        };
        match now {
            Ok(()) => {}
            Err(e) if jfc_store::is_busy(&e) => {
                if let Some(rec) = self.record.borrow().as_ref() {
                    rec.writer.end(ending);
                }
            }
            Err(e) => tracing::warn!("cannot record the end of process {}: {e}", info.pid),
        }
    }

    fn store_changed(&self) -> bool {
        let Some(store) = &self.store else {
            return false;
        };
        let Ok(store) = store.try_borrow() else {
            return false;
        };
        let now = store.change_token().unwrap_or(0);
        now != self.seen.replace(now)
    }
}

/// The store requests of the VM, one method each.
impl LocalHost {
    fn resolve_path(&self, dir: &str, path: &str) -> StoreResult<Value> {
        let store_dir = dir.strip_prefix(STORE_DIR);
        if path.starts_with('/') || store_dir.is_some() {
            let Some(store) = &self.store else {
                return Err(format!("object path {path}: this run has no object store").into());
            };
            return answer(objects::resolve(
                &store.borrow(),
                store_dir.unwrap_or("/"),
                path,
            ));
        }
        let joined = normalize(&Path::new(dir).join(path));
        let file = joined.with_extension("jf");
        if file.is_file() {
            return Ok(Value::Jobflow(Rc::new(JobflowRef { path: file })));
        }
        // A script file beside the flow: `./backup` is `backup.sh`, `backup.py`... (or
        // `backup` itself), run as a script job.
        match jfc_compiler::check::script_files(&joined).as_slice() {
            [script] => Ok(Value::Jobflow(Rc::new(JobflowRef {
                path: script.clone(),
            }))),
            [] => Err(format!(
                "no object at {path}: there is no jobflow file {} nor a script file {}.*",
                file.display(),
                joined.display()
            )
            .into()),
            many => Err(format!(
                "{path} could be any of the script files {}: rename all but one",
                many.iter()
                    .map(|f| f.display().to_string())
                    .collect::<Vec<_>>()
                    .join(", ")
            )
            .into()),
        }
    }

    fn object_attr(&self, obj: &ObjectRef, name: &str) -> StoreResult<Value> {
        self.on_object(obj, |s| objects::attr(s, obj, name))
    }

    fn object_index(&self, obj: &ObjectRef, key: &Value) -> StoreResult<Value> {
        self.on_object(obj, |s| objects::index(s, obj, key))
    }

    fn object_set(&self, obj: &ObjectRef, name: &str, value: Value) -> StoreResult<()> {
        self.on_object(obj, |s| objects::set(s, obj, name, value))
    }

    fn object_call(&self, obj: &ObjectRef, method: &str, args: Args) -> StoreResult<Value> {
        let run = self.record.borrow().as_ref().map(|r| r.pid);
        self.on_object(obj, |s| objects::call(s, obj, method, args, run))
    }

    fn object_children(&self, obj: &ObjectRef) -> StoreResult<Vec<Value>> {
        self.on_object(obj, |s| objects::children(s, obj))
    }

    fn environment(&self) -> StoreResult<Value> {
        if let Some(env) = self.env.borrow().as_ref() {
            return Ok(env.deep_copy());
        }
        let loaded = self
            .store
            .as_ref()
            .map(|s| answer(s.borrow().environment_value("root").map_err(|e| e.0)));
        let env = match loaded {
            Some(Ok(v)) => v,
            Some(Err(HostError::Busy)) => return Err(HostError::Busy),
            Some(Err(e)) => {
                tracing::warn!("$ENV is empty: {e}");
                Value::dict(Default::default())
            }
            None => Value::dict(Default::default()),
        };
        *self.env.borrow_mut() = Some(env.deep_copy());
        Ok(env)
    }

    fn lazy(&self, la: &LazyArray, op: LazyOp) -> StoreResult<Value> {
        let Some(store) = &self.store else {
            return Err(format!("{}: this run has no object store", la.label).into());
        };
        let mut store = store
            .try_borrow_mut()
            .map_err(|_| format!("{}: the store is in use", la.label))?;
        answer(store.atomic(|s| objects::lazy(s, la, op)))
    }

    fn object_jobflow_stamp(&self, obj: &ObjectRef) -> StoreResult<(String, String)> {
        not_runnable(obj)?;
        self.on_object(obj, |store| {
            let o = store.get(obj.id).map_err(|e| e.0)?;
            let dir = store.abspath(o.parent.unwrap_or(ROOT)).map_err(|e| e.0)?;
            // A move changes the path messages name the flow by: a new stamp too.
            Ok((format!("{} {dir}", o.updated), store_dir(&dir)))
        })
    }

    fn object_jobflow(&self, obj: &ObjectRef) -> StoreResult<Chunk> {
        not_runnable(obj)?;
        self.on_object(obj, |s| s.jobflow_chunk(obj.id).map_err(|e| e.0))
    }

    fn channel_receive(
        &self,
        obj: &ObjectRef,
        accept: &mut dyn FnMut(&Value) -> bool,
        scan: bool,
        peek: bool,
    ) -> StoreResult<Option<Value>> {
        let mut store = self.store_for(obj)?;
        let mut guard = |v: &Value| Ok(accept(v));
        // Checkpoint mode: held until the checkpoint after it, not lost to a crash before.
        let run = self.record.borrow().as_ref().map(|r| r.pid);
        let held = run.filter(|_| self.checkpointing && !peek);
        // Atomic as it is: each take is one `BEGIN IMMEDIATE` transaction (store::channels).
        let got = match held {
            Some(run) => {
                let hold_no = self.holds.get() + 1;
                let got = store.receive_held(obj.id, &mut guard, scan, run, hold_no);
                if matches!(got, Ok(Some(_))) {
                    self.holds.set(hold_no);
                }
                got
            }
            None => store.receive(obj.id, &mut guard, scan, peek),
        };
        let got = answer(got.map_err(|e| e.0))?;
        Ok(got.map(|(id, m)| {
            if peek {
                Value::array(vec![Value::Int(id), m])
            } else {
                m
            }
        }))
    }

    /// An event job on a task: its result once submitted, a failure once canceled.
    fn task_receive(&self, task: &ObjectRef, peek: bool) -> StoreResult<StoreAnswer> {
        use crate::task_list::{receive, Answer, CANCELED};
        let store = self.store_for(task)?;
        Ok(match receive(&store, task, peek)? {
            Answer::Got(v) => StoreAnswer::Message(Some(v)),
            Answer::Canceled => StoreAnswer::Closed(CANCELED.into()),
            Answer::Nothing => StoreAnswer::Message(None),
        })
    }

    fn channel_waiting(&self, channel: &ObjectRef, pid: u64, on: bool) -> StoreResult<()> {
        if crate::task_list::is_task(channel) {
            // Nothing to count: a task has no event_count.
            return Ok(());
        }
        let Ok(mut store) = self.store_for(channel) else {
            return Ok(());
        };
        // Only `event_count` reads this: a failure costs an exact count, not a message.
        match answer(store.set_waiting(channel.id, pid, on).map_err(|e| e.0)) {
            Err(HostError::Busy) => Err(HostError::Busy),
            Err(e) => {
                tracing::warn!("{}: cannot record a waiting receiver: {e}", channel.path);
                Ok(())
            }
            Ok(()) => Ok(()),
        }
    }

    fn take_flow_place(&self, flow: &ObjectRef, limit: i64) -> StoreResult<bool> {
        let mut store = self.store_for(flow)?;
        answer(store.take_flow_place(flow.id, limit).map_err(|e| e.0))
    }

    fn give_flow_place(&self, flow: i64) -> StoreResult<()> {
        let Some(store) = &self.store else {
            return Ok(());
        };
        let given = match store.try_borrow_mut() {
            Ok(mut s) => answer(s.give_flow_place(flow).map_err(|e| e.0)),
            Err(_) => Err("the store is in use".to_string().into()),
        };
        match given {
            Err(HostError::Busy) => Err(HostError::Busy),
            // The place stays taken until this OS process ends; takes then skip it.
            Err(e) => {
                tracing::warn!("cannot give back a place of the multiplicity of flow {flow}: {e}");
                Ok(())
            }
            Ok(()) => Ok(()),
        }
    }
}

/// A store answer for the VM: SQLite's "locked" (another OS process is writing) is
/// `Busy`, to ask again later; anything else is an error for the flow.
fn answer<T>(got: Result<T, String>) -> StoreResult<T> {
    got.map_err(|e| {
        if jfc_store::is_busy(&e) {
            HostError::Busy
        } else {
            HostError::Failed(e)
        }
    })
}

/// How a flow's directory is written when it is a directory of the store rather than of
/// the file system: relative paths in such a flow are object paths.
const STORE_DIR: &str = "store:";

/// The flow directory of a flow stored in the store directory `abspath`.
pub fn store_dir(abspath: &str) -> String {
    format!("{STORE_DIR}{abspath}")
}

/// Collapse `.` and `x/..` the way POSIX `normpath` does (language.md §1.6).
pub fn normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in path.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                if !out.pop() {
                    out.push("..");
                }
            }
            other => out.push(other.as_os_str()),
        }
    }
    out
}
