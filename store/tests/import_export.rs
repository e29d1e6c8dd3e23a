//! `import_dir`/`export_dir` and Jobflow objects, on real SQLite files in temp dirs.

use std::path::{Path, PathBuf};

use jfc_store::export::ExportOptions;
use jfc_store::import::{ImportOptions, ImportReport, MessageKind};
use jfc_store::jobflow::Compiled;
use jfc_store::Store;
use jfc_vm::value::Value;

/// A fresh temp dir, removed when the guard drops: (guard, store file, files dir).
fn temp() -> (tempfile::TempDir, PathBuf, PathBuf) {
    let tmp = tempfile::tempdir().expect("temp dir");
    let dir = tmp.path().to_path_buf();
    std::fs::create_dir_all(dir.join("files")).expect("temp dir");
    (tmp, dir.join("store.sqlite"), dir.join("files"))
}

fn write(dir: &Path, rel: &str, text: &str) {
    let p = dir.join(rel);
    std::fs::create_dir_all(p.parent().expect("parent")).expect("mkdir");
    std::fs::write(p, text).expect("write");
}

fn import(s: &mut Store, dir: &Path, to: &str) -> ImportReport {
    s.import_dir(dir, to, &ImportOptions::default())
        .expect("import runs")
}

fn field(s: &Store, path: &str, name: &str) -> Value {
    let id = s.resolve(path).expect("object exists");
    s.read_field(id, name).expect("field reads")
}

fn text(v: Value) -> String {
    v.to_text()
}

const NODE: &str = r#"type = "/system/types/NodeInfo"
display_name = "Web server 1"
hostname = "web1.example.com"
ipaddr = "10.0.0.1"
port = 22
"#;

fn sample_tree(dir: &Path) {
    write(dir, "hello.jf", "print('hello')\n");
    write(dir, "tools/backup.sh", "#!/bin/sh\necho backup\n");
    write(dir, "tools/report.py", "print('report')\n");
    write(dir, "tools/runit", "#!/bin/bash\necho run\n");
    write(dir, "nodes/web1.toml", NODE);
    write(
        dir,
        "nodes/account.toml",
        "type = \"AccountInfo\"\nuser = \"deploy\"\n",
    );
    write(
        dir,
        "env.toml",
        "type = \"Environment\"\ndescription = \"defaults\"\n[environment]\nLANG = \"C\"\nRETRIES = 3\n",
    );
    write(
        dir,
        "hello.meta.toml",
        "multiplicity = 2\ndescription = \"greets\"\n",
    );
    write(dir, "README.md", "not an object\n");
    write(dir, ".git/config", "[core]\n");
    write(dir, ".hidden.jf", "print(1)\n");
}

