//! The SQLite store: files, bootstrap, objects by path.

use std::path::PathBuf;

use jfc_runtime::store::{self, Store};

fn temp_store(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("jfc-store-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir.join(".jfc").join("store.sqlite")
}

#[test]
fn first_open_creates_a_private_file_with_the_standard_tree() {
    let path = temp_store("fresh");
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
    let path = temp_store("reopen");
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
    let base = std::env::temp_dir().join(format!("jfc-loc-{}", std::process::id()));
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
