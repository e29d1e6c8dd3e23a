//! Command jobs on another machine, over SSH (language.md §13): a command with
//! `__host__` logs in as `__user__` (with `__keyfile__` and `__passphrase__`, or
//! `__password__`, or else the SSH agent and the default keys of `~/.ssh`), checks the
//! server's host key against the known_hosts file kept beside the store, and runs the
//! command there with `__dir__`, `__shell__` and the job's stdin.
//!
//! Everything here blocks: it runs on the command workers, never on the interpreter's
//! thread. A failure to connect, to log in or to trust the host is a connection
//! failure (class B: `$STATUS` -1, the reason in `$ERROR`); the command's own exit
//! status is a job's as locally.

mod host_key;
mod line;
mod pool;
pub(crate) mod proxy;
mod reboot;
mod session;
mod sftp;
pub mod target;

use std::io::{self, Read, Write};
use std::net::{TcpStream, ToSocketAddrs};
use std::os::fd::{AsFd, OwnedFd};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use jfc_vm::host::{CommandRequest, Completion, RebootRequest};
use rustix::event::{poll, PollFd, PollFlags, Timespec};
use ssh2::{Channel, Session};

use crate::exec::capture::Captured;
pub use host_key::HostKeys;
pub use line::quote;
use line::PGID_MARK;
use pool::Conn;
pub use pool::{set_max_connections, DEFAULT_MAX_CONNECTIONS};
pub use session::session;

/// How long connecting and logging in may take.
const LOGIN_TIMEOUT: Duration = Duration::from_secs(20);

/// Run `req` on its host (`__host__`, or `__node__`'s); `keys` are the host keys it
/// trusts, `store` the store that `__node__` and `__account__` are in.
pub fn run(
    req: &CommandRequest,
    max_output: usize,
    keys: &HostKeys,
    store: Option<&Path>,
) -> Completion {
    with_connection(req, keys, store, start, |conn, channel, req| {
        finish(conn, channel, req, max_output)
    })
}

/// `reboot(wait)`: reboot the host and wait for it to come back.
pub fn reboot(r: &RebootRequest, keys: &HostKeys, store: Option<&Path>) -> Completion {
    reboot::run(r, keys, store)
}

/// What a dry run says of `reboot(wait)`.
pub fn describe_reboot(r: &RebootRequest, store: Option<&Path>) -> String {
    let mut req = r.target.clone();
    req.command = reboot::COMMAND.into();
    req.sudo = true;
    format!(
        "{} (reboot: then wait up to {}s for the host to come back)",
        describe(&req, store),
        r.wait.as_secs_f64()
    )
}

/// Copy files to or from the host `target` chooses with `copy`, given its side over
/// SFTP: the files written, or a job failure saying why.
pub fn copy_with_host(
    target: &CommandRequest,
    keys: &HostKeys,
    store: Option<&Path>,
    copy: impl FnOnce(&dyn crate::transfer::Side) -> Result<Vec<String>, String>,
) -> Completion {
    let open = |conn: &Conn, _: &CommandRequest| conn.session.sftp().map_err(io::Error::from);
    with_connection(target, keys, store, open, |_, sftp, req| {
        let remote = sftp::Remote::new(&sftp, req.dir.as_deref());
        Ok((crate::transfer::completion(copy(&remote)), true))
    })
}

/// Script job: `source` uploaded to `path` on the host (mode 0700), `req.command` run,
/// and the file deleted afterwards whatever the outcome.
pub fn script(
    req: &CommandRequest,
    source: &str,
    path: &str,
    opts: &crate::exec::ExecOptions,
) -> Completion {
    let upload = |conn: &Conn, req: &CommandRequest| {
        let sftp = conn.session.sftp()?;
        let mut file = sftp.open_mode(
            Path::new(path),
            ssh2::OpenFlags::WRITE | ssh2::OpenFlags::CREATE | ssh2::OpenFlags::TRUNCATE,
            0o700,
            ssh2::OpenType::File,
        )?;
        file.write_all(source.as_bytes())?;
        drop(file);
        start(conn, req)
    };
    let store = opts.store.as_deref();
    with_connection(req, &opts.host_keys, store, upload, |conn, channel, req| {
        let ran = finish(conn, channel, req, opts.max_output);
        conn.session.set_blocking(true);
        if let Err(e) = conn.session.sftp().and_then(|f| f.unlink(Path::new(path))) {
            tracing::warn!("cannot delete the script {path} on the host: {e}");
        }
        ran
    })
}

