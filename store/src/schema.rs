//! The schema and its migrations. `PRAGMA user_version` holds the version; each
//! migration runs once, in a transaction, in order.

use std::path::Path;

use rusqlite::{Connection, OpenFlags, TransactionBehavior};

use super::{Result, StoreError};

/// Migration `i` brings the schema from version `i` to `i + 1`.
const MIGRATIONS: &[&str] = &[
    r#"
CREATE TABLE objects (
    id INTEGER PRIMARY KEY,
    parent INTEGER REFERENCES objects(id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    type INTEGER NOT NULL,
    owner TEXT NOT NULL DEFAULT 'root',
    display_name TEXT NOT NULL DEFAULT '',
    description TEXT NOT NULL DEFAULT '',
    created TEXT NOT NULL,
    updated TEXT NOT NULL
);
CREATE UNIQUE INDEX objects_parent_name ON objects(parent, name);
CREATE TABLE fields (
    object INTEGER NOT NULL REFERENCES objects(id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    value TEXT NOT NULL,
    PRIMARY KEY (object, name)
) WITHOUT ROWID;
CREATE INDEX fields_by_value ON fields(name, value);
CREATE TABLE users (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    active INTEGER NOT NULL DEFAULT 1
);
CREATE TABLE groups (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE
);
CREATE TABLE memberships (
    user INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    grp INTEGER NOT NULL REFERENCES groups(id) ON DELETE CASCADE,
    PRIMARY KEY (user, grp)
);
CREATE TABLE messages (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    channel INTEGER NOT NULL REFERENCES objects(id) ON DELETE CASCADE,
    body TEXT NOT NULL,
    sent TEXT NOT NULL
);
CREATE INDEX messages_by_channel ON messages(channel, id);
CREATE TABLE processes (
    pid INTEGER PRIMARY KEY AUTOINCREMENT,
    job TEXT NOT NULL,
    user TEXT NOT NULL DEFAULT 'root',
    status TEXT NOT NULL,
    started TEXT NOT NULL,
    finished TEXT,
    exit_status TEXT,
    result TEXT,
    error TEXT,
    console TEXT NOT NULL DEFAULT ''
);
"#,
    // → version 2: how many messages each channel has handed to event jobs (`event_count`,
    // store::channels). A row appears at a channel's first receive.
    r#"
CREATE TABLE channel_events (
    channel INTEGER PRIMARY KEY REFERENCES objects(id) ON DELETE CASCADE,
    received INTEGER NOT NULL DEFAULT 0
);
"#,
    // → version 3: what `jfc import`/`jfc export` last synchronised (store::import). Per
    // object and field (or `@display_name`/`@description`) the stored form of the value
    // last imported or exported (NULL: unset), so an import can tell a field changed in
    // the store since then (a conflict) from one it may update; per object and file role
    // (`main`: the object's own file or directory, `meta`: its `NAME.meta.toml`) a hash of
    // the file, so a re-import only touches what changed.
    r#"
CREATE TABLE import_fields (
    object INTEGER NOT NULL REFERENCES objects(id) ON DELETE CASCADE,
    field TEXT NOT NULL,
    value TEXT,
    PRIMARY KEY (object, field)
) WITHOUT ROWID;
CREATE TABLE import_files (
    object INTEGER NOT NULL REFERENCES objects(id) ON DELETE CASCADE,
    role TEXT NOT NULL,
    hash TEXT NOT NULL,
    PRIMARY KEY (object, role)
) WITHOUT ROWID;
"#,
    // → version 4: the OS process that runs a process record (store::processes), so a
    // record left RUNNING by a killed run reads as ABORTED; the Environment object of
    // each user, loaded into `$ENV` (store::users).
    r#"
ALTER TABLE processes ADD COLUMN os_pid INTEGER;
ALTER TABLE users ADD COLUMN environment INTEGER REFERENCES objects(id) ON DELETE SET NULL;
"#,
    // → version 5: the children of one type in a directory, so a query over a subtree
    // walks only the containers (store::query::sql), and `type_object=` filters.
    r#"
CREATE INDEX objects_by_parent_type ON objects(parent, type);
"#,
    // → version 6: the places of Jobflow multiplicities held by processes of each OS
    // process (store::flow_places), so two `jfc run` at once respect them together.
    r#"
CREATE TABLE flow_places (
    id INTEGER PRIMARY KEY,
    flow INTEGER NOT NULL REFERENCES objects(id) ON DELETE CASCADE,
    os_pid INTEGER NOT NULL,
    taken TEXT NOT NULL
);
CREATE INDEX flow_places_by_flow ON flow_places(flow);
"#,
    // → version 7: `event_count` is the receivers waiting on a channel (library.md §3.11),
    // not the messages received: the processes of each OS process parked on an event job
    // naming the channel (store::channels). The count of version 2 goes.
    r#"
CREATE TABLE channel_waiters (
    channel INTEGER NOT NULL REFERENCES objects(id) ON DELETE CASCADE,
    os_pid INTEGER NOT NULL,
    vm_pid INTEGER NOT NULL,
    PRIMARY KEY (channel, os_pid, vm_pid)
) WITHOUT ROWID;
DROP TABLE channel_events;
"#,
    // → version 8: an object's type is an object that exists (a foreign key: a type that
    // objects still use cannot be deleted), and an index to find the objects of a type.
    // SQLite adds a foreign key to a column only by rebuilding the table; `migrate` runs
    // with foreign keys off and checks them all before the commit.
    r#"
CREATE TABLE objects_new (
    id INTEGER PRIMARY KEY,
    parent INTEGER REFERENCES objects(id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    type INTEGER NOT NULL REFERENCES objects(id),
    owner TEXT NOT NULL DEFAULT 'root',
    display_name TEXT NOT NULL DEFAULT '',
    description TEXT NOT NULL DEFAULT '',
    created TEXT NOT NULL,
    updated TEXT NOT NULL
);
INSERT INTO objects_new SELECT id, parent, name, type, owner, display_name, description, created, updated FROM objects;
DROP TABLE objects;
ALTER TABLE objects_new RENAME TO objects;
CREATE UNIQUE INDEX objects_parent_name ON objects(parent, name);
CREATE INDEX objects_by_parent_type ON objects(parent, type);
CREATE INDEX objects_by_type ON objects(type);
"#,
    // → version 9: the file (absolute path) each object was last imported from or exported
    // to (store::import), so `jfc import DIR --prune` deletes only objects that came from
    // files under DIR. Objects synchronised before this version have no row.
    r#"
CREATE TABLE import_origins (
    object INTEGER PRIMARY KEY REFERENCES objects(id) ON DELETE CASCADE,
    file TEXT NOT NULL
);
"#,
    // → version 10: the start time of the OS process holding a multiplicity place or
    // waiting on a channel (store::os_process), so the place is free (and the waiter no
    // longer counted) once that process is gone even when its pid was given to another.
    // Rows of earlier versions have none and are judged by pid.
    r#"
ALTER TABLE flow_places ADD COLUMN os_start INTEGER;
ALTER TABLE channel_waiters ADD COLUMN os_start INTEGER;
"#,
    // → version 11: the console of a process record as pieces appended in order
    // (store::processes), not one text rewritten at every flush; `pos` is where a piece
    // starts in all the text the process printed and `len` its length in bytes, so the
    // pieces dropped between the head and the tail of a long console show as a gap.
    r#"
CREATE TABLE process_console (
    pid INTEGER NOT NULL REFERENCES processes(pid) ON DELETE CASCADE,
    pos INTEGER NOT NULL,
    len INTEGER NOT NULL,
    text TEXT NOT NULL,
    PRIMARY KEY (pid, pos)
) WITHOUT ROWID;
INSERT INTO process_console (pid, pos, len, text)
    SELECT pid, 0, length(CAST(console AS BLOB)), console FROM processes WHERE console != '';
ALTER TABLE processes DROP COLUMN console;
"#,
    // → version 12: the parent of a child process (fork/pfor), whose record gives the
    // child its pid (store::processes); NULL for a process started directly.
    r#"
ALTER TABLE processes ADD COLUMN parent INTEGER;
CREATE INDEX processes_by_parent ON processes(parent);
"#,
    // → version 13: the last checkpoint of a run in checkpoint mode (store::checkpoints,
    // platform.md §2.7): the VM's state as a snapshot, the console length it had
    // printed, and what a resume would find in doubt or could retry.
    r#"
CREATE TABLE checkpoints (
    pid INTEGER PRIMARY KEY REFERENCES processes(pid) ON DELETE CASCADE,
    data BLOB NOT NULL,
    console_pos INTEGER NOT NULL,
    in_doubt TEXT NOT NULL,
    retry TEXT NOT NULL,
    written TEXT NOT NULL
);
"#,
    // → version 14: messages a run in checkpoint mode has received since its last
    // checkpoint (store::checkpoints): out of the queue, but put back if the run is
    // resumed from a checkpoint taken before it received them, so a message is
    // delivered once even when a crash falls between the receive and the checkpoint.
    // And those it has sent since: queued when the checkpoint is kept, dropped when the
    // run is resumed from an earlier one (it sends them again), so none is sent twice.
    r#"
CREATE TABLE held_messages (
    id INTEGER PRIMARY KEY,
    channel INTEGER NOT NULL REFERENCES objects(id) ON DELETE CASCADE,
    body TEXT NOT NULL,
    sent TEXT NOT NULL,
    run INTEGER NOT NULL,
    hold_no INTEGER NOT NULL
);
CREATE INDEX held_messages_by_run ON held_messages(run, hold_no);
CREATE TABLE outbox (
    id INTEGER PRIMARY KEY,
    channel INTEGER NOT NULL REFERENCES objects(id) ON DELETE CASCADE,
    body TEXT NOT NULL,
    sent TEXT NOT NULL,
    run INTEGER NOT NULL
);
CREATE INDEX outbox_by_run ON outbox(run, id);
"#,
    // → version 15: the API tokens of `jfc serve` (store::tokens), kept as digests; the
    // idempotency keys of messages that came through the daemon (store::intake).
    r#"
CREATE TABLE api_tokens (
    name TEXT PRIMARY KEY,
    digest TEXT NOT NULL UNIQUE,
    scopes TEXT NOT NULL,
    created TEXT NOT NULL,
    expires TEXT
);
CREATE TABLE intake_keys (
    key TEXT NOT NULL,
    channel INTEGER NOT NULL REFERENCES objects(id) ON DELETE CASCADE,
    message INTEGER NOT NULL,
    at TEXT NOT NULL,
    PRIMARY KEY (key, channel)
);
CREATE INDEX intake_keys_by_age ON intake_keys(at);
"#,
    // → version 16: schedules (store::schedules, platform.md §4.1), their time fields
    // kept as typed (NULL for a field left empty).
    r#"
CREATE TABLE schedules (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    user TEXT NOT NULL DEFAULT 'root',
    job TEXT NOT NULL,
    parameters TEXT NOT NULL DEFAULT '[]',
    year TEXT,
    month TEXT,
    day TEXT,
    week TEXT,
    day_of_week TEXT,
    hour TEXT,
    minute TEXT,
    disabled INTEGER NOT NULL DEFAULT 0,
    created TEXT NOT NULL
);
"#,
    // → version 17: processes the daemon starts (store::starts): a NEW record keeps the
    // arguments of its flow until it runs; what started a process (a channel's path, a
    // schedule); each schedule's missed-run policy, and how far the scheduler has looked.
    r#"
ALTER TABLE processes ADD COLUMN start_args TEXT;
ALTER TABLE processes ADD COLUMN invoker TEXT;
ALTER TABLE processes ADD COLUMN schedule INTEGER;
ALTER TABLE schedules ADD COLUMN missed TEXT NOT NULL DEFAULT 'skip';
CREATE TABLE scheduler_state (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    checked TEXT NOT NULL
);
"#,
    // → version 18: tasks (store::tasks, platform.md §5.1), the questions flows put to
    // people; `result` is the text submitted.
    r#"
CREATE TABLE tasks (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL DEFAULT '',
    title TEXT NOT NULL,
    message TEXT NOT NULL DEFAULT '',
    action_text TEXT NOT NULL DEFAULT '',
    result TEXT,
    status TEXT NOT NULL,
    owner TEXT NOT NULL DEFAULT 'root',
    assigned_users TEXT NOT NULL DEFAULT '[]',
    assigned_groups TEXT NOT NULL DEFAULT '[]',
    created TEXT NOT NULL,
    closed TEXT,
    process INTEGER
);
"#,
    // → version 19: NodeInfo's `zone` field (a jfc extension: the agent zone its
    // commands run from, `jfc agent`), added to the built-in type of older stores.
    r#"
UPDATE fields
SET value = json_insert(value, '$[#]', CASE name
    WHEN 'fieldNames' THEN 'zone'
    WHEN 'fieldDisplayNames' THEN 'Zone'
    ELSE 'String' END)
WHERE name IN ('fieldNames', 'fieldDisplayNames', 'fieldTypes')
  AND object = (
    SELECT t.id FROM objects t
    JOIN objects d ON t.parent = d.id AND d.name = 'types'
    JOIN objects s ON d.parent = s.id AND s.name = 'system' AND s.parent = 1
    WHERE t.name = 'NodeInfo')
  AND NOT EXISTS (
    SELECT 1 FROM fields f, json_each(f.value) e
    WHERE f.object = fields.object AND f.name = 'fieldNames' AND e.value = 'zone');
"#,
];

/// The schema version this build writes.
pub fn current_version() -> usize {
    MIGRATIONS.len()
}

/// Refuse a store file written by a newer jfc before anything writes to it: its
/// schema cannot be read by this build, and it is never migrated down.
pub fn check_not_newer(path: &Path) -> Result<()> {
    let conn = Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_ONLY)?;
    check_version(version(&conn)?)
}

fn check_version(v: usize) -> Result<()> {
    if v > MIGRATIONS.len() {
        return Err(StoreError(format!(
            "this store was written by a newer jfc (schema v{v}, this jfc knows up to v{}); upgrade jfc",
            MIGRATIONS.len()
        )));
    }
    Ok(())
}

fn version(c: &Connection) -> Result<usize> {
    let v: i64 = c.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    Ok(v.max(0) as usize)
}

/// Bring the schema to the newest version. Each step reads the version inside its own
/// write transaction, so two OS processes opening an old (or new) file at once never
/// run a migration twice. Foreign keys are off meanwhile (a step may rebuild a table
/// others refer to) and every one is checked before a step commits.
pub fn migrate(conn: &mut Connection) -> Result<()> {
    check_version(version(conn)?)?;
    conn.pragma_update(None, "foreign_keys", "OFF")?;
    while version(conn)? < MIGRATIONS.len() {
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let i = version(&tx)?;
        if let Some(sql) = MIGRATIONS.get(i) {
            tx.execute_batch(sql)?;
            check_foreign_keys(&tx, i + 1)?;
            tx.pragma_update(None, "user_version", (i + 1) as i64)?;
        }
        tx.commit()?;
    }
    add_late_columns(conn)
}

/// Columns written into a migration after it had shipped: a store made by the jfc of
/// that time lacks them whatever its version says now (and SQLite has no `ADD COLUMN IF
/// NOT EXISTS` for a migration to say it): `channel_waiters.os_start` came into migration
/// 10 after the jfc of v10 (0361db5) had made stores without it, `api_tokens.expires`
/// into migration 15 with token expiry, after the jfc of v15 and v16 had. New columns go
/// into a new migration, never into one that has shipped.
const LATE_COLUMNS: &[(&str, &str, &str)] = &[
    ("channel_waiters", "os_start", "INTEGER"),
    ("api_tokens", "expires", "TEXT"),
];

/// Add each late column its table lacks. A read first: a store that has them all (every
/// store made since) is not written to.
fn add_late_columns(conn: &mut Connection) -> Result<()> {
    let lacks = |c: &Connection, table: &str, column: &str| -> Result<bool> {
        let (columns, found): (i64, i64) = c.query_row(
            "SELECT count(*), count(*) FILTER (WHERE name = ?2) FROM pragma_table_info(?1)",
            [table, column],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )?;
        Ok(columns > 0 && found == 0)
    };
    for (table, column, decl) in LATE_COLUMNS {
        if !lacks(conn, table, column)? {
            continue;
        }
        // Another OS process opening the store at once may have added it meanwhile.
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        if lacks(&tx, table, column)? {
            tx.execute_batch(&format!("ALTER TABLE {table} ADD COLUMN {column} {decl}"))?;
        }
        tx.commit()?;
    }
    Ok(())
}

/// After migration to `version`, every foreign key must point at a row; a store damaged
/// before (an object whose type was deleted) is named and left as it was.
fn check_foreign_keys(conn: &Connection, version: usize) -> Result<()> {
    let mut stmt = conn.prepare("PRAGMA foreign_key_check")?;
    let bad: Vec<(String, i64, String)> = stmt
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
        .take(5)
        .collect::<rusqlite::Result<_>>()?;
    if bad.is_empty() {
        return Ok(());
    }
    let rows: Vec<String> = bad
        .iter()
        .map(|(table, row, to)| match table.as_str() {
            "objects" => {
                let name: String = conn
                    .query_row("SELECT name FROM objects WHERE rowid = ?1", [row], |r| {
                        r.get(0)
                    })
                    .unwrap_or_default();
                format!("the object `{name}` (id {row}) has a type or parent that no longer exists")
            }
            _ => format!("{table} row {row} refers to a missing {to} row"),
        })
        .collect();
    Err(StoreError(format!(
        "store damaged, not upgraded to schema v{version}: {}; restore from backup",
        rows.join("; ")
    )))
}
