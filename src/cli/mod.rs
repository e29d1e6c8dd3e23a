//! Subcommands of `jfc`, one module each.

#[macro_use]
pub mod out;
pub mod agent;
mod broker;
pub mod builtins;
pub mod check;
pub mod disasm;
pub mod doc;
mod engine;
pub mod explain;
pub mod fmt;
pub mod obj;
pub mod ps;
pub mod resume;
mod resume_all;
pub mod run;
pub mod schedule;
pub mod send;
pub mod serve;
mod serve_config;
pub mod task;
pub mod test;
pub mod token;
pub mod transfer;
pub mod user;

use clap::{Parser, Subcommand};

/// The jobflow toolchain: check, format, inspect and run jobflows.
#[derive(Parser)]
#[command(name = "jfc", version, about, long_about = None)]
pub struct Cli {
    /// Log level for diagnostics of jfc itself; also JFC_LOG (which takes `tracing`
    /// filter directives too, e.g. `jfc_runtime=debug`).
    #[arg(long, global = true, value_name = "LEVEL", ignore_case = true,
          value_parser = clap::builder::PossibleValuesParser::new(LOG_LEVELS))]
    pub log_level: Option<String>,
    /// The store file (default: `.jfc/store.sqlite` under the project root, the nearest
    /// directory upwards with a `jfc.toml`, else the current directory); also JFC_STORE.
    #[arg(long, global = true, value_name = "PATH")]
    pub store: Option<std::path::PathBuf>,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand)]
pub enum Command {
    /// Compile flows and report every error and warning.
    Check(check::CheckArgs),
    /// List the built-in jobs and functions with their signatures.
    Builtins(builtins::BuiltinsArgs),
    /// Explain a diagnostic code (E0015, W0002...) with examples; `--list`: every code.
    Explain(explain::ExplainArgs),
    /// Reference pages as Markdown: the standard library, the commands, the diagnostic codes.
    Doc(doc::DocArgs),
    /// Rewrite flows in the canonical layout (`--check`: only list those that would change).
    Fmt(fmt::FmtArgs),
    /// Run a flow here and now.
    Run(run::RunArgs),
    /// Print the bytecode a flow compiles to.
    Disasm(disasm::DisasmArgs),
    /// Import a directory tree (flows, scripts, `.toml` objects) into the store.
    Import(transfer::ImportArgs),
    /// Export objects of the store to a directory tree that `jfc import` reads back.
    Export(transfer::ExportArgs),
    /// Look at and edit objects of the store: ls, cat, set, rm.
    Obj(obj::ObjArgs),
    /// List the process records of the store, or print one's console.
    Ps(ps::PsArgs),
    /// Take up a run in checkpoint mode after a crash, or run its failed job again.
    Resume(resume::ResumeArgs),
    /// The users of the store and the Environment (`$ENV`) each runs flows with.
    User(user::UserArgs),
    /// Run the daemon: events in over HTTP, into the channels of the store.
    Serve(serve::ServeArgs),
    /// Post an event to a channel of `jfc serve` (for monitoring tools, cron, mail).
    Send(send::SendArgs),
    /// The API tokens of `jfc serve`: create, ls, rm.
    Token(token::TokenArgs),
    /// Schedules: when their time fields fire.
    #[command(alias = "sched")]
    Schedule(schedule::ScheduleArgs),
    /// The tasks flows put to people: ls, show, submit, cancel.
    Task(task::TaskArgs),
    /// The language server for editors: LSP over stdin and stdout.
    Lsp(LspArgs),
    /// Run the tests of flows offline: mocked hosts, a virtual clock, a store of their own.
    Test(test::TestArgs),
    /// Run a job manager: take the jobs of an agent zone from the broker and run them.
    Agent(agent::AgentArgs),
    /// List the agents of every zone that answer on the broker.
    Agents(agent::AgentsArgs),
}

