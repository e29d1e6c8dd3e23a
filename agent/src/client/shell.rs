//! Session blocks of a zone: the flow's side of a shell an agent opened, carried over
//! the broker while the block runs.

use std::time::{Duration, Instant};

use crossbeam_channel::Receiver;
use jfc_runtime::session::{self, Input};

use super::{Broker, Event};
use crate::protocol::{Notice, Reply};

impl Broker {
    /// Carry session job `id` between the flow (`link`) and the agent's shell until it
    /// ends: why it ended.
    pub(super) fn converse(
        &self,
        zone: &str,
        id: &str,
        rx: &Receiver<Event>,
        link: &mut session::Link,
    ) -> String {
        let asked = Instant::now();
        let mut started: Option<(String, Instant)> = None;
        let mut inbox: Option<String> = None;
        // What the flow sent before the shell was there (a close, when it gave up).
        let mut early: Vec<Notice> = Vec::new();
        loop {
            crossbeam_channel::select! {
                recv(rx) -> event => {
                    let msg = match event {
                        Ok(Event::Reply(m)) => m,
                        Ok(Event::Lost(why)) => {
                            return format!("zone `{zone}`: lost the broker during the session ({why})")
                        }
                        Ok(Event::Refused(why)) => {
                            return format!("zone `{zone}`: the broker did not take the session: {why}")
                        }
                        Err(_) => return format!("zone `{zone}`: the broker client stopped"),
                    };
                    match msg.reply {
                        Reply::Started { heartbeat_ms, .. } => {
                            self.agents.started(&msg.agent, heartbeat_ms);
                            started = Some((msg.agent, Instant::now()));
                        }
                        Reply::SessionOpened { inbox: to } => {
                            link.opened();
                            let closed = early.iter().any(|n| matches!(n, Notice::Close));
                            for notice in early.drain(..) {
                                self.notify(&to, id, notice);
                            }
                            if closed {
                                return "the session block ended".into();
                            }
                            inbox = Some(to);
                        }
                        Reply::Line(line) => link.line(line),
                        Reply::SessionEnded(why) => return why,
                        Reply::Failed(why) => {
                            return format!("zone `{zone}`, agent {}: {why}", msg.agent)
                        }
                        _ => return format!("zone `{zone}`, agent {}: not a session's answer", msg.agent),
                    }
                }
                recv(link.input) -> input => {
                    let notice = match input {
                        Ok(Input::Data(d)) => Notice::Data(d),
                        Ok(Input::Close) | Err(_) => Notice::Close,
                    };
                    let Some(to) = &inbox else {
                        early.push(notice);
                        continue;
                    };
                    let closing = matches!(notice, Notice::Close);
                    self.notify(to, id, notice);
                    if closing {
                        return "the session block ended".into();
                    }
                }
                default(Duration::from_millis(250)) => {
                    if let Some(why) = self.overdue(zone, &started, asked, None) {
                        return why;
                    }
                }
            }
        }
    }
}
