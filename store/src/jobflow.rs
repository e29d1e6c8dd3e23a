//! Jobflow and ScriptJob objects (library.md §3.10, §3.14): saving a Jobflow's source
//! compiles it; the compiled code, the errors per line and `executable` are stored with it.
//!
//! Stored fields of a Jobflow after [`Store::save_jobflow`]:
//! - `source`: the text as given;
//! - `code`: the compiler's `Chunk` as JSON (jfc's own format, not Kompira's);
//! - `parameters`: a Dictionary of the parameter names, in order, each `null` (defaults are
//!   computed when the flow starts, so there is no value to store);
//! - `executable`: true when it compiled without error;
//! - `errors`: `{"<line>": "<message>"}`, the first error of each line;
//! - `compilerVersion`: the version of jfc; `compiledDatetime`: when.
//!
//! With errors, `code` and `parameters` are removed: a flow that does not compile has no code.

use indexmap::IndexMap;
use jfc_compiler::bytecode::Chunk;
use jfc_compiler::diagnostics::Diagnostic;
use jfc_compiler::span::LineIndex;
use jfc_vm::value::{Key, Value};

use super::objects::ObjectId;
use super::{codec, Result, Store, StoreError};

/// The `compilerVersion` stored with compiled code; code from another version is recompiled.
pub const COMPILER_VERSION: &str = env!("CARGO_PKG_VERSION");

/// What saving a Jobflow's source gave.
#[derive(Clone, Debug, PartialEq)]
pub enum Compiled {
    /// Compiled; the flow is executable.
    Ok,
    /// Did not compile: `(line, message)`, the first error of each line, by line.
    Errors(Vec<(usize, String)>),
}

impl Store {
    /// Store the source of Jobflow `id` and compile it (`code`, `executable`, `errors`, ...).
    /// A source that does not compile is stored too; the flow is then not executable.
    pub fn save_jobflow(&mut self, id: ObjectId, source: &str) -> Result<Compiled> {
        self.expect_type(id, "Jobflow")?;
        let path = self.abspath(id)?;
        self.atomically(|s| {
            s.write_field(id, "source", Value::str(source))?;
            s.store_compiled(id, &path, source)
        })
    }

    /// Store the source and extension of ScriptJob `id` (nothing to compile).
    pub fn save_scriptjob(&mut self, id: ObjectId, source: &str, ext: &str) -> Result<()> {
        self.expect_type(id, "ScriptJob")?;
        self.atomically(|s| {
            s.write_field(id, "source", Value::str(source))?;
            s.write_field(id, "ext", Value::str(ext))
        })
    }

    /// Recompile the stored source of Jobflow `id` (after a change of compiler, or when
    /// `source` was written by other means than [`Store::save_jobflow`]).
    pub fn recompile_jobflow(&mut self, id: ObjectId) -> Result<Compiled> {
        self.expect_type(id, "Jobflow")?;
        let source = self.read_field(id, "source")?;
        let source = match source {
            Value::Null => String::new(),
            v => v.to_text(),
        };
        let path = self.abspath(id)?;
        self.atomically(|s| s.store_compiled(id, &path, &source))
    }

    /// The compiled code of Jobflow `id`, ready to run. A flow with compile errors is an
    /// error naming its first one; code that is missing or from another compiler version
    /// is compiled again from the source (in memory; [`Store::recompile_jobflow`] stores it).
    pub fn jobflow_chunk(&self, id: ObjectId) -> Result<Chunk> {
        self.expect_type(id, "Jobflow")?;
        let path = self.abspath(id)?;
        let errors = self.jobflow_errors(id)?;
        if let Some((line, msg)) = errors.first() {
            return Err(StoreError(format!(
                "the jobflow {path} has compile errors: line {line}: {msg}"
            )));
        }
        let executable = matches!(self.read_field(id, "executable")?, Value::Bool(true));
        let version = self.read_field(id, "compilerVersion")?;
        let fresh = executable && matches!(&version, Value::Str(v) if &**v == COMPILER_VERSION);
        if fresh {
            if let Value::Str(ref code) = self.read_field(id, "code")? {
                if let Ok(mut chunk) = serde_json::from_str::<Chunk>(code) {
                    // Messages name the flow where it is now, not where it was compiled.
                    chunk.name = path;
                    return Ok(chunk);
                }
            }
        }
        let source = match self.read_field(id, "source")? {
            Value::Null => String::new(),
            v => v.to_text(),
        };
        match jfc_compiler::compile(&source, &path) {
            Ok((chunk, _)) => Ok(chunk),
            Err(diags) => {
                let (line, msg) = first_errors(&source, &diags)
                    .into_iter()
                    .next()
                    .unwrap_or((1, "does not compile".into()));
                Err(StoreError(format!(
                    "the jobflow {path} has compile errors: line {line}: {msg}"
                )))
            }
        }
    }

