//! The object store: typed objects at paths in one SQLite file (platform.md §1,
//! library.md §3). The schema is generic — a table of objects and a table of field
//! values — so defining a type never changes it.

mod bootstrap;
pub mod channels;
pub mod checkpoints;
pub mod codec;
pub mod cron;
pub mod edit;
pub mod export;
pub mod fields;
mod flow_places;
pub mod import;
mod intake;
pub mod jobflow;
pub mod members;
pub mod objects;
pub mod os_process;
pub mod processes;
pub mod query;
pub mod roster;
pub mod schedules;
mod schema;
pub mod secret;
pub mod starts;
pub mod stdlib;
pub mod tasks;
pub mod tokens;
mod tree;
pub mod typed;
pub mod types;
mod users;

use std::path::{Path, PathBuf};
use std::time::Duration;

use rusqlite::Connection;

pub use objects::{Object, ObjectId};
pub use schema::current_version as schema_version;

/// A store error, with a message for the user.
#[derive(Debug, Clone, PartialEq)]
pub struct StoreError(pub String);

impl std::fmt::Display for StoreError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl From<rusqlite::Error> for StoreError {
    fn from(e: rusqlite::Error) -> Self {
        StoreError(format!("store: {e}"))
    }
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// An open store.
pub struct Store {
    pub(crate) conn: Connection,
    path: PathBuf,
    /// The key of Password fields (store::secret).
    secrets: secret::Secrets,
    /// The objects of the standard tree, which no delete, rename or move may touch.
    builtins: bootstrap::Builtins,
    /// The run in checkpoint mode whose sends go through the outbox (store::checkpoints).
    pub(crate) outbox_run: Option<i64>,
    /// Set while the standard library is installed: the only writes `/lib` takes.
    lib_writable: bool,
}

impl Store {
    /// Open (creating and bootstrapping on first use) the store file at `path`.
    pub fn open(path: &Path) -> Result<Store> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir)
                .map_err(|e| StoreError(format!("cannot create {}: {e}", dir.display())))?;
        }
        let fresh = !path.exists();
        if fresh {
            create_private(path)?;
        } else {
            schema::check_not_newer(path)?;
        }
        let conn = Connection::open(path)?;
        // Several OS processes (CLI runs, the daemon) share the file: WAL lets readers
        // work during a write, and writers wait for each other instead of failing.
        conn.busy_timeout(BUSY_TIMEOUT)?;
        wal_mode(&conn)?;
        conn.pragma_update(None, "synchronous", "NORMAL")?;
        Store::ready(conn, path.to_path_buf(), secret::Secrets::beside(path))
    }

    /// Open the store file at `path` only when it exists: commands that only read say
    /// so instead of leaving a new, empty store behind.
    pub fn open_existing(path: &Path) -> Result<Store> {
        if !path.is_file() {
            return Err(StoreError(format!(
                "there is no store at {} (`jfc import` or `jfc obj set` creates one; --store or JFC_STORE names another)",
                path.display()
            )));
        }
        Store::open(path)
    }

    /// An in-memory store, for tests of code above the store.
    pub fn open_in_memory() -> Result<Store> {
        let conn = Connection::open_in_memory()?;
        Store::ready(
            conn,
            PathBuf::from(":memory:"),
            secret::Secrets::in_memory(),
        )
    }

    /// Bring a connection's schema up to date, bootstrap a new store and check that the
    /// standard tree is whole.
    fn ready(mut conn: Connection, path: PathBuf, secrets: secret::Secrets) -> Result<Store> {
        schema::migrate(&mut conn)?;
        conn.pragma_update(None, "foreign_keys", "ON")?;
        query::register_functions(&conn)?;
        let mut store = Store {
            conn,
            path,
            secrets,
            builtins: Default::default(),
            outbox_run: None,
            lib_writable: false,
        };
        bootstrap::ensure(&mut store)?;
        store.builtins = bootstrap::Builtins::find(&store)?;
        Ok(store)
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// This connection is the only one that will ever use the file (a test's own copy,
    /// `jfc test`): it keeps the file locked instead of locking it for every statement.
    pub fn keep_to_itself(&self) -> Result<()> {
        self.conn
            .pragma_update(None, "locking_mode", "EXCLUSIVE")
            .map_err(StoreError::from)
    }

    /// How long a write waits for another connection's write to end ([`BUSY_TIMEOUT`]
    /// unless set). With zero, a write that finds the lock taken fails at once with an
    /// error [`is_busy`] recognises; reads never wait on writes (WAL).
    pub fn set_busy_timeout(&self, wait: Duration) -> Result<()> {
        Ok(self.conn.busy_timeout(wait)?)
    }

    /// Run `f` as one transaction (inside the caller's when one is open): when it fails
    /// nothing of it is written, so a busy store means nothing happened.
    pub fn atomic<T>(
        &mut self,
        f: impl FnOnce(&mut Store) -> Result<T, String>,
    ) -> Result<T, String> {
        if !self.conn.is_autocommit() {
            return f(self);
        }
        // Deferred: a read takes no lock, and the first write takes the write lock.
        self.conn
            .execute_batch("BEGIN")
            .map_err(|e| StoreError::from(e).0)?;
        let done = f(self).and_then(|v| {
            self.conn
                .execute_batch("COMMIT")
                .map_err(|e| StoreError::from(e).0)?;
            Ok(v)
        });
        if done.is_err() && !self.conn.is_autocommit() {
            let _ = self.conn.execute_batch("ROLLBACK");
        }
        done
    }
}

