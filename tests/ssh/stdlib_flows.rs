//! The stdlib flows end to end: inventory/processes and batch/run over two NodeInfo
//! objects that both name the shared sshd (and a third that nothing answers),
//! cert/check against `openssl s_server` endpoints serving certificates the test makes,
//! and user/add + user/remove of an account the test names (and removes if a step fails).

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::common::{env, err, out, Env};
use crate::obj_set;
use crate::sshd::{free_port, sshd};

/// Copy `stdlib/<rel>.jf` beside the test's flow, where `[./name: ...]` finds it.
pub(crate) fn stdlib_flow(e: &Env, rel: &str) {
    let from = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("stdlib")
        .join(format!("{rel}.jf"));
    let name = Path::new(rel).file_name().expect("a name");
    std::fs::copy(&from, e.dir.join(name).with_extension("jf")).expect("copy the flow");
}

/// An account with the shared server's client key, and NodeInfo `/nodes/n1` and
/// `/nodes/n2` on the shared server, `/nodes/gone` on a port nothing listens on.
pub(crate) fn nodes(e: &Env) {
    let s = sshd();
    obj_set(
        e,
        &[
            "/ops",
            "--type",
            "AccountInfo",
            "user=root",
            &s.keyfile_field(),
        ],
    );
    obj_set(e, &["/nodes", "--type", "Directory"]);
    let port = format!("port={}", s.port);
    let nowhere = format!("port={}", free_port());
    for (name, port) in [
        ("/nodes/n1", &port),
        ("/nodes/n2", &port),
        ("/nodes/gone", &nowhere),
    ] {
        obj_set(
            e,
            &[
                name,
                "--type",
                "NodeInfo",
                "hostname=127.0.0.1",
                port,
                "account=/ops",
            ],
        );
    }
}

/// Run `flow` and read the JSON line it prints last.
pub(crate) fn run_json(e: &Env, flow: &str) -> (Value, String) {
    e.flow("f.jf", flow);
    let o = e.jfc(&["run", "f.jf"]);
    assert!(o.status.success(), "{}\n{}", out(&o), err(&o));
    let said = out(&o);
    let last = said.lines().last().unwrap_or_default().to_string();
    let json = serde_json::from_str(&last).unwrap_or_else(|e| panic!("{e}: {said}"));
    (json, said)
}

#[test]
fn inventory_processes_writes_one_csv_of_both_nodes() {
    let e = env();
    nodes(&e);
    stdlib_flow(&e, "inventory/processes");
    obj_set(&e, &["/report", "--type", "AttachedFile"]);
    let csv_path = e.dir.join("procs.csv");
    let (r, said) = run_json(
        &e,
        &format!(
            "[./processes: nodes=/nodes, path='{}', attach_to=/report]\n\
             -> [r = $RESULT] -> print(/report.attached1.data.decode()) -> print(json_dump(r))",
            csv_path.display()
        ),
    );
    let csv = std::fs::read_to_string(&csv_path).expect("the CSV is saved");
    assert!(
        said.starts_with(&csv),
        "the attachment is the saved CSV: {said}"
    );
    let mut lines = csv.lines();
    assert_eq!(lines.next(), Some("node,pid,ppid,user,cpu,mem,command"));
    let rows: Vec<&str> = lines.collect();
    let of = |node: &str| {
        rows.iter()
            .filter(|l| l.starts_with(&format!("\"{node}\",")))
            .count()
    };
    let (n1, n2) = (of("n1"), of("n2"));
    assert!(n1 > 0 && n2 > 0, "{csv}");
    assert_eq!(n1 + n2, rows.len(), "every row names its node: {csv}");
    // sshd itself is in both lists, its pid a number, its user quoted.
    for node in ["n1", "n2"] {
        let sshd_row = rows
            .iter()
            .find(|l| l.starts_with(&format!("\"{node}\",")) && l.contains("sshd"))
            .unwrap_or_else(|| panic!("no sshd on {node}: {csv}"));
        let fields: Vec<&str> = sshd_row.splitn(7, ',').collect();
        assert!(fields[1].parse::<u32>().is_ok(), "{sshd_row}");
        assert!(fields[3].starts_with('"'), "{sshd_row}");
    }
    assert_eq!(r["rows"], rows.len());
    assert_eq!(r["nodes"]["n1"], n1);
    assert_eq!(r["nodes"]["n2"], n2);
    assert_eq!(r["unreachable"][0]["node"], "gone");
    assert_eq!(r["attached"], "/report.attached1");
}

