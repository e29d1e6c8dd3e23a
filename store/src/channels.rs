//! Persistent channels (library.md §3.11, §3.12; language.md §14.3–14.4): the message
//! queue of a Channel or MailChannel object is the rows of the `messages` table with
//! that channel, in `id` order. A message id is the row id: unique in the whole store,
//! so unique per channel as the manual requires, and increasing in commit order
//! (writers are serialised), which makes the queue FIFO across OS processes.
//!
//! **Durability** (platform.md, "What jfc adds"): [`Store::send`] returns only after
//! its transaction is committed with `synchronous = FULL`, i.e. after the WAL has been
//! fsync'ed. SIGKILL of the sender alone would already be covered by the store's
//! usual `NORMAL` level — a WAL commit is a completed `write()` into the kernel's page
//! cache, which outlives the process — but an acknowledged event must also survive an
//! OS crash or power loss, and only the fsync gives that. Receiving stays at
//! `NORMAL`: a receive lost in a power failure makes the message reappear (at least
//! once), never vanish.
//!
//! **Concurrency.** Several OS processes (the daemon, `jfc run`s, `jfc sendevt`) may
//! send and receive on the same channel. Every removal is one `DELETE … RETURNING` in a
//! `BEGIN IMMEDIATE` transaction, so of two receivers racing for a message exactly one
//! gets it; the loser sees `None` and looks again ([`Store::receive`] does that).
//!
//! **Waiting.** Nothing here blocks. A host with waiting processes polls
//! [`Store::change_token`] (cheap: no table is read) and looks at its channels again
//! when the token moves. The token moves when *another* connection commits; a send
//! through this same `Store` does not move it, so a host wakes its own waiters itself.

use rusqlite::{params, OptionalExtension};

use jfc_vm::value::{Args, Value};

use super::objects::ObjectId;
use super::os_process::{own_start_time, still_running};
use super::{codec, Result, Store, StoreError};

/// A guard test on a message: `Ok(true)` accepts it; `Err` is a runtime error of the guard.
pub type Guard<'a> = &'a mut dyn FnMut(&Value) -> std::result::Result<bool, String>;

/// The types whose objects hold a message queue.
pub const CHANNEL_TYPES: &[&str] = &["Channel", "MailChannel"];

impl Store {
    /// Whether the object is a Channel or a MailChannel.
    pub fn is_channel(&self, channel: ObjectId) -> Result<bool> {
        let name: Option<String> = self
            .conn
            .prepare_cached(
                "SELECT t.name FROM objects o JOIN objects t ON t.id = o.type WHERE o.id = ?1",
            )?
            .query_row([channel], |r| r.get(0))
            .optional()?;
        match name {
            Some(name) => Ok(CHANNEL_TYPES.contains(&name.as_str())),
            None => Err(StoreError(format!("no object with id {channel}"))),
        }
    }

    /// Append `msg` to the queue of `channel` and return its message id.
    ///
    /// When this returns `Ok`, the message is committed and fsync'ed (see the module
    /// documentation). Called inside a [`Store::transaction`], the message becomes part
    /// of that transaction instead and is as durable as its commit.
    pub fn send(&mut self, channel: ObjectId, msg: &Value) -> Result<i64> {
        let body = codec::encode(msg).map_err(|e| StoreError(format!("send: {e}")))?;
        if !self.conn.is_autocommit() {
            return self.insert_message(channel, &body);
        }
        // Statements cached, not formatted each time: a send is on hot paths (sendevt,
        // webhooks); the fsync dominates anyway.
        self.durably(|s| s.write_tx(|s| s.insert_message(channel, &body)))
    }

    /// Run `f` with its commit fsync'ed (`synchronous = FULL`): what it wrote survives
    /// a power cut once this returns.
    pub(crate) fn durably<T>(&mut self, f: impl FnOnce(&mut Store) -> Result<T>) -> Result<T> {
        let previous: i64 = self
            .conn
            .prepare_cached("PRAGMA synchronous")?
            .query_row([], |r| r.get(0))?;
        self.exec_cached("PRAGMA synchronous = FULL")?;
        let done = f(self);
        let restored = self.exec_cached(match previous {
            0 => "PRAGMA synchronous = OFF",
            1 => "PRAGMA synchronous = NORMAL",
            3 => "PRAGMA synchronous = EXTRA",
            _ => "PRAGMA synchronous = FULL",
        });
        let v = done?;
        restored?;
        Ok(v)
    }

