//! Running local commands on worker threads (language.md §13).
//!
//! The VM's thread never waits for a command: a request goes over a crossbeam
//! channel to a pool of workers. The pool keeps a worker for every command not yet
//! finished (up to a cap no smaller than the process limit, since a process waits on
//! one command at most), so a command starts as soon as its process reaches it and a
//! thousand sleeping commands do not queue behind each other.

pub(crate) mod capture;
pub mod children;
mod command_line;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::thread;
use std::time::Instant;

use crossbeam_channel::{Receiver, Sender};
use jfc_vm::host::{CommandRequest, Completion, RebootRequest, Request, Ticket, TransferRequest};

use capture::Captured;

/// Bytes of stdout, and of stderr, kept from one command by default (`--max-output`).
pub const DEFAULT_MAX_OUTPUT: usize = 16 << 20;

/// How commands run.
#[derive(Clone, Debug)]
pub struct ExecOptions {
    /// Commands running at once at most; more wait for a worker.
    pub max_workers: usize,
    /// Bytes kept of each of a command's stdout and stderr; the rest is dropped with a
    /// note in `$ERROR`.
    pub max_output: usize,
    /// The host keys that commands over SSH trust (runtime::ssh).
    pub host_keys: crate::ssh::HostKeys,
    /// The store that `__node__` and `__account__` objects are read from.
    pub store: Option<PathBuf>,
    /// `jfc run --dry-run`: say each command, where and as whom it would run; run none,
    /// open no connection, and answer status 0 with no output.
    pub dry_run: bool,
    /// The broker side that runs the jobs of agent zones (`__zone__`); None: a job
    /// with a zone fails, saying a broker is needed.
    pub zones: Option<std::sync::Arc<dyn crate::zones::Zones>>,
}

impl Default for ExecOptions {
    fn default() -> Self {
        ExecOptions {
            max_workers: 1000,
            max_output: DEFAULT_MAX_OUTPUT,
            host_keys: crate::ssh::HostKeys {
                file: known_hosts_for(None),
                replace_changed: false,
            },
            store: None,
            dry_run: false,
            zones: None,
        }
    }
}

/// Where the host keys of SSH hosts are kept: beside the store (`<store>.known_hosts`),
/// or without one in `~/.jfc/known_hosts`.
pub fn known_hosts_for(store: Option<&Path>) -> PathBuf {
    match store {
        Some(s) => {
            let mut name = s.as_os_str().to_owned();
            name.push(".known_hosts");
            PathBuf::from(name)
        }
        None => std::env::var_os("HOME")
            .map_or_else(|| PathBuf::from("."), PathBuf::from)
            .join(".jfc/known_hosts"),
    }
}

type Job = (Ticket, Request, Sender<(Ticket, Completion)>);

/// A growing pool of command workers.
pub struct Workers {
    tx: Sender<Job>,
    rx: Receiver<Job>,
    /// Commands submitted and not yet finished.
    unfinished: Arc<AtomicUsize>,
    spawned: AtomicUsize,
    opts: ExecOptions,
    /// Session blocks run on threads of their own, not on workers.
    sessions: Arc<crate::session::Sessions>,
    /// Tells this pool's commands from other runs' (children::Job).
    id: u64,
}

/// Numbers the pools of workers.
static POOLS: AtomicUsize = AtomicUsize::new(1);

impl Workers {
    pub fn new(opts: ExecOptions) -> Workers {
        let (tx, rx) = crossbeam_channel::unbounded();
        Workers {
            tx,
            rx,
            unfinished: Arc::new(AtomicUsize::new(0)),
            spawned: AtomicUsize::new(0),
            opts: ExecOptions {
                max_workers: opts.max_workers.max(1),
                ..opts
            },
            sessions: Arc::default(),
            id: POOLS.fetch_add(1, Ordering::SeqCst) as u64,
        }
    }

    /// End the command process `pid` of this run waits on (a terminated process's):
    /// here, or on the agent that runs it; a command over SSH runs on to its end.
    pub fn cancel(&self, pid: u64) {
        children::stop_job((self.id, pid));
        if let Some(zones) = &self.opts.zones {
            zones.cancel((self.id, pid));
        }
    }

