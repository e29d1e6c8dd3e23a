//! `jfc run` with a store, through the built binary: process records and `jfc ps`,
//! `$ENV` from the user's Environment, and a flow in one OS process woken by a send
//! from another; `/process` seen from a flow.

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

mod common;

use common::{env, err, out, ps_json, Env};

#[test]
fn every_run_leaves_a_process_record() {
    let e = env();
    e.flow(
        "ok.jf",
        "print('first line') -> print('second line') -> exit(4)",
    );
    e.flow("bad.jf", "print('before') -> abort('the disk is full')");
    assert_eq!(e.jfc(&["run", "ok.jf"]).status.code(), Some(4));
    assert_eq!(e.jfc(&["run", "bad.jf"]).status.code(), Some(1));

    let all = ps_json(&e);
    assert_eq!(all.len(), 2, "{all:?}");
    assert_eq!(all[0]["status"], "DONE");
    assert_eq!(all[0]["exit_status"], 4);
    assert!(all[0]["job"].as_str().is_some_and(|j| j.ends_with("ok.jf")));
    assert_eq!(all[1]["status"], "ABORTED");
    assert!(all[1]["error"]
        .as_str()
        .is_some_and(|m| m.contains("the disk is full")));
    assert!(all[1]["finished"].is_string());

    let pid = all[0]["pid"].to_string();
    let console = e.jfc(&["ps", &pid]);
    assert_eq!(out(&console), "first line\nsecond line\n");

    let table = out(&e.jfc(&["ps"]));
    assert!(table.lines().next().is_some_and(|h| h.contains("STATUS")));
    assert!(
        table.contains("ABORTED") && table.contains("DONE"),
        "{table}"
    );
    let only_done = out(&e.jfc(&["ps", "--status", "done", "--json"]));
    assert!(!only_done.contains("ABORTED"), "{only_done}");

    let dry = e.jfc(&["ps", "--rm", "--dry-run", &pid]);
    assert!(dry.status.success(), "{}", err(&dry));
    assert!(out(&dry).starts_with(&format!("would delete process {pid} (")));
    assert_eq!(ps_json(&e).len(), 2, "a dry run deletes nothing");
    let rm = e.jfc(&["ps", "--rm", &pid]);
    assert!(rm.status.success());
    assert!(out(&rm).starts_with(&format!("deleted process {pid} (")));
    assert_eq!(ps_json(&e).len(), 1);
    let missing = e.jfc(&["ps", &pid]);
    assert_eq!(
        missing.status.code(),
        Some(66),
        "a missing record is missing input"
    );
    assert!(err(&missing).contains(&format!("no process with pid {pid}")));
}

#[test]
fn a_killed_run_reads_as_aborted_with_what_it_printed() {
    let e = env();
    e.flow("slow.jf", "print('working') -> sleep(30) -> print('never')");
    let mut child = e
        .cmd(&["run", "slow.jf"])
        .stdout(Stdio::null())
        .spawn()
        .expect("jfc starts");
    // The console reaches the record within a fraction of a second; wait for it.
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        // `jfc run` creates the store as it starts: until then `ps` finds none.
        let o = e.jfc(&["ps", "--json"]);
        let recs: Vec<serde_json::Value> = if o.status.success() {
            serde_json::from_str(&out(&o)).expect("ps --json is JSON")
        } else {
            Vec::new()
        };
        if recs.len() == 1 && recs[0]["status"] == "WAITING" && recs[0]["console"] == "working\n" {
            break;
        }
        assert!(Instant::now() < deadline, "no WAITING record: {recs:?}");
        std::thread::sleep(Duration::from_millis(50));
    }
    child.kill().expect("kill");
    child.wait().expect("reaped");
    let recs = ps_json(&e);
    assert_eq!(recs[0]["status"], "ABORTED", "{recs:?}");
    let console = out(&e.jfc(&["ps", &recs[0]["pid"].to_string()]));
    assert_eq!(console, "working\n");
}

