//! `jfc builtins`: the built-in jobs and functions, from the compiler's table.

use std::process::ExitCode;

use clap::Args;
use jfc_compiler::builtins::{Builtin, BuiltinKind, BUILTINS};
use serde_json::json;

#[derive(Args)]
pub struct BuiltinsArgs {
    /// Print a JSON array (name, kind, signature, params, required, variadic, options, doc).
    #[arg(long)]
    pub json: bool,
}

pub fn run(args: BuiltinsArgs) -> ExitCode {
    if args.json {
        let all: Vec<serde_json::Value> = BUILTINS.iter().map(as_json).collect();
        outln!("{}", serde_json::Value::Array(all));
    } else {
        out!("{}", table());
    }
    ExitCode::SUCCESS
}

fn kind(b: &Builtin) -> &'static str {
    match b.kind {
        BuiltinKind::Job => "job",
        BuiltinKind::Function => "function",
    }
}

fn as_json(b: &Builtin) -> serde_json::Value {
    json!({
        "name": b.name,
        "kind": kind(b),
        "signature": b.signature(),
        "params": b.params,
        "required": b.required,
        "variadic": b.variadic,
        "options": b.options,
        "doc": b.doc,
    })
}

/// One line per built-in: signature, kind, what it does; columns aligned.
fn table() -> String {
    let rows: Vec<(String, &str, &str)> = BUILTINS
        .iter()
        .map(|b| (b.signature(), kind(b), b.doc))
        .collect();
    let width = rows.iter().map(|r| r.0.len()).max().unwrap_or(0);
    let mut out = format!("{:width$}  {:8}  WHAT IT DOES\n", "SIGNATURE", "KIND");
    for (sig, kind, doc) in rows {
        out.push_str(&format!("{sig:width$}  {kind:8}  {doc}\n"));
    }
    out.push_str(
        "\nA job is written on its own (`print('x')`); a function also works inside expressions.\n",
    );
    out
}
