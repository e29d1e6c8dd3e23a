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
    (dir, db)
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
        let procs = s.processes().expect("records");
        assert_eq!(procs.len(), 1);
        assert_eq!(procs[0].status, "DONE");
        assert_eq!(procs[0].console, "hello from the fixture\n");
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
