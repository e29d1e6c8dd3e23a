//! Job managers over an AMQP 0-9-1 broker (RabbitMQ): `jfc agent` takes the jobs of
//! its zone ([`serve`]), and the daemon's side sends them and waits for the answers
//! ([`client`]). Flows do not change: `__zone__`, or the `zone` field of a NodeInfo,
//! says which zone a command runs from (runtime::zones).

pub mod client;
mod files;
mod inbox;
mod link;
pub mod protocol;
pub mod registry;
pub mod serve;

use std::sync::Arc;
use std::time::Duration;

pub use client::{Broker, BrokerOptions};
pub use serve::AgentOptions;

/// This machine's name, as heartbeats and job ids give it.
pub fn hostname() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .map(|h| h.trim().to_string())
        .ok()
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "localhost".into())
}

/// The agents that send a heartbeat within `listen` (`jfc agents --broker`), as JSON.
pub fn list_agents(url: &str, listen: Duration) -> Result<serde_json::Value, String> {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start the broker client: {e}"))?;
    rt.block_on(async {
        let (_conn, channel) = link::open(url, "jfc agents").await?;
        let registry = Arc::new(registry::Registry::default());
        link::listen_heartbeats(&channel, registry.clone())
            .await
            .map_err(|e| format!("the broker refused the set-up: {e}"))?;
        tokio::time::sleep(listen).await;
        Ok(registry.to_json())
    })
}