#[test]
fn batch_run_summarises_a_command_and_a_script_job_on_every_node() {
    let e = env();
    nodes(&e);
    stdlib_flow(&e, "batch/run");
    let (r, _) = run_json(
        &e,
        "[./run: nodes=/nodes, command='echo first on $(whoami); echo second; exit 3', approve=false]\n\
         => print(json_dump({status=$STATUS, error=$ERROR, result=$RESULT}))",
    );
    assert_eq!(r["status"], 1);
    assert_eq!(r["error"], "batch/run: 2 failed, 1 unreachable");
    let result = &r["result"];
    assert_eq!(
        [&result["ok"], &result["failed"], &result["unreachable"]],
        [0, 2, 1]
    );
    for node in ["n1", "n2"] {
        assert_eq!(result["nodes"][node]["status"], 3);
        assert_eq!(result["nodes"][node]["output"], "first on root");
    }
    assert_eq!(result["nodes"]["gone"]["status"], -1);
    assert!(
        result["nodes"]["gone"]["error"]
            .as_str()
            .is_some_and(|s| s.contains("cannot connect")),
        "{result}"
    );
    // A ScriptJob with an argument, on the two reachable nodes: both succeed.
    let (r, _) = run_json(
        &e,
        "[s = /.add('hello', /system/types/ScriptJob, {source='#!/bin/sh\\necho \"hello $1 from $(whoami)\"\\n', ext='sh'})]\n\
         -> [./run: nodes=[/nodes/n1, /nodes/n2], script=s, args=['world'], approve=false]\n\
         -> print(json_dump($RESULT))",
    );
    assert_eq!([&r["ok"], &r["failed"], &r["unreachable"]], [2, 0, 0]);
    assert_eq!(r["nodes"]["n2"]["output"], "hello world from root");
}

/// `openssl s_server` on a loopback port with a new certificate valid for `days`; it
/// is killed when dropped.
struct TlsServer {
    port: u16,
    child: Child,
}

/// A new self-signed certificate for `/CN=name`, valid for `days`: `dir/name.key` and
/// `dir/name.pem`.
pub(crate) fn self_signed(dir: &Path, name: &str, days: u32) -> (PathBuf, PathBuf) {
    let (key, cert) = (
        dir.join(format!("{name}.key")),
        dir.join(format!("{name}.pem")),
    );
    let made = Command::new("openssl")
        .args(["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-subj"])
        .arg(format!("/CN={name}"))
        .args(["-days", &days.to_string(), "-keyout"])
        .arg(&key)
        .arg("-out")
        .arg(&cert)
        .stderr(Stdio::null())
        .status()
        .expect("openssl runs");
    assert!(made.success());
    (key, cert)
}

