//! Session blocks `{ session s | ... }` (language.md §6.10). The host opens a shell
//! where the control variables say; the block's variable holds a channel that the
//! shell's output fills, one message per line, and whose `send` writes to the shell.
//! Closing (the block's end, `break`, or an error leaving it) tells the host to stop
//! the shell; messages that came before can still be read.

use std::cell::RefCell;
use std::rc::Rc;
use std::sync::atomic::{AtomicU64, Ordering};

use super::jobs::conn_failure;
use super::{set_status, Step};
use crate::builtins::codec;
use crate::host::{Completion, Host, Request, SessionRequest};
use crate::process::{OpenSession, Outcome, Process};
use crate::scheduler::Vm;
use crate::value::{ChannelState, Error, Result, SessionLink, SessionState, Value};

/// Session ids, unique in the OS process: a VM made again from a snapshot goes on
/// using the host of the one before, which may still be closing a session.
static NEXT_ID: AtomicU64 = AtomicU64::new(1);

impl<H: Host> Vm<H> {
    /// `SessionOpen`: ask the host for the session and wait for it.
    pub(crate) fn session_open(&mut self, p: &mut Process, i: usize) -> Result<Step> {
        if let Some(open) = &p.session {
            let label = open
                .channel
                .borrow()
                .session
                .as_ref()
                .map(|l| l.label.clone());
            return Err(Error::new(format!(
                "a session block cannot open inside another: the session with {} is open",
                label.unwrap_or_default()
            )));
        }
        let controls = p.frame().code.chunk.execs[i].controls.clone();
        let (target, mut options, node) = self.command_request(p, "", None, &controls)?;
        let id = NEXT_ID.fetch_add(1, Ordering::Relaxed);
        self.echo_command(&target, node.as_deref(), &format!("<SESSION: {id}>"));
        let label = where_to(&target, node.as_deref());
        let channel = Rc::new(RefCell::new(ChannelState {
            session: Some(SessionLink {
                id,
                label,
                encoding: options.encoding.clone(),
                state: SessionState::Open,
            }),
            ..ChannelState::default()
        }));
        self.sessions.insert(id, channel);
        options.session = Some(id);
        options.request = None;
        let request = SessionRequest { id, target };
        self.wait_on_host(p, options, Request::Session(request))
    }

    /// The host answered the opening of session `id` for `p`: push its channel (and
    /// count it in flight while it is open), or null with the reason in `$ERROR`.
    pub(crate) fn session_opened(&mut self, p: &mut Process, id: u64, c: Completion) {
        match c {
            Completion::SessionOpened { .. } => {
                let Some(channel) = self.sessions.get(&id).cloned() else {
                    return;
                };
                self.in_flight += 1;
                p.session = Some(OpenSession {
                    channel: channel.clone(),
                    frame: p.frames.len() - 1,
                    handlers: p.handlers.len(),
                });
                set_status(p, Value::Int(0), Outcome::Success);
                p.stack.push(Value::Channel(channel));
            }
            other => {
                self.sessions.remove(&id);
                let why = match other {
                    Completion::ConnectionFailed(why) => why,
                    other => format!("the session did not open: {other:?}"),
                };
                conn_failure(p, why);
                p.stack.push(Value::Null);
            }
        }
    }

    /// A completion that belongs to an open session rather than to a wait: true when
    /// `c` was one (and has been dealt with).
    pub(crate) fn session_event(&mut self, c: &Completion) -> bool {
        match c {
            Completion::SessionOutput { id, line } => {
                if let Some(ch) = self.sessions.get(id).cloned() {
                    let text = {
                        let c = ch.borrow();
                        let encoding = c.session.as_ref().map_or("utf-8", |l| &l.encoding);
                        codec::decode(line, encoding)
                            .unwrap_or_else(|_| String::from_utf8_lossy(line).into_owned())
                    };
                    self.deliver(&ch, Value::str(&text));
                }
                true
            }
            Completion::SessionEnded { id, why } => {
                if let Some(ch) = self.sessions.remove(id) {
                    self.in_flight = self.in_flight.saturating_sub(1);
                    self.set_session_state(&ch, SessionState::Ended(why.clone()));
                }
                true
            }
            _ => false,
        }
    }

    /// The opening of session `id` was answered after its process stopped waiting for
    /// it (the process ended): the shell goes at once.
    pub(crate) fn session_unwanted(&mut self, c: &Completion) {
        if let Completion::SessionOpened { id } = c {
            self.sessions.remove(id);
            self.host.session_close(*id);
        }
    }

