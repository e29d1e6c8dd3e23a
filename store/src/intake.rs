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
        let (ids, earlier) = self.send_all_once(channel, std::slice::from_ref(msg), key)?;
        Ok((ids.first().copied().unwrap_or_default(), earlier))
    }

    /// Queue `msgs` on `channel` in one durable transaction (all or none), unless the
    /// same `key` queued them before: their ids, and whether they are those earlier ones.
    pub fn send_all_once(
        &mut self,
        channel: ObjectId,
        msgs: &[Value],
        key: Option<&str>,
    ) -> Result<(Vec<i64>, bool)> {
        let keys: Vec<String> = match key {
            None => Vec::new(),
            Some(k) if msgs.len() == 1 => vec![k.to_string()],
            Some(k) => (0..msgs.len()).map(|i| format!("{k}#{i}")).collect(),
        };
        self.durably(|s| {
            s.write_tx(|s| {
                if let Some(ids) = s.earlier(channel, &keys)? {
                    return Ok((ids, true));
                }
                let mut ids = Vec::with_capacity(msgs.len());
                for (i, msg) in msgs.iter().enumerate() {
                    let id = s.send(channel, msg)?;
                    if let Some(key) = keys.get(i) {
                        s.conn
                            .prepare_cached(
                                "INSERT INTO intake_keys (key, channel, message, at) VALUES (?1, ?2, ?3, ?4)",
                            )?
                            .execute(params![key, channel, id, super::now_text()])?;
                    }
                    ids.push(id);
                }
                let cutoff = (chrono::Utc::now() - chrono::Duration::days(KEEP_KEYS_DAYS))
                    .format("%Y-%m-%dT%H:%M:%S%.6fZ")
                    .to_string();
                s.conn
                    .prepare_cached("DELETE FROM intake_keys WHERE at < ?1")?
                    .execute([cutoff])?;
                Ok((ids, false))
            })
        })
    }

    /// The ids queued before under `keys`, when the first of them is known (a batch is
    /// queued whole or not at all).
    fn earlier(&self, channel: ObjectId, keys: &[String]) -> Result<Option<Vec<i64>>> {
        let mut ids = Vec::with_capacity(keys.len());
        for key in keys {
            let id: Option<i64> = self
                .conn
                .prepare_cached("SELECT message FROM intake_keys WHERE key = ?1 AND channel = ?2")?
                .query_row(params![key, channel], |r| r.get(0))
                .optional()?;
            match id {
                Some(id) => ids.push(id),
                None if ids.is_empty() => return Ok(None),
                None => {}
            }
        }
        Ok((!keys.is_empty()).then_some(ids))
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

    #[test]
    fn a_batch_goes_whole_and_once() {
        let dir = tempfile::tempdir().expect("dir");
        let mut s = Store::open(&dir.path().join("s.db")).expect("store");
        let ch = s
            .resolve("/system/channels/Alert")
            .expect("the Alert channel");
        let batch = [Value::str("a"), Value::str("b"), Value::str("c")];
        let (ids, again) = s.send_all_once(ch, &batch, Some("n1")).expect("sent");
        assert_eq!((ids.len(), again), (3, false));
        let (same, again) = s.send_all_once(ch, &batch, Some("n1")).expect("sent");
        assert_eq!((same, again), (ids, true));
        let (none, _) = s.send_all_once(ch, &[], Some("n2")).expect("sent");
        assert!(none.is_empty());
        assert_eq!(s.message_count(ch).expect("count"), 3);
    }
}
