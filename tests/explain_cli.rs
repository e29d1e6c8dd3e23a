//! `jfc explain`: the explanation of a diagnostic code, and the list of codes.

use std::process::{Command, Output};

use jfc_compiler::diagnostics::Code;

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
fn a_code_prints_its_explanation() {
    let out = jfc(&["explain", "E0015"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let shown = text(&out.stdout);
    assert_eq!(shown, Code::UndefinedName.explanation());
    assert!(shown.starts_with("# E0015: "), "{shown}");
    assert!(shown.contains("```jobflow wrong"), "{shown}");
}

#[test]
fn a_code_is_taken_in_any_case_and_without_its_zeros() {
    let full = jfc(&["explain", "W0007"]).stdout;
    for typed in ["w0007", "W7", "w7"] {
        let out = jfc(&["explain", typed]);
        assert_eq!(out.status.code(), Some(0), "{typed}: {}", text(&out.stderr));
        assert_eq!(out.stdout, full, "{typed}");
    }
}

#[test]
fn an_unknown_code_is_named_with_the_nearest_one() {
    let out = jfc(&["explain", "E0099"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty());
    let err = text(&out.stderr);
    assert!(err.contains("no diagnostic code `E0099`"), "{err}");
    assert!(err.contains("did you mean E0019"), "{err}");
    assert!(err.contains("jfc explain --list"), "{err}");

    let out = jfc(&["explain", "banana"]);
    assert_eq!(out.status.code(), Some(2));
    let err = text(&out.stderr);
    assert!(err.contains("`banana`") && err.contains("--list"), "{err}");
    assert!(!err.contains("did you mean"), "{err}");
}

#[test]
fn the_list_has_every_code_with_its_severity_and_summary() {
    let out = jfc(&["explain", "--list"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let table = text(&out.stdout);
    for code in Code::ALL {
        let level = if code.as_str().starts_with('E') {
            "error"
        } else {
            "warning"
        };
        assert!(
            table.lines().any(|l| l.starts_with(code.as_str())
                && l.contains(&format!(" {level} "))
                && l.ends_with(code.summary())),
            "{} missing from:\n{table}",
            code.as_str()
        );
    }
}

#[test]
fn the_list_as_json_is_one_array_of_every_code() {
    let out = jfc(&["explain", "--list", "--format", "json"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    let all = v.as_array().expect("an array");
    assert_eq!(all.len(), Code::ALL.len());
    let w2 = all.iter().find(|c| c["code"] == "W0002").expect("W0002");
    assert_eq!(w2["severity"], "warning");
    assert_eq!(w2["summary"], Code::UnusedVariable.summary());
}

#[test]
fn a_code_or_the_list_is_required_and_format_goes_with_the_list() {
    let out = jfc(&["explain"]);
    assert_eq!(out.status.code(), Some(64));
    assert!(text(&out.stderr).contains("CODE"), "{}", text(&out.stderr));
    // `--format` is for the list only: with a code it is a usage error, not ignored.
    let out = jfc(&["explain", "E0001", "--format", "json"]);
    assert_eq!(out.status.code(), Some(64));
    assert!(
        text(&out.stderr).contains("--format"),
        "{}",
        text(&out.stderr)
    );
}
