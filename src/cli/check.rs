//! `jfc check`: compile files and directories, report every diagnostic.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Args, ValueEnum};
use jfc_compiler::diagnostics::{json, render, Diagnostic};
use jfc_compiler::span::LineIndex;

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

/// Every `*.jf` file under the given paths, in a stable order.
pub fn collect_files(paths: &[PathBuf]) -> Result<Vec<PathBuf>, String> {
    let mut files = Vec::new();
    for p in paths {
        if p.is_dir() {
            walk(p, &mut files)
                .map_err(|e| format!("cannot read directory {}: {e}", p.display()))?;
        } else if p.exists() {
            files.push(p.clone());
        } else {
            return Err(format!("no such file or directory: {}", p.display()));
        }
    }
    Ok(files)
}

fn walk(dir: &Path, files: &mut Vec<PathBuf>) -> std::io::Result<()> {
    let mut entries: Vec<_> = std::fs::read_dir(dir)?.collect::<Result<_, _>>()?;
    entries.sort_by_key(|e| e.path());
    for e in entries {
        let path = e.path();
        if path.is_dir() {
            walk(&path, files)?;
        } else if path.extension().is_some_and(|x| x == "jf") {
            files.push(path);
        }
    }
    Ok(())
}

pub fn run(args: CheckArgs) -> ExitCode {
    let files = match collect_files(&args.paths) {
        Ok(f) => f,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    let color = std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none();
    let (mut errors, mut warnings) = (0, 0);
    for file in &files {
        let name = file.display().to_string();
        let text = match std::fs::read_to_string(file) {
            Ok(t) => t,
            Err(e) => {
                eprintln!("error: cannot read {name}: {e}");
                errors += 1;
                continue;
            }
        };
        let analysis = jfc_compiler::analyze(&text);
        report(&analysis.diagnostics, &name, &text, args.format, color);
        errors += analysis.diagnostics.iter().filter(|d| d.is_error()).count();
        warnings += analysis
            .diagnostics
            .iter()
            .filter(|d| !d.is_error())
            .count();
    }
    if args.format == Format::Human {
        eprintln!(
            "checked {} file{}: {errors} error{}, {warnings} warning{}",
            files.len(),
            if files.len() == 1 { "" } else { "s" },
            if errors == 1 { "" } else { "s" },
            if warnings == 1 { "" } else { "s" },
        );
    }
    if errors > 0 || (args.deny_warnings && warnings > 0) {
        ExitCode::from(2)
    } else {
        ExitCode::SUCCESS
    }
}

/// Print diagnostics: human ones on stderr, JSON lines on stdout.
pub fn report(diagnostics: &[Diagnostic], name: &str, text: &str, format: Format, color: bool) {
    let index = LineIndex::new(text);
    for d in diagnostics {
        match format {
            Format::Human => eprint!("{}", render::render(d, name, text, color)),
            Format::Json => println!("{}", json::to_json_line(d, name, text, &index)),
        }
    }
}