/// Wait (10 s at most) until something accepts connections on the loopback `port`.
pub(crate) fn until_listening(port: u16) {
    let deadline = Instant::now() + Duration::from_secs(10);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(Instant::now() < deadline, "nothing listens on {port}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

impl TlsServer {
    fn start(dir: &Path, name: &str, days: u32) -> TlsServer {
        let (key, cert) = self_signed(dir, name, days);
        let port = free_port();
        let child = Command::new("openssl")
            .args(["s_server", "-quiet", "-accept"])
            .arg(format!("127.0.0.1:{port}"))
            .arg("-cert")
            .arg(&cert)
            .arg("-key")
            .arg(&key)
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("openssl s_server starts");
        until_listening(port);
        TlsServer { port, child }
    }
}

impl Drop for TlsServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[test]
fn cert_check_reads_served_certificates_and_alerts_under_the_threshold() {
    let e = env();
    let (soon, later) = (
        TlsServer::start(&e.dir, "soon", 10),
        TlsServer::start(&e.dir, "later", 400),
    );
    let closed = free_port();
    stdlib_flow(&e, "cert/check");
    let (r, _) = run_json(
        &e,
        &format!(
            "[./check: targets=['127.0.0.1:{}', '127.0.0.1:{}', '127.0.0.1:{closed}'], threshold_days=30]\n\
             -> [r = $RESULT, ch = /system/channels/Alert]\n\
             -> print(json_dump({{result=r, queued=ch.message_count, event=ch.pop_message()}}))",
            soon.port, later.port
        ),
    );
    let (s, l) = (
        format!("127.0.0.1:{}", soon.port),
        format!("127.0.0.1:{}", later.port),
    );
    let result = &r["result"];
    // Made a moment ago for 10 and 400 days: 9 and 399 whole days are left.
    assert_eq!(result["certificates"][&s]["days"], 9, "{r}");
    assert_eq!(result["certificates"][&l]["days"], 399, "{r}");
    assert_eq!(result["expiring"], serde_json::json!([s]));
    assert_eq!(
        result["unreadable"][0]["target"],
        format!("127.0.0.1:{closed}")
    );
    assert_eq!(r["queued"], 1);
    assert_eq!(r["event"]["event"], "cert_expiry");
    assert_eq!(r["event"]["target"], s);
    assert_eq!(r["event"]["days"], 9);
    // openssl run on a node (the shared sshd), into a channel of the test's own.
    nodes(&e);
    obj_set(&e, &["/certs", "--type", "Channel"]);
    let pem = e.dir.join("soon.pem").display().to_string();
    let (r, _) = run_json(
        &e,
        &format!(
            "[./check: targets=['127.0.0.1:{}'], files=['{pem}'], threshold_days=500, channel=/certs, node=/nodes/n1]\n\
             -> print(json_dump({{r=$RESULT, first=/certs.pop_message(), second=/certs.pop_message()}}))",
            later.port
        ),
    );
    // Files are read first, then the served certificates.
    assert_eq!(r["r"]["expiring"], serde_json::json!([pem, l]));
    assert_eq!(r["first"]["days"], 9);
    assert_eq!(r["second"]["days"], 399);
}

/// Removes the account `name` when dropped, if a step of the test left it behind.
struct Account(String);

impl Drop for Account {
    fn drop(&mut self) {
        let there = Command::new("id").arg(&self.0).output().expect("id");
        if there.status.success() {
            let _ = Command::new("userdel").args(["-r", &self.0]).status();
        }
    }
}

#[test]
fn user_add_then_remove_an_account_the_test_names() {
    let e = env();
    nodes(&e);
    stdlib_flow(&e, "user/add");
    stdlib_flow(&e, "user/remove");
    let account = Account(format!("jfcsf{}", std::process::id() % 100_000));
    let name = &account.0;
    let key = std::fs::read_to_string(format!("{}.pub", sshd().key())).expect("public key");
    let key = key.trim();
    let flow = format!(
        "[./add: name='{name}', keys=['{key}'], node=/nodes/n1, approve=false] -> [a = $RESULT]\n\
         -> [./add: name='{name}', keys=['{key}'], node=/nodes/n1, approve=false] -> [again = $RESULT]\n\
         -> print(json_dump({{added=a, again=again}}))"
    );
    let (r, _) = run_json(&e, &flow);
    assert_eq!(r["added"]["created"], true, "{r}");
    assert_eq!(r["added"]["keys_added"], 1);
    assert_eq!(
        r["again"]["changed"], false,
        "the second run changes nothing"
    );
    let home = r["added"]["home"].as_str().expect("home").to_string();
    let auth = format!("{home}/.ssh/authorized_keys");
    assert_eq!(std::fs::read_to_string(&auth).expect("keys").trim(), key);
    let mode = |p: &str| {
        std::os::unix::fs::PermissionsExt::mode(&std::fs::metadata(p).expect("there").permissions())
            & 0o777
    };
    assert_eq!(mode(&format!("{home}/.ssh")), 0o700);
    assert_eq!(mode(&auth), 0o600);
    // Remove it, its home archived into the test's directory.
    let backups = e.dir.join("backups");
    let (r, _) = run_json(
        &e,
        &format!(
            "[./remove: name='{name}', node=/nodes/n1, backup_dir='{}', approve=false]\n\
             -> print(json_dump($RESULT))",
            backups.display()
        ),
    );
    assert_eq!(r["removed"], true, "{r}");
    let backup = r["backup"].as_str().expect("backup").to_string();
    assert!(Path::new(&backup).is_file(), "{backup}");
    assert!(!Command::new("id")
        .arg(name)
        .output()
        .expect("id")
        .status
        .success());
    assert!(!Path::new(&home).exists());
    // A system account is refused, whatever the approval.
    e.flow(
        "f.jf",
        "[./remove: name='daemon', node=/nodes/n1, approve=false]",
    );
    let o = e.jfc(&["run", "f.jf"]);
    assert!(!o.status.success());
    assert!(
        format!("{}{}", out(&o), err(&o))
            .contains("daemon has uid 1: a system account is never removed"),
        "{}",
        err(&o)
    );
}
