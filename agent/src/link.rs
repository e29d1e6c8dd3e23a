//! Connecting to the broker, for agents and senders alike.

use std::time::Duration;

use futures_lite::StreamExt;
use lapin::options::{ExchangeDeclareOptions, QueueBindOptions, QueueDeclareOptions};
use lapin::types::FieldTable;
use lapin::{Channel, Connection, ConnectionProperties, ExchangeKind};

use crate::protocol::{Heartbeat, HEARTBEATS, VERSION};
use crate::registry::Registry;

/// How long a connection to the broker may take.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// `url` without its password, for messages and logs.
pub fn redact(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_string();
    };
    match rest.split_once('@') {
        Some((creds, host)) => {
            let user = creds.split(':').next().unwrap_or_default();
            format!("{scheme}://{user}:***@{host}")
        }
        None => url.to_string(),
    }
}

/// Open a connection to `url` and a channel on it, as `name` (the broker's UI shows it).
pub async fn open(url: &str, name: &str) -> Result<(Connection, Channel), String> {
    let props = ConnectionProperties::default().with_connection_name(name.into());
    let what = || format!("cannot reach the broker at {}", redact(url));
    let conn = tokio::time::timeout(CONNECT_TIMEOUT, Connection::connect(url, props))
        .await
        .map_err(|_| format!("{}: no answer within {CONNECT_TIMEOUT:?}", what()))?
        .map_err(|e| format!("{}: {e}", what()))?;
    let channel = conn
        .create_channel()
        .await
        .map_err(|e| format!("{}: {e}", what()))?;
    Ok((conn, channel))
}

/// Declare the queue of a zone: it outlives its agents, so jobs wait in it for one.
pub async fn declare_zone(channel: &Channel, queue: &str) -> lapin::Result<()> {
    channel
        .queue_declare(
            queue.into(),
            QueueDeclareOptions::default(),
            FieldTable::default(),
        )
        .await
        .map(drop)
}

/// Declare the fanout exchange `name` (heartbeats, withdrawn jobs).
pub async fn declare_fanout(channel: &Channel, name: &str) -> lapin::Result<()> {
    channel
        .exchange_declare(
            name.into(),
            ExchangeKind::Fanout,
            ExchangeDeclareOptions::default(),
            FieldTable::default(),
        )
        .await
}

/// Bind `queue` to the fanout exchange `exchange`, declaring it.
pub async fn bind_fanout(channel: &Channel, queue: &str, exchange: &str) -> lapin::Result<()> {
    declare_fanout(channel, exchange).await?;
    channel
        .queue_bind(
            queue.into(),
            exchange.into(),
            "".into(),
            QueueBindOptions::default(),
            FieldTable::default(),
        )
        .await
}

/// A queue of this connection's own, named by the broker and gone with the connection.
pub async fn own_queue(channel: &Channel) -> lapin::Result<String> {
    let q = channel
        .queue_declare(
            "".into(),
            QueueDeclareOptions {
                exclusive: true,
                auto_delete: true,
                ..QueueDeclareOptions::default()
            },
            FieldTable::default(),
        )
        .await?;
    Ok(q.name().to_string())
}

/// Hear the agents' heartbeats into `registry` until the connection goes.
pub async fn listen_heartbeats(
    channel: &Channel,
    registry: std::sync::Arc<Registry>,
) -> lapin::Result<()> {
    let queue = own_queue(channel).await?;
    bind_fanout(channel, &queue, HEARTBEATS).await?;
    let mut beats = consume(channel, &queue).await?;
    tokio::spawn(async move {
        while let Some(Ok(d)) = beats.next().await {
            match serde_json::from_slice::<Heartbeat>(&d.data) {
                Ok(hb) if hb.v == VERSION => registry.heard(hb),
                Ok(hb) => tracing::warn!(
                    "agent {} speaks protocol v{}, this jfc v{VERSION}: its heartbeats are ignored",
                    hb.agent,
                    hb.v
                ),
                Err(e) => tracing::warn!("a malformed heartbeat was ignored: {e}"),
            }
        }
    });
    Ok(())
}

/// Consume `queue` without acknowledgements (replies and heartbeats: losing one with
/// the connection is the same as losing the connection).
pub async fn consume(channel: &Channel, queue: &str) -> lapin::Result<lapin::Consumer> {
    channel
        .basic_consume(
            queue.into(),
            "".into(),
            lapin::options::BasicConsumeOptions {
                no_ack: true,
                ..Default::default()
            },
            FieldTable::default(),
        )
        .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_are_left_out_of_urls() {
        assert_eq!(
            redact("amqps://jfc:s3cret@mq.example:5671/ops"),
            "amqps://jfc:***@mq.example:5671/ops"
        );
        assert_eq!(redact("amqp://127.0.0.1:5672"), "amqp://127.0.0.1:5672");
    }
}
