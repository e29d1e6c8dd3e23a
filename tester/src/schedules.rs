//! The stored schedules of a test's store fire on its virtual clock: while the clock
//! moves on, each time a schedule passes starts its job as a new process of the test's
//! VM, in time order, as `jfc serve` would start it (commands mocked as in the test).
//! They fire only while the clock moves towards something due (a sleep, a timeout, a
//! mock's delay): a flow that waits for ever is not woken by them.

use std::time::Duration;

use chrono::{DateTime, Local, Utc};
use jfc_store::schedules::ScheduleRecord;
use jfc_vm::host::{Start, StoreAnswer, StoreRequest};
use jfc_vm::Host;

use crate::host::TestHost;

impl TestHost<'_> {
    /// The first time in (`fired`, `target`] (virtual time since the start) at which a
    /// stored schedule fires, and the schedules firing then.
    pub(crate) fn next_schedules(
        &self,
        target: Duration,
    ) -> Option<(Duration, Vec<ScheduleRecord>)> {
        let mut schedules = self.db().ok()?.schedules().ok()?;
        schedules.extend(self.schedules.borrow().iter().cloned());
        if schedules.is_empty() {
            return None;
        }
        let from = self.at(self.schedules_fired.get()).with_timezone(&Local);
        let until = self.at(target);
        let mut first: Option<(DateTime<Utc>, Vec<ScheduleRecord>)> = None;
        for s in schedules {
            let Some(next) = s.next_after(&from).map(|t| t.with_timezone(&Utc)) else {
                continue;
            };
            match &mut first {
                _ if next > until => {}
                Some((t, due)) if next == *t => due.push(s),
                Some((t, _)) if next > *t => {}
                _ => first = Some((next, vec![s])),
            }
        }
        let (at, due) = first?;
        let since = (at - self.clock.start_utc()).to_std().ok()?;
        Some((since, due))
    }

    /// The processes of the schedules firing now, for the VM to start.
    pub(crate) fn fire(&self, due: Vec<ScheduleRecord>) {
        for s in due {
            let what = match s.id {
                0 => format!("schedule {}", s.name),
                _ => format!("schedule {} ({})", s.abspath(), s.name),
            };
            match self.schedule_start(&s) {
                Ok(start) => self.starts.borrow_mut().push(Start { what, ..start }),
                Err(why) => self.effects.fail(format!("{what} cannot fire: {why}")),
            }
        }
    }

    fn schedule_start(&self, s: &ScheduleRecord) -> Result<Start, String> {
        let dir = self.test_dir.display().to_string();
        let job = match self.inner.store(StoreRequest::Resolve {
            dir: &dir,
            path: &s.job,
        }) {
            Ok(StoreAnswer::Value(v)) => v,
            Ok(_) => return Err(format!("{} is not a jobflow", s.job)),
            Err(e) => return Err(e.to_string()),
        };
        let args = jfc_runtime::run::schedule_args_in(&s.parameters, None)?;
        Ok(Start {
            job,
            pos: args.pos,
            kw: args.kw,
            what: String::new(),
        })
    }

    /// `add_schedule(job, name=, parameters=, year=, ..., minute=)`: a schedule of the
    /// test, as `jfc schedule add` records one, its job a path as the test would call it.
    pub(crate) fn add_schedule(&self, b: &jfc_vm::builtins::args::Bound) -> Result<(), String> {
        use jfc_vm::value::Value;
        let job = match b.req(0) {
            Value::Object(o) => o.path.to_string(),
            Value::Jobflow(j) => j.path.display().to_string(),
            other => other.to_text(),
        };
        let parameters = match b.opt_nonnull(2) {
            None => Vec::new(),
            Some(Value::Array(items)) => items.borrow().iter().map(Value::to_text).collect(),
            Some(other) => {
                return Err(format!(
                    "add_schedule: parameters is an Array of expressions (Strings), not {}",
                    other.type_name()
                ))
            }
        };
        let fields: [Option<String>; 7] =
            std::array::from_fn(|i| b.opt_nonnull(3 + i).map(Value::to_text));
        jfc_store::cron::Schedule::parse(fields.each_ref().map(|f| f.as_deref()))
            .map_err(|e| format!("add_schedule: {e}"))?;
        self.schedules.borrow_mut().push(ScheduleRecord {
            id: 0,
            name: b.opt_nonnull(1).map_or_else(|| job.clone(), Value::to_text),
            description: String::new(),
            user: self.inner.user_name(),
            job,
            parameters,
            fields,
            disabled: false,
            created: String::new(),
            missed: "skip".into(),
        });
        Ok(())
    }

    fn at(&self, since: Duration) -> DateTime<Utc> {
        self.clock.start_utc() + chrono::TimeDelta::from_std(since).unwrap_or_default()
    }
}
