//! A multiplicity place is held, and a channel waited on, by an OS process named by pid
//! and start time: a row recorded for this very pid but another start time (the pid was
//! reused, or counted in another container) is a process that is gone.

use jfc_store::{objects::ROOT, os_process, Store};

fn forge_place(db: &std::path::Path, flow: i64, os_start: Option<i64>) {
    let conn = rusqlite::Connection::open(db).expect("sqlite");
    conn.execute(
        "INSERT INTO flow_places (flow, os_pid, os_start, taken) VALUES (?1, ?2, ?3, '2026-01-01T00:00:00Z')",
        rusqlite::params![flow, std::process::id() as i64, os_start],
    )
    .expect("forged place");
}

#[test]
fn a_place_of_a_reused_pid_is_free() {
    let dir = tempfile::tempdir().expect("temp dir");
    let db = dir.path().join("store.sqlite");
    let mut s = Store::open(&db).expect("store");
    let flow = s
        .create(ROOT, "deploy", s.type_id("Jobflow").expect("type"), "root")
        .expect("flow");
    let started = os_process::own_start_time().expect("this test runs on Linux");

    forge_place(&db, flow, Some(started + 1000));
    assert!(
        s.take_flow_place(flow, 1).expect("take"),
        "a place of this pid with another start time is not held"
    );
    assert!(
        !s.take_flow_place(flow, 1).expect("take"),
        "the place just taken is held"
    );
    s.give_flow_place(flow).expect("give");
    assert!(s.take_flow_place(flow, 1).expect("take"), "given back");
    s.give_flow_place(flow).expect("give");

    // A place recorded without a start time (by an older jfc) goes by the pid alone.
    forge_place(&db, flow, None);
    assert!(
        !s.take_flow_place(flow, 1).expect("take"),
        "this pid is alive"
    );
}

#[test]
fn a_waiter_of_a_reused_pid_is_not_counted() {
    let dir = tempfile::tempdir().expect("temp dir");
    let db = dir.path().join("store.sqlite");
    let mut s = Store::open(&db).expect("store");
    let ch = s
        .create(ROOT, "events", s.type_id("Channel").expect("type"), "root")
        .expect("channel");
    let started = os_process::own_start_time().expect("this test runs on Linux");
    let forge = |vm_pid: i64, os_start: i64| {
        let conn = rusqlite::Connection::open(&db).expect("sqlite");
        conn.execute(
            "INSERT INTO channel_waiters (channel, os_pid, vm_pid, os_start) VALUES (?1, ?2, ?3, ?4)",
            rusqlite::params![ch, std::process::id() as i64, vm_pid, os_start],
        )
        .expect("forged waiter");
    };
    forge(7, started + 1000);
    assert_eq!(
        s.event_count(ch).expect("count"),
        0,
        "another process, gone"
    );
    forge(8, started);
    assert_eq!(s.event_count(ch).expect("count"), 1, "this process");
    // Waiting again under the pid of the gone one replaces its row.
    s.set_waiting(ch, 7, true).expect("wait");
    assert_eq!(s.event_count(ch).expect("count"), 2);
    s.set_waiting(ch, 7, false).expect("stop");
    assert_eq!(s.event_count(ch).expect("count"), 1);
}
