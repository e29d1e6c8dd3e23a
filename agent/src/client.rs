//! The daemon's side (and `jfc run --broker`): jobs of agent zones go to the broker,
//! and the command worker that asked waits for the agent's replies. Every way this can
//! go wrong ends the job as a remote-login failure naming it, never a hang: no agent
//! takes the job in time, the agent that took it goes silent, the broker goes away.

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use crossbeam_channel::{Receiver, RecvTimeoutError, Sender};
use futures_lite::StreamExt;
use jfc_runtime::exec::children;
use jfc_runtime::session;
use jfc_runtime::zones::{ZoneJob, Zones};
use jfc_vm::host::{CommandRequest, Completion};
use lapin::options::{BasicPublishOptions, ConfirmSelectOptions};
use lapin::{BasicProperties, Channel, Connection};

use crate::link;
use crate::protocol::{self, JobMessage, Reply, ReplyMessage, VERSION};
use crate::registry::Registry;

mod notices;
mod shell;

/// How the sender side behaves.
#[derive(Clone, Debug)]
pub struct BrokerOptions {
    pub url: String,
    /// How long a job waits for an agent of its zone to take it.
    pub pickup: Duration,
}

/// What a waiting worker hears.
enum Event {
    Reply(ReplyMessage),
    /// The connection to the broker is gone.
    Lost(String),
    /// The broker did not take the job.
    Refused(String),
}

type Pending = Arc<Mutex<HashMap<String, Sender<Event>>>>;

/// The connection to the broker, made again after it is lost.
struct Link {
    conn: Connection,
    channel: Channel,
    replies: String,
    declared: Mutex<HashSet<String>>,
}

pub struct Broker {
    opts: BrokerOptions,
    rt: tokio::runtime::Runtime,
    link: Mutex<Option<Arc<Link>>>,
    pending: Pending,
    agents: Arc<Registry>,
    /// Tells this sender's jobs from other senders'.
    prefix: String,
    next: AtomicU64,
    /// The jobs command workers wait for, by worker job (to cancel them).
    underway: Mutex<HashMap<children::Job, notices::Underway>>,
}

impl std::fmt::Debug for Broker {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Broker({})", link::redact(&self.opts.url))
    }
}

impl Broker {
    /// Connect to the broker now, so a wrong URL is said at start-up.
    pub fn connect(opts: BrokerOptions) -> Result<Broker, String> {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .thread_name("jfc-broker")
            .enable_all()
            .build()
            .map_err(|e| format!("cannot start the broker client: {e}"))?;
        let broker = Broker {
            prefix: format!("{}-{}", crate::hostname(), std::process::id()),
            opts,
            rt,
            link: Mutex::new(None),
            pending: Arc::default(),
            agents: Arc::default(),
            next: AtomicU64::new(1),
            underway: Mutex::default(),
        };
        broker.link()?;
        Ok(broker)
    }

    /// The live link, made again when the last one was lost.
    fn link(&self) -> Result<Arc<Link>, String> {
        let mut slot = self.link.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(l) = slot.as_ref().filter(|l| l.conn.status().connected()) {
            return Ok(l.clone());
        }
        let made = Arc::new(self.rt.block_on(self.open())?);
        *slot = Some(made.clone());
        Ok(made)
    }

    async fn open(&self) -> Result<Link, String> {
        let (conn, channel) = link::open(&self.opts.url, &format!("jfc {}", self.prefix)).await?;
        let failed = |e: lapin::Error| format!("the broker refused the set-up: {e}");
        channel
            .confirm_select(ConfirmSelectOptions::default())
            .await
            .map_err(failed)?;
        let replies = link::own_queue(&channel).await.map_err(failed)?;
        let mut stream = link::consume(&channel, &replies).await.map_err(failed)?;
        link::listen_heartbeats(&channel, self.agents.clone())
            .await
            .map_err(failed)?;
        // Cancels of jobs no agent took go there (client/notices.rs).
        link::declare_fanout(&channel, protocol::WITHDRAWN)
            .await
            .map_err(failed)?;
        let pending = self.pending.clone();
        let url = link::redact(&self.opts.url);
        tokio::spawn(async move {
            let why = loop {
                match stream.next().await {
                    Some(Ok(d)) => deliver(&pending, &d.data),
                    Some(Err(e)) => break e.to_string(),
                    None => break "the connection closed".to_string(),
                }
            };
            tracing::warn!("lost the broker at {url}: {why}");
            let waiting: Vec<_> = lock(&pending).drain().collect();
            for (_, tx) in waiting {
                let _ = tx.send(Event::Lost(why.clone()));
            }
        });
        Ok(Link {
            conn,
            channel,
            replies,
            declared: Mutex::default(),
        })
    }

