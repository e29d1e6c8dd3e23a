//! A daemon of the tests: `jfc serve` on a free loopback port with a store of its
//! own, its scheduler's clock set by the test, and an admin token; requests over real
//! HTTP with ureq.

use std::io::{BufRead, BufReader};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

pub use crate::common::daemon::jfc;
use crate::common::openapi::Document;
pub use crate::common::{err, out};
use crate::common::{spawn_kept, Kept};

/// Where the scheduler's clock starts: far from now, so that no schedule of a test
/// fires before the test moves the clock.
pub const EPOCH: &str = "2030-01-07T08:00:00Z";

/// Numbers the files of [`Daemon::run_flow`].
static PROBES: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

pub struct Daemon {
    pub url: String,
    pub store: PathBuf,
    pub dir: PathBuf,
    /// A token with every scope.
    pub admin: String,
    /// More arguments of `jfc serve`.
    args: Vec<String>,
    /// The daemon's pid, and its exit status once it ends.
    /// (In a Mutex: a Receiver is not Sync, and the shared daemon is.)
    running: std::sync::Mutex<Option<(u32, std::sync::mpsc::Receiver<std::process::ExitStatus>)>>,
    _tmp: Option<tempfile::TempDir>,
}

impl Daemon {
    /// A daemon on a new store, its clock at `clock`, schedules read in UTC.
    pub fn new(clock: &str) -> Daemon {
        Daemon::with(clock, &["--timezone", "UTC"])
    }

    /// A daemon on a new store, its clock at `clock`, started with `args` too.
    pub fn with(clock: &str, args: &[&str]) -> Daemon {
        let tmp = tempfile::tempdir().expect("temp dir");
        let dir = tmp.path().to_path_buf();
        let store = dir.join("store.sqlite");
        let admin = token(&store, "admin", &["send", "read", "run", "admin"]);
        let mut d = Daemon {
            url: String::new(),
            store,
            dir,
            admin,
            args: args.iter().map(|a| a.to_string()).collect(),
            running: Default::default(),
            _tmp: Some(tmp),
        };
        d.start(clock);
        d
    }

    /// Start (again) on the same store, the clock at `clock`.
    pub fn start(&mut self, clock: &str) {
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port")
            .port();
        let listen = format!("127.0.0.1:{port}");
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_jfc"));
        cmd.arg("--store")
            .arg(&self.store)
            .args(["serve", "--listen", &listen, "--test-clock", clock])
            .args(&self.args)
            .env_remove("JFC_STORE")
            .stdout(Stdio::null());
        let Kept { pid, stderr, ended } = spawn_kept(cmd);
        let mut lines = BufReader::new(stderr).lines();
        crate::common::daemon::until_listening(&mut lines);
        // Keep reading its stderr so that it never blocks on a full pipe; echo it for
        // the test's output (shown when a test fails).
        std::thread::spawn(move || {
            lines
                .map_while(Result::ok)
                .for_each(|l| eprintln!("jfc serve: {l}"))
        });
        self.url = format!("http://{listen}");
        *self.running.get_mut().expect("not poisoned") = Some((pid, ended));
    }

    /// SIGKILL the daemon and wait for it.
    pub fn kill(&mut self) {
        let running = self.running.get_mut().unwrap_or_else(|e| e.into_inner());
        if let Some((pid, ended)) = running.take() {
            signal(pid, rustix::process::Signal::KILL);
            let _ = ended.recv();
        }
    }

    /// SIGTERM the daemon; its exit status once it is gone.
    pub fn terminate(&mut self) -> std::process::ExitStatus {
        let running = self.running.get_mut().unwrap_or_else(|e| e.into_inner());
        let (pid, ended) = running.take().expect("a running daemon");
        signal(pid, rustix::process::Signal::TERM);
        ended
            .recv_timeout(Duration::from_secs(30))
            .expect("the daemon ends within 30 s of SIGTERM")
    }

