//! Moving and copying objects between containers (library.md §3.6.2).

use rusqlite::params;

use super::objects::{check_name, ObjectId};
use super::{now_text, Result, Store, StoreError};

impl Store {
    /// Move `id` under `dir`, renamed to `name` when given. A container cannot move
    /// into itself or below itself.
    pub fn move_to(&mut self, id: ObjectId, dir: ObjectId, name: Option<&str>) -> Result<()> {
        self.check_not_builtin(id, "moved")?;
        self.check_writable(id, None)?;
        self.check_writable(dir, Some(name.unwrap_or("")))?;
        if self.is_within(dir, id)? {
            return Err(StoreError(format!(
                "{} cannot be moved into {}, which is inside it",
                self.abspath(id)?,
                self.abspath(dir)?
            )));
        }
        let o = self.get(id)?;
        let name = name.unwrap_or(&o.name).to_string();
        self.check_free(dir, &name, Some(id))?;
        let display = if o.display_name == o.name {
            name.clone()
        } else {
            o.display_name
        };
        self.conn.execute(
            "UPDATE objects SET parent = ?2, name = ?3, display_name = ?4, updated = ?5 WHERE id = ?1",
            params![id, dir, name, display, now_text()],
        )?;
        Ok(())
    }

    /// Copy `id` (with everything below it) under `dir` as `name` (its own name when not
    /// given); the copy's fields are those of the original, its times new. Channel
    /// messages are not copied: a copied queue would deliver them twice.
    pub fn copy_to(&mut self, id: ObjectId, dir: ObjectId, name: Option<&str>) -> Result<ObjectId> {
        self.check_writable(dir, Some(name.unwrap_or("")))?;
        if self.is_within(dir, id)? {
            return Err(StoreError(format!(
                "{} cannot be copied into {}, which is inside it",
                self.abspath(id)?,
                self.abspath(dir)?
            )));
        }
        let o = self.get(id)?;
        let name = name.unwrap_or(&o.name).to_string();
        self.check_free(dir, &name, None)?;
        self.copy_one(id, dir, &name)
    }

    fn copy_one(&mut self, id: ObjectId, dir: ObjectId, name: &str) -> Result<ObjectId> {
        let o = self.get(id)?;
        let display = if o.display_name == o.name {
            name
        } else {
            &o.display_name
        };
        let now = now_text();
        self.conn.execute(
            "INSERT INTO objects (parent, name, type, owner, display_name, description, created, updated)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?7)",
            params![dir, name, o.type_id, o.owner, display, o.description, now],
        )?;
        let copy = self.conn.last_insert_rowid();
        self.conn.execute(
            "INSERT INTO fields (object, name, value) SELECT ?2, name, value FROM fields WHERE object = ?1",
            params![id, copy],
        )?;
        for child in self.children(id)? {
            let child_name = self.get(child)?.name;
            self.copy_one(child, copy, &child_name)?;
        }
        Ok(copy)
    }

    /// The paths of `id` and everything below it, parents first (what a delete takes).
    pub fn subtree_paths(&self, id: ObjectId) -> Result<Vec<String>> {
        let top = self.abspath(id)?;
        let mut stmt = self.conn.prepare(
            "WITH RECURSIVE sub(id, path) AS (SELECT ?1, ?2 UNION ALL
                SELECT o.id, sub.path || '/' || o.name FROM objects o JOIN sub ON o.parent = sub.id)
             SELECT path FROM sub ORDER BY path",
        )?;
        let prefix = if top == "/" { "" } else { top.as_str() };
        let mut paths = stmt
            .query_map(params![id, prefix], |r| r.get::<_, String>(0))?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        if let Some(first) = paths.first_mut().filter(|p| p.is_empty()) {
            *first = "/".into();
        }
        Ok(paths)
    }

    /// Whether an object with `id` exists now.
    pub fn exists(&self, id: ObjectId) -> Result<bool> {
        Ok(self
            .conn
            .prepare_cached("SELECT 1 FROM objects WHERE id = ?1")?
            .exists([id])?)
    }

    /// Whether `id` is `ancestor` or below it.
    fn is_within(&self, id: ObjectId, ancestor: ObjectId) -> Result<bool> {
        let mut cur = Some(id);
        while let Some(i) = cur {
            if i == ancestor {
                return Ok(true);
            }
            cur = self.get(i)?.parent;
        }
        Ok(false)
    }

    fn check_free(&self, dir: ObjectId, name: &str, except: Option<ObjectId>) -> Result<()> {
        check_name(name)?;
        super::objects::check_reserved(dir, name)?;
        match self.child(dir, name)? {
            Some(other) if Some(other) != except => Err(StoreError(format!(
                "{} already has an object called `{name}`",
                self.abspath(dir)?
            ))),
            _ => Ok(()),
        }
    }
}