    /// Publish `msg`, trying again while the broker is away, for as long as a job may
    /// wait for an agent.
    fn publish_within(&self, zone: &str, msg: &JobMessage) -> Result<(), String> {
        let deadline = Instant::now() + self.opts.pickup;
        loop {
            match self.publish(zone, msg) {
                Ok(()) => return Ok(()),
                Err(e) if Instant::now() >= deadline => return Err(e),
                Err(e) => {
                    tracing::debug!("job {}: {e}; trying again", msg.id);
                    std::thread::sleep(Duration::from_millis(500));
                }
            }
        }
    }

    fn publish(&self, zone: &str, msg: &JobMessage) -> Result<(), String> {
        let link = self.link()?;
        let queue = protocol::zone_queue(zone);
        let body = serde_json::to_vec(msg).map_err(|e| e.to_string())?;
        let props = BasicProperties::default()
            .with_correlation_id(msg.id.as_str().into())
            .with_reply_to(link.replies.as_str().into())
            .with_content_type("application/json".into())
            .with_expiration(self.opts.pickup.as_millis().to_string().as_str().into());
        let confirm = self
            .rt
            .block_on(async {
                let first = lock(&link.declared).insert(queue.clone());
                if first {
                    link::declare_zone(&link.channel, &queue).await?;
                }
                link.channel
                    .basic_publish(
                        "".into(),
                        queue.as_str().into(),
                        BasicPublishOptions::default(),
                        &body,
                        props,
                    )
                    .await
            })
            .map_err(|e| format!("the broker did not take the job: {e}"))?;
        // The broker's confirm is waited for beside the job, not before it: a refusal
        // ends the wait, and a lost connection ends it anyway.
        let (pending, id) = (self.pending.clone(), msg.id.clone());
        self.rt.spawn(async move {
            let why = match confirm.await {
                Ok(c) if c.is_nack() => "it refused it".to_string(),
                Ok(_) => return,
                Err(e) => e.to_string(),
            };
            if let Some(tx) = lock(&pending).get(&id) {
                let _ = tx.send(Event::Refused(why));
            }
        });
        Ok(())
    }

    fn wait(
        &self,
        zone: &str,
        id: &str,
        rx: &Receiver<Event>,
        limit: Option<Duration>,
        job: &ZoneJob,
        key: Option<children::Job>,
    ) -> Completion {
        let asked = Instant::now();
        let mut started: Option<(String, Instant)> = None;
        let (mut stdout, mut stderr) = (Vec::new(), Vec::new());
        loop {
            let event = match rx.recv_timeout(Duration::from_millis(250)) {
                Ok(e) => e,
                Err(RecvTimeoutError::Timeout) => {
                    if let Some(why) = self.overdue(zone, &started, asked, limit) {
                        return Completion::ConnectionFailed(why);
                    }
                    continue;
                }
                Err(RecvTimeoutError::Disconnected) => {
                    return Completion::ConnectionFailed(format!(
                        "zone `{zone}`: the broker client stopped"
                    ));
                }
            };
            let msg = match event {
                Event::Reply(m) => m,
                Event::Lost(why) => {
                    return Completion::ConnectionFailed(format!(
                        "zone `{zone}`: lost the broker while waiting for the job ({why}); it may have run"
                    ))
                }
                Event::Refused(why) => {
                    return Completion::ConnectionFailed(format!(
                        "zone `{zone}`: the broker did not take the job: {why}"
                    ))
                }
            };
            match msg.reply {
                Reply::Started {
                    inbox,
                    heartbeat_ms,
                } => {
                    self.agents.started(&msg.agent, heartbeat_ms);
                    self.started(key, inbox);
                    started = Some((msg.agent, Instant::now()));
                }
                Reply::Output {
                    stderr: false,
                    bytes,
                } => stdout.extend(bytes),
                Reply::Output {
                    stderr: true,
                    bytes,
                } => stderr.extend(bytes),
                Reply::Status(status) => {
                    tracing::debug!("job {id} ended on agent {} with status {status}", msg.agent);
                    return Completion::Command {
                        stdout,
                        stderr,
                        status,
                    };
                }
                Reply::Failed(why) => {
                    return Completion::ConnectionFailed(format!(
                        "zone `{zone}`, agent {}: {why}",
                        msg.agent
                    ))
                }
                Reply::Transferred(paths) => {
                    return match job {
                        ZoneJob::Transfer(t) if !t.put => crate::files::write_here(&stdout, &t.to),
                        _ => Completion::Transferred(paths),
                    }
                }
                Reply::Done => return Completion::Done,
                Reply::SessionOpened { .. } | Reply::Line(_) | Reply::SessionEnded(_) => {
                    return Completion::ConnectionFailed(format!(
                        "zone `{zone}`, agent {}: a session's answer to a job that is not one",
                        msg.agent
                    ))
                }
            }
        }
    }

