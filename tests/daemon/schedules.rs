//! Schedules firing (platform.md §4): the daemon's clock is moved by the test, never
//! waited for. This test has a daemon of its own: it moves the clock.

use serde_json::{json, Value};

use crate::harness::Daemon;

/// `jfc schedule add NAME --job JOB ARGS...`, which must succeed.
fn schedule(d: &Daemon, name: &str, job: &str, args: &[&str]) {
    let o = d.jfc(&[&["schedule", "add", name, "--job", job], args].concat());
    assert!(o.status.success(), "{}", crate::harness::err(&o));
}

fn console(d: &Daemon, run: &Value) -> String {
    let pid = run["pid"].as_i64().expect("pid");
    d.process(pid)["console"]
        .as_str()
        .unwrap_or_default()
        .to_string()
}

#[test]
fn schedules_fire_when_the_clock_reaches_their_time() {
    // Monday 7 January 2030, 08:00 UTC.
    let d = Daemon::new("2030-01-07T08:00:00Z");
    d.obj(&["/s", "--type", "Directory"]);
    d.flow("/s/tick", "|who = 'nobody'|\nprint('tick ' + who)");
    d.flow("/s/off", "print('disabled, yet it ran')");
    d.flow("/s/bad", "|x|\nprint(x)");
    d.flow("/s/first_monday", "print('first monday')");
    schedule(
        &d,
        "nine",
        "/s/tick",
        &["--hour", "9", "--minute", "0", "--param", "who='cron'"],
    );
    schedule(
        &d,
        "off",
        "/s/off",
        &["--hour", "9", "--minute", "0", "--disabled"],
    );
    schedule(
        &d,
        "bad",
        "/s/bad",
        &["--hour", "9", "--minute", "0", "--param", "nosuchname"],
    );
    schedule(
        &d,
        "fm",
        "/s/first_monday",
        &["--month", "2", "--day", "1st mon"],
    );

    d.set_clock("2030-01-07T09:00:05Z");
    let runs = d.finished("/s/tick", 1);
    assert_eq!(runs[0]["status"], "DONE", "{}", runs[0]);
    assert_eq!(runs[0]["schedule"], "/scheduler/id_1");
    assert_eq!(runs[0]["invoker"], Value::Null);
    assert_eq!(console(&d, &runs[0]), "tick cron\n");
    // The runs of one look are recorded together: the others are there now.
    let bad = d.finished("/s/bad", 1);
    assert_eq!(bad[0]["status"], "ABORTED");
    let error = bad[0]["error"].as_str().unwrap_or_default();
    assert!(error.contains("--param nosuchname"), "{error}");
    let all = d.processes();
    assert!(
        all.iter().all(|r| r["job"] != "/s/off"),
        "a disabled schedule fired"
    );
    assert!(all.iter().all(|r| r["job"] != "/s/first_monday"));

    // 1 February 2030 is a Friday: the first Monday of February is the 4th, at 0:00.
    d.set_clock("2030-02-03T23:59:00Z");
    d.set_clock("2030-02-04T00:00:01Z");
    let fm = d.finished("/s/first_monday", 1);
    assert_eq!(console(&d, &fm[0]), "first monday\n");
    // The clock passed 9:00 on 27 days in between, but a jump is a missed stretch: the
    // `skip` policy runs only a time missed by less than a minute.
    let ticks = d.finished("/s/tick", 1);
    assert_eq!(ticks.len(), 1, "{ticks:#?}");
}

#[test]
fn schedules_are_recorded_changed_and_removed_over_the_api() {
    let d = crate::shared();
    d.flow("/t/nightly", "print('nightly')");
    let (status, made) = d.call(
        "POST",
        "/api/v1/schedules",
        Some(json!({ "name": "at nine", "job": "/t/nightly", "hour": "9", "minute": "0", "missed": "once" })),
    );
    assert_eq!(status, 201, "{made}");
    let id = made["id"].as_i64().expect("id");
    assert_eq!(made["missed"], "once");
    let next = made["next_run_time"].as_str().unwrap_or_default();
    assert!(next.ends_with("T09:00:00+00:00"), "{made}");
    let path = format!("/api/v1/schedules/{id}");
    let (status, off) = d.call("PATCH", &path, Some(json!({ "disabled": true })));
    assert_eq!(
        (status, off["next_run_time"].clone()),
        (200, Value::Null),
        "{off}"
    );
    let (status, list) = d.call("GET", "/api/v1/schedules", None);
    assert_eq!(status, 200);
    assert!(list["results"]
        .as_array()
        .expect("results")
        .iter()
        .any(|s| s["id"] == id));
    let o = d.jfc(&["schedule", "ls", "--json"]);
    assert!(crate::harness::out(&o).contains("\"at nine\""));
    assert_eq!(d.call("DELETE", &path, None).0, 204);
    let (status, body) = d.call("GET", &path, None);
    assert_eq!(
        (status, body["error"]["code"].clone()),
        (404, json!("unknown_schedule"))
    );
}

#[test]
fn a_schedule_the_api_cannot_take_is_refused_with_a_reason() {
    let d = crate::shared();
    let post = |body: Value| d.call("POST", "/api/v1/schedules", Some(body));
    let (status, body) = post(json!({ "name": "x", "job": "/t", "hour": "25" }));
    assert_eq!(
        (status, body["error"]["code"].clone()),
        (400, json!("invalid_field"))
    );
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap_or_default()
            .contains("hour"),
        "{body}"
    );
    let (status, body) = post(json!({ "name": "x", "job": "/t/no/such/flow" }));
    assert_eq!(
        (status, body["error"]["code"].clone()),
        (400, json!("invalid_schedule"))
    );
    let (status, _) = post(json!({ "name": "x", "job": "/t", "missed": "sometimes" }));
    assert_eq!(status, 400);
    let (status, _) = post(json!({ "job": "/t" }));
    assert_eq!(status, 400);
    let reader = crate::harness::token(&d.store, "schedule-reader", &["read"]);
    let (status, _) = d.call_as(
        Some(&reader),
        "POST",
        "/api/v1/schedules",
        Some(json!({ "name": "x", "job": "/t" })),
    );
    assert_eq!(status, 403);
}

#[test]
fn a_schedule_a_flow_adds_fires() {
    let d = Daemon::new("2030-05-06T10:00:30Z");
    d.obj(&["/f", "--type", "Directory"]);
    d.flow("/f/greet", "|who|\nprint('hello ' + who)");
    d.flow(
        "/f/plan",
        "[s = /scheduler.add('each minute', /f/greet, [\"'from a flow'\"])] -> print(s.abspath)",
    );
    let pid = d.start_flow("/f/plan", json!({}));
    let planned = d.wait(pid);
    assert_eq!(planned["console"], "/scheduler/id_1\n", "{planned}");
    d.set_clock("2030-05-06T10:01:02Z");
    let runs = d.finished("/f/greet", 1);
    assert_eq!(console(&d, &runs[0]), "hello from a flow\n");
}
