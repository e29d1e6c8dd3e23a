//! The host for `jfc run`: local commands, flows from sibling `.jf` files,
//! the console on stdout and reports on stderr.

use std::cell::{Cell, RefCell};
use std::io::Write;
use std::path::{Component, Path, PathBuf};
use std::rc::Rc;

use crossbeam_channel::Sender;
use jfc_compiler::bytecode::Chunk;
use jfc_vm::host::{Completion, Host, LazyOp, Request, Ticket};
use jfc_vm::value::{Args, JobflowRef, LazyArray, ObjectRef, Value};

use crate::objects;
use crate::store::objects::ROOT;
use crate::store::Store;

use crate::exec::{ExecOptions, Workers};
use crate::record::RecordWriter;

pub struct LocalHost {
    workers: Workers,
    /// The object store, when the run has one: absolute object paths reach it.
    store: Option<RefCell<Store>>,
    /// The store's change token when last looked at (sends by other OS processes change it).
    seen: Cell<i64>,
    /// The run's process record in the store, when it has one.
    record: RefCell<Option<Record>>,
    /// `$ENV`, read from the store at its first use.
    env: std::cell::OnceCell<Value>,
    /// Password values the store has written or read: masked in `report` (store::secret).
    revealed: crate::store::secret::Revealed,
}

/// The process record of this run, and its writer.
struct Record {
    pid: i64,
    writer: RecordWriter,
}

/// The VM pid of a run's main process (the first it spawns): the one the record is of.
const MAIN_PID: u64 = 1;

impl LocalHost {
    /// A host running local commands as `exec` says.
    pub fn new(exec: ExecOptions) -> LocalHost {
        LocalHost {
            workers: Workers::new(exec),
            store: None,
            seen: Cell::new(0),
            record: RefCell::new(None),
            env: std::cell::OnceCell::new(),
            revealed: Default::default(),
        }
    }

    /// The same, with an object store.
    pub fn with_store(exec: ExecOptions, store: Store) -> LocalHost {
        let seen = store.change_token().unwrap_or(0);
        let revealed = store.revealed();
        LocalHost {
            workers: Workers::new(exec),
            store: Some(RefCell::new(store)),
            seen: Cell::new(seen),
            record: RefCell::new(None),
            env: std::cell::OnceCell::new(),
            revealed,
        }
    }

    /// Open the run's process record (platform.md §2.2) for `job`; its pid.
    pub fn start_record(&self, job: &str) -> Result<i64, String> {
        let Some(store) = &self.store else {
            return Err("this run has no object store".into());
        };
        let mut store = store.borrow_mut();
        let pid = store.process_start(job, "root").map_err(|e| e.0)?;
        let writer = RecordWriter::start(&store, pid)?;
        *self.record.borrow_mut() = Some(Record { pid, writer });
        Ok(pid)
    }

    /// Close the run's process record with how the main process ended.
    pub fn finish_record(&self, info: &jfc_vm::value::ProcessInfo) {
        let (Some(store), Some(rec)) = (&self.store, self.record.borrow_mut().take()) else {
            return;
        };
        rec.writer.close();
        let status = match info.state {
            jfc_vm::value::ProcessState::Done => "DONE",
            _ => "ABORTED",
        };
        let done = store.borrow_mut().process_finish(
            rec.pid,
            status,
            &info.exit_status,
            &self.masked(&info.result),
            &self.masked(&info.error),
        );
        if let Err(e) = done {
            eprintln!("jfc: cannot record the end of process {}: {e}", rec.pid);
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

    /// Run `f` on the store for `obj`. When it fails and the store no longer has `obj`,
    /// the error says so by path: an Object value outlives the object when another job
    /// or process deletes it.
    fn on_object<T>(
        &self,
        obj: &ObjectRef,
        f: impl FnOnce(&mut Store) -> Result<T, String>,
    ) -> Result<T, String> {
        let mut store = self.store(obj)?;
        f(&mut store).map_err(|e| {
            let gone =
                !crate::process_list::is_virtual(obj) && !store.exists(obj.id).unwrap_or(true);
            if gone {
                format!("{}: the object no longer exists (it was deleted)", obj.path)
            } else {
                e
            }
        })
    }

    fn store(&self, obj: &ObjectRef) -> Result<std::cell::RefMut<'_, Store>, String> {
        match &self.store {
            Some(s) => s
                .try_borrow_mut()
                .map_err(|_| format!("{}: the store is busy", obj.path)),
            None => Err(format!("{}: this run has no object store", obj.path)),
        }
    }
}

impl Host for LocalHost {
    fn start(&self, ticket: Ticket, request: Request, done: Sender<(Ticket, Completion)>) {
        match request {
            Request::Command(c) => self.workers.submit(ticket, c, done),
        }
    }