#[test]
fn env_comes_from_the_users_environment_object() {
    let e = env();
    e.flow("show.jf", "print($ENV) -> print($ENV.region)");
    let set = e.jfc(&[
        "obj",
        "set",
        "/home/prod",
        "--type",
        "Environment",
        "environment={ region = \"eu-west\", tier = \"prod\" }",
    ]);
    assert!(set.status.success(), "{}", err(&set));
    let none = e.jfc(&["run", "show.jf"]);
    assert_eq!(none.status.code(), Some(1), "no region yet");
    assert!(out(&none).starts_with("{}\n"), "{}", out(&none));

    let user = e.jfc(&["user", "set", "root", "--environment", "/home/prod"]);
    assert!(user.status.success(), "{}", err(&user));
    let run = e.jfc(&["run", "show.jf"]);
    assert_eq!(
        out(&run),
        "{region='eu-west', tier='prod'}\neu-west\n",
        "{}",
        err(&run)
    );
    let listed = out(&e.jfc(&["user", "ls"]));
    assert!(listed
        .lines()
        .any(|l| l.starts_with("root") && l.ends_with("/home/prod")));

    let wrong = e.jfc(&["user", "set", "root", "--environment", "/home"]);
    assert_eq!(wrong.status.code(), Some(1));
    assert!(err(&wrong).contains("not a Environment") || err(&wrong).contains("Environment"));
}