    /// The open session blocks.
    pub fn sessions(&self) -> &crate::session::Sessions {
        &self.sessions
    }

    /// Queue a command; its completion goes to `done`. Workers never end, and one that
    /// finishes a command goes straight back to the queue: with at least as many
    /// workers as unfinished commands, none waits in the queue for another to end.
    pub fn submit(&self, ticket: Ticket, req: Request, done: Sender<(Ticket, Completion)>) {
        let req = match req {
            Request::Session(s) => return self.sessions.open(ticket, s, &self.opts, done),
            other => other,
        };
        let unfinished = self.unfinished.fetch_add(1, Ordering::SeqCst) + 1;
        let spawned = self.spawned.load(Ordering::SeqCst);
        if unfinished > spawned && spawned < self.opts.max_workers {
            self.spawn_worker();
        }
        if self.tx.send((ticket, req, done)).is_err() {
            tracing::error!("command workers are gone");
        }
    }

    fn spawn_worker(&self) {
        let rx = self.rx.clone();
        let unfinished = self.unfinished.clone();
        let opts = self.opts.clone();
        let pool = self.id;
        self.spawned.fetch_add(1, Ordering::SeqCst);
        let started = thread::Builder::new()
            .name("jfc-command".into())
            .spawn(move || {
                while let Ok((ticket, req, done)) = rx.recv() {
                    let c = children::for_job((pool, ticket.pid), || match &req {
                        Request::Command(c) => run_command(c, &opts),
                        Request::Transfer(t) => run_transfer(t, &opts),
                        Request::Script(s) => crate::script::run_script(s, &opts),
                        Request::Reboot(r) => run_reboot(r, &opts),
                        Request::Http(_)
                        | Request::Mail(_)
                        | Request::Download(_)
                        | Request::Upload(_) => crate::local_jobs::run(&req, &opts),
                        // `submit` gives sessions threads of their own.
                        Request::Session(_) => Completion::ConnectionFailed(
                            "a session block reached a command worker".into(),
                        ),
                    });
                    if children::stopping() {
                        // jfc ends with the signal's status, not with the flow's reaction
                        // to a command killed on the way out.
                        return;
                    }
                    unfinished.fetch_sub(1, Ordering::SeqCst);
                    let _ = done.send((ticket, c));
                }
            });
        if let Err(e) = started {
            self.spawned.fetch_sub(1, Ordering::SeqCst);
            tracing::error!("cannot start a command worker: {e}");
        }
    }
}

/// `reboot(wait)` on the job's host, said only in a dry run.
pub fn run_reboot(r: &RebootRequest, opts: &ExecOptions) -> Completion {
    let store = opts.store.as_deref();
    if opts.dry_run {
        eprintln!("[dry-run] {}", crate::ssh::describe_reboot(r, store));
        return Completion::Done;
    }
    let zones = opts.zones.as_deref();
    let job = |target| {
        crate::zones::ZoneJob::Reboot(RebootRequest {
            target,
            ..r.clone()
        })
    };
    if let Some(c) = crate::zones::route(&r.target, job, zones, store) {
        return c;
    }
    crate::ssh::reboot(r, &opts.host_keys, store)
}

/// Copy files for `put` or `get`: over SFTP with a host, else on this machine.
pub fn run_transfer(t: &TransferRequest, opts: &ExecOptions) -> Completion {
    let store = opts.store.as_deref();
    if opts.dry_run {
        let (verb, target) = (
            if t.put { "put" } else { "get" },
            crate::ssh::describe(&t.target, store),
        );
        eprintln!("[dry-run] {} {verb} {} {}", target.trim_end(), t.from, t.to);
        return Completion::Transferred(Vec::new());
    }
    let zones = opts.zones.as_deref();
    let job = |target| {
        crate::zones::ZoneJob::Transfer(TransferRequest {
            target,
            ..t.clone()
        })
    };
    if let Some(c) = crate::zones::route(&t.target, job, zones, store) {
        return c;
    }
    let local = crate::transfer::Local;
    copy_on_target(&t.target, opts, |there| {
        if t.put {
            crate::transfer::copy(&local, &t.from, there, &t.to)
        } else {
            crate::transfer::copy(there, &t.from, &local, &t.to)
        }
    })
}

