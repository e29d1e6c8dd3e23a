//! `urlopen` and `mailto` (library.md §1.8) through the built binary, against real
//! servers on loopback ports: an HTTP server of this test binary (tests/net/
//! http_server.rs) that reports what each request carried, `openssl s_server` with a
//! self-signed certificate, and Python's aiosmtpd keeping what it receives in a
//! maildir.

#[path = "net/http_server.rs"]
mod http_server;
#[path = "common/smtp.rs"]
#[allow(dead_code)] // body() is for the tests of /lib flows
mod smtp;

use smtp::{mails, smtp_server};

use std::path::Path;
use std::process::{Child, Command, Output, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

/// The port of the HTTP server, started by the first test that needs it.
fn http() -> u16 {
    static PORT: OnceLock<u16> = OnceLock::new();
    *PORT.get_or_init(http_server::start)
}

/// A scratch directory, removed when the test ends.
fn scratch(name: &str) -> tempfile::TempDir {
    tempfile::Builder::new()
        .prefix(&format!("jfc-net-{name}-"))
        .tempdir()
        .expect("temp dir")
}

/// `jfc run` of `flow` (with `PORT` replaced by the HTTP server's port) in `dir`, with
/// the store `store` when given.
fn run_in(dir: &Path, store: Option<&Path>, flow: &str) -> Output {
    let file = dir.join("flow.jf");
    std::fs::write(&file, flow.replace("PORT", &http().to_string())).expect("write flow");
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_jfc"));
    if let Some(s) = store {
        cmd.arg("--store").arg(s);
    }
    cmd.arg("run")
        .arg(&file)
        .current_dir(dir)
        .env_remove("JFC_STORE")
        .env_remove("JFC_LOG")
        .output()
        .expect("jfc runs")
}

/// Run `flow` without a store; it must end with status 0: its stdout.
fn run(flow: &str) -> String {
    let dir = scratch("run");
    let o = run_in(dir.path(), None, flow);
    assert_eq!(
        o.status.code(),
        Some(0),
        "stdout: {}\nstderr: {}",
        out(&o),
        err(&o)
    );
    out(&o)
}

fn out(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn err(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[test]
fn get_carries_params_headers_cookies_and_basic_auth() {
    let got = run(
        "urlopen('http://127.0.0.1:PORT/echo', params={a='1', b='x y'}, headers={'X-Token': 't1'},\n\
         cookies={s='v', t='w'}, user='alice', password='secret', timeout=10) ->\n\
         [r = $RESULT] -> [e = json_parse(r.text)] ->\n\
         print($STATUS, r.code, r.version, r.binary, r.encoding, r.headers['Content-Type'], r.url) ->\n\
         print(e.method, e.path, e.query) ->\n\
         print(e.headers['x-token'], e.headers.cookie, e.headers.authorization) ->\n\
         print(r.body == r.text, r.content == r.text.encode(), r.history, r.cookies)",
    );
    let port = http();
    assert_eq!(
        got,
        format!(
            "0 200 11 false null application/json http://127.0.0.1:{port}/echo?a=1&b=x+y\n\
             GET /echo a=1&b=x+y\n\
             t1 s=v; t=w Basic YWxpY2U6c2VjcmV0\n\
             true true [] {{}}\n"
        )
    );
}

#[test]
fn methods_and_bodies() {
    let got = run(
        "urlopen('http://127.0.0.1:PORT/echo', data={name='web 1', n=2}) ->\n\
         [e = json_parse($RESULT.text)] -> print(e.method, e.headers['content-type'], e.body) ->\n\
         urlopen('http://127.0.0.1:PORT/echo', data={name='web1', tags=['a', 'b']}, encode='json', http_method='PUT') ->\n\
         [e = json_parse($RESULT.text)] -> print(e.method, e.headers['content-type'], e.body) ->\n\
         urlopen('http://127.0.0.1:PORT/echo', http_method='DELETE') -> print(json_parse($RESULT.text).method) ->\n\
         urlopen('http://127.0.0.1:PORT/echo', http_method='head') ->\n\
         print($RESULT.code, $RESULT.content, $RESULT.headers['Content-Type']) ->\n\
         urlopen('http://127.0.0.1:PORT/echo', data='raw text', headers={'Content-Type': 'text/plain'}) ->\n\
         [e = json_parse($RESULT.text)] -> print(e.method, e.headers['content-type'], e.body) ->\n\
         urlopen('http://127.0.0.1:PORT/echo', data=b'\\x01\\x02', http_method='PUT') ->\n\
         [e = json_parse($RESULT.text)] -> print(e.method, e.headers['content-length'])",
    );
    assert_eq!(
        got,
        "POST application/x-www-form-urlencoded name=web+1&n=2\n\
         PUT application/json {\"name\": \"web1\", \"tags\": [\"a\", \"b\"]}\n\
         DELETE\n\
         200 b'' application/json\n\
         POST text/plain raw text\n\
         PUT 2\n"
    );
}

#[test]
fn files_go_as_multipart_form_data() {
    let dir = scratch("files");
    std::fs::write(dir.path().join("report.csv"), "a,b\n1,2\n").expect("write");
    let o = run_in(
        dir.path(),
        None,
        "urlopen('http://127.0.0.1:PORT/echo', data={note='hi'},\n\
         files={one={name='a.txt', data='alpha'}, two=['b.txt', b'beta'], three='report.csv'}) ->\n\
         [e = json_parse($RESULT.text)] -> print(e.method) -> print(e.headers['content-type']) -> print(e.body) ->\n\
         urlopen('http://127.0.0.1:PORT/echo', files=[['up', {name='x.txt', data='x1'}], ['up', ['y.txt', 'y2']]]) ->\n\
         print(json_parse($RESULT.text).body)",
    );
    assert_eq!(o.status.code(), Some(0), "{}", err(&o));
    let got = out(&o);
    let mut lines = got.lines();
    assert_eq!(lines.next(), Some("POST"));
    let boundary = lines
        .next()
        .and_then(|l| l.strip_prefix("multipart/form-data; boundary="))
        .unwrap_or_else(|| panic!("no multipart Content-Type in {got}"));
    let part = |name: &str, file: &str, content: &str| {
        format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"; filename=\"{file}\"\r\n\
             Content-Type: application/octet-stream\r\n\r\n{content}\r\n"
        )
    };
    let want = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"note\"\r\n\r\nhi\r\n{}{}{}--{boundary}--\r\n",
        part("one", "a.txt", "alpha"),
        part("two", "b.txt", "beta"),
        part("three", "report.csv", "a,b\n1,2\n"),
    );
    assert!(got.contains(&want), "{got}\nwanted:\n{want}");
    assert!(
        got.contains("filename=\"x.txt\"\r\nContent-Type: application/octet-stream\r\n\r\nx1\r\n"),
        "{got}"
    );
    assert!(got.contains("name=\"up\"; filename=\"y.txt\""), "{got}");
}

#[test]
fn text_binary_and_charsets() {
    let got = run(
        "urlopen('http://127.0.0.1:PORT/binary') -> [r = $RESULT] ->\n\
         print(r.binary, r.body, r.text == '', r.content == r.body, r.headers['Content-Type']) ->\n\
         urlopen('http://127.0.0.1:PORT/untyped') -> print($RESULT.binary, $RESULT.body) ->\n\
         urlopen('http://127.0.0.1:PORT/latin1') -> print($RESULT.text, $RESULT.encoding, $RESULT.binary) ->\n\
         urlopen('http://127.0.0.1:PORT/latin1', charset='utf-8') -> print($RESULT.text, $RESULT.encoding) ->\n\
         urlopen('http://127.0.0.1:PORT/echo', binary=true) -> print($RESULT.binary, $RESULT.text == '', type($RESULT.body))",
    );
    assert_eq!(
        got,
        "true b'\\x89PNG\\x00\\xff' true true image/png\n\
         true b'what am I'\n\
         café ISO-8859-1 false\n\
         caf\u{fffd} utf-8\n\
         true true Binary\n"
    );
}

#[test]
fn http_errors_redirects_and_cookies_are_answers() {
    let got = run(
        "urlopen('http://127.0.0.1:PORT/status/404') -> print($STATUS, $RESULT.code, $RESULT.text) ->\n\
         urlopen('http://127.0.0.1:PORT/status/500') -> print($STATUS, $RESULT.code, $RESULT.text) ->\n\
         urlopen('http://127.0.0.1:PORT/redirect') -> [r = $RESULT] ->\n\
         print(r.code, r.url, json_parse(r.text).query) ->\n\
         print(length(r.history), r.history[0].code, r.history[0].url, r.history[0].headers.Location) ->\n\
         urlopen('http://127.0.0.1:PORT/cookies') -> print($RESULT.cookies)",
    );
    let port = http();
    assert_eq!(
        got,
        format!(
            "0 404 no such page\n\
             0 500 it broke\n\
             200 http://127.0.0.1:{port}/echo?via=redirect via=redirect\n\
             1 302 http://127.0.0.1:{port}/redirect /echo?via=redirect\n\
             {{'session'='abc123', theme='dark'}}\n"
        )
    );
}

#[test]
fn network_failures_are_job_failures() {
    let closed = {
        // A port nothing listens on: bound, then closed.
        let l = std::net::TcpListener::bind("127.0.0.1:0").expect("port");
        l.local_addr().expect("addr").port()
    };
    let silent = http_server::silent();
    let got = run(&format!(
        "urlopen('http://127.0.0.1:{closed}/') => print($STATUS, $RESULT, $ERROR) ->\n\
         urlopen('http://127.0.0.1:{silent}/', timeout=0.3) => print($STATUS, $ERROR) ->\n\
         urlopen('ftp://example.com/') => print($STATUS, $ERROR) ->\n\
         urlopen('not a url') => print($STATUS, $ERROR) ->\n\
         urlopen('http://127.0.0.1:{closed}/', files={{f='/no/such/file'}}) => print($STATUS, $ERROR) ->\n\
         urlopen('http://127.0.0.1:{closed}/', headers={{'Bad Name': 'v'}}) => print($STATUS, $ERROR)"
    ));
    let lines: Vec<&str> = got.lines().collect();
    assert_eq!(lines.len(), 6, "{got}");
    assert_eq!(
        lines[4],
        "1 'urlopen' failed: cannot read the file /no/such/file: No such file or directory (os error 2)"
    );
    assert!(
        lines[5].starts_with(&format!(
            "1 'urlopen' failed: http://127.0.0.1:{closed}/: cannot make the request: "
        )),
        "{got}"
    );
    assert!(
        lines[0].starts_with(&format!(
            "1 null 'urlopen' failed: http://127.0.0.1:{closed}/: Connection refused"
        )),
        "{got}"
    );
    assert!(
        lines[1].starts_with(&format!(
            "1 'urlopen' failed: http://127.0.0.1:{silent}/: timed out"
        )),
        "{got}"
    );
    assert_eq!(
        lines[2],
        "1 'urlopen' failed: invalid URL 'ftp://example.com/': the scheme must be http or https"
    );
    assert!(
        lines[3].starts_with("1 'urlopen' failed: invalid URL 'not a url': "),
        "{got}"
    );

    // `->` after a failed urlopen ends the process.
    let dir = scratch("abort");
    let o = run_in(
        dir.path(),
        None,
        &format!("urlopen('http://127.0.0.1:{closed}/') -> print('not reached')"),
    );
    assert_eq!(o.status.code(), Some(1), "{}", err(&o));
    assert_eq!(out(&o), "");
}

#[test]
fn bad_arguments_are_runtime_errors_naming_the_problem() {
    let cases = [
        // Written out, an unknown option does not compile (E0014); spread, it is found
        // when the job runs.
        ("[o = {foo=1}] -> urlopen('http://127.0.0.1:PORT/', **o)", "urlopen() got an unexpected keyword argument 'foo'"),
        ("urlopen('http://127.0.0.1:PORT/', encode='xml')", "urlopen: Encode type xml is not allowed (only 'json')"),
        ("urlopen('http://127.0.0.1:PORT/', files={f=['a', 'b']}, encode='json')", "urlopen: Cannot json encode when files upload"),
        ("urlopen('http://127.0.0.1:PORT/', http_method='PATCH')", "urlopen: http_method PATCH is not one of GET, POST, PUT, DELETE, HEAD"),
        ("urlopen('http://127.0.0.1:PORT/', files={f=[1, 'b']})", "urlopen: invalid files: name must be string"),
        ("urlopen('http://127.0.0.1:PORT/', files={f={name='a', data=3}})", "urlopen: invalid files: data must be binary or string"),
        ("urlopen('http://127.0.0.1:PORT/', files={f=3})", "urlopen: invalid files: 3 (a file is {name, data}, [name, data] or a path; several are [[field, file], ...])"),
        ("urlopen('http://127.0.0.1:PORT/', timeout=-1)", "urlopen: timeout must be more than 0 seconds, not -1"),
        ("urlopen(3)", "urlopen(): argument 'url' must be a non-empty String (an http or https URL), not Integer"),
        ("urlopen('http://127.0.0.1:PORT/', headers='x')", "urlopen(): argument 'headers' must be a Dictionary, not String"),
    ];
    for (job, message) in cases {
        let dir = scratch("badarg");
        let o = run_in(dir.path(), None, &format!("{job} -> print('not reached')"));
        assert_eq!(o.status.code(), Some(1), "{job}: {}", err(&o));
        assert_eq!(out(&o), "", "{job}");
        assert!(
            err(&o).contains(message),
            "{job}: wanted {message:?} in\n{}",
            err(&o)
        );
    }
}

/// A child process killed when the test ends.
struct Killed(Child);

impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// A free loopback port (bound, then given back for a server to take).
fn free_port() -> u16 {
    let l = std::net::TcpListener::bind("127.0.0.1:0").expect("port");
    l.local_addr().expect("addr").port()
}

/// Wait until something accepts connections on `port`.
fn wait_listening(port: u16, server: &mut Child) {
    let start = Instant::now();
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        if let Ok(Some(status)) = server.try_wait() {
            panic!("the server ended before listening: {status}");
        }
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "no server on port {port}"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn https_checks_the_certificate_only_with_verify() {
    let dir = scratch("tls");
    let p = |n: &str| dir.path().join(n).display().to_string();
    let made = Command::new("openssl")
        .args([
            "req",
            "-x509",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:prime256v1",
            "-nodes",
        ])
        .args([
            "-days",
            "1",
            "-subj",
            "/CN=127.0.0.1",
            "-addext",
            "subjectAltName=IP:127.0.0.1",
        ])
        .args(["-keyout", &p("key.pem"), "-out", &p("cert.pem")])
        .output()
        .expect("openssl runs (test.sh installs it)");
    assert!(made.status.success(), "{}", err(&made));
    let port = free_port();
    let mut server = Killed(
        Command::new("openssl")
            .args([
                "s_server",
                "-accept",
                &format!("127.0.0.1:{port}"),
                "-www",
                "-quiet",
            ])
            .args(["-cert", &p("cert.pem"), "-key", &p("key.pem")])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("openssl s_server starts"),
    );
    wait_listening(port, &mut server.0);
    let got = run(&format!(
        "urlopen('https://127.0.0.1:{port}/', verify=true) => print($STATUS, $ERROR) ->\n\
         urlopen('https://127.0.0.1:{port}/') => print($STATUS, $RESULT.code, $RESULT.headers['Content-Type']) ->\n\
         urlopen('https://127.0.0.1:{port}/', verify=false, quiet=true) => print($STATUS, $RESULT.code)"
    ));
    let lines: Vec<&str> = got.lines().collect();
    assert_eq!(lines.len(), 3, "{got}");
    assert!(
        lines[0].starts_with(&format!("1 'urlopen' failed: https://127.0.0.1:{port}/: "))
            && lines[0].contains("certificate"),
        "{got}"
    );
    assert_eq!(lines[1], "0 200 text/html");
    assert_eq!(lines[2], "0 200");
}

#[test]
fn mailto_sends_through_a_real_smtp_server() {
    let dir = scratch("smtp");
    let maildir = dir.path().join("maildir");
    let (_server, port) = smtp_server(&maildir);
    let store = dir.path().join("store.sqlite");
    let o = run_in(
        dir.path(),
        Some(&store),
        &format!(
            "[smtp = /home.add('smtp', 'SmtpServer', {{hostname='127.0.0.1', port={port}}})] ->\n\
             mailto(to=['ops@example.com', 'dev@example.com'], from='jfc@example.com', subject='disk full',\n\
               body='web1 is at 95%', cc='lead@example.com', bcc=['audit@example.com'],\n\
               headers={{'X-Run': '42'}}, smtp_server=smtp) -> print('plain', $STATUS, $RESULT) ->\n\
             mailto(to='ops@example.com', subject='report', body='see the html', html_content='<b>bold</b>',\n\
               attach_files=[{{name='a.txt', data='alpha'}}, {{name='logo.png', data=b'\\x89PNG'}}], smtp_server=smtp) ->\n\
             print('html', $STATUS) ->\n\
             mailto(to='ops@example.com', subject='inline', html_content='<img src=\"cid:%{{Content-ID#0}}\">',\n\
               attach_files={{name='logo.png', data=b'\\x89PNG'}}, inline_content=true, smtp_server=smtp) ->\n\
             print('inline', $STATUS)"
        ),
    );
    assert_eq!(o.status.code(), Some(0), "{}{}", out(&o), err(&o));
    assert_eq!(out(&o), "plain 0 null\nhtml 0\ninline 0\n");
    let got = mails(&maildir);
    assert_eq!(got.len(), 3, "{got:?}");
    let plain = &got[0];
    for want in [
        "From: jfc@example.com",
        "To: ops@example.com, dev@example.com",
        "Cc: lead@example.com",
        "Subject: disk full",
        "X-Run: 42",
        "User-Agent: Kompira ver 1.6.11",
        "Content-Type: text/plain; charset=utf-8",
        "web1 is at 95%",
        "X-MailFrom: jfc@example.com",
        "X-RcptTo: ops@example.com, dev@example.com, lead@example.com, audit@example.com",
    ] {
        assert!(plain.contains(want), "{want:?} not in\n{plain}");
    }
    assert!(!plain.contains("Bcc:"), "the Bcc header was sent:\n{plain}");
    let html = &got[1];
    for want in [
        "From: webmaster@localhost",
        "Content-Type: multipart/mixed",
        "Content-Type: multipart/alternative",
        "Content-Type: text/html; charset=utf-8",
        "<b>bold</b>",
        "see the html",
        "Content-Disposition: attachment; filename=\"a.txt\"",
        "Content-Type: text/plain",
        "Content-Disposition: attachment; filename=\"logo.png\"",
        "Content-Type: image/png",
    ] {
        assert!(html.contains(want), "{want:?} not in\n{html}");
    }
    let inline = &got[2];
    assert!(
        inline.contains("Content-Type: multipart/related"),
        "{inline}"
    );
    assert!(inline.contains("Content-Disposition: inline"), "{inline}");
    let cid = inline
        .lines()
        .find_map(|l| l.strip_prefix("Content-ID: <"))
        .and_then(|l| l.strip_suffix('>'))
        .unwrap_or_else(|| panic!("no Content-ID in\n{inline}"));
    assert!(inline.contains(&format!("cid:{cid}")), "{inline}");
}

/// `jfc run` of `flow` without a store, the system's SMTP server set to `setting`.
fn run_with_smtp_setting(dir: &Path, setting: &str, flow: &str) -> Output {
    let file = dir.join("flow.jf");
    std::fs::write(&file, flow).expect("write flow");
    Command::new(env!("CARGO_BIN_EXE_jfc"))
        .arg("run")
        .arg(&file)
        .current_dir(dir)
        .env_remove("JFC_STORE")
        .env("JFC_SMTP_SERVER", setting)
        .output()
        .expect("jfc runs")
}

#[test]
fn mailto_without_a_server_sends_through_the_system_setting() {
    let dir = scratch("smtpsetting");
    let maildir = dir.path().join("maildir");
    let (_server, port) = smtp_server(&maildir);
    let o = run_with_smtp_setting(
        dir.path(),
        &format!("127.0.0.1:{port}"),
        "mailto(to='ops@example.com', subject='via the setting', body='relayed') -> print($STATUS)",
    );
    assert_eq!(out(&o), "0\n", "{}", err(&o));
    let got = mails(&maildir);
    assert_eq!(got.len(), 1, "{got:?}");
    assert!(got[0].contains("Subject: via the setting"), "{}", got[0]);
    let o = run_with_smtp_setting(
        dir.path(),
        "relay:smtp",
        "mailto(to='ops@example.com', subject='s', body='b') => print($STATUS, $ERROR)",
    );
    assert_eq!(
        out(&o),
        "1 'mailto' failed: JFC_SMTP_SERVER=`relay:smtp` is not host or host:port\n",
        "{}",
        err(&o)
    );
}

#[test]
fn mailto_replies_writes_messages_and_fails_clearly() {
    let dir = scratch("mailfail");
    let closed = free_port();
    let store = dir.path().join("store.sqlite");
    let o = run_in(
        dir.path(),
        Some(&store),
        &format!(
            "[parent = {{'From': 'alice@example.com', 'Reply-To': 'help@example.com', 'Cc': 'bob@example.com',\n\
               'Message-ID': '<m1@example.com>', 'References': '<m0@example.com>', 'Subject': 'server down'}}] ->\n\
             mailto(from='jfc@example.com', body='on it', parents=parent, reply_to_all=true, as_string=true) ->\n\
             [msg = $RESULT] -> print($STATUS, type(msg)) ->\n\
             {{ for line in msg.split('\\r\\n') |\n\
               {{ if line.startswith('To:') or line.startswith('Cc:') or line.startswith('Subject:') or line.startswith('In-Reply-To:') or line.startswith('References:') | print(line) }} }} ->\n\
             [smtp = /home.add('smtp', 'SmtpServer', {{hostname='127.0.0.1', port={closed}}})] ->\n\
             mailto(to='ops@example.com', subject='s', body='b', smtp_server=smtp) => print($STATUS, $ERROR) ->\n\
             mailto(to='ops@example.com', subject='s', body=null) => print($STATUS, $ERROR) ->\n\
             mailto(to=[], subject='s', body='b') => print($STATUS, $ERROR) ->\n\
             mailto(to='not an address', subject='s', body='b', smtp_server=smtp) => print($STATUS, $ERROR) ->\n\
             mailto(to='ops@example.com', subject='s', body='b', smtp_server=/home) => print($STATUS, $ERROR)"
        ),
    );
    assert_eq!(o.status.code(), Some(0), "{}{}", out(&o), err(&o));
    let got = out(&o);
    let lines: Vec<&str> = got.lines().collect();
    assert_eq!(
        lines[..6],
        [
            "0 String",
            "Subject: Re: server down",
            "To: help@example.com",
            "Cc: bob@example.com",
            "In-Reply-To: <m1@example.com>",
            "References: <m0@example.com> <m1@example.com>",
        ],
        "{got}"
    );
    assert!(
        lines[6].starts_with(&format!(
            "1 'mailto' failed: SMTP server 127.0.0.1:{closed}: "
        )),
        "{got}"
    );
    assert_eq!(
        lines[7],
        "1 'mailto' failed: body and html_content are both empty"
    );
    assert_eq!(lines[8], "1 'mailto' failed: to-address is empty");
    assert!(
        lines[9].starts_with("1 'mailto' failed: to: 'not an address' is not a valid address"),
        "{got}"
    );
    assert_eq!(
        lines[10],
        "1 'mailto' failed: smtp_server /home is a Directory, not an SmtpServer"
    );
}

/// Checkpoint mode (platform.md §2.7): urlopen has an effect, so a checkpoint comes
/// before it starts, and a run killed while it waits finds it in doubt on resume.
#[test]
fn a_urlopen_cut_off_by_a_crash_is_in_doubt() {
    let dir = scratch("doubt");
    let store = dir.path().join("store.sqlite");
    let silent = http_server::silent();
    std::fs::write(
        dir.path().join("flow.jf"),
        format!("print('before') ->\nurlopen('http://127.0.0.1:{silent}/', timeout=60) => print('got', $STATUS)"),
    )
    .expect("write flow");
    let jfc = || {
        let mut c = Command::new(env!("CARGO_BIN_EXE_jfc"));
        c.arg("--store")
            .arg(&store)
            .current_dir(dir.path())
            .env_remove("JFC_STORE");
        c
    };
    let running = Killed(
        jfc()
            .args(["run", "--checkpoint", "flow.jf"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("jfc runs"),
    );
    let start = Instant::now();
    loop {
        let ps = jfc().args(["ps", "1", "--json"]).output().expect("jfc ps");
        if out(&ps).contains("\"in_doubt\":[\"line 2 (process 1): urlopen(") {
            break;
        }
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "no checkpoint before urlopen: {}",
            out(&ps)
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    drop(running);
    let o = jfc().args(["resume", "1"]).output().expect("jfc resume");
    assert_eq!(o.status.code(), Some(1), "{}", err(&o));
    assert_eq!(out(&o), "", "the job ran again");
    assert!(
        err(&o).contains("at line 2 may have run before the restart")
            && err(&o).contains("in job: urlopen('http://127.0.0.1:"),
        "{}",
        err(&o)
    );
}

#[test]
fn proxies_carry_the_request_for_their_scheme() {
    let got = run(
        "urlopen('http://example.invalid/echo', params={q='1'}, proxies={'http': 'http://127.0.0.1:PORT'}) ->\n\
         [e = json_parse($RESULT.text)] -> print($RESULT.code, e.tunnel, e.method, e.path, e.query, e.headers.host)",
    );
    assert_eq!(
        got,
        "200 example.invalid:80 GET /echo q=1 example.invalid\n"
    );
}

#[test]
fn a_dry_run_says_what_it_would_do_and_does_nothing() {
    let dir = scratch("dry");
    std::fs::write(
        dir.path().join("flow.jf"),
        "urlopen('http://127.0.0.1:1/', data={a='b'}) -> print($STATUS, $RESULT) ->\n\
         mailto(to='ops@example.com', subject='s', body='b') -> print($STATUS)",
    )
    .expect("write flow");
    let o = Command::new(env!("CARGO_BIN_EXE_jfc"))
        .args(["run", "--dry-run", "flow.jf"])
        .current_dir(dir.path())
        .env_remove("JFC_STORE")
        .output()
        .expect("jfc runs");
    assert_eq!(o.status.code(), Some(0), "{}", err(&o));
    assert_eq!(out(&o), "0 null\n0\n");
    assert!(
        err(&o).contains("[dry-run] urlopen POST http://127.0.0.1:1/\n")
            && err(&o).contains("[dry-run] mailto ops@example.com subject \"s\"\n"),
        "{}",
        err(&o)
    );
}

#[test]
fn mailto_encodes_the_body_in_its_charset() {
    let got = run(
        "mailto(to='a@example.com', subject='café', body='café au lait', charset='iso-8859-1', as_string=true) ->\n\
         [m = $RESULT] -> { for line in m.split('\\r\\n') | { if line.startswith('Content-') or line.startswith('Subject:') | print(line) } } ->\n\
         print(m.split('\\r\\n\\r\\n')[1].strip()) ->\n\
         mailto(to='a@example.com', subject='x', body='y', charset='no-such', as_string=true) => print($STATUS, $ERROR) ->\n\
         mailto(to='a@example.com', subject='x', body='y', headers={'Bad Name': 'v'}, as_string=true) => print($STATUS, $ERROR)",
    );
    assert_eq!(
        got,
        "Subject: =?utf-8?b?Y2Fmw6k=?=\n\
         Content-Type: text/plain; charset=iso-8859-1\n\
         Content-Transfer-Encoding: base64\n\
         Y2Fm6SBhdSBsYWl0\n\
         1 'mailto' failed: charset no-such: unknown encoding: no-such\n\
         1 'mailto' failed: 'Bad Name' cannot be the name of a mail header\n"
    );
}
