//! Tasks (platform.md §5.1): a question a flow puts to people — approve, reject,
//! answer — and waits on with an event job. A task is WAITING when made, DONE once
//! someone submits a result (the text the waiting flow receives), CANCELED when
//! someone cancels it (the waiting flow fails, `$STATUS` 1). They live in a table of
//! their own, seen from flows as `/task/id_<id>`.

use rusqlite::{params, OptionalExtension, Row};

use super::{now_text, Result, Store, StoreError};

/// A task as recorded.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TaskRecord {
    pub id: i64,
    pub name: String,
    pub title: String,
    pub message: String,
    /// What the page shows on the button that submits (`Approve`).
    pub action_text: String,
    /// The submitted text, once DONE.
    pub result: Option<String>,
    /// WAITING, ONGOING, DONE or CANCELED.
    pub status: String,
    pub owner: String,
    pub assigned_users: Vec<String>,
    pub assigned_groups: Vec<String>,
    pub created: String,
    pub closed: Option<String>,
    /// The process that made it.
    pub process: Option<i64>,
}

impl TaskRecord {
    pub fn abspath(&self) -> String {
        format!("/task/id_{}", self.id)
    }

    /// Whether it still waits for an answer (WAITING or ONGOING).
    pub fn is_open(&self) -> bool {
        matches!(self.status.as_str(), "WAITING" | "ONGOING")
    }

    /// The record as `jfc task --json` and the API give it.
    pub fn to_json(&self) -> serde_json::Value {
        serde_json::json!({
            "id": self.id,
            "abspath": self.abspath(),
            "name": self.name,
            "title": self.title,
            "message": self.message,
            "action_text": self.action_text,
            "result": self.result,
            "status": self.status,
            "owner": self.owner,
            "assigned_users": self.assigned_users,
            "assigned_groups": self.assigned_groups,
            "created_date": self.created,
            "closed_date": self.closed,
            "process": self.process,
        })
    }
}

/// A task to make.
#[derive(Default)]
pub struct NewTask {
    pub name: String,
    pub title: String,
    pub message: String,
    pub action_text: String,
    pub owner: String,
    pub assigned_users: Vec<String>,
    pub assigned_groups: Vec<String>,
    pub process: Option<i64>,
}

/// Why a task could not be submitted or canceled.
#[derive(Debug)]
pub enum TaskError {
    /// No task has that id.
    Unknown(i64),
    /// It is closed already (DONE or CANCELED): its record.
    Closed(Box<TaskRecord>),
    Store(StoreError),
}

impl std::fmt::Display for TaskError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            TaskError::Unknown(id) => write!(f, "there is no task {id}"),
            TaskError::Closed(t) => write!(
                f,
                "task {} is {} since {}: it takes no more answers",
                t.id,
                t.status,
                t.closed.as_deref().unwrap_or("?")
            ),
            TaskError::Store(e) => e.fmt(f),
        }
    }
}

impl From<StoreError> for TaskError {
    fn from(e: StoreError) -> Self {
        TaskError::Store(e)
    }
}

impl From<rusqlite::Error> for TaskError {
    fn from(e: rusqlite::Error) -> Self {
        TaskError::Store(e.into())
    }
}

const COLUMNS: &str = "id, name, title, message, action_text, result, status, owner, \
     assigned_users, assigned_groups, created, closed, process";

fn record(r: &Row<'_>) -> rusqlite::Result<TaskRecord> {
    let list = |i: usize| -> rusqlite::Result<Vec<String>> {
        let text: String = r.get(i)?;
        Ok(serde_json::from_str(&text).unwrap_or_default())
    };
    Ok(TaskRecord {
        id: r.get(0)?,
        name: r.get(1)?,
        title: r.get(2)?,
        message: r.get(3)?,
        action_text: r.get(4)?,
        result: r.get(5)?,
        status: r.get(6)?,
        owner: r.get(7)?,
        assigned_users: list(8)?,
        assigned_groups: list(9)?,
        created: r.get(10)?,
        closed: r.get(11)?,
        process: r.get(12)?,
    })
}

