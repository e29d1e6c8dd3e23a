//! Checkpoints of runs in checkpoint mode (platform.md §2.7): the last state of a run's
//! VM, kept durably beside its process record, so that `jfc resume` can take the run up
//! again after a crash, or run a failed job again (`--retry`).
//!
//! One row per run, keyed by the main process's pid; each checkpoint replaces the one
//! before. The console length goes with it: a resumed run prints again what it printed
//! after its checkpoint, so the record's console is cut back there first.
//!
//! Messages make no exception to "what a checkpoint has is done once": those a run
//! receives are held aside, and those it sends wait in an outbox, until the next
//! checkpoint is kept (in its transaction). A resume from an earlier checkpoint puts
//! the held ones back in the queue and drops the unsent ones: the resumed run receives
//! and sends them again, and each is delivered once.

use rusqlite::{params, OptionalExtension};

use super::{now_text, Result, Store, StoreError};

/// A checkpoint as kept.
pub struct Checkpoint {
    /// The VM state, as `jfc_vm::Snapshot::to_bytes` wrote it.
    pub data: Vec<u8>,
    /// Bytes of console the run had printed when the checkpoint was taken.
    pub console_pos: u64,
    /// What a resume finds about it (without reading `data`).
    pub about: CheckpointAbout,
}

/// What `jfc ps` shows of a checkpoint.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CheckpointAbout {
    /// The jobs that may have started and not ended, as `line N` texts (empty: none).
    pub in_doubt: String,
    /// The failed jobs `--retry` would run again, as `line N` texts (empty: none).
    pub retry: String,
    /// When it was written.
    pub written: String,
    /// The messages the run held (received) up to this checkpoint, by hold number: the
    /// checkpoint has them, so they go for good when it is kept.
    pub holds_upto: i64,
    /// The messages the run sent up to this checkpoint, by id: they are queued when it
    /// is kept.
    pub sends_upto: i64,
}