    pub fn jfc(&self, args: &[&str]) -> Output {
        jfc(&self.store, args)
    }

    /// `jfc obj set`, which must succeed.
    pub fn obj(&self, args: &[&str]) {
        let o = self.jfc(&[&["obj", "set"], args].concat());
        assert!(o.status.success(), "jfc obj set {args:?}: {}", err(&o));
    }

    /// A Jobflow of the store at `path` with `source`.
    pub fn flow(&self, path: &str, source: &str) {
        // A file of its own: tests write flows at the same time.
        let file = self.dir.join(format!("{}.jf", path.replace('/', "_")));
        std::fs::write(&file, source).expect("flow file");
        let src = format!("source=@{}", file.display());
        self.obj(&[path, "--type", "Jobflow", &src]);
    }

    /// A request with the admin token: status and JSON answer.
    pub fn call(
        &self,
        method: &str,
        path: &str,
        body: Option<serde_json::Value>,
    ) -> (u16, serde_json::Value) {
        self.call_as(Some(&self.admin), method, path, body)
    }

    /// A request with `token`: status and JSON answer. The answer must be one the
    /// OpenAPI document describes, and a body the daemon took one it describes too.
    pub fn call_as(
        &self,
        token: Option<&str>,
        method: &str,
        path: &str,
        body: Option<serde_json::Value>,
    ) -> (u16, serde_json::Value) {
        let url = format!("{}{path}", self.url);
        let agent = agent();
        let auth = token.map(|t| format!("Bearer {t}"));
        let text = body.map(|b| b.to_string()).unwrap_or_default();
        let answer = match method {
            "GET" => {
                let mut r = agent.get(&url);
                if let Some(a) = &auth {
                    r = r.header("Authorization", a);
                }
                r.call()
            }
            "DELETE" => {
                let mut r = agent.delete(&url);
                if let Some(a) = &auth {
                    r = r.header("Authorization", a);
                }
                r.call()
            }
            "PATCH" => {
                let mut r = agent.patch(&url).header("Content-Type", "application/json");
                if let Some(a) = &auth {
                    r = r.header("Authorization", a);
                }
                r.send(text.as_bytes())
            }
            _ => {
                let mut r = agent.post(&url).header("Content-Type", "application/json");
                if let Some(a) = &auth {
                    r = r.header("Authorization", a);
                }
                r.send(text.as_bytes())
            }
        };
        let mut answer = answer.expect("the daemon answers");
        let status = answer.status().as_u16();
        let media = answer
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_string();
        let got = answer.body_mut().read_to_string().expect("a body");
        let bare = path.split('?').next().unwrap_or(path);
        let doc = document();
        if let Err(e) = doc.check(method, bare, status, &media, &got) {
            panic!("the answer is not as the OpenAPI document says: {e}");
        }
        if (200..300).contains(&status) && !text.is_empty() {
            if let Err(e) = doc.check_request(method, bare, "application/json", &text) {
                panic!("the daemon took a body the OpenAPI document does not describe: {e}");
            }
        }
        let json = serde_json::from_str(&got).unwrap_or(serde_json::Value::String(got));
        (status, json)
    }

    /// Post `message` (JSON) to `channel`; it must be accepted.
    pub fn send(&self, channel: &str, message: serde_json::Value) {
        let path = format!("/api/v1/channels{channel}/messages");
        let (status, body) = self.call("POST", &path, Some(message));
        assert_eq!(status, 202, "{body}");
    }

    /// Start `job` with `parameters` through the API; its pid.
    pub fn start_flow(&self, job: &str, parameters: serde_json::Value) -> i64 {
        let body = serde_json::json!({ "job": job, "parameters": parameters });
        let (status, answer) = self.call("POST", "/api/v1/processes", Some(body));
        assert_eq!(status, 201, "{answer}");
        answer["pid"].as_i64().expect("a pid")
    }

