//! Process records (platform.md §2.2): one row per run of a flow, so that `jfc ps` (and
//! later the daemon and `/process`) can list what ran, how it ended and what it printed.

use jfc_vm::value::Value;
use rusqlite::{params, OptionalExtension};

use super::{codec, now_text, Result, Store, StoreError};

/// One process record.
#[derive(Clone)]
pub struct ProcessRecord {
    pub pid: i64,
    /// The path of the jobflow (object path, or file for a loose file).
    pub job: String,
    pub user: String,
    /// `RUNNING`, `WAITING`, `DONE`, `ABORTED`; an active record whose OS process is gone
    /// reads ABORTED.
    pub status: String,
    pub started: String,
    pub finished: Option<String>,
    pub exit_status: Value,
    pub result: Value,
    pub error: Value,
    pub console: String,
    /// The OS process that ran it.
    pub os_pid: Option<i64>,
    /// The process that forked it (fork/pfor); None for a process started directly.
    pub parent: Option<i64>,
    /// What started it: a channel's path (its action), None for a direct start.
    pub invoker: Option<String>,
    /// The schedule that fired it.
    pub schedule: Option<i64>,
}

impl ProcessRecord {
    /// The record as `jfc ps --json` and the daemon's API give it: values that are not
    /// null, integers or booleans as their text.
    pub fn to_json(&self) -> serde_json::Value {
        let value = |v: &Value| match v {
            Value::Null => serde_json::Value::Null,
            Value::Int(i) => serde_json::Value::from(*i),
            Value::Bool(b) => serde_json::Value::from(*b),
            other => serde_json::Value::from(other.to_text()),
        };
        serde_json::json!({
            "pid": self.pid,
            "abspath": format!("/process/id_{}", self.pid),
            "job": self.job,
            "user": self.user,
            "status": self.status,
            "started": self.started,
            "finished": self.finished,
            "exit_status": value(&self.exit_status),
            "result": value(&self.result),
            "error": value(&self.error),
            "console": self.console,
            "os_pid": self.os_pid,
            "parent": self.parent,
            "invoker": self.invoker,
            "schedule": self.schedule.map(|id| format!("/scheduler/id_{id}")),
        })
    }
}

const COLUMNS: &str =
    "pid, job, user, status, started, finished, exit_status, result, error, os_pid, parent, invoker, schedule";

/// The start of a console, always kept: as much as the original engine keeps in all
/// (platform.md §2.3).
pub const CONSOLE_HEAD: u64 = 64 * 1024;

/// The latest console text kept after the head; what lies between the two is dropped,
/// so a process printing without end costs a bounded record (platform.md, What jfc
/// adds: head and tail).
pub const CONSOLE_TAIL: u64 = 1024 * 1024;

fn decoded(text: Option<String>) -> Value {
    text.and_then(|t| codec::decode(&t).ok())
        .unwrap_or(Value::Null)
}

fn row_to_record(r: &rusqlite::Row<'_>) -> rusqlite::Result<ProcessRecord> {
    let mut rec = ProcessRecord {
        pid: r.get(0)?,
        job: r.get(1)?,
        user: r.get(2)?,
        status: r.get(3)?,
        started: r.get(4)?,
        finished: r.get(5)?,
        exit_status: decoded(r.get(6)?),
        result: decoded(r.get(7)?),
        error: decoded(r.get(8)?),
        console: String::new(),
        os_pid: r.get(9)?,
        parent: r.get(10)?,
        invoker: r.get(11)?,
        schedule: r.get(12)?,
    };
    // A NEW record waits for the daemon's next start, whoever recorded it.
    if rec.status != "NEW"
        && rec.finished.is_none()
        && rec.os_pid.is_some_and(|p| !os_process_alive(p))
    {
        // Killed before it could write its end: it did not finish.
        rec.status = "ABORTED".into();
        if rec.error.to_text().is_empty() || matches!(rec.error, Value::Null) {
            rec.error = Value::str("the jfc process running it ended without finishing it");
        }
    }
    Ok(rec)
}

/// Whether OS process `pid` still exists (Linux: its `/proc` entry; elsewhere assumed).
pub(crate) fn os_process_alive(pid: i64) -> bool {
    let proc_dir = std::path::Path::new("/proc");
    !proc_dir.is_dir() || proc_dir.join(pid.to_string()).exists()
}

