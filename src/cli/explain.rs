//! `jfc explain CODE`: what a diagnostic code means, with a wrong and a fixed example;
//! `--list`: every code with its severity and summary.

use std::process::ExitCode;

use clap::{Args, ValueEnum};
use jfc_compiler::diagnostics::{explain, Code, Severity};
use serde_json::json;

/// The status for a code that does not exist.
const UNKNOWN_CODE: u8 = 2;

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Text,
    Json,
}

#[derive(Args)]
#[command(
    after_help = "CODE is taken in either case, with or without its leading zeros: E0015, e0015 and E15 are the same code."
)]
pub struct ExplainArgs {
    /// The code of a diagnostic, as `jfc check` shows it (E0015, W0002...).
    #[arg(required_unless_present = "list", conflicts_with = "list")]
    pub code: Option<String>,
    /// List every code with its severity and one-line summary.
    #[arg(long)]
    pub list: bool,
    /// Format of `--list`: aligned text (the default), or a JSON array of {code, severity, summary}.
    #[arg(long, value_enum, conflicts_with = "code")]
    pub format: Option<Format>,
}

pub fn run(args: ExplainArgs) -> ExitCode {
    if args.list {
        match args.format.unwrap_or(Format::Text) {
            Format::Text => out!("{}", table()),
            Format::Json => outln!("{}", as_json()),
        }
        return ExitCode::SUCCESS;
    }
    let typed = args.code.unwrap_or_default();
    match explain::lookup(&typed) {
        Some(code) => {
            out!("{}", code.explanation());
            ExitCode::SUCCESS
        }
        None => {
            eprintln!("error: {}", unknown(&typed));
            ExitCode::from(UNKNOWN_CODE)
        }
    }
}

/// The error for a code that does not exist, with the nearest one when there is one.
fn unknown(typed: &str) -> String {
    let hint = match explain::nearest(typed) {
        Some(near) => format!(
            "did you mean {} ({})? `jfc explain --list` lists every code",
            near.as_str(),
            near.summary()
        ),
        None => "codes look like E0015 or W0002; `jfc explain --list` lists every code".into(),
    };
    format!("there is no diagnostic code `{typed}`; {hint}")
}

fn severity(code: Code) -> &'static str {
    match code.severity() {
        Severity::Error => "error",
        Severity::Warning => "warning",
    }
}

fn table() -> String {
    let mut out = format!("{:5}  {:8}  SUMMARY\n", "CODE", "SEVERITY");
    for &code in Code::ALL {
        out.push_str(&format!(
            "{:5}  {:8}  {}\n",
            code.as_str(),
            severity(code),
            code.summary()
        ));
    }
    out.push_str("\n`jfc explain CODE` explains one code, with examples.\n");
    out
}

fn as_json() -> serde_json::Value {
    Code::ALL
        .iter()
        .map(|&c| json!({ "code": c.as_str(), "severity": severity(c), "summary": c.summary() }))
        .collect()
}
