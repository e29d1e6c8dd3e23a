//! Session blocks (language.md §6.10): an interactive shell the flow talks to, on this
//! machine or over SSH. Each open session has a thread of its own for its whole life
//! (not a command worker): it starts the shell, passes on what the flow sends, and
//! hands the VM what the shell prints, one line at a time.
//!
//! A line is sent without its terminator. Output that stops without one (a prompt such
//! as `Password: `) is sent as it is once the shell has been quiet for [`QUIET`]: the
//! flow waits for prompts with `<s ?? 'Password: '>`. On a terminal (`__use_pty__`) a
//! line is what the terminal would show: escape sequences (colours, bracketed-paste
//! mode) are dropped, and a carriage return starts the line over.

use std::collections::HashMap;
use std::io::{Read, Write};
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex, MutexGuard};
use std::thread;
use std::time::{Duration, Instant};

use crossbeam_channel::{Receiver, Sender};
use jfc_vm::host::{CommandRequest, Completion, SessionRequest, Ticket};

use crate::exec::{children, ExecOptions};

/// How long a shell must print nothing before an unfinished line is passed on.
pub const QUIET: Duration = Duration::from_millis(100);

/// What the flow asks of an open session.
pub enum Input {
    Data(Vec<u8>),
    Close,
}

/// The open sessions of a run, by the VM's id.
#[derive(Default)]
pub struct Sessions {
    inputs: Mutex<HashMap<u64, Sender<Input>>>,
}

impl Sessions {
    fn inputs(&self) -> MutexGuard<'_, HashMap<u64, Sender<Input>>> {
        self.inputs.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Open session `req` on a thread of its own: `SessionOpened` or `ConnectionFailed`
    /// goes to `done` with `ticket`, then its output, then `SessionEnded`.
    pub fn open(
        self: &Arc<Self>,
        ticket: Ticket,
        req: SessionRequest,
        opts: &ExecOptions,
        done: Sender<(Ticket, Completion)>,
    ) {
        let (tx, rx) = crossbeam_channel::unbounded();
        self.inputs().insert(req.id, tx.clone());
        let (sessions, opts, id) = (self.clone(), opts.clone(), req.id);
        let started = thread::Builder::new()
            .name("jfc-session".into())
            .spawn(move || {
                let mut link = Link::new(id, ticket, done, rx);
                link.terminal = req.target.pty;
                let why = drive(&req.target, &opts, &mut link);
                let mut inputs = sessions.inputs();
                if inputs.get(&id).is_some_and(|mine| mine.same_channel(&tx)) {
                    inputs.remove(&id);
                }
                drop(inputs);
                link.end(why);
            });
        if let Err(e) = started {
            self.inputs().remove(&id);
            tracing::error!("cannot start a session thread: {e}");
        }
    }

    /// Pass `data` to the shell of session `id`.
    pub fn send(&self, id: u64, data: Vec<u8>) -> Result<(), String> {
        let inputs = self.inputs();
        let sent = inputs.get(&id).map(|tx| tx.send(Input::Data(data)));
        match sent {
            Some(Ok(())) => Ok(()),
            _ => Err("the session's shell is gone".into()),
        }
    }

    /// End session `id`: its shell is stopped, and no more of its output comes.
    pub fn close(&self, id: u64) {
        if let Some(tx) = self.inputs().remove(&id) {
            let _ = tx.send(Input::Close);
        }
    }
}

/// Run the session to its end, here or over SSH: why it ended.
fn drive(req: &CommandRequest, opts: &ExecOptions, link: &mut Link) -> String {
    let remote = req.host.is_some() || req.node.is_some();
    if opts.dry_run {
        let target = crate::ssh::describe(req, opts.store.as_deref());
        eprintln!("[dry-run] {} <SESSION>", target.trim_end());
        link.opened();
        return "--dry-run opens no session: the block runs with a session that has ended".into();
    }
    let (zones, store) = (opts.zones.as_deref(), opts.store.as_deref());
    if let Some(why) = crate::zones::session(req, zones, store, link) {
        return why;
    }
    if remote {
        crate::ssh::session(req, opts, link)
    } else {
        local(req, link)
    }
}

/// One session's way back to the VM: its opening answer, its lines, its end.
pub struct Link {
    id: u64,
    ticket: Ticket,
    done: Sender<(Ticket, Completion)>,
    pub input: Receiver<Input>,
    /// Output since the last line terminator.
    partial: Vec<u8>,
    /// When output last came.
    last: Instant,
    is_open: bool,
    /// The shell runs on a terminal: lines are cleaned of its control sequences.
    terminal: bool,
}

impl Link {
    fn new(
        id: u64,
        ticket: Ticket,
        done: Sender<(Ticket, Completion)>,
        input: Receiver<Input>,
    ) -> Link {
        Link {
            id,
            ticket,
            done,
            input,
            partial: Vec::new(),
            last: Instant::now(),
            is_open: false,
            terminal: false,
        }
    }