    fn insert_message(&mut self, channel: ObjectId, body: &str) -> Result<i64> {
        if !self.is_channel(channel)? {
            let path = self.abspath(channel)?;
            return Err(StoreError(format!(
                "{path} is not a Channel: messages can only be sent to a Channel or MailChannel"
            )));
        }
        self.conn
            .prepare_cached("INSERT INTO messages (channel, body, sent) VALUES (?1, ?2, ?3)")?
            .execute(params![channel, body, super::now_text()])?;
        let id = self.conn.last_insert_rowid();
        if let Some(run) = self.outbox_run {
            // Its id taken in the queue's order, it waits for the run's next checkpoint.
            self.conn
                .prepare_cached(
                    "INSERT INTO outbox (id, channel, body, sent, run) \
                     SELECT id, channel, body, sent, ?2 FROM messages WHERE id = ?1",
                )?
                .execute(params![id, run])?;
            self.conn
                .prepare_cached("DELETE FROM messages WHERE id = ?1")?
                .execute([id])?;
        }
        Ok(id)
    }

    /// The whole queue, head first.
    pub fn messages(&self, channel: ObjectId) -> Result<Vec<(i64, Value)>> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT id, body FROM messages WHERE channel = ?1 ORDER BY id")?;
        let mut rows = stmt.query([channel])?;
        let mut out = Vec::new();
        while let Some(row) = rows.next()? {
            let id: i64 = row.get(0)?;
            let body: String = row.get(1)?;
            out.push((id, decode_body(channel, id, &body)?));
        }
        Ok(out)
    }

    /// The number of queued messages (`message_count`).
    pub fn message_count(&self, channel: ObjectId) -> Result<i64> {
        Ok(self
            .conn
            .prepare_cached("SELECT count(*) FROM messages WHERE channel = ?1")?
            .query_row([channel], |r| r.get(0))?)
    }

    /// How many receivers wait on the channel now (`event_count`, library.md §3.11):
    /// processes parked on an event job naming it, in every OS process using the store.
    /// Those of an OS process that is gone (killed while waiting) do not count.
    pub fn event_count(&self, channel: ObjectId) -> Result<i64> {
        let holders: Vec<(i64, Option<i64>)> = self
            .conn
            .prepare_cached("SELECT os_pid, os_start FROM channel_waiters WHERE channel = ?1")?
            .query_map([channel], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<rusqlite::Result<_>>()?;
        Ok(holders
            .into_iter()
            .filter(|(pid, started)| still_running(*pid, *started))
            .count() as i64)
    }

    /// Record that process `vm_pid` of this OS process waits on the channel (`on`), or
    /// no longer does. A row left by an earlier OS process with the same pid is replaced.
    pub fn set_waiting(&mut self, channel: ObjectId, vm_pid: u64, on: bool) -> Result<()> {
        let me = std::process::id() as i64;
        if on {
            self.conn
                .prepare_cached(
                    "INSERT OR REPLACE INTO channel_waiters (channel, os_pid, vm_pid, os_start) VALUES (?1, ?2, ?3, ?4)",
                )?
                .execute(params![channel, me, vm_pid as i64, own_start_time()])?;
        } else {
            self.conn
                .prepare_cached(
                    "DELETE FROM channel_waiters WHERE channel = ?1 AND os_pid = ?2 AND vm_pid = ?3",
                )?
                .execute(params![channel, me, vm_pid as i64])?;
        }
        Ok(())
    }

    /// The message an event job would receive, without removing anything: with
    /// `scan == false` (`<ch ? g>`, or no guard) only the head is tried; with `scan`
    /// (`<ch ?? g>`) the first message the guard accepts. Take it with [`Store::take`]
    /// or [`Store::take_scanned`] respectively; [`Store::receive`] does both.
    pub fn first_match(
        &self,
        channel: ObjectId,
        pred: Guard<'_>,
        scan: bool,
    ) -> Result<Option<(i64, Value)>> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT id, body FROM messages WHERE channel = ?1 ORDER BY id")?;
        let mut rows = stmt.query([channel])?;
        while let Some(row) = rows.next()? {
            let id: i64 = row.get(0)?;
            let body: String = row.get(1)?;
            let v = decode_body(channel, id, &body)?;
            if pred(&v).map_err(StoreError)? {
                return Ok(Some((id, v)));
            }
            if !scan {
                break;
            }
        }
        Ok(None)
    }

    /// Remove message `msgid` for an event job. `None` when it is
    /// no longer there (another receiver took it first).
    pub fn take(&mut self, channel: ObjectId, msgid: i64) -> Result<Option<Value>> {
        self.write_tx(|s| s.take_decoded(channel, msgid, false, Taken::Deleted))
    }

    /// Like [`Store::take`] for `??`: the messages queued before `msgid` are discarded
    /// too, in the same transaction. When `msgid` is gone nothing is discarded.
    pub fn take_scanned(&mut self, channel: ObjectId, msgid: i64) -> Result<Option<Value>> {
        self.write_tx(|s| s.take_decoded(channel, msgid, true, Taken::Deleted))
    }

    /// The `peek_mode=true` form of a receive: message `msgid` stays queued and, with
    /// `scanned`, the messages before it are discarded.
    pub fn peek_received(
        &mut self,
        channel: ObjectId,
        msgid: i64,
        scanned: bool,
    ) -> Result<Option<Value>> {
        self.write_tx(|s| s.take_decoded(channel, msgid, scanned, Taken::Kept))
    }

    /// [`Store::take_in_tx`] with the body decoded inside the transaction: a corrupt
    /// body is an error and the whole receive is rolled back.
    fn take_decoded(
        &mut self,
        channel: ObjectId,
        msgid: i64,
        scanned: bool,
        taken: Taken,
    ) -> Result<Option<Value>> {
        match self.take_in_tx(channel, msgid, scanned, taken)? {
            Some(body) => decode_body(channel, msgid, &body).map(Some),
            None => Ok(None),
        }
    }

    /// The body of message `msgid`, taken out of the queue as `taken` says; with
    /// `scanned` the messages before it are discarded (held, for a held take). `None`
    /// (and nothing changed) when the message is not there.
    fn take_in_tx(
        &mut self,
        channel: ObjectId,
        msgid: i64,
        scanned: bool,
        taken: Taken,
    ) -> Result<Option<String>> {
        let body: Option<String> = self
            .conn
            .prepare_cached("SELECT body FROM messages WHERE channel = ?1 AND id = ?2")?
            .query_row(params![channel, msgid], |r| r.get(0))
            .optional()?;
        let Some(body) = body else {
            return Ok(None);
        };
        let first = if scanned { i64::MIN } else { msgid };
        if let Taken::Held { run, hold_no } = taken {
            self.conn
                .prepare_cached(
                    "INSERT INTO held_messages (id, channel, body, sent, run, hold_no) \
                     SELECT id, channel, body, sent, ?4, ?5 FROM messages \
                     WHERE channel = ?1 AND id >= ?2 AND id <= ?3",
                )?
                .execute(params![channel, first, msgid, run, hold_no])?;
        }
        if taken != Taken::Kept {
            self.conn
                .prepare_cached(
                    "DELETE FROM messages WHERE channel = ?1 AND id >= ?2 AND id <= ?3",
                )?
                .execute(params![channel, first, msgid])?;
        } else if scanned {
            self.conn
                .prepare_cached("DELETE FROM messages WHERE channel = ?1 AND id < ?2")?
                .execute(params![channel, msgid])?;
        }
        Ok(Some(body))
    }

    /// One receive of an event job, race-free against other receivers: find the message
    /// ([`Store::first_match`]), then take it (or, with `peek`, leave it);
    /// when another receiver got there first, look again. `None`: nothing acceptable
    /// is queued, the caller waits.
    pub fn receive(
        &mut self,
        channel: ObjectId,
        pred: Guard<'_>,
        scan: bool,
        peek: bool,
    ) -> Result<Option<(i64, Value)>> {
        let taken = if peek { Taken::Kept } else { Taken::Deleted };
        self.receive_as(channel, pred, scan, taken)
    }

    /// [`Store::receive`] for run `run` in checkpoint mode: the message (and those a
    /// scan discards) is held as its `hold_no`-th hold until the run's next checkpoint
    /// ([`Store::checkpoint_write`]) rather than deleted.
    pub fn receive_held(
        &mut self,
        channel: ObjectId,
        pred: Guard<'_>,
        scan: bool,
        run: i64,
        hold_no: i64,
    ) -> Result<Option<(i64, Value)>> {
        self.receive_as(channel, pred, scan, Taken::Held { run, hold_no })
    }

    fn receive_as(
        &mut self,
        channel: ObjectId,
        pred: Guard<'_>,
        scan: bool,
        taken: Taken,
    ) -> Result<Option<(i64, Value)>> {
        loop {
            let Some((id, v)) = self.first_match(channel, &mut *pred, scan)? else {
                return Ok(None);
            };
            // A message is never changed once queued: the body taken is the one decoded.
            if self
                .write_tx(|s| s.take_in_tx(channel, id, scan, taken))?
                .is_some()
            {
                return Ok(Some((id, v)));
            }
        }
    }

    /// `[msgid, message]` at `index` (0 the head, negative from the end), not removed.
    pub fn peek_message(&self, channel: ObjectId, index: i64) -> Result<Option<(i64, Value)>> {
        let (order, offset) = order_offset(index);
        let row: Option<(i64, String)> = self
            .conn
            .prepare_cached(&format!(
                "SELECT id, body FROM messages WHERE channel = ?1 ORDER BY id {order} LIMIT 1 OFFSET ?2"
            ))?
            .query_row(params![channel, offset], |r| Ok((r.get(0)?, r.get(1)?)))
            .optional()?;
        match row {
            Some((id, body)) => Ok(Some((id, decode_body(channel, id, &body)?))),
            None => Ok(None),
        }
    }

    /// Remove and return the message at `index` (0 the head, negative from the end).
    pub fn pop_message(&mut self, channel: ObjectId, index: i64) -> Result<Option<(i64, Value)>> {
        let (order, offset) = order_offset(index);
        self.write_tx(|s| {
            let row: Option<(i64, String)> = s
                .conn
                .prepare_cached(&format!(
                    "DELETE FROM messages WHERE id = (SELECT id FROM messages WHERE channel = ?1 \
                     ORDER BY id {order} LIMIT 1 OFFSET ?2) RETURNING id, body"
                ))?
                .query_row(params![channel, offset], |r| Ok((r.get(0)?, r.get(1)?)))
                .optional()?;
            match row {
                Some((id, body)) => Ok(Some((id, decode_body(channel, id, &body)?))),
                None => Ok(None),
            }
        })
    }

    /// Remove the messages with these ids; returns how many there were (an id not in
    /// this channel's queue counts nothing: the caller decides whether that is an error).
    pub fn delete_messages(&mut self, channel: ObjectId, ids: &[i64]) -> Result<usize> {
        self.write_tx(|s| {
            let mut stmt = s
                .conn
                .prepare_cached("DELETE FROM messages WHERE channel = ?1 AND id = ?2")?;
            let mut n = 0;
            for id in ids {
                n += stmt.execute(params![channel, id])?;
            }
            Ok(n)
        })
    }

    /// Empty the queue; returns how many messages were removed.
    pub fn clear_messages(&mut self, channel: ObjectId) -> Result<usize> {
        Ok(self
            .conn
            .prepare_cached("DELETE FROM messages WHERE channel = ?1")?
            .execute([channel])?)
    }

    /// SQLite's `PRAGMA data_version` of this connection: it changes whenever another
    /// connection (another `Store`, another OS process) has committed since the last
    /// call. Cheap enough to poll every few milliseconds.
    pub fn change_token(&self) -> Result<i64> {
        Ok(self
            .conn
            .query_row("PRAGMA data_version", [], |r| r.get(0))?)
    }

    /// `f` in a `BEGIN IMMEDIATE` transaction (the write lock first, so no
    /// read-then-write upgrade can fail), or inside the caller's transaction if one is
    /// open. A failed commit is rolled back rather than left open.
    pub(crate) fn write_tx<T>(&mut self, f: impl FnOnce(&mut Store) -> Result<T>) -> Result<T> {
        if !self.conn.is_autocommit() {
            return f(self);
        }
        self.exec_cached("BEGIN IMMEDIATE")?;
        let done = f(self).and_then(|v| {
            self.exec_cached("COMMIT")?;
            Ok(v)
        });
        if done.is_err() && !self.conn.is_autocommit() {
            let _ = self.exec_cached("ROLLBACK");
        }
        done
    }

    /// One statement without parameters or rows, prepared once per connection.
    fn exec_cached(&self, sql: &str) -> Result<()> {
        self.conn.prepare_cached(sql)?.execute([])?;
        Ok(())
    }
}

