//! Local commands under `jfc run`, with real processes and real signals: they run side
//! by side, a timeout or a signal to jfc ends them with everything they started, their
//! output is capped, sudo and `__user__` are honoured, the echo marks sudo.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

/// A fresh directory for one test, removed when the returned value is dropped.
fn temp_dir(name: &str) -> tempfile::TempDir {
    tempfile::Builder::new()
        .prefix(&format!("jfc-commands-{name}-"))
        .tempdir()
        .expect("temp dir")
}

fn flow_file(dir: &Path, flow: &str) -> PathBuf {
    let file = dir.join("flow.jf");
    std::fs::write(&file, flow).expect("write flow");
    file
}

fn jfc() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_jfc"));
    // No store of the developer's project reaches these runs.
    cmd.env_remove("JFC_STORE");
    cmd
}

fn run(name: &str, args: &[&str], flow: &str) -> Output {
    let dir = temp_dir(name);
    let file = flow_file(dir.path(), flow);
    jfc()
        .current_dir(dir.path())
        .arg("run")
        .args(args)
        .arg(&file)
        .output()
        .expect("jfc runs")
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// A `jfc` started by a test, killed if the test fails before it ends.
struct Started(std::process::Child);

impl Drop for Started {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Whether OS process `pid` is alive (a zombie waiting for its reaper is not).
fn alive(pid: u32) -> bool {
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        Ok(stat) => stat
            .rsplit_once(')')
            .is_some_and(|(_, rest)| !rest.trim_start().starts_with('Z')),
        Err(_) => false,
    }
}

/// Wait up to `limit` for `cond`.
fn eventually(limit: Duration, mut cond: impl FnMut() -> bool) -> bool {
    let end = Instant::now() + limit;
    while Instant::now() < end {
        if cond() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    cond()
}

fn read_pid(file: &Path) -> u32 {
    let mut pid = None;
    assert!(
        eventually(Duration::from_secs(10), || {
            pid = std::fs::read_to_string(file)
                .ok()
                .and_then(|t| t.trim().parse().ok());
            pid.is_some()
        }),
        "the command never wrote {}",
        file.display()
    );
    pid.unwrap()
}

#[test]
fn parallel_commands_start_together() {
    // Sixteen `sleep 1` in a pfor end in about a second; one after another they take
    // sixteen. The bound is generous: it fails only when commands queue behind others.
    for _ in 0..3 {
        let t = Instant::now();
        let out = run("pfor", &[], "{ pfor i in 16 | ['sleep 1'] }\n");
        assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
        let took = t.elapsed();
        assert!(
            took < Duration::from_secs(6),
            "16 parallel sleeps took {took:?}"
        );
    }
}

#[test]
fn every_parallel_command_runs_at_the_same_time() {
    // Each command waits until all sixteen have started: this ends only when no
    // command waits for another to finish.
    let dir = temp_dir("barrier");
    let flow = format!(
        "{{ pfor i in 16 | ['touch {d}/$i; for k in $(seq 200); do [ $(ls {d} | wc -l) -ge 16 ] && exit 0; sleep 0.05; done; exit 1'] }}\n",
        d = dir.path().join("started").display()
    );
    std::fs::create_dir_all(dir.path().join("started")).unwrap();
    let file = flow_file(dir.path(), &flow);
    let out = jfc().arg("run").arg(&file).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
}

#[test]
fn a_timeout_kills_the_whole_command() {
    let dir = temp_dir("timeout");
    let pidfile = dir.path().join("sleep.pid");
    let flow = format!(
        "[__timeout__ = 1] -> ['sleep 600 & echo $! > {}; wait; echo x'] =>> print($STATUS, $ERROR)\n",
        pidfile.display()
    );
    let file = flow_file(dir.path(), &flow);
    let t = Instant::now();
    let out = jfc().arg("run").arg(&file).output().unwrap();
    assert!(
        t.elapsed() < Duration::from_secs(5),
        "took {:?}",
        t.elapsed()
    );
    let stdout = text(&out.stdout);
    assert!(
        stdout.starts_with("-1 ") && stdout.contains("__timeout__"),
        "{stdout}"
    );
    let sleep = read_pid(&pidfile);
    assert!(
        eventually(Duration::from_secs(3), || !alive(sleep)),
        "the sleep of a timed-out command survived"
    );
}

/// `jfc run` on a flow whose command writes its pid, then `signal` to jfc: the command
/// is gone, jfc exits 128 + the signal number, and the process record says why.
fn signal_ends_command(name: &str, signal: &str, code: i32) {
    let dir = temp_dir(name);
    let store = dir.path().join("store.sqlite");
    let pidfile = dir.path().join("bash.pid");
    let flow = format!(
        "print('started') -> ['bash -c \"echo \\$\\$ > {}; sleep 600\"']\n",
        pidfile.display()
    );
    let file = flow_file(dir.path(), &flow);
    let mut child = Started(
        jfc()
            .arg("--store")
            .arg(&store)
            .arg("run")
            .arg(&file)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    let bash = read_pid(&pidfile);
    assert!(alive(bash));
    let sent = Command::new("kill")
        .args([&format!("-{signal}"), &child.0.id().to_string()])
        .status()
        .unwrap();
    assert!(sent.success());
    let mut status = None;
    assert!(
        eventually(Duration::from_secs(5), || {
            status = child.0.try_wait().unwrap();
            status.is_some()
        }),
        "jfc did not end on SIG{signal}"
    );
    assert_eq!(status.unwrap().code(), Some(code));
    assert!(
        eventually(Duration::from_secs(3), || !alive(bash)),
        "the command outlived jfc"
    );
    let rec = ps_json(&store, "1");
    assert_eq!(rec["status"], "ABORTED", "{rec}");
    assert_eq!(rec["exit_status"], code, "{rec}");
    assert_eq!(rec["error"], format!("jfc run was stopped by SIG{signal}"));
    assert_eq!(rec["console"], "started\n");
}

#[test]
fn sigterm_to_jfc_ends_its_commands() {
    signal_ends_command("sigterm", "TERM", 143);
}

#[test]
fn ctrl_c_ends_the_commands_too() {
    signal_ends_command("sigint", "INT", 130);
}

#[test]
fn output_past_the_cap_is_dropped_with_a_note() {
    let out = run(
        "cap",
        &["--max-output", "1000"],
        "['head -c 100M /dev/zero'] -> print(length($RESULT), $ERROR)\n",
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    assert!(
        stdout.starts_with(
            "1000 jfc: stdout truncated: kept the first 1000 bytes, dropped 104856600"
        ),
        "{stdout}"
    );
}

#[test]
fn without_a_shell_words_follow_shell_quoting() {
    let out = run(
        "noshell",
        &[],
        "[__use_shell__ = false] -> ['printf \"%s|\" \"a b\" c'] -> print($RESULT)\n",
    );
    assert_eq!(text(&out.stdout), "a b|c|\n", "{}", text(&out.stderr));
}

#[test]
fn sudo_and_user_run_the_command_as_that_user() {
    let out = run(
        "sudo",
        &[],
        "[__user__ = 'nobody'] -> ['id -un'] -> print($RESULT)\n\
         -> [__user__ = null, __sudo__ = true] -> ['id -un'] -> print($RESULT)\n",
    );
    assert_eq!(text(&out.stdout), "nobody\nroot\n", "{}", text(&out.stderr));
}

#[test]
fn a_sudo_password_is_refused_and_not_shown() {
    let out = run(
        "sudopw",
        &["--trace", "-p", "pw='s3cret'"],
        "|pw = ''|\n[__sudo__ = true, __password__ = pw] -> ['id -un'] =>> print($STATUS, $ERROR)\n",
    );
    let stdout = text(&out.stdout);
    assert!(
        stdout.starts_with("-1 ") && stdout.contains("__password__"),
        "{stdout}"
    );
    assert!(!stdout.contains("s3cret") && !text(&out.stderr).contains("s3cret"));
}

#[test]
fn the_echo_marks_sudo_with_hash_and_others_with_dollar() {
    let out = run(
        "sudomark",
        &["--echo-format", "{sudomark} {command}"],
        "['true'] -> [__sudo__ = true] -> ['true']\n",
    );
    assert_eq!(text(&out.stderr), "$ true\n# true\n");
}

/// The record of `pid` (`jfc ps PID --json`); null while there is none yet.
fn ps_json(store: &Path, pid: &str) -> serde_json::Value {
    let out = jfc()
        .arg("--store")
        .arg(store)
        .args(["ps", pid, "--json"])
        .output()
        .unwrap();
    if !out.status.success() {
        return serde_json::Value::Null;
    }
    serde_json::from_str(&text(&out.stdout)).expect("ps --json is JSON")
}

#[test]
fn the_record_streams_its_console_and_shows_waiting_then_running() {
    let dir = temp_dir("record");
    let store = dir.path().join("store.sqlite");
    let file = flow_file(
        dir.path(),
        "print('hello') -> ['sleep 1'] -> sleep(1) -> { while true | [] }\n",
    );
    let _child = Started(
        jfc()
            .arg("--store")
            .arg(&store)
            .arg("run")
            .arg(&file)
            .stdout(Stdio::null())
            .spawn()
            .unwrap(),
    );
    let mut rec = serde_json::Value::Null;
    // While it waits on the command and on the sleep: WAITING, with what it printed.
    assert!(
        eventually(Duration::from_secs(10), || {
            rec = ps_json(&store, "1");
            rec["status"] == "WAITING"
        }),
        "never WAITING: {rec}"
    );
    assert_eq!(rec["console"], "hello\n");
    // Then the endless loop: RUNNING again.
    assert!(
        eventually(Duration::from_secs(10), || {
            rec = ps_json(&store, "1");
            rec["status"] == "RUNNING"
        }),
        "never RUNNING again: {rec}"
    );
}

/// One process-creating call of a strace trace: who made it, its flags, what it returned.
struct Clone {
    pid: u32,
    flags: String,
    made: Option<u32>,
}

/// The clone/clone3/fork/vfork calls of a `strace -f -o` trace, with the result of each
/// (an `<unfinished ...>` call is joined with its `<... resumed>` line).
fn clones(trace: &str) -> Vec<Clone> {
    let mut done = Vec::new();
    let mut pending: std::collections::HashMap<u32, String> = Default::default();
    let result = |s: &str| s.rsplit("= ").next().and_then(|r| r.trim().parse().ok());
    for line in trace.lines() {
        let Some((pid, rest)) = line.split_once(' ') else {
            continue;
        };
        let Ok(pid) = pid.parse::<u32>() else {
            continue;
        };
        // strace pads the pid column: a short pid is followed by more than one space.
        let rest = rest.trim_start();
        if rest.starts_with("<... ") {
            if let Some(flags) = pending.remove(&pid) {
                done.push(Clone {
                    pid,
                    flags,
                    made: result(rest),
                });
            }
        } else if !["clone(", "clone3(", "fork(", "vfork("]
            .iter()
            .any(|call| rest.starts_with(call))
        {
            // `???( <detached ...>`: a thread that ended inside a call strace lost track of.
            continue;
        } else if let Some(call) = rest.strip_suffix("<unfinished ...>") {
            pending.insert(pid, call.to_string());
        } else {
            done.push(Clone {
                pid,
                flags: rest.to_string(),
                made: result(rest),
            });
        }
    }
    done
}

/// Commands start by posix_spawn (a clone that shares jfc's memory until the exec), not
/// by a fork that copies all of jfc's page tables: that copy made the 512 commands of a
/// `pfor` start one after another over more than half a second (bench/vm/pfor_sleep.sh).
/// Traced by strace: every process that a thread of jfc creates shares its memory.
#[test]
fn commands_start_without_a_copy_of_jfc() {
    let dir = temp_dir("spawn");
    let file = flow_file(
        dir.path(),
        "{ pfor i in 4 | ['true'] } -> [__use_shell__ = false] -> ['true']",
    );
    let trace = dir.path().join("trace");
    let out = Command::new("strace")
        .args([
            "-f",
            "-qq",
            "-e",
            "trace=clone,clone3,fork,vfork",
            "-e",
            "signal=none",
            "-o",
        ])
        .arg(&trace)
        .arg(env!("CARGO_BIN_EXE_jfc"))
        .arg("run")
        .arg(&file)
        .env_remove("JFC_STORE")
        .output()
        .expect("strace runs (apt-get install strace)");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let calls = clones(&std::fs::read_to_string(&trace).expect("the trace"));
    // jfc's threads: its main thread (the first to clone), and those its threads made.
    let mut jfc: std::collections::HashSet<u32> = calls.iter().map(|c| c.pid).take(1).collect();
    loop {
        let more: Vec<u32> = calls
            .iter()
            .filter(|c| jfc.contains(&c.pid) && c.flags.contains("CLONE_THREAD"))
            .filter_map(|c| c.made)
            .filter(|t| !jfc.contains(t))
            .collect();
        if more.is_empty() {
            break;
        }
        jfc.extend(more);
    }
    let started: Vec<&Clone> = calls
        .iter()
        .filter(|c| jfc.contains(&c.pid) && !c.flags.contains("CLONE_THREAD"))
        .collect();
    assert!(
        started.len() >= 5,
        "the 5 commands were not seen starting: {} calls",
        calls.len()
    );
    for c in started {
        assert!(
            c.flags.contains("CLONE_VM") && c.flags.contains("CLONE_VFORK"),
            "a command started by a copy of jfc: {}",
            c.flags
        );
    }
}
