//! A session block's shell on another machine: the login shell of an SSH channel (on a
//! pseudo-terminal with `__use_pty__`, as `su` and other prompts for passwords need),
//! on a kept or a new connection like a command's.

use std::io::{self, Write};
use std::time::{Duration, Instant};

use jfc_vm::host::{CommandRequest, Completion};
use ssh2::Channel;

use super::pool::Conn;
use crate::exec::ExecOptions;
use crate::session::{Input, Link};

/// How often the session looks for what the flow sends while the shell is quiet.
const INPUT_POLL: Duration = Duration::from_millis(20);

/// Run the session to its end: why it ended (for a session that never opened, why not).
pub fn session(req: &CommandRequest, opts: &ExecOptions, link: &mut Link) -> String {
    let store = opts.store.as_deref();
    let ended = super::with_connection(req, &opts.host_keys, store, open, |conn, ch, _| {
        talk(conn, ch, link)
    });
    match ended {
        Completion::SessionEnded { why, .. } | Completion::ConnectionFailed(why) => why,
        other => format!("the session ended: {other:?}"),
    }
}

fn open(conn: &Conn, req: &CommandRequest) -> io::Result<Channel> {
    conn.session.set_blocking(true);
    let mut channel = conn.session.channel_session()?;
    if req.pty {
        channel.request_pty("xterm", None, None)?;
    }
    channel.shell()?;
    Ok(channel)
}

/// Pass output on and input in until the shell exits or the flow closes the session;
/// whether the connection can serve another job.
fn talk(conn: &Conn, mut channel: Channel, link: &mut Link) -> io::Result<(Completion, bool)> {
    let s = &conn.session;
    link.opened();
    let mut buf = vec![0u8; 32 * 1024];
    let ended = |why: String| Completion::SessionEnded { id: 0, why };
    s.set_blocking(false);
    loop {
        let got = read_into(&mut channel.stream(0), &mut buf, link)?
            + read_into(&mut channel.stderr(), &mut buf, link)?;
        if got > 0 {
            continue;
        }
        if channel.eof() {
            break;
        }
        while let Ok(input) = link.input.try_recv() {
            match input {
                Input::Data(data) => write_all(&mut channel, &data, conn)?,
                Input::Close => {
                    s.set_blocking(true);
                    let _ = channel.close();
                    return Ok((ended("the session block ended".into()), true));
                }
            }
        }
        link.flush_if_quiet();
        let wait = link.quiet_left().map_or(INPUT_POLL, |q| q.min(INPUT_POLL));
        super::wait_readable(&conn.socket, Some(Instant::now() + wait))?;
    }
    s.set_blocking(true);
    channel.wait_close()?;
    let status = channel.exit_status()?;
    Ok((
        ended(format!("the shell exited with status {status}")),
        true,
    ))
}

/// Read what is there of one stream (non-blocking) into the session's lines.
fn read_into(stream: &mut impl io::Read, buf: &mut [u8], link: &mut Link) -> io::Result<usize> {
    let mut total = 0;
    loop {
        match stream.read(buf) {
            Ok(0) => return Ok(total),
            Ok(n) => {
                link.output(&buf[..n]);
                total += n;
            }
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => return Ok(total),
            Err(e) => return Err(e),
        }
    }
}

/// Write `data` on a non-blocking channel, waiting for room as needed.
fn write_all(channel: &mut Channel, mut data: &[u8], conn: &Conn) -> io::Result<()> {
    while !data.is_empty() {
        match channel.write(data) {
            Ok(n) => data = &data[n..],
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                super::wait_readable(&conn.socket, Some(Instant::now() + INPUT_POLL))?;
            }
            Err(e) => return Err(e),
        }
    }
    let _ = channel.flush();
    Ok(())
}