    /// The shell is there: the block's flow can start.
    pub fn opened(&mut self) {
        self.is_open = true;
        let _ = self
            .done
            .send((self.ticket, Completion::SessionOpened { id: self.id }));
    }

    /// The shell printed `bytes`: pass on each line they finish.
    pub fn output(&mut self, bytes: &[u8]) {
        self.last = Instant::now();
        self.partial.extend_from_slice(bytes);
        while let Some(at) = self.partial.iter().position(|b| *b == b'\n') {
            let mut line: Vec<u8> = self.partial.drain(..=at).collect();
            line.pop();
            if line.last() == Some(&b'\r') {
                line.pop();
            }
            self.line(line);
        }
    }

    /// How long to wait for more output before an unfinished line is due (None: no
    /// unfinished line).
    pub fn quiet_left(&self) -> Option<Duration> {
        (!self.partial.is_empty()).then(|| QUIET.saturating_sub(self.last.elapsed()))
    }

    /// Pass on the unfinished line if the shell has been quiet long enough.
    pub fn flush_if_quiet(&mut self) {
        if self.quiet_left() == Some(Duration::ZERO) {
            let line = std::mem::take(&mut self.partial);
            self.line(line);
        }
    }

    /// Pass on a whole line, its terminator removed.
    pub fn line(&self, mut line: Vec<u8>) {
        if self.terminal {
            if let Some(cr) = line.iter().rposition(|b| *b == b'\r') {
                line.drain(..=cr);
            }
            line = strip_ansi_escapes::strip(&line);
        }
        let id = self.id;
        let _ = self
            .done
            .send((self.ticket, Completion::SessionOutput { id, line }));
    }

    /// The session is over: the last unfinished line, then the end (or, for a session
    /// that never opened, the failure, which is the opening's answer).
    fn end(mut self, why: String) {
        if !self.is_open {
            let _ = self
                .done
                .send((self.ticket, Completion::ConnectionFailed(why)));
            return;
        }
        if !self.partial.is_empty() {
            let line = std::mem::take(&mut self.partial);
            self.line(line);
        }
        let id = self.id;
        let _ = self
            .done
            .send((self.ticket, Completion::SessionEnded { id, why }));
    }
}

/// A session on this machine: `__shell__` with its stdin from the flow and its stdout
/// and stderr, merged, back to it.
fn local(req: &CommandRequest, link: &mut Link) -> String {
    let shell = if req.shell.is_empty() {
        "/bin/bash"
    } else {
        &req.shell
    };
    let (reader, writer) = match std::io::pipe() {
        Ok(pipe) => pipe,
        Err(e) => return format!("cannot open a pipe for the session: {e}"),
    };
    let mut cmd = Command::new(shell);
    if let Some(dir) = &req.dir {
        cmd.current_dir(dir);
    }
    let stderr = match writer.try_clone() {
        Ok(w) => w,
        Err(e) => return format!("cannot open a pipe for the session: {e}"),
    };
    let mut running = match children::spawn(
        &cmd,
        Stdio::piped(),
        Stdio::from(writer),
        Stdio::from(stderr),
    ) {
        Ok(r) => r,
        Err(e) => return format!("cannot start {shell} for the session: {e}"),
    };
    let mut stdin = running.child.stdin.take();
    let output = read_on_a_thread(reader);
    link.opened();
    loop {
        let wait = link.quiet_left().unwrap_or(Duration::from_secs(3600));
        crossbeam_channel::select! {
            recv(output) -> got => match got {
                Ok(bytes) => link.output(&bytes),
                Err(_) => break,
            },
            recv(link.input) -> got => match got {
                Ok(Input::Data(data)) => {
                    let written = stdin.as_mut().map(|s| s.write_all(&data).and_then(|()| s.flush()));
                    if let Some(Err(e)) = written {
                        tracing::debug!("session input not written: {e}");
                    }
                }
                Ok(Input::Close) | Err(_) => {
                    drop(stdin.take());
                    running.kill();
                    return "the session block ended".into();
                }
            },
            default(wait) => link.flush_if_quiet(),
        }
    }
    match running.wait(None) {
        Ok(Some(status)) => match status.code() {
            Some(code) => format!("the shell exited with status {code}"),
            None => format!("the shell was stopped ({status})"),
        },
        Ok(None) => "the shell exited".into(),
        Err(e) => format!("the shell ended: {e}"),
    }
}

/// The bytes `from` gives, as they come, until it ends.
fn read_on_a_thread(mut from: std::io::PipeReader) -> Receiver<Vec<u8>> {
    let (tx, rx) = crossbeam_channel::unbounded();
    let _ = thread::Builder::new()
        .name("jfc-session-output".into())
        .spawn(move || {
            let mut buf = vec![0u8; 16 * 1024];
            loop {
                match from.read(&mut buf) {
                    Ok(0) | Err(_) => return,
                    Ok(n) => {
                        if tx.send(buf[..n].to_vec()).is_err() {
                            return;
                        }
                    }
                }
            }
        });
    rx
}
