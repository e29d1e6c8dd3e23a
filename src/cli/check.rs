//! `jfc check`: compile files and directories, report every diagnostic.
//!
//! Exit status: 0 no error, 2 the flows have errors (or warnings with
//! `--deny-warnings`), 64 usage error (EX_USAGE), 66 an input file is missing or
//! unreadable (EX_NOINPUT; the other files are still checked).

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Args, ValueEnum};
use jfc_compiler::check::FilePlace;
use jfc_compiler::diagnostics::{json, render, Diagnostic};
use jfc_compiler::span::LineIndex;

// The exit statuses every jfc command shares: 2 the flows have errors, 66 an input
// file does not exist or cannot be read.
use jfc_runtime::run::{EXIT_COMPILE as EXIT_ERRORS, EXIT_NOINPUT as EXIT_NO_INPUT};

#[derive(Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum Format {
    Human,
    Json,
}

#[derive(Args)]
pub struct CheckArgs {
    /// Output format of the diagnostics.
    #[arg(long, value_enum, default_value = "human")]
    pub format: Format,
    /// Treat warnings as errors (exit status 2 when any).
    #[arg(long)]
    pub deny_warnings: bool,
    /// Files, or directories searched recursively for `*.jf`.
    #[arg(required = true)]
    pub paths: Vec<PathBuf>,
}

/// Every `*.jf` file under the given paths, in a stable order; the first path that
/// cannot be read is an error.
pub fn collect_files(paths: &[PathBuf]) -> Result<Vec<PathBuf>, String> {
    let (files, problems) = collect_readable(paths);
    match problems.into_iter().next() {
        Some((path, problem)) => Err(format!("{}: {problem}", path.display())),
        None => Ok(files),
    }
}

/// Every `*.jf` file under the given paths, in a stable order, and the problems of
/// the paths that could not be read (`(path, problem)`).
fn collect_readable(paths: &[PathBuf]) -> (Vec<PathBuf>, Vec<(PathBuf, String)>) {
    let mut files = Vec::new();
    let mut missing = Vec::new();
    for p in paths {
        if p.is_dir() {
            if let Err(e) = walk(p, &mut files) {
                missing.push((p.clone(), format!("cannot read directory: {e}")));
            }
        } else if p.exists() {
            files.push(p.clone());
        } else {
            missing.push((p.clone(), "no such file or directory".to_string()));
        }
    }
    (files, missing)
}

/// The `*.jf` files under `dir`, in name order; links are followed, loops reported.
fn walk(dir: &Path, files: &mut Vec<PathBuf>) -> std::io::Result<()> {
    let entries = walkdir::WalkDir::new(dir)
        .follow_links(true)
        .sort_by_file_name();
    for e in entries {
        let e = e?;
        if e.file_type().is_file() && e.path().extension().is_some_and(|x| x == "jf") {
            files.push(e.into_path());
        }
    }
    Ok(())
}

pub fn run(args: CheckArgs) -> ExitCode {
    let (files, mut unreadable) = collect_readable(&args.paths);
    let color = super::use_color();
    let (mut checked, mut errors, mut warnings) = (0, 0, 0);
    for (i, file) in files.iter().enumerate() {
        let name = file.display().to_string();
        let text = match std::fs::read_to_string(file) {
            Ok(t) => t,
            Err(e) => {
                unreadable.push((file.clone(), format!("cannot read: {e}")));
                continue;
            }
        };
        checked += 1;
        let analysis = jfc_compiler::analyze_file(&text, &FilePlace::of(file));
        report(&analysis.diagnostics, &name, &text, args.format, color);
        errors += analysis.diagnostics.iter().filter(|d| d.is_error()).count();
        warnings += analysis
            .diagnostics
            .iter()
            .filter(|d| !d.is_error())
            .count();
        if i + 1 == files.len() {
            // The process ends after the last file: freeing its tree node by node
            // would only add time (a tenth of the check of a long flow).
            std::mem::forget(analysis.program);
        }
    }
    for (path, problem) in &unreadable {
        report_unreadable(path, problem, args.format);
    }
    if args.format == Format::Human {
        eprintln!(
            "checked {checked} file{}: {errors} error{}, {warnings} warning{}",
            if checked == 1 { "" } else { "s" },
            if errors == 1 { "" } else { "s" },
            if warnings == 1 { "" } else { "s" },
        );
    }
    if !unreadable.is_empty() {
        ExitCode::from(EXIT_NO_INPUT)
    } else if errors > 0 || (args.deny_warnings && warnings > 0) {
        ExitCode::from(EXIT_ERRORS)
    } else {
        ExitCode::SUCCESS
    }
}

/// A path that could not be checked: a line on stderr, or one JSON object on stdout.
fn report_unreadable(path: &Path, problem: &str, format: Format) {
    let file = path.display().to_string();
    match format {
        Format::Human => eprintln!("error: {file}: {problem}"),
        Format::Json => outln!(
            "{}",
            serde_json::json!({
                "code": "input",
                "severity": "error",
                "message": format!("{file}: {problem}"),
                "file": file,
            })
        ),
    }
}

/// Print diagnostics: human ones on stderr, JSON lines on stdout.
pub fn report(diagnostics: &[Diagnostic], name: &str, text: &str, format: Format, color: bool) {
    let index = LineIndex::new(text);
    for d in diagnostics {
        match format {
            Format::Human => eprint!("{}", render::render(d, name, text, color)),
            Format::Json => outln!("{}", json::to_json_line(d, name, text, &index)),
        }
    }
}