/// What a receive does with the message it takes.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Taken {
    /// Left in the queue (`peek_mode`).
    Kept,
    Deleted,
    /// Moved aside for a run in checkpoint mode until its next checkpoint.
    Held {
        run: i64,
        hold_no: i64,
    },
}

/// `ORDER BY` direction and `OFFSET` for a Python-style index.
fn order_offset(index: i64) -> (&'static str, i64) {
    if index >= 0 {
        ("ASC", index)
    } else {
        // -1 is the last message; -(i64::MIN + 1) does not overflow.
        ("DESC", -(index + 1))
    }
}

fn path_of(store: &Store, channel: ObjectId) -> String {
    store
        .abspath(channel)
        .unwrap_or_else(|_| format!("channel {channel}"))
}

fn decode_body(channel: ObjectId, id: i64, body: &str) -> Result<Value> {
    codec::decode(body).map_err(|e| {
        StoreError(format!(
            "channel {channel}: message {id} cannot be read ({e}); delete it with delete_message({id})"
        ))
    })
}

/// `ch.message_count` / `ch.event_count` of a stored channel.
pub fn property(store: &Store, channel: ObjectId, name: &str) -> Result<Value> {
    match name {
        "message_count" => Ok(Value::Int(store.message_count(channel)?)),
        "event_count" => Ok(Value::Int(store.event_count(channel)?)),
        other => Err(StoreError(format!("a Channel has no property `{other}`"))),
    }
}

