//! Running local commands on worker threads (language.md §13).
//!
//! The VM's thread never waits for a command: a request goes over a crossbeam
//! channel to a pool of workers, which grows while every worker is busy (so a
//! thousand sleeping commands do not queue behind each other) up to a cap.

use std::io::{Read, Write};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};

use crossbeam_channel::{Receiver, Sender};
use jfc_vm::host::{CommandRequest, Completion, Ticket};

type Job = (Ticket, CommandRequest, Sender<(Ticket, Completion)>);

/// A growing pool of command workers.
pub struct Workers {
    tx: Sender<Job>,
    rx: Receiver<Job>,
    idle: Arc<AtomicUsize>,
    spawned: AtomicUsize,
    cap: usize,
}

impl Workers {
    pub fn new(cap: usize) -> Workers {
        let (tx, rx) = crossbeam_channel::unbounded();
        Workers {
            tx,
            rx,
            idle: Arc::new(AtomicUsize::new(0)),
            spawned: AtomicUsize::new(0),
            cap: cap.max(1),
        }
    }

    /// Queue a command; its completion goes to `done`.
    pub fn submit(&self, ticket: Ticket, req: CommandRequest, done: Sender<(Ticket, Completion)>) {
        if self.idle.load(Ordering::SeqCst) == 0 && self.spawned.load(Ordering::SeqCst) < self.cap {
            self.spawn_worker();
        }
        if self.tx.send((ticket, req, done)).is_err() {
            tracing::error!("command workers are gone");
        }
    }

    fn spawn_worker(&self) {
        let rx = self.rx.clone();
        let idle = self.idle.clone();
        self.spawned.fetch_add(1, Ordering::SeqCst);
        let started = thread::Builder::new()
            .name("jfc-command".into())
            .spawn(move || loop {
                idle.fetch_add(1, Ordering::SeqCst);
                let job = rx.recv();
                idle.fetch_sub(1, Ordering::SeqCst);
                let Ok((ticket, req, done)) = job else { return };
                let _ = done.send((ticket, run_command(&req)));
            });
        if let Err(e) = started {
            self.spawned.fetch_sub(1, Ordering::SeqCst);
            tracing::error!("cannot start a command worker: {e}");
        }
    }
}

/// Run one command to completion.
pub fn run_command(req: &CommandRequest) -> Completion {
    if let Some(host) = &req.host {
        return Completion::ConnectionFailed(format!(
            "cannot run on host {host:?}: remote execution over SSH is not available in this version of jfc"
        ));
    }
    let mut cmd = if req.use_shell {
        let mut c = Command::new(&req.shell);
        c.arg("-c").arg(&req.command);
        c
    } else {
        let mut words = req.command.split_whitespace();
        let Some(program) = words.next() else {
            return Completion::ConnectionFailed("empty command".into());
        };
        let mut c = Command::new(program);
        c.args(words);
        c
    };
    if let Some(dir) = &req.dir {
        cmd.current_dir(dir);
    }
    cmd.stdin(if req.stdin.is_some() {
        Stdio::piped()
    } else {
        Stdio::null()
    });
    cmd.stdout(Stdio::piped()).stderr(Stdio::piped());
    let mut child = match cmd.spawn() {
        Ok(c) => c,
        Err(e) => {
            return Completion::ConnectionFailed(format!("cannot start `{}`: {e}", req.command))
        }
    };
    let writer = req.stdin.clone().and_then(|input| {
        let mut stdin = child.stdin.take()?;
        Some(thread::spawn(move || {
            let _ = stdin.write_all(&input);
        }))
    });
    let Some(limit) = req.timeout else {
        // Without a timeout std reads both pipes itself (poll, no extra threads).
        let output = child.wait_with_output();
        if let Some(w) = writer {
            let _ = w.join();
        }
        return match output {
            Ok(o) => Completion::Command {
                stdout: o.stdout,
                stderr: o.stderr,
                status: exit_code(o.status),
            },
            Err(e) => {
                Completion::ConnectionFailed(format!("lost the command `{}`: {e}", req.command))
            }
        };
    };
    let out = reader(child.stdout.take());
    let err = reader(child.stderr.take());
    let status = wait_until(&mut child, Instant::now() + limit);
    if let Some(w) = writer {
        let _ = w.join();
    }
    let stdout = out.join().unwrap_or_default();
    let stderr = err.join().unwrap_or_default();
    match status {
        Ok(Some(s)) => Completion::Command {
            stdout,
            stderr,
            status: exit_code(s),
        },
        Ok(None) => Completion::ConnectionFailed(format!(
            "the command did not finish within __timeout__ = {}s and was killed",
            req.timeout.map_or(0.0, |d| d.as_secs_f64())
        )),
        Err(e) => Completion::ConnectionFailed(format!("lost the command `{}`: {e}", req.command)),
    }
}

fn reader(pipe: Option<impl Read + Send + 'static>) -> thread::JoinHandle<Vec<u8>> {
    thread::spawn(move || {
        let mut buf = Vec::new();
        if let Some(mut p) = pipe {
            let _ = p.read_to_end(&mut buf);
        }
        buf
    })
}

/// Wait for the child until `deadline`; kill it and return `None` after.
fn wait_until(
    child: &mut std::process::Child,
    deadline: Instant,
) -> std::io::Result<Option<std::process::ExitStatus>> {
    loop {
        if let Some(s) = child.try_wait()? {
            return Ok(Some(s));
        }
        if Instant::now() >= deadline {
            let _ = child.kill();
            let _ = child.wait();
            return Ok(None);
        }
        thread::sleep(Duration::from_millis(5));
    }
}

fn exit_code(s: std::process::ExitStatus) -> i64 {
    #[cfg(unix)]
    {
        use std::os::unix::process::ExitStatusExt;
        if let Some(sig) = s.signal() {
            return 128 + i64::from(sig);
        }
    }
    s.code().map_or(-1, i64::from)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn req(cmd: &str) -> CommandRequest {
        CommandRequest {
            command: cmd.into(),
            stdin: None,
            shell: "/bin/sh".into(),
            use_shell: true,
            dir: None,
            timeout: None,
            host: None,
            user: None,
        }
    }

    #[test]
    fn output_and_status() {
        let c = run_command(&req("echo out; echo err >&2; exit 3"));
        assert_eq!(
            c,
            Completion::Command {
                stdout: b"out\n".to_vec(),
                stderr: b"err\n".to_vec(),
                status: 3
            }
        );
    }

    #[test]
    fn stdin_is_written() {
        let mut r = req("tr a-z A-Z");
        r.stdin = Some(b"abc".to_vec());
        assert_eq!(
            run_command(&r),
            Completion::Command {
                stdout: b"ABC".to_vec(),
                stderr: vec![],
                status: 0
            }
        );
    }

    #[test]
    fn timeout_kills() {
        let mut r = req("sleep 5");
        r.timeout = Some(Duration::from_millis(100));
        assert!(
            matches!(run_command(&r), Completion::ConnectionFailed(m) if m.contains("__timeout__"))
        );
    }

    #[test]
    fn without_shell_and_in_dir() {
        let mut r = req("pwd");
        r.use_shell = false;
        r.dir = Some("/tmp".into());
        assert_eq!(
            run_command(&r),
            Completion::Command {
                stdout: b"/tmp\n".to_vec(),
                stderr: vec![],
                status: 0
            }
        );
    }

    #[test]
    fn remote_host_is_a_connection_failure() {
        let mut r = req("true");
        r.host = Some("web1".into());
        assert!(matches!(run_command(&r), Completion::ConnectionFailed(_)));
    }
}
