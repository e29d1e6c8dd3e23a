//! Stores written by earlier jfc builds open with this one: each fixture under
//! `tests/fixtures/vN/` was made by the jfc of schema version N (see its README) and
//! holds objects with fields, a channel with two messages and, from v4 on, a process
//! record and an encrypted Password. Opening a copy upgrades it; everything reads back.
//! A store of a newer schema than this build knows is refused and left untouched.

use std::path::{Path, PathBuf};

use jfc_store::{self as store, Store};

/// Copy fixture `vN` (the store and its key file, if any) into a fresh directory.
fn copy_fixture(version: usize) -> (tempfile::TempDir, PathBuf) {
    let from = Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("tests/fixtures/v{version}"));
    let dir = tempfile::tempdir().expect("temp dir");
    for name in ["store.sqlite", "store.sqlite.key"] {
        if from.join(name).exists() {
            std::fs::copy(from.join(name), dir.path().join(name)).expect("copy fixture");
        }
    }
    let db = dir.path().join("store.sqlite");
    forget_os_pids(&db);
    (dir, db)
}

/// Above the largest pid Linux hands out (2^22): no process of this machine has it.
const DEAD_PID: i64 = 4_194_305;

/// The OS pids the fixture's jfc ran as are pids of this machine too, maybe alive: a
/// record or waiter row without the process's start time would then read as running.
/// They are rewritten to a pid no process has.
fn forget_os_pids(db: &Path) {
    let conn = rusqlite::Connection::open(db).expect("sqlite");
    for table in ["processes", "channel_waiters", "flow_places"] {
        let has_pid: bool = conn
            .query_row(
                "SELECT count(*) > 0 FROM pragma_table_info(?1) WHERE name = 'os_pid'",
                [table],
                |r| r.get(0),
            )
            .expect("table info");
        if has_pid {
            conn.execute(
                &format!("UPDATE {table} SET os_pid = ?1 WHERE os_pid IS NOT NULL"),
                [DEAD_PID],
            )
            .expect("rewrite os_pid");
        }
    }
}

fn user_version(db: &Path) -> usize {
    let conn = rusqlite::Connection::open(db).expect("sqlite");
    conn.query_row("PRAGMA user_version", [], |r| r.get::<_, i64>(0))
        .expect("version") as usize
}

/// A field's value as `print` shows it.
fn field(s: &Store, path: &str, name: &str) -> String {
    let id = s.resolve(path).expect("object");
    s.read_field(id, name).expect("field").to_text()
}

/// Everything the fixture of `version` holds reads back after the upgrade.
fn check_upgrade(version: usize) {
    let (_dir, db) = copy_fixture(version);
    assert_eq!(
        user_version(&db),
        version,
        "the fixture is of schema v{version}"
    );
    let mut s = Store::open(&db).unwrap_or_else(|e| panic!("v{version} opens: {e}"));
    assert_eq!(user_version(&db), store::schema_version());

    assert_eq!(field(&s, "/nodes/web1", "hostname"), "web1.example.com");
    assert_eq!(field(&s, "/nodes/web1", "port"), "2222");
    let web1 = s.resolve("/nodes/web1").expect("web1");
    assert_eq!(s.get(web1).expect("row").description, "front end");
    assert_eq!(s.type_name(web1).expect("type"), "NodeInfo");
    let events = s.resolve("/nodes/events").expect("channel");
    let texts: Vec<String> = s
        .messages(events)
        .expect("messages")
        .into_iter()
        .map(|(_, v)| v.to_text())
        .collect();
    assert_eq!(texts, ["first", "second"]);
    if version >= 3 {
        assert_eq!(field(&s, "/nodes/db1", "port"), "5432");
        let db1 = s.resolve("/nodes/db1").expect("db1");
        assert_eq!(s.get(db1).expect("row").display_name, "Database");
    }
    if version >= 4 {
        assert_eq!(field(&s, "/nodes/acct", "password"), "s3cret");
        let hello = runs_of(&s, "flow.jf");
        assert_eq!(hello.len(), 1);
        assert_eq!(hello[0].status, "DONE");
        assert_eq!(hello[0].console, "hello from the fixture\n");
    }
    if version >= 9 {
        check_v9_rows(&s, &db, version);
    }
    if version >= 12 {
        check_fork_children(&s);
    }
    if version >= 15 {
        check_daemon_rows(&s, version);
    }
    // NodeInfo has the `zone` field of newer stores (null until set).
    assert_eq!(field(&s, "/nodes/web1", "zone"), "null");
    let node_info = s.resolve("/system/types/NodeInfo").expect("type");
    let names = s
        .read_field(node_info, "fieldNames")
        .expect("names")
        .to_text();
    assert_eq!(names.matches("zone").count(), 1, "{names}");
    // The upgraded store works as a new one does.
    let dir = s.type_id("Directory").expect("type");
    s.create(store::objects::ROOT, "after_upgrade", dir, "root")
        .expect("writes after the upgrade");
    s.delete(web1).expect("deletes after the upgrade");
    drop(s);
    let s = Store::open(&db).expect("reopens");
    assert!(s.lookup("/after_upgrade").expect("query").is_some());
}

