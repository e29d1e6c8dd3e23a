//! The host for `jfc run`: local commands, flows from sibling `.jf` files,
//! the console on stdout and reports on stderr.

use std::io::Write;
use std::path::{Component, Path, PathBuf};
use std::rc::Rc;

use crossbeam_channel::Sender;
use jfc_compiler::bytecode::Chunk;
use jfc_vm::host::{Completion, Host, Request, Ticket};
use jfc_vm::value::{JobflowRef, Value};

use crate::exec::Workers;

pub struct LocalHost {
    workers: Workers,
}

impl LocalHost {
    /// A host whose command pool grows up to `max_workers` threads.
    pub fn new(max_workers: usize) -> LocalHost {
        LocalHost {
            workers: Workers::new(max_workers),
        }
    }
}

impl Host for LocalHost {
    fn start(&self, ticket: Ticket, request: Request, done: Sender<(Ticket, Completion)>) {
        match request {
            Request::Command(c) => self.workers.submit(ticket, c, done),
        }
    }

    fn resolve_path(&self, dir: &Path, path: &str) -> Result<Value, String> {
        if path.starts_with('/') {
            return Err(format!(
                "object path {path}: absolute object paths need the object store, which this version of jfc does not have yet"
            ));
        }
        let joined = normalize(&dir.join(path));
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
