//! `jfc run`: compile a flow, evaluate its parameters, run it to the end.

use std::cell::RefCell;
use std::path::{Path, PathBuf};
use std::rc::Rc;

use jfc_compiler::diagnostics::Diagnostic;
use jfc_vm::value::{ProcessInfo, ProcessState, Value};
use jfc_vm::{Code, Vm, VmOptions};

use crate::LocalHost;

mod params;
pub use params::{schedule_args, schedule_args_in};

/// The exit status of `jfc run` when the flow does not compile (nothing ran).
pub const EXIT_COMPILE: u8 = 2;
/// The exit status of a usage error (BSD `EX_USAGE`): a bad option or `-p` value, a
/// parameter missing or unknown.
pub const EXIT_USAGE: u8 = 64;
/// The exit status when the input is missing (BSD `EX_NOINPUT`): no such flow file or
/// store path, or a store that cannot be opened.
pub const EXIT_NOINPUT: u8 = 66;

/// Why a run did not start.
pub enum RunError {
    /// The flow does not compile: its text and diagnostics.
    Compile {
        text: String,
        diagnostics: Vec<Diagnostic>,
    },
    /// The command line asks for what cannot be: a bad `-p` value, a parameter missing
    /// or unknown.
    Usage(String),
    /// The flow to run is not there: no such file or store object, or no store to look in.
    NoInput(String),
    /// Anything else that stops a run before its first job (or a round trip of
    /// `--roundtrip-at-jobs` that fails).
    Setup(String),
}

impl RunError {
    /// The exit status of `jfc run` for this error.
    pub fn exit_code(&self) -> u8 {
        match self {
            RunError::Compile { .. } => EXIT_COMPILE,
            RunError::Usage(_) => EXIT_USAGE,
            RunError::NoInput(_) => EXIT_NOINPUT,
            RunError::Setup(_) => 1,
        }
    }

    /// The error in one line, for a process record.
    pub fn message(&self) -> String {
        match self {
            RunError::Compile { diagnostics, .. } => {
                let first = diagnostics
                    .iter()
                    .find(|d| d.is_error())
                    .map_or_else(String::new, |d| format!(": {}", d.message));
                format!("the flow does not compile{first}")
            }
            RunError::Usage(m) | RunError::NoInput(m) | RunError::Setup(m) => m.clone(),
        }
    }
}

/// Options of one run.
pub struct RunOptions {
    pub vm: VmOptions,
    /// Bytes kept of each of a command's stdout and stderr (exec::ExecOptions).
    pub max_output: usize,
    /// The object store file, when the run has one.
    pub store: Option<std::path::PathBuf>,
    /// Checkpoint mode (platform.md §2.7); None: as the Jobflow's `defaultCheckpointMode`.
    pub checkpoint: Option<bool>,
    /// Say each command instead of running it (exec::ExecOptions::dry_run).
    pub dry_run: bool,
    /// A changed SSH host key replaces the recorded one (ssh::HostKeys).
    pub replace_host_keys: bool,
    /// A run of the daemon (LocalHost::detached).
    pub detached: bool,
    /// Terminate, suspend and resume from outside (the daemon's API).
    pub controls: Option<crossbeam_channel::Receiver<jfc_vm::control::Control>>,
    /// The broker side that runs the jobs of agent zones (exec::ExecOptions::zones).
    pub zones: Option<std::sync::Arc<dyn crate::zones::Zones>>,
}

impl Default for RunOptions {
    fn default() -> Self {
        RunOptions {
            vm: VmOptions::default(),
            max_output: crate::exec::DEFAULT_MAX_OUTPUT,
            store: None,
            checkpoint: None,
            dry_run: false,
            replace_host_keys: false,
            detached: false,
            controls: None,
            zones: None,
        }
    }
}

/// The flow a run starts: its code, its directory (for relative paths), the name its
/// process record gives it and the value `Process.job` shows.
pub(crate) struct Flow {
    code: Rc<Code>,
    dir: String,
    pub(crate) job: String,
    pub(crate) value: Value,
}

