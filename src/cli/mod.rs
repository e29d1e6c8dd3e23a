//! Subcommands of `jfc`, one module each.

pub mod builtins;
pub mod check;
pub mod disasm;
pub mod fmt;
pub mod obj;
pub mod ps;
pub mod run;
pub mod transfer;
pub mod user;

use clap::{Parser, Subcommand};

/// The jobflow toolchain: check, format, inspect and run jobflows.
#[derive(Parser)]
#[command(name = "jfc", version, about, long_about = None)]
pub struct Cli {
    /// Log level for diagnostics of jfc itself (error, warn, info, debug, trace); also JFC_LOG.
    #[arg(long, global = true, value_name = "LEVEL")]
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
    /// The users of the store and the Environment (`$ENV`) each runs flows with.
    User(user::UserArgs),
}

/// Set up `tracing` logs on stderr; `--log-level` wins over `JFC_LOG`.
pub fn init_logging(level: Option<&str>) {
    let filter = level
        .map(str::to_string)
        .or_else(|| std::env::var("JFC_LOG").ok())
        .unwrap_or_else(|| "warn".to_string());
    let _ = tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::new(filter))
        .with_writer(std::io::stderr)
        .without_time()
        .try_init();
}

/// Open the store chosen by `--store`, `JFC_STORE` or the project root.
pub fn open_store(flag: Option<&std::path::Path>) -> Result<jfc_runtime::store::Store, String> {
    let cwd = std::env::current_dir().map_err(|e| format!("no current directory: {e}"))?;
    let path = jfc_runtime::store::resolve_path(flag, &cwd);
    jfc_runtime::store::Store::open(&path)
        .map_err(|e| format!("cannot open the store {}: {e}", path.display()))
}

/// Like [`open_store`] for commands that only read (or delete): a missing store is an
/// error, never created.
pub fn open_existing_store(
    flag: Option<&std::path::Path>,
) -> Result<jfc_runtime::store::Store, String> {
    let cwd = std::env::current_dir().map_err(|e| format!("no current directory: {e}"))?;
    let path = jfc_runtime::store::resolve_path(flag, &cwd);
    match jfc_runtime::store::Store::open_existing(&path) {
        Err(e) if path.is_file() => Err(format!("cannot open the store {}: {e}", path.display())),
        opened => opened.map_err(|e| e.0),
    }
}