/// The methods of a stored channel (library.md §3.11).
pub fn method(store: &mut Store, channel: ObjectId, name: &str, args: Args) -> Result<Value> {
    let arg = |i: usize, kw: &str| -> Option<Value> {
        args.pos.get(i).cloned().or_else(|| {
            args.kw
                .iter()
                .find(|(k, _)| &**k == kw)
                .map(|(_, v)| v.clone())
        })
    };
    let index = |v: Option<Value>| -> Result<i64> {
        match v {
            None => Ok(0),
            Some(Value::Int(i)) => Ok(i),
            Some(other) => Err(StoreError(format!(
                "the message index is an Integer, not {}",
                other.type_name()
            ))),
        }
    };
    match name {
        "send" => {
            let msg =
                arg(0, "message").ok_or_else(|| StoreError("send() needs a message".into()))?;
            store.send(channel, &msg)?;
            Ok(Value::Null)
        }
        "pop_message" => {
            let i = index(arg(0, "index"))?;
            match store.pop_message(channel, i)? {
                Some((_, v)) => Ok(v),
                None => Err(StoreError(format!(
                    "{}: no message at index {i}",
                    path_of(store, channel)
                ))),
            }
        }
        "peek_message" => {
            let i = index(arg(0, "index"))?;
            match store.peek_message(channel, i)? {
                Some((id, v)) => Ok(Value::array(vec![Value::Int(id), v])),
                None => Err(StoreError(format!(
                    "{}: no message at index {i}",
                    path_of(store, channel)
                ))),
            }
        }
        "delete_message" => {
            let mut ids = Vec::with_capacity(args.pos.len());
            for v in &args.pos {
                match v {
                    Value::Int(i) => ids.push(*i),
                    other => {
                        return Err(StoreError(format!(
                            "delete_message(): a message id is an Integer, not {}",
                            other.type_name()
                        )))
                    }
                }
            }
            // All or nothing: an unknown id is an error and deletes nothing.
            store.transaction(|s| {
                let mut unique = ids.clone();
                unique.sort_unstable();
                unique.dedup();
                let n = s.delete_messages(channel, &unique)?;
                if n != unique.len() {
                    return Err(StoreError(format!(
                        "{}: delete_message(): no such message id",
                        s.abspath(channel).unwrap_or_default()
                    )));
                }
                Ok(Value::Null)
            })
        }
        "clear_messages" => {
            store.clear_messages(channel)?;
            Ok(Value::Null)
        }
        other => Err(StoreError(format!(
            "{}: Channel has no method `{other}`",
            path_of(store, channel)
        ))),
    }
}