    fn resolve_path(&self, dir: &str, path: &str) -> Result<Value, String> {
        let store_dir = dir.strip_prefix(STORE_DIR);
        if path.starts_with('/') || store_dir.is_some() {
            let Some(store) = &self.store else {
                return Err(format!("object path {path}: this run has no object store"));
            };
            return objects::resolve(&store.borrow(), store_dir.unwrap_or("/"), path);
        }
        let joined = normalize(&Path::new(dir).join(path));
        let file = joined.with_extension("jf");
        if file.is_file() {
            return Ok(Value::Jobflow(Rc::new(JobflowRef { path: file })));
        }
        Err(format!(
            "no object at {path}: there is no jobflow file {}",
            file.display()
        ))
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

    fn console(&self, _pid: u64, line: &str) {
        let mut out = std::io::stdout().lock();
        let _ = writeln!(out, "{line}");
        let _ = out.flush();
        if let Some(rec) = self.record.borrow().as_ref() {
            rec.writer
                .console(format!("{}\n", self.revealed.mask(line)));
        }
    }

    fn process_waiting(&self, pid: u64, waiting: bool) {
        if pid != MAIN_PID {
            return;
        }
        if let Some(rec) = self.record.borrow().as_ref() {
            rec.writer
                .status(if waiting { "WAITING" } else { "RUNNING" });
        }
    }

    /// Trace lines, command echoes and error reports, with Password values masked.
    fn report(&self, text: &str) {
        eprintln!("{}", self.revealed.mask(text));
    }

    fn object_attr(&self, obj: &ObjectRef, name: &str) -> Result<Value, String> {
        self.on_object(obj, |s| objects::attr(s, obj, name))
    }

    fn object_index(&self, obj: &ObjectRef, key: &Value) -> Result<Value, String> {
        self.on_object(obj, |s| objects::index(s, obj, key))
    }

    fn object_set(&self, obj: &ObjectRef, name: &str, value: Value) -> Result<(), String> {
        self.on_object(obj, |s| objects::set(s, obj, name, value))
    }

    fn object_call(&self, obj: &ObjectRef, method: &str, args: Args) -> Result<Value, String> {
        self.on_object(obj, |s| objects::call(s, obj, method, args))
    }

    fn object_children(&self, obj: &ObjectRef) -> Result<Vec<Value>, String> {
        self.on_object(obj, |s| objects::children(s, obj))
    }

    fn environment(&self) -> Value {
        let env = self.env.get_or_init(|| {
            let loaded = self
                .store
                .as_ref()
                .map(|s| s.borrow().environment_value("root"));
            match loaded {
                Some(Ok(v)) => v,
                Some(Err(e)) => {
                    eprintln!("jfc: $ENV is empty: {e}");
                    Value::dict(Default::default())
                }
                None => Value::dict(Default::default()),
            }
        });
        env.deep_copy()
    }

    fn lazy(&self, la: &LazyArray, op: LazyOp) -> Result<Value, String> {
        let Some(store) = &self.store else {
            return Err(format!("{}: this run has no object store", la.label));
        };
        let mut store = store
            .try_borrow_mut()
            .map_err(|_| format!("{}: the store is busy", la.label))?;
        objects::lazy(&mut store, la, op)
    }

    fn object_jobflow_stamp(&self, obj: &ObjectRef) -> Result<(String, String), String> {
        self.on_object(obj, |store| {
            let o = store.get(obj.id).map_err(|e| e.0)?;
            let dir = store.abspath(o.parent.unwrap_or(ROOT)).map_err(|e| e.0)?;
            // A move changes the path messages name the flow by: a new stamp too.
            Ok((format!("{} {dir}", o.updated), store_dir(&dir)))
        })
    }

    fn object_jobflow(&self, obj: &ObjectRef) -> Result<Chunk, String> {
        let store = self.store(obj)?;
        store.jobflow_chunk(obj.id).map_err(|e| e.0)
    }

    fn channel_receive(
        &self,
        obj: &ObjectRef,
        accept: &mut dyn FnMut(&Value) -> bool,
        scan: bool,
        peek: bool,
    ) -> Result<Option<Value>, String> {
        let mut store = self.store(obj)?;
        let mut guard = |v: &Value| Ok(accept(v));
        let got = store
            .receive(obj.id, &mut guard, scan, peek)
            .map_err(|e| e.0)?;
        Ok(got.map(|(id, m)| {
            if peek {
                Value::array(vec![Value::Int(id), m])
            } else {
                m
            }
        }))
    }

    fn channel_waiting(&self, channel: &ObjectRef, pid: u64, on: bool) {
        let Ok(mut store) = self.store(channel) else {
            return;
        };
        // Only `event_count` reads this: a failure costs an exact count, not a message.
        if let Err(e) = store.set_waiting(channel.id, pid, on) {
            eprintln!(
                "jfc: {}: cannot record a waiting receiver: {e}",
                channel.path
            );
        }
    }

    fn take_flow_place(&self, flow: &ObjectRef, limit: i64) -> Result<bool, String> {
        let mut store = self.store(flow)?;
        store.take_flow_place(flow.id, limit).map_err(|e| e.0)
    }

    fn give_flow_place(&self, flow: i64) {
        let Some(store) = &self.store else {
            return;
        };
        let given = match store.try_borrow_mut() {
            Ok(mut s) => s.give_flow_place(flow).map_err(|e| e.0),
            Err(_) => Err("the store is busy".into()),
        };
        // The place stays taken until this OS process ends; takes then skip it.
        if let Err(e) = given {
            eprintln!("jfc: cannot give back a place of the multiplicity of flow {flow}: {e}");
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