/// The records of the runs of the fixture's flow file `name`.
fn runs_of(s: &Store, name: &str) -> Vec<store::processes::ProcessRecord> {
    s.processes()
        .expect("records")
        .into_iter()
        .filter(|p| p.job.ends_with(&format!("/{name}")) || p.job == name)
        .collect()
}

/// Records as `jfc ps --json` shows them, for a failure's message.
fn json(records: &[store::processes::ProcessRecord]) -> String {
    let all: Vec<_> = records.iter().map(|r| r.to_json()).collect();
    serde_json::Value::from(all).to_string()
}

/// From v9: the file /nodes/db1 was imported from (import_origins); a run killed while
/// it waited on /nodes/queue, whose waiter row (without the OS process's start time
/// before v10) no longer counts; from v13 that run's checkpoint.
fn check_v9_rows(s: &Store, db: &Path, version: usize) {
    let conn = rusqlite::Connection::open(db).expect("sqlite");
    let origin: String = conn
        .query_row(
            "SELECT file FROM import_origins WHERE object = ?1",
            [s.resolve("/nodes/db1").expect("db1")],
            |r| r.get(0),
        )
        .expect("db1 has its origin");
    assert!(origin.ends_with("/src/nodes/db1.toml"), "{origin}");
    let waited = runs_of(s, "wait.jf");
    assert_eq!(waited.len(), 1);
    let run = &waited[0];
    // Its OS process was killed: the record reads ABORTED, its waiter row counts no more.
    assert_eq!(run.status, "ABORTED", "{}", run.to_json());
    // (What it printed reached the record or not, as the kill fell.)
    assert!(["", "waiting\n"].contains(&run.console.as_str()));
    let queue = s.resolve("/nodes/queue").expect("queue");
    let rows: i64 = conn
        .query_row(
            "SELECT count(*) FROM channel_waiters WHERE channel = ?1",
            [queue],
            |r| r.get(0),
        )
        .expect("rows");
    assert_eq!(rows, 1, "the waiter row came through the upgrade");
    assert_eq!(s.event_count(queue).expect("count"), 0);
    if version >= 13 {
        let about = s.checkpoint_about(run.pid).expect("query");
        assert!(about.is_some(), "the killed run's checkpoint reads back");
    }
}

/// From v12: the two children of the fork, each with its parent.
fn check_fork_children(s: &Store) {
    let forked = runs_of(s, "fork.jf");
    let parent = forked
        .iter()
        .find(|p| p.parent.is_none())
        .expect("the fork's run");
    let children: Vec<_> = forked
        .iter()
        .filter(|p| p.parent == Some(parent.pid))
        .collect();
    assert_eq!(children.len(), 2, "{}", json(&forked));
    assert!(children.iter().all(|c| c.status == "DONE"));
    assert_eq!(parent.status, "DONE");
}

