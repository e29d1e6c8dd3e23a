//! `jfc import`, `jfc export` and `jfc obj ls|cat|set|rm` through the built binary, on a
//! store file in a temp dir.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// A scratch directory (removed at the end of the test) with a store file path in it.
struct Env {
    store: PathBuf,
    dir: PathBuf,
    _tmp: tempfile::TempDir,
}

fn env() -> Env {
    let tmp = tempfile::tempdir().expect("temp dir");
    let dir = tmp.path().to_path_buf();
    std::fs::create_dir_all(dir.join("files")).expect("temp dir");
    Env {
        store: dir.join("store.sqlite"),
        dir,
        _tmp: tmp,
    }
}

impl Env {
    fn jfc(&self, args: &[&str]) -> Output {
        Command::new(env!("CARGO_BIN_EXE_jfc"))
            .arg("--store")
            .arg(&self.store)
            .args(args)
            .current_dir(&self.dir)
            .env_remove("JFC_STORE")
            .output()
            .expect("jfc runs")
    }

    fn files(&self) -> PathBuf {
        self.dir.join("files")
    }

    fn write(&self, rel: &str, text: &str) {
        let p = self.files().join(rel);
        std::fs::create_dir_all(p.parent().expect("parent")).expect("mkdir");
        std::fs::write(p, text).expect("write");
    }
}