/// Run `target` with parameters given as jobflow expressions; returns the main
/// process's record. `target` is a flow file, or with a store, the path of a Jobflow
/// object in it (`/flows/restart`).
pub fn run_file(
    target: &Path,
    params: &[(String, String)],
    opts: RunOptions,
) -> Result<Rc<RefCell<ProcessInfo>>, RunError> {
    // The store first: `-p` values and the flow itself may be objects of it.
    let mut store = opts.store.as_deref().map(open_store).transpose()?;
    let flow = match store.as_mut() {
        Some(store) if !target.is_file() && target.starts_with("/") => stored_flow(store, target)?,
        Some(store) => file_flow(target, Some(store))?,
        None => file_flow(target, None)?,
    };
    let args = params::evaluate(params, opts.store.as_deref())?;
    let checkpoint = opts
        .checkpoint
        .unwrap_or_else(|| default_checkpoint_mode(store.as_ref(), &flow.value));
    let host = match store {
        Some(store) => {
            let host = LocalHost::with_store(exec_options(&opts), store);
            host.start_record(&flow.job).map_err(|e| {
                RunError::Setup(format!("cannot record the process in the store: {e}"))
            })?;
            host
        }
        None if checkpoint => {
            return Err(RunError::Usage(
                "checkpoint mode keeps the state of the run in an object store, and this run has none (--store PATH names one)".into(),
            ))
        }
        None => LocalHost::new(exec_options(&opts)),
    };
    let user = if opts.store.is_some() {
        Value::str("root")
    } else {
        Value::Null
    };
    let start = Start {
        pos: Vec::new(),
        kw: args,
        user,
        checkpoint,
    };
    launch(host, flow, start, opts)
}

/// How a run's commands run: as many workers as processes (a process waits on one
/// command at most).
pub(crate) fn exec_options(opts: &RunOptions) -> crate::exec::ExecOptions {
    crate::exec::ExecOptions {
        max_workers: opts.vm.max_processes,
        max_output: opts.max_output,
        host_keys: crate::ssh::HostKeys {
            file: crate::exec::known_hosts_for(opts.store.as_deref()),
            replace_changed: opts.replace_host_keys,
        },
        store: opts.store.clone(),
        dry_run: opts.dry_run,
        zones: opts.zones.clone(),
    }
}

/// The arguments and settings a run starts its main process with.
pub(crate) struct Start {
    pub pos: Vec<Value>,
    pub kw: Vec<(String, Value)>,
    /// Who runs it, as `Process.user` shows.
    pub user: Value,
    pub checkpoint: bool,
}

/// Run `flow` on `host` (its record open, when it keeps one) to the end; the main
/// process's record.
pub(crate) fn launch(
    host: LocalHost,
    flow: Flow,
    start: Start,
    opts: RunOptions,
) -> Result<Rc<RefCell<ProcessInfo>>, RunError> {
    let host = if start.checkpoint {
        host.checkpointing()
    } else {
        host
    };
    let host = if opts.detached { host.detached() } else { host };
    let vm_opts = VmOptions {
        checkpoint: start.checkpoint,
        ..opts.vm
    };
    let mut vm = Vm::new(host, vm_opts.clone());
    if let Some(rx) = opts.controls {
        vm.set_controls(rx);
    }
    let info = vm
        .spawn_main_with(flow.code.clone(), &flow.dir, start.pos, start.kw)
        .map_err(RunError::Usage)?;
    if let Some(from) = code_source(&flow.value) {
        vm.note_code_source(&flow.code, from);
    }
    {
        let mut i = info.borrow_mut();
        i.origin = std::rc::Rc::new(jfc_vm::value::ProcessOrigin {
            job: flow.value,
            user: start.user,
        });
        tracing::info!("process {} runs {}", i.pid, flow.job);
    }
    if start.checkpoint {
        // Resumable from the start: a kill before the first command loses nothing.
        vm.checkpoint();
    }
    vm.run();
    while vm.cut_at_job() {
        vm = roundtrip(vm, &vm_opts)?;
        vm.run();
    }
    Ok(finish(&vm, info))
}

