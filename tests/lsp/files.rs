//! Diagnostics that depend on other files follow those files: a flow created, changed
//! or deleted on disk (told by the client's file watcher, which the server registers,
//! or by a save) re-checks the open documents and the closed flows that call it.

use serde_json::{json, Value};

use crate::client::Client;

/// The codes of the diagnostics of a publishDiagnostics.
fn codes(published: &Value) -> Vec<Value> {
    published["diagnostics"]
        .as_array()
        .expect("diagnostics")
        .iter()
        .map(|d| d["code"].clone())
        .collect()
}

#[test]
fn a_flow_created_or_deleted_on_disk_rechecks_its_callers() {
    let dir = tempfile::tempdir().expect("dir");
    let file = |name: &str| dir.path().join(name);
    let uri = |name: &str| format!("file://{}", file(name).display());
    let main = "[./nosuch: 1]\n";
    std::fs::write(file("main.jf"), main).expect("main.jf");
    std::fs::write(file("other.jf"), "print(1) -> [./nosuch]\n").expect("other.jf");
    std::fs::write(file("alone.jf"), "print(2)\n").expect("alone.jf");
    let root = json!(format!("file://{}", dir.path().display()));
    let watching =
        json!({ "workspace": { "didChangeWatchedFiles": { "dynamicRegistration": true } } });
    let (mut c, _) = Client::start_with(root, None, watching);
    // The server asks to be told of every flow file.
    let registered = c.serve_request("client/registerCapability");
    let registration = &registered["registrations"][0];
    assert_eq!(registration["method"], "workspace/didChangeWatchedFiles");
    assert_eq!(
        registration["registerOptions"]["watchers"],
        json!([{ "globPattern": "**/*.jf" }])
    );
    // The workspace's flows are checked at start: the two callers miss `./nosuch`.
    for name in ["alone.jf", "main.jf", "other.jf"] {
        let published =
            c.notification_where("textDocument/publishDiagnostics", |p| p["uri"] == uri(name));
        let want = if name == "alone.jf" {
            vec![]
        } else {
            vec![json!("E0016")]
        };
        assert_eq!(codes(&published), want, "{name}");
    }
    c.notify(
        "textDocument/didOpen",
        json!({ "textDocument": { "uri": uri("main.jf"), "languageId": "jobflow", "version": 1, "text": main } }),
    );
    let opened = c.notification("textDocument/publishDiagnostics");
    assert_eq!(codes(&opened), [json!("E0016")]);

    // Created: the open caller, the closed caller and the new flow are published again.
    std::fs::write(file("nosuch.jf"), "|n = 0|\nprint(n)\n").expect("nosuch.jf");
    let created = json!({ "changes": [{ "uri": uri("nosuch.jf"), "type": 1 }] });
    c.notify("workspace/didChangeWatchedFiles", created);
    let mut seen = std::collections::BTreeMap::new();
    while seen.len() < 3 {
        let p = c.notification("textDocument/publishDiagnostics");
        let name = p["uri"]
            .as_str()
            .unwrap_or_default()
            .rsplit('/')
            .next()
            .unwrap_or_default()
            .to_string();
        assert!(
            name != "alone.jf",
            "a flow that does not name the new one is left alone"
        );
        seen.insert(name, (codes(&p), p["version"].clone()));
    }
    assert_eq!(seen["main.jf"], (vec![], json!(1)), "{seen:?}");
    assert_eq!(seen["other.jf"].0, Vec::<Value>::new(), "{seen:?}");
    assert_eq!(seen["nosuch.jf"].0, Vec::<Value>::new(), "{seen:?}");

    // Deleted: the callers miss it again; the deleted flow has no problems left.
    std::fs::remove_file(file("nosuch.jf")).expect("rm");
    let deleted = json!({ "changes": [{ "uri": uri("nosuch.jf"), "type": 3 }] });
    c.notify("workspace/didChangeWatchedFiles", deleted);
    for (name, want) in [
        ("main.jf", vec![json!("E0016")]),
        ("other.jf", vec![json!("E0016")]),
        ("nosuch.jf", vec![]),
    ] {
        let published =
            c.notification_where("textDocument/publishDiagnostics", |p| p["uri"] == uri(name));
        assert_eq!(codes(&published), want, "{name}");
    }
    // A save of an open flow tells the same to a client that watches nothing.
    std::fs::write(file("nosuch.jf"), "print(3)\n").expect("nosuch.jf again");
    c.notify(
        "textDocument/didSave",
        json!({ "textDocument": { "uri": uri("nosuch.jf") } }),
    );
    let saved = c.notification_where("textDocument/publishDiagnostics", |p| {
        p["uri"] == uri("main.jf")
    });
    assert_eq!(codes(&saved), Vec::<Value>::new());
    assert!(c.stop().success());
}
