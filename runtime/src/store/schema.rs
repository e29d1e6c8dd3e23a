//! The schema and its migrations. `PRAGMA user_version` holds the version; each
//! migration runs once, in a transaction, in order.

use rusqlite::{Connection, TransactionBehavior};

use super::Result;

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
    // → version 8: the parent of a child process (fork/pfor), whose record gives the
    // child its pid (store::processes); NULL for a process started directly.
    r#"
ALTER TABLE processes ADD COLUMN parent INTEGER;
CREATE INDEX processes_by_parent ON processes(parent);
"#,
];

/// Bring the schema to the newest version. Each step reads the version inside its own
/// write transaction, so two OS processes opening an old (or new) file at once never
/// run a migration twice.
pub fn migrate(conn: &mut Connection) -> Result<()> {
    let version = |c: &Connection| -> Result<usize> {
        let v: i64 = c.query_row("PRAGMA user_version", [], |r| r.get(0))?;
        Ok(v.max(0) as usize)
    };
    while version(conn)? < MIGRATIONS.len() {
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let i = version(&tx)?;
        if let Some(sql) = MIGRATIONS.get(i) {
            tx.execute_batch(sql)?;
            tx.pragma_update(None, "user_version", (i + 1) as i64)?;
        }
        tx.commit()?;
    }
    Ok(())
}
