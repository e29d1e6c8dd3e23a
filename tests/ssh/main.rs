//! Commands with `__host__` against a real OpenSSH server: this binary starts one `sshd`
//! on a free loopback port (a generated host key, a temporary authorized_keys) that its
//! tests share, and runs flows with the built `jfc` against it.

mod cap;
mod cert_renew;
#[path = "../common/mod.rs"]
mod common;
mod examples;
mod node_shell;
mod proxy;
mod reboot;
mod rebooting;
mod script_file;
mod session;
mod sshd;
mod stdlib;
mod stdlib_flows;
mod stdlib_mail;
mod sudo_timeout;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::{env, err, out, Env};
use sshd::*;

#[test]
fn a_command_runs_on_the_host_with_its_output_and_status() {
    let e = env();
    let key = sshd().key();
    let o = run(
        &e,
        &format!(
            "{} -> ['echo out on $(hostname); echo err >&2; exit 3'] => print($STATUS, $RESULT, $ERROR)",
            login(&format!(", __keyfile__ = '{key}'"))
        ),
    );
    assert!(o.status.success(), "{}", err(&o));
    let host = String::from_utf8(Command::new("hostname").output().expect("hostname").stdout)
        .expect("utf-8");
    assert_eq!(out(&o), format!("3 out on {} err\n", host.trim()));
}

#[test]
fn dir_stdin_and_a_passphrase_key() {
    let e = env();
    let (key, dir) = (sshd().locked_key(), e.dir.display().to_string());
    let o = run(
        &e,
        &format!(
            "{} -> ['cat > got.txt; pwd' << 'sent over stdin'] -> print($RESULT)",
            login(&format!(
                ", __keyfile__ = '{key}', __passphrase__ = 'open sesame', __dir__ = '{dir}'"
            ))
        ),
    );
    assert!(o.status.success(), "{}", err(&o));
    assert_eq!(out(&o), format!("{dir}\n"));
    assert_eq!(e.read("got.txt"), "sent over stdin");
}

#[test]
fn login_failures_follow_the_connectors() {
    let e = env();
    let s = sshd();
    let wrong_passphrase = format!(
        ", __keyfile__ = '{}', __passphrase__ = 'not it'",
        s.locked_key()
    );
    // Refused login: `->>` goes on with $STATUS -1 and the reason; `->` aborts.
    let o = run(
        &e,
        &format!(
            "{} -> ['true'] ->> print($STATUS, $RESULT == '', $ERROR)",
            login(&wrong_passphrase)
        ),
    );
    assert!(o.status.success(), "{}", err(&o));
    assert!(out(&o).starts_with("-1 true "), "{}", out(&o));
    assert!(out(&o).contains("login as root refused"), "{}", out(&o));
    assert!(!out(&o).contains("not it"), "the passphrase is never shown");
    let o = run(
        &e,
        &format!(
            "{} -> ['true'] -> print('not reached')",
            login(&wrong_passphrase)
        ),
    );
    assert_eq!(o.status.code(), Some(1));
    assert!(out(&o).is_empty());
    assert!(err(&o).contains("login as root refused"), "{}", err(&o));
    // Nothing listening.
    let o = run(
        &e,
        &format!(
            "[__host__ = '127.0.0.1', __port__ = {}] -> ['true'] =>> print($STATUS, $ERROR)",
            free_port()
        ),
    );
    assert!(
        out(&o).starts_with("-1 cannot connect to 127.0.0.1:"),
        "{}",
        out(&o)
    );
}

