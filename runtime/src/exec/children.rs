//! The process groups of running commands. Each command runs in a process group of its
//! own, so ending it (a `__timeout__`, Ctrl-C, SIGTERM to `jfc`) ends everything it
//! started — `sleep 600; echo x` is a shell *and* a sleep — and leaves nothing behind.

use std::collections::{BTreeMap, BTreeSet};
use std::io;
use std::os::unix::process::CommandExt;
use std::process::{Child, Command, ExitStatus};
use std::sync::{Mutex, MutexGuard};
use std::thread;
use std::time::{Duration, Instant};

use rustix::process::{kill_process_group, Pid, Signal};

/// How long a command has between SIGTERM and SIGKILL.
pub const GRACE: Duration = Duration::from_secs(2);

/// How often a wait with a deadline looks at the command.
const POLL: Duration = Duration::from_millis(5);

/// The process groups (by leader pid) of the commands running now.
struct Groups {
    live: BTreeSet<i32>,
    /// The job each group runs for, when its worker said ([`for_job`]).
    jobs: BTreeMap<i32, Job>,
    /// Set once `jfc` is ending: no new command starts.
    closing: bool,
}

/// Whose command a group runs: a pool of workers (one run's) and a process of its VM.
pub type Job = (u64, u64);

static GROUPS: Mutex<Groups> = Mutex::new(Groups {
    live: BTreeSet::new(),
    jobs: BTreeMap::new(),
    closing: false,
});

thread_local! {
    /// The job the commands this thread starts run for.
    static JOB: std::cell::Cell<Option<Job>> = const { std::cell::Cell::new(None) };
}

/// Run `f` with the commands it starts counted as `job`'s, so that [`stop_job`] can
/// end them.
pub fn for_job<T>(job: Job, f: impl FnOnce() -> T) -> T {
    JOB.with(|j| j.set(Some(job)));
    let done = f();
    JOB.with(|j| j.set(None));
    done
}

/// The job this thread works for now, if [`for_job`] said.
pub fn current() -> Option<Job> {
    JOB.with(|j| j.get())
}

/// End the commands running for `job` (SIGTERM to their groups, SIGKILL after
/// [`GRACE`]), on a thread of its own: the caller does not wait.
pub fn stop_job(job: Job) {
    let pgids: Vec<i32> = groups()
        .jobs
        .iter()
        .filter(|(_, j)| **j == job)
        .map(|(g, _)| *g)
        .collect();
    if pgids.is_empty() {
        return;
    }
    for &pgid in &pgids {
        signal_group(pgid, Signal::TERM);
    }
    thread::spawn(move || {
        thread::sleep(GRACE);
        let g = groups();
        for pgid in pgids.iter().filter(|p| g.live.contains(p)) {
            signal_group(*pgid, Signal::KILL);
        }
    });
}

fn groups() -> MutexGuard<'static, Groups> {
    // A panicking worker cannot leave the set half-changed: recover it.
    GROUPS.lock().unwrap_or_else(|e| e.into_inner())
}

/// A started command, its process group registered until it is reaped.
pub struct Running {
    pub child: Child,
    pgid: i32,
}

/// Start `cmd` as the leader of a new process group. A command started while
/// [`stop_all`] runs is either in the set it stops or sees it closing here and goes at
/// once: none is missed. (The lock is not held while the command starts, so a
/// thousand commands start side by side.)
pub fn spawn(cmd: &mut Command) -> io::Result<Running> {
    cmd.process_group(0);
    // A jfc killed outright (SIGKILL, the OOM killer) takes the command's shell with
    // it, rather than leaving it to finish unseen a job that a resume reports in doubt.
    // SAFETY: prctl is async-signal-safe and touches no memory of the parent.
    unsafe {
        std::os::unix::process::CommandExt::pre_exec(cmd, || {
            rustix::process::set_parent_process_death_signal(Some(Signal::KILL))
                .map_err(io::Error::from)
        });
    }
    if stopping() {
        return Err(io::Error::other("jfc is stopping"));
    }
    let child = cmd.spawn()?;
    let running = Running {
        pgid: child.id() as i32,
        child,
    };
    let mut g = groups();
    g.live.insert(running.pgid);
    if let Some(job) = JOB.with(|j| j.get()) {
        g.jobs.insert(running.pgid, job);
    }
    if g.closing {
        drop(g);
        signal_group(running.pgid, Signal::KILL);
        return Err(io::Error::other("jfc is stopping"));
    }
    Ok(running)
}

impl Running {
    /// Wait for the leader, until `deadline` if any; on the deadline, kill the group
    /// and return `None`.
    pub fn wait(&mut self, deadline: Option<Instant>) -> io::Result<Option<ExitStatus>> {
        let Some(deadline) = deadline else {
            return self.child.wait().map(Some);
        };
        loop {
            if let Some(s) = self.child.try_wait()? {
                return Ok(Some(s));
            }
            if Instant::now() >= deadline {
                self.kill();
                return Ok(None);
            }
            thread::sleep(POLL);
        }
    }

    /// SIGTERM to the whole group, SIGKILL after [`GRACE`] to what is left.
    pub fn kill(&mut self) {
        signal_group(self.pgid, Signal::TERM);
        let deadline = Instant::now() + GRACE;
        while Instant::now() < deadline && matches!(self.child.try_wait(), Ok(None)) {
            thread::sleep(POLL);
        }
        signal_group(self.pgid, Signal::KILL);
        let _ = self.child.wait();
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        let mut g = groups();
        g.live.remove(&self.pgid);
        g.jobs.remove(&self.pgid);
        if g.closing {
            // What the command left in its group goes with `jfc`.
            signal_group(self.pgid, Signal::KILL);
        }
    }
}

fn signal_group(pgid: i32, sig: Signal) {
    if let Some(pid) = Pid::from_raw(pgid) {
        // ESRCH: the group is already gone.
        let _ = kill_process_group(pid, sig);
    }
}

/// Whether [`stop_all`] was called: `jfc` is ending.
pub fn stopping() -> bool {
    groups().closing
}

/// Stop every running command: SIGTERM to each group, SIGKILL after [`GRACE`] to those
/// still there; no command starts afterwards.
pub fn stop_all() {
    let first: Vec<i32> = {
        let mut g = groups();
        g.closing = true;
        g.live.iter().copied().collect()
    };
    for &pgid in &first {
        signal_group(pgid, Signal::TERM);
    }
    let deadline = Instant::now() + GRACE;
    while Instant::now() < deadline && !groups().live.is_empty() {
        thread::sleep(POLL);
    }
    for &pgid in &groups().live {
        signal_group(pgid, Signal::KILL);
    }
}

/// On SIGTERM, SIGINT (Ctrl-C) or SIGHUP, stop every running command, close the
/// open process records ABORTED, and end this OS process with 128 + the signal number
/// (143 for SIGTERM, 130 for SIGINT), as a shell reports a process killed by it.
pub fn stop_on_signals() -> io::Result<()> {
    use signal_hook::consts::{SIGHUP, SIGINT, SIGTERM};
    let mut signals = signal_hook::iterator::Signals::new([SIGTERM, SIGINT, SIGHUP])?;
    thread::Builder::new()
        .name("jfc-signals".into())
        .spawn(move || {
            if let Some(sig) = signals.forever().next() {
                stop_all();
                crate::record::stop_all(sig, "jfc run");
                std::process::exit(128 + sig);
            }
        })?;
    Ok(())
}
