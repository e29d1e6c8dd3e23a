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
    /// The heartbeat intervals agents said in their `Started` replies, for those whose
    /// heartbeats were not heard yet (one killed right after it took a job).
    intervals: Mutex<BTreeMap<String, Duration>>,
}

impl Registry {
    pub fn heard(&self, hb: Heartbeat) {
        self.lock().insert(hb.agent.clone(), (hb, Instant::now()));
    }

    /// `agent` started a job and said it beats every `heartbeat_ms` (0: it did not say).
    pub fn started(&self, agent: &str, heartbeat_ms: u64) {
        if heartbeat_ms > 0 {
            let mut intervals = self.intervals.lock().unwrap_or_else(|e| e.into_inner());
            intervals.insert(agent.to_string(), Duration::from_millis(heartbeat_ms));
        }
    }

    /// How long `agent` has been silent, when that is [`MISSED`] of its intervals or
    /// more (counted from `since` at the earliest); an agent never heard of, and whose
    /// interval is unknown, is not lost yet.
    pub fn lost(&self, agent: &str, since: Instant) -> Option<Duration> {
        let (last, interval) = match self.lock().get(agent) {
            Some((hb, at)) => ((*at).max(since), Duration::from_millis(hb.interval_ms)),
            None => {
                let intervals = self.intervals.lock().unwrap_or_else(|e| e.into_inner());
                (since, *intervals.get(agent)?)
            }
        };
        let silent = last.elapsed();
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_agent_known_only_from_its_started_reply_is_lost_after_missed_beats() {
        let r = Registry::default();
        let long_ago = Instant::now() - Duration::from_secs(10);
        // No heartbeat heard and no interval said: the sender cannot tell yet.
        assert_eq!(r.lost("a1", long_ago), None);
        r.started("a1", 0);
        assert_eq!(r.lost("a1", long_ago), None);
        r.started("a1", 1000);
        assert!(r
            .lost("a1", long_ago)
            .is_some_and(|s| s >= Duration::from_secs(10)));
        // Silent for less than three of its beats: not lost.
        assert_eq!(r.lost("a1", Instant::now()), None);
    }
}