/// Copy files with `copy`, given the side of the host `target` chooses: over SFTP
/// with a host, else this machine's files.
pub fn copy_on_target(
    target: &CommandRequest,
    opts: &ExecOptions,
    copy: impl FnOnce(&dyn crate::transfer::Side) -> Result<Vec<String>, String>,
) -> Completion {
    if target.host.is_some() || target.node.is_some() {
        let store = opts.store.as_deref();
        return crate::ssh::copy_with_host(target, &opts.host_keys, store, copy);
    }
    crate::transfer::completion(copy(&crate::transfer::Local))
}

/// Run one command to completion, here or with `__host__` over SSH, keeping
/// `max_output` bytes of each stream.
pub fn run_command(req: &CommandRequest, opts: &ExecOptions) -> Completion {
    if opts.dry_run {
        eprintln!(
            "[dry-run] {}",
            crate::ssh::describe(req, opts.store.as_deref())
        );
        return Completion::Command {
            stdout: Vec::new(),
            stderr: Vec::new(),
            status: 0,
        };
    }
    let store = opts.store.as_deref();
    let zones = opts.zones.as_deref();
    if let Some(c) = crate::zones::route(req, crate::zones::ZoneJob::Command, zones, store) {
        return c;
    }
    if req.host.is_some() || req.node.is_some() {
        return crate::ssh::run(req, opts.max_output, &opts.host_keys, store);
    }
    let max_output = opts.max_output;
    let cmd = match command_line::build(req) {
        Ok(c) => c,
        Err(msg) => return Completion::ConnectionFailed(msg),
    };
    let stdin = if req.stdin.is_some() {
        Stdio::piped()
    } else {
        Stdio::null()
    };
    let mut running = match children::spawn(&cmd, stdin, Stdio::piped(), Stdio::piped()) {
        Ok(c) => c,
        Err(e) => {
            // Name the program started: sudo, the shell, or the command's first word.
            let program = cmd.get_program().to_string_lossy();
            return Completion::ConnectionFailed(format!(
                "cannot start {program} for `{}`: {e}",
                req.command
            ));
        }
    };
    let writer = req.stdin.clone().and_then(|input| {
        let mut stdin = running.child.stdin.take()?;
        Some(thread::spawn(move || {
            let _ = stdin.write_all(&input);
        }))
    });
    let deadline = req.timeout.map(|t| Instant::now() + t);
    let (Some(mut out), Some(mut err)) = (running.child.stdout.take(), running.child.stderr.take())
    else {
        running.kill();
        return lost(req, "its output pipes are missing");
    };
    let finished = match capture::read_both(&mut out, &mut err, max_output, deadline) {
        Ok(Some(streams)) => running.wait(deadline).map(|s| s.map(|s| (streams, s))),
        Ok(None) => {
            running.kill();
            Ok(None)
        }
        Err(e) => {
            running.kill();
            Err(e)
        }
    };
    if let Some(w) = writer {
        let _ = w.join();
    }
    match finished {
        Ok(Some(((stdout, stderr), status))) => Completion::Command {
            stderr: with_notes(stderr, &stdout, max_output),
            stdout: stdout.bytes,
            status: exit_code(status),
        },
        Ok(None) => Completion::ConnectionFailed(format!(
            "the command did not finish within __timeout__ = {}s and was killed",
            req.timeout.map_or(0.0, |d| d.as_secs_f64())
        )),
        Err(e) => lost(req, &e.to_string()),
    }
}

fn lost(req: &CommandRequest, why: &str) -> Completion {
    Completion::ConnectionFailed(format!("lost the command `{}`: {why}", req.command))
}

/// Stderr, with a line saying what was dropped of either stream past the cap.
pub(crate) fn with_notes(stderr: Captured, stdout: &Captured, cap: usize) -> Vec<u8> {
    let mut text = stderr.bytes;
    for (name, dropped) in [("stdout", stdout.dropped), ("stderr", stderr.dropped)] {
        if dropped > 0 {
            if !text.is_empty() && !text.ends_with(b"\n") {
                text.push(b'\n');
            }
            text.extend_from_slice(
                format!("jfc: {name} truncated: kept the first {cap} bytes, dropped {dropped} (jfc run --max-output)\n")
                    .as_bytes(),
            );
        }
    }
    text
}