/// Whether a store error (as text) says another connection holds the write lock:
/// SQLITE_BUSY, in SQLite's words or, without them, rusqlite's ("database table is
/// locked" is another error).
pub fn is_busy(message: &str) -> bool {
    message.contains("database is locked") || message.contains("database file is locked")
}

impl Drop for Store {
    /// Let SQLite refresh its statistics where they are stale (what it recommends at the
    /// close of a connection), so its planner keeps choosing the indexes that fit: the
    /// (name, value) index of a selective field filter, say, over a walk of a directory.
    fn drop(&mut self) {
        let _ = self
            .conn
            .execute_batch("PRAGMA analysis_limit = 1000; PRAGMA optimize;");
    }
}

/// Switch the file to WAL. The switch needs the file to itself and SQLite answers "locked"
/// at once, without waiting, while another connection opens it at the same moment (two
/// first runs at once): it is tried again for as long as other writes may wait.
fn wal_mode(conn: &Connection) -> Result<()> {
    let deadline = std::time::Instant::now() + BUSY_TIMEOUT;
    loop {
        match conn.pragma_update(None, "journal_mode", "WAL") {
            Err(rusqlite::Error::SqliteFailure(e, _))
                if e.code == rusqlite::ErrorCode::DatabaseBusy
                    && std::time::Instant::now() < deadline =>
            {
                std::thread::sleep(Duration::from_millis(5));
            }
            other => return Ok(other?),
        }
    }
}

/// How long a write waits for another OS process's write to end.
const BUSY_TIMEOUT: Duration = Duration::from_secs(30);

/// Where the store is when nothing says otherwise: `.jfc/store.sqlite` under the
/// project root (the nearest directory upwards holding a `jfc.toml`, else `cwd`).
pub fn default_path(cwd: &Path) -> PathBuf {
    let root = cwd
        .ancestors()
        .find(|d| d.join("jfc.toml").is_file())
        .unwrap_or(cwd);
    root.join(".jfc").join("store.sqlite")
}

/// `--store` wins, then `JFC_STORE`, then [`default_path`].
pub fn resolve_path(flag: Option<&Path>, cwd: &Path) -> PathBuf {
    if let Some(p) = flag {
        return p.to_path_buf();
    }
    match std::env::var_os("JFC_STORE") {
        Some(p) if !p.is_empty() => PathBuf::from(p),
        _ => default_path(cwd),
    }
}

/// Create an empty file readable by its owner only (the store holds passwords).
fn create_private(path: &Path) -> Result<()> {
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    match opts.open(path) {
        Ok(_) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
        Err(e) => Err(StoreError(format!(
            "cannot create the store {}: {e}",
            path.display()
        ))),
    }
}

/// The current time as stored: RFC 3339 UTC with microseconds.
pub(crate) fn now_text() -> String {
    chrono::Utc::now()
        .format("%Y-%m-%dT%H:%M:%S%.6fZ")
        .to_string()
}
