//! Two network segments on one machine. A network namespace that the test makes holds
//! an sshd on its own loopback, which the daemon's namespace cannot reach. An agent in
//! that namespace dials out to the broker through a Unix socket (socat on each side, the
//! only path between the two), as an agent behind a firewall dials out to the broker.
//! A command with the segment's zone reaches the sshd; the same command without it
//! cannot: the agent's path is the one used.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use crate::common::{env, spawn_kept, Kept};
use crate::rabbit::rabbit;
use crate::sshd::{free_port, sshd};
use crate::{agent_args, ok, run, Agent};

/// A network namespace with its loopback up; deleted, with what runs in it, when dropped.
struct Segment {
    name: String,
    dir: PathBuf,
    kept: Vec<Kept>,
}

impl Segment {
    fn new() -> Segment {
        static N: AtomicUsize = AtomicUsize::new(0);
        let name = format!(
            "jfc-seg-{}-{}",
            std::process::id(),
            N.fetch_add(1, Ordering::SeqCst)
        );
        ip(&["netns", "add", &name]);
        ip(&["-n", &name, "link", "set", "lo", "up"]);
        Segment {
            name,
            dir: tempfile::tempdir().expect("temp dir").keep(),
            kept: Vec::new(),
        }
    }

    /// `program` run inside the namespace.
    fn command(&self, program: &str) -> Command {
        let mut c = Command::new("ip");
        c.args(["netns", "exec", &self.name, program]);
        c
    }

    fn keep(&mut self, cmd: Command) {
        self.kept.push(spawn_kept(cmd));
    }

    /// An sshd on the namespace's loopback port `port`, with the shared server's keys.
    fn sshd(&mut self, port: u16) {
        let keys = &sshd().dir;
        let config = self.dir.join("sshd_config");
        std::fs::write(
            &config,
            format!(
                "ListenAddress 127.0.0.1:{port}\nHostKey {k}/host\nAuthorizedKeysFile {k}/authorized_keys\n\
                 PidFile {d}/sshd.pid\nPermitRootLogin yes\nStrictModes no\nUsePAM no\n",
                k = keys.display(),
                d = self.dir.display()
            ),
        )
        .expect("sshd config");
        let mut cmd = self.command("/usr/sbin/sshd");
        cmd.args(["-D", "-e", "-f"]).arg(&config);
        self.keep(cmd);
        self.wait_listening(port);
    }

    /// The broker's port `broker` of this namespace reachable inside it as `port`.
    fn bridge_to_broker(&mut self, broker: u16, port: u16) {
        let socket = self.dir.join("amqp.sock");
        let mut host_side = Command::new("socat");
        host_side
            .arg(format!("UNIX-LISTEN:{},fork", socket.display()))
            .arg(format!("TCP:127.0.0.1:{broker}"));
        self.keep(host_side);
        wait_for(&socket);
        let mut inside = self.command("socat");
        inside
            .arg(format!("TCP-LISTEN:{port},bind=127.0.0.1,fork,reuseaddr"))
            .arg(format!("UNIX-CONNECT:{}", socket.display()));
        self.keep(inside);
        self.wait_listening(port);
    }

    fn wait_listening(&self, port: u16) {
        let deadline = Instant::now() + Duration::from_secs(10);
        let probe = format!("exec 3<>/dev/tcp/127.0.0.1/{port}");
        while !self
            .command("bash")
            .args(["-c", &probe])
            .stderr(std::process::Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
        {
            assert!(
                Instant::now() < deadline,
                "nothing listens on {port} in {}",
                self.name
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for Segment {
    fn drop(&mut self) {
        for k in &self.kept {
            if let Some(pid) = rustix::process::Pid::from_raw(k.pid as i32) {
                let _ = rustix::process::kill_process(pid, rustix::process::Signal::KILL);
            }
        }
        let _ = Command::new("ip")
            .args(["netns", "del", &self.name])
            .status();
    }
}

fn ip(args: &[&str]) {
    let s = Command::new("ip")
        .args(args)
        .status()
        .expect("ip (iproute2)");
    assert!(s.success(), "ip {args:?} failed");
}

fn wait_for(path: &Path) {
    let deadline = Instant::now() + Duration::from_secs(10);
    while !path.exists() {
        assert!(
            Instant::now() < deadline,
            "{} did not appear",
            path.display()
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn an_agent_in_another_segment_reaches_the_host_that_the_daemon_cannot() {
    let r = rabbit();
    let mut seg = Segment::new();
    let (ssh_port, broker_port) = (free_port(), free_port());
    seg.sshd(ssh_port);
    seg.bridge_to_broker(r.port, broker_port);
    let inside_url = format!("amqp://guest:guest@127.0.0.1:{broker_port}/%2f");
    let mut cmd = seg.command(env!("CARGO_BIN_EXE_jfc"));
    cmd.args(agent_args(&inside_url, "segment", "segment-1"));
    let agent = Agent::spawn(cmd, "segment-1");
    let e = env();
    let login = format!(
        "__host__ = '127.0.0.1', __port__ = {ssh_port}, __user__ = 'root', __keyfile__ = '{}'",
        sshd().key()
    );
    // From the daemon's side the host is not there.
    let direct = ok(&run(
        &e,
        &r.url(),
        "20",
        &format!("[{login}] -> ['echo hi'] ->> print($STATUS)"),
    ));
    assert_eq!(direct, "-1\n");
    // Through the segment's agent it is.
    let via = ok(&run(
        &e,
        &r.url(),
        "20",
        &format!(
            "[__zone__ = 'segment', {login}] -> ['echo hi from $SSH_CONNECTION'] => print($RESULT)"
        ),
    ));
    assert!(via.starts_with("hi from 127.0.0.1 "), "{via}");
    assert!(
        via.trim_end().ends_with(&format!("127.0.0.1 {ssh_port}")),
        "{via}"
    );
    assert!(
        agent.log().contains("runs `echo hi from"),
        "{}",
        agent.log()
    );
}
