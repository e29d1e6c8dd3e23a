//! `jfc serve` over real HTTP: this binary starts one daemon on a free loopback port with
//! a store of its own, and its tests post events to it with ureq, curl-like, and with
//! `jfc send`; flows run with `jfc run` on the same store read what arrived.

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Output, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

mod common;

use common::daemon::{agent, free_port, jfc, json_answer, start, start_shared, token};
use common::{err, out};

/// The shared daemon: its base URL, its store, and tokens of each kind.
struct Daemon {
    url: String,
    store: PathBuf,
    send: String,
    read: String,
    /// Bodies larger than this are refused.
    max_body: usize,
    _dir: tempfile::TempDir,
}

fn daemon() -> &'static Daemon {
    static DAEMON: OnceLock<Daemon> = OnceLock::new();
    DAEMON.get_or_init(|| {
        let dir = tempfile::tempdir().expect("temp dir");
        let store = dir.path().join("store.sqlite");
        let (send, read) = (
            token(&store, "sender", "send"),
            token(&store, "reader", "read"),
        );
        let made = jfc(&store, &["obj", "set", "/channels", "--type", "Directory"]);
        assert!(made.status.success(), "{}", err(&made));
        let max_body = 4096;
        let url = start_shared(&store, &["--max-body", &max_body.to_string()]);
        Daemon {
            url,
            store,
            send,
            read,
            max_body,
            _dir: dir,
        }
    })
}

/// A new Channel of the shared store, for one test alone.
fn channel(name: &str) -> String {
    let path = format!("/channels/{name}");
    let o = jfc(&daemon().store, &["obj", "set", &path, "--type", "Channel"]);
    assert!(o.status.success(), "{}", err(&o));
    path
}

/// POST `body` as `content_type` to the messages of `channel` with `token`: the status
/// and the JSON answer.
fn post(
    channel: &str,
    token: Option<&str>,
    content_type: &str,
    body: &[u8],
    key: Option<&str>,
) -> (u16, serde_json::Value) {
    let url = format!("{}/api/v1/channels{channel}/messages", daemon().url);
    let mut req = agent().post(&url).header("Content-Type", content_type);
    if let Some(t) = token {
        req = req.header("Authorization", &format!("Bearer {t}"));
    }
    if let Some(k) = key {
        req = req.header("Idempotency-Key", k);
    }
    json_answer(req.send(body).expect("the daemon answers"))
}

/// What a flow prints of every message queued on `channel` (and its type).
fn drain(channel: &str) -> String {
    let dir = tempfile::tempdir().expect("dir");
    let flow = dir.path().join("drain.jf");
    std::fs::write(
        &flow,
        format!(
            "[ch = {channel}] -> {{ while ch.message_count > 0 | <ch> -> print(type($RESULT), $RESULT) }}"
        ),
    )
    .expect("flow");
    let o = jfc(&daemon().store, &["run", &flow.display().to_string()]);
    assert!(o.status.success(), "{}", err(&o));
    out(&o)
}

#[test]
fn an_event_needs_a_token_with_the_send_scope() {
    let d = daemon();
    let ch = channel("auth");
    let (status, body) = post(&ch, None, "text/plain", b"x", None);
    assert_eq!(status, 401, "{body}");
    assert_eq!(body["error"]["code"], "unauthorized");
    let (status, _) = post(&ch, Some("jfc_0123"), "text/plain", b"x", None);
    assert_eq!(status, 401);
    let (status, body) = post(&ch, Some(&d.read), "text/plain", b"x", None);
    assert_eq!(status, 403, "{body}");
    assert!(body["error"]["message"]
        .as_str()
        .unwrap_or_default()
        .contains("not send"));
    assert_eq!(drain(&ch), "", "a refused event was queued");
    let (status, body) = post(&ch, Some(&d.send), "text/plain", b"ok", None);
    assert_eq!(status, 202, "{body}");
    assert_eq!(body["channel"], ch.as_str());
    assert_eq!(drain(&ch), "String ok\n");
}