#[test]
fn every_mapping() {
    let (_tmp, db, dir) = temp();
    sample_tree(&dir);
    let mut s = Store::open(&db).expect("store");
    let r = import(&mut s, &dir, "/proj");
    assert!(r.ok(), "{:#?}", r.messages);
    // /proj, hello, tools, backup, report, runit, nodes, web1, account, env
    assert_eq!(r.created, 10, "{r:#?}");
    assert_eq!(r.skipped, 1, "README.md: {r:#?}");
    assert!(r.messages.iter().any(|m| m.kind == MessageKind::Skipped
        && m.file.as_ref().is_some_and(|f| f.ends_with("README.md"))));

    let hello = s.resolve("/proj/hello").expect("hello");
    assert_eq!(s.type_name(hello).expect("type"), "Jobflow");
    assert_eq!(text(field(&s, "/proj/hello", "source")), "print('hello')\n");
    assert!(matches!(
        field(&s, "/proj/hello", "executable"),
        Value::Bool(true)
    ));
    assert!(matches!(
        field(&s, "/proj/hello", "multiplicity"),
        Value::Int(2)
    ));
    assert_eq!(s.get(hello).expect("row").description, "greets");
    assert!(s.jobflow_chunk(hello).is_ok());

    assert_eq!(
        s.type_name(s.resolve("/proj/tools").expect("tools"))
            .expect("type"),
        "Directory"
    );
    for (name, ext) in [("backup", "sh"), ("report", "py"), ("runit", "")] {
        let p = format!("/proj/tools/{name}");
        assert_eq!(
            s.type_name(s.resolve(&p).expect("script")).expect("t"),
            "ScriptJob"
        );
        assert_eq!(text(field(&s, &p, "ext")), ext, "{p}");
    }
    assert_eq!(
        text(field(&s, "/proj/tools/backup", "source")),
        "#!/bin/sh\necho backup\n"
    );

    let web1 = s.resolve("/proj/nodes/web1").expect("web1");
    assert_eq!(s.type_name(web1).expect("type"), "NodeInfo");
    assert_eq!(s.get(web1).expect("row").display_name, "Web server 1");
    assert_eq!(
        text(field(&s, "/proj/nodes/web1", "hostname")),
        "web1.example.com"
    );
    assert!(matches!(
        field(&s, "/proj/nodes/web1", "port"),
        Value::Int(22)
    ));
    assert_eq!(
        s.type_name(s.resolve("/proj/nodes/account").expect("acc"))
            .expect("t"),
        "AccountInfo"
    );
    let env = field(&s, "/proj/env", "environment");
    assert_eq!(env.to_nested_text(), "{LANG='C', RETRIES='3'}");

    assert!(s.lookup("/proj/README").expect("q").is_none());
    assert!(s.lookup("/proj/hidden").expect("q").is_none());
}

#[test]
fn bad_values_names_and_types_are_reported_not_fatal() {
    let (_tmp, db, dir) = temp();
    write(
        &dir,
        "web2.toml",
        "type = \"NodeInfo\"\nhostname = \"web2\"\nport = 70000\nnosuch = 1\n",
    );
    write(&dir, "2fast.jf", "print(1)\n");
    write(&dir, "notype.toml", "hostname = \"x\"\n");
    write(&dir, "badtype.toml", "type = \"NoSuchType\"\n");
    write(&dir, "broken.toml", "type = \"NodeInfo\"\nport = \n");
    write(&dir, "ok.jf", "print(1)\n");
    let mut s = Store::open(&db).expect("store");
    let r = import(&mut s, &dir, "/t");
    assert!(!r.ok());
    let all: Vec<String> = r.messages.iter().map(|m| m.to_string()).collect();
    let has = |needle: &str| all.iter().any(|m| m.contains(needle));
    assert!(
        has("web2.toml") && has("key `port`") && has("65535"),
        "{all:#?}"
    );
    assert!(has("key `nosuch`"), "{all:#?}");
    assert!(
        has("2fast.jf") && has("not a valid object name"),
        "{all:#?}"
    );
    assert!(has("notype.toml") && has("no `type` key"), "{all:#?}");
    assert!(
        has("badtype.toml") && has("no type `NoSuchType`"),
        "{all:#?}"
    );
    assert!(has("broken.toml") && has("not valid TOML"), "{all:#?}");
    // The good parts are there: web2 with its hostname, ok.
    assert_eq!(text(field(&s, "/t/web2", "hostname")), "web2");
    assert!(matches!(field(&s, "/t/web2", "port"), Value::Null));
    assert!(s.lookup("/t/ok").expect("q").is_some());
    assert_eq!(r.errors, 5, "{all:#?}");
    assert_eq!(r.skipped, 1, "{all:#?}");
    // The file with errors is read again next time (and reported again).
    let r2 = import(&mut s, &dir, "/t");
    assert!(r2
        .messages
        .iter()
        .any(|m| m.to_string().contains("key `port`")));
}

