//! `acl/add`, `acl/remove` and `acl/list` of the store's `/lib` against the real nft,
//! iptables and iptables-save/-restore, inside a network namespace each test makes (so
//! the machine's own firewall is never touched): the built jfc runs in the namespace,
//! where its local commands see that namespace's firewall, next to a TCP listener on
//! the namespace's loopback. firewalld needs a running daemon and D-Bus, so it is
//! covered by the `jfc test` tests of stdlib/acl only. Needs root, `ip`, nftables and
//! iptables (test.sh installs them).

mod common;

use std::path::Path;
use std::process::{Child, Command, Output, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use common::{env, err, out, Env};

/// The listener's port, inside the namespace only.
const PORT: u16 = 8080;
/// Addresses on the namespace's `lo`: the listener's, and a client's that rules name.
const SERVER: &str = "192.0.2.1";
const CLIENT: &str = "192.0.2.5";

/// A network namespace with `lo` up, two test addresses on it and a TCP listener on
/// PORT; the listener is killed and the namespace deleted when dropped, a panicking
/// test included.
struct Lab {
    ns: String,
    listener: Option<Child>,
    e: Env,
}

impl Drop for Lab {
    fn drop(&mut self) {
        if let Some(mut l) = self.listener.take() {
            let _ = l.kill();
            let _ = l.wait();
        }
        let _ = Command::new("ip").args(["netns", "del", &self.ns]).status();
    }
}

fn lab() -> Lab {
    static N: AtomicUsize = AtomicUsize::new(0);
    let ns = format!(
        "jfcacl-{}-{}",
        std::process::id(),
        N.fetch_add(1, Ordering::SeqCst)
    );
    let made = Command::new("ip")
        .args(["netns", "add", &ns])
        .output()
        .expect("ip runs");
    assert!(made.status.success(), "ip netns add: {}", err(&made));
    // From here on the guard deletes the namespace, whatever fails next.
    let mut lab = Lab {
        ns,
        listener: None,
        e: env(),
    };
    for args in [
        &["ip", "link", "set", "lo", "up"][..],
        &["ip", "addr", "add", &format!("{SERVER}/32"), "dev", "lo"],
        &["ip", "addr", "add", &format!("{CLIENT}/32"), "dev", "lo"],
    ] {
        let o = lab.exec(args);
        assert!(o.status.success(), "{args:?}: {}", err(&o));
    }
    let listener = Command::new("ip")
        .args(["netns", "exec", &lab.ns, "python3", "-m", "http.server"])
        .args(["--bind", "0.0.0.0", &PORT.to_string()])
        .current_dir(&lab.e.dir)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("python3 runs");
    lab.listener = Some(listener);
    let until = Instant::now() + Duration::from_secs(10);
    while !lab.connects("127.0.0.1", "127.0.0.1") {
        assert!(Instant::now() < until, "the listener never came up");
        std::thread::sleep(Duration::from_millis(100));
    }
    lab
}

impl Lab {
    /// A command inside the namespace.
    fn exec(&self, args: &[&str]) -> Output {
        Command::new("ip")
            .args(["netns", "exec", &self.ns])
            .args(args)
            .output()
            .expect("ip runs")
    }

    /// Its stdout, which must be a success.
    fn text(&self, args: &[&str]) -> String {
        let o = self.exec(args);
        assert!(o.status.success(), "{args:?}: {}", err(&o));
        out(&o)
    }

    /// Whether a TCP connection from `from` to `to`:PORT is accepted within a second.
    fn connects(&self, from: &str, to: &str) -> bool {
        let script = "import socket, sys\n\
                      s = socket.socket()\n\
                      s.settimeout(1)\n\
                      s.bind((sys.argv[1], 0))\n\
                      s.connect((sys.argv[2], int(sys.argv[3])))\n";
        self.exec(&["python3", "-c", script, from, to, &PORT.to_string()])
            .status
            .success()
    }

    /// The command that runs `text` as a flow with the built jfc inside the namespace.
    fn jfc_run(&self, text: &str) -> Command {
        let flow = self.e.flow("flow.jf", text);
        let mut c = Command::new("ip");
        c.args([
            "netns",
            "exec",
            &self.ns,
            env!("CARGO_BIN_EXE_jfc"),
            "--store",
        ])
        .arg(&self.e.store)
        .arg("run")
        .arg(flow)
        .current_dir(&self.e.dir)
        .env_remove("JFC_STORE")
        .env("NO_COLOR", "1");
        c
    }

    fn run(&self, text: &str) -> Output {
        self.jfc_run(text).output().expect("jfc runs")
    }

    fn path(&self, name: &str) -> String {
        self.e.dir.join(name).display().to_string()
    }

    /// The arguments every call here shares: no sudo (root already), no task, the saved
    /// rules and backups in the scratch directory, the listener checked.
    fn common_args(&self, backend: &str, save_file: &str) -> String {
        format!(
            "backend='{backend}', sudo=false, approve=false, save_file='{}', backup_dir='{}', \
             check=['127.0.0.1:{PORT}'], check_timeout=1",
            self.path(save_file),
            self.path("backups"),
        )
    }

    /// The backend's whole ruleset as text.
    fn ruleset(&self, backend: &str) -> String {
        match backend {
            "nftables" => self.text(&["nft", "list", "ruleset"]),
            _ => self.text(&["iptables-save"]),
        }
    }
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_default()
}

/// Add (twice: the second is a no-op), list and remove a rule that drops the client's
/// network on PORT, with `backend`, checking the firewall itself after each step.
fn add_list_remove(backend: &str, save_file: &str, in_force: &str) {
    let lab = lab();
    let args = lab.common_args(backend, save_file);
    let rule = format!("{PORT}, action='drop', source='192.0.2.0/24', {args}");
    assert!(lab.connects(CLIENT, SERVER), "open before the rule");

    let o = lab.run(&format!(
        "[/lib/acl/add: {rule}] -> [r = $RESULT]\n\
         -> print(r.backend, r.state, r.changed, r.saved, r.rolled_back)"
    ));
    assert!(o.status.success(), "{}{}", out(&o), err(&o));
    assert_eq!(out(&o), format!("{backend} added true true false\n"));
    let tag = format!("jfc-acl:input:drop:tcp:{PORT}:192.0.2.0/24");
    let rules = lab.ruleset(backend);
    assert!(rules.contains(in_force), "{rules}");
    assert!(rules.contains(&tag), "{rules}");
    assert!(!lab.connects(CLIENT, SERVER), "the rule drops the client");
    assert!(lab.connects("127.0.0.1", "127.0.0.1"), "and nothing else");
    let saved = read(&lab.e.dir.join(save_file));
    assert!(saved.contains(&tag), "the rule is saved: {saved}");

    let o = lab.run(&format!(
        "[/lib/acl/list: backend='{backend}', sudo=false] -> print($RESULT.rules)\n\
         -> [/lib/acl/add: {rule}] -> print($RESULT.state, $RESULT.backup)"
    ));
    assert!(o.status.success(), "{}{}", out(&o), err(&o));
    assert_eq!(
        out(&o),
        format!(
            "[{{chain='input', action='drop', proto='tcp', port={PORT}, source='192.0.2.0/24'}}]\n\
             unchanged null\n"
        )
    );
    assert_eq!(
        lab.ruleset(backend).matches(&tag).count(),
        1,
        "adding again added nothing"
    );

    let o = lab.run(&format!(
        "[/lib/acl/remove: {rule}] -> print($RESULT.state, $RESULT.saved)\n\
         -> [/lib/acl/list: backend='{backend}', sudo=false] -> print(length($RESULT.rules))"
    ));
    assert!(o.status.success(), "{}{}", out(&o), err(&o));
    assert_eq!(out(&o), "removed true\n0\n");
    assert!(!lab.ruleset(backend).contains(&tag));
    assert!(lab.connects(CLIENT, SERVER), "open again");
    let saved = read(&lab.e.dir.join(save_file));
    assert!(!saved.contains(&tag), "the removal is saved: {saved}");
}

#[test]
fn nftables_rule_is_added_listed_kept_once_removed_and_saved() {
    add_list_remove(
        "nftables",
        "nftables.conf",
        &format!("ip saddr 192.0.2.0/24 tcp dport {PORT} drop"),
    );
}

#[test]
fn iptables_rule_is_added_listed_kept_once_removed_and_saved() {
    add_list_remove(
        "iptables",
        "rules.v4",
        &format!("-A INPUT -s 192.0.2.0/24 -p tcp -m tcp --dport {PORT}"),
    );
}

/// A rule that cuts the checked port: the backup is restored, the call fails with
/// status 1, nothing is saved and the listener answers again.
fn cut_port_is_rolled_back(backend: &str, save_file: &str) {
    let lab = lab();
    let args = lab.common_args(backend, save_file);
    let o = lab.run(&format!(
        "[/lib/acl/add: {PORT}, action='drop', {args}]\n\
         => [st = $STATUS, r = $RESULT, e = $ERROR] -> print(st, r.state, r.rolled_back, e)"
    ));
    let said = out(&o);
    assert!(said.starts_with("1 rolled_back true "), "{said}{}", err(&o));
    assert!(
        said.contains(&format!(
            "acl/add: no TCP connection to 127.0.0.1:{PORT} from here within 1 s; \
             the {backend} rules on localhost are restored from {}/jfc-acl-",
            lab.path("backups")
        )),
        "{said}"
    );
    let rules = lab.ruleset(backend);
    assert!(!rules.contains("jfc-acl:"), "{rules}");
    assert!(lab.connects("127.0.0.1", "127.0.0.1"), "reachable again");
    assert!(!lab.e.dir.join(save_file).exists(), "nothing saved");
}

#[test]
fn an_nftables_rule_that_cuts_the_checked_port_is_rolled_back() {
    cut_port_is_rolled_back("nftables", "nftables.conf");
}

#[test]
fn an_iptables_rule_that_cuts_the_checked_port_is_rolled_back() {
    cut_port_is_rolled_back("iptables", "rules.v4");
}

/// The commit-confirm timer restores the rules on its own when jfc is gone before it
/// confirms the change (as when the change cuts its SSH connection).
#[test]
fn the_commit_confirm_timer_restores_the_rules_when_jfc_is_gone() {
    use std::os::unix::process::CommandExt;
    let lab = lab();
    let args = lab.common_args("nftables", "nftables.conf");
    let mut cmd = lab.jfc_run(&format!(
        "[/lib/acl/add: {PORT}, action='drop', source='192.0.2.0/24', {args}, \
         confirm=3, check_command='sleep 30']\n"
    ));
    // A process group of its own: killing it ends jfc and its check, not the timer
    // (which runs in a session of its own).
    cmd.process_group(0)
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    let mut jfc = cmd.spawn().expect("jfc runs");
    let tag = "jfc-acl:input:drop:tcp";
    let until = Instant::now() + Duration::from_secs(15);
    while !lab.ruleset("nftables").contains(tag) {
        assert!(Instant::now() < until, "the rule never came");
        std::thread::sleep(Duration::from_millis(100));
    }
    let pgid = rustix::process::Pid::from_raw(jfc.id() as i32).expect("a pid");
    rustix::process::kill_process_group(pgid, rustix::process::Signal::KILL).expect("kill");
    let _ = jfc.wait();
    assert!(lab.ruleset("nftables").contains(tag), "still there at once");
    let until = Instant::now() + Duration::from_secs(10);
    while lab.ruleset("nftables").contains(tag) {
        assert!(
            Instant::now() < until,
            "the timer did not restore: {}",
            lab.ruleset("nftables")
        );
        std::thread::sleep(Duration::from_millis(200));
    }
    assert!(lab.connects(CLIENT, SERVER));
    assert!(!lab.e.dir.join("nftables.conf").exists(), "nothing saved");
}

/// The timer has already restored the rules when the flow comes to confirm (its checks
/// took longer than `confirm`): the call says so and fails.
#[test]
fn a_change_confirmed_too_late_is_reported_rolled_back_by_the_timer() {
    let lab = lab();
    let args = lab.common_args("iptables", "rules.v4");
    let o = lab.run(&format!(
        "[/lib/acl/add: {PORT}, action='reject', source='192.0.2.9', {args}, \
         confirm=1, check_command='sleep 3']\n\
         => [st = $STATUS, r = $RESULT, e = $ERROR] -> print(st, r.state, r.rolled_back)\n\
         -> print(e)"
    ));
    assert!(o.status.success(), "{}{}", out(&o), err(&o));
    let said = out(&o);
    assert!(said.starts_with("1 rolled_back true\n"), "{said}");
    assert!(
        said.contains(
            "acl/add: the change was not confirmed within 1 s; the iptables rules on \
             localhost were restored from "
        ) && said.contains("by the commit-confirm timer"),
        "{said}"
    );
    assert!(!lab.ruleset("iptables").contains("jfc-acl:"));
}
