//! The properties of a Process value (library.md §5.1): what the VM knows of a process
//! of this run. The same process read from the store (`/process/id_<pid>`) is a record
//! (runtime's process_list) with the same pid, path and properties.

use super::render::state_name;
use super::{ProcessInfo, Value};

/// Where a process is in the object tree; also how it prints (language.md §9).
pub fn abspath(pid: u64) -> String {
    format!("/process/id_{pid}")
}

/// The properties a Process value has, for messages (and `delete()`).
pub const PROPERTIES: &[&str] = &[
    "pid",
    "id",
    "abspath",
    "name",
    "status",
    "user",
    "job",
    "current_job",
    "parent",
    "children",
    "console",
    "started_time",
    "finished_time",
    "elapsed_time",
    "exit_status",
    "result",
    "error",
    "schedule",
    "invoker",
    "checkpoint_mode",
    "step_mode",
    "monitoring_mode",
    "suspended",
    "lineno",
];

/// `p.name`, or None when a process has no such property.
pub(crate) fn property(p: &ProcessInfo, name: &str) -> Option<Value> {
    Some(match name {
        "pid" | "id" => Value::Int(p.pid as i64),
        "abspath" => Value::str(&abspath(p.pid)),
        "name" => Value::str(&format!("id_{}", p.pid)),
        "status" => Value::str(state_name(p.state)),
        "user" => p.origin.user.clone(),
        "job" => p.origin.job.clone(),
        "parent" => p
            .parent_info
            .as_ref()
            .and_then(std::rc::Weak::upgrade)
            .map_or(Value::Null, Value::Process),
        "children" => Value::array(p.children.iter().cloned().map(Value::Process).collect()),
        "console" => Value::str(&p.console),
        "started_time" => local_time(p.started),
        "finished_time" => p.finished.map_or(Value::Null, local_time),
        // A running process's needs the time now: the VM reads it from the host
        // (interp::objects); here, without a clock (`str.format`), it is null.
        "elapsed_time" => p.finished.map_or(Value::Null, |end| elapsed_time(p, end)),
        "exit_status" => p.exit_status.clone(),
        "result" => p.result.clone(),
        "error" => p.error.clone(),
        "suspended" => Value::Bool(p.suspended),
        // No stepping or mail in jfc; the VM answers checkpoint_mode (interp::objects),
        // this is its answer where there is no VM (`str.format`).
        "checkpoint_mode" | "step_mode" => Value::Bool(false),
        "monitoring_mode" => Value::str("NOTHING"),
        // Started directly (not by a schedule or an invoker); the flow and line being
        // executed now are not tracked.
        "schedule" | "invoker" | "current_job" | "lineno" => Value::Null,
        _ => return None,
    })
}

/// `p.elapsed_time` when the time now is `clock`: to its end, or to `clock` while it runs.
pub(crate) fn elapsed_time(p: &ProcessInfo, clock: chrono::DateTime<chrono::Utc>) -> Value {
    Value::Timedelta(p.finished.unwrap_or(clock) - p.started)
}

/// A Datetime in local time, to the microsecond as `now()` gives it.
fn local_time(t: chrono::DateTime<chrono::Utc>) -> Value {
    use chrono::Timelike;
    let t = t.with_timezone(&chrono::Local).fixed_offset();
    Value::Datetime(t.with_nanosecond(t.nanosecond() / 1000 * 1000).unwrap_or(t))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::value::CONSOLE_LIMIT;
    use chrono::{DateTime, TimeDelta, Utc};

    const T0: DateTime<Utc> = DateTime::UNIX_EPOCH;

    #[test]
    fn every_listed_property_has_a_value() {
        let p = ProcessInfo::new(7, None, T0);
        for name in PROPERTIES {
            assert!(property(&p, name).is_some(), "{name}");
        }
        assert!(property(&p, "colour").is_none());
        assert_eq!(property(&p, "abspath").unwrap().to_text(), "/process/id_7");
    }

    #[test]
    fn the_elapsed_time_runs_to_the_clock_given_until_the_end() {
        let mut p = ProcessInfo::new(1, None, T0);
        let later = T0 + TimeDelta::seconds(5);
        assert_eq!(elapsed_time(&p, later).to_text(), "0:00:05");
        assert!(matches!(property(&p, "elapsed_time"), Some(Value::Null)));
        p.finished = Some(T0 + TimeDelta::seconds(2));
        assert_eq!(elapsed_time(&p, later).to_text(), "0:00:02");
        assert_eq!(property(&p, "elapsed_time").unwrap().to_text(), "0:00:02");
        let Some(Value::Datetime(started)) = property(&p, "started_time") else {
            panic!("started_time is a Datetime");
        };
        assert_eq!(started, T0);
    }

    #[test]
    fn the_console_keeps_the_first_64_kb() {
        let mut p = ProcessInfo::new(1, None, T0);
        p.keep_console("one");
        assert_eq!(p.console, "one\n");
        let long = "é".repeat(CONSOLE_LIMIT);
        p.keep_console(&long);
        p.keep_console("never kept");
        assert!(p.console.len() <= CONSOLE_LIMIT && p.console.len() > CONSOLE_LIMIT - 2);
        assert!(p.console.starts_with("one\né") && !p.console.contains("never"));
    }
}
