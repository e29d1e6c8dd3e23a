//! Places of Jobflow multiplicities (library.md §3.10) held across OS processes: one row
//! per process of a VM inside a flow with `multiplicity` > 0, tagged with the OS process
//! of that VM. A row whose OS process is gone (killed before it could give its place
//! back) no longer counts and is removed at the next take.

use rusqlite::params;

use super::objects::ObjectId;
use super::processes::os_process_alive;
use super::{now_text, Result, Store};

impl Store {
    /// Take a place in `flow` for this OS process when fewer than `limit` are held.
    pub fn take_flow_place(&mut self, flow: ObjectId, limit: i64) -> Result<bool> {
        self.transaction(|s| {
            let holders: Vec<i64> = s
                .conn
                .prepare_cached("SELECT DISTINCT os_pid FROM flow_places WHERE flow = ?1")?
                .query_map([flow], |r| r.get(0))?
                .collect::<rusqlite::Result<_>>()?;
            for gone in holders.into_iter().filter(|p| !os_process_alive(*p)) {
                s.conn.execute(
                    "DELETE FROM flow_places WHERE flow = ?1 AND os_pid = ?2",
                    params![flow, gone],
                )?;
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
                "INSERT INTO flow_places (flow, os_pid, taken) VALUES (?1, ?2, ?3)",
                params![flow, std::process::id() as i64, now_text()],
            )?;
            Ok(true)
        })
    }

    /// Give back one place of `flow` held by this OS process.
    pub fn give_flow_place(&mut self, flow: ObjectId) -> Result<()> {
        self.conn.execute(
            "DELETE FROM flow_places WHERE id = (SELECT id FROM flow_places WHERE flow = ?1 AND os_pid = ?2 LIMIT 1)",
            params![flow, std::process::id() as i64],
        )?;
        Ok(())
    }
}