/// Values that cannot be stored (processes, channels) are kept as their text.
fn storable(v: &Value) -> String {
    codec::encode(v)
        .unwrap_or_else(|_| codec::encode(&Value::str(&v.to_text())).unwrap_or_default())
}

impl Store {
    /// A new RUNNING record for a run of `job` by this OS process; returns its pid.
    pub fn process_start(&mut self, job: &str, user: &str) -> Result<i64> {
        self.conn.execute(
            "INSERT INTO processes (job, user, status, started, os_pid) VALUES (?1, ?2, 'RUNNING', ?3, ?4)",
            params![job, user, now_text(), std::process::id() as i64],
        )?;
        Ok(self.conn.last_insert_rowid())
    }

    /// A new RUNNING record for a child (fork/pfor) of process `parent`; returns its pid.
    pub fn process_start_child(&mut self, job: &str, user: &str, parent: i64) -> Result<i64> {
        self.conn.execute(
            "INSERT INTO processes (job, user, status, started, os_pid, parent) VALUES (?1, ?2, 'RUNNING', ?3, ?4, ?5)",
            params![job, user, now_text(), std::process::id() as i64, parent],
        )?;
        Ok(self.conn.last_insert_rowid())
    }

    /// The pids of the children of process `pid`, oldest first.
    pub fn process_children(&self, pid: i64) -> Result<Vec<i64>> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT pid FROM processes WHERE parent = ?1 ORDER BY pid")?;
        let rows = stmt
            .query_map([pid], |r| r.get(0))?
            .collect::<rusqlite::Result<Vec<i64>>>()?;
        Ok(rows)
    }

    /// Append console text to a record: `text` starts at byte `pos` of everything the
    /// process printed. Each append is a new piece (nothing already stored is written
    /// again); pieces past the head that fell out of the tail are deleted.
    pub fn process_console(&mut self, pid: i64, pos: u64, text: &str) -> Result<()> {
        let end = pos + text.len() as u64;
        let (head, rest) = text.split_at(if pos < CONSOLE_HEAD {
            char_floor(text, (CONSOLE_HEAD - pos) as usize)
        } else {
            0
        });
        let skip = char_ceil(rest, rest.len().saturating_sub(CONSOLE_TAIL as usize));
        let pieces = [
            (pos, head),
            (end - (rest.len() - skip) as u64, &rest[skip..]),
        ];
        let tx = self.conn.transaction()?;
        for (at, piece) in pieces.into_iter().filter(|(_, p)| !p.is_empty()) {
            tx.execute(
                "INSERT INTO process_console (pid, pos, len, text) VALUES (?1, ?2, ?3, ?4)",
                params![pid, at as i64, piece.len() as i64, piece],
            )?;
        }
        tx.execute(
            "DELETE FROM process_console WHERE pid = ?1 AND pos >= ?2 AND pos + len <= ?3",
            params![
                pid,
                CONSOLE_HEAD as i64,
                end.saturating_sub(CONSOLE_TAIL) as i64
            ],
        )?;
        tx.commit()?;
        Ok(())
    }

    /// What process `pid` printed from byte `pos` of its console on, as far as it is
    /// kept, and the position after it; a reader that fell behind the dropped middle
    /// goes on from the kept tail.
    pub fn process_console_since(&self, pid: i64, pos: u64) -> Result<(String, u64)> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT pos, text FROM process_console WHERE pid = ?1 AND pos + len > ?2 ORDER BY pos",
        )?;
        let mut rows = stmt.query(params![pid, pos as i64])?;
        let (mut text, mut at) = (String::new(), pos);
        while let Some(r) = rows.next()? {
            let (start, piece): (i64, String) = (r.get(0)?, r.get(1)?);
            let start = start as u64;
            let skip = at.saturating_sub(start) as usize;
            let from = char_ceil(&piece, skip.min(piece.len()));
            text.push_str(&piece[from..]);
            at = at.max(start) + (piece.len() - skip.min(piece.len())) as u64;
        }
        Ok((text, at))
    }

    /// The console of a record: its pieces in order, a line saying how much was dropped
    /// where the middle of a long console went.
    fn console_text(&self, pid: i64) -> Result<String> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT pos, len, text FROM process_console WHERE pid = ?1 ORDER BY pos",
        )?;
        let mut rows = stmt.query([pid])?;
        let mut text = String::new();
        let mut at = 0i64;
        while let Some(r) = rows.next()? {
            let (pos, len): (i64, i64) = (r.get(0)?, r.get(1)?);
            if pos > at {
                if !text.is_empty() && !text.ends_with('\n') {
                    text.push('\n');
                }
                text.push_str(&format!(
                    "[jfc: {} bytes of console output dropped here]\n",
                    pos - at
                ));
            }
            text.push_str(&r.get::<_, String>(2)?);
            at = pos + len;
        }
        Ok(text)
    }

    /// Set the status of a running record (RUNNING or WAITING, platform.md §2.1).
    pub fn process_status(&mut self, pid: i64, status: &str) -> Result<()> {
        self.conn.execute(
            "UPDATE processes SET status = ?2 WHERE pid = ?1 AND finished IS NULL",
            params![pid, status],
        )?;
        Ok(())
    }

    /// Close a record with how the run ended; a run that ended DONE loses its checkpoint.
    pub fn process_finish(
        &mut self,
        pid: i64,
        status: &str,
        exit_status: &Value,
        result: &Value,
        error: &Value,
    ) -> Result<()> {
        self.conn.execute(
            "UPDATE processes SET status = ?2, finished = ?3, exit_status = ?4, result = ?5, error = ?6 WHERE pid = ?1",
            params![pid, status, now_text(), storable(exit_status), storable(result), storable(error)],
        )?;
        if status == "DONE" {
            // A run that ended well has nothing left to resume or retry.
            self.conn
                .execute("DELETE FROM checkpoints WHERE pid = ?1", [pid])?;
        }
        // What it received is its own for good now, and what it sent goes out.
        self.conn
            .execute("DELETE FROM held_messages WHERE run = ?1", [pid])?;
        self.release_sends(pid, i64::MAX)?;
        Ok(())
    }

    /// A run stopped by a signal with a checkpoint to resume from: ABORTED with why, but
    /// not finished (`jfc resume --all` takes it up).
    pub fn process_stopped(&mut self, pid: i64, exit_status: &Value, error: &Value) -> Result<()> {
        self.conn.execute(
            "UPDATE processes SET status = 'ABORTED', exit_status = ?2, error = ?3 WHERE pid = ?1",
            params![pid, storable(exit_status), storable(error)],
        )?;
        Ok(())
    }

    /// Every record, oldest first.
    pub fn processes(&self) -> Result<Vec<ProcessRecord>> {
        let mut stmt = self
            .conn
            .prepare(&format!("SELECT {COLUMNS} FROM processes ORDER BY pid"))?;
        let mut rows = stmt
            .query_map([], row_to_record)?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        for r in &mut rows {
            r.console = self.console_text(r.pid)?;
        }
        Ok(rows)
    }

    /// The record of `pid`.
    pub fn process(&self, pid: i64) -> Result<ProcessRecord> {
        self.find_process(pid)?
            .ok_or_else(|| StoreError(format!("no process with pid {pid}")))
    }

    /// The record of `pid`, or `None` when there is none.
    pub fn find_process(&self, pid: i64) -> Result<Option<ProcessRecord>> {
        let Some(mut rec) = self
            .conn
            .query_row(
                &format!("SELECT {COLUMNS} FROM processes WHERE pid = ?1"),
                [pid],
                row_to_record,
            )
            .optional()?
        else {
            return Ok(None);
        };
        rec.console = self.console_text(pid)?;
        Ok(Some(rec))
    }

    /// Delete a finished record; a running one cannot be deleted.
    pub fn delete_process(&mut self, pid: i64) -> Result<()> {
        if matches!(self.process(pid)?.status.as_str(), "RUNNING" | "WAITING") {
            return Err(StoreError(format!(
                "process {pid} is still running; only finished processes can be deleted"
            )));
        }
        self.conn
            .execute("DELETE FROM processes WHERE pid = ?1", [pid])?;
        Ok(())
    }
}

