//! Checkpoint mode through the built binary (platform.md §2.7): `jfc run --checkpoint`
//! killed at random moments and taken up with `jfc resume`, each step run exactly once;
//! in-doubt commands reported and never silently run again; `--retry` after a failure
//! giving what a run that never failed gives.

use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

mod common;

use common::{env, err, out, ps_json, Env, Moments};

/// Twelve steps, each appending its line to `steps.log` with a local command, then
/// sleeping (a step lasts 50 ms at least).
const STEPS: &str = "\
[i = 1]
-> { while i <= 12 | ['echo step $i >> steps.log'] -> ['sleep 0.05'] -> [i = i + 1] }
-> print('all', i - 1, 'steps done')
";

/// The record of process `pid` as `jfc ps --json` gives it.
fn record(e: &Env, pid: i64) -> serde_json::Value {
    ps_json(e)
        .into_iter()
        .find(|r| r["pid"] == pid)
        .unwrap_or_else(|| panic!("no record of process {pid}"))
}

/// The commands in doubt in the checkpoint of process `pid`.
fn in_doubt(e: &Env, pid: i64) -> Vec<String> {
    let rec = record(e, pid);
    rec["checkpoint"]["in_doubt"]
        .as_array()
        .unwrap_or_else(|| panic!("no checkpoint in {rec}"))
        .iter()
        .map(|l| l.as_str().unwrap_or_default().to_string())
        .collect()
}

/// What an operator does with a command in doubt: look whether it ran (`log` has the
/// line it echoes), then skip it or run it again. The flag to resume with.
fn decide(e: &Env, doubt: &str, log: &str) -> &'static str {
    let echoed = doubt
        .split("echo ")
        .nth(1)
        .and_then(|rest| rest.split(" >>").next());
    match echoed {
        Some(line) => {
            let ran = e.read(log).lines().any(|l| l == line);
            if ran {
                "--skip-in-doubt"
            } else {
                "--rerun-in-doubt"
            }
        }
        // A sleep: running it again harms nothing.
        None => "--rerun-in-doubt",
    }
}