#[test]
fn reimport_touches_only_what_changed() {
    let (_tmp, db, dir) = temp();
    sample_tree(&dir);
    let mut s = Store::open(&db).expect("store");
    let first = import(&mut s, &dir, "/p");
    assert!(first.ok());
    let web1 = s.resolve("/p/nodes/web1").expect("web1");
    let before = s.get(web1).expect("row").updated;
    let second = import(&mut s, &dir, "/p");
    assert_eq!(second.created, 0, "{second:#?}");
    assert_eq!(second.updated, 0, "{second:#?}");
    assert_eq!(second.unchanged, first.created - 1, "all but /p itself");
    assert!(second.ok());
    write(
        &dir,
        "nodes/web1.toml",
        &NODE.replace("port = 22", "port = 2222"),
    );
    let third = import(&mut s, &dir, "/p");
    assert_eq!(third.updated, 1, "{third:#?}");
    assert!(matches!(
        field(&s, "/p/nodes/web1", "port"),
        Value::Int(2222)
    ));
    assert_ne!(s.get(web1).expect("row").updated, before);
    // A key removed from the file clears the field.
    write(&dir, "nodes/web1.toml", &NODE.replace("port = 22\n", ""));
    let fourth = import(&mut s, &dir, "/p");
    assert_eq!(fourth.updated, 1, "{fourth:#?}");
    assert!(matches!(field(&s, "/p/nodes/web1", "port"), Value::Null));
    // display_name removed: back to the name.
    write(
        &dir,
        "nodes/web1.toml",
        "type = \"NodeInfo\"\nhostname = \"web1.example.com\"\nipaddr = \"10.0.0.1\"\n",
    );
    import(&mut s, &dir, "/p");
    assert_eq!(s.get(web1).expect("row").display_name, "web1");
}

#[test]
fn runtime_changes_are_conflicts_until_force() {
    let (_tmp, db, dir) = temp();
    sample_tree(&dir);
    let mut s = Store::open(&db).expect("store");
    assert!(import(&mut s, &dir, "/p").ok());
    let web1 = s.resolve("/p/nodes/web1").expect("web1");
    // Changed at run time.
    s.write_field(web1, "port", Value::Int(2200))
        .expect("write");
    s.write_field(web1, "hostname", Value::str("runtime.example.com"))
        .expect("write");
    // The file is unchanged: nothing happens.
    let r = import(&mut s, &dir, "/p");
    assert!(r.ok(), "{r:#?}");
    assert!(matches!(
        field(&s, "/p/nodes/web1", "port"),
        Value::Int(2200)
    ));
    // The file changes the port too: conflict; the hostname (unchanged in the file) is kept.
    write(
        &dir,
        "nodes/web1.toml",
        &NODE.replace("port = 22", "port = 2022"),
    );
    let r = import(&mut s, &dir, "/p");
    assert_eq!(r.conflicts, 1, "{r:#?}");
    let m = r
        .messages
        .iter()
        .find(|m| m.kind == MessageKind::Conflict)
        .expect("conflict message");
    let shown = m.to_string();
    assert!(shown.contains("/p/nodes/web1"), "{shown}");
    assert!(shown.contains("`port`"), "{shown}");
    assert!(shown.contains("--force"), "{shown}");
    assert!(matches!(
        field(&s, "/p/nodes/web1", "port"),
        Value::Int(2200)
    ));
    assert_eq!(
        text(field(&s, "/p/nodes/web1", "hostname")),
        "runtime.example.com"
    );
    // Reported again while unresolved.
    assert_eq!(import(&mut s, &dir, "/p").conflicts, 1);
    // --force overwrites.
    let forced = s
        .import_dir(
            &dir,
            "/p",
            &ImportOptions {
                force: true,
                ..ImportOptions::default()
            },
        )
        .expect("import");
    assert!(forced.ok(), "{forced:#?}");
    assert!(matches!(
        field(&s, "/p/nodes/web1", "port"),
        Value::Int(2022)
    ));
    assert_eq!(
        text(field(&s, "/p/nodes/web1", "hostname")),
        "web1.example.com"
    );
    assert!(import(&mut s, &dir, "/p").ok());
}