#[test]
fn a_removed_or_expired_token_stops_working() {
    let d = daemon();
    let ch = channel("revoked");
    let secret = token(&d.store, "short-lived", "send");
    assert_eq!(post(&ch, Some(&secret), "text/plain", b"1", None).0, 202);
    let o = jfc(&d.store, &["token", "rm", "short-lived"]);
    assert!(o.status.success(), "{}", err(&o));
    assert_eq!(post(&ch, Some(&secret), "text/plain", b"2", None).0, 401);
    let o = jfc(
        &d.store,
        &[
            "token",
            "create",
            "brief",
            "--scope",
            "send",
            "--expires-in",
            "0",
        ],
    );
    assert!(o.status.success(), "{}", err(&o));
    let (status, answer) = post(&ch, Some(out(&o).trim()), "text/plain", b"3", None);
    assert_eq!(status, 401, "{answer}");
    assert!(
        answer["error"]["message"]
            .as_str()
            .unwrap_or_default()
            .contains("token `brief` expired at"),
        "{answer}"
    );
    assert_eq!(drain(&ch), "String 1\n");
}

#[test]
fn bodies_become_the_messages_a_flow_receives() {
    let d = daemon();
    let ch = channel("bodies");
    let sends: [(&str, &[u8]); 4] = [
        (
            "application/json",
            br#"{"host": "web1", "severity": 4, "tags": ["a", "b"]}"#,
        ),
        (
            "application/x-www-form-urlencoded",
            b"host=web2&note=disk+full",
        ),
        ("text/plain; charset=utf-8", "caf\u{e9} down".as_bytes()),
        ("application/octet-stream", &[0, 159, 146, 150]),
    ];
    for (kind, body) in sends {
        let (status, answer) = post(&ch, Some(&d.send), kind, body, None);
        assert_eq!(status, 202, "{kind}: {answer}");
    }
    assert_eq!(
        drain(&ch),
        "Dictionary {host='web1', severity=4, tags=['a', 'b']}\n\
         Dictionary {host='web2', note='disk full'}\n\
         String caf\u{e9} down\n\
         Binary b'\\x00\\x9f\\x92\\x96'\n"
    );
}

#[test]
fn a_retry_with_the_same_idempotency_key_is_queued_once() {
    let d = daemon();
    let ch = channel("retries");
    let (s1, first) = post(&ch, Some(&d.send), "text/plain", b"once", Some("k-1"));
    let (s2, again) = post(&ch, Some(&d.send), "text/plain", b"once", Some("k-1"));
    let (s3, other) = post(&ch, Some(&d.send), "text/plain", b"twice", Some("k-2"));
    assert_eq!((s1, s2, s3), (202, 202, 202));
    assert_eq!(first["duplicate"], false);
    assert_eq!(again["duplicate"], true);
    assert_eq!(first["message_id"], again["message_id"]);
    assert_ne!(first["message_id"], other["message_id"]);
    assert_eq!(drain(&ch), "String once\nString twice\n");
}

/// A request that must be refused: path, content type, body, idempotency key, and the
/// status and error code expected.
type BadCase<'a> = (&'a str, &'a str, Vec<u8>, Option<&'a str>, u16, &'a str);

#[test]
fn bad_input_gets_a_json_error_naming_the_reason() {
    let d = daemon();
    let ch = channel("bad");
    let token = Some(d.send.as_str());
    let cases: Vec<BadCase> = vec![
        (
            &ch,
            "application/json",
            b"{\"host\":".to_vec(),
            None,
            400,
            "bad_body",
        ),
        (
            &ch,
            "application/json",
            vec![b'"', 0xff, b'"'],
            None,
            400,
            "bad_body",
        ),
        (
            "/channels/none",
            "text/plain",
            b"x".to_vec(),
            None,
            404,
            "unknown_channel",
        ),
        (
            "/channels",
            "text/plain",
            b"x".to_vec(),
            None,
            404,
            "not_a_channel",
        ),
        (
            &ch,
            "text/plain",
            vec![b'x'; d.max_body + 1],
            None,
            413,
            "body_too_large",
        ),
        (
            &ch,
            "text/plain",
            b"x".to_vec(),
            Some(""),
            400,
            "bad_idempotency_key",
        ),
    ];
    for (path, kind, body, key, status, code) in cases {
        let (got, answer) = post(path, token, kind, &body, key);
        assert_eq!(
            (got, answer["error"]["code"].as_str()),
            (status, Some(code)),
            "{answer}"
        );
        assert!(!answer["error"]["message"]
            .as_str()
            .unwrap_or_default()
            .is_empty());
    }
    let mut unknown = agent()
        .get(&format!("{}/api/v1/nothing", d.url))
        .call()
        .expect("answer");
    assert_eq!(unknown.status().as_u16(), 404);
    let text = unknown.body_mut().read_to_string().expect("body");
    assert!(text.contains("\"not_found\""), "{text}");
    assert_eq!(drain(&ch), "", "a refused event was queued");
}

