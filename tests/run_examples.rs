//! End-to-end: every `tests/run/NN-name.jf` runs with `jfc run` and must print exactly
//! `NN-name.out` on stdout and end with the status in `NN-name.status` (0 when absent).
//! Parameters come from `NN-name.args`, one `NAME=EXPR` a line. Cases under
//! `tests/store/` each run with a new, empty object store.
//!
//! Each corpus runs a second time with `--roundtrip-at-jobs`: the VM is written to
//! bytes, dropped and made again from them at every job, and must print the same.

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
fn run_case(jf: &Path, store: Option<&Path>, roundtrip: bool) -> Option<String> {
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
        .args(roundtrip.then_some("--roundtrip-at-jobs"))
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

/// Cases not run with `--roundtrip-at-jobs`, and why: each round trip writes and reads
/// the whole VM, so hundreds of thousands of jobs over a value that grows with them
/// would take hours. What they check survives a round trip in smaller form
/// (tests/vm/roundtrip-small.jf, and vm::snapshot's unit test of a value nested
/// 100,000 deep).
const TOO_LONG_TO_ROUND_TRIP: &[(&str, &str)] = &[
    (
        "tests/vm/deep-values.jf",
        "2,000,000 jobs building a list a million levels deep",
    ),
    (
        "tests/vm/deep-values-ops.jf",
        "200,000 jobs building values 100,000 levels deep",
    ),
    ("tests/vm/try-deadlock-loop.jf", "600,000 jobs"),
];

fn check_dir(dir: &str, with_store: bool, roundtrip: bool) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    for (case, _) in TOO_LONG_TO_ROUND_TRIP {
        assert!(root.join(case).is_file(), "{case} is listed but gone");
    }
    let dir = root.join(dir);
    let mut all = cases(&dir);
    if roundtrip {
        all.retain(|c| {
            !TOO_LONG_TO_ROUND_TRIP
                .iter()
                .any(|(case, _)| root.join(case) == *c)
        });
    }
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
            run_case(c, store.as_deref(), roundtrip)
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
    check_dir("tests/run", false, false);
}

#[test]
fn vm_cases() {
    check_dir("tests/vm", false, false);
}

#[test]
fn store_cases() {
    check_dir("tests/store", true, false);
}

#[test]
fn spec_examples_round_trip() {
    check_dir("tests/run", false, true);
}

#[test]
fn vm_cases_round_trip() {
    check_dir("tests/vm", false, true);
}

#[test]
fn store_cases_round_trip() {
    check_dir("tests/store", true, true);
}