/// The largest char boundary of `s` at or below `i`.
fn char_floor(s: &str, mut i: usize) -> usize {
    i = i.min(s.len());
    while !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

/// The smallest char boundary of `s` at or above `i`.
fn char_ceil(s: &str, mut i: usize) -> usize {
    while !s.is_char_boundary(i) {
        i += 1;
    }
    i
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pieces(store: &Store, pid: i64) -> Vec<(i64, String)> {
        let mut stmt = store
            .conn
            .prepare("SELECT pos, text FROM process_console WHERE pid = ?1 ORDER BY pos")
            .unwrap();
        stmt.query_map([pid], |r| Ok((r.get(0)?, r.get(1)?)))
            .unwrap()
            .collect::<rusqlite::Result<_>>()
            .unwrap()
    }

    #[test]
    fn console_text_is_appended_never_rewritten() {
        let mut store = Store::open_in_memory().unwrap();
        let pid = store.process_start("/f", "root").unwrap();
        store.process_console(pid, 0, "one\n").unwrap();
        store.process_console(pid, 4, "two\n").unwrap();
        assert_eq!(
            pieces(&store, pid),
            [(0, "one\n".to_string()), (4, "two\n".to_string())]
        );
        assert_eq!(store.process(pid).unwrap().console, "one\ntwo\n");
    }

    #[test]
    fn a_reader_of_the_console_gets_what_came_after_its_position() {
        let mut store = Store::open_in_memory().unwrap();
        let pid = store.process_start("/f", "root").unwrap();
        assert_eq!(
            store.process_console_since(pid, 0).unwrap(),
            (String::new(), 0)
        );
        store.process_console(pid, 0, "one\n").unwrap();
        store.process_console(pid, 4, "two\n").unwrap();
        assert_eq!(
            store.process_console_since(pid, 0).unwrap(),
            ("one\ntwo\n".to_string(), 8)
        );
        assert_eq!(
            store.process_console_since(pid, 4).unwrap(),
            ("two\n".to_string(), 8)
        );
        assert_eq!(
            store.process_console_since(pid, 6).unwrap(),
            ("o\n".to_string(), 8)
        );
        assert_eq!(
            store.process_console_since(pid, 8).unwrap(),
            (String::new(), 8)
        );
    }

    #[test]
    fn a_long_console_keeps_its_head_and_tail() {
        let mut store = Store::open_in_memory().unwrap();
        let pid = store.process_start("/f", "root").unwrap();
        let line = format!("{}\n", "x".repeat(1023));
        let mut pos = 0;
        // 3 MiB in 1 KiB lines, a few lines per flush.
        for _ in 0..(3 * 1024 / 8) {
            let chunk = line.repeat(8);
            store.process_console(pid, pos, &chunk).unwrap();
            pos += chunk.len() as u64;
        }
        let console = store.process(pid).unwrap().console;
        let dropped = pos - CONSOLE_HEAD - CONSOLE_TAIL;
        let marker = format!("[jfc: {dropped} bytes of console output dropped here]\n");
        assert_eq!(
            console,
            format!(
                "{}{marker}{}",
                line.repeat((CONSOLE_HEAD / 1024) as usize),
                line.repeat((CONSOLE_TAIL / 1024) as usize)
            )
        );
    }

    #[test]
    fn one_huge_print_keeps_the_head_and_the_last_bytes() {
        let mut store = Store::open_in_memory().unwrap();
        let pid = store.process_start("/f", "root").unwrap();
        let text = "é".repeat(2 << 20); // 4 MiB, two bytes a character
        store.process_console(pid, 0, &text).unwrap();
        let console = store.process(pid).unwrap().console;
        assert!(console.starts_with(&"é".repeat((CONSOLE_HEAD / 2) as usize)));
        assert!(console.ends_with(&"é".repeat((CONSOLE_TAIL / 2) as usize)));
        assert!(console.len() < (CONSOLE_HEAD + CONSOLE_TAIL + 100) as usize);
    }

    #[test]
    fn status_follows_waits_until_the_end() {
        let mut store = Store::open_in_memory().unwrap();
        let pid = store.process_start("/f", "root").unwrap();
        store.process_status(pid, "WAITING").unwrap();
        // An in-memory store's OS process is this one: alive, so the status is as written.
        assert_eq!(store.process(pid).unwrap().status, "WAITING");
        store
            .process_finish(pid, "DONE", &Value::Int(0), &Value::Null, &Value::Null)
            .unwrap();
        store.process_status(pid, "RUNNING").unwrap();
        assert_eq!(store.process(pid).unwrap().status, "DONE");
    }
}
