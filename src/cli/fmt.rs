//! `jfc fmt`: rewrite files in the canonical layout, or check that they are.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::Args;

use crate::cli::check::{collect_files, report, Format};

#[derive(Args)]
pub struct FmtArgs {
    /// Rewrite nothing: list the files that would change, exit status 1 if any.
    #[arg(long)]
    pub check: bool,
    /// Files, or directories searched recursively for `*.jf`.
    #[arg(required = true)]
    pub paths: Vec<PathBuf>,
}

/// What became of one file.
enum Outcome {
    Unchanged,
    /// Rewritten, or (with `--check`) would be.
    Changed,
    /// Not formatted: syntax errors or an I/O problem, already reported.
    Failed,
}

/// Exit status: 2 when some file could not be formatted, else 1 when `--check`
/// found a file to change, else 0.
pub fn run(args: FmtArgs) -> ExitCode {
    let files = match collect_files(&args.paths) {
        Ok(f) => f,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    let color = super::use_color();
    let (mut failed, mut changed) = (false, false);
    for file in &files {
        match format_file(file, args.check, color) {
            Outcome::Unchanged => {}
            Outcome::Changed => {
                changed = true;
                if args.check {
                    outln!("{}", file.display());
                }
            }
            Outcome::Failed => failed = true,
        }
    }
    if failed {
        ExitCode::from(2)
    } else if args.check && changed {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}

fn format_file(file: &Path, check: bool, color: bool) -> Outcome {
    let name = file.display().to_string();
    let text = match std::fs::read_to_string(file) {
        Ok(t) => t,
        Err(e) => {
            eprintln!("error: cannot read {name}: {e}");
            return Outcome::Failed;
        }
    };
    let formatted = match jfc_compiler::fmt::format(&text) {
        Ok(f) => f,
        Err(diagnostics) => {
            report(&diagnostics, &name, &text, Format::Human, color);
            return Outcome::Failed;
        }
    };
    if formatted == text {
        return Outcome::Unchanged;
    }
    if !check {
        if let Err(e) = std::fs::write(file, formatted) {
            eprintln!("error: cannot write {name}: {e}");
            return Outcome::Failed;
        }
    }
    Outcome::Changed
}
