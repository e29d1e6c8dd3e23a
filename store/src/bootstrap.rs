//! The standard tree of a fresh store (platform.md §1.3): the root, `/system` with one
//! TypeObject per built-in type, the users and groups, and the well-known objects.

use std::collections::HashMap;

use rusqlite::params;

use super::objects::{ObjectId, ROOT};
use super::types::BUILTIN_TYPES;
use jfc_vm::value::Value;

use super::{codec, now_text, Result, Store, StoreError};

/// The paths of the standard tree below the root, parents first: what `create` makes.
pub fn builtin_paths() -> Vec<String> {
    let mut paths: Vec<String> = ["/system", "/system/types"].map(String::from).to_vec();
    paths.extend(
        BUILTIN_TYPES
            .iter()
            .map(|t| format!("/system/types/{}", t.name)),
    );
    paths.extend(
        [
            "/home",
            "/home/guest",
            "/root",
            "/system/startup",
            "/system/channels",
            "/system/channels/Alert",
            "/system/config",
        ]
        .map(String::from),
    );
    paths
}

/// The ids of the standard tree's objects, with their paths. Their parents are all in
/// the tree too, so deleting or moving any other object never takes one with it.
#[derive(Default)]
pub struct Builtins(HashMap<ObjectId, String>);

impl Builtins {
    /// Find every object of the standard tree; a store without one is damaged.
    pub fn find(store: &Store) -> Result<Builtins> {
        let mut ids = HashMap::new();
        for path in builtin_paths() {
            match store.lookup(&path)? {
                Some(id) => ids.insert(id, path),
                None => {
                    return Err(StoreError(format!(
                        "store damaged: {path} is missing; restore from backup"
                    )))
                }
            };
        }
        Ok(Builtins(ids))
    }

    /// The path of `id` when it is an object of the standard tree.
    pub fn path(&self, id: ObjectId) -> Option<&str> {
        self.0.get(&id).map(String::as_str)
    }
}

/// Create whatever of the standard tree is missing (idempotent; runs at every open).
/// Two OS processes may open a new file at once: the check is repeated inside the write
/// transaction, which only one of them holds at a time.
pub fn ensure(store: &mut Store) -> Result<()> {
    if has_root(store)? {
        return Ok(());
    }
    store.transaction(|s| if has_root(s)? { Ok(()) } else { create(s) })
}

fn has_root(store: &Store) -> Result<bool> {
    Ok(store.conn.query_row(
        "SELECT EXISTS(SELECT 1 FROM objects WHERE id = ?1)",
        [ROOT],
        |r| r.get(0),
    )?)
}

fn create(store: &mut Store) -> Result<()> {
    // The first objects are typed before their types exist: the keys are checked at commit.
    store.conn.pragma_update(None, "defer_foreign_keys", "ON")?;
    let now = now_text();
    // The root and the type directory exist before the types do: their type is set below.
    store.conn.execute(
        "INSERT INTO objects (id, parent, name, type, owner, display_name, created, updated) VALUES (?1, NULL, '', 0, 'root', 'Root directory', ?2, ?2)",
        params![ROOT, now],
    )?;
    let system = store.create(ROOT, "system", 0, "root")?;
    let types = store.create(system, "types", 0, "root")?;
    let type_object = store.create(types, "TypeObject", 0, "root")?;
    store
        .conn
        .execute("UPDATE objects SET type = ?1 WHERE id = ?1", [type_object])?;
    for def in BUILTIN_TYPES {
        let id = match def.name {
            "TypeObject" => type_object,
            name => store.create(types, name, type_object, "root")?,
        };
        store.set_property(id, "display_name", def.display_name)?;
        let column = |i: usize| json_strings(def.fields.iter().map(|f| [f.0, f.1, f.2][i]));
        store.set_field_raw(id, "fieldNames", &column(0), false)?;
        store.set_field_raw(id, "fieldDisplayNames", &column(1), false)?;
        store.set_field_raw(id, "fieldTypes", &column(2), false)?;
    }
    let directory = store.type_id("Directory")?;
    store
        .conn
        .execute("UPDATE objects SET type = ?1 WHERE type = 0", [directory])?;
    let home = store.create(ROOT, "home", directory, "root")?;
    store.create(home, "guest", directory, "guest")?;
    store.create(ROOT, "root", directory, "root")?;
    store.create(system, "startup", directory, "root")?;
    let channels = store.create(system, "channels", directory, "root")?;
    store.create(channels, "Alert", store.type_id("Channel")?, "root")?;
    store.create(system, "config", store.type_id("Config")?, "root")?;
    users(store)
}

fn users(store: &mut Store) -> Result<()> {
    for (name, active) in [("root", true), ("guest", true), ("admin", false)] {
        store.conn.execute(
            "INSERT INTO users (name, active) VALUES (?1, ?2)",
            params![name, active],
        )?;
    }
    for g in ["other", "wheel"] {
        store
            .conn
            .execute("INSERT INTO groups (name) VALUES (?1)", [g])?;
    }
    store.conn.execute_batch(
        "INSERT INTO memberships (user, grp) SELECT u.id, g.id FROM users u, groups g WHERE g.name = 'other';
         INSERT INTO memberships (user, grp) SELECT u.id, g.id FROM users u, groups g WHERE u.name = 'root' AND g.name = 'wheel';",
    )?;
    Ok(())
}

/// The stored form of an `Array` (Array<String>) field.
fn json_strings<'a>(items: impl Iterator<Item = &'a str>) -> String {
    let value = Value::array(items.map(Value::str).collect());
    codec::encode(&value).unwrap_or_else(|_| "[]".into())
}
