//! The agents a sender has heard from: each agent's last heartbeat and when it came,
//! by the receiver's clock (the agents' clocks are never compared with ours).

use std::collections::BTreeMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use serde_json::json;

use crate::protocol::Heartbeat;

/// Missed heartbeats after which an agent counts as lost.
pub const MISSED: u32 = 3;

#[derive(Default)]
pub struct Registry {
    agents: Mutex<BTreeMap<String, (Heartbeat, Instant)>>,
}

impl Registry {
    pub fn heard(&self, hb: Heartbeat) {
        self.lock().insert(hb.agent.clone(), (hb, Instant::now()));
    }

    /// How long `agent` has been silent, when that is [`MISSED`] of its intervals or
    /// more (counted from `since` at the earliest); an agent never heard of is not lost yet.
    pub fn lost(&self, agent: &str, since: Instant) -> Option<Duration> {
        let agents = self.lock();
        let (last, interval) = match agents.get(agent) {
            Some((hb, at)) => (*at, Duration::from_millis(hb.interval_ms)),
            None => return None,
        };
        let silent = last.max(since).elapsed();
        (silent > interval * MISSED).then_some(silent)
    }

    /// The agents heard from, by zone then name, as `jfc agents --format json` prints them.
    pub fn to_json(&self) -> serde_json::Value {
        let agents = self.lock();
        let mut list: Vec<_> = agents.values().collect();
        list.sort_by(|a, b| (&a.0.zone, &a.0.agent).cmp(&(&b.0.zone, &b.0.agent)));
        list.into_iter()
            .map(|(hb, at)| {
                let interval = Duration::from_millis(hb.interval_ms);
                json!({
                    "zone": hb.zone,
                    "agent": hb.agent,
                    "version": hb.version,
                    "hostname": hb.hostname,
                    "pid": hb.pid,
                    "concurrency": hb.concurrency,
                    "running": hb.running,
                    "last_heartbeat_ms": at.elapsed().as_millis() as u64,
                    "alive": at.elapsed() <= interval * MISSED,
                })
            })
            .collect()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, BTreeMap<String, (Heartbeat, Instant)>> {
        self.agents.lock().unwrap_or_else(|e| e.into_inner())
    }
}