    /// Publish `job` for an agent of `zone`: its id, and where its replies come.
    fn start(
        &self,
        zone: &str,
        idempotent: bool,
        job: protocol::Job,
    ) -> Result<(String, Receiver<Event>), String> {
        if !protocol::valid_zone(zone) {
            return Err(format!(
                "`{zone}` is not a zone name: letters, digits and `._-` only"
            ));
        }
        let id = format!(
            "{}-{}",
            self.prefix,
            self.next.fetch_add(1, Ordering::SeqCst)
        );
        let msg = JobMessage {
            v: VERSION,
            id: id.clone(),
            zone: zone.to_string(),
            idempotent,
            deadline_ms: epoch_ms(SystemTime::now() + self.opts.pickup),
            job,
        };
        let (tx, rx) = crossbeam_channel::unbounded();
        lock(&self.pending).insert(id.clone(), tx);
        match self.publish_within(zone, &msg) {
            Ok(()) => Ok((id, rx)),
            Err(e) => {
                lock(&self.pending).remove(&id);
                Err(format!("zone `{zone}`: {e}"))
            }
        }
    }

    /// Why the job waited for should no longer be waited for, if so.
    fn overdue(
        &self,
        zone: &str,
        started: &Option<(String, Instant)>,
        asked: Instant,
        limit: Option<Duration>,
    ) -> Option<String> {
        let Some((agent, at)) = started else {
            // The broker drops the job at `pickup`; the grace covers a Started on its way.
            let grace = Duration::from_secs(2);
            return (asked.elapsed() > self.opts.pickup + grace).then(|| format!(
                "no agent of zone `{zone}` took the job within {}s (is a `jfc agent --zone {zone}` running? `jfc agents` lists them)",
                self.opts.pickup.as_secs_f64()
            ));
        };
        if let Some(silent) = self.agents.lost(agent, *at) {
            return Some(format!(
                "agent {agent} of zone `{zone}` went silent ({}s without a heartbeat) while it ran the job; it may have run",
                silent.as_secs()
            ));
        }
        // The agent kills a command at its __timeout__; past that and a grace, it is lost.
        limit
            .filter(|l| at.elapsed() > *l + Duration::from_secs(30))
            .map(|_| {
                format!("agent {agent} of zone `{zone}` did not answer after the job's __timeout__")
            })
    }
}

impl Zones for Broker {
    fn run(&self, zone: &str, job: ZoneJob) -> Completion {
        let target = job.target();
        let (idempotent, limit) = (target.idempotent, target.timeout);
        let wire = match protocol::Job::of(&job) {
            Ok(j) => j,
            Err(failed) => return failed,
        };
        // A reboot waits for the host to come back; the agent's wait bounds it.
        let limit = match &job {
            ZoneJob::Reboot(r) => Some(limit.unwrap_or_default() + r.wait),
            _ => limit,
        };
        let (id, rx) = match self.start(zone, idempotent, wire) {
            Ok(started) => started,
            Err(why) => return Completion::ConnectionFailed(why),
        };
        // The command worker this runs on, which a terminated process's cancel names.
        let key = children::current();
        self.underway(key, &id);
        let done = self.wait(zone, &id, &rx, limit, &job, key);
        self.settled(key);
        lock(&self.pending).remove(&id);
        done
    }

    fn session(&self, zone: &str, target: CommandRequest, link: &mut session::Link) -> String {
        let job = protocol::Job::session(&target);
        let (id, rx) = match self.start(zone, target.idempotent, job) {
            Ok(started) => started,
            Err(why) => return why,
        };
        let why = self.converse(zone, &id, &rx, link);
        lock(&self.pending).remove(&id);
        why
    }

    fn cancel(&self, job: children::Job) {
        self.cancel_job(job);
    }

    fn agents(&self) -> serde_json::Value {
        self.agents.to_json()
    }
}

fn deliver(pending: &Pending, data: &[u8]) {
    let msg: ReplyMessage = match serde_json::from_slice(data) {
        Ok(m) => m,
        Err(e) => return tracing::warn!("a malformed reply from an agent was ignored: {e}"),
    };
    if msg.v != VERSION {
        tracing::warn!(
            "agent {} answers in protocol v{}, this jfc speaks v{VERSION}",
            msg.agent,
            msg.v
        );
    }
    let tx = lock(pending).get(&msg.id).cloned();
    match tx {
        Some(tx) => {
            let _ = tx.send(Event::Reply(msg));
        }
        None => tracing::debug!(
            "a reply to job {} came after its sender stopped waiting",
            msg.id
        ),
    }
}

pub(crate) fn epoch_ms(t: SystemTime) -> u64 {
    t.duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64)
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}