    /// The record of process `pid`.
    pub fn process(&self, pid: i64) -> serde_json::Value {
        let (status, body) = self.call("GET", &format!("/api/v1/processes/{pid}"), None);
        assert_eq!(status, 200, "{body}");
        body
    }

    /// The record of process `pid` once it has finished.
    pub fn wait(&self, pid: i64) -> serde_json::Value {
        let path = format!("/api/v1/processes/{pid}/wait");
        let (status, body) = self.call("POST", &path, Some(serde_json::json!({ "timeout": 20 })));
        assert_eq!(status, 200, "{body}");
        body
    }

    /// Wait until process `pid` waits (on an event, a command).
    pub fn until_waiting(&self, pid: i64) {
        let deadline = Instant::now() + Duration::from_secs(20);
        while self.process(pid)["status"] != "WAITING" {
            assert!(
                Instant::now() < deadline,
                "process {pid} never waited: {}",
                self.process(pid)
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// What a flow run with `jfc run` on the store prints.
    pub fn run_flow(&self, source: &str) -> String {
        let name = format!(
            "probe-{}.jf",
            PROBES.fetch_add(1, std::sync::atomic::Ordering::SeqCst)
        );
        let file = self.dir.join(name);
        std::fs::write(&file, source).expect("flow file");
        let o = self.jfc(&["run", &file.display().to_string()]);
        assert!(o.status.success(), "{}", err(&o));
        out(&o)
    }

    /// Move the scheduler's clock to `at`.
    pub fn set_clock(&self, at: &str) {
        let (status, body) = self.call(
            "POST",
            "/api/v1/test/clock",
            Some(serde_json::json!({ "set": at })),
        );
        assert_eq!(status, 200, "{body}");
    }

    /// The process records, oldest first.
    pub fn processes(&self) -> Vec<serde_json::Value> {
        let o = self.jfc(&["ps", "--json"]);
        assert!(o.status.success(), "{}", err(&o));
        serde_json::from_str(&out(&o)).expect("JSON records")
    }

    /// Wait until `pick` finds what it looks for in the records (at most 20 s).
    pub fn wait_for<T>(&self, what: &str, pick: impl Fn(&[serde_json::Value]) -> Option<T>) -> T {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let records = self.processes();
            if let Some(found) = pick(&records) {
                return found;
            }
            assert!(
                Instant::now() < deadline,
                "{what} did not happen; the records: {records:#?}"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// The finished records of `job`, once there are `n` of them.
    pub fn finished(&self, job: &str, n: usize) -> Vec<serde_json::Value> {
        self.wait_for(&format!("{n} finished runs of {job}"), |records| {
            let done: Vec<_> = records
                .iter()
                .filter(|r| r["job"] == job && !r["finished"].is_null())
                .cloned()
                .collect();
            (done.len() >= n).then_some(done)
        })
    }
}

impl Drop for Daemon {
    fn drop(&mut self) {
        self.kill();
    }
}

fn signal(pid: u32, sig: rustix::process::Signal) {
    let pid = rustix::process::Pid::from_raw(pid as i32).expect("a pid");
    let _ = rustix::process::kill_process(pid, sig);
}

/// A new token with `scopes`.
pub fn token(store: &Path, name: &str, scopes: &[&str]) -> String {
    let mut args = vec!["token", "create", name];
    for s in scopes {
        args.extend(["--scope", s]);
    }
    let o = jfc(store, &args);
    assert!(o.status.success(), "{}", err(&o));
    out(&o).trim().to_string()
}

/// The daemon's OpenAPI document (daemon/openapi.json, which it serves).
fn document() -> &'static Document {
    static DOCUMENT: std::sync::OnceLock<Document> = std::sync::OnceLock::new();
    DOCUMENT.get_or_init(|| {
        let text = include_str!("../../daemon/openapi.json");
        Document(serde_json::from_str(text).expect("the document is JSON"))
    })
}

fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(30)))
        .build()
        .into()
}
