//! `reboot(wait)` (library.md §1.11): `shutdown -r now` through sudo, then wait for
//! the host to go down and to accept a login again, `wait` at most for both. Waiting
//! for it to go down first keeps a host that has not stopped yet from counting as
//! back.

use std::path::Path;
use std::time::{Duration, Instant};

use jfc_vm::host::{CommandRequest, Completion, RebootRequest};

use super::{finish, local_user, login, pool, start, target, with_connection, HostKeys, Reach};

/// What reboots the host: the same on systemd, SysV init and the BSDs.
pub const COMMAND: &str = "shutdown -r now";

/// Bytes kept of what the reboot command prints (only shown when it fails).
const OUTPUT_KEPT: usize = 64 << 10;

/// How often the host is tried while it goes down and comes back.
const POLL: Duration = Duration::from_millis(250);

/// How long one try to log in may take: a host on its way down or up may swallow
/// packets rather than refuse them.
const TRY_WITHIN: Duration = Duration::from_secs(5);

/// Reboot `r`'s host and wait for it to come back.
pub fn run(r: &RebootRequest, keys: &HostKeys, store: Option<&Path>) -> Completion {
    let deadline = Instant::now() + r.wait;
    let mut req = reboot_request(&r.target);
    if req.node.is_some() || req.account.is_some() {
        req = match target::resolve(&req, store) {
            Ok(resolved) => resolved,
            Err(e) => return Completion::ConnectionFailed(e),
        };
    }
    if req.host.is_none() {
        return Completion::ConnectionFailed(
            "reboot needs a host (__host__ or __node__): jfc does not reboot the machine it runs on"
                .into(),
        );
    }
    let ran = with_connection(&req, keys, store, start, |conn, channel, req| {
        // The server may drop the connection before the command ends: that is the
        // reboot under way.
        let done = finish(conn, channel, req, OUTPUT_KEPT).map_or(Completion::Done, |(c, _)| c);
        Ok((done, false))
    });
    match ran {
        Completion::Done | Completion::Command { status: 0, .. } => {}
        failed => return failed,
    }
    let host = Host::of(&req, keys, store);
    let wait = r.wait.as_secs_f64();
    if !host.goes_down(deadline) {
        return Completion::ConnectionFailed(format!(
            "{}: reboot: `{COMMAND}` ran, but the host still accepted logins after wait = {wait}s",
            host.name
        ));
    }
    match host.comes_back(deadline) {
        Ok(()) => Completion::Done,
        Err(last) => Completion::ConnectionFailed(format!(
            "{}: reboot: the host went down and did not accept a login again within wait = {wait}s (last try: {last})",
            host.name
        )),
    }
}

/// The job's request, running the reboot as root, on a connection of its own.
fn reboot_request(target: &CommandRequest) -> CommandRequest {
    CommandRequest {
        command: COMMAND.into(),
        sudo: true,
        fresh_connection: true,
        stdin: None,
        ..target.clone()
    }
}

/// The host being rebooted, as a login reaches it.
struct Host<'a> {
    req: &'a CommandRequest,
    name: String,
    user: String,
    keys: &'a HostKeys,
    store: Option<&'a Path>,
}

impl<'a> Host<'a> {
    fn of(req: &'a CommandRequest, keys: &'a HostKeys, store: Option<&'a Path>) -> Host<'a> {
        Host {
            req,
            name: format!(
                "{}:{}",
                req.host.as_deref().unwrap_or_default(),
                req.port.unwrap_or(22)
            ),
            user: req.user.clone().unwrap_or_else(local_user),
            keys,
            store,
        }
    }

    /// Log in once, `TRY_WITHIN` at most (and no later than `deadline`); the
    /// connection is kept for the jobs after the reboot.
    fn try_login(&self, deadline: Instant) -> Result<(), String> {
        let within = TRY_WITHIN.min(deadline.saturating_duration_since(Instant::now()));
        if within.is_zero() {
            return Err("out of time".into());
        }
        let reach = Reach {
            keys: self.keys,
            store: self.store,
            within,
        };
        let (host, port) = (
            self.req.host.as_deref().unwrap_or_default(),
            self.req.port.unwrap_or(22),
        );
        let key = pool::Key::of(self.req, host, port, &self.user);
        let slot = pool::room(&key);
        let conn = login(self.req, host, port, &self.user, &reach, 0)?;
        pool::give(key, pool::Counted { conn, slot });
        Ok(())
    }

    /// Whether a login fails before `deadline`. Connections kept from before the
    /// reboot are closed: they would not serve another job.
    fn goes_down(&self, deadline: Instant) -> bool {
        while Instant::now() < deadline {
            if self.try_login(deadline).is_err() {
                self.forget_kept();
                return true;
            }
            self.forget_kept();
            std::thread::sleep(POLL.min(deadline.saturating_duration_since(Instant::now())));
        }
        false
    }

    /// Ok once a login succeeds before `deadline`; else why the last one failed.
    fn comes_back(&self, deadline: Instant) -> Result<(), String> {
        let mut last = "no time left to try".to_string();
        while Instant::now() < deadline {
            match self.try_login(deadline) {
                Ok(()) => return Ok(()),
                Err(e) => last = e,
            }
            std::thread::sleep(POLL.min(deadline.saturating_duration_since(Instant::now())));
        }
        Err(last)
    }

    fn forget_kept(&self) {
        let (host, port) = (
            self.req.host.as_deref().unwrap_or_default(),
            self.req.port.unwrap_or(22),
        );
        pool::forget(&pool::Key::of(self.req, host, port, &self.user));
    }
}
