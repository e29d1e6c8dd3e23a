//! `jfc agent`: a job manager. It connects out to the broker (nothing connects to it),
//! takes the jobs of its zone, runs them here or over SSH with the same executor as
//! `jfc run`, and sends each result back before it acknowledges the job: a job whose
//! agent died unacknowledged goes to another agent of the zone, which runs it again
//! only when it is marked idempotent, and otherwise answers that it was lost.

use std::collections::BTreeSet;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use futures_lite::StreamExt;
use jfc_runtime::exec::ExecOptions;
use jfc_vm::host::{Completion, RebootRequest, ScriptRequest};
use lapin::message::Delivery;
use lapin::options::{BasicAckOptions, BasicPublishOptions, BasicQosOptions};
use lapin::types::FieldTable;
use lapin::{BasicProperties, Channel};

use crate::inbox::Inbox;
use crate::link;
use crate::protocol::{self, Heartbeat, Job, JobMessage, Reply, ReplyMessage, HEARTBEATS, VERSION};

/// How an agent runs.
#[derive(Clone)]
pub struct AgentOptions {
    pub url: String,
    pub zone: String,
    /// The agent's name (`jfc agents` shows it); unique in the zone.
    pub name: String,
    /// Jobs at once at most.
    pub concurrency: u16,
    pub heartbeat: Duration,
    /// How long to wait before connecting again after the broker went away.
    pub retry: Duration,
    /// How its jobs run (host keys, output cap).
    pub exec: ExecOptions,
}

/// How long a stopping agent waits for the jobs under way.
const DRAIN_LIMIT: Duration = Duration::from_secs(60);

/// What the agent is doing: the ids of the jobs it runs.
type Running = Arc<Mutex<BTreeSet<String>>>;

/// Run the agent until SIGTERM or SIGINT (then it finishes the jobs under way); it
/// connects again whenever the broker goes.
pub fn run(opts: AgentOptions) -> Result<(), String> {
    if !protocol::valid_zone(&opts.zone) {
        return Err(format!(
            "`{}` is not a zone name: letters, digits and `._-` only",
            opts.zone
        ));
    }
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .thread_name("jfc-agent")
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start the agent: {e}"))?;
    rt.block_on(async {
        let running = Running::default();
        let (stop_tx, stop) = tokio::sync::watch::channel(false);
        tokio::spawn(async move {
            stop_signal().await;
            let _ = stop_tx.send(true);
        });
        loop {
            match session(&opts, &running, stop.clone()).await {
                Ok(()) => break,
                Err(why) => {
                    tracing::warn!("{why}; connecting again in {}s", opts.retry.as_secs_f64())
                }
            }
            let mut stop = stop.clone();
            tokio::select! {
                _ = tokio::time::sleep(opts.retry) => {}
                _ = stop.wait_for(|s| *s) => break,
            }
        }
        tracing::info!("agent {} stops", opts.name);
        Ok(())
    })
}

async fn stop_signal() {
    use tokio::signal::unix::{signal, SignalKind};
    match (
        signal(SignalKind::terminate()),
        signal(SignalKind::interrupt()),
    ) {
        (Ok(mut term), Ok(mut int)) => {
            tokio::select! {
                _ = term.recv() => {}
                _ = int.recv() => {}
            }
        }
        _ => std::future::pending().await,
    }
}

/// One connection's life: take jobs until the broker goes.
async fn session(
    opts: &AgentOptions,
    running: &Running,
    mut stop: tokio::sync::watch::Receiver<bool>,
) -> Result<(), String> {
    let name = format!("jfc agent {} (zone {})", opts.name, opts.zone);
    let (_conn, channel) = link::open(&opts.url, &name).await?;
    let failed = |e: lapin::Error| format!("the broker refused the set-up: {e}");
    let queue = protocol::zone_queue(&opts.zone);
    link::declare_zone(&channel, &queue).await.map_err(failed)?;
    link::declare_fanout(&channel, HEARTBEATS)
        .await
        .map_err(failed)?;
    channel
        .basic_qos(opts.concurrency, BasicQosOptions::default())
        .await
        .map_err(failed)?;
    let mut jobs = channel
        .basic_consume(
            queue.as_str().into(),
            opts.name.as_str().into(),
            lapin::options::BasicConsumeOptions::default(),
            FieldTable::default(),
        )
        .await
        .map_err(failed)?;
    tracing::info!(
        "agent {} takes the jobs of zone {} from {}",
        opts.name,
        opts.zone,
        link::redact(&opts.url)
    );
    let inbox = Inbox::listen(&channel).await.map_err(failed)?;
    let beats = tokio::spawn(heartbeats(channel.clone(), opts.clone(), running.clone()));
    let ended = loop {
        tokio::select! {
            next = jobs.next() => match next {
                Some(Ok(d)) => {
                    let (o, r) = (opts.clone(), running.clone());
                    tokio::spawn(take(channel.clone(), d, o, r, inbox.clone()));
                }
                Some(Err(e)) => break Err(format!("lost the broker: {e}")),
                None => break Err("the broker cancelled the agent's consumer".into()),
            },
            _ = stop.wait_for(|s| *s) => {
                drain(&channel, opts, running).await;
                break Ok(());
            }
        }
    };
    beats.abort();
    ended
}

