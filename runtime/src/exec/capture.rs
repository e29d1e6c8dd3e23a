//! Reading a command's stdout and stderr together, each up to a cap: a command that
//! prints gigabytes costs the cap in memory, not the gigabytes. Past the cap the output
//! is still read (so the command is not blocked on a full pipe and ends as it would)
//! but dropped, and counted for the note the caller adds.

use std::io::{self, Read};
use std::os::fd::AsFd;
use std::time::Instant;

use rustix::event::{poll, PollFd, PollFlags, Timespec};

/// What was kept of one stream, and how many bytes past the cap were dropped.
#[derive(Debug, Default)]
pub struct Captured {
    pub bytes: Vec<u8>,
    pub dropped: u64,
}

impl Captured {
    pub(crate) fn keep(&mut self, chunk: &[u8], cap: usize) {
        let room = cap.saturating_sub(self.bytes.len()).min(chunk.len());
        self.bytes.extend_from_slice(&chunk[..room]);
        self.dropped += (chunk.len() - room) as u64;
    }
}

/// Read both pipes to their ends, keeping `cap` bytes of each. `None` when `deadline`
/// came first (the pipes are then left as they are).
pub fn read_both<O, E>(
    out: &mut O,
    err: &mut E,
    cap: usize,
    deadline: Option<Instant>,
) -> io::Result<Option<(Captured, Captured)>>
where
    O: Read + AsFd,
    E: Read + AsFd,
{
    let mut got = [Captured::default(), Captured::default()];
    let mut open = [true, true];
    let mut buf = vec![0u8; 64 * 1024];
    while open[0] || open[1] {
        let timeout = match deadline {
            Some(d) => {
                let left = d.saturating_duration_since(Instant::now());
                if left.is_zero() {
                    return Ok(None);
                }
                Some(Timespec::try_from(left).map_err(io::Error::other)?)
            }
            None => None,
        };
        let ready: Vec<usize> = {
            let flags = PollFlags::IN | PollFlags::HUP;
            let mut which = Vec::with_capacity(2);
            let mut fds = Vec::with_capacity(2);
            if open[0] {
                which.push(0);
                fds.push(PollFd::new(out, flags));
            }
            if open[1] {
                which.push(1);
                fds.push(PollFd::new(err, flags));
            }
            match poll(&mut fds, timeout.as_ref()) {
                Ok(_) => {}
                Err(rustix::io::Errno::INTR) => continue,
                Err(e) => return Err(e.into()),
            }
            which
                .into_iter()
                .zip(&fds)
                .filter(|(_, f)| !f.revents().is_empty())
                .map(|(i, _)| i)
                .collect()
        };
        for i in ready {
            let n = match i {
                0 => out.read(&mut buf),
                _ => err.read(&mut buf),
            };
            match n {
                Ok(0) => open[i] = false,
                Ok(n) => got[i].keep(&buf[..n], cap),
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
    }
    let [o, e] = got;
    Ok(Some((o, e)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    #[test]
    fn both_streams_are_read_and_capped() {
        let (mut out_r, mut out_w) = std::io::pipe().unwrap();
        let (mut err_r, mut err_w) = std::io::pipe().unwrap();
        let writer = std::thread::spawn(move || {
            // More than a pipe holds, on both, so reading one only would block the writer.
            for _ in 0..64 {
                out_w.write_all(&[b'o'; 4096]).unwrap();
                err_w.write_all(&[b'e'; 4096]).unwrap();
            }
        });
        let (o, e) = read_both(&mut out_r, &mut err_r, 1000, None)
            .unwrap()
            .unwrap();
        writer.join().unwrap();
        assert_eq!(o.bytes, vec![b'o'; 1000]);
        assert_eq!(o.dropped, 64 * 4096 - 1000);
        assert_eq!(e.bytes.len(), 1000);
        assert_eq!(e.dropped, 64 * 4096 - 1000);
    }

    #[test]
    fn deadline_ends_the_read() {
        let (mut out_r, _out_w) = std::io::pipe().unwrap();
        let (mut err_r, _err_w) = std::io::pipe().unwrap();
        let deadline = Instant::now() + std::time::Duration::from_millis(50);
        assert!(read_both(&mut out_r, &mut err_r, 10, Some(deadline))
            .unwrap()
            .is_none());
    }
}
