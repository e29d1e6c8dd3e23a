//! Users as flows see them: for now, the Environment each one runs with (`$ENV`,
//! library.md §3.15, platform.md §1.4).

use jfc_vm::value::Value;
use rusqlite::{params, OptionalExtension};

use super::objects::ObjectId;
use super::{Result, Store, StoreError};

impl Store {
    /// The users, by name: `(name, Environment path or None)`.
    pub fn users(&self) -> Result<Vec<(String, Option<String>)>> {
        let mut stmt = self
            .conn
            .prepare("SELECT name, environment FROM users ORDER BY name")?;
        let rows = stmt
            .query_map([], |r| {
                Ok((r.get::<_, String>(0)?, r.get::<_, Option<ObjectId>>(1)?))
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        rows.into_iter()
            .map(|(name, env)| Ok((name, env.map(|id| self.abspath(id)).transpose()?)))
            .collect()
    }

    /// The Environment object of `user`, if one is set.
    pub fn user_environment(&self, user: &str) -> Result<Option<ObjectId>> {
        let row: Option<Option<ObjectId>> = self
            .conn
            .query_row(
                "SELECT environment FROM users WHERE name = ?1",
                [user],
                |r| r.get(0),
            )
            .optional()?;
        row.ok_or_else(|| StoreError(format!("no user `{user}`")))
    }

    /// Set (or with `None` clear) the Environment of `user`; it must be an Environment.
    pub fn set_user_environment(&mut self, user: &str, env: Option<ObjectId>) -> Result<()> {
        if let Some(id) = env {
            self.expect_type(id, "Environment")?;
        }
        let n = self.conn.execute(
            "UPDATE users SET environment = ?2 WHERE name = ?1",
            params![user, env],
        )?;
        if n == 0 {
            return Err(StoreError(format!("no user `{user}`")));
        }
        Ok(())
    }

    /// The value of `$ENV` for `user`: the `environment` Dictionary of their Environment
    /// object, or an empty Dictionary.
    pub fn environment_value(&self, user: &str) -> Result<Value> {
        let empty = || Value::dict(Default::default());
        let Some(id) = self.user_environment(user)? else {
            return Ok(empty());
        };
        Ok(match self.read_field(id, "environment")? {
            v @ Value::Dict(_) => v,
            _ => empty(),
        })
    }
}
