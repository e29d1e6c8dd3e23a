//! Human approval (platform.md §5.1): a flow makes a task and waits; an answer over
//! the API or with `jfc task` lets it go on, a cancel makes its wait fail.

use serde_json::{json, Value};

use crate::harness::{err, out, token, Daemon};
use crate::shared;

/// A flow that asks `title` and prints how its wait ended.
const ASK: &str = "|title|
[t = /task.add(title, 'The disk of web1 is full', action_text='Restart')] ->
<t : 60> => print('status', $STATUS, 'result', $RESULT, 'error', $ERROR, 'task', t.status)";

/// Start the asking flow and wait until its task is open; the pid and the task.
fn ask(d: &Daemon, title: &str) -> (i64, Value) {
    let pid = d.start_flow("/t/ask", json!({ "title": title }));
    d.until_waiting(pid);
    let (status, list) = d.call("GET", "/api/v1/tasks", None);
    assert_eq!(status, 200, "{list}");
    let task = list["results"]
        .as_array()
        .expect("results")
        .iter()
        .find(|t| t["title"] == title)
        .cloned()
        .unwrap_or_else(|| panic!("no open task `{title}`: {list}"));
    assert_eq!(task["status"], "WAITING");
    assert_eq!(task["process"], pid);
    (pid, task)
}

fn flow(d: &Daemon) {
    static MADE: std::sync::Once = std::sync::Once::new();
    MADE.call_once(|| d.flow("/t/ask", ASK));
}

#[test]
fn an_answer_over_the_api_lets_the_waiting_flow_go_on_with_it() {
    let d = shared();
    flow(d);
    let (pid, task) = ask(d, "restart web1?");
    let id = task["id"].as_i64().expect("id");
    let path = format!("/api/v1/tasks/{id}/submit");
    let reader = token(&d.store, "task-reader", &["read"]);
    let (status, _) = d.call_as(
        Some(&reader),
        "POST",
        &path,
        Some(json!({ "result": "no" })),
    );
    assert_eq!(status, 403, "a read token answered a task");
    let (status, body) = d.call("POST", &path, Some(json!({ "result": "yes, now" })));
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["status"], "DONE");
    let done = d.wait(pid);
    assert_eq!(done["status"], "DONE", "{done}");
    assert_eq!(
        done["console"],
        "status 0 result yes, now error  task DONE\n"
    );
    let (status, body) = d.call("POST", &path, Some(json!({ "result": "again" })));
    assert_eq!(
        (status, body["error"]["code"].clone()),
        (409, json!("task_closed"))
    );
    let (status, body) = d.call("GET", &format!("/api/v1/tasks/{id}"), None);
    assert_eq!((status, body["result"].clone()), (200, json!("yes, now")));
}

#[test]
fn a_canceled_task_makes_the_waiting_flow_fail_with_status_1() {
    let d = shared();
    flow(d);
    let (pid, task) = ask(d, "drop the table?");
    let id = task["id"].as_i64().expect("id");
    let (status, body) = d.call("POST", &format!("/api/v1/tasks/{id}/cancel"), None);
    assert_eq!((status, body["status"].clone()), (200, json!("CANCELED")));
    let done = d.wait(pid);
    assert_eq!(
        done["status"], "DONE",
        "a failed wait is caught by =>: {done}"
    );
    assert_eq!(
        done["console"],
        "status 1 result null error task canceled task CANCELED\n"
    );
    let (status, _) = d.call("POST", &format!("/api/v1/tasks/{id}/submit"), None);
    assert_eq!(status, 409);
}

#[test]
fn jfc_task_lists_and_answers_the_open_tasks() {
    let d = shared();
    flow(d);
    let (pid, task) = ask(d, "rotate the logs?");
    let number = task["id"].clone();
    let id = number.to_string();
    let o = d.jfc(&["task", "ls"]);
    assert!(o.status.success(), "{}", err(&o));
    assert!(out(&o).contains("rotate the logs?"), "{}", out(&o));
    let o = d.jfc(&["task", "submit", &id]);
    assert!(o.status.success(), "{}", err(&o));
    let done = d.wait(pid);
    assert_eq!(done["console"], "status 0 result OK error  task DONE\n");
    let o = d.jfc(&["task", "cancel", &id]);
    assert_eq!(o.status.code(), Some(1), "{}", err(&o));
    assert!(err(&o).contains("is DONE"), "{}", err(&o));
    let o = d.jfc(&["task", "show", "999999"]);
    assert_eq!(o.status.code(), Some(66));
    let o = d.jfc(&["task", "show", "nine"]);
    assert_eq!(o.status.code(), Some(64));
    let o = d.jfc(&["task", "ls", "--all", "--json"]);
    let all: Vec<Value> = serde_json::from_str(&out(&o)).expect("JSON");
    assert!(all
        .iter()
        .any(|t| t["id"] == number && t["status"] == "DONE"));
}

#[test]
fn unknown_tasks_and_bad_bodies_get_a_reason() {
    let d = shared();
    let (status, body) = d.call("GET", "/api/v1/tasks/987654", None);
    assert_eq!(
        (status, body["error"]["code"].clone()),
        (404, json!("unknown_task"))
    );
    let (status, _) = d.call("POST", "/api/v1/tasks/987654/submit", None);
    assert_eq!(status, 404);
    let (status, _) = d.call("POST", "/api/v1/tasks/x/cancel", None);
    assert_eq!(status, 404);
    let (status, body) = d.call(
        "POST",
        "/api/v1/tasks/1/submit",
        Some(json!({ "answer": 1 })),
    );
    assert_eq!(
        (status, body["error"]["code"].clone()),
        (400, json!("bad_body"))
    );
    let (status, _) = d.call_as(None, "GET", "/api/v1/tasks", None);
    assert_eq!(status, 401);
}
