//! Schedules (platform.md §4.1): a Jobflow or ScriptJob to run when seven time fields
//! match, as `jfc schedule add` records them. The fields are kept as the user typed
//! them (None for a field left empty); the daemon's scheduler reads them.

use rusqlite::{params, OptionalExtension, Row};

use super::{Result, Store, StoreError};

/// The time fields, in order of significance (the columns of the table).
pub const TIME_FIELDS: [&str; 7] = [
    "year",
    "month",
    "day",
    "week",
    "day_of_week",
    "hour",
    "minute",
];

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ScheduleRecord {
    pub id: i64,
    pub name: String,
    pub description: String,
    /// The user the job runs as.
    pub user: String,
    /// The path of the Jobflow or ScriptJob.
    pub job: String,
    pub parameters: Vec<String>,
    pub fields: [Option<String>; 7],
    pub disabled: bool,
    pub created: String,
    /// What becomes of firing times missed while no daemon ran: [`MISSED_POLICIES`].
    pub missed: String,
}

/// The missed-run policies (platform.md §4.3, What jfc adds): `skip` runs a time missed
/// by less than a minute and drops the others, `once` runs a schedule once for all the
/// times it missed, `all` runs each (at most [`MAX_CATCH_UP`]).
pub const MISSED_POLICIES: [&str; 3] = ["skip", "once", "all"];

/// The most runs `all` makes up for one schedule at once.
pub const MAX_CATCH_UP: usize = 100;

impl ScheduleRecord {
    /// Its path, `/scheduler/id_<id>`.
    pub fn abspath(&self) -> String {
        format!("/scheduler/id_{}", self.id)
    }

    /// When it fires first after `after`, in the zone of `after`; None when it is
    /// disabled, never fires, or its fields do not parse.
    pub fn next_after<Tz: chrono::TimeZone>(
        &self,
        after: &chrono::DateTime<Tz>,
    ) -> Option<chrono::DateTime<Tz>> {
        if self.disabled {
            return None;
        }
        let fields = self.fields.each_ref().map(|f| f.as_deref());
        crate::cron::Schedule::parse(fields).ok()?.next_after(after)
    }

    /// The record as `jfc schedule ls --json` and the API give it, with its next firing
    /// time (RFC 3339).
    pub fn to_json(&self, next_run_time: Option<String>) -> serde_json::Value {
        let fields: serde_json::Map<String, serde_json::Value> = TIME_FIELDS
            .iter()
            .zip(&self.fields)
            .map(|(k, v)| (k.to_string(), serde_json::json!(v)))
            .collect();
        serde_json::json!({
            "id": self.id,
            "abspath": self.abspath(),
            "name": self.name,
            "description": self.description,
            "user": self.user,
            "job": self.job,
            "parameters": self.parameters,
            "fields": fields,
            "missed": self.missed,
            "disabled": self.disabled,
            "next_run_time": next_run_time,
            "created": self.created,
        })
    }
}

const COLUMNS: &str =
    "id, name, description, user, job, parameters, year, month, day, week, day_of_week, hour, minute, disabled, created, missed";

fn record(r: &Row<'_>) -> rusqlite::Result<ScheduleRecord> {
    let parameters: String = r.get(5)?;
    Ok(ScheduleRecord {
        id: r.get(0)?,
        name: r.get(1)?,
        description: r.get(2)?,
        user: r.get(3)?,
        job: r.get(4)?,
        parameters: serde_json::from_str(&parameters).unwrap_or_default(),
        fields: [
            r.get(6)?,
            r.get(7)?,
            r.get(8)?,
            r.get(9)?,
            r.get(10)?,
            r.get(11)?,
            r.get(12)?,
        ],
        disabled: r.get(13)?,
        created: r.get(14)?,
        missed: r.get(15)?,
    })
}