/// Reach `req`'s host on a kept or a new connection, `open` what the job needs there
/// (nothing has happened on the host until it succeeds: on a kept connection the
/// server has closed since, it is tried once more on a new one), then run the job with
/// `then`, which says whether the connection can serve another job.
fn with_connection<T>(
    req: &CommandRequest,
    keys: &HostKeys,
    store: Option<&Path>,
    open: impl Fn(&Conn, &CommandRequest) -> io::Result<T>,
    then: impl FnOnce(&Conn, T, &CommandRequest) -> io::Result<(Completion, bool)>,
) -> Completion {
    let resolved;
    let req = if req.node.is_some() || req.account.is_some() {
        match target::resolve(req, store) {
            Ok(r) => {
                resolved = r;
                &resolved
            }
            Err(e) => return Completion::ConnectionFailed(e),
        }
    } else {
        req
    };
    let host = req.host.as_deref().unwrap_or_default();
    let port = req.port.unwrap_or(22);
    let user = req.user.clone().unwrap_or_else(local_user);
    let key = pool::Key::of(req, host, port, &user);
    let reach = Reach {
        keys,
        store,
        within: LOGIN_TIMEOUT,
    };
    let fresh = |slot: pool::Slot| {
        let conn = login(req, host, port, &user, &reach, 0)?;
        let opened = open(&conn, req).map_err(|e| format!("{host}:{port}: {e}"))?;
        Ok((pool::Counted { conn, slot }, opened))
    };
    let opened = match pool::get(&key, req.fresh_connection) {
        pool::Got::Kept(kept) => match open(&kept.conn, req) {
            Ok(opened) => Ok((kept, opened)),
            Err(_) => {
                let pool::Counted { conn, slot } = kept;
                drop(conn);
                fresh(slot)
            }
        },
        pool::Got::Room(slot) => fresh(slot),
    };
    let (conn, opened) = match opened {
        Ok(opened) => opened,
        Err(e) => return Completion::ConnectionFailed(e),
    };
    match then(&conn.conn, opened, req) {
        Ok((c, reusable)) => {
            if reusable && !req.fresh_connection {
                pool::give(key, conn);
            }
            c
        }
        Err(e) => Completion::ConnectionFailed(format!("{host}:{port}: {e}")),
    }
}

/// Where and as whom `req` runs, and the command: `root@web1:22 # systemctl restart
/// nginx` (`#` under sudo), `root@web1:22 via ops@bastion:22 $ uptime` through a jump
/// host, `local $ df -h` here. Opens no connection.
pub fn describe(req: &CommandRequest, store: Option<&Path>) -> String {
    let sudo = if req.sudo { "#" } else { "$" };
    let target = if req.node.is_some() || req.account.is_some() {
        target::resolve(req, store)
            .map_or_else(|e| format!("(unresolved: {e})"), |r| where_to(&r, store))
    } else if req.host.is_some() {
        where_to(req, store)
    } else {
        "local".to_string()
    };
    format!("{target} {sudo} {}", req.command)
}

fn where_to(req: &CommandRequest, store: Option<&Path>) -> String {
    let user = req.user.clone().unwrap_or_else(local_user);
    let host = req.host.as_deref().unwrap_or_default();
    let via = match proxy::hop(req, &user, store) {
        Ok(Some(hop)) => format!(" via {}", where_to(&hop, store)),
        Ok(None) => String::new(),
        Err(e) => format!(" via ({e})"),
    };
    format!("{user}@{host}:{}{via}", req.port.unwrap_or(22))
}

/// How a job reaches hosts: the host keys it trusts, the store its NodeInfo and
/// AccountInfo objects are in, and how long each step of a login may take.
struct Reach<'a> {
    keys: &'a HostKeys,
    store: Option<&'a Path>,
    within: Duration,
}

/// A logged-in connection to `host` as `user`, through `req`'s jump host if it has
/// one; `hops`: jump hosts already on the way.
fn login(
    req: &CommandRequest,
    host: &str,
    port: u16,
    user: &str,
    reach: &Reach,
    hops: usize,
) -> Result<Conn, String> {
    let via = match proxy::hop(req, user, reach.store)? {
        Some(via) => Some(jump_host(&via, host, port, reach, hops)?),
        None => None,
    };
    // Until logged in, the connection counts against the server's MaxStartups.
    let _turn = pool::login_turn(host, port);
    let transport = match via {
        Some((conn, name)) => proxy::tunnel(conn, host, port, reach.within)
            .map(OwnedFd::from)
            .map_err(|e| {
                format!("the jump host (__proxy__) {name} cannot reach {host}:{port}: {e}")
            })?,
        None => connect(host, port, reach.within)?,
    };
    let socket = transport
        .try_clone()
        .map_err(|e| format!("{host}:{port}: {e}"))?;
    let mut session = Session::new().map_err(|e| format!("{host}:{port}: {e}"))?;
    session.set_timeout(reach.within.as_millis().clamp(1, u32::MAX as u128) as u32);
    session.set_tcp_stream(transport);
    session
        .handshake()
        .map_err(|e| format!("{host}:{port}: the SSH handshake failed: {e}"))?;
    host_key::check(&session, host, port, reach.keys)?;
    authenticate(&session, user, req)
        .map_err(|tried| format!("{host}:{port}: login as {user} refused ({tried})"))?;
    session.set_timeout(0);
    Ok(Conn { session, socket })
}

