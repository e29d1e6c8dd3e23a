//! The users and groups tables row by row: what `/config/user` and `/config/group`
//! show flows (library.md §5.5–§5.8).

use rusqlite::OptionalExtension;

use super::objects::ObjectId;
use super::{Result, Store};

/// The users table or the groups table.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Roster {
    Users,
    Groups,
}

impl Roster {
    fn table(self) -> &'static str {
        match self {
            Roster::Users => "users",
            Roster::Groups => "groups",
        }
    }
}

/// A user or group: its id and name.
pub type Member = (i64, String);

/// One user's row.
pub struct UserRow {
    pub name: String,
    pub active: bool,
    pub environment: Option<ObjectId>,
}

impl Store {
    /// The user or group called `name`.
    pub fn member_named(&self, roster: Roster, name: &str) -> Result<Option<Member>> {
        self.member_where(roster, "name", &name)
    }

    /// The user or group with the id `id`.
    pub fn member_with_id(&self, roster: Roster, id: i64) -> Result<Option<Member>> {
        self.member_where(roster, "id", &id)
    }

    fn member_where(
        &self,
        roster: Roster,
        column: &str,
        value: &dyn rusqlite::ToSql,
    ) -> Result<Option<Member>> {
        let sql = format!(
            "SELECT id, name FROM {} WHERE {column} = ?1",
            roster.table()
        );
        Ok(self
            .conn
            .query_row(&sql, [value], |r| Ok((r.get(0)?, r.get(1)?)))
            .optional()?)
    }

    /// Every user or group, by name.
    pub fn members(&self, roster: Roster) -> Result<Vec<Member>> {
        let sql = format!("SELECT id, name FROM {} ORDER BY name", roster.table());
        self.member_rows(&sql, [])
    }

    /// The groups of user `user`, by name.
    pub fn groups_of(&self, user: i64) -> Result<Vec<Member>> {
        self.member_rows(
            "SELECT g.id, g.name FROM groups g JOIN memberships m ON m.grp = g.id WHERE m.user = ?1 ORDER BY g.name",
            [user],
        )
    }

    /// The users of group `group`, by name.
    pub fn users_of(&self, group: i64) -> Result<Vec<Member>> {
        self.member_rows(
            "SELECT u.id, u.name FROM users u JOIN memberships m ON m.user = u.id WHERE m.grp = ?1 ORDER BY u.name",
            [group],
        )
    }

    fn member_rows(&self, sql: &str, params: impl rusqlite::Params) -> Result<Vec<Member>> {
        let mut stmt = self.conn.prepare(sql)?;
        let rows = stmt.query_map(params, |r| Ok((r.get(0)?, r.get(1)?)))?;
        Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
    }

    /// The row of user `id`.
    pub fn user_row(&self, id: i64) -> Result<UserRow> {
        Ok(self.conn.query_row(
            "SELECT name, active, environment FROM users WHERE id = ?1",
            [id],
            |r| {
                Ok(UserRow {
                    name: r.get(0)?,
                    active: r.get(1)?,
                    environment: r.get(2)?,
                })
            },
        )?)
    }

    /// The name of group `id`.
    pub fn group_name(&self, id: i64) -> Result<String> {
        Ok(self
            .conn
            .query_row("SELECT name FROM groups WHERE id = ?1", [id], |r| r.get(0))?)
    }
}