impl Store {
    /// Keep `data` as the checkpoint of run `pid`, fsync'ed before this returns: a job
    /// started after it is never lost to a crash, not even a power cut. `console_pos`
    /// is how much the run had printed.
    pub fn checkpoint_write(
        &mut self,
        pid: i64,
        data: &[u8],
        console_pos: u64,
        about: &CheckpointAbout,
    ) -> Result<()> {
        self.durably(|s| {
            s.write_tx(|s| {
                s.conn
                    .prepare_cached(
                        "INSERT OR REPLACE INTO checkpoints (pid, data, console_pos, in_doubt, retry, written) \
                         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                    )?
                    .execute(params![
                        pid,
                        data,
                        console_pos as i64,
                        about.in_doubt,
                        about.retry,
                        now_text()
                    ])?;
                s.conn
                    .prepare_cached("DELETE FROM held_messages WHERE run = ?1 AND hold_no <= ?2")?
                    .execute(params![pid, about.holds_upto])?;
                s.release_sends(pid, about.sends_upto)
            })
        })
    }

    /// The checkpoint of run `pid`, if it has one.
    pub fn checkpoint(&self, pid: i64) -> Result<Option<Checkpoint>> {
        let row = self
            .conn
            .query_row(
                "SELECT in_doubt, retry, written, data, console_pos FROM checkpoints WHERE pid = ?1",
                [pid],
                |r| {
                    Ok(Checkpoint {
                        about: about_of(r)?,
                        data: r.get(3)?,
                        console_pos: r.get::<_, i64>(4)?.max(0) as u64,
                    })
                },
            )
            .optional()?;
        Ok(row)
    }

    /// What the checkpoint of run `pid` holds, without its data.
    pub fn checkpoint_about(&self, pid: i64) -> Result<Option<CheckpointAbout>> {
        let row = self
            .conn
            .prepare_cached("SELECT in_doubt, retry, written FROM checkpoints WHERE pid = ?1")?
            .query_row([pid], about_of)
            .optional()?;
        Ok(row)
    }

    /// Take run `pid` up again in this OS process, from its checkpoint: the record and
    /// those of its `live` children read RUNNING again, the console is cut back to
    /// `console_pos`, the messages it received after the checkpoint are queued again
    /// (with their ids, so in their places), and the records of its descendants that
    /// the checkpoint does not know (`known` holds every pid it does) go: they were
    /// started after it and the resumed run starts them again. One transaction.
    pub fn process_resume(
        &mut self,
        pid: i64,
        console_pos: u64,
        live: &[i64],
        known: &[i64],
    ) -> Result<()> {
        self.write_tx(|s| {
            let own = std::process::id() as i64;
            for p in std::iter::once(&pid).chain(live) {
                s.conn.execute(
                    "UPDATE processes SET status = 'RUNNING', finished = NULL, exit_status = NULL, \
                     result = NULL, error = NULL, os_pid = ?2 WHERE pid = ?1",
                    params![p, own],
                )?;
            }
            s.conn.execute(
                "DELETE FROM process_console WHERE pid = ?1 AND pos >= ?2",
                params![pid, console_pos as i64],
            )?;
            // Received after the checkpoint: the resumed run receives them again.
            s.conn.execute(
                "INSERT INTO messages (id, channel, body, sent) \
                 SELECT id, channel, body, sent FROM held_messages WHERE run = ?1",
                [pid],
            )?;
            s.conn
                .execute("DELETE FROM held_messages WHERE run = ?1", [pid])?;
            // Sent after the checkpoint: the resumed run sends them again.
            s.conn.execute("DELETE FROM outbox WHERE run = ?1", [pid])?;
            for gone in s
                .descendants(pid)?
                .into_iter()
                .filter(|d| !known.contains(d))
            {
                s.conn
                    .execute("DELETE FROM processes WHERE pid = ?1", [gone])?;
            }
            Ok(())
        })
    }

    /// From now on the sends of this connection are run `run`'s, in checkpoint mode:
    /// each waits in the outbox for the run's next checkpoint.
    pub fn send_for_run(&mut self, run: i64) {
        self.outbox_run = Some(run);
    }

    /// The id of the last message run `run` sent that is not queued yet (0: none).
    pub fn last_unsent(&self, run: i64) -> Result<i64> {
        Ok(self
            .conn
            .prepare_cached("SELECT coalesce(max(id), 0) FROM outbox WHERE run = ?1")?
            .query_row([run], |r| r.get(0))?)
    }

    /// Queue the messages run `run` sent, up to id `upto`.
    pub(crate) fn release_sends(&mut self, run: i64, upto: i64) -> Result<()> {
        self.conn
            .prepare_cached(
                "INSERT INTO messages (id, channel, body, sent) \
                 SELECT id, channel, body, sent FROM outbox WHERE run = ?1 AND id <= ?2",
            )?
            .execute(params![run, upto])?;
        self.conn
            .prepare_cached("DELETE FROM outbox WHERE run = ?1 AND id <= ?2")?
            .execute(params![run, upto])?;
        Ok(())
    }

    /// Every descendant of process `pid` (children, their children, ...).
    fn descendants(&self, pid: i64) -> Result<Vec<i64>> {
        let mut all = Vec::new();
        let mut next = vec![pid];
        while let Some(p) = next.pop() {
            let children = self.process_children(p)?;
            next.extend(&children);
            all.extend(children);
        }
        Ok(all)
    }

    /// Refuse to resume run `pid` unless it has a checkpoint and is not running: the
    /// checkpoint.
    pub fn checkpoint_to_resume(&self, pid: i64) -> Result<Checkpoint> {
        let rec = self.process(pid)?;
        if rec.parent.is_some() {
            return Err(StoreError(format!(
                "process {pid} is a child of process {}: resume that one",
                rec.parent.unwrap_or_default()
            )));
        }
        if matches!(rec.status.as_str(), "RUNNING" | "WAITING") {
            let os = rec
                .os_pid
                .map_or(String::new(), |p| format!(" (OS process {p})"));
            return Err(StoreError(format!("process {pid} is still running{os}")));
        }
        if rec.status == "DONE" {
            return Err(StoreError(format!(
                "process {pid} ended DONE: there is nothing to resume"
            )));
        }
        self.checkpoint(pid)?.ok_or_else(|| {
            StoreError(format!(
                "process {pid} has no checkpoint: it did not run in checkpoint mode (jfc run --checkpoint), so it cannot be resumed"
            ))
        })
    }
}

/// The first three columns of a row: in_doubt, retry, written.
fn about_of(r: &rusqlite::Row<'_>) -> rusqlite::Result<CheckpointAbout> {
    Ok(CheckpointAbout {
        in_doubt: r.get(0)?,
        retry: r.get(1)?,
        written: r.get(2)?,
        holds_upto: 0,
        sends_upto: 0,
    })
}