/// From v15: the API token; from v16 the schedule (with v17's missed-run policy, `skip`
/// for a schedule of before); from v18 the task.
fn check_daemon_rows(s: &Store, version: usize) {
    let tokens = s.tokens().expect("tokens");
    assert_eq!(tokens.len(), 1);
    assert_eq!(tokens[0].name, "fixture");
    assert_eq!(tokens[0].scopes, ["send", "read"]);
    assert!(tokens[0].allows("read") && !tokens[0].allows("run"));
    if version >= 16 {
        let schedules = s.schedules().expect("schedules");
        assert_eq!(schedules.len(), 1);
        let nightly = &schedules[0];
        assert_eq!(
            (nightly.name.as_str(), nightly.job.as_str()),
            ("nightly", "/flows/report")
        );
        assert_eq!(
            (nightly.fields[5].as_deref(), nightly.fields[6].as_deref()),
            (Some("3"), Some("30"))
        );
        assert_eq!(nightly.missed, "skip");
        assert!(!nightly.disabled);
        // Runs recorded before v17 were started by nobody.
        let procs = s.processes().expect("records");
        assert!(procs
            .iter()
            .all(|p| p.invoker.is_none() && p.schedule.is_none()));
    }
    if version >= 18 {
        let tasks = s.tasks().expect("tasks");
        assert_eq!(tasks.len(), 1);
        assert_eq!(tasks[0].title, "Approve the fixture?");
        assert_eq!(tasks[0].message, "asked by make.sh");
        assert_eq!(tasks[0].action_text, "Approve");
        assert!(tasks[0].is_open(), "{:?}", tasks[0]);
        let asked = runs_of(s, "task.jf");
        assert_eq!(tasks[0].process, Some(asked[0].pid));
    }
}

#[test]
fn a_v1_store_upgrades() {
    check_upgrade(1);
}

#[test]
fn a_v3_store_upgrades() {
    check_upgrade(3);
}

#[test]
fn a_v4_store_upgrades() {
    check_upgrade(4);
}

#[test]
fn a_v5_store_upgrades() {
    check_upgrade(5);
}

#[test]
fn a_v6_store_upgrades() {
    check_upgrade(6);
}

#[test]
fn a_v7_store_upgrades() {
    check_upgrade(7);
}

#[test]
fn a_v9_store_upgrades() {
    check_upgrade(9);
}

#[test]
fn a_v10_store_upgrades() {
    check_upgrade(10);
}

#[test]
fn a_v11_store_upgrades() {
    check_upgrade(11);
}

#[test]
fn a_v12_store_upgrades() {
    check_upgrade(12);
}

#[test]
fn a_v13_store_upgrades() {
    check_upgrade(13);
}

#[test]
fn a_v14_store_upgrades() {
    check_upgrade(14);
}

#[test]
fn a_v15_store_upgrades() {
    check_upgrade(15);
}

#[test]
fn a_v16_store_upgrades() {
    check_upgrade(16);
}

#[test]
fn a_v17_store_upgrades() {
    check_upgrade(17);
}

#[test]
fn a_v18_store_upgrades() {
    check_upgrade(18);
}

#[test]
fn a_store_of_a_newer_jfc_is_refused_and_left_alone() {
    let (_dir, db) = copy_fixture(7);
    let newer = store::schema_version() + 1;
    {
        let conn = rusqlite::Connection::open(&db).expect("sqlite");
        conn.pragma_update(None, "user_version", newer as i64)
            .expect("set version");
    }
    let before = std::fs::read(&db).expect("read");
    let err = Store::open(&db).err().expect("refused").0;
    assert_eq!(
        err,
        format!(
            "this store was written by a newer jfc (schema v{newer}, this jfc knows up to v{}); upgrade jfc",
            store::schema_version()
        )
    );
    assert_eq!(
        std::fs::read(&db).expect("read"),
        before,
        "the file is untouched"
    );
    assert_eq!(user_version(&db), newer);
}

#[test]
fn an_old_store_with_an_object_of_a_deleted_type_is_named_not_upgraded() {
    let (_dir, db) = copy_fixture(7);
    {
        let conn = rusqlite::Connection::open(&db).expect("sqlite");
        conn.execute("UPDATE objects SET type = 99999 WHERE name = 'web1'", [])
            .expect("damage");
    }
    let err = Store::open(&db).err().expect("refused").0;
    assert!(
        err.starts_with("store damaged, not upgraded to schema v8: the object `web1` (id "),
        "{err}"
    );
    assert!(
        err.ends_with(") has a type or parent that no longer exists; restore from backup"),
        "{err}"
    );
    assert_eq!(user_version(&db), 7, "left as it was");
}
