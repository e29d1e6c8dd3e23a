//! Jump hosts (`__proxy__`, or the `proxy` field of `__node__`): the job's SSH session
//! runs inside a `direct-tcpip` channel of a connection to the jump host, as with
//! OpenSSH's `ProxyJump`. libssh2 wants a file descriptor for its transport, so the
//! session gets one end of a socket pair, and a thread copies between the other end
//! and the channel.
//!
//! Credentials: a NodeInfo jump host logs in with its own account (and may have a jump
//! host of its own); a String `[user@]host[:port]` logs in with the job's user, key
//! and password, under the user it names if it names one (OpenSSH's `-J` syntax).

use std::io::{self, Read, Write};
use std::os::unix::net::UnixStream;
use std::path::Path;
use std::time::Duration;

use jfc_vm::host::CommandRequest;
use rustix::event::{poll, PollFd, PollFlags, Timespec};
use ssh2::{BlockDirections, Channel};

use super::pool::Conn;
use super::target;

/// Jump hosts in a chain at most: a NodeInfo that names itself as its proxy loops.
pub const MAX_HOPS: usize = 8;

/// The jump host `req` goes through, as a request of its own: host, port and
/// credentials. `user` is the job's login user (the default of a String jump host).
pub fn hop(
    req: &CommandRequest,
    user: &str,
    store: Option<&Path>,
) -> Result<Option<CommandRequest>, String> {
    if let Some(via) = &req.proxy_via {
        return Ok(Some((**via).clone()));
    }
    if let Some(id) = req.proxy_node {
        let node = CommandRequest {
            node: Some(id),
            ..CommandRequest::default()
        };
        return target::resolve(&node, store)
            .map(Some)
            .map_err(|e| format!("__proxy__: {e}"));
    }
    let Some(spec) = req.proxy.as_deref().filter(|s| !s.is_empty()) else {
        return Ok(None);
    };
    let (login, address) = match spec.rsplit_once('@') {
        Some((u, a)) => (u, a),
        None => (user, spec),
    };
    let (host, port) = match address.rsplit_once(':') {
        Some((h, p)) if !h.contains(':') => {
            let port = p.parse().map_err(|_| {
                format!("__proxy__ = '{spec}': `{p}` is not a port (expected [user@]host[:port])")
            })?;
            (h, Some(port))
        }
        _ => (address, None),
    };
    if host.is_empty() || login.is_empty() {
        return Err(format!("__proxy__ = '{spec}': expected [user@]host[:port]"));
    }
    Ok(Some(CommandRequest {
        host: Some(host.to_string()),
        port,
        user: Some(login.to_string()),
        keyfile: req.keyfile.clone(),
        key: req.key.clone(),
        password: req.password.clone(),
        passphrase: req.passphrase.clone(),
        ..CommandRequest::default()
    }))
}

/// A stream to `host:port` through the logged-in jump host `via`: a `direct-tcpip`
/// channel (opened `within` that long), relayed by a thread that owns `via` until
/// either side closes.
pub fn tunnel(via: Conn, host: &str, port: u16, within: Duration) -> io::Result<UnixStream> {
    via.session.set_blocking(true);
    via.session
        .set_timeout(within.as_millis().clamp(1, u32::MAX as u128) as u32);
    let channel = via.session.channel_direct_tcpip(host, port, None)?;
    via.session.set_timeout(0);
    let (ours, theirs) = UnixStream::pair()?;
    theirs.set_nonblocking(true)?;
    let relay = format!("{host}:{port}");
    std::thread::Builder::new()
        .name("jfc-ssh-proxy".into())
        .spawn(move || {
            if let Err(e) = relay_until_closed(&via, channel, theirs) {
                tracing::debug!("the jump host's channel to {relay} ended: {e}");
            }
        })?;
    Ok(ours)
}

