//! What the tests of `jfc serve` share: `jfc` run on a store, tokens, a daemon started on
//! a free loopback port, and an HTTP client that reads every answer (errors included).

use std::io::{BufRead, BufReader};
use std::net::TcpListener;
use std::path::Path;
use std::process::{Child, Command, Output, Stdio};
use std::time::Duration;

use super::{err, out};

/// `jfc --store STORE ARGS`, without the environment that would point it elsewhere.
pub fn jfc(store: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_jfc"))
        .arg("--store")
        .arg(store)
        .args(args)
        .env_remove("JFC_STORE")
        .env_remove("JFC_TOKEN")
        .env_remove("JFC_SERVER")
        .output()
        .expect("jfc runs")
}

/// A new token of `scope` called `name`: its secret.
pub fn token(store: &Path, name: &str, scope: &str) -> String {
    let o = jfc(store, &["token", "create", name, "--scope", scope]);
    assert!(o.status.success(), "{}", err(&o));
    out(&o).trim().to_string()
}

pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port()
}

/// Start `jfc serve` with `args` and wait for its "listening" line: the child and the
/// base URL.
pub fn start(store: &Path, args: &[&str]) -> (Child, String) {
    let port = free_port();
    let listen = format!("127.0.0.1:{port}");
    let mut child = Command::new(env!("CARGO_BIN_EXE_jfc"))
        .arg("--store")
        .arg(store)
        .args(["serve", "--listen", &listen])
        .args(args)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("jfc serve starts");
    let mut lines = BufReader::new(child.stderr.take().expect("stderr")).lines();
    until_listening(&mut lines);
    // Keep reading its stderr so that it never blocks on a full pipe.
    std::thread::spawn(move || lines.for_each(drop));
    (child, format!("http://{listen}"))
}

/// Start `jfc serve` with `args` for the whole test binary, from a thread that lives as
/// long as it (common::spawn_kept): the daemon dies with the binary, however it ends.
/// The base URL.
pub fn start_shared(store: &Path, args: &[&str]) -> String {
    let listen = format!("127.0.0.1:{}", free_port());
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_jfc"));
    cmd.arg("--store")
        .arg(store)
        .args(["serve", "--listen", &listen])
        .args(args)
        .env_remove("JFC_STORE")
        .stdout(Stdio::null());
    let kept = super::spawn_kept(cmd);
    let mut lines = BufReader::new(kept.stderr).lines();
    until_listening(&mut lines);
    std::thread::spawn(move || lines.for_each(drop));
    format!("http://{listen}")
}

/// Read the daemon's stderr up to the line that says it listens; what it logged before
/// (a warning about the runs a crash left behind) is echoed for the test's output. A
/// daemon that ends first fails the test with all it said.
pub fn until_listening(lines: &mut impl Iterator<Item = std::io::Result<String>>) {
    let mut said = Vec::new();
    for line in lines.map_while(Result::ok) {
        if line.contains("listening on") {
            return;
        }
        eprintln!("jfc serve: {line}");
        said.push(line);
    }
    panic!(
        "jfc serve ended before it listened; it said:\n{}",
        said.join("\n")
    );
}

/// A client that hands back 4xx and 5xx answers instead of failing on them.
pub fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(20)))
        .build()
        .into()
}

/// The status and the JSON body of an answer (its text when it is not JSON).
pub fn json_answer(mut answer: ureq::http::Response<ureq::Body>) -> (u16, serde_json::Value) {
    let status = answer.status().as_u16();
    let text = answer.body_mut().read_to_string().expect("a body");
    let json = serde_json::from_str(&text).unwrap_or(serde_json::Value::String(text));
    (status, json)
}
