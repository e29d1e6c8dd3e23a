//! `jfc resume --all`: every run whose jfc died, taken up (checkpoint mode) or closed.

use std::path::Path;
use std::process::{Command, ExitCode};

use super::resume::ResumeArgs;

pub fn run(args: &ResumeArgs, store: Option<&Path>) -> ExitCode {
    let cwd = std::env::current_dir().unwrap_or_default();
    let path = jfc_store::resolve_path(store, &cwd);
    let mut store = match super::open_existing_store(Some(&path)) {
        Ok(s) => s,
        Err(failure) => return failure.exit(),
    };
    let (resumable, closed) = match jfc_runtime::resume::left_behind(&mut store) {
        Ok(found) => found,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(1);
        }
    };
    for pid in &closed {
        eprintln!(
            "jfc: process {pid} is recorded ABORTED: {}",
            jfc_runtime::resume::NO_CHECKPOINT
        );
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
    // The broker's URL may hold a password: the environment, not the command line.
    if let Some(url) = &args.broker.broker {
        cmd.env("JFC_BROKER", url);
    }
    cmd.arg("--agent-wait")
        .arg(args.broker.agent_wait.to_string());
    cmd.args(args.engine.to_args()).spawn()
}
