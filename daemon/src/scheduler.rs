//! Firing the schedules of `/scheduler` (platform.md §4): once a minute the scheduler
//! looks at the firing times each schedule has passed since its last look, and
//! records a NEW process for each run due, in one transaction with the time it has
//! looked up to, so a crash neither loses a run nor makes it twice. Times missed while
//! no daemon ran follow each schedule's policy (`skip`, `once`, `all`).

use std::collections::HashMap;
use std::path::PathBuf;

use chrono::{DateTime, TimeZone, Timelike, Utc};
use jfc_store::schedules::{ScheduleRecord, MAX_CATCH_UP};
use jfc_store::starts::{NewProcess, StartArgs};
use jfc_store::Store;
use jfc_vm::value::Value;

use crate::clock::Clock;
use crate::runner::Runner;
use jfc_store::cron::Schedule;

/// A time missed by less than this still runs under the `skip` policy (Q13).
const GRACE: chrono::Duration = chrono::Duration::seconds(60);

/// The zone the time fields are read in (`[scheduler] timezone`).
#[derive(Clone, Copy, Debug)]
pub enum Zone {
    /// The host's local zone.
    Local,
    Named(chrono_tz::Tz),
}

pub(crate) struct Scheduler {
    clock: Clock,
    zone: Zone,
    store: PathBuf,
    /// Up to when every run due was recorded.
    checked: DateTime<Utc>,
    /// Whether a look has fired what was due since `checked` was read from the store.
    looked: bool,
    /// The last problem reported for each schedule, so that it is logged once.
    reported: HashMap<i64, String>,
}

impl Scheduler {
    /// The scheduler of `store` (its file at `path`): it takes up from the last look
    /// recorded there (the times in between were missed), or for a store never looked
    /// at, from now, recorded at once so that a crash before the first run misses
    /// nothing.
    pub(crate) fn new(
        clock: Clock,
        zone: Zone,
        path: PathBuf,
        store: &mut Store,
    ) -> Result<Scheduler, String> {
        let checked = match last_look(store)? {
            Some(c) => c,
            None => {
                let now = clock.now();
                store.set_scheduler_checked(&stamp(now)).map_err(|e| e.0)?;
                now
            }
        };
        Ok(Scheduler {
            clock,
            zone,
            store: path,
            checked,
            looked: false,
            reported: HashMap::new(),
        })
    }

    /// Record and start the runs due since the last look, once the clock has entered
    /// a new minute (times are whole minutes), and at the first look.
    pub(crate) fn tick(&mut self, store: &mut Store, runner: &Runner) {
        let now = self.clock.now();
        if self.looked && minute(now) <= minute(self.checked) {
            return;
        }
        match self.fire(store, self.checked, now) {
            Ok(pids) => {
                self.checked = self.checked.max(now);
                self.looked = true;
                pids.into_iter().for_each(|pid| runner.start(pid));
            }
            Err(e) => tracing::error!("scheduler: {e}"),
        }
    }

