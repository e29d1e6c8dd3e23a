//! What the sender tells a job while an agent runs it, at the agent's inbox: a
//! session's input, and the cancel of a terminated process's command.

use lapin::options::BasicPublishOptions;
use lapin::BasicProperties;

use jfc_runtime::exec::children;

use super::{lock, Broker};
use crate::protocol::{JobNotice, Notice, VERSION, WITHDRAWN};

/// A job a command worker waits for, as a cancel finds it.
pub(super) struct Underway {
    id: String,
    /// The inbox of the agent that took it, once it said.
    inbox: Option<String>,
    cancelled: bool,
}

impl Broker {
    /// Send `notice` to job `id` at `inbox`.
    pub(super) fn notify(&self, inbox: &str, id: &str, notice: Notice) {
        self.publish_notice("", inbox, id, notice);
    }

    /// Tell every agent that job `id`, which none said it took, is cancelled.
    fn withdraw(&self, id: &str) {
        self.publish_notice(WITHDRAWN, "", id, Notice::Cancel);
    }

    fn publish_notice(&self, exchange: &str, queue: &str, id: &str, notice: Notice) {
        let body = serde_json::to_vec(&JobNotice {
            v: VERSION,
            id: id.to_string(),
            notice,
        });
        let sent = body.map_err(|e| e.to_string()).and_then(|body| {
            let link = self.link()?;
            self.rt
                .block_on(link.channel.basic_publish(
                    exchange.into(),
                    queue.into(),
                    BasicPublishOptions::default(),
                    &body,
                    BasicProperties::default(),
                ))
                .map(drop)
                .map_err(|e| e.to_string())
        });
        if let Err(e) = sent {
            tracing::warn!("a notice to job {id} was not sent: {e}");
        }
    }

    /// Job `id` is what the worker of `key` waits for now.
    pub(super) fn underway(&self, key: Option<children::Job>, id: &str) {
        if let Some(key) = key {
            let job = Underway {
                id: id.to_string(),
                inbox: None,
                cancelled: false,
            };
            lock(&self.underway).insert(key, job);
        }
    }

    /// The agent running the worker's job said where its inbox is: a cancel that came
    /// first goes there now.
    pub(super) fn started(&self, key: Option<children::Job>, inbox: String) {
        let Some(key) = key else { return };
        let mut all = lock(&self.underway);
        let Some(job) = all.get_mut(&key) else { return };
        job.inbox = Some(inbox.clone());
        if job.cancelled {
            let id = job.id.clone();
            drop(all);
            self.notify(&inbox, &id, Notice::Cancel);
        }
    }

    /// The worker of `key` waits no more.
    pub(super) fn settled(&self, key: Option<children::Job>) {
        if let Some(key) = key {
            lock(&self.underway).remove(&key);
        }
    }

    /// Stop the job the worker of `key` waits for: at the inbox of the agent that took
    /// it; when none said so yet, at every agent's (the one that takes it drops it), and
    /// again at its agent's if one says it took it after all.
    pub(super) fn cancel_job(&self, key: children::Job) {
        let mut all = lock(&self.underway);
        let Some(job) = all.get_mut(&key) else { return };
        job.cancelled = true;
        let (id, inbox) = (job.id.clone(), job.inbox.clone());
        drop(all);
        match inbox {
            Some(inbox) => self.notify(&inbox, &id, Notice::Cancel),
            None => self.withdraw(&id),
        }
    }
}
