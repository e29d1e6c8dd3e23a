//! `/scheduler` (platform.md §4.1, library.md SchedulerRoot): the schedules of the store
//! seen from flows as virtual objects — the list `/scheduler` and one schedule
//! `/scheduler/id_<id>` each. `/scheduler.add(name, job[, parameters, datetime])` records
//! one (with `datetime`, a run at that minute only); `jfc serve` fires them.
//!
//! Like `/process` (process_list.rs) they are not rows of the objects table; their
//! Object values carry ids of their own range, below the tasks'.

use std::rc::Rc;

use chrono::{Datelike, Local, Timelike};
use jfc_store::schedules::{ScheduleRecord, TIME_FIELDS};
use jfc_store::Store;
use jfc_vm::builtins::args::bind;
use jfc_vm::value::{Args, BoundMethod, ObjectRef, Value};

/// Schedule `s` has id `SCHEDULES - s`; the list has `SCHEDULES`.
pub(crate) const SCHEDULES: i64 = -(1 << 43);
pub const LIST: &str = "/scheduler";

/// Whether `obj` is `/scheduler` or one of its schedules.
pub fn is_schedule(obj: &ObjectRef) -> bool {
    obj.id <= SCHEDULES
}

fn schedule_id(obj: &ObjectRef) -> Option<i64> {
    let n = SCHEDULES - obj.id;
    (n > 0).then_some(n)
}

fn list_ref() -> Value {
    Value::Object(ObjectRef {
        id: SCHEDULES,
        path: Rc::from(LIST),
    })
}

pub fn schedule_ref(id: i64) -> Value {
    Value::Object(ObjectRef {
        id: SCHEDULES - id,
        path: Rc::from(format!("{LIST}/id_{id}")),
    })
}

/// `/scheduler` and `/scheduler/id_<id>`; None for any other path.
pub fn resolve(store: &Store, path: &str) -> Option<Result<Value, String>> {
    if path == LIST {
        return Some(Ok(list_ref()));
    }
    let rest = path.strip_prefix("/scheduler/")?;
    if rest
        .strip_prefix("id_")
        .and_then(|n| n.parse::<i64>().ok())
        .is_none()
    {
        return Some(Err(format!(
            "no object at {path}: a schedule is /scheduler/id_<id>"
        )));
    }
    Some(
        store
            .find_schedule(path)
            .map(|s| schedule_ref(s.id))
            .map_err(|e| format!("no object at {path}: {e}")),
    )
}

fn method(obj: &ObjectRef, name: &str) -> Value {
    Value::Method(Rc::new(BoundMethod {
        receiver: Value::Object(obj.clone()),
        name: Rc::from(name),
    }))
}

fn read(store: &Store, obj: &ObjectRef) -> Result<ScheduleRecord, String> {
    store
        .find_schedule(&obj.path)
        .map_err(|e| format!("{}: {e}", obj.path))
}

/// `obj.name`.
pub fn attr(store: &Store, obj: &ObjectRef, name: &str) -> Result<Value, String> {
    if schedule_id(obj).is_none() {
        return match name {
            "children" => children(store, obj).map(Value::array),
            "name" => Ok(Value::str("scheduler")),
            "abspath" => Ok(Value::str(LIST)),
            "display_name" => Ok(Value::str("Scheduler")),
            "type_name" => Ok(Value::str("SchedulerRoot")),
            "add" => Ok(method(obj, name)),
            other => Err(format!("{LIST} has no attribute `{other}`")),
        };
    }
    if name == "delete" {
        return Ok(method(obj, name));
    }
    let s = read(store, obj)?;
    schedule_attr(&s, name).ok_or_else(|| {
        format!(
            "{}: a schedule has no attribute `{name}` (it has: id, abspath, name, description, user, job, parameters, {}, disabled, next_run_time)",
            obj.path,
            TIME_FIELDS.join(", ")
        )
    })
}

fn schedule_attr(s: &ScheduleRecord, name: &str) -> Option<Value> {
    if let Some(i) = TIME_FIELDS.iter().position(|f| *f == name) {
        return Some(s.fields[i].as_deref().map_or(Value::Null, Value::str));
    }
    Some(match name {
        "id" => Value::Int(s.id),
        "abspath" => Value::str(&s.abspath()),
        "name" => Value::str(&s.name),
        "description" => Value::str(&s.description),
        "user" => Value::str(&s.user),
        "job" => Value::str(&s.job),
        "parameters" => Value::array(s.parameters.iter().map(|p| Value::str(p)).collect()),
        "disabled" => Value::Bool(s.disabled),
        "next_run_time" => next_run_time(s),
        "type_name" => Value::str("Schedule"),
        _ => return None,
    })
}