#[test]
fn importing_over_objects_no_import_made() {
    let (_tmp, db, dir) = temp();
    let mut s = Store::open(&db).expect("store");
    let root = s.resolve("/").expect("root");
    let node = s
        .create(root, "web1", s.type_id("NodeInfo").expect("t"), "root")
        .expect("create");
    s.write_field(node, "hostname", Value::str("mine"))
        .expect("w");
    write(
        &dir,
        "web1.toml",
        "type = \"NodeInfo\"\nhostname = \"theirs\"\nport = 22\n",
    );
    let r = import(&mut s, &dir, "/");
    assert_eq!(r.conflicts, 1, "{r:#?}");
    assert_eq!(text(field(&s, "/web1", "hostname")), "mine");
    assert!(
        matches!(field(&s, "/web1", "port"), Value::Int(22)),
        "unset fields are written"
    );
    // A different type is an error, not a replacement.
    write(&dir, "web1.toml", "type = \"AccountInfo\"\n");
    let r = import(&mut s, &dir, "/");
    assert_eq!(r.errors, 1, "{r:#?}");
    assert_eq!(s.type_name(node).expect("t"), "NodeInfo");
}

#[test]
fn jobflow_with_syntax_error_is_stored_not_executable() {
    let (_tmp, db, dir) = temp();
    write(&dir, "good.jf", "print('ok')\n");
    write(&dir, "bad.jf", "print('a')\n-> [x = ]\n-> print(1)\n");
    let mut s = Store::open(&db).expect("store");
    let r = import(&mut s, &dir, "/f");
    assert_eq!(r.created, 3);
    assert_eq!(r.errors, 1, "{r:#?}");
    assert!(r
        .messages
        .iter()
        .any(|m| m.kind == MessageKind::Error && m.text.starts_with("line 2:")));
    let bad = s.resolve("/f/bad").expect("bad");
    assert_eq!(
        text(field(&s, "/f/bad", "source")),
        "print('a')\n-> [x = ]\n-> print(1)\n"
    );
    assert!(matches!(
        field(&s, "/f/bad", "executable"),
        Value::Bool(false)
    ));
    let errors = s.jobflow_errors(bad).expect("errors");
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert_eq!(errors[0].0, 2);
    let e = s.jobflow_chunk(bad).expect_err("not executable");
    assert!(
        e.0.starts_with("the jobflow /f/bad has compile errors: line 2:"),
        "{e}"
    );
    // Still reported when nothing changed.
    let again = import(&mut s, &dir, "/f");
    assert_eq!(again.errors, 1);
    // Fixing it makes it executable.
    write(&dir, "bad.jf", "print('a')\n");
    let fixed = import(&mut s, &dir, "/f");
    assert!(fixed.ok(), "{fixed:#?}");
    assert!(s.jobflow_chunk(bad).is_ok());
    assert!(s.jobflow_errors(bad).expect("e").is_empty());
}

#[test]
fn save_jobflow_compiles_and_stores_code() {
    let (_tmp, db, _) = temp();
    let mut s = Store::open(&db).expect("store");
    let root = s.resolve("/").expect("root");
    let id = s
        .create(root, "flow", s.type_id("Jobflow").expect("t"), "root")
        .expect("create");
    let out = s
        .save_jobflow(id, "|a|\n|b = 2|\nprint(a, b)\n")
        .expect("save");
    assert_eq!(out, Compiled::Ok);
    assert!(matches!(
        s.read_field(id, "code").expect("code"),
        Value::Str(_)
    ));
    assert_eq!(
        s.read_field(id, "compilerVersion").expect("v").to_text(),
        jfc_store::jobflow::COMPILER_VERSION
    );
    assert!(matches!(
        s.read_field(id, "compiledDatetime").expect("dt"),
        Value::Datetime(_)
    ));
    assert_eq!(
        s.read_field(id, "parameters").expect("p").to_nested_text(),
        "{a=null, b=null}"
    );
    let chunk = s.jobflow_chunk(id).expect("chunk");
    assert_eq!(chunk.name, "/flow");
    assert_eq!(chunk.params.len(), 2);
    // Code from another compiler version is compiled again.
    s.write_field(id, "compilerVersion", Value::str("0.0.0-old"))
        .expect("w");
    s.write_field(id, "code", Value::str("garbage")).expect("w");
    assert_eq!(s.jobflow_chunk(id).expect("recompiled").params.len(), 2);
    // Errors: the first of each line.
    let out = s.save_jobflow(id, "print(\n").expect("save");
    assert!(
        matches!(out, Compiled::Errors(ref e) if !e.is_empty()),
        "{out:?}"
    );
    assert!(matches!(
        s.read_field(id, "executable").expect("x"),
        Value::Bool(false)
    ));
    assert!(matches!(
        s.read_field(id, "code").expect("code"),
        Value::Null
    ));
    // ScriptJob.
    let sj = s
        .create(root, "script", s.type_id("ScriptJob").expect("t"), "root")
        .expect("create");
    s.save_scriptjob(sj, "echo hi\n", "sh").expect("save");
    assert_eq!(s.read_field(sj, "ext").expect("ext").to_text(), "sh");
    assert!(s.save_jobflow(sj, "print(1)").is_err(), "not a Jobflow");
}