#[test]
fn a_host_key_is_recorded_at_first_contact_and_a_changed_one_refused() {
    let e = env();
    let flow = format!(
        "{} -> ['echo hi'] =>> print($STATUS, $RESULT, $ERROR)",
        login(&format!(", __keyfile__ = '{}'", sshd().key()))
    );
    let first = run(&e, &flow);
    assert_eq!(out(&first), "0 hi \n", "{}", err(&first));
    let known = PathBuf::from(format!("{}.known_hosts", e.store.display()));
    let line = std::fs::read_to_string(&known).expect("recorded beside the store");
    assert!(
        line.starts_with(&format!("[127.0.0.1]:{} ssh-ed25519 ", sshd().port)),
        "{line}"
    );
    assert_eq!(out(&run(&e, &flow)), "0 hi \n", "the recorded key matches");
    // Another key recorded for the host: someone else answers now.
    let other = e.dir.join("other");
    keygen(&other, "");
    let other_pub = std::fs::read_to_string(other.with_extension("pub")).expect("pub");
    let blob = other_pub.split_whitespace().nth(1).expect("blob");
    std::fs::write(
        &known,
        format!("[127.0.0.1]:{} ssh-ed25519 {blob}\n", sshd().port),
    )
    .expect("planted");
    let refused = run(&e, &flow);
    let text = out(&refused);
    assert!(text.starts_with("-1 "), "{text}");
    assert!(text.contains("the host key of [127.0.0.1]:"), "{text}");
    assert_eq!(
        text.matches("SHA256:").count(),
        2,
        "both fingerprints: {text}"
    );
    // The host was reinstalled on purpose: one run takes its new key.
    e.flow("f.jf", &flow);
    let replaced = e.jfc(&["run", "--replace-host-keys", "f.jf"]);
    assert_eq!(out(&replaced), "0 hi \n", "{}", err(&replaced));
    // Said once, through the log (a second, bare copy on stderr was noise).
    assert_eq!(
        err(&replaced).matches("the new one replaces it").count(),
        1,
        "{}",
        err(&replaced)
    );
    assert_eq!(
        out(&run(&e, &flow)),
        "0 hi \n",
        "the new key is the recorded one"
    );
    assert!(!std::fs::read_to_string(&known)
        .expect("known")
        .contains(blob));
}

#[test]
fn many_commands_in_a_pfor_each_get_their_own_answer() {
    let e = env();
    let o = run(
        &e,
        &format!(
            "{} -> {{ pfor i in 10 | ['echo $i'] -> [r = $RESULT] -> {{ if r != string(i) | abort('wrong answer') }} }} -> print('all', $STATUS)",
            login(&format!(", __keyfile__ = '{}'", sshd().key()))
        ),
    );
    assert!(o.status.success(), "{}", err(&o));
    assert_eq!(out(&o), "all 0\n");
}

#[test]
fn a_timeout_stops_the_command_and_all_it_started_on_the_host() {
    let e = env();
    let marker = format!("jfc-ssh-timeout-{}", std::process::id());
    let o = run(
        &e,
        &format!(
            "{} -> ['sleep 600 && echo {marker}; echo x'] ->> print($STATUS, $ERROR)",
            login(&format!(
                ", __keyfile__ = '{}', __timeout__ = 1",
                sshd().key()
            ))
        ),
    );
    assert!(o.status.success(), "{}", err(&o));
    assert!(
        out(&o).starts_with("-1 the command did not finish within __timeout__ = 1s"),
        "{}",
        out(&o)
    );
    // The server is this machine: nothing of the command is left on it.
    std::thread::sleep(Duration::from_millis(300));
    let left = Command::new("pgrep")
        .args(["-f", &marker])
        .output()
        .expect("pgrep");
    assert!(
        left.stdout.is_empty(),
        "left running: {}",
        String::from_utf8_lossy(&left.stdout)
    );
}

#[test]
fn a_hundred_jobs_on_one_host_use_one_connection() {
    let e = env();
    let s = sshd();
    let log = s.dir.join("sshd.log");
    let on_port = format!("on 127.0.0.1 port {} ", s.counted);
    let connections = || {
        std::fs::read_to_string(&log)
            .unwrap_or_default()
            .matches(&on_port)
            .count()
    };
    let before = connections();
    let o = run(
        &e,
        &format!(
            "[__host__ = '127.0.0.1', __port__ = {}, __user__ = 'root', __keyfile__ = '{}']\n\
             -> [n = 0] -> {{ while n < 100 | ['echo $n'] -> [n = n + 1] }} -> print(n)",
            s.counted,
            s.key()
        ),
    );
    assert!(o.status.success(), "{}", err(&o));
    assert_eq!(out(&o), "100\n");
    assert_eq!(connections() - before, 1, "one TCP connection for 100 jobs");
}

/// The control variables of a password login as `USER`.
fn password_login(extra: &str) -> String {
    let s = sshd();
    format!(
        "[__host__ = '127.0.0.1', __port__ = {}, __user__ = '{USER}', __password__ = '{}'{extra}]",
        s.port, s.password
    )
}

