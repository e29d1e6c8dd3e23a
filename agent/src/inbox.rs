//! An agent's inbox: a queue of its own (named in its `Started` replies) where the
//! senders of the jobs it runs tell them things while they run — a session's input, a
//! cancel. It also hears, from every sender, the cancels of jobs no agent said it took
//! yet: such a job, taken later, is dropped unrun. Session blocks run here with the runtime's own session code (on this
//! machine or over SSH), their lines going back as replies while they run.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use futures_lite::StreamExt;
use jfc_runtime::exec::{children, ExecOptions};
use jfc_runtime::session::Sessions;
use jfc_vm::host::{CommandRequest, Completion, SessionRequest, Ticket};
use lapin::Channel;

use crate::link;
use crate::protocol::{JobNotice, Notice, Reply, VERSION, WITHDRAWN};

/// The jobs running on one connection, by job id, and the queue notices come to.
#[derive(Clone)]
pub struct Inbox {
    pub queue: String,
    running: Arc<Mutex<HashMap<String, Running>>>,
    /// Jobs cancelled before any agent took them, by id, with when that was heard.
    withdrawn: Arc<Mutex<HashMap<String, Instant>>>,
    next: Arc<AtomicU64>,
}

/// How long a withdrawn job's id is kept: far past any sender's pickup wait, after
/// which an agent refuses the job for its deadline anyway.
const KEEP_WITHDRAWN: Duration = Duration::from_secs(3600);

/// A job as a notice finds it.
#[derive(Clone)]
enum Running {
    /// A command, script or transfer: its commands are counted as this job's.
    Job(children::Job),
    Session(Arc<Sessions>),
}

/// The one session of a job's `Sessions`.
const ID: u64 = 1;

/// The pool the agent's jobs are counted in (`children::Job`); an agent has no other.
const POOL: u64 = 0;

impl Inbox {
    /// Make the inbox, and pass what comes to it on to the jobs it names.
    pub async fn listen(channel: &Channel) -> lapin::Result<Inbox> {
        let queue = link::own_queue(channel).await?;
        link::bind_fanout(channel, &queue, WITHDRAWN).await?;
        let mut notices = link::consume(channel, &queue).await?;
        let inbox = Inbox {
            queue,
            running: Arc::default(),
            withdrawn: Arc::default(),
            next: Arc::default(),
        };
        let heard = inbox.clone();
        tokio::spawn(async move {
            while let Some(Ok(d)) = notices.next().await {
                match serde_json::from_slice::<JobNotice>(&d.data) {
                    Ok(n) if n.v == VERSION => heard.deliver(n),
                    Ok(n) => tracing::warn!("a notice in protocol v{} was ignored", n.v),
                    Err(e) => tracing::warn!("a malformed notice was ignored: {e}"),
                }
            }
        });
        Ok(inbox)
    }

    /// Whether job `id` was cancelled by its sender before any agent took it.
    pub fn withdrawn(&self, id: &str) -> bool {
        lock(&self.withdrawn).remove(id).is_some()
    }

    /// Pass notice `n` on to the job it names; a cancel of a job not running here is
    /// kept, for when this agent takes it.
    fn deliver(&self, n: JobNotice) {
        let running = lock(&self.running).get(&n.id).cloned();
        match (running, n.notice) {
            (Some(job), notice) => to_job(job, &n.id, notice),
            (None, Notice::Cancel) => {
                let mut withdrawn = lock(&self.withdrawn);
                withdrawn.retain(|_, heard| heard.elapsed() < KEEP_WITHDRAWN);
                withdrawn.insert(n.id, Instant::now());
            }
            (None, _) => tracing::debug!("a notice for job {}, which has ended", n.id),
        }
    }

    /// Run `f`, job `id`, so that a `Cancel` notice stops the commands it starts.
    pub fn cancellable<T>(&self, id: &str, f: impl FnOnce() -> T) -> T {
        let key = (POOL, self.next.fetch_add(1, Ordering::SeqCst));
        lock(&self.running).insert(id.to_string(), Running::Job(key));
        let done = children::for_job(key, f);
        lock(&self.running).remove(id);
        done
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
        let session = Running::Session(sessions.clone());
        lock(&self.running).insert(id.to_string(), session);
        let (done, answers) = crossbeam_channel::unbounded();
        let ticket = Ticket { pid: 0, seq: 0 };
        sessions.open(ticket, SessionRequest { id: ID, target }, exec, done);
        for (_, c) in answers.iter() {
            let (reply, last) = match c {
                Completion::SessionOpened { .. } => (
                    Reply::SessionOpened {
                        inbox: self.queue.clone(),
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
        lock(&self.running).remove(id);
    }
}

fn to_job(job: Running, id: &str, notice: Notice) {
    match (job, notice) {
        (Running::Session(s), Notice::Data(data)) => {
            if let Err(e) = s.send(ID, data) {
                tracing::debug!("session job {id}: {e}");
            }
        }
        (Running::Session(s), Notice::Close | Notice::Cancel) => s.close(ID),
        (Running::Job(key), Notice::Cancel) => {
            tracing::info!("job {id} is cancelled by its sender");
            children::stop_job(key);
        }
        (Running::Job(_), _) => tracing::debug!("session input for job {id}, not a session"),
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}
