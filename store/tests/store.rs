//! The SQLite store: files, bootstrap, objects by path.

use std::path::PathBuf;

use jfc_store::{self as store, Store};

/// A store path (not yet created) in a fresh temp dir, removed when the guard drops.
fn temp_store() -> (tempfile::TempDir, PathBuf) {
    let tmp = tempfile::tempdir().expect("temp dir");
    let path = tmp.path().join(".jfc").join("store.sqlite");
    (tmp, path)
}

#[test]
fn first_open_creates_a_private_file_with_the_standard_tree() {
    let (_tmp, path) = temp_store();
    let s = Store::open(&path).expect("opens");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&path)
            .expect("exists")
            .permissions()
            .mode();
        assert_eq!(mode & 0o077, 0, "store readable by others: {mode:o}");
    }
    for p in [
        "/",
        "/system",
        "/system/types",
        "/system/types/TypeObject",
        "/system/types/LdapServer",
        "/system/channels/Alert",
        "/system/config",
        "/system/startup",
        "/home",
        "/home/guest",
        "/root",
    ] {
        assert!(s.lookup(p).expect("query").is_some(), "{p} missing");
    }
    let to = s.resolve("/system/types/TypeObject").expect("exists");
    assert_eq!(
        s.get(to).expect("row").type_id,
        to,
        "the type of TypeObject is itself"
    );
    assert_eq!(
        s.type_name(s.resolve("/home").expect("exists"))
            .expect("type"),
        "Directory"
    );
    assert_eq!(
        s.type_name(s.resolve("/system/channels/Alert").expect("exists"))
            .expect("type"),
        "Channel"
    );
    assert_eq!(
        s.children(s.resolve("/system/types").expect("exists"))
            .expect("children")
            .len(),
        28
    );
    assert_eq!(
        s.get(s.resolve("/home/guest").expect("exists"))
            .expect("row")
            .owner,
        "guest"
    );
}

#[test]
fn reopening_keeps_objects_and_does_not_bootstrap_twice() {
    let (_tmp, path) = temp_store();
    let id = {
        let mut s = Store::open(&path).expect("opens");
        let dir = s.type_id("Directory").expect("type");
        s.create(store::objects::ROOT, "nodes", dir, "root")
            .expect("created")
    };
    let s = Store::open(&path).expect("reopens");
    assert_eq!(s.lookup("/nodes").expect("query"), Some(id));
    assert_eq!(
        s.children(s.resolve("/system/types").expect("exists"))
            .expect("children")
            .len(),
        28
    );
}

/// Regression: two `jfc` processes opening a store that did not exist yet both ran the
/// migrations and the bootstrap, and one failed on a duplicate object.
#[test]
fn many_first_opens_at_once_bootstrap_once() {
    for _ in 0..5 {
        let (_tmp, path) = temp_store();
        std::fs::create_dir_all(path.parent().expect("dir")).expect("dir");
        let barrier = std::sync::Arc::new(std::sync::Barrier::new(6));
        let opens: Vec<_> = (0..6)
            .map(|_| {
                let (path, barrier) = (path.clone(), barrier.clone());
                std::thread::spawn(move || {
                    barrier.wait();
                    Store::open(&path).map(|s| s.children(store::objects::ROOT).map(|c| c.len()))
                })
            })
            .collect();
        for t in opens {
            let children = t.join().expect("no panic").expect("opens").expect("reads");
            assert_eq!(children, 3, "/system, /home and /root once each");
        }
    }
}

#[test]
fn names_paths_rename_delete() {
    let mut s = Store::open_in_memory().expect("opens");
    let dir = s.type_id("Directory").expect("type");
    let nodes = s
        .create(store::objects::ROOT, "nodes", dir, "root")
        .expect("created");
    let web = s.create(nodes, "web1", dir, "root").expect("created");
    assert_eq!(s.abspath(web).expect("path"), "/nodes/web1");
    assert!(
        s.create(nodes, "web1", dir, "root").is_err(),
        "duplicate name"
    );
    for bad in ["1abc", "a-b", "a.b", ""] {
        assert!(
            s.create(nodes, bad, dir, "root").is_err(),
            "{bad:?} accepted"
        );
    }
    assert!(s.create(nodes, "ノード", dir, "root").is_ok());
    s.rename(web, "web2").expect("renamed");
    assert_eq!(
        s.get(web).expect("row").display_name,
        "web2",
        "display name follows the name"
    );
    assert_eq!(s.lookup("/nodes/web2").expect("query"), Some(web));
    s.delete(nodes).expect("deleted");
    assert_eq!(
        s.lookup("/nodes/web2").expect("query"),
        None,
        "descendants go too"
    );
    assert!(s.delete(store::objects::ROOT).is_err());
}

