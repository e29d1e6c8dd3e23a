//! The OpenSSH server the tests of this binary share, and how a flow logs in to it.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use crate::common::Env;

/// The shared server: its port, and the key files a client logs in with. It also
/// listens on `counted`, which one test alone uses, counting its connections in the log.
pub struct Sshd {
    pub port: u16,
    pub counted: u16,
    /// Twenty more "hosts", each an address of 127.0.0.0/8 with a port of its own.
    pub hosts: Vec<(String, u16)>,
    pub dir: PathBuf,
    /// The password of `USER`, a sudoer made for these tests (new at each run).
    pub password: String,
}

/// A user with a password, allowed to sudo with it.
pub const USER: &str = "jfctest";

/// Make `USER` (once per machine) with a new password, and its sudo rule.
pub fn password_user() -> String {
    let made = Command::new("id").arg(USER).output().expect("id");
    if !made.status.success() {
        let added = Command::new("useradd")
            .args(["-m", "-s", "/bin/bash", USER])
            .status()
            .expect("useradd (the tests run as root, as CI does)");
        assert!(added.success());
    }
    let password = format!(
        "pw-{}-{}",
        std::process::id(),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.subsec_nanos())
    );
    let mut chpasswd = Command::new("chpasswd")
        .stdin(Stdio::piped())
        .spawn()
        .expect("chpasswd");
    std::io::Write::write_all(
        chpasswd.stdin.as_mut().expect("stdin"),
        format!("{USER}:{password}\n").as_bytes(),
    )
    .expect("password");
    assert!(chpasswd.wait().expect("chpasswd").success());
    let rule = format!("/etc/sudoers.d/{USER}");
    std::fs::write(&rule, format!("{USER} ALL=(ALL) ALL\n")).expect("sudo rule");
    std::fs::set_permissions(&rule, std::os::unix::fs::PermissionsExt::from_mode(0o440))
        .expect("mode");
    password
}

impl Sshd {
    pub fn key(&self) -> String {
        self.dir.join("client").display().to_string()
    }

    /// The client key as the File field of an AccountInfo, for `jfc obj set`.
    pub fn keyfile_field(&self) -> String {
        let key = std::fs::read_to_string(self.key()).expect("client key");
        format!(
            "keyfile={{ name = \"id_ed25519\", data = \"{}\" }}",
            key.replace('\n', "\\n")
        )
    }

    pub fn locked_key(&self) -> String {
        self.dir.join("locked").display().to_string()
    }
}

pub fn sshd() -> &'static Sshd {
    static SERVER: OnceLock<Sshd> = OnceLock::new();
    SERVER.get_or_init(start)
}

pub fn keygen(path: &Path, passphrase: &str) {
    let made = Command::new("ssh-keygen")
        .args(["-q", "-t", "ed25519", "-N", passphrase, "-f"])
        .arg(path)
        .status()
        .expect("ssh-keygen runs (openssh-client; test.sh installs it)");
    assert!(made.success());
}

pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port()
}

/// Start sshd on a thread that lives as long as this test binary: the server gets
/// SIGKILL when that thread (so the binary) ends.
pub fn start() -> Sshd {
    let dir = tempfile::tempdir().expect("temp dir").keep();
    keygen(&dir.join("host"), "");
    keygen(&dir.join("client"), "");
    keygen(&dir.join("locked"), "open sesame");
    let mut authorized = std::fs::read_to_string(dir.join("client.pub")).expect("pub");
    authorized += &std::fs::read_to_string(dir.join("locked.pub")).expect("pub");
    std::fs::write(dir.join("authorized_keys"), authorized).expect("authorized_keys");
    let (port, counted) = (free_port(), free_port());
    let main = [("127.0.0.1", port), ("127.0.0.1", counted)];
    serve(&dir, "sshd", &main);
    // Twenty "hosts": 127.0.0.2-21, the last five on a second server (16 sockets each).
    let hosts: Vec<(String, u16)> = (2..=21)
        .map(|i| (format!("127.0.0.{i}"), free_port()))
        .collect();
    let hosts_ref: Vec<(&str, u16)> = hosts.iter().map(|(h, p)| (h.as_str(), *p)).collect();
    serve(&dir, "sshd-a", &hosts_ref[..15]);
    serve(&dir, "sshd-b", &hosts_ref[15..]);
    Sshd {
        port,
        counted,
        hosts,
        dir,
        password: password_user(),
    }
}