/// Every object under `path`: (relative path, type, display_name, description, visible fields as text).
type Snapshot = Vec<(String, String, String, String, Vec<(String, String)>)>;

fn snapshot(s: &Store, path: &str) -> Snapshot {
    let base = s.resolve(path).expect("base");
    let mut out = Vec::new();
    let mut stack = vec![base];
    while let Some(id) = stack.pop() {
        for c in s.children(id).expect("children") {
            stack.push(c);
            let o = s.get(c).expect("row");
            let abs = s.abspath(c).expect("path");
            let rel = abs[path.len()..].to_string();
            let fields = s
                .read_fields(c)
                .expect("fields")
                .into_iter()
                .filter(|(d, _)| !d.spec.is_invisible())
                .map(|(d, v)| (d.name, v.to_nested_text()))
                .collect();
            out.push((
                rel,
                s.type_name(c).expect("t"),
                o.display_name,
                o.description,
                fields,
            ));
        }
    }
    out.sort();
    out
}

#[test]
fn export_then_import_round_trip() {
    let (_tmp, db, dir) = temp();
    sample_tree(&dir);
    let mut s = Store::open(&db).expect("store");
    assert!(import(&mut s, &dir, "/src").ok());
    // Values TOML has to work for, in a type defined by the files themselves (read after
    // the objects of that type: `things` sorts before `types`).
    write(
        &dir,
        "types/Rich.toml",
        r#"type = "TypeObject"
fieldNames = ["when", "day", "at", "bin", "tags", "refs", "ratio", "flag", "counts", "link", "big"]
fieldDisplayNames = ["When", "Day", "At", "Bin", "Tags", "Refs", "Ratio", "Flag", "Counts", "Link", "Big"]
fieldTypes = ["Datetime", "Date", "Time", "Binary", "Array<String>", "Array<Object>", "Float", "Boolean", "Dictionary<Integer>", "Object", "LargeText"]
"#,
    );
    write(
        &dir,
        "things/rich.toml",
        "type = \"/src/types/Rich\"\nratio = 0.5\n",
    );
    let r = import(&mut s, &dir, "/src");
    assert!(r.ok(), "{r:#?}");
    let rich = s.resolve("/src/things/rich").expect("rich");
    let web1 = s.resolve("/src/nodes/web1").expect("web1");
    let account = s.resolve("/src/nodes/account").expect("acc");
    let acc_ref = s.object_value(account).expect("ref");
    let web_ref = s.object_value(web1).expect("ref");
    s.write_field(web1, "account", acc_ref.clone()).expect("w");
    s.write_field(web1, "use_shell", Value::Bool(false))
        .expect("w");
    let dt = chrono::DateTime::parse_from_rfc3339("2024-05-01T09:30:00.5+09:00").expect("dt");
    let mut counts = indexmap::IndexMap::new();
    counts.insert(jfc_vm::value::Key::str("a"), Value::Int(1));
    counts.insert(jfc_vm::value::Key::str("$t"), Value::Int(2));
    for (name, v) in [
        ("when", Value::Datetime(dt)),
        (
            "day",
            Value::Date(chrono::NaiveDate::from_ymd_opt(2024, 5, 1).expect("d")),
        ),
        (
            "at",
            Value::Time(chrono::NaiveTime::from_hms_milli_opt(23, 59, 1, 250).expect("t")),
        ),
        ("bin", Value::Bytes(std::rc::Rc::from(&b"\x00\xff"[..]))),
        ("tags", Value::array(vec![Value::str("a"), Value::str("b")])),
        ("refs", Value::array(vec![web_ref.clone(), acc_ref])),
        ("ratio", Value::Float(1.0)),
        ("flag", Value::Bool(true)),
        ("counts", Value::dict(counts)),
        ("link", web_ref),
        ("big", Value::str("line 1\nline 2 \"quoted\" \\ '''\n")),
    ] {
        s.write_field(rich, name, v).expect(name);
    }
    let acc_id = s.resolve("/src/nodes/account").expect("acc");
    s.write_field(acc_id, "password", Value::str("s3cret"))
        .expect("w");
    let env = s.resolve("/src/env").expect("env");
    s.set_property(env, "display_name", "Environment \"defaults\"")
        .expect("p");
    let tools = s.resolve("/src/tools").expect("tools");
    s.set_property(tools, "description", "helper scripts")
        .expect("p");

    let out = dir.parent().expect("parent").join("exported");
    let rep = s
        .export_dir("/src", &out, &ExportOptions { secrets: true })
        .expect("export");
    // hello, tools (3 scripts), nodes (2), env, types/Rich, things/rich
    assert_eq!(rep.objects, 13, "{rep:#?}");
    assert!(out.join("hello.jf").is_file());
    assert!(out.join("hello.meta.toml").is_file());
    assert!(out.join("tools/backup.sh").is_file());
    assert!(out.join("tools.meta.toml").is_file());
    assert!(out.join("tools/runit").is_file());
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(out.join("tools/report.py"))
            .expect("m")
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o755);
    }
    let web1_toml = std::fs::read_to_string(out.join("nodes/web1.toml")).expect("toml");
    assert!(
        web1_toml.starts_with("type = \"/system/types/NodeInfo\"\n"),
        "{web1_toml}"
    );
    assert!(
        web1_toml.contains("account = \"/src/nodes/account\""),
        "{web1_toml}"
    );

    // Into a second store, and into another place of the same store.
    let (_tmp, db2, _) = temp();
    let mut s2 = Store::open(&db2).expect("store 2");
    let r = import(&mut s2, &out, "/src");
    assert!(r.ok(), "{:#?}", r.messages);
    assert_eq!(snapshot(&s, "/src"), snapshot(&s2, "/src"));
    assert_eq!(
        field(&s2, "/src/nodes/web1", "account").to_text(),
        "/src/nodes/account"
    );
    // References point at the objects of the store imported into.
    let rich2 = s2.resolve("/src/things/rich").expect("rich");
    let Value::Array(ref refs) = s2.read_field(rich2, "refs").expect("refs") else {
        panic!("refs is an Array")
    };
    let Value::Object(ref r) = refs.borrow()[0].clone() else {
        panic!("an Object")
    };
    assert_eq!(r.id, s2.resolve("/src/nodes/web1").expect("web1"));
    let rich_toml = std::fs::read_to_string(out.join("things/rich.toml")).expect("toml");
    assert!(
        rich_toml.contains("when = 2024-05-01T09:30:00.5+09:00"),
        "{rich_toml}"
    );
    assert!(rich_toml.contains("day = 2024-05-01\n"), "{rich_toml}");

    // Exporting again gives the same files; importing them changes nothing.
    let rep2 = s
        .export_dir("/src", &out, &ExportOptions { secrets: true })
        .expect("export");
    assert_eq!(rep2.files_written, 0, "{rep2:#?}");
    let again = import(&mut s, &out, "/src");
    assert_eq!((again.created, again.updated), (0, 0), "{again:#?}");

    // Without --secrets the password is left out (and an import leaves it alone).
    let out3 = dir.parent().expect("parent").join("exported3");
    let rep3 = s
        .export_dir("/src", &out3, &ExportOptions::default())
        .expect("export");
    assert!(
        rep3.messages.iter().any(|m| m.contains("password")),
        "{rep3:#?}"
    );
    let acc = std::fs::read_to_string(out3.join("nodes/account.toml")).expect("toml");
    assert!(!acc.contains("s3cret"), "{acc}");
}