/// When `s` fires next, in the local zone; null when disabled or never.
fn next_run_time(s: &ScheduleRecord) -> Value {
    s.next_after(&Local::now())
        .map_or(Value::Null, |t| Value::Datetime(t.fixed_offset()))
}

/// `obj['name']`.
pub fn index(store: &Store, obj: &ObjectRef, key: &Value) -> Result<Value, String> {
    match key {
        Value::Str(name) if schedule_id(obj).is_some() => attr(store, obj, name),
        _ => Err(format!(
            "{}: index a schedule by an attribute name",
            obj.path
        )),
    }
}

/// `[value >> obj.name]`: only `disabled`.
pub fn set(store: &mut Store, obj: &ObjectRef, name: &str, value: &Value) -> Result<(), String> {
    match (schedule_id(obj), name) {
        (Some(id), "disabled") => store
            .set_schedule_disabled(id, value.truthy())
            .map_err(|e| format!("{}: {e}", obj.path)),
        _ => Err(format!(
            "{}: `{name}` cannot be written from a flow (only a schedule's `disabled`)",
            obj.path
        )),
    }
}

/// `/scheduler.add(...)`, `s.delete()`.
pub fn call(store: &mut Store, obj: &ObjectRef, name: &str, args: Args) -> Result<Value, String> {
    match (schedule_id(obj), name) {
        (None, "add") => add(store, args),
        (Some(id), "delete") => {
            bind("delete", args, &[], 0).map_err(|e| e.message)?;
            store
                .remove_schedule(id)
                .map(|_| Value::Null)
                .map_err(|e| format!("{}: {e}", obj.path))
        }
        _ => Err(format!("{} has no method `{name}`", obj.path)),
    }
}

/// `/scheduler.add(name, job, parameters=[], datetime=null)`: a new schedule of `job`
/// (a Jobflow or ScriptJob, or its path); with `datetime`, one that fires at that
/// minute only (its year, month, day, hour and minute in the local zone).
fn add(store: &mut Store, args: Args) -> Result<Value, String> {
    const PARAMS: &[&str] = &["name", "job", "parameters", "datetime"];
    let a = bind("/scheduler.add", args, PARAMS, 2).map_err(|e| e.message)?;
    let job = match a.req(1) {
        Value::Object(o) => o.path.to_string(),
        other => other.to_text(),
    };
    let parameters = match a.opt_nonnull(2) {
        None => Vec::new(),
        Some(Value::Array(items)) => items.borrow().iter().map(Value::to_text).collect(),
        Some(other) => {
            return Err(format!(
                "/scheduler.add: parameters is an Array of expressions, not a {}",
                other.type_name()
            ))
        }
    };
    let fields = match a.opt_nonnull(3) {
        None => Default::default(),
        Some(Value::Datetime(at)) => at_minute(&at.with_timezone(&Local)),
        Some(other) => {
            return Err(format!(
                "/scheduler.add: datetime is a Datetime, not a {}",
                other.type_name()
            ))
        }
    };
    let record = ScheduleRecord {
        id: 0,
        name: a.req(0).to_text(),
        description: String::new(),
        user: "root".into(),
        job,
        parameters,
        fields,
        disabled: false,
        created: String::new(),
        missed: "skip".into(),
    };
    let id = store
        .add_schedule(&record)
        .map_err(|e| format!("/scheduler.add: {e}"))?;
    Ok(schedule_ref(id))
}

/// The time fields of a schedule that fires at `at`'s minute only.
fn at_minute(at: &chrono::DateTime<Local>) -> [Option<String>; 7] {
    let n = |v: u32| Some(v.to_string());
    [
        Some(at.year().to_string()),
        n(at.month()),
        n(at.day()),
        None,
        None,
        n(at.hour()),
        n(at.minute()),
    ]
}

/// `for s in /scheduler`: every schedule, by id.
pub fn children(store: &Store, obj: &ObjectRef) -> Result<Vec<Value>, String> {
    if schedule_id(obj).is_some() {
        return Err(format!("{} is a schedule, not a list", obj.path));
    }
    let all = store.schedules().map_err(|e| e.0)?;
    Ok(all.iter().map(|s| schedule_ref(s.id)).collect())
}