/// Close the record of a run whose VM has nothing left to run. In checkpoint mode, a
/// run that did not end DONE keeps a last checkpoint: what `jfc resume --retry` starts
/// from.
pub(crate) fn finish(
    vm: &Vm<LocalHost>,
    info: Rc<RefCell<ProcessInfo>>,
) -> Rc<RefCell<ProcessInfo>> {
    let info = vm.main_info().unwrap_or(info);
    if vm.options().checkpoint && info.borrow().state != ProcessState::Done {
        vm.checkpoint();
    }
    vm.host().finish_record(&info.borrow());
    info
}

/// The `defaultCheckpointMode` of a Jobflow object (false for a flow file).
pub(crate) fn default_checkpoint_mode(store: Option<&jfc_store::Store>, flow: &Value) -> bool {
    match (store, flow) {
        (Some(store), Value::Object(o)) => store
            .read_field(o.id, "defaultCheckpointMode")
            .is_ok_and(|v| v.truthy()),
        _ => false,
    }
}

/// Where the flow's code came from, as a snapshot of the run says it.
fn code_source(flow: &Value) -> Option<jfc_vm::snapshot::CodeSource> {
    match flow {
        Value::Jobflow(j) => Some(jfc_vm::snapshot::CodeSource::File(j.path.clone())),
        Value::Object(o) => Some(jfc_vm::snapshot::CodeSource::Object {
            id: o.id,
            stamp: None,
        }),
        _ => None,
    }
}

/// `--roundtrip-at-jobs`: the VM, stopped at a job boundary, settled (no command in
/// flight), written to bytes, dropped, and made again from the bytes on the same host.
fn roundtrip(mut vm: Vm<LocalHost>, opts: &VmOptions) -> Result<Vm<LocalHost>, RunError> {
    let failed = |e: String| RunError::Setup(format!("--roundtrip-at-jobs: {e}"));
    if vm.has_sessions() {
        // A live shell cannot be written to bytes: the run goes on as it is.
        return Ok(vm);
    }
    vm.settle();
    let bytes = vm.snapshot().map_err(failed)?.to_bytes();
    let host = vm.into_host();
    let snap = jfc_vm::Snapshot::from_bytes(&bytes).map_err(failed)?;
    Vm::restore(host, opts.clone(), snap, jfc_vm::snapshot::InDoubt::Abort).map_err(failed)
}

pub(crate) fn open_store(path: &Path) -> Result<jfc_store::Store, RunError> {
    tracing::debug!("opening the store {}", path.display());
    let mut store = jfc_store::Store::open(path)
        .map_err(|e| RunError::NoInput(format!("cannot open the store {}: {e}", path.display())))?;
    store.ensure_stdlib().map_err(|e| {
        RunError::NoInput(format!(
            "cannot install the standard library in {}: {e}",
            path.display()
        ))
    })?;
    Ok(store)
}

/// A flow file; inside a project with a store, the object it is imported as.
fn file_flow(file: &Path, store: Option<&mut jfc_store::Store>) -> Result<Flow, RunError> {
    let name = file.display().to_string();
    let text = std::fs::read_to_string(file).map_err(|e| {
        let hint = if store.is_none() && file.starts_with("/") && !file.exists() {
            " (a Jobflow of the store is run by its path when there is a store: --store PATH)"
        } else {
            ""
        };
        RunError::NoInput(format!("cannot read {name}: {e}{hint}"))
    })?;
    let (chunk, _) =
        jfc_compiler::compile(&text, &name).map_err(|diagnostics| RunError::Compile {
            text: text.clone(),
            diagnostics,
        })?;
    if let Some(store) = store {
        if let Some(flow) = project_flow(store, file)? {
            return Ok(flow);
        }
    }
    let dir = file
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .map_or_else(|| ".".to_string(), |d| d.display().to_string());
    // The record names a loose file by its full path.
    let job = std::fs::canonicalize(file).map_or_else(|_| name, |p| p.display().to_string());
    Ok(Flow {
        code: Code::new(chunk).map_err(RunError::Setup)?,
        dir,
        value: Value::Jobflow(Rc::new(jfc_vm::value::JobflowRef {
            path: PathBuf::from(&job),
        })),
        job,
    })
}

