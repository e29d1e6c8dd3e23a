//! Jump hosts (`__proxy__`, NodeInfo's `proxy`): the job's session runs through a
//! `direct-tcpip` channel of the jump host, which its own server's log shows.

use crate::common::{env, err, out};
use crate::sshd::*;

#[test]
fn a_command_reaches_its_host_through_a_jump_host_named_by_a_string() {
    let e = env();
    let s = sshd();
    let jump = jump_host();
    let (host, port) = &s.hosts[1];
    let before = tunnels_to(*port);
    let o = run(
        &e,
        &format!(
            "[__host__ = '{host}', __port__ = {port}, __user__ = 'root', __keyfile__ = '{}', __proxy__ = '127.0.0.1:{jump}']\n\
             -> ['echo $SSH_CONNECTION'] -> print($RESULT)\n\
             -> ['head -c 3000000 /dev/zero | tr -c x x; cat' << 'and back'] -> print(length($RESULT), $RESULT.endswith('xand back'))",
            s.key()
        ),
    );
    assert!(o.status.success(), "{}", err(&o));
    let text = out(&o);
    let mut lines = text.lines();
    let words: Vec<&str> = lines
        .next()
        .unwrap_or_default()
        .split_whitespace()
        .collect();
    assert_eq!(words[2..], [host.as_str(), &port.to_string()], "{text}");
    assert_eq!(lines.next(), Some("3000008 true"), "3 MB relayed intact");
    assert_eq!(
        tunnels_to(*port) - before,
        1,
        "one channel through the jump host, kept"
    );
    // Both host keys are checked: the jump host's is recorded beside the target's.
    let known =
        std::fs::read_to_string(format!("{}.known_hosts", e.store.display())).expect("known_hosts");
    assert!(known.contains(&format!("[127.0.0.1]:{jump} ")), "{known}");
    assert!(known.contains(&format!("[{host}]:{port} ")), "{known}");
}

#[test]
fn a_refused_login_on_the_jump_host_names_it() {
    let e = env();
    let s = sshd();
    let jump = jump_host();
    let o = run(
        &e,
        &format!(
            "{} -> [__proxy__ = 'no-such-user@127.0.0.1:{jump}'] -> ['true'] =>> print($STATUS, $ERROR)",
            login(&format!(", __keyfile__ = '{}'", s.key()))
        ),
    );
    assert!(o.status.success(), "{}", err(&o));
    let text = out(&o);
    assert!(
        text.starts_with(&format!(
            "-1 the jump host (__proxy__): 127.0.0.1:{jump}: login as no-such-user refused"
        )),
        "{text}"
    );
}

#[test]
fn a_node_goes_through_its_proxy_node_with_the_proxys_account() {
    let e = env();
    let s = sshd();
    let jump = jump_host();
    let key = std::fs::read_to_string(s.key()).expect("client key");
    let keyfile = format!(
        "keyfile={{ name = \"id_ed25519\", data = \"{}\" }}",
        key.replace('\n', "\\n")
    );
    let (host, port) = &s.hosts[2];
    let set = |args: &[&str]| {
        let mut all = vec!["obj", "set"];
        all.extend_from_slice(args);
        let o = e.jfc(&all);
        assert!(o.status.success(), "jfc obj set {args:?}: {}", err(&o));
    };
    set(&["/ops", "--type", "AccountInfo", "user=root", &keyfile]);
    // The target's account has the user only: its key is not the jump host's business.
    let tester = format!("user={USER}");
    let password = format!("password={}", s.password);
    set(&["/tester", "--type", "AccountInfo", &tester, &password]);
    let jump_port = format!("port={jump}");
    set(&[
        "/jump",
        "--type",
        "NodeInfo",
        "hostname=127.0.0.1",
        &jump_port,
        "account=/ops",
    ]);
    let (hostname, target_port) = (format!("hostname={host}"), format!("port={port}"));
    set(&[
        "/web",
        "--type",
        "NodeInfo",
        &hostname,
        &target_port,
        "account=/tester",
        "proxy=/jump",
    ]);
    let before = tunnels_to(*port);
    let o = run(
        &e,
        "[__node__ = /web] -> ['id -un'] -> print($RESULT)\n\
         -> [__node__ = null, __account__ = /ops, __proxy__ = /jump] -> [__host__ = '127.0.0.1'] -> [__port__ = $1] -> ['id -un'] -> print($RESULT)"
            .replace("$1", &jump.to_string())
            .as_str(),
    );
    assert_eq!(out(&o), format!("{USER}\nroot\n"), "{}", err(&o));
    assert_eq!(tunnels_to(*port) - before, 1, "through /jump to /web");
    // A jump host that names itself, or a longer loop, is refused before connecting.
    set(&["/jump", "proxy=/jump"]);
    set(&["/a", "--type", "NodeInfo", "hostname=127.0.0.1"]);
    set(&["/b", "--type", "NodeInfo", "hostname=127.0.0.1", "proxy=/a"]);
    set(&["/a", "proxy=/b"]);
    let o = run(
        &e,
        "[__node__ = /web] -> ['true'] =>> print($STATUS, $ERROR)\n\
         -> [__node__ = /a] -> ['true'] =>> print($STATUS, $ERROR)",
    );
    assert_eq!(
        out(&o),
        "-1 __proxy__: __node__ /jump: it names itself as its proxy\n\
         -1 the jump host (__proxy__): 127.0.0.1:22: more than 8 jump hosts in a row (does a NodeInfo's proxy lead back to itself?)\n",
        "{}",
        err(&o)
    );
}

#[test]
fn a_dry_run_names_the_jump_host() {
    let e = env();
    e.flow(
        "walk.jf",
        "[__host__ = 'web1', __user__ = 'deploy', __proxy__ = 'ops@bastion:2222'] -> ['uptime']",
    );
    let o = e.jfc(&["run", "--dry-run", "walk.jf"]);
    assert!(o.status.success(), "{}", err(&o));
    assert!(
        err(&o).contains("[dry-run] deploy@web1:22 via ops@bastion:2222 $ uptime"),
        "{}",
        err(&o)
    );
}
