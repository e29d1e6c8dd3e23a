//! `jfc run` with a store, through the built binary: one process numbering for the
//! flow, its error reports and `jfc ps`; `-p` values naming objects; flows run by their
//! path in the store.

use std::path::PathBuf;
use std::process::{Command, Output};

/// A store file in a fresh directory, removed when this is dropped.
struct Env {
    store: PathBuf,
    dir: tempfile::TempDir,
}

fn env(name: &str) -> Env {
    let dir = tempfile::Builder::new()
        .prefix(&format!("jfc-runstore-{name}-"))
        .tempdir()
        .expect("temp dir");
    Env {
        store: dir.path().join("store.sqlite"),
        dir,
    }
}

impl Env {
    fn jfc(&self, args: &[&str]) -> Output {
        Command::new(env!("CARGO_BIN_EXE_jfc"))
            .arg("--store")
            .arg(&self.store)
            .args(args)
            .current_dir(self.dir.path())
            .env_remove("JFC_STORE")
            .env_remove("JFC_LOG")
            .output()
            .expect("jfc runs")
    }

    fn flow(&self, name: &str, text: &str) {
        std::fs::write(self.dir.path().join(name), text).expect("write flow");
    }

    /// `jfc ps --json`: every record.
    fn records(&self) -> Vec<serde_json::Value> {
        let o = self.jfc(&["ps", "--json"]);
        assert!(o.status.success(), "{}", err(&o));
        match serde_json::from_str(&out(&o)).expect("ps --json is JSON") {
            serde_json::Value::Array(a) => a,
            other => panic!("not an array: {other}"),
        }
    }
}

fn out(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn err(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[test]
fn the_pid_of_a_flow_is_its_record_in_ps() {
    let e = env("pid");
    e.flow("first.jf", "print('first')");
    e.flow(
        "me.jf",
        "print(current().pid, current(), /process/id_2 == current().abspath) ->\n\
         print(/process/id_2.status, /process/id_1.status) ->\n\
         {pfor i in [1, 2] | print(i, current().pid, current().parent.pid)} ->\n\
         print(/process/id_2.children, /process/id_3.parent, current().children) ->\n\
         abort('stop')",
    );
    assert_eq!(e.jfc(&["run", "first.jf"]).status.code(), Some(0));
    let o = e.jfc(&["run", "me.jf"]);
    assert_eq!(o.status.code(), Some(1), "{}", err(&o));
    assert_eq!(
        out(&o),
        "2 /process/id_2 false\nRUNNING DONE\n1 3 2\n2 4 2\n\
         [/process/id_3, /process/id_4] /process/id_2 [/process/id_3, /process/id_4]\nstop\n"
    );
    assert!(err(&o).contains("process 2 aborted"), "{}", err(&o));
    let all = e.records();
    let pids: Vec<_> = all
        .iter()
        .map(|r| (r["pid"].clone(), r["parent"].clone()))
        .collect();
    assert_eq!(
        pids,
        [(1, None), (2, None), (3, Some(2)), (4, Some(2))]
            .map(|(p, q)| (serde_json::json!(p), serde_json::json!(q)))
    );
    assert_eq!(all[1]["status"], "ABORTED");
    assert_eq!(all[2]["status"], "DONE");
    assert!(all[3]["job"].as_str().is_some_and(|j| j.ends_with("me.jf")));
    let table = out(&e.jfc(&["ps"]));
    assert!(
        table.lines().next().is_some_and(|h| h.contains("PARENT")),
        "{table}"
    );
}

#[test]
fn a_parameter_can_name_a_store_object() {
    let e = env("param");
    for (path, ty) in [("/servers", "Directory"), ("/servers/web1", "Directory")] {
        let o = e.jfc(&["obj", "set", path, "--type", ty]);
        assert!(o.status.success(), "{}", err(&o));
    }
    e.flow(
        "node.jf",
        "|node = /servers/web1|\n|n = 1|\nprint(node, node.name, n)",
    );
    let given = e.jfc(&["run", "node.jf", "-p", "node=/servers", "-p", "n=2 * 3"]);
    assert_eq!(out(&given), "/servers servers 6\n", "{}", err(&given));
    let default = e.jfc(&["run", "node.jf"]);
    assert_eq!(out(&default), "/servers/web1 web1 1\n", "{}", err(&default));
    let missing = e.jfc(&["run", "node.jf", "-p", "node=/servers/web9"]);
    assert_eq!(missing.status.code(), Some(64));
    assert!(err(&missing).contains("-p node=/servers/web9: no object at /servers/web9"));
}

#[test]
fn a_flow_in_the_store_runs_by_its_path() {
    let e = env("path");
    let o = e.jfc(&["obj", "set", "/flows", "--type", "Directory"]);
    assert!(o.status.success(), "{}", err(&o));
    let source = "source=|n = 1|\nprint('restart', n, current().job)";
    let o = e.jfc(&["obj", "set", "/flows/restart", "--type", "Jobflow", source]);
    assert!(o.status.success(), "{}", err(&o));
    let o = e.jfc(&["run", "/flows/restart", "-p", "n=2"]);
    assert_eq!(out(&o), "restart 2 /flows/restart\n", "{}", err(&o));
    assert_eq!(e.records()[0]["job"], "/flows/restart");

    // A stored flow that does not compile is reported as a file would be.
    let source = "source=print('a')\nprint('b')";
    let o = e.jfc(&["obj", "set", "/flows/broken", "--type", "Jobflow", source]);
    assert!(err(&o).contains("the source is stored"), "{}", err(&o));
    let broken = e.jfc(&["run", "/flows/broken"]);
    assert_eq!(broken.status.code(), Some(2), "{}", err(&broken));
    assert!(
        err(&broken).contains("/flows/broken:2:1"),
        "{}",
        err(&broken)
    );

    let nothing = e.jfc(&["run", "/flows/nope"]);
    assert_eq!(nothing.status.code(), Some(66));
    assert!(
        err(&nothing).contains("/flows/nope: no such file"),
        "{}",
        err(&nothing)
    );
    assert!(
        err(&nothing).contains("no object at that path"),
        "{}",
        err(&nothing)
    );
    let dir = e.jfc(&["run", "/flows"]);
    assert_eq!(dir.status.code(), Some(66));
    assert!(
        err(&dir).contains("a Directory, not a Jobflow"),
        "{}",
        err(&dir)
    );
}