/// On SIGTERM: take no more jobs, and let those under way send their results (until
/// the limit; an unfinished job goes back to the broker unacknowledged).
async fn drain(channel: &Channel, opts: &AgentOptions, running: &Running) {
    let cancel = lapin::options::BasicCancelOptions::default();
    if let Err(e) = channel
        .basic_cancel(opts.name.as_str().into(), cancel)
        .await
    {
        tracing::warn!("could not stop taking jobs: {e}");
    }
    let under_way = lock(running).len();
    if under_way > 0 {
        tracing::info!("stopping: waiting for {under_way} job(s) to end");
    }
    let deadline = tokio::time::Instant::now() + DRAIN_LIMIT;
    while !lock(running).is_empty() && tokio::time::Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn heartbeats(channel: Channel, opts: AgentOptions, running: Running) {
    let mut tick = tokio::time::interval(opts.heartbeat);
    loop {
        tick.tick().await;
        let hb = Heartbeat {
            v: VERSION,
            agent: opts.name.clone(),
            zone: opts.zone.clone(),
            version: env!("CARGO_PKG_VERSION").into(),
            hostname: crate::hostname(),
            pid: std::process::id(),
            concurrency: opts.concurrency,
            running: lock(&running).iter().cloned().collect(),
            interval_ms: opts.heartbeat.as_millis() as u64,
        };
        let body = serde_json::to_vec(&hb).unwrap_or_default();
        let sent = channel
            .basic_publish(
                HEARTBEATS.into(),
                "".into(),
                BasicPublishOptions::default(),
                &body,
                BasicProperties::default(),
            )
            .await;
        if let Err(e) = sent {
            tracing::debug!("a heartbeat was not sent: {e}");
        }
    }
}

/// Take one delivery: answer it, then acknowledge it.
async fn take(channel: Channel, d: Delivery, opts: AgentOptions, running: Running, inbox: Inbox) {
    let to = d.properties.reply_to().as_ref().map(|q| q.to_string());
    let msg: JobMessage = match serde_json::from_slice(&d.data) {
        Ok(m) => m,
        Err(e) => {
            tracing::warn!("refused a malformed job: {e}");
            let id = d
                .properties
                .correlation_id()
                .as_ref()
                .map(|c| c.to_string());
            if let (Some(to), Some(id)) = (&to, id) {
                let why = format!("the agent could not read the job: {e}");
                reply(&channel, to, &id, &opts.name, Reply::Failed(why)).await;
            }
            return ack(&d).await;
        }
    };
    let Some(to) = to else {
        tracing::warn!("job {} names no queue to answer to; dropped", msg.id);
        return ack(&d).await;
    };
    if let Some(why) = refusal(&msg, d.redelivered) {
        tracing::warn!("job {}: {why}", msg.id);
        if msg.deadline_ms >= crate::client::epoch_ms(SystemTime::now()) {
            reply(&channel, &to, &msg.id, &opts.name, Reply::Failed(why)).await;
        }
        return ack(&d).await;
    }
    if inbox.withdrawn(&msg.id) {
        tracing::info!(
            "job {} was cancelled by its sender before it started: not run",
            msg.id
        );
        let why = "cancelled by its sender before an agent took it".to_string();
        reply(&channel, &to, &msg.id, &opts.name, Reply::Failed(why)).await;
        return ack(&d).await;
    }
    tracing::info!("job {} runs `{}`", msg.id, msg.job.describe());
    let id = msg.id.clone();
    lock(&running).insert(id.clone());
    answer(&channel, &to, msg, &opts, inbox).await;
    lock(&running).remove(&id);
    ack(&d).await;
}

/// Run job `msg` and send its replies to `to`: `Started`, then what it gives.
async fn answer(channel: &Channel, to: &str, msg: JobMessage, opts: &AgentOptions, inbox: Inbox) {
    let (id, name) = (msg.id, opts.name.clone());
    // Said beside the job, not before it: a short command does not wait for it.
    let started = Reply::Started {
        inbox: inbox.queue.clone(),
        heartbeat_ms: opts.heartbeat.as_millis() as u64,
    };
    let said = {
        let (ch, to, id, name) = (channel.clone(), to.to_string(), id.clone(), name.clone());
        tokio::spawn(async move { reply(&ch, &to, &id, &name, started).await })
    };
    let (ch, reply_to, exec) = (channel.clone(), to.to_string(), opts.exec.clone());
    let handle = tokio::runtime::Handle::current();
    let job_id = id.clone();
    let ran = tokio::task::spawn_blocking(move || {
        let send = |r| handle.block_on(reply(&ch, &reply_to, &job_id, &name, r));
        match msg.job {
            Job::Session { target } => inbox.run(&job_id, target.request(), &exec, send),
            job => {
                let replies = inbox.cancellable(&job_id, || execute(job, &exec));
                replies.into_iter().for_each(send)
            }
        }
    })
    .await;
    let _ = said.await;
    if let Err(e) = ran {
        let why = Reply::Failed(format!("the agent's job failed: {e}"));
        reply(channel, to, &id, &opts.name, why).await;
    }
}

/// Why a job is not run, if it is not.
fn refusal(msg: &JobMessage, redelivered: bool) -> Option<String> {
    if msg.v != VERSION {
        return Some(format!(
            "the job is in protocol v{}, this agent speaks v{VERSION}: run the same jfc version on both sides",
            msg.v
        ));
    }
    if redelivered && !msg.idempotent {
        return Some(
            "the agent that took this job was lost before it answered, so the job may have run; it is not run again (set __idempotent__ = true to allow that)".into(),
        );
    }
    let now = crate::client::epoch_ms(SystemTime::now());
    (msg.deadline_ms < now).then(|| "it came after its sender stopped waiting; dropped".into())
}

/// Run `job` here, and the replies that tell how it went.
fn execute(job: Job, exec: &ExecOptions) -> Vec<Reply> {
    let done = match job {
        Job::Command(t) => jfc_runtime::exec::run_command(&t.request(), exec),
        Job::Script {
            source,
            ext,
            args,
            target,
        } => {
            let script = ScriptRequest {
                source,
                file: None,
                ext,
                args,
                target: target.request(),
            };
            jfc_runtime::script::run_script(&script, exec)
        }
        Job::Put { files, to, target } => {
            crate::files::put_there(files, &to, &target.request(), exec)
        }
        Job::Get { from, target } => {
            return crate::files::get_there(&from, &target.request(), exec)
        }
        Job::Session { .. } => {
            Completion::ConnectionFailed("a session reached a job worker".into())
        }
        Job::Reboot { wait_ms, target } => {
            let reboot = RebootRequest {
                wait: Duration::from_millis(wait_ms),
                target: target.request(),
            };
            jfc_runtime::exec::run_reboot(&reboot, exec)
        }
    };
    protocol::replies(done)
}

async fn reply(channel: &Channel, to: &str, id: &str, agent: &str, r: Reply) {
    let msg = ReplyMessage {
        v: VERSION,
        id: id.into(),
        agent: agent.into(),
        reply: r,
    };
    let body = serde_json::to_vec(&msg).unwrap_or_default();
    let props = BasicProperties::default().with_correlation_id(id.into());
    let sent = channel
        .basic_publish(
            "".into(),
            to.into(),
            BasicPublishOptions::default(),
            &body,
            props,
        )
        .await;
    if let Err(e) = sent {
        tracing::warn!("the reply to job {id} was not sent: {e}");
    }
}

async fn ack(d: &Delivery) {
    if let Err(e) = d.acker.ack(BasicAckOptions::default()).await {
        tracing::warn!("a job was not acknowledged: {e}");
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}