#[test]
fn a_password_login_and_sudo_with_the_password() {
    let e = env();
    let o = run(
        &e,
        &format!("{} -> ['id -un'] -> print($RESULT)", password_login("")),
    );
    assert_eq!(out(&o), format!("{USER}\n"), "{}", err(&o));
    e.flow(
        "sudo.jf",
        &format!(
            "{} -> ['id -un; cat' << 'the input, after the password'] -> print($RESULT)",
            password_login(", __sudo__ = true")
        ),
    );
    let o = e.jfc(&["run", "--trace", "sudo.jf"]);
    assert_eq!(
        out(&o),
        "root\nthe input, after the password\n",
        "{}",
        err(&o)
    );
    assert!(
        err(&o).contains(&format!("[{USER}@127.0.0.1]# id -un; cat")),
        "the echo marks sudo: {}",
        err(&o)
    );
    let pw = &sshd().password;
    assert!(!out(&o).contains(pw.as_str()) && !err(&o).contains(pw.as_str()));
    let wrong = run(
        &e,
        &format!(
            "[__host__ = '127.0.0.1', __port__ = {}, __user__ = '{USER}', __password__ = 'not it'] -> ['true'] =>> print($STATUS)",
            sshd().port
        ),
    );
    assert_eq!(out(&wrong), "-1\n", "{}", err(&wrong));
}

