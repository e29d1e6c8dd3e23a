//! Objects: rows of the `objects` table addressed by id or absolute path, and their
//! raw field values (the codec's JSON text).

use rusqlite::{params, OptionalExtension};

use super::{now_text, Result, Store, StoreError};

pub type ObjectId = i64;

/// The id of `/`, created first by the bootstrap.
pub const ROOT: ObjectId = 1;

/// The common properties of an object (library.md §3.2).
#[derive(Clone, Debug, PartialEq)]
pub struct Object {
    pub id: ObjectId,
    pub parent: Option<ObjectId>,
    pub name: String,
    pub type_id: ObjectId,
    pub owner: String,
    pub display_name: String,
    pub description: String,
    pub created: String,
    pub updated: String,
}

/// Names the root keeps for virtual lists (platform.md §1.3): `/process`.
pub(crate) fn check_reserved(parent: ObjectId, name: &str) -> Result<()> {
    if parent == ROOT && name == "process" {
        return Err(StoreError(
            "`/process` is the list of processes: no object can be called so at the root".into(),
        ));
    }
    Ok(())
}

/// Name rules of platform.md §1.1: identifier syntax, at most 128 characters.
pub fn check_name(name: &str) -> Result<()> {
    if name.chars().count() > 128 {
        return Err(StoreError(format!(
            "the name `{name}` is longer than 128 characters"
        )));
    }
    let mut chars = name.chars();
    let first_ok = chars
        .next()
        .is_some_and(|c| (c.is_alphabetic() || c == '_') && !c.is_ascii_digit());
    if !first_ok || !chars.all(|c| c.is_alphanumeric() || c == '_') {
        return Err(StoreError(format!(
            "`{name}` is not a valid object name: use letters, digits and `_`, not starting with a digit"
        )));
    }
    Ok(())
}

const COLUMNS: &str = "id, parent, name, type, owner, display_name, description, created, updated";

fn row_to_object(r: &rusqlite::Row<'_>) -> rusqlite::Result<Object> {
    Ok(Object {
        id: r.get(0)?,
        parent: r.get(1)?,
        name: r.get(2)?,
        type_id: r.get(3)?,
        owner: r.get(4)?,
        display_name: r.get(5)?,
        description: r.get(6)?,
        created: r.get(7)?,
        updated: r.get(8)?,
    })
}

impl Store {
    /// The object with `id`.
    pub fn get(&self, id: ObjectId) -> Result<Object> {
        self.conn
            .query_row(
                &format!("SELECT {COLUMNS} FROM objects WHERE id = ?1"),
                [id],
                row_to_object,
            )
            .optional()?
            .ok_or_else(|| StoreError(format!("no object with id {id}")))
    }

    /// The id of the object at an absolute, normalised path (`/`, `/a/b`).
    pub fn lookup(&self, abspath: &str) -> Result<Option<ObjectId>> {
        let mut id = ROOT;
        for part in abspath.split('/').filter(|p| !p.is_empty()) {
            match self.child(id, part)? {
                Some(c) => id = c,
                None => return Ok(None),
            }
        }
        Ok(Some(id))
    }

    /// Like [`Store::lookup`], with an error naming the path when nothing is there.
    pub fn resolve(&self, abspath: &str) -> Result<ObjectId> {
        self.lookup(abspath)?.ok_or_else(|| {
            let hint = if abspath == "/process" || abspath.starts_with("/process/") {
                " (the process records are listed by `jfc ps`, and are /process/id_N in flows)"
            } else {
                ""
            };
            StoreError(format!("no object at {abspath}{hint}"))
        })
    }

    /// The child of `parent` called `name`.
    pub fn child(&self, parent: ObjectId, name: &str) -> Result<Option<ObjectId>> {
        Ok(self
            .conn
            .prepare_cached("SELECT id FROM objects WHERE parent = ?1 AND name = ?2")?
            .query_row(params![parent, name], |r| r.get(0))
            .optional()?)
    }

