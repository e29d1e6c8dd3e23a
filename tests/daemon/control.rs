//! Terminate, suspend and resume a run of the daemon over the API (platform.md §2.4).

use std::time::{Duration, Instant};

use serde_json::json;

use crate::shared;

/// Whether a process whose command line is `cmdline` runs on this machine.
fn running(cmdline: &str) -> bool {
    std::fs::read_dir("/proc")
        .expect("/proc")
        .filter_map(Result::ok)
        .filter_map(|e| std::fs::read(e.path().join("cmdline")).ok())
        .any(|c| String::from_utf8_lossy(&c).replace('\0', " ").trim() == cmdline)
}

#[test]
fn a_terminated_run_ends_aborted_and_its_command_is_stopped() {
    let d = shared();
    d.flow("/t/long", "print('started') -> ['sleep 31.25']");
    let pid = d.start_flow("/t/long", json!({}));
    d.until_waiting(pid);
    let deadline = Instant::now() + Duration::from_secs(10);
    while !running("sleep 31.25") {
        assert!(Instant::now() < deadline, "the command never started");
        std::thread::sleep(Duration::from_millis(20));
    }
    let path = format!("/api/v1/processes/{pid}/terminate");
    let (status, body) = d.call("POST", &path, None);
    assert_eq!(
        (status, body["action"].clone()),
        (202, json!("terminate")),
        "{body}"
    );
    let done = d.wait(pid);
    assert_eq!(done["status"], "ABORTED", "{done}");
    assert_eq!(done["error"], "terminated");
    let deadline = Instant::now() + Duration::from_secs(10);
    while running("sleep 31.25") {
        assert!(
            Instant::now() < deadline,
            "the command outlived its terminated process"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    let (status, body) = d.call("POST", &path, None);
    assert_eq!(
        (status, body["error"]["code"].clone()),
        (409, json!("not_running"))
    );
    let (status, _) = d.call("POST", "/api/v1/processes/987654/terminate", None);
    assert_eq!(status, 404);
}

#[test]
fn a_suspended_run_waits_for_resume_to_go_on() {
    let d = shared();
    d.obj(&["/t/gate", "--type", "Channel"]);
    d.flow(
        "/t/gated",
        "print('a') -> [ch = /t/gate] -> <ch> -> print('b', $RESULT)",
    );
    let pid = d.start_flow("/t/gated", json!({}));
    d.until_waiting(pid);
    let suspend = format!("/api/v1/processes/{pid}/suspend");
    assert_eq!(d.call("POST", &suspend, None).0, 202);
    d.send("/t/gate", json!("open"));
    // Long enough for a run that is not suspended to take the message and end.
    std::thread::sleep(Duration::from_millis(500));
    let rec = d.process(pid);
    assert!(
        rec["finished"].is_null(),
        "it went on while suspended: {rec}"
    );
    assert_eq!(rec["console"], "a\n");
    let resume = format!("/api/v1/processes/{pid}/resume");
    assert_eq!(d.call("POST", &resume, None).0, 202);
    let done = d.wait(pid);
    assert_eq!(done["status"], "DONE", "{done}");
    assert_eq!(done["console"], "a\nb open\n");
}
