//! What the tests of `jfc` with a store share: a scratch directory with a store path,
//! the built binary run in it, and its output as text.
#![allow(dead_code)] // each test binary uses its own part

use std::path::PathBuf;
use std::process::{Command, Output};

pub mod daemon;
pub mod openapi;
pub mod smtp;

/// A scratch directory (removed at the end of the test) with a store file path in it.
pub struct Env {
    pub store: PathBuf,
    pub dir: PathBuf,
    _tmp: tempfile::TempDir,
}

pub fn env() -> Env {
    let tmp = tempfile::tempdir().expect("temp dir");
    let dir = tmp.path().to_path_buf();
    Env {
        store: dir.join("store.sqlite"),
        dir,
        _tmp: tmp,
    }
}

impl Env {
    pub fn cmd(&self, args: &[&str]) -> Command {
        let mut c = Command::new(env!("CARGO_BIN_EXE_jfc"));
        c.arg("--store")
            .arg(&self.store)
            .args(args)
            .current_dir(&self.dir)
            .env_remove("JFC_STORE");
        c
    }

    pub fn jfc(&self, args: &[&str]) -> Output {
        self.cmd(args).output().expect("jfc runs")
    }

    pub fn flow(&self, name: &str, text: &str) -> PathBuf {
        let p = self.dir.join(name);
        std::fs::write(&p, text).expect("write flow");
        p
    }

    /// A file of the scratch directory, "" when it is not there.
    pub fn read(&self, name: &str) -> String {
        std::fs::read_to_string(self.dir.join(name)).unwrap_or_default()
    }
}

pub fn out(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

pub fn err(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

pub fn ps_json(e: &Env) -> Vec<serde_json::Value> {
    let o = e.jfc(&["ps", "--json"]);
    assert!(o.status.success(), "{}", err(&o));
    match serde_json::from_str(&out(&o)).expect("ps --json is JSON") {
        serde_json::Value::Array(a) => a,
        other => panic!("not an array: {other}"),
    }
}

/// A small xorshift generator: the kill moments, reproducible from the seed printed
/// when the test fails (`JFC_CRASH_SEED=N` runs the same moments again).
pub struct Moments(u64);

impl Moments {
    pub fn new() -> (Moments, u64) {
        let seed = std::env::var("JFC_CRASH_SEED")
            .ok()
            .and_then(|s| s.parse().ok())
            .unwrap_or_else(|| {
                std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .map_or(1, |d| d.as_nanos() as u64)
            })
            | 1;
        (Moments(seed), seed)
    }

    /// A duration in [lo, hi) milliseconds.
    pub fn between(&mut self, lo: u64, hi: u64) -> std::time::Duration {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        std::time::Duration::from_millis(lo + self.0 % (hi - lo))
    }
}

/// A daemon started by [`spawn_kept`]: its pid, its stderr, and its exit status once
/// it has ended.
pub struct Kept {
    pub pid: u32,
    pub stderr: std::process::ChildStderr,
    pub ended: std::sync::mpsc::Receiver<std::process::ExitStatus>,
}

/// Start `cmd` (stderr piped) from a thread that lives as long as this test binary,
/// the child set to get SIGKILL when that thread ends: a daemon a test starts never
/// outlives the tests, however they end.
pub fn spawn_kept(mut cmd: Command) -> Kept {
    use std::os::unix::process::CommandExt;
    let (started_tx, started) = std::sync::mpsc::channel();
    let (ended_tx, ended) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        cmd.stderr(std::process::Stdio::piped());
        // SAFETY: prctl is async-signal-safe; nothing else runs between fork and exec.
        unsafe {
            cmd.pre_exec(|| {
                rustix::process::set_parent_process_death_signal(Some(
                    rustix::process::Signal::KILL,
                ))
                .map_err(std::io::Error::from)
            });
        }
        let mut child = cmd.spawn().expect("the daemon starts");
        let stderr = child.stderr.take().expect("stderr");
        let _ = started_tx.send((child.id(), stderr));
        if let Ok(status) = child.wait() {
            let _ = ended_tx.send(status);
        }
        // Parked, not ended: the death signal is tied to this thread's life.
        loop {
            std::thread::park();
        }
    });
    let (pid, stderr) = started.recv().expect("the daemon started");
    Kept { pid, stderr, ended }
}