    /// Put `message` on channel `ch` and wake whoever waits on it.
    pub(crate) fn deliver(&mut self, ch: &Rc<RefCell<ChannelState>>, message: Value) {
        let waiters = {
            let mut c = ch.borrow_mut();
            let id = c.next_id;
            c.next_id += 1;
            c.messages.push_back((id, message));
            // They stay waiters until their event jobs go on (stop_listening).
            c.waiters.clone()
        };
        waiters.into_iter().for_each(|w| self.wake(w));
    }

    /// A session closed or ended: its waiters look again (and find out).
    fn set_session_state(&mut self, ch: &Rc<RefCell<ChannelState>>, state: SessionState) {
        let waiters = {
            let mut c = ch.borrow_mut();
            if let Some(link) = c.session.as_mut() {
                link.state = state;
            }
            c.waiters.clone()
        };
        waiters.into_iter().for_each(|w| self.wake(w));
    }

    /// `SessionClose`: the block of the session in slot `s` is over; `$RESULT` = its
    /// channel. (A process restored from a snapshot has no open session any more, but
    /// its channel is still in the slot.)
    pub(crate) fn session_close(&mut self, p: &mut Process, s: u16) -> Result<()> {
        let channel = match &p.frame().slots[s as usize] {
            Some(Value::Channel(ch)) => ch.clone(),
            _ => {
                return Err(Error::new(
                    "the session block's variable no longer holds its session",
                ))
            }
        };
        if p.session
            .as_ref()
            .is_some_and(|o| Rc::ptr_eq(&o.channel, &channel))
        {
            p.session = None;
        }
        self.close_channel(&channel);
        p.frame_mut().status.result = Value::Channel(channel);
        set_status(p, Value::Int(0), Outcome::Success);
        Ok(())
    }

    /// Close `p`'s session if it opened in frame `frame` or deeper, or under more than
    /// `handlers` `try` handlers: `p` is leaving the place it opened in.
    pub(crate) fn leave_session(&mut self, p: &mut Process, frame: usize, handlers: usize) {
        let left = p
            .session
            .as_ref()
            .is_some_and(|s| s.frame >= frame || s.handlers > handlers);
        if left {
            if let Some(open) = p.session.take() {
                self.close_channel(&open.channel);
            }
        }
    }

    fn close_channel(&mut self, ch: &Rc<RefCell<ChannelState>>) {
        let id = ch.borrow().session.as_ref().map(|l| l.id);
        if let Some(id) = id {
            if self.sessions.remove(&id).is_some() {
                self.in_flight = self.in_flight.saturating_sub(1);
                self.host.session_close(id);
            }
        }
        self.set_session_state(ch, SessionState::Closed);
    }

    /// `s.send(text)` on the channel of a session.
    pub(crate) fn session_send(&self, ch: &Rc<RefCell<ChannelState>>, text: &str) -> Result<()> {
        let c = ch.borrow();
        let Some(link) = c.session.as_ref() else {
            return Err(Error::new("not a session channel"));
        };
        match &link.state {
            SessionState::Open => {}
            SessionState::Closed => {
                return Err(Error::new(format!(
                    "the session with {} is closed: nothing can be sent to it",
                    link.label
                )))
            }
            SessionState::Ended(why) => {
                return Err(Error::new(format!(
                    "the session with {} has ended ({why}): nothing can be sent to it",
                    link.label
                )))
            }
        }
        let data = codec::encode(text, &link.encoding)?;
        self.host
            .session_send(link.id, data)
            .map_err(|e| Error::new(format!("the session with {}: {e}", link.label)))
    }
}

/// Why an event job on session channel `c` can never fire now that no message is
/// waiting: its session is closed or has ended.
pub(crate) fn no_more(c: &ChannelState) -> Option<Error> {
    let link = c.session.as_ref()?;
    match &link.state {
        SessionState::Open => None,
        SessionState::Closed => Some(Error::new(format!(
            "the session with {} is closed: only the lines it printed before can be read",
            link.label
        ))),
        SessionState::Ended(why) => Some(Error::new(format!(
            "the session with {} has ended ({why}): no line waits that matches",
            link.label
        ))),
    }
}

/// Where a session runs, for messages: `root@web1:22`, `/nodes/web1`, `localhost`.
fn where_to(req: &crate::host::CommandRequest, node: Option<&str>) -> String {
    match (&req.host, node) {
        (Some(host), _) => {
            let user = req
                .user
                .as_deref()
                .map_or(String::new(), |u| format!("{u}@"));
            format!("{user}{host}:{}", req.port.unwrap_or(22))
        }
        (None, Some(node)) => node.to_string(),
        (None, None) => "localhost".to_string(),
    }
}

/// `s.data`: the lines not read yet, one string (each line ends with a newline).
pub(crate) fn unread(c: &ChannelState) -> Value {
    let mut text = String::new();
    for (_, m) in &c.messages {
        text.push_str(&m.to_text());
        text.push('\n');
    }
    Value::str(&text)
}
