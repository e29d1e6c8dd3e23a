//! The store keeps its own rules, whoever asks: the standard tree cannot be deleted,
//! renamed or moved, a type in use cannot be deleted (also by the schema's foreign key),
//! and a store missing part of its standard tree is refused at open with what is missing.

use jfc_store::{objects::ROOT, Store};

fn fresh() -> (tempfile::TempDir, Store) {
    let dir = tempfile::tempdir().expect("temp dir");
    let store = Store::open(&dir.path().join("store.sqlite")).expect("opens");
    (dir, store)
}

#[test]
fn the_standard_tree_cannot_be_deleted_renamed_or_moved() {
    let (_dir, mut s) = fresh();
    let home = s.resolve("/home").expect("exists");
    for path in [
        "/system",
        "/system/types",
        "/system/types/NodeInfo",
        "/home/guest",
        "/system/channels/Alert",
    ] {
        let id = s.resolve(path).expect("exists");
        let err = s.delete(id).expect_err(path).0;
        assert_eq!(
            err,
            format!("{path} is a built-in object of the store and cannot be deleted")
        );
        let err = s.rename(id, "other").expect_err(path).0;
        assert!(err.contains("cannot be renamed"), "{err}");
        let err = s.move_to(id, home, Some("moved")).expect_err(path).0;
        assert!(err.contains("cannot be moved"), "{err}");
    }
    assert!(s.delete(ROOT).is_err());
    drop(s);
    let (_dir2, s) = fresh();
    assert!(s.lookup("/system/types/NodeInfo").expect("query").is_some());
}

#[test]
fn a_type_in_use_cannot_be_deleted_but_goes_with_its_objects() {
    let (_dir, mut s) = fresh();
    let dir = s.type_id("Directory").expect("type");
    let to = s.type_id("TypeObject").expect("type");
    let lib = s.create(ROOT, "types", dir, "root").expect("types");
    let server = s.create(lib, "Server", to, "root").expect("type");
    let data = s.create(ROOT, "data", dir, "root").expect("data");
    let a = s.create(data, "a", server, "root").expect("a");
    s.create(data, "b", server, "root").expect("b");
    for target in [server, lib] {
        let err = s.delete(target).expect_err("type in use").0;
        assert_eq!(
            err,
            "/types/Server cannot be deleted: it is the type of /data/a and 1 more; delete those first"
        );
    }
    assert!(s.exists(server).expect("query"));
    // The type goes with the objects in the same subtree.
    let inner = s.create(lib, "one", server, "root").expect("inside");
    s.delete(data).expect("objects deleted");
    assert!(!s.exists(a).expect("query"));
    s.delete(lib)
        .expect("type and its last object deleted together");
    assert!(!s.exists(inner).expect("query"));
}

#[test]
fn the_schema_refuses_to_orphan_objects_of_a_type() {
    let (dir, mut s) = fresh();
    let to = s.type_id("TypeObject").expect("type");
    let ty = s.create(ROOT, "Server", to, "root").expect("type");
    s.create(ROOT, "web", ty, "root").expect("object");
    drop(s);
    let conn = rusqlite::Connection::open(dir.path().join("store.sqlite")).expect("sqlite");
    conn.pragma_update(None, "foreign_keys", "ON")
        .expect("pragma");
    let err = conn
        .execute("DELETE FROM objects WHERE id = ?1", [ty])
        .expect_err("foreign key")
        .to_string();
    assert!(err.contains("FOREIGN KEY"), "{err}");
}

#[test]
fn a_store_missing_part_of_its_standard_tree_is_refused_by_name() {
    let (dir, s) = fresh();
    let path = s.path().to_path_buf();
    let node_info = s.resolve("/system/types/NodeInfo").expect("exists");
    drop(s);
    let conn = rusqlite::Connection::open(&path).expect("sqlite");
    conn.execute("DELETE FROM objects WHERE id = ?1", [node_info])
        .expect("raw delete, foreign keys off");
    drop(conn);
    let err = Store::open(&path).err().expect("refused").0;
    assert_eq!(
        err,
        "store damaged: /system/types/NodeInfo is missing; restore from backup"
    );
    drop(dir);
}
