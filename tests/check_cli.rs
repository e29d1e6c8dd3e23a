//! `jfc check` exit statuses: 2 the flows have errors, 64 usage error, 66 missing
//! input; a missing file answers in JSON too with `--format json`; every error of a
//! file in one run; calls of sibling flows resolved against the file's directory.

use std::path::Path;
use std::process::{Command, Output};

fn jfc(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_jfc"))
        .args(args)
        .output()
        .expect("jfc runs")
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// A fresh directory for one test, removed when the returned value is dropped.
fn temp_dir(name: &str) -> tempfile::TempDir {
    tempfile::Builder::new()
        .prefix(&format!("jfc-check-{name}-"))
        .tempdir()
        .expect("temp dir")
}

fn write(path: &Path, text: &str) -> String {
    std::fs::write(path, text).expect("write");
    path.display().to_string()
}

#[test]
fn missing_file_is_exit_66_and_json_names_it() {
    let dir = temp_dir("missing");
    let good = write(&dir.path().join("good.jf"), "print('x')\n");
    let missing = dir.path().join("nosuch.jf").display().to_string();
    let out = jfc(&["check", "--format", "json", &missing]);
    assert_eq!(out.status.code(), Some(66));
    let v: serde_json::Value =
        serde_json::from_str(text(&out.stdout).trim()).expect("one JSON object");
    assert_eq!(v["file"], missing.as_str());
    assert_eq!(v["severity"], "error");
    assert!(
        v["message"].as_str().unwrap().contains("no such file"),
        "{v}"
    );

    // The other files are still checked; the missing one decides the status.
    let out = jfc(&["check", &missing, &good]);
    assert_eq!(out.status.code(), Some(66));
    let err = text(&out.stderr);
    assert!(
        err.contains("nosuch.jf: no such file or directory"),
        "{err}"
    );
    assert!(err.contains("checked 1 file"), "{err}");
}

#[test]
fn usage_error_is_exit_64_and_flow_errors_exit_2() {
    assert_eq!(jfc(&["check"]).status.code(), Some(64));
    assert_eq!(
        jfc(&["check", "--no-such-option", "x.jf"]).status.code(),
        Some(64)
    );
    assert_eq!(
        jfc(&["--log-level", "warn", "check", "--bogus"])
            .status
            .code(),
        Some(64)
    );
    assert_eq!(jfc(&["check", "--help"]).status.code(), Some(0));
    let dir = temp_dir("usage");
    let bad = write(&dir.path().join("bad.jf"), "print(\n");
    assert_eq!(jfc(&["check", &bad]).status.code(), Some(2));
}

#[test]
fn syntax_and_semantic_errors_in_one_run() {
    let dir = temp_dir("one-run");
    let file = write(
        &dir.path().join("f.jf"),
        "[a = {x = 1, x = 2}] -> continue\n-> [y = ] -> print(a)\n",
    );
    let out = jfc(&["check", "--format", "json", &file]);
    assert_eq!(out.status.code(), Some(2));
    let codes: Vec<String> = text(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap()["code"].to_string())
        .collect();
    assert_eq!(codes, ["\"E0004\"", "\"E0003\"", "\"W0003\"", "\"E0001\""]);
}

#[test]
fn sibling_flow_calls_are_checked_outside_a_project() {
    let dir = temp_dir("siblings");
    write(&dir.path().join("deploy.jf"), "print('deploy')\n");
    let main = write(&dir.path().join("main.jf"), "[./deploy] -> [./nosuch]\n");
    let out = jfc(&["check", "--format", "json", &main]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
    let v: serde_json::Value = serde_json::from_str(text(&out.stdout).trim()).expect("one line");
    assert_eq!(v["code"], "E0016");
    assert_eq!(v["column"], 16);
    // In a project the path may name a store object: nothing to report.
    write(&dir.path().join("jfc.toml"), "");
    assert_eq!(jfc(&["check", &main]).status.code(), Some(0));
}
