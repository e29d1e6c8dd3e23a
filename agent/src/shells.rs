//! Session blocks on an agent. The shell runs here with the runtime's own session code
//! (on this machine or over SSH); its lines go back as replies while it runs, and what
//! the flow sends it comes to the agent's inbox, a queue of its own named in the
//! `SessionOpened` reply.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use futures_lite::StreamExt;
use jfc_runtime::exec::ExecOptions;
use jfc_runtime::session::Sessions;
use jfc_vm::host::{CommandRequest, Completion, SessionRequest, Ticket};
use lapin::Channel;

use crate::link;
use crate::protocol::{Reply, SessionInput, VERSION};

/// The open sessions of one connection, by job id, and the queue their input comes to.
#[derive(Clone)]
pub struct Shells {
    pub inbox: String,
    open: Arc<Mutex<HashMap<String, Arc<Sessions>>>>,
}

/// The one session of a job's `Sessions`.
const ID: u64 = 1;

impl Shells {
    /// Make the inbox, and pass what comes to it on to the sessions it names.
    pub async fn listen(channel: &Channel) -> lapin::Result<Shells> {
        let inbox = link::own_queue(channel).await?;
        let mut inputs = link::consume(channel, &inbox).await?;
        let shells = Shells {
            inbox,
            open: Arc::default(),
        };
        let open = shells.open.clone();
        tokio::spawn(async move {
            while let Some(Ok(d)) = inputs.next().await {
                match serde_json::from_slice::<SessionInput>(&d.data) {
                    Ok(i) if i.v == VERSION => deliver(&open, i),
                    Ok(i) => tracing::warn!("session input in protocol v{} ignored", i.v),
                    Err(e) => tracing::warn!("a malformed session input was ignored: {e}"),
                }
            }
        });
        Ok(shells)
    }

    /// Run the shell of session job `id` on `target` to its end, handing `send` each
    /// reply: `SessionOpened` (or `Failed`), its lines, then `SessionEnded`.
    pub fn run(
        &self,
        id: &str,
        target: CommandRequest,
        exec: &ExecOptions,
        mut send: impl FnMut(Reply),
    ) {
        let sessions = Arc::new(Sessions::default());
        lock(&self.open).insert(id.to_string(), sessions.clone());
        let (done, answers) = crossbeam_channel::unbounded();
        let ticket = Ticket { pid: 0, seq: 0 };
        sessions.open(ticket, SessionRequest { id: ID, target }, exec, done);
        for (_, c) in answers.iter() {
            let (reply, last) = match c {
                Completion::SessionOpened { .. } => (
                    Reply::SessionOpened {
                        inbox: self.inbox.clone(),
                    },
                    false,
                ),
                Completion::SessionOutput { line, .. } => (Reply::Line(line), false),
                Completion::SessionEnded { why, .. } => (Reply::SessionEnded(why), true),
                Completion::ConnectionFailed(why) => (Reply::Failed(why), true),
                other => (
                    Reply::Failed(format!("the session ended unexpectedly: {other:?}")),
                    true,
                ),
            };
            send(reply);
            if last {
                break;
            }
        }
        lock(&self.open).remove(id);
    }
}

fn deliver(open: &Mutex<HashMap<String, Arc<Sessions>>>, input: SessionInput) {
    let Some(sessions) = lock(open).get(&input.id).cloned() else {
        return tracing::debug!("input for session job {}, which has ended", input.id);
    };
    match input.data {
        Some(data) => {
            if let Err(e) = sessions.send(ID, data) {
                tracing::debug!("session job {}: {e}", input.id);
            }
        }
        None => sessions.close(ID),
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}