fn send(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_jfc"))
        .arg("send")
        .args(args)
        .env_remove("JFC_TOKEN")
        .env_remove("JFC_SERVER")
        .output()
        .expect("jfc send runs")
}

#[test]
fn jfc_send_reaches_a_flow_waiting_on_the_channel() {
    let d = daemon();
    let ch = channel("waiting");
    let dir = tempfile::tempdir().expect("dir");
    let flow = dir.path().join("wait.jf");
    std::fs::write(
        &flow,
        format!("<{ch} : timeout=30> -> print('got', $RESULT.host, $RESULT.severity)"),
    )
    .expect("flow");
    let waiting = Command::new(env!("CARGO_BIN_EXE_jfc"))
        .arg("--store")
        .arg(&d.store)
        .arg("run")
        .arg(&flow)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the flow starts");
    // The flow is waiting once the channel counts it.
    let deadline = Instant::now() + Duration::from_secs(20);
    let count = format!("print({ch}.event_count)");
    let probe = dir.path().join("probe.jf");
    std::fs::write(&probe, count).expect("probe");
    while out(&jfc(&d.store, &["run", &probe.display().to_string()])).trim() != "1" {
        assert!(Instant::now() < deadline, "the flow never waited on {ch}");
        std::thread::sleep(Duration::from_millis(50));
    }
    let token_file = dir.path().join("token");
    std::fs::write(&token_file, format!("{}\n", d.send)).expect("token file");
    let token_path = token_file.display().to_string();
    let o = send(&[
        "--server",
        &d.url,
        "--token-file",
        &token_path,
        "--channel",
        &ch,
        "host=web1",
        "severity=4",
    ]);
    assert!(o.status.success(), "{}", err(&o));
    let done = waiting.wait_with_output().expect("the flow ends");
    assert!(done.status.success(), "{}", err(&done));
    assert_eq!(out(&done), "got web1 4\n");
}

