//! End-to-end: every `tests/run/NN-name.jf` runs with `jfc run` and must print exactly
//! `NN-name.out` on stdout and end with the status in `NN-name.status` (0 when absent).
//! Parameters come from `NN-name.args`, one `NAME=EXPR` a line. Cases under
//! `tests/store/` each run with a new, empty object store.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

fn cases(dir: &Path) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = fs::read_dir(dir)
        .expect("tests/run exists")
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "jf") && p.with_extension("out").exists())
        .collect();
    v.sort();
    v
}

/// Run one case; `None` when it passes, else what differs.
fn run_case(jf: &Path, store: Option<&Path>) -> Option<String> {
    let want_out = fs::read_to_string(jf.with_extension("out")).ok()?;
    let want_status: i32 = fs::read_to_string(jf.with_extension("status"))
        .map_or(0, |s| s.trim().parse().unwrap_or(-1));
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_jfc"));
    cmd.env_remove("JFC_STORE");
    if let Some(store) = store {
        let _ = fs::remove_file(store);
        cmd.arg("--store").arg(store);
    }
    cmd.current_dir(jf.parent()?)
        .arg("run")
        .arg(jf.file_name()?);
    if let Ok(args) = fs::read_to_string(jf.with_extension("args")) {
        for line in args.lines().filter(|l| !l.trim().is_empty()) {
            cmd.arg("-p").arg(line);
        }
    }
    let out = cmd.output().expect("jfc runs");
    let got_out = String::from_utf8_lossy(&out.stdout);
    let got_status = out.status.code().unwrap_or(-1);
    let mut problems = Vec::new();
    if got_status != want_status {
        problems.push(format!("exit status {got_status}, expected {want_status}"));
    }
    if got_out != want_out {
        problems.push(format!(
            "stdout differs:\n--- expected\n{want_out}--- actual\n{got_out}"
        ));
    }
    if problems.is_empty() {
        None
    } else {
        Some(format!(
            "{}: {}\nstderr: {}",
            jf.display(),
            problems.join("; "),
            String::from_utf8_lossy(&out.stderr)
        ))
    }
}

fn check_dir(dir: &str, with_store: bool) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join(dir);
    let all = cases(&dir);
    assert!(!all.is_empty(), "no cases in {}", dir.display());
    let scratch = tempfile::Builder::new()
        .prefix("jfc-run-cases-")
        .tempdir()
        .expect("temp dir");
    let failures: Vec<String> = all
        .iter()
        .filter_map(|c| {
            let store = with_store.then(|| {
                scratch
                    .path()
                    .join(c.with_extension("sqlite").file_name().unwrap_or_default())
            });
            run_case(c, store.as_deref())
        })
        .collect();
    assert!(
        failures.is_empty(),
        "{} of {} failed:\n{}",
        failures.len(),
        all.len(),
        failures.join("\n")
    );
}

#[test]
fn spec_examples() {
    check_dir("tests/run", false);
}

#[test]
fn vm_cases() {
    check_dir("tests/vm", false);
}

#[test]
fn store_cases() {
    check_dir("tests/store", true);
}