#[test]
fn edit_after_export_imports_without_conflict() {
    let (_tmp, db, dir) = temp();
    let mut s = Store::open(&db).expect("store");
    let root = s.resolve("/").expect("root");
    let d = s
        .create(root, "ops", s.type_id("Directory").expect("t"), "root")
        .expect("c");
    let n = s
        .create(d, "db1", s.type_id("NodeInfo").expect("t"), "root")
        .expect("c");
    s.write_field(n, "hostname", Value::str("db1")).expect("w");
    s.export_dir("/ops", &dir, &ExportOptions::default())
        .expect("export");
    write(
        &dir,
        "db1.toml",
        "type = \"/system/types/NodeInfo\"\nhostname = \"db1.internal\"\n",
    );
    let r = import(&mut s, &dir, "/ops");
    assert!(r.ok(), "{r:#?}");
    assert_eq!(r.updated, 1);
    assert_eq!(text(field(&s, "/ops/db1", "hostname")), "db1.internal");
}

#[test]
fn gone_files_are_reported_and_pruned_on_request() {
    let (_tmp, db, dir) = temp();
    sample_tree(&dir);
    let mut s = Store::open(&db).expect("store");
    assert!(import(&mut s, &dir, "/p").ok());
    // An object made at run time is never reported.
    let p = s.resolve("/p").expect("p");
    s.create(p, "manual", s.type_id("Jobflow").expect("t"), "root")
        .expect("c");
    std::fs::remove_file(dir.join("hello.jf")).expect("rm");
    std::fs::remove_file(dir.join("hello.meta.toml")).expect("rm");
    let r = import(&mut s, &dir, "/p");
    assert!(r.ok());
    let gone: Vec<_> = r
        .messages
        .iter()
        .filter(|m| m.kind == MessageKind::Gone)
        .collect();
    assert_eq!(gone.len(), 1, "{r:#?}");
    assert_eq!(gone[0].object.as_deref(), Some("/p/hello"));
    assert!(s.lookup("/p/hello").expect("q").is_some());
    let r = s
        .import_dir(
            &dir,
            "/p",
            &ImportOptions {
                prune: true,
                ..ImportOptions::default()
            },
        )
        .expect("import");
    assert_eq!(r.deleted, 1);
    assert!(s.lookup("/p/hello").expect("q").is_none());
    assert!(s.lookup("/p/manual").expect("q").is_some());
}