/// Milliseconds from a send in one `jfc run` to the wake of a flow blocked on the
/// channel in another; the waiting flow measures it from the Datetime sent.
fn wake_latency_ms(e: &Env) -> f64 {
    let waiter = e
        .cmd(&["run", "wait.jf"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("waiter starts");
    // The waiter is blocked once its record is WAITING.
    let deadline = Instant::now() + Duration::from_secs(10);
    while !ps_json(e).iter().any(|r| r["status"] == "WAITING") {
        assert!(Instant::now() < deadline, "the waiter never started");
        std::thread::sleep(Duration::from_millis(20));
    }
    std::thread::sleep(Duration::from_millis(300));
    // The parked flow counts as a receiver waiting on the channel, seen from here.
    let count = e.jfc(&["run", "count.jf"]);
    assert_eq!(out(&count), "1\n", "{}", err(&count));
    let send = e.jfc(&["run", "send.jf"]);
    assert!(send.status.success(), "{}", err(&send));
    let got = waiter.wait_with_output().expect("waiter ends");
    assert!(got.status.success(), "{}", err(&got));
    out(&got).trim().parse().expect("a number of milliseconds")
}

#[test]
fn a_send_from_another_os_process_wakes_a_waiting_flow() {
    let e = env();
    assert!(e
        .jfc(&["obj", "set", "/home/ch", "--type", "Channel"])
        .status
        .success());
    e.flow(
        "wait.jf",
        "</home/ch> -> [took = now() - $RESULT] -> print(took.total_seconds * 1000)",
    );
    e.flow("send.jf", "[sent = /home/ch.send(now())]");
    e.flow("count.jf", "print(/home/ch.event_count)");
    let best = (0..3)
        .map(|_| wake_latency_ms(&e))
        .fold(f64::INFINITY, f64::min);
    assert!(best >= 0.0, "the wake came before the send: {best} ms");
    assert!(
        best < 100.0,
        "the waiting flow woke {best} ms after the send"
    );
}

#[test]
fn ps_and_user_have_help() {
    let o = Command::new(env!("CARGO_BIN_EXE_jfc"))
        .args(["ps", "--help"])
        .output()
        .expect("jfc runs");
    assert!(out(&o).contains("--json") && out(&o).contains("--rm"));
    let o = Command::new(env!("CARGO_BIN_EXE_jfc"))
        .args(["user", "set", "--help"])
        .output()
        .expect("jfc runs");
    assert!(out(&o).contains("--environment"));
}

/// `/process` from a flow: the records of earlier runs and of this one, find() on their
/// attributes, delete() of finished ones; the expected output is beside the flow.
#[test]
fn flows_see_process_records_under_process() {
    process_list(false);
}

/// The same with the VM written to bytes and made again at every job (the process
/// record of the run stays the same one).
#[test]
fn flows_see_process_records_under_process_round_trip() {
    process_list(true);
}

fn process_list(roundtrip: bool) {
    let e = env();
    e.flow("ok.jf", "print('one') -> exit(4)");
    e.flow("bad.jf", "print('two') -> abort('disk full')");
    assert_eq!(e.jfc(&["run", "ok.jf"]).status.code(), Some(4));
    assert_eq!(e.jfc(&["run", "bad.jf"]).status.code(), Some(1));
    let cases = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/store_cli");
    let flow = std::fs::read_to_string(cases.join("process-list.jf")).expect("the flow");
    e.flow("list.jf", &flow);
    let run = if roundtrip {
        e.jfc(&["run", "--roundtrip-at-jobs", "list.jf"])
    } else {
        e.jfc(&["run", "list.jf"])
    };
    let want = std::fs::read_to_string(cases.join("process-list.out")).expect("expected output");
    assert_eq!(out(&run), want, "{}", err(&run));
    assert!(run.status.success(), "{}", err(&run));
    // Only this run's record is left, and it finished.
    let left = ps_json(&e);
    assert_eq!(left.len(), 1, "{left:?}");
    assert_eq!(left[0]["status"], "DONE");
}

/// A Password value a flow reads never shows in what jfc reports on stderr: traces, the
/// command echo, the error report. What the flow itself prints is its own choice.
#[test]
fn passwords_are_masked_in_traces_and_reports() {
    let e = env();
    let set = e.jfc(&[
        "obj",
        "set",
        "/home/acc",
        "--type",
        "AccountInfo",
        "user=\"deploy\"",
        "password=\"hunter2-secret\"",
    ]);
    assert!(set.status.success(), "{}", err(&set));
    e.flow(
        "login.jf",
        "[pw = /home/acc.password] -> ['echo ' + pw] -> print($RESULT == 'hunter2-secret') -> abort('login failed with ' + pw)",
    );
    let run = e.jfc(&["run", "--trace", "login.jf"]);
    assert_eq!(run.status.code(), Some(1));
    assert_eq!(out(&run), "true\nlogin failed with hunter2-secret\n");
    let report = err(&run);
    assert!(!report.contains("hunter2"), "{report}");
    assert!(report.contains("echo ********"), "{report}");
    assert!(report.contains("login failed with ********"), "{report}");
    // The process record keeps the console and the error masked too.
    let pid = ps_json(&e)[0]["pid"].to_string();
    let console = out(&e.jfc(&["ps", &pid]));
    assert_eq!(console, "true\nlogin failed with ********\n");
    // No plaintext at rest: the store holds it encrypted.
    for suffix in ["", "-wal"] {
        let file = format!("{}{suffix}", e.store.display());
        if let Ok(raw) = std::fs::read(&file) {
            assert!(!raw.windows(14).any(|w| w == b"hunter2-secret"), "{file}");
        }
    }
}

/// The messages of the channel `/home/log`, taken out in order.
fn drain_log(e: &Env) -> String {
    e.flow(
        "show.jf",
        "{while /home/log.message_count > 0 | [m = /home/log.pop_message()] -> print(m)}",
    );
    out(&e.jfc(&["run", "show.jf"]))
}

/// A Jobflow with multiplicity 1 admits one process at a time across `jfc run`s on one
/// store; a holder that is killed gives its place back by dying.
#[test]
fn multiplicity_holds_across_os_processes() {
    let e = env();
    let guarded = "|who| |hold = 0.4|\n[s = /home/log.send('enter ' + who)] -> sleep(hold) -> [s = /home/log.send('leave ' + who)]";
    for args in [
        vec!["obj", "set", "/home/log", "--type", "Channel"],
        vec![
            "obj",
            "set",
            "/home/guarded",
            "--type",
            "Jobflow",
            &format!("source={}", toml_string(guarded)),
            "multiplicity=1",
        ],
    ] {
        let o = e.jfc(&args);
        assert!(o.status.success(), "{}", err(&o));
    }
    e.flow("a.jf", "[/home/guarded: 'A']");
    e.flow("b.jf", "[/home/guarded: 'B']");
    let first = e.cmd(&["run", "a.jf"]).spawn().expect("a starts");
    wait_for_log(&e, 1);
    let second = e.jfc(&["run", "b.jf"]);
    assert!(second.status.success(), "{}", err(&second));
    assert!(first.wait_with_output().expect("a ends").status.success());
    assert_eq!(drain_log(&e), "enter A\nleave A\nenter B\nleave B\n");

    e.flow("long.jf", "[/home/guarded: 'K', 30]");
    let mut killed = e.cmd(&["run", "long.jf"]).spawn().expect("starts");
    wait_for_log(&e, 1);
    killed.kill().expect("kill");
    killed.wait().expect("reaped");
    let after = e.jfc(&["run", "b.jf"]);
    assert!(after.status.success(), "{}", err(&after));
    assert_eq!(drain_log(&e), "enter K\nenter B\nleave B\n");
}

/// Wait until `/home/log` holds `n` messages.
fn wait_for_log(e: &Env, n: i64) {
    e.flow("count.jf", "print(/home/log.message_count)");
    let deadline = Instant::now() + Duration::from_secs(10);
    while out(&e.jfc(&["run", "count.jf"])).trim() != n.to_string() {
        assert!(Instant::now() < deadline, "the log never had {n} messages");
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// `text` as a TOML basic string.
fn toml_string(text: &str) -> String {
    format!(
        "\"{}\"",
        text.replace('\\', "\\\\")
            .replace('"', "\\\"")
            .replace('\n', "\\n")
    )
}
