//! What a daemon takes up when it starts on a store another one left: runs recorded but
//! not begun, runs in checkpoint mode, schedule times missed meanwhile; and what a
//! SIGTERM leaves. Each test has a daemon of its own, which it stops.

use std::time::{Duration, Instant};

use serde_json::json;

use crate::harness::{Daemon, EPOCH};

/// Wait until the scheduler has recorded its first look at the store.
fn until_looked(d: &Daemon) {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let store = jfc_store::Store::open(&d.store).expect("the store opens");
        if store.scheduler_checked().expect("readable").is_some() {
            return;
        }
        assert!(Instant::now() < deadline, "the scheduler never looked");
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn times_missed_while_no_daemon_ran_follow_each_schedules_policy() {
    let mut d = Daemon::new("2030-01-07T09:30:00Z");
    d.obj(&["/m", "--type", "Directory"]);
    for policy in ["skip", "once", "all"] {
        let job = format!("/m/{policy}");
        d.flow(&job, &format!("print('{policy}')"));
        let o = d.jfc(&[
            "schedule", "add", policy, "--job", &job, "--minute", "0", "--missed", policy,
        ]);
        assert!(o.status.success(), "{}", crate::harness::err(&o));
    }
    until_looked(&d);
    d.kill();
    // Down from 9:30 to 12:05: 10:00, 11:00 and 12:00 were missed.
    d.start("2030-01-07T12:05:00Z");
    assert_eq!(d.finished("/m/all", 3).len(), 3);
    let count = |job: &str| d.processes().iter().filter(|r| r["job"] == job).count();
    assert_eq!(count("/m/once"), 1);
    assert_eq!(count("/m/skip"), 0);
    // Running again, each fires at its time.
    d.set_clock("2030-01-07T13:00:10Z");
    d.finished("/m/skip", 1);
    assert_eq!(count("/m/once"), 2);
    assert_eq!(count("/m/all"), 4);
}

#[test]
fn a_start_recorded_before_a_crash_runs_when_the_daemon_starts_again() {
    let mut d = Daemon::new(EPOCH);
    d.flow("/pending", "|who|\nprint('late hello to ' + who)");
    d.kill();
    let pid = {
        let mut store = jfc_store::Store::open(&d.store).expect("the store opens");
        let args = jfc_store::starts::StartArgs {
            pos: vec![jfc_vm::value::Value::str("ops")],
            kw: Vec::new(),
        };
        store
            .process_new(&jfc_store::starts::NewProcess {
                job: "/pending",
                user: "root",
                args: &args,
                invoker: None,
                schedule: None,
            })
            .expect("recorded")
    };
    d.start(EPOCH);
    let done = d.wait(pid);
    assert_eq!(done["status"], "DONE", "{done}");
    assert_eq!(done["console"], "late hello to ops\n");
}

#[test]
fn sigterm_ends_the_daemon_and_records_why_its_runs_stopped() {
    let mut d = Daemon::new(EPOCH);
    d.obj(&["/quiet", "--type", "Channel"]);
    d.flow("/waits", "[ch = /quiet] -> <ch>");
    let pid = d.start_flow("/waits", json!({}));
    d.until_waiting(pid);
    let status = d.terminate();
    assert!(status.success(), "jfc serve exited {status:?}");
    let store = jfc_store::Store::open(&d.store).expect("the store opens");
    let rec = store.process(pid).expect("the record");
    assert_eq!(rec.status, "ABORTED");
    assert!(rec.finished.is_some());
    assert_eq!(rec.error.to_text(), "jfc serve was stopped by SIGTERM");
}

#[test]
fn a_run_in_checkpoint_mode_waiting_on_a_channel_waits_again_after_a_crash() {
    let mut d = Daemon::new(EPOCH);
    d.obj(&["/inbox", "--type", "Channel"]);
    d.flow(
        "/durable",
        "[ch = /inbox] -> <ch> -> print('got ' + $RESULT)",
    );
    d.obj(&["/durable", "defaultCheckpointMode=true"]);
    let pid = d.start_flow("/durable", json!({}));
    d.until_waiting(pid);
    d.kill();
    d.start(EPOCH);
    d.send("/inbox", json!("hello"));
    let done = d.wait(pid);
    assert_eq!(done["status"], "DONE", "{done}");
    assert!(
        done["console"]
            .as_str()
            .unwrap_or_default()
            .ends_with("got hello\n"),
        "{done}"
    );
}

#[test]
fn sigkill_neither_loses_nor_repeats_the_run_of_a_channel_action() {
    let (mut moments, seed) = crate::common::Moments::new();
    eprintln!("crash test seed {seed} (JFC_CRASH_SEED={seed} repeats it)");
    let mut d = Daemon::new(EPOCH);
    d.flow("/act", "|m|\nprint(m)");
    d.obj(&[
        "/inbox",
        "--type",
        "Channel",
        "action_type=ExecuteJobflow",
        "action_target=/act",
    ]);
    let mut sent = 0;
    for round in 0..10 {
        for i in 0..20 {
            d.send("/inbox", json!(format!("r{round}-m{i}")));
            sent += 1;
        }
        std::thread::sleep(moments.between(0, 60));
        d.kill();
        d.start(EPOCH);
    }
    let runs = d.finished("/act", sent);
    assert_eq!(runs.len(), sent, "one run per message");
    let mut printed = std::collections::HashSet::new();
    for r in &runs {
        let console = d.process(r["pid"].as_i64().expect("pid"))["console"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        if r["status"] == "DONE" {
            assert!(printed.insert(console.clone()), "{console} ran twice");
        }
    }
    assert!(
        printed.len() > sent / 2,
        "most runs end DONE: {}",
        printed.len()
    );
    assert_eq!(d.run_flow("print(/inbox.message_count)"), "0\n");
}
