//! The process groups of running commands. Each command runs in a process group of its
//! own, so ending it (a `__timeout__`, Ctrl-C, SIGTERM to `jfc`) ends everything it
//! started — `sleep 600; echo x` is a shell *and* a sleep — and leaves nothing behind.

use std::collections::{BTreeMap, BTreeSet};
use std::ffi::OsStr;
use std::io;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::PermissionsExt;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::{Mutex, MutexGuard, OnceLock};
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

/// Start `cmd` as the leader of a new process group, with the given standard streams.
/// A command started while [`stop_all`] runs is either in the set it stops or sees it
/// closing here and goes at once: none is missed. (The lock is not held while the
/// command starts, so a thousand commands start side by side.)
pub fn spawn(cmd: &Command, stdin: Stdio, stdout: Stdio, stderr: Stdio) -> io::Result<Running> {
    let mut launch = launcher(cmd)?;
    launch
        .process_group(0)
        .stdin(stdin)
        .stdout(stdout)
        .stderr(stderr);
    if stopping() {
        return Err(io::Error::other("jfc is stopping"));
    }
    let child = launch.spawn()?;
    // The launcher holds the parent's ends of the pipes given to the child: only once
    // they are closed does a reader see the end when the command exits.
    drop(launch);
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

/// What starts `cmd` so that a jfc killed outright (SIGKILL, the OOM killer) takes the
/// command's shell with it, rather than leaving it to finish unseen a job that a resume
/// reports in doubt: the kernel's parent-death signal, set by util-linux `setpriv` in
/// the new process before it becomes the command. Setting it from jfc itself (a
/// `pre_exec` hook) would make every start a full fork of jfc, whose page tables take
/// longer to copy the bigger jfc is: 512 commands in a `pfor` then start over more than
/// half a second instead of at once. Without `setpriv`, that slower start is the
/// fallback, and said once in the log.
fn launcher(cmd: &Command) -> io::Result<Command> {
    let Some(setpriv) = setpriv() else {
        return Ok(forking_launcher(cmd));
    };
    // Found here, so that a command that does not exist fails to start (as it would
    // without the wrapper) instead of running setpriv that then exits 127.
    let program = find_program(cmd)?;
    let mut launch = Command::new(setpriv);
    launch
        .args(["--pdeathsig", "KILL", "--"])
        .arg(program)
        .args(cmd.get_args());
    copy_env_and_dir(cmd, &mut launch);
    Ok(launch)
}

/// `cmd` with the parent-death signal set by a `pre_exec` hook: std then forks jfc.
fn forking_launcher(cmd: &Command) -> Command {
    let mut launch = Command::new(cmd.get_program());
    launch.args(cmd.get_args());
    copy_env_and_dir(cmd, &mut launch);
    // SAFETY: prctl is async-signal-safe and touches no memory of the parent.
    unsafe {
        launch.pre_exec(|| {
            rustix::process::set_parent_process_death_signal(Some(Signal::KILL))
                .map_err(io::Error::from)
        });
    }
    launch
}

fn copy_env_and_dir(from: &Command, to: &mut Command) {
    for (key, value) in from.get_envs() {
        match value {
            Some(v) => to.env(key, v),
            None => to.env_remove(key),
        };
    }
    if let Some(dir) = from.get_current_dir() {
        to.current_dir(dir);
    }
}

/// The `setpriv` of util-linux (Debian's essential package), if this machine has one.
fn setpriv() -> Option<&'static Path> {
    static SETPRIV: OnceLock<Option<PathBuf>> = OnceLock::new();
    SETPRIV
        .get_or_init(|| {
            let found = ["/usr/bin/setpriv", "/bin/setpriv"]
                .into_iter()
                .map(PathBuf::from)
                .find(|p| is_executable(p));
            if found.is_none() {
                tracing::warn!(
                    "setpriv (util-linux) not found: each command starts with a fork of jfc, \
                     slower when many start at once"
                );
            }
            found
        })
        .as_deref()
}

/// The file `cmd` runs, looked up as execvp would (the `PATH` the command is given, else
/// jfc's): the error when there is none is the one starting it would give.
fn find_program(cmd: &Command) -> io::Result<PathBuf> {
    let program = Path::new(cmd.get_program());
    if program.as_os_str().as_bytes().contains(&b'/') {
        let path = match cmd.get_current_dir() {
            Some(dir) if program.is_relative() => dir.join(program),
            _ => program.to_path_buf(),
        };
        return match std::fs::metadata(&path) {
            Ok(_) if is_executable(&path) => Ok(program.to_path_buf()),
            Ok(_) => Err(io::Error::from_raw_os_error(libc_errno::EACCES)),
            Err(e) => Err(e),
        };
    }
    let path_var = cmd
        .get_envs()
        .find(|(k, _)| *k == "PATH")
        .map(|(_, v)| v.map(OsStr::to_os_string))
        .unwrap_or_else(|| std::env::var_os("PATH"))
        .unwrap_or_else(|| "/usr/local/bin:/usr/bin:/bin".into());
    std::env::split_paths(&path_var)
        .map(|dir| dir.join(program))
        .find(|p| is_executable(p))
        .ok_or_else(|| io::Error::from_raw_os_error(libc_errno::ENOENT))
}

/// The errno values [`find_program`] reports, as the kernel's exec would.
mod libc_errno {
    pub const ENOENT: i32 = 2;
    pub const EACCES: i32 = 13;
}

fn is_executable(path: &Path) -> bool {
    std::fs::metadata(path).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
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