#[test]
fn store_location_rules() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let base = tmp.path().to_path_buf();
    let nested = base.join("a").join("b");
    std::fs::create_dir_all(&nested).expect("dirs");
    assert_eq!(
        store::default_path(&nested),
        nested.join(".jfc/store.sqlite")
    );
    std::fs::write(base.join("jfc.toml"), "").expect("write");
    assert_eq!(store::default_path(&nested), base.join(".jfc/store.sqlite"));
    let flag = PathBuf::from("/x/y.sqlite");
    assert_eq!(store::resolve_path(Some(&flag), &nested), flag);
}

fn strings(items: &[&str]) -> jfc_vm::value::Value {
    jfc_vm::value::Value::array(items.iter().map(|s| jfc_vm::value::Value::str(s)).collect())
}

#[test]
fn typed_fields_convert_validate_and_default() {
    use jfc_vm::value::Value;
    let mut s = Store::open_in_memory().expect("opens");
    let node = s
        .create(
            store::objects::ROOT,
            "web1",
            s.type_id("NodeInfo").expect("type"),
            "root",
        )
        .expect("created");
    s.write_field(node, "port", Value::str("22"))
        .expect("'22' converts");
    assert!(matches!(
        s.read_field(node, "port").expect("reads"),
        Value::Int(22)
    ));
    let err = s
        .write_field(node, "port", Value::Int(70000))
        .expect_err("out of range");
    assert!(
        err.0.contains("port") && err.0.contains("65535"),
        "{}",
        err.0
    );
    assert!(
        matches!(s.read_field(node, "port").expect("reads"), Value::Int(22)),
        "nothing written on error"
    );
    assert!(
        matches!(
            s.read_field(node, "use_shell").expect("reads"),
            Value::Bool(true)
        ),
        "default"
    );
    assert!(matches!(
        s.read_field(node, "hostname").expect("reads"),
        Value::Null
    ));
    let err = s.read_field(node, "nosuch").expect_err("unknown field");
    assert!(err.0.contains("nosuch"), "{}", err.0);
    let acct = s
        .create(
            store::objects::ROOT,
            "acct",
            s.type_id("AccountInfo").expect("type"),
            "root",
        )
        .expect("created");
    s.write_field(node, "account", Value::str("/acct"))
        .expect("a path converts to an object");
    match s.read_field(node, "account").expect("reads") {
        Value::Object(ref o) => assert_eq!((o.id, &*o.path), (acct, "/acct")),
        other => panic!("{}", other.to_text()),
    }
}

#[test]
fn user_defined_types_and_type_changes() {
    use jfc_vm::value::Value;
    let mut s = Store::open_in_memory().expect("opens");
    let to = s.type_id("TypeObject").expect("type");
    let server = s
        .create(store::objects::ROOT, "Server", to, "root")
        .expect("type created");
    s.write_field(server, "fieldNames", strings(&["label", "cpus"]))
        .expect("names");
    s.write_field(
        server,
        "fieldTypes",
        strings(&["String", r#"Integer {"min_value": 1}"#]),
    )
    .expect("types");
    let web = s
        .create(store::objects::ROOT, "web", server, "root")
        .expect("created");
    s.write_field(web, "label", Value::Int(5))
        .expect("Integer into String field");
    assert_eq!(s.read_field(web, "label").expect("reads").to_text(), "5");
    let err = s
        .write_field(web, "cpus", Value::Int(0))
        .expect_err("min_value");
    assert!(
        err.0.contains("cpus") && err.0.contains("min_value"),
        "{}",
        err.0
    );
    s.write_field(web, "cpus", Value::Int(4)).expect("valid");
    // The type changes: `label` goes away, `rack` appears.
    s.write_field(server, "fieldNames", strings(&["cpus", "rack"]))
        .expect("names");
    s.write_field(server, "fieldTypes", strings(&["Integer", "String"]))
        .expect("types");
    assert!(matches!(
        s.read_field(web, "cpus").expect("kept"),
        Value::Int(4)
    ));
    assert!(matches!(
        s.read_field(web, "rack").expect("new field"),
        Value::Null
    ));
    assert!(s.read_field(web, "label").is_err(), "removed field is gone");
}
