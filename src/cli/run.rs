//! `jfc run`: run a flow here and now.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;
use jfc_runtime::run::{exit_code, run_file, RunError, RunOptions};

#[derive(Args)]
pub struct RunArgs {
    /// A parameter of the flow: NAME=EXPR, where EXPR is a jobflow expression (`-p host="'web1'" -p n=3`).
    #[arg(short = 'p', long = "param", value_name = "NAME=EXPR")]
    pub params: Vec<String>,
    /// Echo each job and command line on stderr as it runs (also JFC_TRACE=1).
    #[arg(long)]
    pub trace: bool,
    /// Echo command lines on stderr in this format ({username}, {hostname}, {sudomark}, {command});
    /// `--trace` uses "[{username}@{hostname}]{sudomark} {command}".
    #[arg(long, value_name = "FORMAT")]
    pub echo_format: Option<String>,
    /// Live processes at most; fork/pfor wait for room.
    #[arg(long, default_value_t = 1000, value_name = "N")]
    pub max_processes: usize,
    /// Bytes kept of each command's stdout and of its stderr; past them the output is
    /// dropped and `$ERROR` says so (also JFC_MAX_OUTPUT).
    #[arg(long, value_name = "BYTES", env = "JFC_MAX_OUTPUT",
          default_value_t = jfc_runtime::exec::DEFAULT_MAX_OUTPUT)]
    pub max_output: usize,
    /// The flow to run.
    pub file: PathBuf,
}

pub fn run(args: RunArgs, store: Option<&std::path::Path>) -> ExitCode {
    let mut params = Vec::new();
    for p in &args.params {
        match p.split_once('=') {
            Some((k, v)) if !k.trim().is_empty() => {
                params.push((k.trim().to_string(), v.to_string()))
            }
            _ => {
                eprintln!("error: -p {p}: expected NAME=EXPR, e.g. -p host=\"'web1'\"");
                return ExitCode::from(2);
            }
        }
    }
    let mut opts = RunOptions::default();
    opts.vm.trace =
        args.trace || std::env::var("JFC_TRACE").is_ok_and(|v| !v.is_empty() && v != "0");
    opts.vm.command_echo = args.echo_format.or_else(|| {
        opts.vm
            .trace
            .then(|| jfc_vm::DEFAULT_COMMAND_ECHO.to_string())
    });
    opts.vm.max_processes = args.max_processes.max(1);
    opts.max_output = args.max_output;
    // Ctrl-C, SIGTERM, SIGHUP: the commands started go too (exit 128 + signal).
    if let Err(e) = jfc_runtime::exec::children::stop_on_signals() {
        eprintln!("jfc: cannot watch for signals, commands may outlive an interrupted run: {e}");
    }
    // A store is used when one is named, or when the project already has one
    // (`jfc import` / `jfc obj` create it); `jfc run` alone never creates a store.
    let named = store.is_some() || std::env::var_os("JFC_STORE").is_some_and(|s| !s.is_empty());
    if let Ok(cwd) = std::env::current_dir() {
        let path = jfc_runtime::store::resolve_path(store, &cwd);
        if named || path.is_file() {
            opts.store = Some(path);
        }
    }
    match run_file(&args.file, &params, opts) {
        Ok(info) => ExitCode::from(exit_code(&info.borrow())),
        Err(RunError::Compile { text, diagnostics }) => {
            let name = args.file.display().to_string();
            let errors: Vec<_> = diagnostics.into_iter().filter(|d| d.is_error()).collect();
            let color = std::io::IsTerminal::is_terminal(&std::io::stderr());
            super::check::report(&errors, &name, &text, super::check::Format::Human, color);
            eprintln!("{name} does not compile: nothing was run");
            ExitCode::from(2)
        }
        Err(RunError::Setup(msg)) => {
            eprintln!("error: {msg}");
            ExitCode::from(2)
        }
    }
}
