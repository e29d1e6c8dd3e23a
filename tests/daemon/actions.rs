//! Channel actions (platform.md §3.3): one run of the action's flow per message, the
//! message as its first parameter, after any process already waiting on the channel.

use serde_json::json;

use crate::shared;

#[test]
fn each_message_on_an_action_channel_starts_one_run_with_the_message() {
    let d = shared();
    d.flow(
        "/t/on_alert",
        "|alert| |suffix = '!'|\nprint('alert for ' + alert.host + suffix)",
    );
    d.obj(&[
        "/t/alerts",
        "--type",
        "Channel",
        "action_type=ExecuteJobflow",
        "action_target=/t/on_alert",
    ]);
    for host in ["web1", "web2", "web3"] {
        d.send("/t/alerts", json!({ "host": host }));
    }
    let runs = d.finished("/t/on_alert", 3);
    let mut consoles: Vec<String> = runs
        .iter()
        .map(|r| {
            assert_eq!(r["status"], "DONE", "{r}");
            assert_eq!(r["invoker"], "/t/alerts", "{r}");
            d.process(r["pid"].as_i64().expect("pid"))["console"]
                .as_str()
                .expect("a console")
                .to_string()
        })
        .collect();
    consoles.sort();
    assert_eq!(
        consoles,
        [
            "alert for web1!\n",
            "alert for web2!\n",
            "alert for web3!\n"
        ]
    );
    assert_eq!(d.run_flow("print(/t/alerts.message_count)"), "0\n");
}

#[test]
fn a_process_waiting_on_the_channel_takes_the_message_before_the_action() {
    let d = shared();
    d.flow("/t/busy_action", "|m|\nprint('action got ' + m)");
    d.obj(&[
        "/t/busy",
        "--type",
        "Channel",
        "action_type=ExecuteJobflow",
        "action_target=/t/busy_action",
    ]);
    d.flow(
        "/t/busy_waiter",
        "[ch = /t/busy] -> <ch> -> print('waiter got ' + $RESULT)",
    );
    let waiter = d.start_flow("/t/busy_waiter", json!({}));
    d.until_waiting(waiter);
    d.send("/t/busy", json!("first"));
    let done = d.wait(waiter);
    assert_eq!(done["status"], "DONE", "{done}");
    assert_eq!(done["console"], "waiter got first\n");
    d.send("/t/busy", json!("second"));
    let runs = d.finished("/t/busy_action", 1);
    let pid = runs[0]["pid"].as_i64().expect("pid");
    assert_eq!(d.process(pid)["console"], "action got second\n");
}

#[test]
fn an_action_flow_that_takes_no_parameter_ends_with_an_error_naming_why() {
    let d = shared();
    d.flow("/t/no_params", "print('never')");
    d.obj(&[
        "/t/wrong",
        "--type",
        "Channel",
        "action_type=ExecuteJobflow",
        "action_target=/t/no_params",
    ]);
    d.send("/t/wrong", json!({ "x": 1 }));
    let runs = d.finished("/t/no_params", 1);
    assert_eq!(runs[0]["status"], "ABORTED", "{}", runs[0]);
    let error = runs[0]["error"].as_str().unwrap_or_default();
    assert!(error.contains("takes 0 parameters"), "{error}");
}

#[test]
fn jfc_send_reaches_a_flow_the_daemon_runs_that_waits_on_the_channel() {
    let d = shared();
    d.obj(&["/t/pager", "--type", "Channel"]);
    d.flow(
        "/t/on_call",
        "[ch = /t/pager] -> <ch> -> print('paged about', $RESULT.host, $RESULT.severity)",
    );
    let pid = d.start_flow("/t/on_call", json!({}));
    d.until_waiting(pid);
    let o = std::process::Command::new(env!("CARGO_BIN_EXE_jfc"))
        .args(["send", "--server", &d.url, "--channel", "/t/pager"])
        .args(["host=db1", "severity=high"])
        .env("JFC_TOKEN", &d.admin)
        .output()
        .expect("jfc send runs");
    assert!(o.status.success(), "{}", crate::harness::err(&o));
    let done = d.wait(pid);
    assert_eq!(done["console"], "paged about db1 high\n", "{done}");
}