impl Store {
    /// Record schedule `s` (its id and created time are given here): its id. The job must
    /// be a Jobflow or a ScriptJob of the store.
    pub fn add_schedule(&mut self, s: &ScheduleRecord) -> Result<i64> {
        if s.name.trim().is_empty() {
            return Err(StoreError("a schedule needs a name".into()));
        }
        let job = self.resolve(&s.job)?;
        let kind = self.type_name(job)?;
        if kind != "Jobflow" && kind != "ScriptJob" {
            return Err(StoreError(format!(
                "{} is a {kind}: a schedule runs a Jobflow or a ScriptJob",
                s.job
            )));
        }
        if !MISSED_POLICIES.contains(&s.missed.as_str()) {
            return Err(StoreError(format!(
                "missed-run policy `{}`: it is one of {}",
                s.missed,
                MISSED_POLICIES.join(", ")
            )));
        }
        let parameters = serde_json::to_string(&s.parameters)
            .map_err(|e| StoreError(format!("parameters: {e}")))?;
        let f = &s.fields;
        self.conn.execute(
            "INSERT INTO schedules (name, description, user, job, parameters, year, month, day, week, day_of_week, hour, minute, disabled, created, missed) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)",
            params![
                s.name, s.description, s.user, s.job, parameters,
                f[0], f[1], f[2], f[3], f[4], f[5], f[6], s.disabled, super::now_text(), s.missed
            ],
        )?;
        Ok(self.conn.last_insert_rowid())
    }

    /// Every schedule, by id.
    pub fn schedules(&self) -> Result<Vec<ScheduleRecord>> {
        let mut stmt = self
            .conn
            .prepare(&format!("SELECT {COLUMNS} FROM schedules ORDER BY id"))?;
        let rows = stmt.query_map([], record)?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// The schedule named by `which`: its id, `id_<id>`, its path, or its name when no
    /// other schedule has it.
    pub fn find_schedule(&self, which: &str) -> Result<ScheduleRecord> {
        let id = which
            .trim_start_matches("/scheduler/")
            .trim_start_matches("id_")
            .parse::<i64>()
            .ok();
        if let Some(id) = id {
            let found = self
                .conn
                .query_row(
                    &format!("SELECT {COLUMNS} FROM schedules WHERE id = ?1"),
                    [id],
                    record,
                )
                .optional()?;
            return found.ok_or_else(|| StoreError(format!("there is no schedule {which}")));
        }
        let mut named: Vec<ScheduleRecord> = self
            .schedules()?
            .into_iter()
            .filter(|s| s.name == which)
            .collect();
        match named.len() {
            1 => Ok(named.remove(0)),
            0 => Err(StoreError(format!("there is no schedule named `{which}`"))),
            n => Err(StoreError(format!(
                "{n} schedules are named `{which}`: name one by its id ({})",
                named
                    .iter()
                    .map(|s| s.id.to_string())
                    .collect::<Vec<_>>()
                    .join(", ")
            ))),
        }
    }

    /// Remove schedule `id`: whether there was one.
    pub fn remove_schedule(&mut self, id: i64) -> Result<bool> {
        Ok(self
            .conn
            .execute("DELETE FROM schedules WHERE id = ?1", [id])?
            > 0)
    }

    /// Up to when the daemon's scheduler has fired what was due (RFC 3339 UTC); None
    /// before its first look.
    pub fn scheduler_checked(&self) -> Result<Option<String>> {
        Ok(self
            .conn
            .query_row(
                "SELECT checked FROM scheduler_state WHERE id = 1",
                [],
                |r| r.get(0),
            )
            .optional()?)
    }

    /// The scheduler has fired what was due up to `at`; inside the transaction that
    /// records the processes it started, so a crash loses neither nor repeats them.
    pub fn set_scheduler_checked(&mut self, at: &str) -> Result<()> {
        self.conn.execute(
            "INSERT INTO scheduler_state (id, checked) VALUES (1, ?1) \
             ON CONFLICT (id) DO UPDATE SET checked = excluded.checked",
            [at],
        )?;
        Ok(())
    }

    /// Disable or enable schedule `id`.
    pub fn set_schedule_disabled(&mut self, id: i64, disabled: bool) -> Result<()> {
        self.conn.execute(
            "UPDATE schedules SET disabled = ?2 WHERE id = ?1",
            params![id, disabled],
        )?;
        Ok(())
    }
}