#[test]
fn two_files_for_one_name_and_orphan_meta() {
    let (_tmp, db, dir) = temp();
    write(&dir, "x.jf", "print(1)\n");
    write(&dir, "x.sh", "echo\n");
    write(&dir, "y.meta.toml", "description = \"alone\"\n");
    let mut s = Store::open(&db).expect("store");
    let r = import(&mut s, &dir, "/c");
    assert_eq!(r.errors, 1, "{r:#?}");
    assert_eq!(r.skipped, 1, "{r:#?}");
    assert_eq!(
        s.type_name(s.resolve("/c/x").expect("x")).expect("t"),
        "Jobflow"
    );
    let e = s.import_dir(&dir.join("nope"), "/c", &ImportOptions::default());
    assert!(e.is_err());
    assert!(s
        .import_dir(&dir, "relative", &ImportOptions::default())
        .is_err());
    let e = s
        .import_dir(&dir, "/c/x/sub", &ImportOptions::default())
        .expect_err("into a Jobflow");
    assert!(e.0.contains("/c/x is a Jobflow, not a directory"), "{e}");
}

#[cfg(unix)]
#[test]
fn a_symbolic_link_loop_is_reported_not_followed() {
    let dir = tempfile::tempdir().expect("temp dir");
    let files = dir.path().join("files");
    write(&files, "sub/hello.jf", "print('hi')\n");
    std::os::unix::fs::symlink("..", files.join("sub").join("up")).expect("symlink");
    let mut s = Store::open(&dir.path().join("store.sqlite")).expect("store");
    let r = import(&mut s, &files, "/p");
    assert!(s.lookup("/p/sub/hello").expect("q").is_some());
    assert!(s.lookup("/p/sub/up").expect("q").is_none(), "{r:#?}");
    let loops: Vec<_> = r
        .messages
        .iter()
        .filter(|m| m.text.contains("symbolic link back to"))
        .collect();
    assert_eq!(loops.len(), 1, "{r:#?}");
    assert_eq!(
        loops[0].file.as_deref(),
        Some(files.join("sub/up").as_path())
    );
    assert_eq!(r.errors, 1);
}