    /// Record the runs due in (`checked`, `now`]; their pids.
    fn fire(
        &mut self,
        store: &mut Store,
        checked: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Result<Vec<i64>, String> {
        let schedules = store.schedules().map_err(|e| e.0)?;
        let mut runs = Vec::new();
        for s in schedules.iter().filter(|s| !s.disabled) {
            match self.runs_due(s, checked, now) {
                Ok(n) => {
                    self.reported.remove(&s.id);
                    runs.extend(std::iter::repeat_n(s, n));
                }
                Err(why) if self.reported.get(&s.id) != Some(&why) => {
                    tracing::warn!("schedule {} ({}) cannot fire: {why}", s.id, s.name);
                    self.reported.insert(s.id, why);
                }
                Err(_) => {}
            }
        }
        // The arguments are computed before the transaction: they may read the store.
        let args: Vec<_> = runs
            .iter()
            .map(|s| jfc_runtime::run::schedule_args(&s.parameters, &self.store))
            .collect();
        let at = stamp(checked.max(now));
        store
            .transaction(|st| {
                let pids = runs
                    .iter()
                    .zip(&args)
                    .map(|(s, args)| record_run(st, s, args))
                    .collect::<jfc_store::Result<Vec<_>>>()?;
                st.set_scheduler_checked(&at)?;
                Ok(pids.into_iter().flatten().collect())
            })
            .map_err(|e| e.0)
    }

    /// How many runs schedule `s` makes for the times it passed in (`checked`, `now`].
    fn runs_due(
        &self,
        s: &ScheduleRecord,
        checked: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Result<usize, String> {
        let fields = s.fields.each_ref().map(|f| f.as_deref());
        let parsed = Schedule::parse(fields)?;
        // A schedule added since the last look has missed nothing before it was added.
        let created = DateTime::parse_from_rfc3339(&s.created)
            .map(|c| c.with_timezone(&Utc))
            .unwrap_or(checked);
        let after = checked.max(created);
        let times = match self.zone {
            Zone::Local => times_between(&parsed, &chrono::Local, after, now),
            Zone::Named(tz) => times_between(&parsed, &tz, after, now),
        };
        Ok(match s.missed.as_str() {
            "all" => times.len().min(MAX_CATCH_UP),
            "once" => times.len().min(1),
            _ => usize::from(times.last().is_some_and(|t| now - *t <= GRACE)),
        })
    }
}

/// Record a run of `s`, NEW with `args`, or closed ABORTED when they could not be
/// computed (so the failure shows in `jfc ps`); its pid when it is to start.
fn record_run(
    st: &mut Store,
    s: &ScheduleRecord,
    args: &Result<StartArgs, String>,
) -> jfc_store::Result<Option<i64>> {
    let empty = StartArgs::default();
    let pid = st.process_new(&NewProcess {
        job: &s.job,
        user: &s.user,
        args: args.as_ref().unwrap_or(&empty),
        invoker: None,
        schedule: Some(s.id),
    })?;
    match args {
        Ok(_) => Ok(Some(pid)),
        Err(why) => {
            let why = Value::str(&format!("schedule {}: {why}", s.abspath()));
            st.process_finish(pid, "ABORTED", &Value::Int(1), &Value::Null, &why)?;
            Ok(None)
        }
    }
}

/// The scheduler's last look, as the store keeps it.
fn last_look(store: &Store) -> Result<Option<DateTime<Utc>>, String> {
    let Some(text) = store.scheduler_checked().map_err(|e| e.0)? else {
        return Ok(None);
    };
    DateTime::parse_from_rfc3339(&text)
        .map(|t| Some(t.with_timezone(&Utc)))
        .map_err(|e| format!("the scheduler's last look `{text}` is damaged: {e}"))
}

/// A time as the store keeps it.
fn stamp(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Micros, true)
}

/// `t` to the minute.
fn minute(t: DateTime<Utc>) -> DateTime<Utc> {
    t.with_second(0)
        .and_then(|t| t.with_nanosecond(0))
        .unwrap_or(t)
}

/// The firing times of `s` in (`after`, `upto`], in `zone`: at most one more than
/// [`MAX_CATCH_UP`] (enough to apply any policy).
fn times_between<Tz: TimeZone>(
    s: &Schedule,
    zone: &Tz,
    after: DateTime<Utc>,
    upto: DateTime<Utc>,
) -> Vec<DateTime<Utc>> {
    let mut at = after.with_timezone(zone);
    let mut times = Vec::new();
    while times.len() <= MAX_CATCH_UP {
        match s.next_after(&at) {
            Some(t) if t.with_timezone(&Utc) <= upto => {
                times.push(t.with_timezone(&Utc));
                at = t;
            }
            _ => break,
        }
    }
    times
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(text)
            .expect("a time")
            .with_timezone(&Utc)
    }

    #[test]
    fn the_times_passed_are_those_after_the_last_look_up_to_now() {
        let hourly =
            Schedule::parse([None, None, None, None, None, None, Some("0")]).expect("parses");
        let times = times_between(
            &hourly,
            &Utc,
            at("2027-03-01T09:00:00Z"),
            at("2027-03-01T12:00:00Z"),
        );
        assert_eq!(
            times,
            vec![
                at("2027-03-01T10:00:00Z"),
                at("2027-03-01T11:00:00Z"),
                at("2027-03-01T12:00:00Z")
            ]
        );
    }

    #[test]
    fn a_long_absence_stops_counting_past_the_catch_up_limit() {
        let every_minute = Schedule::parse([None; 7]).expect("parses");
        let times = times_between(
            &every_minute,
            &Utc,
            at("2027-03-01T00:00:00Z"),
            at("2027-03-02T00:00:00Z"),
        );
        assert_eq!(times.len(), MAX_CATCH_UP + 1);
    }
}