/// Copy bytes both ways between `local` and `channel` until one of them closes.
fn relay_until_closed(via: &Conn, mut channel: Channel, mut local: UnixStream) -> io::Result<()> {
    via.session.set_blocking(false);
    let (mut up, mut down) = (Vec::new(), Vec::new());
    let mut buf = vec![0u8; 32 * 1024];
    let (mut local_eof, mut remote_eof) = (false, false);
    loop {
        let mut moved = false;
        if up.is_empty() && !local_eof {
            moved |= fill(&mut local, &mut buf, &mut up, &mut local_eof)?;
        }
        if !up.is_empty() {
            moved |= drain(&mut channel, &mut up)?;
        }
        if down.is_empty() && !remote_eof {
            // libssh2 also reads nothing after a packet that was not data.
            let mut nothing = false;
            moved |= fill(&mut channel, &mut buf, &mut down, &mut nothing)?;
            remote_eof = nothing && channel.eof();
        }
        if !down.is_empty() {
            moved |= drain(&mut local, &mut down)?;
        }
        // The session over the tunnel is gone, or the target closed and all it said
        // has been passed on: dropping `local` tells the session.
        if (local_eof && up.is_empty()) || (remote_eof && down.is_empty()) {
            return Ok(());
        }
        if !moved {
            let out = !up.is_empty()
                && matches!(
                    via.session.block_directions(),
                    BlockDirections::Outbound | BlockDirections::Both
                );
            wait(
                via,
                &local,
                out,
                up.is_empty() && !local_eof,
                !down.is_empty(),
            )?;
        }
    }
}

/// Read what `from` has into `into` (non-blocking); whether anything came.
fn fill(
    from: &mut impl Read,
    buf: &mut [u8],
    into: &mut Vec<u8>,
    eof: &mut bool,
) -> io::Result<bool> {
    match from.read(buf) {
        Ok(0) => {
            *eof = true;
            Ok(false)
        }
        Ok(n) => {
            into.extend_from_slice(&buf[..n]);
            Ok(true)
        }
        Err(e) if e.kind() == io::ErrorKind::WouldBlock => Ok(false),
        Err(e) => Err(e),
    }
}

/// Write what `to` takes of `pending` (non-blocking); whether it took anything.
fn drain(to: &mut impl Write, pending: &mut Vec<u8>) -> io::Result<bool> {
    match to.write(pending) {
        Ok(n) => {
            pending.drain(..n);
            Ok(n > 0)
        }
        Err(e) if e.kind() == io::ErrorKind::WouldBlock => Ok(false),
        Err(e) => Err(e),
    }
}

/// Wait until either side can go on, 50 ms at most (libssh2 may hold data it has
/// read already, or owe a window update).
fn wait(
    via: &Conn,
    local: &UnixStream,
    out: bool,
    read_local: bool,
    write_local: bool,
) -> io::Result<()> {
    let remote_flags = if out {
        PollFlags::IN | PollFlags::OUT
    } else {
        PollFlags::IN
    };
    let mut local_flags = PollFlags::empty();
    if read_local {
        local_flags |= PollFlags::IN;
    }
    if write_local {
        local_flags |= PollFlags::OUT;
    }
    let mut fds = [
        PollFd::new(&via.socket, remote_flags),
        PollFd::new(local, local_flags),
    ];
    let timeout = Timespec::try_from(Duration::from_millis(50)).map_err(io::Error::other)?;
    match poll(&mut fds, Some(&timeout)) {
        Ok(_) | Err(rustix::io::Errno::INTR) => Ok(()),
        Err(e) => Err(e.into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn job() -> CommandRequest {
        CommandRequest {
            keyfile: Some("/keys/ops".into()),
            password: Some("pw".into()),
            ..CommandRequest::default()
        }
    }

    #[test]
    fn a_string_jump_host_takes_the_jobs_credentials_and_may_name_its_user_and_port() {
        let mut req = job();
        req.proxy = Some("bastion".into());
        let hop = hop(&req, "deploy", None).unwrap().unwrap();
        assert_eq!(
            (hop.host.as_deref(), hop.port, hop.user.as_deref()),
            (Some("bastion"), None, Some("deploy"))
        );
        assert_eq!(hop.keyfile.as_deref(), Some("/keys/ops"));
        assert_eq!(hop.password.as_deref(), Some("pw"));
        req.proxy = Some("jump@10.0.0.1:2222".into());
        let hop = super::hop(&req, "deploy", None).unwrap().unwrap();
        assert_eq!(
            (hop.host.as_deref(), hop.port, hop.user.as_deref()),
            (Some("10.0.0.1"), Some(2222), Some("jump"))
        );
        req.proxy = Some("bastion:ssh".into());
        let e = super::hop(&req, "deploy", None).unwrap_err();
        assert!(e.contains("`ssh` is not a port"), "{e}");
    }

    #[test]
    fn no_proxy_no_hop() {
        assert_eq!(hop(&job(), "deploy", None), Ok(None));
        let mut req = job();
        req.proxy = Some(String::new());
        assert_eq!(hop(&req, "deploy", None), Ok(None));
    }
}
