//! `jfc run`: run a flow here and now.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;
use jfc_runtime::run::{exit_code, run_file, RunError, RunOptions, EXIT_USAGE};

#[derive(Args)]
#[command(after_help = "\
Exit status: 0 normal end, N after exit(N), 1 when the process aborts, 2 when the flow
does not compile (nothing ran), 64 for a usage error (a bad option or -p value, a
parameter missing or unknown), 66 when the flow file or store path is not there (or the
store cannot be opened).")]
pub struct RunArgs {
    /// A parameter of the flow: NAME=EXPR, where EXPR is a jobflow expression: a String in
    /// quotes, a number, an object path (`-p host="'web1'" -p n=3 -p node=/servers/web1`).
    #[arg(short = 'p', long = "param", value_name = "NAME=EXPR")]
    pub params: Vec<String>,
    #[command(flatten)]
    pub engine: super::engine::EngineArgs,
    #[command(flatten)]
    pub broker: super::broker::BrokerArgs,
    /// Debugging aid: stop at every job, write the whole VM to bytes, drop it, make it
    /// again from the bytes and go on (proves that process state survives as data).
    #[arg(long, hide = true)]
    pub roundtrip_at_jobs: bool,
    /// Checkpoint mode: keep the state of the run in the store before and after every
    /// command, so that `jfc resume PID` takes it up after a crash, or `jfc resume PID
    /// --retry` runs a failed job again. Makes the project's store if there is none.
    /// Without it, the Jobflow's `defaultCheckpointMode` decides.
    #[arg(long, overrides_with = "no_checkpoint")]
    pub checkpoint: bool,
    /// No checkpoint mode, whatever the Jobflow's `defaultCheckpointMode` says.
    #[arg(long, overrides_with = "checkpoint")]
    pub no_checkpoint: bool,
    /// Walk the flow without touching anything: each command is printed on stderr with
    /// where and as whom it would run (`[dry-run] root@web1:22 # systemctl restart
    /// nginx`), none runs and no connection is opened; each answers status 0 with no
    /// output. Store writes of the flow itself still happen.
    #[arg(long, conflicts_with = "checkpoint")]
    pub dry_run: bool,
    /// Accept SSH host keys that changed (hosts reinstalled on purpose): each replaces
    /// the recorded key, with a warning, instead of refusing the connection.
    #[arg(long)]
    pub replace_host_keys: bool,
    /// The flow to run: a file, or the path of a Jobflow in the store (`/flows/restart`).
    #[arg(value_name = "FLOW")]
    pub file: PathBuf,
}

pub fn run(args: RunArgs, store: Option<&std::path::Path>) -> ExitCode {
    let params = match parse_params(&args.params) {
        Ok(p) => p,
        Err(msg) => {
            eprintln!("error: {msg}");
            return ExitCode::from(EXIT_USAGE);
        }
    };
    let mut opts = RunOptions {
        vm: args.engine.vm_options(),
        max_output: args.engine.max_output,
        ..RunOptions::default()
    };
    opts.vm.stop_at_jobs = args.roundtrip_at_jobs;
    opts.dry_run = args.dry_run;
    opts.replace_host_keys = args.replace_host_keys;
    opts.checkpoint = match (args.checkpoint, args.no_checkpoint) {
        (true, _) => Some(true),
        (_, true) => Some(false),
        _ => None,
    };
    // Ctrl-C, SIGTERM, SIGHUP: the commands started go too (exit 128 + signal).
    args.engine.apply_process_limits();
    if let Err(e) = jfc_runtime::exec::children::stop_on_signals() {
        tracing::warn!("cannot watch for signals, commands may outlive an interrupted run: {e}");
    }
    opts.store = run_store(store, args.checkpoint);
    if !args.dry_run {
        opts.zones = match args.broker.zones() {
            Ok(z) => z,
            Err(e) => {
                eprintln!("error: {e}");
                return ExitCode::from(1);
            }
        };
    }
    match run_file(&args.file, &params, opts) {
        Ok(info) => ExitCode::from(exit_code(&info.borrow())),
        Err(e) => {
            let code = e.exit_code();
            report(e, &args.file);
            ExitCode::from(code)
        }
    }
}

/// `-p NAME=EXPR` arguments as (name, expression) pairs.
fn parse_params(params: &[String]) -> Result<Vec<(String, String)>, String> {
    params
        .iter()
        .map(|p| match p.split_once('=') {
            Some((k, v)) if !k.trim().is_empty() => Ok((k.trim().to_string(), v.to_string())),
            _ => Err(format!(
                "-p {p}: expected NAME=EXPR, e.g. -p host=\"'web1'\" or -p n=3"
            )),
        })
        .collect()
}

/// The store of a run: one named (`--store`, `JFC_STORE`), or the project's when it
/// already exists (`jfc import` / `jfc obj` create it; `jfc run` alone only in
/// checkpoint mode, which keeps its state there).
fn run_store(flag: Option<&std::path::Path>, checkpoint: bool) -> Option<PathBuf> {
    let named = checkpoint
        || flag.is_some()
        || std::env::var_os("JFC_STORE").is_some_and(|s| !s.is_empty());
    let cwd = std::env::current_dir().ok()?;
    let path = jfc_store::resolve_path(flag, &cwd);
    (named || path.is_file()).then_some(path)
}

pub(super) fn report(e: RunError, file: &std::path::Path) {
    match e {
        RunError::Compile { text, diagnostics } => {
            let name = file.display().to_string();
            let errors: Vec<_> = diagnostics.into_iter().filter(|d| d.is_error()).collect();
            let format = super::check::Format::Human;
            super::check::report(&errors, &name, &text, format, super::use_color());
            eprintln!("{name} does not compile: nothing was run");
        }
        RunError::Usage(msg) | RunError::NoInput(msg) | RunError::Setup(msg) => {
            eprintln!("error: {msg}");
        }
    }
}
