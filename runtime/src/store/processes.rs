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
    /// `RUNNING`, `DONE`, `ABORTED`; a RUNNING record whose OS process is gone reads ABORTED.
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
}

const COLUMNS: &str =
    "pid, job, user, status, started, finished, exit_status, result, error, console, os_pid, parent";

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
        console: r.get(9)?,
        os_pid: r.get(10)?,
        parent: r.get(11)?,
    };
    if rec.status == "RUNNING" && rec.os_pid.is_some_and(|p| !os_process_alive(p)) {
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

    /// Append console text to a record.
    pub fn process_console(&mut self, pid: i64, text: &str) -> Result<()> {
        self.conn.execute(
            "UPDATE processes SET console = console || ?2 WHERE pid = ?1",
            params![pid, text],
        )?;
        Ok(())
    }

    /// Close a record with how the run ended.
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
        Ok(())
    }

    /// Every record, oldest first.
    pub fn processes(&self) -> Result<Vec<ProcessRecord>> {
        let mut stmt = self
            .conn
            .prepare(&format!("SELECT {COLUMNS} FROM processes ORDER BY pid"))?;
        let rows = stmt
            .query_map([], row_to_record)?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        Ok(rows)
    }

    /// The record of `pid`.
    pub fn process(&self, pid: i64) -> Result<ProcessRecord> {
        self.conn
            .query_row(
                &format!("SELECT {COLUMNS} FROM processes WHERE pid = ?1"),
                [pid],
                row_to_record,
            )
            .optional()?
            .ok_or_else(|| StoreError(format!("no process with pid {pid}")))
    }

    /// Delete a finished record; a running one cannot be deleted.
    pub fn delete_process(&mut self, pid: i64) -> Result<()> {
        if self.process(pid)?.status == "RUNNING" {
            return Err(StoreError(format!(
                "process {pid} is still running; only finished processes can be deleted"
            )));
        }
        self.conn
            .execute("DELETE FROM processes WHERE pid = ?1", [pid])?;
        Ok(())
    }
}