/// A TCP connection to `host:port`.
fn connect(host: &str, port: u16, within: Duration) -> Result<OwnedFd, String> {
    let addr = (host, port)
        .to_socket_addrs()
        .map_err(|e| format!("cannot resolve {host}: {e}"))?
        .next()
        .ok_or_else(|| format!("cannot resolve {host}: no address"))?;
    let tcp = TcpStream::connect_timeout(&addr, within)
        .map_err(|e| format!("cannot connect to {host}:{port}: {e}"))?;
    // Small packets each way: without this, delayed ACKs cost 40 ms a round trip.
    let _ = tcp.set_nodelay(true);
    Ok(tcp.into())
}

/// A connection to the jump host `via` on the way to `host:port`, and its name.
fn jump_host(
    via: &CommandRequest,
    host: &str,
    port: u16,
    reach: &Reach,
    hops: usize,
) -> Result<(Conn, String), String> {
    if hops >= proxy::MAX_HOPS {
        return Err(format!(
            "{host}:{port}: more than {} jump hosts in a row (does a NodeInfo's proxy lead back to itself?)",
            proxy::MAX_HOPS
        ));
    }
    let (vhost, vport) = (
        via.host.as_deref().unwrap_or_default(),
        via.port.unwrap_or(22),
    );
    let vuser = via.user.clone().unwrap_or_else(local_user);
    let conn = login(via, vhost, vport, &vuser, reach, hops + 1).map_err(|e| {
        // Said once for a chain of jump hosts.
        if e.starts_with("the jump host") {
            e
        } else {
            format!("the jump host (__proxy__): {e}")
        }
    })?;
    Ok((conn, format!("{vhost}:{vport}")))
}

/// Log in as `user`: with the key file and/or password given, else the agent and the
/// default keys. Err: what was tried, and why each failed.
fn authenticate(s: &Session, user: &str, req: &CommandRequest) -> Result<(), String> {
    let mut tried = Vec::new();
    if let Some(key) = &req.keyfile {
        match s.userauth_pubkey_file(user, None, Path::new(key), req.passphrase.as_deref()) {
            Ok(()) if s.authenticated() => return Ok(()),
            Ok(()) => tried.push(format!("the key {key}")),
            Err(e) => tried.push(format!("the key {key}: {}", e.message())),
        }
    }
    if let Some(key) = &req.key {
        match s.userauth_pubkey_memory(user, None, key, req.passphrase.as_deref()) {
            Ok(()) if s.authenticated() => return Ok(()),
            Ok(()) => tried.push("the account's key".to_string()),
            Err(e) => tried.push(format!("the account's key: {}", e.message())),
        }
    }
    if let Some(password) = &req.password {
        match s.userauth_password(user, password) {
            Ok(()) if s.authenticated() => return Ok(()),
            _ => tried.push("the password".to_string()),
        }
    }
    if req.keyfile.is_none() && req.key.is_none() && req.password.is_none() {
        if s.userauth_agent(user).is_ok() && s.authenticated() {
            return Ok(());
        }
        tried.push("the SSH agent".to_string());
        for key in default_keys() {
            if s.userauth_pubkey_file(user, None, &key, None).is_ok() && s.authenticated() {
                return Ok(());
            }
            tried.push(format!("the key {}", key.display()));
        }
    }
    Err(format!("tried {}", tried.join(", ")))
}

/// `~/.ssh/id_ed25519`, `id_ecdsa`, `id_rsa`: those that exist.
fn default_keys() -> Vec<PathBuf> {
    let Some(home) = std::env::var_os("HOME") else {
        return Vec::new();
    };
    ["id_ed25519", "id_ecdsa", "id_rsa"]
        .iter()
        .map(|k| Path::new(&home).join(".ssh").join(k))
        .filter(|p| p.is_file())
        .collect()
}

fn local_user() -> String {
    std::env::var("USER").unwrap_or_else(|_| "root".into())
}

/// Start the command on a logged-in connection, its stdin written and closed.
fn start(conn: &Conn, req: &CommandRequest) -> io::Result<Channel> {
    conn.session.set_blocking(true);
    let mut channel = conn.session.channel_session()?;
    if req.pty {
        channel.request_pty("xterm", None, None)?;
    }
    channel.exec(&line::remote_line(req))?;
    channel.write_all(&line::stdin(req))?;
    channel.send_eof()?;
    Ok(channel)
}