#[test]
fn a_password_is_never_in_argv_the_store_or_the_output() {
    let e = env();
    let pw = sshd().password.clone();
    e.flow(
        "slow.jf",
        &format!(
            "{} -> ['sleep 1; echo done'] -> print($RESULT) -> print(current().pid)",
            password_login(", __sudo__ = true")
        ),
    );
    let mut child = e
        .cmd(&["run", "--trace", "slow.jf"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("jfc starts");
    // Every process's arguments while the command runs: looked at until it shows (a new
    // store and the login take more than a moment in a debug build) or jfc has ended.
    let deadline = Instant::now() + Duration::from_secs(20);
    let ps = loop {
        let ps = Command::new("ps")
            .args(["-eo", "args"])
            .output()
            .expect("ps");
        let ps = String::from_utf8_lossy(&ps.stdout).into_owned();
        let ended = child.try_wait().expect("jfc's state").is_some();
        if ps.contains("sleep 1") || ended || Instant::now() > deadline {
            break ps;
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let done = child.wait_with_output().expect("jfc ends");
    assert!(done.status.success(), "{}", err(&done));
    assert!(out(&done).starts_with("done\n"), "{}", out(&done));
    assert!(ps.contains("sleep 1"), "the command was running: {ps}");
    for (what, text) in [
        ("ps", ps),
        ("stdout", out(&done)),
        ("stderr", err(&done)),
        ("the console", e.read("f.jf")),
    ] {
        assert!(!text.contains(&pw), "the password is in {what}");
    }
    let store = std::fs::read(&e.store).expect("store file");
    let wal = std::fs::read(format!("{}-wal", e.store.display())).unwrap_or_default();
    for bytes in [store, wal] {
        assert!(
            !bytes.windows(pw.len()).any(|w| w == pw.as_bytes()),
            "the password is in the store file"
        );
    }
}

/// `jfc obj set` in `e`'s store; panics with its stderr when it fails.
fn obj_set(e: &Env, args: &[&str]) {
    let mut all = vec!["obj", "set"];
    all.extend_from_slice(args);
    let o = e.jfc(&all);
    assert!(o.status.success(), "jfc obj set {args:?}: {}", err(&o));
}

#[test]
fn a_node_and_its_account_from_the_store() {
    let e = env();
    let s = sshd();
    let keyfile = s.keyfile_field();
    let port = format!("port={}", s.port);
    obj_set(&e, &["/nodes", "--type", "Directory"]);
    obj_set(&e, &["/accounts", "--type", "Directory"]);
    obj_set(
        &e,
        &[
            "/accounts/ops",
            "--type",
            "AccountInfo",
            "user=root",
            &keyfile,
        ],
    );
    let password = format!("password={}", s.password);
    let tester = format!("user={USER}");
    obj_set(
        &e,
        &[
            "/accounts/tester",
            "--type",
            "AccountInfo",
            &tester,
            &password,
        ],
    );
    obj_set(
        &e,
        &[
            "/nodes/web1",
            "--type",
            "NodeInfo",
            "hostname=127.0.0.1",
            &port,
            "account=/accounts/ops",
        ],
    );
    // The node's account logs in with its key; `__account__` and `__user__` win over it.
    let o = run(
        &e,
        "[__node__ = /nodes/web1] -> ['id -un'] -> [a = $RESULT]\n\
         -> [__account__ = /accounts/tester] -> ['id -un'] -> [b = $RESULT]\n\
         -> print(a, b)",
    );
    assert_eq!(out(&o), format!("root {USER}\n"), "{}", err(&o));
    let o = run(
        &e,
        "[__node__ = /nodes/web1, __port__ = 1] -> ['true'] =>> print($STATUS, $ERROR)",
    );
    assert!(
        out(&o).starts_with("-1 cannot connect to 127.0.0.1:1"),
        "{}",
        out(&o)
    );
}

#[test]
fn a_dry_run_says_every_command_and_runs_none() {
    let e = env();
    // Nothing listens there: a connection would fail the job with $STATUS -1.
    let port = free_port();
    e.flow(
        "walk.jf",
        &format!(
            "['touch here.txt'] -> print($STATUS, $RESULT == '')\n\
             -> [__host__ = '127.0.0.1', __port__ = {port}, __user__ = 'deploy', __sudo__ = true]\n\
             -> ['touch there.txt'] -> print($STATUS)"
        ),
    );
    let o = e.jfc(&["run", "--dry-run", "walk.jf"]);
    assert!(o.status.success(), "{}", err(&o));
    assert_eq!(out(&o), "0 true\n0\n");
    assert!(
        err(&o).contains("[dry-run] local $ touch here.txt"),
        "{}",
        err(&o)
    );
    assert!(
        err(&o).contains(&format!(
            "[dry-run] deploy@127.0.0.1:{port} # touch there.txt"
        )),
        "{}",
        err(&o)
    );
    assert!(!e.dir.join("here.txt").exists() && !e.dir.join("there.txt").exists());
}

#[test]
fn put_and_get_copy_files_with_wildcards_and_directories() {
    let e = env();
    let local = e.dir.join("pkgs");
    std::fs::create_dir_all(local.join("conf")).expect("dirs");
    for f in ["a.rpm", "b.rpm", "readme.txt", "conf/app.ini"] {
        std::fs::write(local.join(f), format!("content of {f}")).expect("file");
    }
    let remote = e.dir.join("on-the-host");
    std::fs::create_dir_all(&remote).expect("remote dir");
    let (l, r) = (local.display(), remote.display());
    let o = run(
        &e,
        &format!(
            "{}\n\
             -> put('{l}/*.rpm', 'incoming/') -> print(length($RESULT), $RESULT[0])\n\
             -> put('{l}/conf', '{r}/') -> print($RESULT)\n\
             -> get('incoming/b.rpm', '{l}/back.rpm') -> print($RESULT)\n\
             -> put('{l}/*.deb', 'incoming/') =>> print($STATUS, $ERROR)",
            login(&format!(
                ", __keyfile__ = '{}', __dir__ = '{r}'",
                sshd().key()
            ))
        ),
    );
    assert!(o.status.success(), "{}", err(&o));
    assert_eq!(
        out(&o),
        format!(
            "2 incoming/a.rpm\n['{r}/conf/app.ini']\n['{l}/back.rpm']\n1 {l}/*.deb: no such file\n"
        )
    );
    let read = |p: PathBuf| std::fs::read_to_string(p).expect("copied");
    assert_eq!(read(remote.join("incoming/a.rpm")), "content of a.rpm");
    assert_eq!(read(remote.join("conf/app.ini")), "content of conf/app.ini");
    assert_eq!(read(local.join("back.rpm")), "content of b.rpm");
}

#[test]
fn a_script_job_runs_on_the_host_and_its_file_goes_whatever_the_end() {
    let e = env();
    let script = "#!/bin/sh\necho \"$0\" >&2\nprintf '%s|' \"$@\"; cat\nexit ${3:-0}\n";
    std::fs::write(e.dir.join("greet.sh"), script).expect("script");
    let sleeper = "#!/bin/sh\necho \"$0\" >&2\nsleep 600\n";
    std::fs::write(e.dir.join("sleeper.sh"), sleeper).expect("script");
    obj_set(&e, &["/scripts", "--type", "Directory"]);
    obj_set(
        &e,
        &[
            "/scripts/greet",
            "--type",
            "ScriptJob",
            "source=@greet.sh",
            "ext=sh",
        ],
    );
    obj_set(
        &e,
        &[
            "/scripts/sleeper",
            "--type",
            "ScriptJob",
            "source=@sleeper.sh",
            "ext=sh",
        ],
    );
    let o = run(
        &e,
        &format!(
            "{}\n\
             -> [/scripts/greet << 'the input': 'a b', 42] -> [ok = $ERROR] -> print($RESULT, $STATUS)\n\
             -> [/scripts/greet: 'x', 'y', 3] => [failed = $ERROR, st = $STATUS] -> print(st)\n\
             -> [__timeout__ = 1] -> [/scripts/sleeper] =>> print($STATUS)\n\
             -> print(ok) -> print(failed)",
            login(&format!(", __keyfile__ = '{}'", sshd().key()))
        ),
    );
    assert!(o.status.success(), "{}", err(&o));
    let text = out(&o);
    let lines: Vec<&str> = text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect();
    assert_eq!(lines[0], "a b|42|the input 0", "{text}");
    assert_eq!(lines[1], "3");
    assert_eq!(lines[2], "-1");
    for path in &lines[3..] {
        assert!(
            path.starts_with("/tmp/jfc-script-") && path.ends_with(".sh"),
            "{path}"
        );
        assert!(!Path::new(path).exists(), "{path} is left on the host");
    }
    assert_eq!(lines.len(), 5, "{text}");
    // The one stopped by its timeout is gone too.
    let left: Vec<_> = std::fs::read_dir("/tmp")
        .expect("/tmp")
        .filter_map(Result::ok)
        .filter(|f| f.file_name().to_string_lossy().starts_with("jfc-script-"))
        .filter(|f| std::fs::read_to_string(f.path()).is_ok_and(|t| t == sleeper))
        .map(|f| f.path())
        .collect();
    assert!(left.is_empty(), "left on the host: {left:?}");
}

#[test]
fn twenty_hosts_in_one_pfor_each_answer_from_its_own_address() {
    let e = env();
    let s = sshd();
    let targets: Vec<String> = s
        .hosts
        .iter()
        .map(|(h, p)| format!("['{h}', {p}]"))
        .collect();
    let o = run(
        &e,
        &format!(
            "[__user__ = 'root', __keyfile__ = '{}', targets = [{}]]\n\
             -> {{ pfor t in targets | [__host__ = t[0], __port__ = t[1]] -> ['echo $SSH_CONNECTION'] -> print(t[0], t[1], $RESULT) }}\n\
             -> print('children that failed:', $STATUS)",
            s.key(),
            targets.join(", ")
        ),
    );
    assert!(o.status.success(), "{}", err(&o));
    let text = out(&o);
    let mut answers: Vec<&str> = text.lines().collect();
    assert_eq!(answers.pop(), Some("children that failed: 0"), "{text}");
    assert_eq!(answers.len(), 20, "{text}");
    for line in answers {
        // `host port client-address client-port server-address server-port`
        let w: Vec<&str> = line.split_whitespace().collect();
        assert_eq!(
            (w[0], w[1]),
            (w[4], w[5]),
            "answered from elsewhere: {line}"
        );
    }
}

#[test]
fn use_pty_runs_the_command_on_a_terminal() {
    let e = env();
    let o = run(
        &e,
        &format!(
            "{} -> ['tty'] => print($STATUS, $RESULT)\n\
             -> [__use_pty__ = true] -> ['tty; echo to stderr >&2'] -> print($STATUS, $RESULT)",
            login(&format!(", __keyfile__ = '{}'", sshd().key()))
        ),
    );
    assert!(o.status.success(), "{}", err(&o));
    let text = out(&o).replace('\r', "");
    let mut lines = text.lines();
    assert_eq!(lines.next(), Some("1 not a tty"), "{text}");
    let on_pty = lines.next().unwrap_or_default();
    assert!(on_pty.starts_with("0 /dev/pts/"), "{text}");
    assert_eq!(
        lines.next(),
        Some("to stderr"),
        "stderr comes with stdout: {text}"
    );
    assert!(!text.contains("jfc-pgid"), "{text}");
}