#[test]
fn jfc_send_reads_stdin_and_says_how_it_failed_by_its_status() {
    let d = daemon();
    let ch = channel("statuses");
    let mut piped = Command::new(env!("CARGO_BIN_EXE_jfc"))
        .args([
            "send",
            "--json",
            "--server",
            &d.url,
            "--token",
            &d.send,
            "--channel",
            &ch,
        ])
        .stdin(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("jfc send");
    std::io::Write::write_all(piped.stdin.as_mut().expect("stdin"), b"[1, {\"a\": null}]")
        .expect("written");
    let o = piped.wait_with_output().expect("ends");
    assert!(o.status.success(), "{}", err(&o));
    assert_eq!(drain(&ch), "Array [1, {a=null}]\n");
    let server = d.url.as_str();
    let refused = send(&[
        "--server",
        server,
        "--token",
        &d.send,
        "--channel",
        "/channels/none",
        "a=1",
    ]);
    assert_eq!(refused.status.code(), Some(3), "{}", err(&refused));
    assert!(
        err(&refused).contains("there is no object at /channels/none"),
        "{}",
        err(&refused)
    );
    let bad_token = send(&[
        "--server",
        server,
        "--token",
        "jfc_00",
        "--channel",
        &ch,
        "a=1",
    ]);
    assert_eq!(bad_token.status.code(), Some(3), "{}", err(&bad_token));
    let down = format!("http://127.0.0.1:{}", free_port());
    let unreachable = send(&[
        "--server",
        &down,
        "--token",
        "t",
        "--max-retry",
        "2",
        "--retry-interval",
        "0.05",
        "a=1",
    ]);
    assert_eq!(unreachable.status.code(), Some(1), "{}", err(&unreachable));
    assert!(
        err(&unreachable).contains("after 3 attempts"),
        "{}",
        err(&unreachable)
    );
    let usage = send(&["--server", server, "--token", &d.send, "no-equals-sign"]);
    assert_eq!(usage.status.code(), Some(2), "{}", err(&usage));
    assert_eq!(send(&["--no-such-option"]).status.code(), Some(2));
}

#[test]
fn a_public_address_without_tls_is_refused() {
    let dir = tempfile::tempdir().expect("dir");
    let o = jfc(
        &dir.path().join("s.db"),
        &["serve", "--listen", "0.0.0.0:0"],
    );
    assert_eq!(o.status.code(), Some(64), "{}", err(&o));
    assert!(err(&o).contains("--insecure-http"), "{}", err(&o));
}

#[test]
fn sigterm_stops_the_daemon_and_it_exits_cleanly() {
    let dir = tempfile::tempdir().expect("dir");
    let store = dir.path().join("s.db");
    let (mut child, url) = start(&store, &[]);
    let mut health = agent()
        .get(&format!("{url}/api/v1/health"))
        .call()
        .expect("health");
    assert_eq!(health.status().as_u16(), 200);
    assert!(health
        .body_mut()
        .read_to_string()
        .expect("body")
        .contains("ok"));
    let pid = rustix::process::Pid::from_raw(child.id() as i32).expect("pid");
    rustix::process::kill_process(pid, rustix::process::Signal::TERM).expect("signal");
    let deadline = Instant::now() + Duration::from_secs(10);
    let status = loop {
        if let Some(s) = child.try_wait().expect("wait") {
            break s;
        }
        assert!(
            Instant::now() < deadline,
            "jfc serve did not stop on SIGTERM"
        );
        std::thread::sleep(Duration::from_millis(20));
    };
    assert!(status.success(), "{status}");
}

#[test]
fn tokens_are_listed_without_their_secrets_and_removed_by_name() {
    let dir = tempfile::tempdir().expect("dir");
    let store = dir.path().join("s.db");
    let o = jfc(
        &store,
        &[
            "token", "create", "ci", "--scope", "run", "--scope", "read", "--json",
        ],
    );
    assert!(o.status.success(), "{}", err(&o));
    let made: serde_json::Value = serde_json::from_str(&out(&o)).expect("json");
    let secret = made["token"].as_str().expect("token").to_string();
    let o = jfc(&store, &["token", "ls", "--json"]);
    let listed: serde_json::Value = serde_json::from_str(&out(&o)).expect("json");
    assert_eq!(listed[0]["name"], "ci");
    assert_eq!(listed[0]["scopes"], serde_json::json!(["run", "read"]));
    assert!(!out(&o).contains(&secret));
    let twice = jfc(&store, &["token", "create", "ci"]);
    assert_eq!(twice.status.code(), Some(1));
    assert!(err(&twice).contains("exists already"), "{}", err(&twice));
    // A dry run names the token and keeps it; the removal names it too.
    let dry = jfc(&store, &["token", "rm", "--dry-run", "ci"]);
    assert!(dry.status.success(), "{}", err(&dry));
    assert_eq!(out(&dry), "would delete token ci (scopes run,read)\n");
    let o = jfc(&store, &["token", "ls", "--json"]);
    assert!(
        out(&o).contains("\"ci\""),
        "kept by the dry run: {}",
        out(&o)
    );
    let rm = jfc(&store, &["token", "rm", "ci"]);
    assert!(rm.status.success(), "{}", err(&rm));
    assert_eq!(out(&rm), "deleted token ci (scopes run,read)\n");
    let gone = jfc(&store, &["token", "rm", "ci"]);
    assert_eq!(gone.status.code(), Some(66), "{}", err(&gone));
    assert!(err(&gone).contains("no token named `ci`"), "{}", err(&gone));
}

/// What one sender of the crash test had acknowledged, and what it gave up on.
#[derive(Default)]
struct Sent {
    acked: Vec<String>,
}

/// Post `text` with itself as the idempotency key until the daemon acknowledges it or
/// `stop` is set: whether it was acknowledged.
fn post_until_acked(
    url: &str,
    token: &str,
    text: &str,
    stop: &std::sync::atomic::AtomicBool,
) -> bool {
    let agent = agent();
    while !stop.load(std::sync::atomic::Ordering::Relaxed) {
        let sent = agent
            .post(url)
            .header("Authorization", &format!("Bearer {token}"))
            .header("Content-Type", "text/plain")
            .header("Idempotency-Key", text)
            .send(text.as_bytes());
        if let Ok(answer) = sent {
            if answer.status().as_u16() == 202 {
                return true;
            }
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    false
}

#[test]
fn every_acknowledged_event_survives_sigkill_exactly_once() {
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::sync::Arc;
    let dir = tempfile::tempdir().expect("dir");
    let store = dir.path().join("s.db");
    let secret = token(&store, "crash", "send");
    let (mut moments, seed) = common::Moments::new();
    eprintln!("crash test seed {seed} (JFC_CRASH_SEED={seed} repeats it)");
    let (mut child, url) = start(&store, &[]);
    let listen = url.trim_start_matches("http://").to_string();
    let messages = format!("{url}/api/v1/channels/system/channels/Alert/messages");
    let stop = Arc::new(AtomicBool::new(false));
    let senders: Vec<_> = (0..8)
        .map(|i| {
            let (messages, secret, stop) = (messages.clone(), secret.clone(), stop.clone());
            std::thread::spawn(move || {
                let mut sent = Sent::default();
                for n in 0.. {
                    let text = format!("s{i}-{n}");
                    if !post_until_acked(&messages, &secret, &text, &stop) {
                        break;
                    }
                    sent.acked.push(text);
                }
                sent
            })
        })
        .collect();
    for _ in 0..20 {
        std::thread::sleep(moments.between(50, 300));
        child.kill().expect("SIGKILL");
        let _ = child.wait();
        child = restart(&store, &listen);
    }
    stop.store(true, Ordering::Relaxed);
    let acked: Vec<String> = senders
        .into_iter()
        .flat_map(|s| s.join().expect("sender").acked)
        .collect();
    child.kill().expect("stopped");
    let _ = child.wait();
    let flow = dir.path().join("all.jf");
    std::fs::write(
        &flow,
        "[ch = /system/channels/Alert] -> { while ch.message_count > 0 | <ch> -> print($RESULT) }",
    )
    .expect("flow");
    let o = jfc(&store, &["run", &flow.display().to_string()]);
    assert!(o.status.success(), "{}", err(&o));
    let mut seen = std::collections::HashMap::new();
    for line in out(&o).lines() {
        *seen.entry(line.to_string()).or_insert(0) += 1;
    }
    eprintln!(
        "{} events acknowledged, {} queued, across 20 kills",
        acked.len(),
        seen.len()
    );
    assert!(
        acked.len() > 100,
        "only {} events acknowledged",
        acked.len()
    );
    for text in &acked {
        assert_eq!(
            seen.get(text),
            Some(&1),
            "acknowledged {text} is there {:?} times",
            seen.get(text)
        );
    }
    assert!(seen.values().all(|&n| n == 1), "a message is queued twice");
}

/// Start `jfc serve` again on `listen` (the address the senders use).
fn restart(store: &std::path::Path, listen: &str) -> Child {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let mut child = Command::new(env!("CARGO_BIN_EXE_jfc"))
            .arg("--store")
            .arg(store)
            .args(["serve", "--listen", listen])
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("jfc serve starts");
        let mut lines = BufReader::new(child.stderr.take().expect("stderr")).lines();
        let first = lines.next().and_then(Result::ok).unwrap_or_default();
        if first.contains("listening on") {
            std::thread::spawn(move || lines.for_each(drop));
            return child;
        }
        let _ = child.wait();
        assert!(
            Instant::now() < deadline,
            "jfc serve does not start again: {first}"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// POST the JSON `body` to the receiver at `path` with the send token.
fn post_receiver(path: &str, body: &[u8], key: Option<&str>) -> (u16, serde_json::Value) {
    let url = format!("{}{path}", daemon().url);
    let mut req = agent()
        .post(&url)
        .header("Content-Type", "application/json")
        .header("Authorization", &format!("Bearer {}", daemon().send));
    if let Some(k) = key {
        req = req.header("Idempotency-Key", k);
    }
    json_answer(req.send(body).expect("the daemon answers"))
}

#[test]
fn the_alertmanager_receiver_queues_one_message_per_alert() {
    let ch = channel("alertmanager");
    let payload = std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/serve/alertmanager.json"
    ))
    .expect("tests/serve/alertmanager.json, a notification in Alertmanager's webhook format");
    let path = format!("/api/v1/receivers/alertmanager{ch}");
    let (status, answer) = post_receiver(&path, &payload, Some("notification-1"));
    assert_eq!(status, 202, "{answer}");
    assert_eq!(
        answer["message_ids"].as_array().map(Vec::len),
        Some(3),
        "{answer}"
    );
    let (status, again) = post_receiver(&path, &payload, Some("notification-1"));
    assert_eq!(
        (status, &again["duplicate"]),
        (202, &serde_json::json!(true))
    );
    assert_eq!(again["message_ids"], answer["message_ids"]);
    let dir = tempfile::tempdir().expect("dir");
    let flow = dir.path().join("alerts.jf");
    std::fs::write(
        &flow,
        format!(
            "[ch = {ch}] -> {{ while ch.message_count > 0 | <ch> -> [a = $RESULT] -> \
             print(a.status, a.labels.instance, a.labels.mountpoint, a.annotations.summary, a.fingerprint, a.receiver) }}"
        ),
    )
    .expect("flow");
    let o = jfc(&daemon().store, &["run", &flow.display().to_string()]);
    assert!(o.status.success(), "{}", err(&o));
    assert_eq!(
        out(&o),
        "firing web1:9100 /var /var on web1 is 97% full 5a0f3c1d9e7b2a64 jfc\n\
         firing web2:9100 / / on web2 is 95% full b81e44c07d3f9a12 jfc\n\
         resolved db1:9100 /srv /srv on db1 is 96% full 0c9d2e5f6a7b8c31 jfc\n"
    );
    let (status, bad) = post_receiver(&path, br#"{"version": "4"}"#, None);
    assert_eq!(status, 400, "{bad}");
    assert!(bad["error"]["message"]
        .as_str()
        .unwrap_or_default()
        .contains("no `alerts` array"));
    assert_eq!(drain(&ch), "", "a refused notification was queued");
}

/// A CA, and a certificate for 127.0.0.1 that it signed with its key, made with openssl
/// in `dir`: (CA certificate, server certificate, server key).
fn certificates(dir: &std::path::Path) -> (PathBuf, PathBuf, PathBuf) {
    let p = |name: &str| dir.join(name).display().to_string();
    let openssl = |args: &[&str]| {
        let made = Command::new("openssl")
            .args(args)
            .output()
            .expect("openssl runs (test.sh installs it)");
        assert!(made.status.success(), "openssl {args:?}: {}", err(&made));
    };
    let ec = [
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:prime256v1",
        "-nodes",
    ];
    let ca = [
        &["req", "-x509"][..],
        &ec,
        &["-days", "1", "-subj", "/CN=jfc test CA"],
    ]
    .concat();
    openssl(&[&ca[..], &["-keyout", &p("ca.key"), "-out", &p("ca.pem")]].concat());
    let csr = [&["req"][..], &ec, &["-subj", "/CN=127.0.0.1"]].concat();
    openssl(
        &[
            &csr[..],
            &["-keyout", &p("key.pem"), "-out", &p("server.csr")],
        ]
        .concat(),
    );
    std::fs::write(
        dir.join("ext.cnf"),
        "subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n",
    )
    .expect("extensions");
    openssl(&[
        "x509",
        "-req",
        "-in",
        &p("server.csr"),
        "-CA",
        &p("ca.pem"),
        "-CAkey",
        &p("ca.key"),
        "-CAcreateserial",
        "-days",
        "1",
        "-extfile",
        &p("ext.cnf"),
        "-out",
        &p("cert.pem"),
    ]);
    (
        dir.join("ca.pem"),
        dir.join("cert.pem"),
        dir.join("key.pem"),
    )
}

#[test]
fn over_https_a_token_travels_encrypted_and_plain_http_is_not_answered() {
    let dir = tempfile::tempdir().expect("dir");
    let store = dir.path().join("s.db");
    let secret = token(&store, "tls", "send");
    let (ca, cert, key) = certificates(dir.path());
    let (cert_s, key_s) = (cert.display().to_string(), key.display().to_string());
    let ca_s = ca.display().to_string();
    let (mut child, url) = start(&store, &["--tls-cert", &cert_s, "--tls-key", &key_s]);
    let https = url.replace("http://", "https://");
    let send = |server: &str, extra: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_jfc"))
            .args([
                "send",
                "--server",
                server,
                "--token",
                &secret,
                "--max-retry",
                "0",
            ])
            .args(extra)
            .arg("via=tls")
            .env_remove("JFC_TOKEN")
            .env_remove("JFC_SERVER")
            .output()
            .expect("jfc send")
    };
    let sent = send(&https, &["--cacert", &ca_s]);
    assert!(sent.status.success(), "{}", err(&sent));
    // Without the certificate trusted, the client refuses the daemon; plain HTTP gets no
    // answer from a TLS port.
    let untrusted = send(&https, &[]);
    assert_eq!(untrusted.status.code(), Some(1), "{}", err(&untrusted));
    let plain = send(&url, &[]);
    assert_eq!(plain.status.code(), Some(1), "{}", err(&plain));
    child.kill().expect("stopped");
    let _ = child.wait();
    let flow = dir.path().join("read.jf");
    std::fs::write(
        &flow,
        "[ch = /system/channels/Alert] -> print(ch.message_count) -> <ch> -> print($RESULT.via)",
    )
    .expect("flow");
    let o = jfc(&store, &["run", &flow.display().to_string()]);
    assert_eq!(out(&o), "1\ntls\n", "{}", err(&o));
    // TLS makes a public address acceptable; a missing key file is a usage error.
    let public = jfc(
        &store,
        &[
            "serve",
            "--listen",
            "0.0.0.0:0",
            "--tls-cert",
            &cert_s,
            "--tls-key",
            "/nonexistent.pem",
        ],
    );
    assert_eq!(public.status.code(), Some(64), "{}", err(&public));
    assert!(
        err(&public).contains("cannot use --tls-cert"),
        "{}",
        err(&public)
    );
}

#[test]
fn the_json_receiver_splits_a_webhook_at_each() {
    let ch = channel("grafana");
    let payload = std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/serve/grafana.json"
    ))
    .expect("tests/serve/grafana.json, a notification in Grafana's webhook format");
    let (status, answer) = post_receiver(
        &format!("/api/v1/receivers/json{ch}?each=alerts"),
        &payload,
        None,
    );
    assert_eq!(status, 202, "{answer}");
    let nested = br#"{"data": {"items": [{"n": 1}, {"n": 2}, {"n": 3}]}}"#;
    let (status, _) = post_receiver(
        &format!("/api/v1/receivers/json{ch}?each=data.items"),
        nested,
        None,
    );
    assert_eq!(status, 202);
    let (status, _) = post_receiver(
        &format!("/api/v1/receivers/json{ch}"),
        br#"{"whole": true}"#,
        None,
    );
    assert_eq!(status, 202);
    let dir = tempfile::tempdir().expect("dir");
    let flow = dir.path().join("read.jf");
    std::fs::write(
        &flow,
        format!(
            "[ch = {ch}] -> <ch> -> print($RESULT.labels.service, $RESULT.values.B) -> \
             <ch> -> print($RESULT.labels.service, $RESULT.annotations.summary) -> \
             {{ while ch.message_count > 0 | <ch> -> print($RESULT) }}"
        ),
    )
    .expect("flow");
    let o = jfc(&daemon().store, &["run", &flow.display().to_string()]);
    assert_eq!(
        out(&o),
        "checkout 2.31\nsearch p99 latency above 2s on search\n{n=1}\n{n=2}\n{n=3}\n{whole=true}\n",
        "{}",
        err(&o)
    );
    for each in ["nothing.here", "title"] {
        let (status, bad) = post_receiver(
            &format!("/api/v1/receivers/json{ch}?each={each}"),
            &payload,
            None,
        );
        assert_eq!(status, 400, "{bad}");
        assert!(
            bad["error"]["message"]
                .as_str()
                .unwrap_or_default()
                .contains(each),
            "{bad}"
        );
    }
    assert_eq!(drain(&ch), "", "a refused webhook was queued");
}

#[test]
fn the_zabbix_recipe_posts_a_problem_and_its_recovery_once_each() {
    // The body the README's Zabbix media type script sends: its parameters (macros
    // expanded by Zabbix) without the token, keyed by event id and value.
    let ch = channel("zabbix");
    let url = format!("/api/v1/channels{ch}/messages");
    let event = |value: &str, subject: &str| {
        serde_json::json!({
            "event_id": "4071", "event_value": value, "host": "web1",
            "severity": "High", "subject": subject, "trigger_id": "23654",
            "message": "Free disk space is less than 5% on volume /var",
        })
        .to_string()
    };
    let problem = event("1", "Problem: /var: Disk space is critically low");
    let resolved = event("0", "Resolved: /var: Disk space is critically low");
    for (body, key) in [
        (&problem, "zabbix-4071-1"),
        (&problem, "zabbix-4071-1"),
        (&resolved, "zabbix-4071-0"),
    ] {
        let (status, answer) = post_receiver(&url, body.as_bytes(), Some(key));
        assert_eq!(status, 202, "{answer}");
    }
    let dir = tempfile::tempdir().expect("dir");
    let flow = dir.path().join("read.jf");
    std::fs::write(
        &flow,
        format!("[ch = {ch}] -> {{ while ch.message_count > 0 | <ch> -> print($RESULT.event_value, $RESULT.host, $RESULT.subject) }}"),
    )
    .expect("flow");
    let o = jfc(&daemon().store, &["run", &flow.display().to_string()]);
    assert_eq!(
        out(&o),
        "1 web1 Problem: /var: Disk space is critically low\n0 web1 Resolved: /var: Disk space is critically low\n",
        "{}",
        err(&o)
    );
}

/// GET `path` of the shared daemon with `token`: the status and the JSON answer.
fn get_json(path: &str, token: Option<&str>) -> (u16, serde_json::Value) {
    let mut req = agent().get(&format!("{}{path}", daemon().url));
    if let Some(t) = token {
        req = req.header("Authorization", &format!("Bearer {t}"));
    }
    json_answer(req.call().expect("the daemon answers"))
}

#[test]
fn process_records_are_read_over_the_api_with_the_read_scope() {
    let d = daemon();
    let dir = tempfile::tempdir().expect("dir");
    let flow = dir.path().join("api_visible.jf");
    std::fs::write(&flow, "print('seen over the API') -> exit(3)").expect("flow");
    let o = jfc(&d.store, &["run", &flow.display().to_string()]);
    assert_eq!(o.status.code(), Some(3), "{}", err(&o));
    let job = flow.display().to_string();
    let query = format!(
        "/api/v1/processes?job={}&status=done",
        job.replace('/', "%2F")
    );
    let (status, list) = get_json(&query, Some(&d.read));
    assert_eq!(status, 200, "{list}");
    assert_eq!(list["count"], 1, "{list}");
    let row = &list["results"][0];
    assert_eq!(
        (&row["job"], &row["exit_status"]),
        (&serde_json::json!(job), &serde_json::json!(3))
    );
    assert!(
        row.get("console").is_none(),
        "a list leaves consoles out: {row}"
    );
    let pid = row["pid"].as_i64().expect("pid");
    let (status, one) = get_json(&format!("/api/v1/processes/id_{pid}"), Some(&d.read));
    assert_eq!(status, 200, "{one}");
    assert_eq!(one["console"], "seen over the API\n");
    assert_eq!(one["abspath"], format!("/process/id_{pid}"));
    assert_eq!(
        get_json(&query, Some(&d.send)).0,
        403,
        "the send scope reads nothing"
    );
    assert_eq!(get_json(&query, None).0, 401);
    let (status, missing) = get_json("/api/v1/processes/999999", Some(&d.read));
    assert_eq!(
        (status, &missing["error"]["code"]),
        (404, &serde_json::json!("unknown_process"))
    );
    assert_eq!(get_json("/api/v1/processes/x7", Some(&d.read)).0, 404);
}

#[test]
fn objects_are_read_over_the_api_with_passwords_masked() {
    let d = daemon();
    let made = jfc(
        &d.store,
        &[
            "obj",
            "set",
            "/channels/api_account",
            "--type",
            "AccountInfo",
            "user=deploy",
            "password=planted-secret-42",
        ],
    );
    assert!(made.status.success(), "{}", err(&made));
    let (status, account) = get_json("/api/v1/objects/channels/api_account", Some(&d.read));
    assert_eq!(status, 200, "{account}");
    assert_eq!(account["abspath"], "/channels/api_account");
    assert_eq!(account["fields"]["user"], "deploy");
    assert_eq!(account["fields"]["password"], "********");
    assert!(
        !account.to_string().contains("planted-secret-42"),
        "{account}"
    );
    let (status, root) = get_json("/api/v1/objects", Some(&d.read));
    assert_eq!(status, 200, "{root}");
    let children = root["children"].as_array().expect("the root has children");
    assert!(children.contains(&serde_json::json!("/system")), "{root}");
    let (status, missing) = get_json("/api/v1/objects/no/such", Some(&d.read));
    assert_eq!(
        (status, &missing["error"]["code"]),
        (404, &serde_json::json!("unknown_object"))
    );
    assert_eq!(get_json("/api/v1/objects/system", Some(&d.send)).0, 403);
}
