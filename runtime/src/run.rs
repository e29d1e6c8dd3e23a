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
    /// Bytes kept of each of a command's stdout and stderr (exec::ExecOptions).
    pub max_output: usize,
    /// The object store file, when the run has one.
    pub store: Option<std::path::PathBuf>,
}

impl Default for RunOptions {
    fn default() -> Self {
        RunOptions {
            vm: VmOptions::default(),
            max_output: crate::exec::DEFAULT_MAX_OUTPUT,
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
    let mut code = Code::new(chunk).map_err(RunError::Setup)?;
    let mut args = Vec::new();
    for (k, expr) in params {
        args.push((k.clone(), eval_param(k, expr)?));
    }
    let mut dir = file
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .map_or_else(|| ".".to_string(), |d| d.display().to_string());
    // A process waits on one command at most: as many workers as processes.
    let exec = crate::exec::ExecOptions {
        max_workers: opts.vm.max_processes,
        max_output: opts.max_output,
    };
    let host = match &opts.store {
        Some(path) => {
            let mut store = crate::store::Store::open(path).map_err(|e| {
                RunError::Setup(format!("cannot open the store {}: {e}", path.display()))
            })?;
            // The record names the flow as the object it runs as, else as its file.
            let mut job = std::fs::canonicalize(file)
                .map_or_else(|_| name.clone(), |p| p.display().to_string());
            if let Some((flow_code, flow_dir, path)) = project_flow(&mut store, file)? {
                code = flow_code;
                dir = flow_dir;
                job = path;
            }
            let host = LocalHost::with_store(exec, store);
            host.start_record(&job).map_err(|e| {
                RunError::Setup(format!("cannot record the process in the store: {e}"))
            })?;
            host
        }
        None => LocalHost::new(exec),
    };
    let mut vm = Vm::new(host, opts.vm);
    let info = vm.spawn_main(code, &dir, args).map_err(RunError::Setup)?;
    vm.run();
    vm.host().finish_record(&info.borrow());
    Ok(info)
}

/// A flow inside a project (a directory tree with a `jfc.toml`) runs as the object it
/// is in the store: the project is imported to `/` first (only what changed), so that
/// relative and absolute object paths mean the same from the command line and from
/// the daemon. Returns the flow's code, its directory and its object path, or `None`
/// for a loose file.
fn project_flow(
    store: &mut crate::store::Store,
    file: &Path,
) -> Result<Option<(Rc<Code>, String, String)>, RunError> {
    let Ok(abs) = std::fs::canonicalize(file) else {
        return Ok(None);
    };
    let Some(root) = abs
        .ancestors()
        .skip(1)
        .find(|d| d.join("jfc.toml").is_file())
    else {
        return Ok(None);
    };
    let report = store
        .import_dir(root, "/", &crate::store::import::ImportOptions::default())
        .map_err(|e| {
            RunError::Setup(format!("cannot import the project {}: {e}", root.display()))
        })?;
    // Problems of other files do not stop this flow, but the operator hears of them.
    for m in &report.messages {
        if matches!(
            m.kind,
            crate::store::import::MessageKind::Conflict | crate::store::import::MessageKind::Error
        ) {
            eprintln!("jfc: import: {m}");
        }
    }
    let rel = abs.strip_prefix(root).unwrap_or(&abs).with_extension("");
    let path = format!(
        "/{}",
        rel.iter()
            .map(|c| c.to_string_lossy())
            .collect::<Vec<_>>()
            .join("/")
    );
    let id = store
        .resolve(&path)
        .map_err(|e| RunError::Setup(format!("{} was not imported: {e}", file.display())))?;
    let chunk = store.jobflow_chunk(id).map_err(|e| RunError::Setup(e.0))?;
    let parent = store
        .get(id)
        .map_err(|e| RunError::Setup(e.0))?
        .parent
        .unwrap_or(crate::store::objects::ROOT);
    let dir = store.abspath(parent).map_err(|e| RunError::Setup(e.0))?;
    Ok(Some((
        Code::new(chunk).map_err(RunError::Setup)?,
        crate::local::store_dir(&dir),
        path,
    )))
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
    let mut vm = Vm::new(LocalHost::new(Default::default()), VmOptions::default());
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
