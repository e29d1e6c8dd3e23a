//! Tests from the editor: over a test file (`*_test.jf`, or a flow under a project's
//! `tests/`) a code lens offers to run it; the command runs `jfc test` on the file and
//! tells the outcome in a message (and answers it as JSON).

use std::path::Path;
use std::process::Command;

use jfc_compiler::builtins::Dialect;
use serde_json::Value;
use tower_lsp::lsp_types::{CodeLens, Command as LspCommand, MessageType, Position, Range, Url};

/// The command a lens runs, with the document's URI as its argument.
pub const RUN_TEST: &str = "jfc.runTest";

/// The lens of a test file; none for an ordinary flow.
pub fn lenses(uri: &Url) -> Vec<CodeLens> {
    if crate::workspace::dialect(uri) != Dialect::Test {
        return Vec::new();
    }
    vec![CodeLens {
        range: Range::new(Position::new(0, 0), Position::new(0, 0)),
        command: Some(LspCommand {
            title: "▶ Run test".into(),
            command: RUN_TEST.into(),
            arguments: Some(vec![Value::String(uri.to_string())]),
        }),
        data: None,
    }]
}

/// Run the test at `file` with this very jfc: the message to show, and the outcome as
/// `jfc test --format json` gives it (one object a test, then the totals).
pub fn run(file: &Path) -> (MessageType, String, Value) {
    let jfc = match std::env::current_exe() {
        Ok(p) => p,
        Err(e) => return failed(format!("cannot find jfc to run the test: {e}")),
    };
    let dir = file.parent().unwrap_or(Path::new("."));
    let out = Command::new(jfc)
        .args(["test", "--format", "json", "--jobs", "1"])
        .arg(file)
        .current_dir(dir)
        .output();
    let out = match out {
        Ok(o) => o,
        Err(e) => return failed(format!("cannot run jfc test: {e}")),
    };
    let lines: Vec<Value> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| serde_json::from_str(l).ok())
        .collect();
    let Some(test) = lines.iter().find(|l| l.get("name").is_some()) else {
        let why = String::from_utf8_lossy(&out.stderr).trim().to_string();
        return failed(format!("jfc test did not run the test: {why}"));
    };
    let name = test["name"].as_str().unwrap_or_default();
    let ms = test["wall_ms"].as_f64().unwrap_or_default();
    let message = if test["passed"] == Value::Bool(true) {
        (
            MessageType::INFO,
            format!("jfc test: {name} passed ({ms:.0} ms)"),
        )
    } else {
        let why: Vec<&str> = test["failures"]
            .as_array()
            .map(|f| f.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        (
            MessageType::ERROR,
            format!("jfc test: {name} failed: {}", why.join("; ")),
        )
    };
    (message.0, message.1, Value::Array(lines))
}

fn failed(why: String) -> (MessageType, String, Value) {
    (MessageType::ERROR, why, Value::Null)
}
