//! The host for `jfc run`: local commands, flows from sibling `.jf` files,
//! the console on stdout and reports on stderr.

use std::cell::{Cell, RefCell};
use std::io::Write;
use std::path::{Component, Path, PathBuf};
use std::rc::Rc;

use crossbeam_channel::Sender;
use jfc_compiler::bytecode::Chunk;
use jfc_vm::host::{Completion, Host, Request, Ticket};
use jfc_vm::value::{Args, JobflowRef, ObjectRef, Value};

use crate::objects;
use crate::store::objects::ROOT;
use crate::store::Store;

use crate::exec::Workers;

pub struct LocalHost {
    workers: Workers,
    /// The object store, when the run has one: absolute object paths reach it.
    store: Option<RefCell<Store>>,
    /// The store's change token when last looked at (sends by other OS processes change it).
    seen: Cell<i64>,
    /// Flows run as store objects: relative paths are object paths, not sibling files.
    flows_in_store: bool,
}

impl LocalHost {
    /// A host whose command pool grows up to `max_workers` threads.
    pub fn new(max_workers: usize) -> LocalHost {
        LocalHost {
            workers: Workers::new(max_workers),
            store: None,
            seen: Cell::new(0),
            flows_in_store: false,
        }
    }

    /// The same, with an object store.
    pub fn with_store(max_workers: usize, store: Store) -> LocalHost {
        let seen = store.change_token().unwrap_or(0);
        LocalHost {
            workers: Workers::new(max_workers),
            store: Some(RefCell::new(store)),
            seen: Cell::new(seen),
            flows_in_store: false,
        }
    }

    /// With an object store whose flows run as objects (a project imported from files).
    pub fn with_store_flows(max_workers: usize, store: Store) -> LocalHost {
        LocalHost {
            flows_in_store: true,
            ..LocalHost::with_store(max_workers, store)
        }
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
        if path.starts_with('/') || self.flows_in_store {
            let Some(store) = &self.store else {
                return Err(format!("object path {path}: this run has no object store"));
            };
            let dir = if self.flows_in_store { dir } else { "/" };
            return objects::resolve(&store.borrow(), dir, path);
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
    }

    fn report(&self, text: &str) {
        eprintln!("{text}");
    }

    fn object_attr(&self, obj: &ObjectRef, name: &str) -> Result<Value, String> {
        objects::attr(&*self.store(obj)?, obj, name)
    }

    fn object_index(&self, obj: &ObjectRef, key: &Value) -> Result<Value, String> {
        objects::index(&*self.store(obj)?, obj, key)
    }

    fn object_set(&self, obj: &ObjectRef, name: &str, value: Value) -> Result<(), String> {
        objects::set(&mut *self.store(obj)?, obj, name, value)
    }

    fn object_call(&self, obj: &ObjectRef, method: &str, args: Args) -> Result<Value, String> {
        objects::call(&mut *self.store(obj)?, obj, method, args)
    }

    fn object_children(&self, obj: &ObjectRef) -> Result<Vec<Value>, String> {
        objects::children(&*self.store(obj)?, obj)
    }

    fn object_jobflow(&self, obj: &ObjectRef) -> Result<(Chunk, String), String> {
        let store = self.store(obj)?;
        let chunk = store.jobflow_chunk(obj.id).map_err(|e| e.0)?;
        let parent = store.get(obj.id).map_err(|e| e.0)?.parent.unwrap_or(ROOT);
        Ok((chunk, store.abspath(parent).map_err(|e| e.0)?))
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
