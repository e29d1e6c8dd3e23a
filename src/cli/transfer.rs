//! `jfc import` and `jfc export`: a directory tree of files to objects and back
//! (jfc_store::import, jfc_store::export).

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::Args;
use jfc_store::export::ExportOptions;
use jfc_store::import::{normalise_path, ImportOptions, ImportReport};

const LAYOUT: &str = "\
Layout:
  NAME.jf          Jobflow NAME (compiled when imported; errors are stored per line)
  NAME.sh, NAME.py, ... or any file with a #! line or the executable bit
                   ScriptJob NAME (ext = the file extension)
  NAME.toml        an object of the type its `type` key names, e.g.
                     type = \"/system/types/NodeInfo\"   (or just \"NodeInfo\")
                     display_name = \"Web server\"       (optional, also description)
                     hostname = \"web1\"                 (fields, converted and checked)
                     port = 22
  NAME/            Directory NAME
  NAME.meta.toml   the other fields of NAME.jf, a script or NAME/ (and `type` of a directory)
Hidden files and directories (.git, .jfc) are ignored.";

/// Import a directory tree of flows, scripts and `.toml` objects into the store.
#[derive(Args)]
#[command(after_help = format!("{LAYOUT}\n\n\
Only files changed since the last import are read again. A field that was changed in the\n\
store since the last import is never overwritten: when the file changes it too, that is a\n\
conflict (reported, not written) until --force. Exit status: 0, or 1 when there were\n\
conflicts or errors (everything else was imported)."))]
pub struct ImportArgs {
    /// The directory to import.
    pub dir: PathBuf,
    /// The object directory to import into; created (with its parents) when missing.
    #[arg(long, default_value = "/", value_name = "PATH")]
    pub to: String,
    /// Overwrite fields changed in the store since the last import, and re-read every file.
    #[arg(long)]
    pub force: bool,
    /// Delete objects imported from (or exported to) files of DIR that are gone (default:
    /// keep and report). Objects of other directories are never touched.
    #[arg(long)]
    pub prune: bool,
    /// Report what would be created, updated and deleted; write nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Print the report as JSON on stdout.
    #[arg(long)]
    pub json: bool,
}

/// Export objects to a directory tree that `jfc import` reads back.
#[derive(Args)]
#[command(after_help = format!("{LAYOUT}\n\n\
Password fields are left out unless --secrets. Existing files of other objects in DIR are\n\
left alone."))]
pub struct ExportArgs {
    /// The object to export: the children of a directory, else the object itself.
    pub path: String,
    /// The directory to write to (created when missing).
    pub dir: PathBuf,
    /// Write Password fields too.
    #[arg(long)]
    pub secrets: bool,
    /// Print the report as JSON on stdout.
    #[arg(long)]
    pub json: bool,
}

pub fn import(args: ImportArgs, store: Option<&Path>) -> ExitCode {
    let to = match normalise_path(&args.to) {
        Ok(p) => p,
        Err(e) => {
            eprintln!("error: --to: {e}");
            return ExitCode::from(jfc_runtime::run::EXIT_USAGE);
        }
    };
    // A wrong directory is said before the store is opened: a typo makes no store.
    if !args.dir.is_dir() {
        let why = if args.dir.exists() {
            "not a directory"
        } else {
            "no such directory"
        };
        eprintln!("error: import: {}: {why}", args.dir.display());
        return ExitCode::from(jfc_runtime::run::EXIT_NOINPUT);
    }
    // A dry run writes nothing, not even a new store.
    let opened = if args.dry_run {
        super::open_existing_store(store)
    } else {
        super::open_store(store).map_err(super::Failure::from)
    };
    let mut store = match opened {
        Ok(s) => s,
        Err(failure) => return failure.exit(),
    };
    let opts = ImportOptions {
        force: args.force,
        prune: args.prune,
        dry_run: args.dry_run,
        ..ImportOptions::default()
    };
    let report = match store.import_dir(&args.dir, &to, &opts) {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: import of {}: {e}", args.dir.display());
            return ExitCode::from(1);
        }
    };
    if args.json {
        outln!("{}", report_json(&report, &args.dir, &to, args.dry_run));
    } else {
        for m in &report.messages {
            eprintln!("{m}");
        }
        outln!(
            "{} {} into {to}: {} created, {} updated, {} unchanged, {} skipped, {} conflicts, {} errors{}",
            if args.dry_run { "dry run, nothing written: would import" } else { "imported" },
            args.dir.display(),
            report.created,
            report.updated,
            report.unchanged,
            report.skipped,
            report.conflicts,
            report.errors,
            if report.deleted > 0 {
                format!(", {} deleted", report.deleted)
            } else {
                String::new()
            }
        );
    }
    if report.ok() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}

fn report_json(r: &ImportReport, dir: &Path, to: &str, dry_run: bool) -> serde_json::Value {
    let messages: Vec<_> = r
        .messages
        .iter()
        .map(|m| {
            serde_json::json!({
                "kind": m.kind.as_str(),
                "file": m.file.as_ref().map(|f| f.display().to_string()),
                "object": m.object,
                "message": m.text,
            })
        })
        .collect();
    serde_json::json!({
        "dir": dir.display().to_string(),
        "to": to,
        "created": r.created,
        "updated": r.updated,
        "unchanged": r.unchanged,
        "skipped": r.skipped,
        "conflicts": r.conflicts,
        "errors": r.errors,
        "deleted": r.deleted,
        "dry_run": dry_run,
        "messages": messages,
    })
}

pub fn export(args: ExportArgs, store: Option<&Path>) -> ExitCode {
    let from = match normalise_path(&args.path) {
        Ok(p) => p,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(jfc_runtime::run::EXIT_USAGE);
        }
    };
    let mut store = match super::open_existing_store(store) {
        Ok(s) => s,
        Err(failure) => return failure.exit(),
    };
    let opts = ExportOptions {
        secrets: args.secrets,
    };
    match store.export_dir(&from, &args.dir, &opts) {
        Ok(report) => {
            if args.json {
                outln!(
                    "{}",
                    serde_json::json!({
                        "from": from,
                        "dir": args.dir.display().to_string(),
                        "objects": report.objects,
                        "files_written": report.files_written,
                        "files_removed": report
                            .files_removed
                            .iter()
                            .map(|f| f.display().to_string())
                            .collect::<Vec<_>>(),
                        "messages": report.messages,
                    })
                );
            } else {
                for m in &report.messages {
                    eprintln!("note: {m}");
                }
                for f in &report.files_removed {
                    outln!("removed {} (stale: nothing left to put in it)", f.display());
                }
                outln!(
                    "exported {from} to {}: {} objects, {} files written{}",
                    args.dir.display(),
                    report.objects,
                    report.files_written,
                    match report.files_removed.len() {
                        0 => String::new(),
                        n => format!(", {n} removed"),
                    }
                );
            }
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: export of {from}: {e}");
            ExitCode::from(1)
        }
    }
}