fn exit_code(s: std::process::ExitStatus) -> i64 {
    use std::os::unix::process::ExitStatusExt;
    if let Some(sig) = s.signal() {
        return 128 + i64::from(sig);
    }
    s.code().map_or(-1, i64::from)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn capped(max_output: usize) -> ExecOptions {
        ExecOptions {
            max_output,
            ..ExecOptions::default()
        }
    }

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
            sudo: false,
            password: None,
            ..CommandRequest::default()
        }
    }

    #[test]
    fn output_and_status() {
        let c = run_command(
            &req("echo out; echo err >&2; exit 3"),
            &ExecOptions::default(),
        );
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
            run_command(&r, &ExecOptions::default()),
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
            matches!(run_command(&r, &ExecOptions::default()), Completion::ConnectionFailed(m) if m.contains("__timeout__"))
        );
    }

    #[test]
    fn without_shell_and_in_dir() {
        let mut r = req("pwd");
        r.use_shell = false;
        r.dir = Some("/tmp".into());
        assert_eq!(
            run_command(&r, &ExecOptions::default()),
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
        assert!(matches!(
            run_command(&r, &ExecOptions::default()),
            Completion::ConnectionFailed(_)
        ));
    }

    #[test]
    fn a_timeout_kills_what_the_command_started() {
        let dir = tempfile::tempdir().unwrap();
        let pidfile = dir.path().join("pid");
        let mut r = req(&format!(
            "sleep 600 & echo $! > {}; wait",
            pidfile.display()
        ));
        r.timeout = Some(Duration::from_millis(300));
        assert!(matches!(
            run_command(&r, &capped(100)),
            Completion::ConnectionFailed(_)
        ));
        let pid = std::fs::read_to_string(&pidfile).unwrap();
        let stat = std::fs::read_to_string(format!("/proc/{}/stat", pid.trim()));
        // Gone, or a zombie the container's init has not reaped yet.
        assert!(
            stat.map_or(true, |s| s.contains(") Z ")),
            "sleep {pid} survived"
        );
    }

    #[test]
    fn output_past_the_cap_is_counted_in_a_note() {
        let Completion::Command { stdout, stderr, .. } =
            run_command(&req("head -c 5000 /dev/zero; echo oops >&2"), &capped(1000))
        else {
            panic!("the command did not run");
        };
        assert_eq!(stdout.len(), 1000);
        assert_eq!(
            String::from_utf8(stderr).unwrap(),
            "oops\njfc: stdout truncated: kept the first 1000 bytes, dropped 4000 (jfc run --max-output)\n"
        );
    }

    #[test]
    fn submitted_commands_all_run_at_once() {
        // Each command waits until all twelve have started, so this ends only when no
        // command is queued behind another.
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path();
        let workers = Workers::new(ExecOptions::default());
        let (tx, rx) = crossbeam_channel::unbounded();
        for i in 0..12u64 {
            let cmd = format!(
                "touch {d}/{i}; for k in $(seq 200); do [ $(ls {d} | wc -l) -ge 12 ] && exit 0; sleep 0.05; done; exit 1",
                d = dir.display()
            );
            workers.submit(
                Ticket { pid: i, seq: 0 },
                Request::Command(req(&cmd)),
                tx.clone(),
            );
        }
        for _ in 0..12 {
            let (t, c) = rx.recv().unwrap();
            assert!(
                matches!(c, Completion::Command { status: 0, .. }),
                "command {} waited for another: {c:?}",
                t.pid
            );
        }
    }

    #[test]
    fn a_missing_program_is_named() {
        let mut r = req("echo hi");
        r.shell = "/nonexistent/shell".into();
        let c = run_command(&r, &capped(100));
        assert!(
            matches!(&c, Completion::ConnectionFailed(m) if m.starts_with("cannot start /nonexistent/shell for `echo hi`")),
            "{c:?}"
        );
    }
}