    /// The children of `parent`, by name.
    pub fn children(&self, parent: ObjectId) -> Result<Vec<ObjectId>> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT id FROM objects WHERE parent = ?1 ORDER BY name")?;
        let ids = stmt
            .query_map([parent], |r| r.get(0))?
            .collect::<rusqlite::Result<Vec<ObjectId>>>()?;
        Ok(ids)
    }

    /// The absolute path of an object.
    pub fn abspath(&self, id: ObjectId) -> Result<String> {
        let mut names = Vec::new();
        let mut cur = Some(id);
        while let Some(i) = cur {
            if i == ROOT {
                break;
            }
            let (parent, name): (Option<ObjectId>, String) = self
                .conn
                .prepare_cached("SELECT parent, name FROM objects WHERE id = ?1")?
                .query_row([i], |r| Ok((r.get(0)?, r.get(1)?)))
                .optional()?
                .ok_or_else(|| StoreError(format!("no object with id {i}")))?;
            names.push(name);
            cur = parent;
        }
        names.reverse();
        Ok(format!("/{}", names.join("/")))
    }

    /// The id of the built-in or user type object at `/system/types/<name>` or a path.
    pub fn type_id(&self, name_or_path: &str) -> Result<ObjectId> {
        let path = if name_or_path.starts_with('/') {
            name_or_path.to_string()
        } else {
            format!("/system/types/{name_or_path}")
        };
        self.resolve(&path)
            .map_err(|_| StoreError(format!("no type {name_or_path}")))
    }

    /// The name of an object's type.
    pub fn type_name(&self, id: ObjectId) -> Result<String> {
        let t = self.get(id)?.type_id;
        Ok(self.get(t)?.name)
    }

    /// Create an object; the name must be free in `parent`.
    pub fn create(
        &mut self,
        parent: ObjectId,
        name: &str,
        type_id: ObjectId,
        owner: &str,
    ) -> Result<ObjectId> {
        check_name(name)?;
        check_reserved(parent, name)?;
        self.check_writable(parent, Some(name))?;
        if self.child(parent, name)?.is_some() {
            let at = self.abspath(parent)?;
            return Err(StoreError(format!(
                "{} already has an object called `{name}`",
                at
            )));
        }
        let now = now_text();
        self.conn.execute(
            "INSERT INTO objects (parent, name, type, owner, display_name, created, updated) VALUES (?1, ?2, ?3, ?4, ?2, ?5, ?5)",
            params![parent, name, type_id, owner, now],
        )?;
        Ok(self.conn.last_insert_rowid())
    }

    /// Delete an object and all its descendants. The root and the other objects of the
    /// standard tree cannot be deleted, nor a type that objects elsewhere still have.
    pub fn delete(&mut self, id: ObjectId) -> Result<()> {
        self.check_delete(id)?;
        self.conn
            .execute("DELETE FROM objects WHERE id = ?1", [id])?;
        Ok(())
    }

    /// Why [`Store::delete`] of `id` would be refused, if it would.
    pub fn check_delete(&self, id: ObjectId) -> Result<()> {
        self.check_not_builtin(id, "deleted")?;
        self.check_writable(id, None)?;
        if let Some((ty, user, n)) = self.type_used_outside(id)? {
            let (ty, user) = (self.abspath(ty)?, self.abspath(user)?);
            let others = if n > 1 {
                format!(" and {} more", n - 1)
            } else {
                String::new()
            };
            return Err(StoreError(format!(
                "{ty} cannot be deleted: it is the type of {user}{others}; delete those first"
            )));
        }
        Ok(())
    }

    /// Refuse to delete, rename or move an object of the standard tree (the root,
    /// `/system`, the built-in types, ...): every later command needs them.
    pub(crate) fn check_not_builtin(&self, id: ObjectId, verb: &str) -> Result<()> {
        let path = match id {
            ROOT => "/",
            _ => match self.builtins.path(id) {
                Some(p) => p,
                None => return Ok(()),
            },
        };
        Err(StoreError(format!(
            "{path} is a built-in object of the store and cannot be {verb}"
        )))
    }

    /// A type in the subtree of `id` that objects outside it have: the type, one such
    /// object, and how many there are.
    fn type_used_outside(&self, id: ObjectId) -> Result<Option<(ObjectId, ObjectId, i64)>> {
        Ok(self
            .conn
            .query_row(
                "WITH RECURSIVE sub(id) AS (SELECT ?1 UNION ALL SELECT o.id FROM objects o JOIN sub ON o.parent = sub.id)
                 SELECT o.type, min(o.id), count(*) FROM objects o
                 WHERE o.type IN sub AND o.id NOT IN sub GROUP BY o.type LIMIT 1",
                [id],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
            .optional()?)
    }

    /// Rename within the same parent; the display name follows when it equalled the name.
    pub fn rename(&mut self, id: ObjectId, new_name: &str) -> Result<()> {
        self.check_not_builtin(id, "renamed")?;
        self.check_writable(id, None)?;
        check_name(new_name)?;
        let o = self.get(id)?;
        let Some(parent) = o.parent else {
            return Err(StoreError("the root directory cannot be renamed".into()));
        };
        check_reserved(parent, new_name)?;
        if self.child(parent, new_name)?.is_some() {
            return Err(StoreError(format!(
                "an object called `{new_name}` already exists there"
            )));
        }
        let display = if o.display_name == o.name {
            new_name.to_string()
        } else {
            o.display_name
        };
        self.conn.execute(
            "UPDATE objects SET name = ?2, display_name = ?3, updated = ?4 WHERE id = ?1",
            params![id, new_name, display, now_text()],
        )?;
        Ok(())
    }

    /// Set `display_name`, `description` or `owner`.
    pub fn set_property(&mut self, id: ObjectId, property: &str, value: &str) -> Result<()> {
        let column = match property {
            "display_name" | "description" | "owner" => property,
            other => return Err(StoreError(format!("property `{other}` cannot be written"))),
        };
        self.check_writable(id, None)?;
        self.conn.execute(
            &format!("UPDATE objects SET {column} = ?2, updated = ?3 WHERE id = ?1"),
            params![id, value, now_text()],
        )?;
        Ok(())
    }

    /// The stored text of one field, if any.
    pub fn field_raw(&self, id: ObjectId, name: &str) -> Result<Option<String>> {
        Ok(self
            .conn
            .prepare_cached("SELECT value FROM fields WHERE object = ?1 AND name = ?2")?
            .query_row(params![id, name], |r| r.get(0))
            .optional()?)
    }

    /// Store the text of one field; `touch` bumps `updated` (not for invisible fields).
    pub fn set_field_raw(
        &mut self,
        id: ObjectId,
        name: &str,
        value: &str,
        touch: bool,
    ) -> Result<()> {
        self.check_writable(id, None)?;
        self.conn.execute(
            "INSERT INTO fields (object, name, value) VALUES (?1, ?2, ?3) ON CONFLICT(object, name) DO UPDATE SET value = excluded.value",
            params![id, name, value],
        )?;
        if touch {
            self.touch(id)?;
        }
        Ok(())
    }

    /// Remove the stored value of a field (it then reads as its default or null).
    /// Set `updated` to now.
    pub fn touch(&mut self, id: ObjectId) -> Result<()> {
        self.conn.execute(
            "UPDATE objects SET updated = ?2 WHERE id = ?1",
            params![id, now_text()],
        )?;
        Ok(())
    }

    pub fn clear_field(&mut self, id: ObjectId, name: &str) -> Result<()> {
        self.check_writable(id, None)?;
        self.conn.execute(
            "DELETE FROM fields WHERE object = ?1 AND name = ?2",
            params![id, name],
        )?;
        Ok(())
    }

    /// Run `f` in one transaction: all of it is written, or none.
    pub fn transaction<T>(&mut self, f: impl FnOnce(&mut Store) -> Result<T>) -> Result<T> {
        self.transaction_if(true, f)
    }

    /// Run `f` in one transaction, written only when `commit` (a dry run rolls back what
    /// it did after reporting it).
    pub fn transaction_if<T>(
        &mut self,
        commit: bool,
        f: impl FnOnce(&mut Store) -> Result<T>,
    ) -> Result<T> {
        // Inside a caller's transaction (Store::atomic) a savepoint nests.
        let nested = !self.conn.is_autocommit();
        let (begin, keep, undo) = if nested {
            ("SAVEPOINT tx", "RELEASE tx", "ROLLBACK TO tx; RELEASE tx")
        } else {
            ("BEGIN IMMEDIATE", "COMMIT", "ROLLBACK")
        };
        self.conn.execute_batch(begin)?;
        match f(self) {
            Ok(v) => {
                self.conn.execute_batch(if commit { keep } else { undo })?;
                Ok(v)
            }
            Err(e) => {
                let _ = self.conn.execute_batch(undo);
                Err(e)
            }
        }
    }
}
