//! Messages that come from outside (the daemon's event intake), each with an optional
//! idempotency key: a sender that retries after a lost answer sends the same key, and
//! the message is queued once. The key is kept with the id the message got.

use rusqlite::{params, OptionalExtension};

use super::{ObjectId, Result, Store};
use jfc_vm::value::Value;

/// Keys older than this are forgotten (a retry comes within minutes, not days).
const KEEP_KEYS_DAYS: i64 = 7;

impl Store {
    /// Queue `msg` on `channel` durably (committed and fsync'ed when this returns),
    /// unless a message with the same `key` was queued before: its id, and whether it
    /// is that earlier one.
    pub fn send_once(
        &mut self,
        channel: ObjectId,
        msg: &Value,
        key: Option<&str>,
    ) -> Result<(i64, bool)> {
        let Some(key) = key else {
            return Ok((self.send(channel, msg)?, false));
        };
        self.durably(|s| {
            s.write_tx(|s| {
                let earlier: Option<i64> = s
                    .conn
                    .prepare_cached("SELECT message FROM intake_keys WHERE key = ?1 AND channel = ?2")?
                    .query_row(params![key, channel], |r| r.get(0))
                    .optional()?;
                if let Some(id) = earlier {
                    return Ok((id, true));
                }
                let id = s.send(channel, msg)?;
                s.conn
                    .prepare_cached(
                        "INSERT INTO intake_keys (key, channel, message, at) VALUES (?1, ?2, ?3, ?4)",
                    )?
                    .execute(params![key, channel, id, super::now_text()])?;
                let cutoff = (chrono::Utc::now() - chrono::Duration::days(KEEP_KEYS_DAYS))
                    .format("%Y-%m-%dT%H:%M:%S%.6fZ")
                    .to_string();
                s.conn
                    .prepare_cached("DELETE FROM intake_keys WHERE at < ?1")?
                    .execute([cutoff])?;
                Ok((id, false))
            })
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_sent_twice_queues_one_message() {
        let dir = tempfile::tempdir().expect("dir");
        let mut s = Store::open(&dir.path().join("s.db")).expect("store");
        let ch = s
            .resolve("/system/channels/Alert")
            .expect("the Alert channel");
        let (a, dup_a) = s.send_once(ch, &Value::str("x"), Some("k1")).expect("sent");
        let (b, dup_b) = s.send_once(ch, &Value::str("x"), Some("k1")).expect("sent");
        let (c, dup_c) = s.send_once(ch, &Value::str("y"), Some("k2")).expect("sent");
        let (d, _) = s.send_once(ch, &Value::str("z"), None).expect("sent");
        assert_eq!((a, dup_a), (b, !dup_b));
        assert!(!dup_c && c != a && d != c);
        assert_eq!(s.message_count(ch).expect("count"), 3);
    }
}
