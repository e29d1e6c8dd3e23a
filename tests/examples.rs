//! The flows of `examples/`: what can run on this machine runs for real (hello world, the
//! local commands, the approval answered with `jfc task submit`, the ops project imported
//! and its inventory scheduled, an alert sent to `jfc serve` that restarts a service of
//! this machine through the channel's action); every example's `*_test.jf` runs with
//! `jfc test`; and `jfc check --deny-warnings` finds nothing in `stdlib/` and `examples/`.

mod common;

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Command, Output, Stdio};

use common::{env, err, out};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// `jfc ARGS` in the repository root, without a store.
fn jfc(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_jfc"))
        .args(args)
        .current_dir(root())
        .env_remove("JFC_STORE")
        .output()
        .expect("jfc runs")
}

#[test]
fn hello_world_greets_and_runs_a_command() {
    let o = jfc(&["run", "examples/hello.jf", "-p", "name='ops'"]);
    assert!(o.status.success(), "{}", err(&o));
    let uname = Command::new("uname").arg("-s").output().expect("uname");
    let system = String::from_utf8_lossy(&uname.stdout);
    assert_eq!(
        out(&o),
        format!("hello, ops\nhello from {}\n", system.trim())
    );
}

#[test]
fn the_local_examples_run() {
    let o = jfc(&["run", "examples/disk_report.jf", "-p", "threshold=101"]);
    assert!(o.status.success(), "{}", err(&o));
    assert!(out(&o).starts_with("all "), "{}", out(&o));
    let o = jfc(&["run", "examples/parallel_ping.jf"]);
    assert!(o.status.success(), "{}", err(&o));
    let text = out(&o);
    let mut lines: Vec<&str> = text.lines().collect();
    lines.sort();
    assert_eq!(
        lines,
        [
            "127.0.0.1 true reached 127.0.0.1",
            "localhost true reached localhost"
        ]
    );
}

#[test]
fn the_approval_goes_on_once_jfc_task_submit_answers() {
    let e = env();
    let flow = root().join("examples/approval.jf");
    let mut run = Killed(
        e.cmd(&[
            "run",
            flow.to_str().expect("utf-8 path"),
            "-p",
            "what='a test'",
            "-p",
            "timeout=60",
        ])
        .stdout(Stdio::piped())
        .spawn()
        .expect("jfc run starts"),
    );
    let mut lines = BufReader::new(run.0.stdout.take().expect("stdout")).lines();
    let first = lines.next().expect("a line").expect("text");
    let task = first
        .strip_prefix("waiting for ")
        .unwrap_or_else(|| panic!("not the task: {first}"))
        .to_string();
    let o = e.jfc(&["task", "submit", &task, "OK"]);
    assert!(o.status.success(), "{}", err(&o));
    let rest: Vec<String> = lines.map(|l| l.expect("text")).collect();
    let status = run.0.wait().expect("jfc run ends");
    assert!(status.success(), "{rest:?}");
    assert_eq!(rest, ["approved: OK"]);
}

#[test]
fn the_ops_project_imports_and_its_inventory_is_scheduled() {
    let e = env();
    let project = root().join("examples/ops");
    let o = e.jfc(&["import", project.to_str().expect("utf-8 path")]);
    assert!(o.status.success(), "{}", err(&o));
    let o = e.jfc(&["obj", "ls", "/nodes"]);
    assert!(o.status.success(), "{}", err(&o));
    assert!(
        out(&o).contains("web1") && out(&o).contains("db1"),
        "{}",
        out(&o)
    );
    let o = e.jfc(&["obj", "cat", "/channels/restart", "--format", "json"]);
    assert!(o.status.success(), "{}", err(&o));
    assert!(out(&o).contains("/flows/on_alert"), "{}", out(&o));
    let o = e.jfc(&[
        "schedule",
        "add",
        "inventory",
        "--job",
        "/flows/inventory",
        "--param",
        "path='/var/tmp/processes.csv'",
        "--hour",
        "6",
        "--minute",
        "0",
    ]);
    assert!(o.status.success(), "{}", err(&o));
    let o = e.jfc(&["schedule", "ls", "--json"]);
    assert!(o.status.success(), "{}", err(&o));
    assert!(out(&o).contains("/flows/inventory"), "{}", out(&o));
}

/// An executable shell script `name` in `dir`.
fn script(dir: &std::path::Path, name: &str, text: &str) {
    let path = dir.join(name);
    std::fs::write(&path, text).expect("write script");
    std::fs::set_permissions(&path, std::os::unix::fs::PermissionsExt::from_mode(0o755))
        .expect("chmod");
}

