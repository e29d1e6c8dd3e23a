//! `jfc builtins`: the table of built-ins that E0006 points to.

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

#[test]
fn table_lists_every_builtin_with_its_signature() {
    let out = jfc(&["builtins"]);
    assert_eq!(out.status.code(), Some(0));
    let table = text(&out.stdout);
    for b in jfc_compiler::builtins::BUILTINS {
        assert!(
            table
                .lines()
                .any(|l| l.starts_with(&b.signature()) && l.contains(b.doc)),
            "{} missing from:\n{table}",
            b.name
        );
    }
    let row = |sig: &str, kind: &str| {
        table
            .lines()
            .any(|l| l.starts_with(&format!("{sig} ")) && l.contains(&format!(" {kind} ")))
    };
    assert!(row("print([message], ...)", "job"), "{table}");
    assert!(row("length(obj)", "function"), "{table}");
}

#[test]
fn json_is_one_array_of_every_builtin() {
    let out = jfc(&["builtins", "--json"]);
    assert_eq!(out.status.code(), Some(0));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    let all = v.as_array().expect("an array");
    assert_eq!(all.len(), jfc_compiler::builtins::BUILTINS.len());
    let sleep = all.iter().find(|b| b["name"] == "sleep").expect("sleep");
    assert_eq!(sleep["kind"], "job");
    assert_eq!(sleep["signature"], "sleep(timeout)");
    assert_eq!(sleep["required"], 1);
    let int = all.iter().find(|b| b["name"] == "int").expect("int");
    assert_eq!(int["kind"], "function");
}

#[test]
fn help_describes_the_command() {
    let out = jfc(&["builtins", "--help"]);
    assert_eq!(out.status.code(), Some(0));
    assert!(
        text(&out.stdout).contains("--json"),
        "{}",
        text(&out.stdout)
    );
    let out = jfc(&["--help"]);
    assert!(
        text(&out.stdout).contains("builtins"),
        "{}",
        text(&out.stdout)
    );
}

/// The help of E0006 names `jfc builtins`, which must exist.
#[test]
fn unknown_builtin_help_points_to_an_existing_command() {
    let d = jfc_compiler::analyze("zzzzzz(1)\n").diagnostics;
    let help = d[0].help.as_deref().unwrap_or_default();
    assert!(help.contains("`jfc builtins`"), "{help}");
    assert_eq!(jfc(&["builtins"]).status.code(), Some(0));
}

/// Run jfc with stdout a pipe whose reader has already gone (as `| head -c 10` leaves
/// it once head has read enough).
fn into_closed_pipe(args: &[&str], dir: &std::path::Path) -> Output {
    let (reader, writer) = std::io::pipe().expect("pipe");
    drop(reader);
    Command::new(env!("CARGO_BIN_EXE_jfc"))
        .args(args)
        .current_dir(dir)
        .env_remove("JFC_STORE")
        .stdout(writer)
        .output()
        .expect("jfc runs")
}

#[test]
fn a_closed_stdout_ends_quietly_not_with_a_panic() {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(dir.path().join("bad.jf"), "print(hi) -> print(hi)\n").expect("write");
    let commands: [&[&str]; 6] = [
        &["builtins", "--json"],
        &["builtins"],
        &["explain", "E0015"],
        &["doc", "cli"],
        &["doc", "errors"],
        &["check", "--format", "json", "bad.jf"],
    ];
    for args in commands {
        let out = into_closed_pipe(args, dir.path());
        let stderr = text(&out.stderr);
        assert_eq!(
            out.status.code(),
            Some(141),
            "jfc {args:?}: the status of a command ended by a closed pipe: {stderr}"
        );
        assert!(stderr.is_empty(), "jfc {args:?}: {stderr}");
    }
}