#[derive(clap::Args)]
#[command(
    after_help = "An editor starts it; editors/README.md says how for VS Code, Neovim, Helix and Emacs."
)]
pub struct LspArgs {
    /// Accepted for clients that pass it: stdio is the only transport.
    #[arg(long, hide = true)]
    pub stdio: bool,
}

/// The values of `--log-level`.
const LOG_LEVELS: [&str; 6] = ["off", "error", "warn", "info", "debug", "trace"];

/// Whether to colour what goes to stderr: only on a terminal, and never with
/// `NO_COLOR` set to anything but the empty string (no-color.org).
pub fn use_color() -> bool {
    std::io::IsTerminal::is_terminal(&std::io::stderr())
        && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
}

/// Set up `tracing` logs on stderr; `--log-level` wins over `JFC_LOG`. A `JFC_LOG` that is
/// not a valid filter is reported, and the default (`warn`) used.
pub fn init_logging(level: Option<&str>) {
    let from_env = std::env::var("JFC_LOG").ok().filter(|v| !v.is_empty());
    let filter = match (level, from_env) {
        (Some(level), _) => tracing_subscriber::EnvFilter::new(level.to_lowercase()),
        (None, Some(directives)) => tracing_subscriber::EnvFilter::try_new(&directives)
            .unwrap_or_else(|e| {
                eprintln!("warning: JFC_LOG={directives}: {e}; using `warn`");
                tracing_subscriber::EnvFilter::new("warn")
            }),
        // lapin reports a lost broker at ERROR; jfc says it once, in its own words.
        (None, None) => tracing_subscriber::EnvFilter::new("warn,lapin=off"),
    };
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(use_color())
        .without_time()
        .try_init();
}

/// Open the store chosen by `--store`, `JFC_STORE` or the project root.
pub fn open_store(flag: Option<&std::path::Path>) -> Result<jfc_store::Store, String> {
    let cwd = std::env::current_dir().map_err(|e| format!("no current directory: {e}"))?;
    let path = jfc_store::resolve_path(flag, &cwd);
    let mut store = jfc_store::Store::open(&path)
        .map_err(|e| format!("cannot open the store {}: {e}", path.display()))?;
    store.ensure_stdlib().map_err(|e| {
        format!(
            "cannot install the standard library in {}: {e}",
            path.display()
        )
    })?;
    Ok(store)
}

/// Like [`open_store`] for commands that only read (or delete): a missing store is an
/// error, never created, and exits 66 (missing input) as every jfc command does for it.
pub fn open_existing_store(flag: Option<&std::path::Path>) -> Result<jfc_store::Store, Failure> {
    let cwd = std::env::current_dir().map_err(|e| format!("no current directory: {e}"))?;
    let path = jfc_store::resolve_path(flag, &cwd);
    match jfc_store::Store::open_existing(&path) {
        Err(e) if path.is_file() => {
            Err(format!("cannot open the store {}: {e}", path.display()).into())
        }
        Err(e) => Err(Failure::new(e.0, jfc_runtime::run::EXIT_NOINPUT)),
        Ok(store) => Ok(store),
    }
}

/// Why a command failed, and the exit status that says so (1 unless told).
#[derive(Debug)]
pub struct Failure {
    pub message: String,
    pub code: u8,
}

impl Failure {
    pub fn new(message: impl Into<String>, code: u8) -> Failure {
        Failure {
            message: message.into(),
            code,
        }
    }

    /// A usage error: exit 64.
    pub fn usage(message: impl Into<String>) -> Failure {
        Failure::new(message, jfc_runtime::run::EXIT_USAGE)
    }

    /// Say it on stderr; the exit status to end with.
    pub fn exit(self) -> std::process::ExitCode {
        eprintln!("error: {}", self.message);
        std::process::ExitCode::from(self.code)
    }
}

impl From<String> for Failure {
    fn from(message: String) -> Failure {
        Failure::new(message, 1)
    }
}

impl From<jfc_store::StoreError> for Failure {
    fn from(e: jfc_store::StoreError) -> Failure {
        Failure::new(e.0, 1)
    }
}
