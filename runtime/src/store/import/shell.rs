//! Small store operations for `jfc obj` (and the import): unsetting a field, the objects
//! of a type.

use rusqlite::params;

use super::super::objects::ObjectId;
use super::super::{now_text, Result, Store};

impl Store {
    /// Remove the stored value of field `name` (it then reads as its default or null); an
    /// unknown field is an error naming the object. `updated` moves unless the field is
    /// invisible (library.md §3.2).
    pub fn unset_field(&mut self, id: ObjectId, name: &str) -> Result<()> {
        let def = self.field_def(id, name)?;
        self.clear_field(id, name)?;
        if !def.spec.is_invisible() {
            self.conn.execute(
                "UPDATE objects SET updated = ?2 WHERE id = ?1",
                params![id, now_text()],
            )?;
        }
        Ok(())
    }

    /// How many objects have the type object `type_id` as their type (itself excluded).
    pub fn count_of_type(&self, type_id: ObjectId) -> Result<usize> {
        let n: i64 = self.conn.query_row(
            "SELECT COUNT(*) FROM objects WHERE type = ?1 AND id != ?1",
            [type_id],
            |r| r.get(0),
        )?;
        Ok(n as usize)
    }
}