#[test]
fn import_from_dot_reads_the_current_directory() {
    let dir = tempfile::tempdir().expect("temp dir");
    write(dir.path(), "files/hello.jf", "print('hi')\n");
    write(dir.path(), "files/.hidden.jf", "print('hi')\n");
    let mut s = Store::open(&dir.path().join("store.sqlite")).expect("store");
    let dotted = dir.path().join("files").join(".");
    let r = import(&mut s, &dotted, "/d");
    assert_eq!(r.created, 2, "{r:#?}");
    assert!(s.lookup("/d/hello").expect("q").is_some());
}

#[test]
fn prune_leaves_objects_that_came_from_another_directory() {
    let (_tmp, db, dir) = temp();
    let (a, b) = (dir.join("a"), dir.join("b"));
    write(&a, "one.jf", "print(1)\n");
    write(&b, "two.jf", "print(2)\n");
    let mut s = Store::open(&db).expect("store");
    assert!(import(&mut s, &a, "/p").ok());
    let prune = ImportOptions {
        prune: true,
        ..ImportOptions::default()
    };
    let r = s.import_dir(&b, "/p", &prune).expect("import");
    assert_eq!(r.deleted, 0, "{r:#?}");
    assert!(
        s.lookup("/p/one").expect("q").is_some(),
        "/p/one came from a/"
    );
    assert!(
        r.messages.iter().all(|m| m.kind != MessageKind::Gone),
        "{r:#?}"
    );

    // From its own directory, a file that is gone is pruned; a dry run only says so.
    std::fs::remove_file(a.join("one.jf")).expect("rm");
    let dry = ImportOptions {
        dry_run: true,
        ..prune.clone()
    };
    let r = s.import_dir(&a, "/p", &dry).expect("import");
    assert_eq!(r.deleted, 1, "{r:#?}");
    assert!(
        s.lookup("/p/one").expect("q").is_some(),
        "a dry run writes nothing"
    );
    let r = s.import_dir(&a, "/p", &prune).expect("import");
    assert_eq!(r.deleted, 1, "{r:#?}");
    assert!(s.lookup("/p/one").expect("q").is_none());
    assert!(s.lookup("/p/two").expect("q").is_some());
}

#[test]
fn tests_are_not_imported() {
    let (_tmp, db, dir) = temp();
    write(&dir, "jfc.toml", "");
    write(&dir, "flows/restart.jf", "print('restart')\n");
    write(
        &dir,
        "flows/restart_test.jf",
        "mock_command('x') -> [./restart]\n",
    );
    write(&dir, "tests/cleanup.jf", "mock_command('rm *')\n");
    // Only the project's own `tests/` folder is left out.
    write(&dir, "flows/tests/keep.jf", "print('kept')\n");
    let mut s = Store::open(&db).expect("store");
    let r = import(&mut s, &dir, "/");
    assert_eq!(r.errors, 0, "{r:#?}");
    assert!(s.resolve("/flows/restart").is_ok());
    assert!(s.resolve("/flows/tests/keep").is_ok());
    assert!(s.resolve("/flows/restart_test").is_err());
    assert!(s.resolve("/tests").is_err());
}