    /// The stored compile errors of Jobflow `id`, `(line, message)` by line.
    pub fn jobflow_errors(&self, id: ObjectId) -> Result<Vec<(usize, String)>> {
        let mut out = Vec::new();
        if let Value::Dict(ref d) = self.read_field(id, "errors")? {
            for (k, v) in d.borrow().iter() {
                let line = k.value().to_text().parse::<usize>().unwrap_or(0);
                out.push((line, v.to_text()));
            }
        }
        out.sort_by_key(|(line, _)| *line);
        Ok(out)
    }

    /// Compile `source` and store the outcome (not `source` itself).
    fn store_compiled(&mut self, id: ObjectId, path: &str, source: &str) -> Result<Compiled> {
        let now = Value::Datetime(chrono::Utc::now().fixed_offset());
        self.write_field(id, "compilerVersion", Value::str(COMPILER_VERSION))?;
        self.write_field(id, "compiledDatetime", now)?;
        match jfc_compiler::compile(source, path) {
            Ok((chunk, _warnings)) => {
                let code = serde_json::to_string(&chunk)
                    .map_err(|e| StoreError(format!("{path}: cannot store the code: {e}")))?;
                let mut params = IndexMap::new();
                for p in &chunk.params {
                    params.insert(Key::str(&p.name), Value::Null);
                }
                self.write_field(id, "code", Value::str(&code))?;
                self.write_field(id, "parameters", Value::dict(params))?;
                self.write_field(id, "executable", Value::Bool(true))?;
                self.write_field(id, "errors", Value::dict(IndexMap::new()))?;
                Ok(Compiled::Ok)
            }
            Err(diags) => {
                let errors = first_errors(source, &diags);
                let mut dict = IndexMap::new();
                for (line, msg) in &errors {
                    dict.insert(Key::str(&line.to_string()), Value::str(msg));
                }
                self.clear_field(id, "code")?;
                self.clear_field(id, "parameters")?;
                self.write_field(id, "executable", Value::Bool(false))?;
                self.write_field(id, "errors", Value::dict(dict))?;
                Ok(Compiled::Errors(errors))
            }
        }
    }

    /// An error unless object `id` is of the built-in type `type_name`.
    pub(crate) fn expect_type(&self, id: ObjectId, type_name: &str) -> Result<()> {
        let actual = self.type_name(id)?;
        if actual == type_name {
            return Ok(());
        }
        Err(StoreError(format!(
            "{} is a {actual}, not a {type_name}",
            self.abspath(id)?
        )))
    }

    /// Run `f` in a transaction unless one is already open (then it is part of that one).
    pub fn atomically<T>(&mut self, f: impl FnOnce(&mut Store) -> Result<T>) -> Result<T> {
        if self.conn.is_autocommit() {
            self.transaction(f)
        } else {
            f(self)
        }
    }
}

/// The first error of each line, by line: `(line, message)`.
fn first_errors(source: &str, diags: &[Diagnostic]) -> Vec<(usize, String)> {
    let index = LineIndex::new(source);
    let mut by_line: IndexMap<usize, String> = IndexMap::new();
    for d in diags.iter().filter(|d| d.is_error()) {
        let (line, _) = index.line_col(source, d.span.start as usize);
        by_line.entry(line).or_insert_with(|| d.message.clone());
    }
    let mut out: Vec<(usize, String)> = by_line.into_iter().collect();
    out.sort_by_key(|(line, _)| *line);
    out
}

/// The stored text of a value, for comparisons of stored forms.
pub(crate) fn stored_text(v: &Value) -> Result<Option<String>> {
    match v {
        Value::Null => Ok(None),
        v => codec::encode(v).map(Some).map_err(StoreError),
    }
}
