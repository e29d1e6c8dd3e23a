//! `jfc run`: compile a flow, evaluate its parameters, run it to the end.

use std::cell::RefCell;
use std::path::Path;
use std::rc::Rc;

use jfc_compiler::diagnostics::Diagnostic;
use jfc_vm::value::{ProcessInfo, ProcessState, Value};
use jfc_vm::{Code, Vm, VmOptions};

use crate::LocalHost;

/// Why a run did not start.
pub enum RunError {
    /// The flow does not compile: its text and diagnostics.
    Compile {
        text: String,
        diagnostics: Vec<Diagnostic>,
    },
    /// Anything else that stops a run before its first job (unreadable file, bad parameter).
    Setup(String),
}

/// Options of one run.
pub struct RunOptions {
    pub vm: VmOptions,
    /// Command worker threads at most.
    pub max_workers: usize,
    /// The object store file, when the run has one.
    pub store: Option<std::path::PathBuf>,
}

impl Default for RunOptions {
    fn default() -> Self {
        RunOptions {
            vm: VmOptions::default(),
            max_workers: 1024,
            store: None,
        }
    }
}

/// Run `file` with parameters given as jobflow expressions; returns the main process's record.
pub fn run_file(
    file: &Path,
    params: &[(String, String)],
    opts: RunOptions,
) -> Result<Rc<RefCell<ProcessInfo>>, RunError> {
    let name = file.display().to_string();
    let text = std::fs::read_to_string(file)
        .map_err(|e| RunError::Setup(format!("cannot read {name}: {e}")))?;
    let (chunk, _) =
        jfc_compiler::compile(&text, &name).map_err(|diagnostics| RunError::Compile {
            text: text.clone(),
            diagnostics,
        })?;
    let code = Code::new(chunk).map_err(RunError::Setup)?;
    let mut args = Vec::new();
    for (k, expr) in params {
        args.push((k.clone(), eval_param(k, expr)?));
    }
    let dir = file
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .map_or_else(|| ".".to_string(), |d| d.display().to_string());
    let host = match &opts.store {
        Some(path) => {
            let store = crate::store::Store::open(path).map_err(|e| {
                RunError::Setup(format!("cannot open the store {}: {e}", path.display()))
            })?;
            LocalHost::with_store(opts.max_workers, store)
        }
        None => LocalHost::new(opts.max_workers),
    };
    let mut vm = Vm::new(host, opts.vm);
    let info = vm.spawn_main(code, &dir, args).map_err(RunError::Setup)?;
    vm.run();
    Ok(info)
}

/// The value of a `-p NAME=EXPR` expression, computed by a one-job flow.
fn eval_param(name: &str, expr: &str) -> Result<Value, RunError> {
    let source = format!("return({expr})");
    let label = format!("-p {name}");
    let (chunk, _) = jfc_compiler::compile(&source, &label).map_err(|d| {
        RunError::Setup(format!(
            "-p {name}={expr}: not a jobflow expression ({})",
            d.first().map_or("", |d| d.message.as_str())
        ))
    })?;
    let code = Code::new(chunk).map_err(RunError::Setup)?;
    let mut vm = Vm::new(LocalHost::new(4), VmOptions::default());
    let info = vm
        .spawn_main(code, ".", Vec::new())
        .map_err(RunError::Setup)?;
    vm.run();
    let info = info.borrow();
    if info.state != ProcessState::Done {
        return Err(RunError::Setup(format!(
            "-p {name}={expr}: {}",
            info.error.to_text()
        )));
    }
    Ok(info.result.clone())
}

/// The exit status of `jfc run` for a finished main process.
pub fn exit_code(info: &ProcessInfo) -> u8 {
    match (&info.state, &info.exit_status) {
        (ProcessState::Done, Value::Int(n)) => n.rem_euclid(256) as u8,
        (ProcessState::Done, Value::Null) => 0,
        _ => 1,
    }
}