/// The Jobflow object at `path` in the store (not a file on disk).
pub(crate) fn stored_flow(store: &mut jfc_store::Store, path: &Path) -> Result<Flow, RunError> {
    let path = path.display().to_string();
    let not_there = |why: String| {
        RunError::NoInput(format!(
            "{path}: no such file, and in the store {} {why}",
            store.path().display()
        ))
    };
    let id = match store.lookup(&path) {
        Ok(Some(id)) => id,
        Ok(None) => return Err(not_there("there is no object at that path".into())),
        Err(e) => return Err(RunError::Setup(e.0)),
    };
    let ty = store.type_name(id).map_err(|e| RunError::Setup(e.0))?;
    if ty != "Jobflow" {
        return Err(not_there(format!("it is a {ty}, not a Jobflow")));
    }
    stored_jobflow(store, id, path)
}

/// The diagnostics of a stored Jobflow whose source does not compile, to report as a
/// file's would be; None when it compiles (it cannot run for another reason).
fn compile_error(
    store: &jfc_store::Store,
    id: jfc_store::objects::ObjectId,
    path: &str,
) -> Option<RunError> {
    let source = store.read_field(id, "source").ok()?;
    let Value::Str(text) = &source else {
        return None;
    };
    let diagnostics = jfc_compiler::compile(text, path).err()?;
    Some(RunError::Compile {
        text: text.to_string(),
        diagnostics,
    })
}

/// The code, directory and record of the Jobflow object `id` at `path`.
fn stored_jobflow(
    store: &mut jfc_store::Store,
    id: jfc_store::objects::ObjectId,
    path: String,
) -> Result<Flow, RunError> {
    let chunk = store
        .jobflow_chunk(id)
        .map_err(|e| compile_error(store, id, &path).unwrap_or(RunError::Setup(e.0)))?;
    let parent = store
        .get(id)
        .map_err(|e| RunError::Setup(e.0))?
        .parent
        .unwrap_or(jfc_store::objects::ROOT);
    let dir = store.abspath(parent).map_err(|e| RunError::Setup(e.0))?;
    Ok(Flow {
        code: Code::new(chunk).map_err(RunError::Setup)?,
        dir: crate::local::store_dir(&dir),
        value: store.object_value(id).map_err(|e| RunError::Setup(e.0))?,
        job: path,
    })
}

/// A flow inside a project (a directory tree with a `jfc.toml`) runs as the object it
/// is in the store: the project is imported to `/` first (only what changed), so that
/// relative and absolute object paths mean the same from the command line and from
/// the daemon. `None` for a loose file.
fn project_flow(store: &mut jfc_store::Store, file: &Path) -> Result<Option<Flow>, RunError> {
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
        .import_dir(root, "/", &jfc_store::import::ImportOptions::default())
        .map_err(|e| {
            RunError::Setup(format!("cannot import the project {}: {e}", root.display()))
        })?;
    // Problems of other files do not stop this flow, but the operator hears of them.
    for m in &report.messages {
        if matches!(
            m.kind,
            jfc_store::import::MessageKind::Conflict | jfc_store::import::MessageKind::Error
        ) {
            tracing::warn!("import: {m}");
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
    stored_jobflow(store, id, path).map(Some)
}

/// The exit status of `jfc run` for a finished main process.
pub fn exit_code(info: &ProcessInfo) -> u8 {
    match (&info.state, &info.exit_status) {
        (ProcessState::Done, Value::Int(n)) => n.rem_euclid(256) as u8,
        (ProcessState::Done, Value::Null) => 0,
        _ => 1,
    }
}