/// Start an sshd named `name` listening on `listen`, on a thread that lives as long as
/// this test binary (the server gets SIGKILL when it ends), and wait until it answers.
pub fn serve(dir: &Path, name: &str, listen: &[(&str, u16)]) {
    serve_with(dir, name, listen, "");
}

/// `serve` with `first` at the top of its configuration (sshd takes the first value
/// of a keyword).
pub fn serve_with(dir: &Path, name: &str, listen: &[(&str, u16)], first: &str) {
    let sshd = Path::new("/usr/sbin/sshd");
    assert!(
        sshd.is_file(),
        "tests/ssh needs /usr/sbin/sshd (openssh-server; test.sh installs it)"
    );
    let addresses: String = listen
        .iter()
        .map(|(h, p)| format!("ListenAddress {h}:{p}\n"))
        .collect();
    let config = format!(
        "{first}{addresses}HostKey {d}/host\n\
         AuthorizedKeysFile {d}/authorized_keys\nPidFile {d}/{name}.pid\nPermitRootLogin yes\n\
         StrictModes no\nUsePAM no\nPasswordAuthentication yes\nMaxSessions 100\nMaxStartups 100\n\
         Subsystem sftp internal-sftp\nLogLevel VERBOSE\n",
        d = dir.display()
    );
    let (config_file, log) = (
        dir.join(format!("{name}_config")),
        dir.join(format!("{name}.log")),
    );
    std::fs::write(&config_file, config).expect("config");
    // Privilege separation wants its empty directory.
    std::fs::create_dir_all("/run/sshd").expect("/run/sshd");
    let (tx, rx) = std::sync::mpsc::channel();
    let log_file = log.clone();
    std::thread::spawn(move || {
        let mut cmd = Command::new(sshd);
        cmd.args(["-D", "-e", "-f"])
            .arg(&config_file)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(&log_file).expect("log"));
        // SAFETY: prctl is async-signal-safe and touches no memory of the parent.
        unsafe {
            std::os::unix::process::CommandExt::pre_exec(&mut cmd, || {
                rustix::process::set_parent_process_death_signal(Some(
                    rustix::process::Signal::KILL,
                ))
                .map_err(std::io::Error::from)
            });
        }
        let mut child = cmd.spawn().expect("sshd starts");
        tx.send(child.id()).expect("started");
        // This thread outlives every test: sshd goes when the binary does.
        let _ = child.wait();
    });
    rx.recv().expect("sshd started");
    let deadline = Instant::now() + Duration::from_secs(10);
    for (h, p) in listen {
        while std::net::TcpStream::connect((*h, *p)).is_err() {
            assert!(
                Instant::now() < deadline,
                "sshd did not listen on {h}:{p}: {}",
                std::fs::read_to_string(&log).unwrap_or_default()
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

/// The control variables of a login to the shared server, as a jobflow assignment job.
pub fn login(extra: &str) -> String {
    let s = sshd();
    format!(
        "[__host__ = '127.0.0.1', __port__ = {}, __user__ = 'root'{extra}]",
        s.port
    )
}

pub fn run(e: &Env, flow: &str) -> std::process::Output {
    e.flow("f.jf", flow);
    e.jfc(&["run", "f.jf"])
}

/// A jump host: a server of its own on the shared server's keys, whose log
/// (`sshd-proxy.log`, at DEBUG1) shows each `direct-tcpip` channel it opens.
pub fn jump_host() -> u16 {
    static PORT: OnceLock<u16> = OnceLock::new();
    *PORT.get_or_init(|| {
        let port = free_port();
        serve_with(
            &sshd().dir,
            "sshd-proxy",
            &[("127.0.0.1", port)],
            "LogLevel DEBUG1\n",
        );
        port
    })
}

/// The `direct-tcpip` channels the jump host opened to `port` so far.
pub fn tunnels_to(port: u16) -> usize {
    let log = std::fs::read_to_string(sshd().dir.join("sshd-proxy.log")).unwrap_or_default();
    log.lines()
        .filter(|l| l.contains("direct_tcpip") && l.contains(&format!(" port {port}")))
        .count()
}

/// A server of its own for counting connections in its log (`sshd-capped.log`).
pub fn capped() -> u16 {
    static PORT: OnceLock<u16> = OnceLock::new();
    *PORT.get_or_init(|| {
        let port = free_port();
        serve(&sshd().dir, "sshd-capped", &[("127.0.0.1", port)]);
        port
    })
}
