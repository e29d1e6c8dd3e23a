//! `jfc resume --all`: every run whose jfc died, taken up (checkpoint mode) or closed.

use std::path::Path;
use std::process::{Command, ExitCode};

use jfc_store::Store;
use jfc_vm::value::Value;

use super::resume::ResumeArgs;

/// Why a run without checkpoint mode that was running when its jfc died is ABORTED.
const NO_CHECKPOINT: &str = "the jfc process running it ended without finishing it, and it was not in checkpoint mode: it cannot be resumed";

pub fn run(args: &ResumeArgs, store: Option<&Path>) -> ExitCode {
    let cwd = std::env::current_dir().unwrap_or_default();
    let path = jfc_store::resolve_path(store, &cwd);
    let mut store = match super::open_existing_store(Some(&path)) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(jfc_runtime::run::EXIT_NOINPUT);
        }
    };
    let (resumable, closed) = match left_behind(&mut store) {
        Ok(found) => found,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(1);
        }
    };
    for pid in &closed {
        eprintln!("jfc: process {pid} is recorded ABORTED: {NO_CHECKPOINT}");
    }
    drop(store);
    let mut worst = 0u8;
    let children: Vec<_> = resumable
        .iter()
        .filter_map(|pid| match spawn(*pid, args, &path) {
            Ok(child) => Some((*pid, child)),
            Err(e) => {
                eprintln!("error: cannot start the resume of process {pid}: {e}");
                worst = 1;
                None
            }
        })
        .collect();
    for (pid, mut child) in children {
        let code = child.wait().map_or(1, |s| s.code().unwrap_or(1)) as u8;
        tracing::info!("process {pid}: its resume exits with status {code}");
        worst = worst.max(code);
    }
    ExitCode::from(worst)
}

/// The runs (main processes) whose jfc died: those with a checkpoint, and those without,
/// which are recorded ABORTED here (with the children they left running).
fn left_behind(store: &mut Store) -> Result<(Vec<i64>, Vec<i64>), String> {
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
            let why = Value::str(NO_CHECKPOINT);
            store
                .process_finish(rec.pid, "ABORTED", &Value::Int(1), &Value::Null, &why)
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

/// `jfc resume PID` with the same options, in a jfc of its own.
fn spawn(pid: i64, args: &ResumeArgs, store: &Path) -> std::io::Result<std::process::Child> {
    let mut cmd = Command::new(std::env::current_exe()?);
    cmd.arg("--store")
        .arg(store)
        .arg("resume")
        .arg(pid.to_string());
    for (on, flag) in [
        (args.rerun_in_doubt, "--rerun-in-doubt"),
        (args.skip_in_doubt, "--skip-in-doubt"),
    ] {
        if on {
            cmd.arg(flag);
        }
    }
    cmd.args(args.engine.to_args()).spawn()
}