/// Collect what the command prints until it ends, or stop it all at `__timeout__`;
/// whether the connection can serve another job.
fn finish(
    conn: &Conn,
    mut channel: Channel,
    req: &CommandRequest,
    max_output: usize,
) -> io::Result<(Completion, bool)> {
    let s = &conn.session;
    let deadline = req.timeout.map(|t| Instant::now() + t);
    let (mut out, mut err) = (Captured::default(), Captured::default());
    let mut buf = vec![0u8; 64 * 1024];
    s.set_blocking(false);
    loop {
        let got_out = read_some(&mut channel.stream(0), &mut buf, &mut out, max_output)?;
        let got_err = read_some(&mut channel.stderr(), &mut buf, &mut err, max_output)?;
        if got_out + got_err > 0 {
            continue;
        }
        if channel.eof() {
            break;
        }
        if deadline.is_some_and(|d| Instant::now() >= d) {
            s.set_blocking(true);
            if let Some(pgid) = take_pgid(if req.pty { &mut out } else { &mut err }) {
                stop_group(s, pgid, req);
            }
            let _ = channel.close();
            let stopped = format!(
                "the command did not finish within __timeout__ = {}s and was stopped, with what it started",
                req.timeout.map_or(0.0, |d| d.as_secs_f64())
            );
            return Ok((Completion::ConnectionFailed(stopped), false));
        }
        wait_readable(&conn.socket, deadline)?;
    }
    s.set_blocking(true);
    channel.wait_close()?;
    let status = channel.exit_status()?;
    // On a terminal the announcement comes with stdout.
    take_pgid(if req.pty { &mut out } else { &mut err });
    let done = Completion::Command {
        stderr: crate::exec::with_notes(err, &out, max_output),
        stdout: out.bytes,
        status: i64::from(status),
    };
    Ok((done, true))
}

/// The process group the remote side announced, taken off the front of stderr.
fn take_pgid(err: &mut Captured) -> Option<i64> {
    let rest = err.bytes.strip_prefix(PGID_MARK)?;
    let end = rest.iter().position(|b| *b == b'\n')?;
    let pgid = std::str::from_utf8(&rest[..end])
        .ok()?
        .trim_end_matches('\r')
        .parse()
        .ok();
    err.bytes.drain(..PGID_MARK.len() + end + 1);
    pgid
}

/// Kill process group `pgid` on the server: the command and all it started. Under
/// `__sudo__` they belong to root, and the kill goes through sudo too (its password,
/// if any, on stdin).
fn stop_group(s: &Session, pgid: i64, req: &CommandRequest) {
    let kill = format!("kill -KILL -- -{pgid}");
    let line = match (req.sudo, &req.password) {
        (false, _) => kill,
        (true, Some(_)) => format!("sudo -S -p '' -- {kill}"),
        (true, None) => format!("sudo -n -- {kill}"),
    };
    let killed = (|| -> io::Result<i32> {
        let mut ch = s.channel_session()?;
        ch.exec(&line)?;
        if let (true, Some(password)) = (req.sudo, &req.password) {
            ch.write_all(format!("{password}\n").as_bytes())?;
        }
        ch.send_eof()?;
        ch.wait_close()?;
        Ok(ch.exit_status()?)
    })();
    match killed {
        Ok(0) => {}
        Ok(status) => tracing::warn!(
            "cannot stop process group {pgid} on the server: `{line}` ended with status {status}"
        ),
        Err(e) => tracing::warn!("cannot stop process group {pgid} on the server: {e}"),
    }
}

/// Read what is there of one stream (non-blocking): the bytes read.
fn read_some(
    stream: &mut impl Read,
    buf: &mut [u8],
    into: &mut Captured,
    cap: usize,
) -> io::Result<usize> {
    let mut total = 0;
    loop {
        match stream.read(buf) {
            Ok(0) => return Ok(total),
            Ok(n) => {
                into.keep(&buf[..n], cap);
                total += n;
            }
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => return Ok(total),
            Err(e) => return Err(e),
        }
    }
}

/// Wait until the server sends something, 50 ms at most (a window update may be due
/// without data to read), or until `deadline`.
fn wait_readable(socket: impl AsFd, deadline: Option<Instant>) -> io::Result<()> {
    let mut wait = Duration::from_millis(50);
    if let Some(d) = deadline {
        wait = wait.min(d.saturating_duration_since(Instant::now()));
    }
    let mut fds = [PollFd::new(&socket, PollFlags::IN)];
    let timeout = Timespec::try_from(wait).map_err(io::Error::other)?;
    match poll(&mut fds, Some(&timeout)) {
        Ok(_) | Err(rustix::io::Errno::INTR) => Ok(()),
        Err(e) => Err(e.into()),
    }
}