impl Store {
    /// Record a new WAITING task; its id.
    pub fn create_task(&mut self, t: &NewTask) -> Result<i64> {
        if t.title.trim().is_empty() {
            return Err(StoreError("a task needs a title".into()));
        }
        let list = |v: &[String]| serde_json::to_string(v).unwrap_or_else(|_| "[]".into());
        self.conn.execute(
            "INSERT INTO tasks (name, title, message, action_text, status, owner, assigned_users, assigned_groups, created, process) \
             VALUES (?1, ?2, ?3, ?4, 'WAITING', ?5, ?6, ?7, ?8, ?9)",
            params![
                t.name,
                t.title,
                t.message,
                t.action_text,
                t.owner,
                list(&t.assigned_users),
                list(&t.assigned_groups),
                now_text(),
                t.process
            ],
        )?;
        Ok(self.conn.last_insert_rowid())
    }

    /// Every task, oldest first.
    pub fn tasks(&self) -> Result<Vec<TaskRecord>> {
        let mut stmt = self
            .conn
            .prepare_cached(&format!("SELECT {COLUMNS} FROM tasks ORDER BY id"))?;
        let rows = stmt.query_map([], record)?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Task `id`, if there is one.
    pub fn task(&self, id: i64) -> Result<Option<TaskRecord>> {
        Ok(self
            .conn
            .prepare_cached(&format!("SELECT {COLUMNS} FROM tasks WHERE id = ?1"))?
            .query_row([id], record)
            .optional()?)
    }

    /// Submit `result` to open task `id`: it is DONE, and a flow waiting on it
    /// receives the text. Durable when this returns.
    pub fn submit_task(
        &mut self,
        id: i64,
        result: &str,
    ) -> std::result::Result<TaskRecord, TaskError> {
        self.close_task(id, "DONE", Some(result))
    }

    /// Cancel open task `id`: a flow waiting on it fails.
    pub fn cancel_task(&mut self, id: i64) -> std::result::Result<TaskRecord, TaskError> {
        self.close_task(id, "CANCELED", None)
    }

    fn close_task(
        &mut self,
        id: i64,
        status: &str,
        result: Option<&str>,
    ) -> std::result::Result<TaskRecord, TaskError> {
        let close = |s: &mut Store| {
            s.write_tx(|s| {
                let changed = s.conn.execute(
                    "UPDATE tasks SET status = ?2, result = ?3, closed = ?4 \
                     WHERE id = ?1 AND status IN ('WAITING', 'ONGOING')",
                    params![id, status, result, now_text()],
                )?;
                Ok((changed, s.task(id)?))
            })
        };
        // Inside a caller's transaction (a flow's job), as durable as its commit.
        let done = if self.conn.is_autocommit() {
            self.durably(close)?
        } else {
            close(self)?
        };
        match done {
            (_, None) => Err(TaskError::Unknown(id)),
            (0, Some(t)) => Err(TaskError::Closed(Box::new(t))),
            (_, Some(t)) => Ok(t),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn store() -> (tempfile::TempDir, Store) {
        let dir = tempfile::tempdir().expect("dir");
        let store = Store::open(&dir.path().join("s.sqlite")).expect("store");
        (dir, store)
    }

    #[test]
    fn a_task_takes_one_answer_and_then_refuses_others() {
        let (_d, mut s) = store();
        let id = s
            .create_task(&NewTask {
                title: "restart web1?".into(),
                owner: "root".into(),
                ..NewTask::default()
            })
            .expect("made");
        let t = s.task(id).expect("read").expect("there");
        assert_eq!((t.status.as_str(), t.closed.clone()), ("WAITING", None));
        let done = s.submit_task(id, "yes").expect("submitted");
        assert_eq!(done.status, "DONE");
        assert_eq!(done.result.as_deref(), Some("yes"));
        assert!(done.closed.is_some());
        match s.cancel_task(id) {
            Err(TaskError::Closed(t)) => assert_eq!(t.status, "DONE"),
            other => panic!("a closed task was canceled: {other:?}"),
        }
        assert!(matches!(
            s.submit_task(99, "x"),
            Err(TaskError::Unknown(99))
        ));
        assert!(
            s.create_task(&NewTask::default()).is_err(),
            "a task without a title"
        );
    }
}