fn out(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn err(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn path_str(p: &Path) -> &str {
    p.to_str().expect("utf-8 temp path")
}

#[test]
fn import_prints_counts_and_fails_on_conflicts() {
    let e = env();
    e.write("hello.jf", "print('hi')\n");
    e.write(
        "nodes/web1.toml",
        "type = \"NodeInfo\"\nhostname = \"web1\"\nport = 22\n",
    );
    let files = e.files();
    let o = e.jfc(&["import", path_str(&files), "--to", "/proj"]);
    assert_eq!(o.status.code(), Some(0), "{}", err(&o));
    assert!(out(&o).contains("4 created"), "{}", out(&o));

    // JSON report; unchanged the second time.
    let o = e.jfc(&["import", path_str(&files), "--to", "/proj", "--json"]);
    assert_eq!(o.status.code(), Some(0));
    let v: serde_json::Value = serde_json::from_str(&out(&o)).expect("json");
    assert_eq!(v["created"], 0);
    assert_eq!(v["unchanged"], 3);

    // Changed in the store and in the file: conflict, exit 1, --force resolves.
    let o = e.jfc(&["obj", "set", "/proj/nodes/web1", "port=2200"]);
    assert_eq!(o.status.code(), Some(0), "{}", err(&o));
    e.write(
        "nodes/web1.toml",
        "type = \"NodeInfo\"\nhostname = \"web1\"\nport = 2022\n",
    );
    let o = e.jfc(&["import", path_str(&files), "--to", "/proj"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(err(&o).contains("conflict"), "{}", err(&o));
    assert!(err(&o).contains("--force"), "{}", err(&o));
    let o = e.jfc(&["import", path_str(&files), "--to", "/proj", "--force"]);
    assert_eq!(o.status.code(), Some(0), "{}", err(&o));
    let o = e.jfc(&["obj", "cat", "/proj/nodes/web1", "--format", "json"]);
    let v: serde_json::Value = serde_json::from_str(&out(&o)).expect("json");
    assert_eq!(v["fields"]["port"], 2022);

    // Usage errors.
    let o = e.jfc(&["import", path_str(&files), "--to", "relative"]);
    assert_eq!(o.status.code(), Some(64));
    let o = e.jfc(&["import"]);
    assert_eq!(o.status.code(), Some(64));
    let o = e.jfc(&["import", "/nonexistent/dir/jfc"]);
    assert_eq!(o.status.code(), Some(66));
    assert!(err(&o).contains("no such directory"), "{}", err(&o));
}

#[test]
fn syntax_errors_exit_1_and_are_stored() {
    let e = env();
    e.write("bad.jf", "print(\n");
    let o = e.jfc(&["import", path_str(&e.files()), "--to", "/f"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(err(&o).contains("line "), "{}", err(&o));
    let o = e.jfc(&["obj", "cat", "/f/bad", "--all", "--format", "json"]);
    let v: serde_json::Value = serde_json::from_str(&out(&o)).expect("json");
    assert_eq!(v["fields"]["executable"], false);
    assert!(v["fields"]["errors"]
        .as_object()
        .is_some_and(|m| !m.is_empty()));
}

#[test]
fn ls_cat_set_rm() {
    let e = env();
    // set --type creates; values are TOML or plain text.
    let o = e.jfc(&[
        "obj",
        "set",
        "/web1",
        "--type",
        "NodeInfo",
        "hostname=web1.example.com",
        "port=22",
        "display_name=Web one",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", err(&o));
    let o = e.jfc(&["obj", "ls", "/"]);
    assert_eq!(o.status.code(), Some(0));
    let listing = out(&o);
    assert!(
        listing
            .lines()
            .any(|l| l.starts_with("web1 ") && l.contains("NodeInfo")),
        "{listing}"
    );
    assert!(
        listing.lines().any(|l| l.starts_with("system/")),
        "{listing}"
    );
    let o = e.jfc(&["obj", "ls", "/", "--json"]);
    let v: serde_json::Value = serde_json::from_str(&out(&o)).expect("json");
    assert!(v
        .as_array()
        .expect("array")
        .iter()
        .any(|c| c["name"] == "web1" && c["type"] == "NodeInfo"));

    let o = e.jfc(&["obj", "cat", "/web1"]);
    let toml = out(&o);
    assert!(toml.contains("abspath = \"/web1\""), "{toml}");
    assert!(toml.contains("display_name = \"Web one\""), "{toml}");
    assert!(toml.contains("[fields]"), "{toml}");
    assert!(toml.contains("hostname = \"web1.example.com\""), "{toml}");
    assert!(toml.contains("port = 22"), "{toml}");

    // Validation errors: clear message, exit 1, nothing written.
    let o = e.jfc(&["obj", "set", "/web1", "hostname=other", "port=70000"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        err(&o).contains("port") && err(&o).contains("65535"),
        "{}",
        err(&o)
    );
    let o = e.jfc(&["obj", "set", "/web1", "nosuch=1"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(err(&o).contains("no field `nosuch`"), "{}", err(&o));
    let o = e.jfc(&["obj", "cat", "/web1", "--format", "json"]);
    let v: serde_json::Value = serde_json::from_str(&out(&o)).expect("json");
    assert_eq!(v["fields"]["hostname"], "web1.example.com");
    // Clearing a field.
    let o = e.jfc(&["obj", "set", "/web1", "port="]);
    assert_eq!(o.status.code(), Some(0), "{}", err(&o));
    let o = e.jfc(&["obj", "cat", "/web1", "--format", "json"]);
    let v: serde_json::Value = serde_json::from_str(&out(&o)).expect("json");
    assert_eq!(v["fields"]["port"], serde_json::Value::Null);

    // Passwords are masked unless asked.
    let o = e.jfc(&[
        "obj",
        "set",
        "/acc",
        "--type",
        "AccountInfo",
        "user=deploy",
        "password=s3cret",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", err(&o));
    let o = e.jfc(&["obj", "cat", "/acc"]);
    assert!(out(&o).contains("password = \"********\""), "{}", out(&o));
    assert!(!out(&o).contains("s3cret"));
    let o = e.jfc(&["obj", "cat", "/acc", "--show-secrets"]);
    assert!(out(&o).contains("s3cret"));

    // A Jobflow source from a file is compiled.
    std::fs::write(e.dir.join("flow.jf"), "print('x')\n").expect("write");
    let o = e.jfc(&[
        "obj",
        "set",
        "/flow",
        "--type",
        "Jobflow",
        "source=@flow.jf",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", err(&o));
    let o = e.jfc(&["obj", "cat", "/flow", "--all", "--format", "json"]);
    let v: serde_json::Value = serde_json::from_str(&out(&o)).expect("json");
    assert_eq!(v["fields"]["executable"], true);
    let o = e.jfc(&["obj", "set", "/flow", "source=print("]);
    assert_eq!(o.status.code(), Some(1));
    assert!(err(&o).contains("not executable"), "{}", err(&o));

    // Type mismatch and missing objects.
    let o = e.jfc(&["obj", "set", "/web1", "--type", "AccountInfo"]);
    assert_eq!(o.status.code(), Some(1));
    let o = e.jfc(&["obj", "set", "/nothing", "a=1"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(err(&o).contains("--type"), "{}", err(&o));
    let o = e.jfc(&["obj", "cat", "/nothing"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(err(&o).contains("no object at /nothing"), "{}", err(&o));
    let o = e.jfc(&["obj", "set", "/web1"]);
    assert_eq!(o.status.code(), Some(64));
    let o = e.jfc(&["obj", "set", "/web1", "port"]);
    assert_eq!(o.status.code(), Some(64));
    let o = e.jfc(&["obj", "cat", "web1"]);
    assert_eq!(o.status.code(), Some(64));

    // rm: a non-empty directory needs -r; the root and built-in types are protected.
    let o = e.jfc(&["obj", "set", "/d", "--type", "Directory"]);
    assert_eq!(o.status.code(), Some(0), "{}", err(&o));
    let o = e.jfc(&["obj", "set", "/d/x", "--type", "Jobflow"]);
    assert_eq!(o.status.code(), Some(0), "{}", err(&o));
    let o = e.jfc(&["obj", "rm", "/d"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(err(&o).contains("-r"), "{}", err(&o));
    let o = e.jfc(&["obj", "rm", "-r", "/d"]);
    assert_eq!(o.status.code(), Some(0), "{}", err(&o));
    let o = e.jfc(&["obj", "rm", "/web1"]);
    assert_eq!(o.status.code(), Some(0));
    let o = e.jfc(&["obj", "rm", "/"]);
    assert_eq!(o.status.code(), Some(1));
    let o = e.jfc(&["obj", "rm", "/system/types/NodeInfo"]);
    assert_eq!(o.status.code(), Some(1));
    let o = e.jfc(&["obj", "ls", "/", "--json"]);
    let v: serde_json::Value = serde_json::from_str(&out(&o)).expect("json");
    assert!(!v
        .as_array()
        .expect("array")
        .iter()
        .any(|c| c["name"] == "web1" || c["name"] == "d"));
}

#[test]
fn export_writes_the_layout() {
    let e = env();
    let o = e.jfc(&["obj", "set", "/ops", "--type", "Directory"]);
    assert_eq!(o.status.code(), Some(0), "{}", err(&o));
    std::fs::write(e.dir.join("f.jf"), "print(1)\n").expect("write");
    let o = e.jfc(&[
        "obj",
        "set",
        "/ops/deploy",
        "--type",
        "Jobflow",
        "source=@f.jf",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", err(&o));
    let o = e.jfc(&[
        "obj",
        "set",
        "/ops/db",
        "--type",
        "NodeInfo",
        "hostname=db1",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", err(&o));
    let target = e.dir.join("out");
    let o = e.jfc(&["export", "/ops", path_str(&target)]);
    assert_eq!(o.status.code(), Some(0), "{}", err(&o));
    assert!(out(&o).contains("2 objects"), "{}", out(&o));
    assert_eq!(
        std::fs::read_to_string(target.join("deploy.jf")).expect("jf"),
        "print(1)\n"
    );
    let toml = std::fs::read_to_string(target.join("db.toml")).expect("toml");
    assert_eq!(
        toml,
        "type = \"/system/types/NodeInfo\"\nhostname = \"db1\"\n"
    );
    let o = e.jfc(&["export", "/nothing", path_str(&target)]);
    assert_eq!(o.status.code(), Some(1));
    // Re-import: nothing to do.
    let o = e.jfc(&["import", path_str(&target), "--to", "/ops", "--json"]);
    let v: serde_json::Value = serde_json::from_str(&out(&o)).expect("json");
    assert_eq!(
        (v["created"].clone(), v["updated"].clone()),
        (0.into(), 0.into()),
        "{v}"
    );
}

#[test]
fn every_command_has_help() {
    let e = env();
    for args in [
        &["import", "--help"][..],
        &["export", "--help"],
        &["obj", "--help"],
        &["obj", "ls", "--help"],
        &["obj", "cat", "--help"],
        &["obj", "set", "--help"],
        &["obj", "rm", "--help"],
    ] {
        let o = e.jfc(args);
        assert_eq!(o.status.code(), Some(0), "{args:?}");
        assert!(out(&o).contains("Usage"), "{args:?}: {}", out(&o));
    }
}

#[test]
fn rm_keeps_the_standard_tree_and_lists_what_it_deletes() {
    let e = env();
    for dir in ["/types", "/data"] {
        assert!(e
            .jfc(&["obj", "set", dir, "--type", "Directory"])
            .status
            .success());
    }
    for (args, what) in [
        (&["obj", "rm", "-r", "/system"][..], "/system"),
        (
            &["obj", "rm", "/system/types/NodeInfo"][..],
            "/system/types/NodeInfo",
        ),
        (&["obj", "rm", "-r", "--dry-run", "/home"][..], "/home"),
    ] {
        let o = e.jfc(args);
        assert_eq!(o.status.code(), Some(1), "{args:?}");
        assert_eq!(
            err(&o),
            format!("error: {what} is a built-in object of the store and cannot be deleted\n")
        );
    }
    let o = e.jfc(&["obj", "ls", "/system/types"]);
    assert!(o.status.success(), "the store still works: {}", err(&o));
    assert!(out(&o).contains("NodeInfo"), "{}", out(&o));

    for dir in ["/types", "/data"] {
        assert!(e
            .jfc(&["obj", "set", dir, "--type", "Directory"])
            .status
            .success());
    }
    let o = e.jfc(&["obj", "set", "/types/Server", "--type", "TypeObject"]);
    assert!(o.status.success(), "{}", err(&o));
    let o = e.jfc(&["obj", "set", "/data/web", "--type", "/types/Server"]);
    assert!(o.status.success(), "{}", err(&o));
    let o = e.jfc(&["obj", "rm", "-r", "/types"]);
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(
        err(&o),
        "error: /types/Server cannot be deleted: it is the type of /data/web; delete those first\n"
    );

    let o = e.jfc(&["obj", "rm", "-r", "--dry-run", "/data"]);
    assert!(o.status.success(), "{}", err(&o));
    assert_eq!(out(&o), "would delete /data\nwould delete /data/web\n");
    assert!(
        e.jfc(&["obj", "cat", "/data/web"]).status.success(),
        "a dry run deletes nothing"
    );
    let o = e.jfc(&["obj", "rm", "-r", "/data"]);
    assert!(o.status.success(), "{}", err(&o));
    assert_eq!(out(&o), "deleted /data\ndeleted /data/web\n");
    assert_eq!(e.jfc(&["obj", "cat", "/data/web"]).status.code(), Some(1));
}

#[test]
fn import_prune_deletes_only_what_came_from_that_directory() {
    let e = env();
    assert!(e
        .jfc(&["obj", "set", "/servers", "--type", "Directory"])
        .status
        .success());
    for name in ["a", "b"] {
        let path = format!("/servers/{name}");
        let o = e.jfc(&["obj", "set", &path, "--type", "NodeInfo", "port=22"]);
        assert!(o.status.success(), "{}", err(&o));
    }
    let exported = e.dir.join("exported");
    assert!(e
        .jfc(&["export", "/servers", path_str(&exported)])
        .status
        .success());
    // Another directory imported into the root, with --prune: /servers is none of its business.
    e.write("hello.jf", "print('hi')\n");
    let o = e.jfc(&["import", path_str(&e.files()), "--prune"]);
    assert!(o.status.success(), "{}", err(&o));
    assert!(!out(&o).contains("deleted"), "{}", out(&o));
    for name in ["a", "b"] {
        let o = e.jfc(&["obj", "cat", &format!("/servers/{name}")]);
        assert!(o.status.success(), "/servers/{name} kept: {}", err(&o));
    }

    // The directory it was exported to: a file gone there is pruned, after a dry run.
    std::fs::remove_file(exported.join("b.toml")).expect("rm");
    let args = ["import", path_str(&exported), "--to", "/servers", "--prune"];
    let o = e.jfc(&[&args[..], &["--dry-run"]].concat());
    assert!(o.status.success(), "{}", err(&o));
    assert!(
        err(&o).contains("gone: /servers/b: its file "),
        "{}",
        err(&o)
    );
    assert!(
        err(&o).contains("b.toml is gone: would be deleted"),
        "{}",
        err(&o)
    );
    assert!(
        out(&o).starts_with("dry run, nothing written: would import"),
        "{}",
        out(&o)
    );
    assert!(out(&o).contains("1 deleted"), "{}", out(&o));
    assert!(
        e.jfc(&["obj", "cat", "/servers/b"]).status.success(),
        "a dry run deletes nothing"
    );
    let o = e.jfc(&args);
    assert!(o.status.success(), "{}", err(&o));
    assert!(err(&o).contains("b.toml is gone: deleted"), "{}", err(&o));
    assert_eq!(e.jfc(&["obj", "cat", "/servers/b"]).status.code(), Some(1));
    assert!(e.jfc(&["obj", "cat", "/servers/a"]).status.success());
}

#[test]
fn commands_that_only_read_never_create_a_store_and_exit_66() {
    let cwd = tempfile::tempdir().expect("temp dir");
    let out_dir = cwd.path().join("out");
    let commands: [&[&str]; 12] = [
        &["obj", "ls"],
        &["ps"],
        &["ps", "1", "--rm", "--dry-run"],
        &["import", ".", "--dry-run"],
        &["obj", "cat", "/system"],
        &["obj", "rm", "/x"],
        &["export", "/", path_str(&out_dir)],
        &["user", "ls"],
        &["user", "set", "root", "--environment", ""],
        &["schedule", "ls"],
        &["token", "ls"],
        &["task", "ls"],
    ];
    let default = cwd.path().join(".jfc").join("store.sqlite");
    for args in commands {
        let o = Command::new(env!("CARGO_BIN_EXE_jfc"))
            .args(args)
            .current_dir(cwd.path())
            .env_remove("JFC_STORE")
            .output()
            .expect("jfc runs");
        assert_eq!(o.status.code(), Some(66), "{args:?}");
        assert_eq!(
            err(&o),
            format!(
                "error: there is no store at {} (`jfc import` or `jfc obj set` creates one; --store or JFC_STORE names another)\n",
                default.display()
            ),
            "{args:?}"
        );
    }
    assert!(!cwd.path().join(".jfc").exists(), "no store was created");
    assert!(!out_dir.exists(), "export wrote nothing");
}

#[test]
fn import_of_a_missing_directory_exits_66_and_makes_no_store() {
    let e = env();
    let missing = e.dir.join("no-such-dir");
    let o = e.jfc(&["import", path_str(&missing)]);
    assert_eq!(o.status.code(), Some(66), "{}", err(&o));
    assert_eq!(
        err(&o),
        format!("error: import: {}: no such directory\n", missing.display())
    );
    let file = e.dir.join("plain.txt");
    std::fs::write(&file, "x").expect("write");
    let o = e.jfc(&["import", path_str(&file)]);
    assert_eq!(o.status.code(), Some(66), "{}", err(&o));
    assert!(err(&o).contains("not a directory"), "{}", err(&o));
    assert!(!e.store.exists(), "no store was created");
}

#[test]
fn export_reports_the_stale_meta_file_it_removes() {
    let e = env();
    std::fs::write(e.dir.join("f.jf"), "print(1)\n").expect("write");
    for args in [
        &["obj", "set", "/ops", "--type", "Directory"][..],
        &[
            "obj",
            "set",
            "/ops/deploy",
            "--type",
            "Jobflow",
            "source=@f.jf",
            "description=rolls out",
        ],
    ] {
        let o = e.jfc(args);
        assert!(o.status.success(), "{args:?}: {}", err(&o));
    }
    let target = e.dir.join("out");
    let meta = target.join("deploy.meta.toml");
    let o = e.jfc(&["export", "/ops", path_str(&target)]);
    assert!(o.status.success(), "{}", err(&o));
    assert!(meta.is_file(), "the description is written beside the flow");
    let o = e.jfc(&["obj", "set", "/ops/deploy", "description="]);
    assert!(o.status.success(), "{}", err(&o));
    let o = e.jfc(&["export", "/ops", path_str(&target)]);
    assert!(o.status.success(), "{}", err(&o));
    assert!(!meta.exists(), "nothing left to say: removed");
    assert!(
        out(&o).starts_with(&format!(
            "removed {} (stale: nothing left to put in it)\n",
            meta.display()
        )),
        "{}",
        out(&o)
    );
    assert!(out(&o).contains(", 1 removed\n"), "{}", out(&o));
    // The JSON report lists it too.
    std::fs::write(&meta, "description = \"stale\"\n").expect("write");
    let o = e.jfc(&["export", "/ops", path_str(&target), "--json"]);
    let v: serde_json::Value = serde_json::from_str(&out(&o)).expect("json");
    assert_eq!(
        v["files_removed"],
        serde_json::json!([meta.display().to_string()])
    );
}
