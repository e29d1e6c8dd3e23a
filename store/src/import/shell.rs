//! Small store operations for `jfc obj` (and the import): unsetting a field.

use rusqlite::params;

use crate::objects::ObjectId;
use crate::{now_text, Result, Store};

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
}
