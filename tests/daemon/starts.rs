//! Starting a flow through the API (`POST /api/v1/processes`) and waiting for it.

use serde_json::json;

use crate::harness::token;
use crate::shared;

#[test]
fn a_flow_started_over_the_api_runs_with_its_parameters() {
    let d = shared();
    d.flow(
        "/t/greet",
        "|name| |times = 1|\nprint('hello ' + name + ' x' + string(times))",
    );
    let body = json!({ "job": "/t/greet", "parameters": { "name": "ops", "times": 2 } });
    let (status, answer) = d.call("POST", "/api/v1/processes", Some(body));
    assert_eq!(status, 201, "{answer}");
    assert_eq!(answer["job"], "/t/greet");
    let pid = answer["pid"].as_i64().expect("a pid");
    let done = d.wait(pid);
    assert_eq!(done["status"], "DONE", "{done}");
    assert_eq!(done["console"], "hello ops x2\n");
    assert_eq!(done["invoker"], serde_json::Value::Null);
}

#[test]
fn a_start_is_refused_with_a_reason_and_nothing_runs() {
    let d = shared();
    d.flow("/t/refused", "print('ran')");
    let start = |token: Option<&str>, body: serde_json::Value| {
        d.call_as(token, "POST", "/api/v1/processes", Some(body))
    };
    let ok = json!({ "job": "/t/refused" });
    assert_eq!(start(None, ok.clone()).0, 401);
    let sender = token(&d.store, "start-sender", &["send"]);
    let (status, body) = start(Some(&sender), ok);
    assert_eq!(status, 403, "{body}");
    let (status, body) = start(Some(&d.admin), json!({ "job": "/t/nothing" }));
    assert_eq!(
        (status, body["error"]["code"].clone()),
        (404, json!("unknown_job"))
    );
    let (status, body) = start(Some(&d.admin), json!({ "job": "/t" }));
    assert_eq!(status, 404);
    assert!(body["error"]["message"]
        .as_str()
        .unwrap_or_default()
        .contains("is a Directory"));
    let (status, body) = start(Some(&d.admin), json!({ "job": "/t/refused", "params": {} }));
    assert_eq!(
        (status, body["error"]["code"].clone()),
        (400, json!("bad_body"))
    );
    let (status, _) = start(Some(&d.admin), json!(["/t/refused"]));
    assert_eq!(status, 400);
    assert!(
        d.processes().iter().all(|r| r["job"] != "/t/refused"),
        "a refused start ran"
    );
}

#[test]
fn a_parameter_the_flow_does_not_take_ends_the_run_with_an_error() {
    let d = shared();
    d.flow("/t/strict", "|host|\nprint(host)");
    let pid = d.start_flow("/t/strict", json!({ "host": "a", "port": 22 }));
    let done = d.wait(pid);
    assert_eq!(done["status"], "ABORTED", "{done}");
    let error = done["error"].as_str().unwrap_or_default();
    assert!(error.contains("no parameter `port`"), "{error}");
}

#[test]
fn waiting_for_a_process_that_goes_on_times_out_with_408() {
    let d = shared();
    d.obj(&["/t/never", "--type", "Channel"]);
    d.flow("/t/stays", "[ch = /t/never] -> <ch>");
    let pid = d.start_flow("/t/stays", json!({}));
    let path = format!("/api/v1/processes/{pid}/wait");
    let (status, body) = d.call("POST", &path, Some(json!({ "timeout": 0.2 })));
    assert_eq!(status, 408, "{body}");
    assert_eq!(body["error"]["code"], "still_running");
    let (status, _) = d.call("POST", &path, Some(json!({ "timeout": -1 })));
    assert_eq!(status, 400);
}

#[test]
fn a_bad_query_gets_a_json_error() {
    let d = shared();
    let (status, body) = d.call("GET", "/api/v1/processes?limit=abc", None);
    assert_eq!(
        (status, body["error"]["code"].clone()),
        (400, json!("bad_query"))
    );
}