#[test]
fn an_alert_posted_to_the_channel_restarts_the_service_through_the_daemon() {
    let e = env();
    let project = root().join("examples/ops");
    let o = e.jfc(&["import", project.to_str().expect("utf-8 path")]);
    assert!(o.status.success(), "{}", err(&o));
    // systemctl and sudo of this test, first in the daemon's PATH: the restart is
    // recorded in a file.
    let bin = e.dir.join("bin");
    std::fs::create_dir_all(&bin).expect("bin");
    let restarts = e.dir.join("restarts");
    script(
        &bin,
        "systemctl",
        &format!(
            "#!/bin/sh\ncase \"$1\" in\nshow) echo loaded ;;\nrestart) echo \"$2\" >> {} ;;\nis-active) echo active ;;\n*) exit 1 ;;\nesac\n",
            restarts.display()
        ),
    );
    // `sudo -n -u root -- COMMAND...`: the command, as this user.
    script(
        &bin,
        "sudo",
        "#!/bin/sh\nwhile [ \"$1\" != -- ]; do shift; done\nshift\nexec \"$@\"\n",
    );
    let path = format!(
        "{}:{}",
        bin.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let token = common::daemon::token(&e.store, "am", "send");
    let listen = format!("127.0.0.1:{}", common::daemon::free_port());
    let mut serve = Killed(
        e.cmd(&["serve", "--listen", &listen])
            .env("PATH", &path)
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("jfc serve starts"),
    );
    let mut said = BufReader::new(serve.0.stderr.take().expect("stderr")).lines();
    common::daemon::until_listening(&mut said);
    std::thread::spawn(move || said.for_each(drop));
    let mut send = e
        .cmd(&[
            "send",
            "--server",
            &format!("http://{listen}"),
            "--token",
            &token,
            "--channel",
            "/channels/restart",
            "--json",
        ])
        .stdin(Stdio::piped())
        .spawn()
        .expect("jfc send starts");
    std::io::Write::write_all(
        &mut send.stdin.take().expect("stdin"),
        br#"{"service": "fakesvc", "host": null}"#,
    )
    .expect("send the alert");
    assert!(send.wait().expect("jfc send ends").success());
    let runs = finished_runs(&e, "/flows/on_alert");
    drop(serve);
    assert_eq!(runs["status"], "DONE", "{runs}");
    assert_eq!(
        runs["console"], "fakesvc on localhost: recovered\n",
        "{runs}"
    );
    assert_eq!(
        std::fs::read_to_string(&restarts).unwrap_or_default(),
        "fakesvc\n"
    );
}

/// A child process killed when the test ends, however it ends.
struct Killed(std::process::Child);

impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// The record, with its console, of the first run of `job` that has ended (30 s at most).
fn finished_runs(e: &common::Env, job: &str) -> serde_json::Value {
    for _ in 0..300 {
        let ended = common::ps_json(e)
            .into_iter()
            .find(|r| r["job"] == job && (r["status"] == "DONE" || r["status"] == "ABORTED"));
        if let Some(r) = ended {
            let o = e.jfc(&["ps", &r["pid"].to_string(), "--json"]);
            return serde_json::from_str(&out(&o)).expect("ps PID --json is JSON");
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    panic!("no run of {job} ended in 30 s: {:?}", common::ps_json(e));
}

#[test]
fn every_example_passes_its_jfc_tests() {
    let o = jfc(&["test", "examples/"]);
    assert!(o.status.success(), "{}\n{}", out(&o), err(&o));
    let tests = test_files(&root().join("examples"));
    assert!(tests >= 7, "only {tests} test files under examples/");
    assert!(
        out(&o).contains(&format!("{tests} passed, 0 failed")),
        "{}",
        out(&o)
    );
}

/// How many `*_test.jf` files are under `dir`.
fn test_files(dir: &std::path::Path) -> usize {
    std::fs::read_dir(dir)
        .expect("examples/ exists")
        .flatten()
        .map(|e| e.path())
        .map(|p| {
            if p.is_dir() {
                test_files(&p)
            } else {
                usize::from(p.to_string_lossy().ends_with("_test.jf"))
            }
        })
        .sum()
}

#[test]
fn stdlib_and_examples_check_clean_with_deny_warnings() {
    let o = jfc(&["check", "--deny-warnings", "stdlib/", "examples/"]);
    assert!(o.status.success(), "{}\n{}", out(&o), err(&o));
}
