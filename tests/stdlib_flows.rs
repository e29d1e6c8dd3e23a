//! The stdlib flows of `stdlib/inventory`, `stdlib/batch`, `stdlib/user`, `stdlib/cert`
//! and `stdlib/acl`: their `jfc test` tests all pass, `jfc check --deny-warnings` finds
//! nothing in those folders (tests/stdlib.rs checks the whole library's layout; end to
//! end against real servers: tests/ssh/stdlib_flows.rs; the acl flows against real
//! firewalls in network namespaces: tests/acl.rs).

use std::process::{Command, Output};

const FOLDERS: [&str; 5] = [
    "stdlib/inventory",
    "stdlib/batch",
    "stdlib/user",
    "stdlib/cert",
    "stdlib/acl",
];

fn jfc(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_jfc"))
        .args(args)
        .args(FOLDERS)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env("NO_COLOR", "1")
        .env_remove("JFC_LOG")
        .env_remove("JFC_STORE")
        .output()
        .expect("jfc runs")
}

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

#[test]
fn every_test_of_the_flows_passes() {
    let o = jfc(&["test", "--jobs", "2"]);
    let said = text(&o);
    assert_eq!(o.status.code(), Some(0), "{said}");
    let summary = said.lines().last().unwrap_or_default();
    assert!(summary.contains(" passed, 0 failed"), "{said}");
    // Each folder brings tests of its own: none of them was left out.
    for folder in FOLDERS {
        assert!(
            said.lines()
                .any(|l| l.starts_with("ok   ") && l.contains(&format!("{folder}/"))),
            "no test of {folder} ran: {said}"
        );
    }
}

#[test]
fn the_flows_and_their_tests_check_clean_with_deny_warnings() {
    let o = jfc(&["check", "--deny-warnings"]);
    let said = text(&o);
    assert_eq!(o.status.code(), Some(0), "{said}");
    assert!(said.contains(" 0 errors, 0 warnings"), "{said}");
}
