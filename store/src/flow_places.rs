//! Places of Jobflow multiplicities (library.md §3.10) held across OS processes: one row
//! per process of a VM inside a flow with `multiplicity` > 0, tagged with the OS process
//! of that VM (its pid and start time, store::os_process). A row whose OS process is
//! gone (killed before it could give its place back) no longer counts and is removed at
//! the next take.

use rusqlite::params;

use super::objects::ObjectId;
use super::os_process::{own_start_time, still_running};
use super::{now_text, Result, Store};

impl Store {
    /// Take a place in `flow` for this OS process when fewer than `limit` are held.
    pub fn take_flow_place(&mut self, flow: ObjectId, limit: i64) -> Result<bool> {
        self.transaction(|s| {
            let holders: Vec<(i64, Option<i64>)> = s
                .conn
                .prepare_cached(
                    "SELECT DISTINCT os_pid, os_start FROM flow_places WHERE flow = ?1",
                )?
                .query_map([flow], |r| Ok((r.get(0)?, r.get(1)?)))?
                .collect::<rusqlite::Result<_>>()?;
            for (pid, started) in holders {
                if !still_running(pid, started) {
                    s.conn.execute(
                        "DELETE FROM flow_places WHERE flow = ?1 AND os_pid = ?2 AND os_start IS ?3",
                        params![flow, pid, started],
                    )?;
                }
            }
            let held: i64 = s.conn.query_row(
                "SELECT count(*) FROM flow_places WHERE flow = ?1",
                [flow],
                |r| r.get(0),
            )?;
            if held >= limit {
                return Ok(false);
            }
            s.conn.execute(
                "INSERT INTO flow_places (flow, os_pid, os_start, taken) VALUES (?1, ?2, ?3, ?4)",
                params![flow, std::process::id() as i64, own_start_time(), now_text()],
            )?;
            Ok(true)
        })
    }

    /// Give back one place of `flow` held by this OS process.
    pub fn give_flow_place(&mut self, flow: ObjectId) -> Result<()> {
        self.conn.execute(
            "DELETE FROM flow_places WHERE id = (SELECT id FROM flow_places WHERE flow = ?1 AND os_pid = ?2 AND os_start IS ?3 LIMIT 1)",
            params![flow, std::process::id() as i64, own_start_time()],
        )?;
        Ok(())
    }
}
