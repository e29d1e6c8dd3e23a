//! A real RabbitMQ (Debian's rabbitmq-server) on loopback ports, with a data directory
//! and an Erlang port mapper of its own, so it never meets the machine's own broker.
//!
//! It runs under a small shell that holds a pipe from this test binary: when the pipe
//! closes (the broker is dropped, or the binary ends however it ends) the shell kills
//! the broker's whole process group.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

use crate::sshd::free_port;

const SERVER: &str = "/usr/lib/rabbitmq/bin/rabbitmq-server";

pub struct Rabbit {
    pub port: u16,
    dir: PathBuf,
    epmd_port: u16,
    dist_port: u16,
    shell: Mutex<Option<(Child, ChildStdin)>>,
}

/// The broker most tests of this binary share.
pub fn rabbit() -> &'static Rabbit {
    static SHARED: OnceLock<Rabbit> = OnceLock::new();
    SHARED.get_or_init(Rabbit::start)
}

impl Rabbit {
    /// A broker of its own (for a test that stops it).
    pub fn start() -> Rabbit {
        Rabbit::start_with(|_| String::new())
    }

    /// A broker of its own with settings (`rabbitmq.conf` lines) that `conf` writes,
    /// given the broker's data directory.
    pub fn start_with(conf: impl FnOnce(&Path) -> String) -> Rabbit {
        assert!(
            Path::new(SERVER).is_file(),
            "tests/agents needs {SERVER} (rabbitmq-server; test.sh installs it)"
        );
        let dir = tempfile::tempdir().expect("temp dir").keep();
        std::fs::write(dir.join("enabled_plugins"), "[].\n").expect("plugins file");
        std::fs::write(dir.join("rabbitmq.conf"), conf(&dir)).expect("settings file");
        let r = Rabbit {
            port: free_port(),
            epmd_port: free_port(),
            dist_port: free_port(),
            dir,
            shell: Mutex::new(None),
        };
        r.boot();
        r
    }

    /// The broker's data directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    pub fn url(&self) -> String {
        format!("amqp://guest:guest@127.0.0.1:{}/%2f", self.port)
    }

    /// Stop the broker (its process group is killed) and wait until its port is closed.
    pub fn stop(&self) {
        if let Some((mut child, stdin)) = self.shell.lock().expect("lock").take() {
            drop(stdin);
            let _ = child.wait();
        }
        let deadline = Instant::now() + Duration::from_secs(20);
        while std::net::TcpStream::connect(("127.0.0.1", self.port)).is_ok() {
            assert!(Instant::now() < deadline, "the broker did not stop");
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// Start the broker on the same ports and data, and wait until it takes connections.
    pub fn boot(&self) {
        let d = self.dir.display();
        // The subshell's group holds epmd and the broker; EOF on stdin kills it.
        let script = format!(
            "set -m\n( epmd -port {ep} -address 127.0.0.1 & exec {SERVER} ) > {d}/broker.log 2>&1 &\n\
             group=$!\ncat > /dev/null\nkill -KILL -- -$group 2>/dev/null\nwait\n",
            ep = self.epmd_port,
        );
        let mut cmd = Command::new("bash");
        cmd.arg("-c")
            .arg(script)
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        for (k, v) in self.env() {
            cmd.env(k, v);
        }
        let mut child = cmd.spawn().expect("bash starts the broker");
        let stdin = child.stdin.take().expect("stdin");
        *self.shell.lock().expect("lock") = Some((child, stdin));
        let deadline = Instant::now() + Duration::from_secs(90);
        while std::net::TcpStream::connect(("127.0.0.1", self.port)).is_err() {
            assert!(
                Instant::now() < deadline,
                "the broker did not listen on {} within 90s: {}",
                self.port,
                std::fs::read_to_string(self.dir.join("broker.log")).unwrap_or_default()
            );
            std::thread::sleep(Duration::from_millis(200));
        }
    }

    fn env(&self) -> Vec<(&'static str, String)> {
        let d = self.dir.display();
        vec![
            ("HOME", d.to_string()),
            ("RABBITMQ_NODENAME", format!("jfc{}@localhost", self.port)),
            ("RABBITMQ_NODE_IP_ADDRESS", "127.0.0.1".into()),
            ("RABBITMQ_NODE_PORT", self.port.to_string()),
            ("RABBITMQ_DIST_PORT", self.dist_port.to_string()),
            ("ERL_EPMD_ADDRESS", "127.0.0.1".into()),
            ("ERL_EPMD_PORT", self.epmd_port.to_string()),
            ("RABBITMQ_MNESIA_BASE", format!("{d}/mnesia")),
            ("RABBITMQ_LOG_BASE", format!("{d}/log")),
            ("RABBITMQ_LOGS", "-".into()),
            (
                "RABBITMQ_ENABLED_PLUGINS_FILE",
                format!("{d}/enabled_plugins"),
            ),
            ("RABBITMQ_CONFIG_FILE", format!("{d}/rabbitmq")),
            (
                "RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS",
                "-kernel inet_dist_use_interface {127,0,0,1}".into(),
            ),
        ]
    }
}

impl Drop for Rabbit {
    fn drop(&mut self) {
        if let Some((mut child, mut stdin)) = self.shell.get_mut().expect("lock").take() {
            let _ = stdin.flush();
            drop(stdin);
            let _ = child.wait();
        }
    }
}
