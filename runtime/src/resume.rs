//! `jfc resume`: take up a run in checkpoint mode from its last checkpoint, after a
//! crash of the OS process that ran it (platform.md §2.7), or after it ended on a
//! failed job (`--retry`).

use std::cell::RefCell;
use std::path::PathBuf;
use std::rc::Rc;

use jfc_vm::snapshot::InDoubt;
use jfc_vm::value::ProcessInfo;
use jfc_vm::{Snapshot, Vm, VmOptions};

use crate::run::{finish, open_store, RunError};
use crate::LocalHost;

/// Options of one resume.
pub struct ResumeOptions {
    pub vm: VmOptions,
    /// Bytes kept of each of a command's stdout and stderr (exec::ExecOptions).
    pub max_output: usize,
    pub store: PathBuf,
    /// What becomes of a command that may have run before the crash.
    pub in_doubt: InDoubt,
    /// Run the failed jobs of a run that ended ABORTED again.
    pub retry: bool,
    /// A run of the daemon (LocalHost::detached).
    pub detached: bool,
    /// Terminate, suspend and resume from outside (the daemon's API).
    pub controls: Option<crossbeam_channel::Receiver<jfc_vm::control::Control>>,
    /// The broker side that runs the jobs of agent zones (exec::ExecOptions::zones).
    pub zones: Option<std::sync::Arc<dyn crate::zones::Zones>>,
}

/// Resume run `pid` to its end; the main process's record.
pub fn resume(pid: i64, opts: ResumeOptions) -> Result<Rc<RefCell<ProcessInfo>>, RunError> {
    let store = open_store(&opts.store)?;
    store.process(pid).map_err(|e| RunError::NoInput(e.0))?;
    let checkpoint = store
        .checkpoint_to_resume(pid)
        .map_err(|e| RunError::Usage(e.0))?;
    let snap = Snapshot::from_bytes(&checkpoint.data)
        .map_err(|e| RunError::Setup(format!("process {pid}: {e}")))?;
    let plan = if opts.retry {
        let plan = snap
            .retry_plan()
            .map_err(|e| RunError::Usage(format!("cannot retry: {e}")))?;
        for job in snap.jobs_to_retry() {
            eprintln!("jfc: the failed command of {job} runs again (--retry)");
        }
        plan
    } else if snap.live_pids().is_empty() {
        let why = if snap.jobs_to_retry().is_empty() {
            ""
        } else {
            " (--retry runs its failed job again)"
        };
        return Err(RunError::Usage(format!(
            "process {pid} has ended: nothing of it is left to run{why}"
        )));
    } else {
        Vec::new()
    };
    for job in snap.jobs_in_doubt() {
        let what = match opts.in_doubt {
            InDoubt::Abort => "it is not run again, and the process gets an error",
            InDoubt::Rerun => "it runs again (--rerun-in-doubt)",
            InDoubt::Skip => "it is taken as done, with no output (--skip-in-doubt)",
        };
        eprintln!("jfc: in doubt, it may have run before the run stopped: {job}; {what}");
    }
    let exec = crate::exec::ExecOptions {
        max_workers: opts.vm.max_processes,
        max_output: opts.max_output,
        host_keys: crate::ssh::HostKeys {
            file: crate::exec::known_hosts_for(Some(&opts.store)),
            replace_changed: false,
        },
        store: Some(opts.store.clone()),
        dry_run: false,
        zones: opts.zones.clone(),
    };
    let host = LocalHost::with_store(exec, store).checkpointing();
    let host = if opts.detached { host.detached() } else { host };
    host.resume_record(pid, &checkpoint, &snap, &plan)
        .map_err(|e| RunError::Setup(format!("cannot take up the record of process {pid}: {e}")))?;
    let vm_opts = VmOptions {
        checkpoint: true,
        ..opts.vm
    };
    tracing::info!(
        "process {pid} resumes from its checkpoint of {}",
        checkpoint.about.written
    );
    let mut vm = Vm::restore(host, vm_opts, snap, opts.in_doubt)
        .map_err(|e| RunError::Setup(format!("process {pid}: {e}")))?;
    vm.retry_failed(&plan);
    if let Some(rx) = opts.controls {
        vm.set_controls(rx);
    }
    let info = vm.main_info().ok_or_else(|| {
        RunError::Setup(format!("process {pid}: the checkpoint has no main process"))
    })?;
    vm.run();
    Ok(finish(&vm, info))
}

/// Why a run without checkpoint mode that was running when its jfc died is ABORTED.
pub const NO_CHECKPOINT: &str = "the jfc process running it ended without finishing it, and it was not in checkpoint mode: it cannot be resumed";

/// The runs (main processes) whose jfc died: those with a checkpoint, and those without,
/// which are recorded ABORTED here (with the children they left running).
pub fn left_behind(store: &mut jfc_store::Store) -> Result<(Vec<i64>, Vec<i64>), String> {
    let dead: Vec<_> = store
        .processes()
        .map_err(|e| e.0)?
        .into_iter()
        .filter(|r| r.finished.is_none() && r.status == "ABORTED")
        .collect();
    let mut resumable = Vec::new();
    let mut closed = Vec::new();
    for rec in dead.iter().filter(|r| r.parent.is_none()) {
        let live = store
            .checkpoint(rec.pid)
            .map_err(|e| e.0)?
            .and_then(|c| jfc_vm::Snapshot::from_bytes(&c.data).ok())
            .is_some_and(|s| !s.live_pids().is_empty());
        if live {
            resumable.push(rec.pid);
        } else {
            closed.push(rec.pid);
        }
    }
    for rec in &dead {
        let root = root_of(&dead, rec.pid);
        if closed.contains(&root) {
            let why = jfc_vm::value::Value::str(NO_CHECKPOINT);
            store
                .process_finish(
                    rec.pid,
                    "ABORTED",
                    &jfc_vm::value::Value::Int(1),
                    &jfc_vm::value::Value::Null,
                    &why,
                )
                .map_err(|e| e.0)?;
        }
    }
    Ok((resumable, closed))
}

/// The main process of the run `pid` belongs to, as far as `records` know.
fn root_of(records: &[jfc_store::processes::ProcessRecord], pid: i64) -> i64 {
    let mut at = pid;
    while let Some(parent) = records.iter().find(|r| r.pid == at).and_then(|r| r.parent) {
        at = parent;
    }
    at
}