/// Wait until the run `pid` has a first checkpoint: before it, the run is not yet
/// resumable (nor has it done anything).
fn wait_for_checkpoint(e: &Env, pid: i64) {
    let deadline = Instant::now() + Duration::from_secs(20);
    let has = || {
        let o = e.jfc(&["ps", "--json"]);
        o.status.success()
            && serde_json::from_str::<serde_json::Value>(&out(&o))
                .ok()
                .and_then(|v| v.as_array().cloned())
                .is_some_and(|rs| {
                    rs.iter()
                        .any(|r| r["pid"] == pid && !r["checkpoint"].is_null())
                })
    };
    while !has() {
        assert!(
            Instant::now() < deadline,
            "process {pid} never had a checkpoint"
        );
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// Kill run 1 up to 8 times at random moments 5-60 ms apart, resuming it each time as
/// an operator who looks at `log` would: the last resume, and how many kills there were
/// (fewer when the run ended first).
fn kill_and_resume(e: &Env, mut child: Child, moments: &mut Moments, log: &str) -> (Child, usize) {
    let mut kills = 0;
    for _ in 0..8 {
        std::thread::sleep(moments.between(5, 60));
        if child.try_wait().expect("wait").is_some() {
            break;
        }
        kill(&mut child);
        if record(e, 1)["status"] == "DONE" {
            // It ended between the look and the kill.
            break;
        }
        kills += 1;
        let doubt = in_doubt(e, 1);
        let flag = doubt
            .first()
            .map_or("--rerun-in-doubt", |d| decide(e, d, log));
        child = spawn(e, &["resume", "1", flag]);
    }
    (child, kills)
}

fn kill(child: &mut Child) {
    let _ = child.kill();
    let _ = child.wait();
}

fn spawn(e: &Env, args: &[&str]) -> Child {
    e.cmd(args)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("jfc starts")
}

#[test]
fn a_run_killed_twenty_times_runs_each_step_exactly_once() {
    let e = env();
    e.flow("steps.jf", STEPS);
    let (mut moments, seed) = Moments::new();
    let mut child = spawn(&e, &["run", "--checkpoint", "steps.jf"]);
    wait_for_checkpoint(&e, 1);
    let mut reported = Vec::new();
    for kill_no in 1..=20 {
        // Paced to reach step 8 or so by the twentieth kill, so that kills land all
        // along the run and it never ends before them: a run ahead of that pace lives
        // 10-60 ms (a step at most), one behind it 40-120 ms (two steps at most).
        let steps = e.read("steps.log").lines().count();
        let ahead = steps * 20 > kill_no * 8;
        std::thread::sleep(if ahead {
            moments.between(10, 60)
        } else {
            moments.between(40, 120)
        });
        assert!(
            child.try_wait().expect("wait").is_none(),
            "the run ended before kill {kill_no} (seed {seed})"
        );
        kill(&mut child);
        let doubt = in_doubt(&e, 1);
        assert!(
            doubt.len() <= 1,
            "one process, one command at most: {doubt:?}"
        );
        let flag = doubt
            .first()
            .map_or("--rerun-in-doubt", |d| decide(&e, d, "steps.log"));
        reported.extend(doubt);
        child = spawn(&e, &["resume", "1", flag]);
    }
    let steps = e.read("steps.log").lines().count();
    eprintln!(
        "seed {seed}: {steps} steps done after 20 kills, {} in doubt",
        reported.len()
    );
    let done = child.wait_with_output().expect("the last resume ends");
    assert!(done.status.success(), "seed {seed}: {}", err(&done));
    let expected: Vec<String> = (1..=12).map(|n| format!("step {n}")).collect();
    assert_eq!(
        e.read("steps.log").lines().collect::<Vec<_>>(),
        expected,
        "seed {seed}: every step once, in order (in doubt: {reported:?})"
    );
    assert!(
        !reported.is_empty(),
        "seed {seed}: twenty kills and no command ever in doubt"
    );
    let rec = record(&e, 1);
    assert_eq!(rec["status"], "DONE", "seed {seed}: {rec}");
    let console = rec["console"].as_str().unwrap_or_default();
    assert_eq!(console, "all 12 steps done\n", "seed {seed}");
    assert!(
        rec["checkpoint"].is_null(),
        "a run that ended DONE keeps none"
    );
}

/// Start `flow` in checkpoint mode and kill it once `jfc ps` shows `command` in doubt.
fn killed_while_running(e: &Env, flow: &str, command: &str) {
    let mut child = spawn(e, &["run", "--checkpoint", flow]);
    let deadline = Instant::now() + Duration::from_secs(20);
    // `jfc run` makes the store: until then there is nothing to look at.
    let shows = || {
        let o = e.jfc(&["ps", "--json"]);
        o.status.success() && out(&o).contains(command)
    };
    while !shows() {
        assert!(Instant::now() < deadline, "{command} never started");
        std::thread::sleep(Duration::from_millis(20));
    }
    kill(&mut child);
}

#[test]
fn a_command_in_doubt_aborts_the_resume_naming_it_and_retry_runs_it() {
    let e = env();
    e.flow(
        "wait.jf",
        "['echo start >> run.log']\n-> ['while [ ! -e go ]; do sleep 0.02; done; echo waited >> run.log']\n-> print('after the wait')\n",
    );
    killed_while_running(&e, "wait.jf", "while [ ! -e go ]");
    let ps = e.jfc(&["ps"]);
    assert!(out(&ps).contains("resumable, 1 in doubt"), "{}", out(&ps));
    let resumed = e.jfc(&["resume", "1"]);
    assert_eq!(resumed.status.code(), Some(1), "{}", err(&resumed));
    let text = err(&resumed);
    assert!(
        text.contains("in doubt, it may have run before the run stopped: line 2 (process 1): while [ ! -e go ]"),
        "{text}"
    );
    assert!(
        text.contains("the command at line 2 may have run before the restart; it is not run again"),
        "{text}"
    );
    assert_eq!(e.read("run.log"), "start\n", "nothing ran again");
    let rec = record(&e, 1);
    assert_eq!(rec["checkpoint"]["state"], "retry: 1 failed", "{rec}");
    std::fs::write(e.dir.join("go"), "").expect("go");
    let retried = e.jfc(&["resume", "1", "--retry"]);
    assert!(retried.status.success(), "{}", err(&retried));
    assert_eq!(out(&retried), "after the wait\n");
    assert_eq!(e.read("run.log"), "start\nwaited\n");
}

const FAILING: &str = "\
[host = 'web1', tries = [1, 2]]
-> ['echo backup $host >> work.log']
-> print('backed up', host)
-> ['test -e fixed']
-> [tries = tries + [3]]
-> print('restarted', host, 'after', tries)
-> ['echo restart $host >> work.log']
";

#[test]
fn retry_after_a_failed_command_gives_what_a_run_that_never_failed_gives() {
    let clean = env();
    clean.flow("f.jf", FAILING);
    std::fs::write(clean.dir.join("fixed"), "").expect("fixed");
    let run = clean.jfc(&["run", "--checkpoint", "f.jf"]);
    assert!(run.status.success(), "{}", err(&run));

    let e = env();
    e.flow("f.jf", FAILING);
    let failed = e.jfc(&["run", "--checkpoint", "f.jf"]);
    assert_eq!(failed.status.code(), Some(1));
    let not_fixed = e.jfc(&["resume", "1"]);
    assert_eq!(not_fixed.status.code(), Some(64));
    assert!(
        err(&not_fixed).contains("--retry runs its failed job again"),
        "{}",
        err(&not_fixed)
    );
    std::fs::write(e.dir.join("fixed"), "").expect("fixed");
    let retried = e.jfc(&["resume", "1", "--retry"]);
    assert!(retried.status.success(), "{}", err(&retried));
    assert!(
        err(&retried)
            .contains("the failed command of line 4 (process 1): test -e fixed runs again"),
        "{}",
        err(&retried)
    );

    assert_eq!(out(&failed) + &out(&retried), out(&run));
    assert_eq!(e.read("work.log"), clean.read("work.log"));
    assert_eq!(record(&e, 1)["console"], record(&clean, 1)["console"]);
    assert_eq!(record(&e, 1)["status"], "DONE");
}

#[test]
fn retry_in_a_pfor_runs_only_the_children_that_failed() {
    let e = env();
    e.flow(
        "p.jf",
        "{ pfor i in [1, 2, 3, 4, 5, 6, 7, 8, 9, 10] |\n\
         ['echo run $i >> p.log'] -> ['echo try $i >> p.log; [ $i != 3 -a $i != 5 -a $i != 8 ] || [ -e fixed ]'] -> [] }\n\
         -> print('all ten joined')\n",
    );
    let failed = e.jfc(&["run", "--checkpoint", "p.jf"]);
    assert_eq!(failed.status.code(), Some(1));
    let rec = record(&e, 1);
    assert_eq!(rec["checkpoint"]["state"], "retry: 3 failed", "{rec}");
    std::fs::write(e.dir.join("fixed"), "").expect("fixed");
    let retried = e.jfc(&["resume", "1", "--retry"]);
    assert!(retried.status.success(), "{}", err(&retried));
    assert_eq!(out(&retried), "all ten joined\n");
    let log = e.read("p.log");
    for i in 1..=10 {
        let count = |what: &str| log.lines().filter(|l| *l == format!("{what} {i}")).count();
        assert_eq!(count("run"), 1, "{log}");
        let tries = if [3, 5, 8].contains(&i) { 2 } else { 1 };
        assert_eq!(count("try"), tries, "child {i}: {log}");
    }
    let states: Vec<String> = ps_json(&e)
        .iter()
        .map(|r| r["status"].as_str().unwrap_or_default().to_string())
        .collect();
    assert_eq!(states, vec!["DONE"; 11]);
}

#[test]
fn what_cannot_be_resumed_is_refused_with_the_reason() {
    let e = env();
    e.flow("ok.jf", "['true'] -> print('fine')");
    assert!(e.jfc(&["run", "--checkpoint", "ok.jf"]).status.success());
    let done = e.jfc(&["resume", "1"]);
    assert_eq!(done.status.code(), Some(64));
    assert!(
        err(&done).contains("process 1 ended DONE: there is nothing to resume"),
        "{}",
        err(&done)
    );
    let none = e.jfc(&["resume", "99"]);
    assert_eq!(none.status.code(), Some(66), "{}", err(&none));
    let retry_done = e.jfc(&["resume", "1", "--retry"]);
    assert_eq!(retry_done.status.code(), Some(64));
}

#[test]
fn resume_all_takes_up_checkpointed_runs_and_closes_the_others() {
    let e = env();
    let flow = "['echo one >> $name.log'] -> ['while [ ! -e go ]; do sleep 0.02; done'] -> ['echo two >> $name.log']";
    e.flow("kept.jf", &format!("[name = 'kept'] -> {flow}"));
    e.flow("lost.jf", &format!("[name = 'lost'] -> {flow}"));
    killed_while_running(&e, "kept.jf", "while [ ! -e go ]");
    let mut lost = spawn(&e, &["run", "--no-checkpoint", "lost.jf"]);
    let deadline = Instant::now() + Duration::from_secs(20);
    while e.read("lost.log").is_empty() {
        assert!(Instant::now() < deadline, "lost.jf never started");
        std::thread::sleep(Duration::from_millis(20));
    }
    kill(&mut lost);
    std::fs::write(e.dir.join("go"), "").expect("go");
    let all = e.jfc(&["resume", "--all", "--rerun-in-doubt"]);
    assert!(all.status.success(), "{}", err(&all));
    assert!(
        err(&all).contains("process 2 is recorded ABORTED: the jfc process running it ended without finishing it, and it was not in checkpoint mode"),
        "{}",
        err(&all)
    );
    assert_eq!(e.read("kept.log"), "one\ntwo\n");
    assert_eq!(e.read("lost.log"), "one\n");
    let recs = ps_json(&e);
    assert_eq!(recs[0]["status"], "DONE");
    assert_eq!(recs[1]["status"], "ABORTED");
    assert!(
        !recs[1]["finished"].is_null(),
        "closed for good: {}",
        recs[1]
    );
    let again = e.jfc(&["resume", "--all"]);
    assert!(again.status.success(), "nothing left: {}", err(&again));
}

#[test]
fn checkpoint_mode_without_a_store_makes_the_projects() {
    let tmp = tempfile::tempdir().expect("temp dir");
    std::fs::write(tmp.path().join("f.jf"), "['true'] -> print('ran')").expect("flow");
    let o = std::process::Command::new(env!("CARGO_BIN_EXE_jfc"))
        .args(["run", "--checkpoint", "f.jf"])
        .current_dir(tmp.path())
        .env_remove("JFC_STORE")
        .output()
        .expect("jfc runs");
    assert!(o.status.success(), "{}", err(&o));
    assert_eq!(out(&o), "ran\n");
    assert!(tmp.path().join(".jfc/store.sqlite").is_file());
}

#[test]
fn resume_has_help() {
    let e = env();
    let o = e.jfc(&["resume", "--help"]);
    assert!(o.status.success());
    for word in [
        "--retry",
        "--rerun-in-doubt",
        "--skip-in-doubt",
        "--all",
        "in doubt",
    ] {
        assert!(out(&o).contains(word), "{word}: {}", out(&o));
    }
}

#[test]
fn a_jobflow_with_default_checkpoint_mode_runs_in_it() {
    let e = env();
    e.flow(
        "f.jf",
        "['true'] -> print('checkpointed:', current().checkpoint_mode)",
    );
    let set = e.jfc(&[
        "obj",
        "set",
        "/f",
        "--type",
        "Jobflow",
        "source=@f.jf",
        "defaultCheckpointMode=true",
    ]);
    assert!(set.status.success(), "{}", err(&set));
    let kept = e.jfc(&["run", "/f"]);
    assert_eq!(out(&kept), "checkpointed: true\n", "{}", err(&kept));
    let not = e.jfc(&["run", "--no-checkpoint", "/f"]);
    assert_eq!(out(&not), "checkpointed: false\n", "{}", err(&not));
    let file = e.jfc(&["run", "f.jf"]);
    assert_eq!(
        out(&file),
        "checkpointed: false\n",
        "a loose file has no default"
    );
}

#[test]
fn messages_sent_to_a_waiting_run_killed_again_and_again_are_each_received_once() {
    let e = env();
    let made = e.jfc(&["obj", "set", "/home/work", "--type", "Channel"]);
    assert!(made.status.success(), "{}", err(&made));
    e.flow(
        "recv.jf",
        "[n = 0] -> { while n < 5 | </home/work> -> [m = $RESULT] -> ['echo got $m >> got.log'] -> [n = n + 1] }\n\
         -> print('five received')\n",
    );
    e.flow(
        "send.jf",
        "[k = 1] -> { while k <= 5 | [sent = /home/work.send(k)] -> sleep(0.03) -> [k = k + 1] }",
    );
    let (mut moments, seed) = Moments::new();
    let child = spawn(&e, &["run", "--checkpoint", "recv.jf"]);
    wait_for_checkpoint(&e, 1);
    let sender = spawn(&e, &["run", "send.jf"]);
    let (child, kills) = kill_and_resume(&e, child, &mut moments, "got.log");
    let sent = sender.wait_with_output().expect("sender ends");
    assert!(sent.status.success(), "{}", err(&sent));
    eprintln!("seed {seed}: {kills} kills");
    assert!(
        kills > 0,
        "the sender takes 150 ms: the receiver was killed at least once"
    );
    let done = child.wait_with_output().expect("the last run ends");
    let ended = record(&e, 1);
    assert_eq!(ended["status"], "DONE", "seed {seed}: {}", err(&done));
    let got: Vec<String> = e.read("got.log").lines().map(String::from).collect();
    let expected: Vec<String> = (1..=5).map(|k| format!("got {k}")).collect();
    assert_eq!(got, expected, "seed {seed}: each message once, in order");
    let count = e.flow("count.jf", "print(/home/work.message_count)");
    let left = e.jfc(&["run", count.to_str().expect("utf-8")]);
    assert_eq!(out(&left), "0\n", "{}", err(&left));
}

#[test]
fn messages_sent_by_a_run_killed_again_and_again_are_each_sent_once() {
    let e = env();
    let made = e.jfc(&["obj", "set", "/home/out", "--type", "Channel"]);
    assert!(made.status.success(), "{}", err(&made));
    e.flow(
        "send.jf",
        "[k = 1] -> { while k <= 5 | ['echo sending $k >> sent.log'] -> [sent = /home/out.send(k)] -> ['sleep 0.03'] -> [k = k + 1] }",
    );
    let (mut moments, seed) = Moments::new();
    let child = spawn(&e, &["run", "--checkpoint", "send.jf"]);
    wait_for_checkpoint(&e, 1);
    let (child, _) = kill_and_resume(&e, child, &mut moments, "sent.log");
    let done = child.wait_with_output().expect("the last run ends");
    assert_eq!(
        record(&e, 1)["status"],
        "DONE",
        "seed {seed}: {}",
        err(&done)
    );
    let all = e.flow(
        "all.jf",
        "[got = []] -> { while /home/out.message_count > 0 | [got = got + [/home/out.pop_message()]] } -> print(got)",
    );
    let got = e.jfc(&["run", all.to_str().expect("utf-8")]);
    assert_eq!(out(&got), "[1, 2, 3, 4, 5]\n", "seed {seed}: {}", err(&got));
}

#[test]
fn a_failed_transfer_is_not_retried_and_says_why() {
    let e = env();
    e.flow(
        "copy.jf",
        "put('missing.txt', 'copy.txt') -> print('copied')",
    );
    let failed = e.jfc(&["run", "--checkpoint", "copy.jf"]);
    assert_eq!(failed.status.code(), Some(1), "{}", err(&failed));
    assert!(
        err(&failed).contains("missing.txt: no such file"),
        "{}",
        err(&failed)
    );
    let retried = e.jfc(&["resume", "1", "--retry"]);
    assert_eq!(retried.status.code(), Some(64));
    assert!(
        err(&retried).contains(
            "failed at line 1 on a transfer or a script job: --retry runs failed commands only"
        ),
        "{}",
        err(&retried)
    );
}
