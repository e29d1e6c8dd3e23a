//! `jfc resume`: take up runs in checkpoint mode from their last checkpoint.

use std::path::Path;
use std::process::ExitCode;

use clap::Args;
use jfc_runtime::resume::{resume, ResumeOptions};
use jfc_runtime::run::{exit_code, EXIT_USAGE};
use jfc_vm::snapshot::InDoubt;

#[derive(Args)]
#[command(after_help = "\
A run in checkpoint mode (jfc run --checkpoint, or a Jobflow whose defaultCheckpointMode
is true) keeps its state in the store before and after every command. When the jfc
running it dies (a crash, a reboot, kill -9, Ctrl-C), `jfc resume PID` goes on from the
last checkpoint: a command recorded as done is never run again.

A command that had started and not ended is *in doubt*: it may have run. It is not run
again unless you say so: check what it did, then resume with --rerun-in-doubt (it had
not run) or --skip-in-doubt (it had). Without either, the process gets an error naming
the line (a `try` may catch it).

A run that ended ABORTED on a failed command keeps its checkpoint too: fix the cause,
then `jfc resume PID --retry` runs the failed command again, with every variable as it
was, and goes on; in a fork or pfor, only the children that failed run again.

Exit status: as jfc run (0 normal end, N after exit(N), 1 when the process aborts), 64
when the process cannot be resumed (it is running, ended DONE, or has no checkpoint),
66 when there is no such process or store.

Examples:
  jfc ps                          find the process: ABORTED, CHECKPOINT resumable
  jfc resume 12                   go on after a crash
  jfc resume 12 --retry           run the failed command again and go on
  jfc resume --all                every run left behind by a crash (the daemon does this)")]
pub struct ResumeArgs {
    /// The process to resume (the pid of the run's main process).
    #[arg(
        value_name = "PID",
        required_unless_present = "all",
        conflicts_with = "all"
    )]
    pub pid: Option<i64>,
    /// Resume every run in checkpoint mode whose jfc died, each in a jfc of its own;
    /// runs without checkpoint mode that were running are recorded ABORTED, saying why.
    #[arg(long)]
    pub all: bool,
    /// Run again a command that may have run before the crash.
    #[arg(long, conflicts_with = "skip_in_doubt")]
    pub rerun_in_doubt: bool,
    /// Take a command that may have run before the crash as done (status 0, no output).
    #[arg(long)]
    pub skip_in_doubt: bool,
    /// Run the failed commands of a run that ended ABORTED again, and go on.
    #[arg(long)]
    pub retry: bool,
    #[command(flatten)]
    pub engine: super::engine::EngineArgs,
    #[command(flatten)]
    pub broker: super::broker::BrokerArgs,
}

pub fn run(args: ResumeArgs, store: Option<&Path>) -> ExitCode {
    if args.all {
        return super::resume_all::run(&args, store);
    }
    let Some(pid) = args.pid else {
        return ExitCode::from(EXIT_USAGE);
    };
    let cwd = std::env::current_dir().unwrap_or_default();
    let opts = ResumeOptions {
        vm: args.engine.vm_options(),
        max_output: args.engine.max_output,
        store: jfc_store::resolve_path(store, &cwd),
        in_doubt: in_doubt(&args),
        retry: args.retry,
        detached: false,
        controls: None,
        zones: match args.broker.zones() {
            Ok(z) => z,
            Err(e) => {
                eprintln!("error: {e}");
                return ExitCode::from(1);
            }
        },
    };
    args.engine.apply_process_limits();
    if let Err(e) = jfc_runtime::exec::children::stop_on_signals() {
        tracing::warn!("cannot watch for signals, commands may outlive an interrupted run: {e}");
    }
    match resume(pid, opts) {
        Ok(info) => ExitCode::from(exit_code(&info.borrow())),
        Err(e) => {
            let code = e.exit_code();
            super::run::report(e, Path::new(&format!("process {pid}")));
            ExitCode::from(code)
        }
    }
}

fn in_doubt(args: &ResumeArgs) -> InDoubt {
    match (args.rerun_in_doubt, args.skip_in_doubt) {
        (true, _) => InDoubt::Rerun,
        (_, true) => InDoubt::Skip,
        _ => InDoubt::Abort,
    }
}
