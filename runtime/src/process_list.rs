//! `/process` (platform.md §1.3, §2.2): the process records of the store seen from flows
//! as virtual objects — the list `/process` and one record `/process/id_<pid>` each.
//!
//! They are not rows of the objects table. Their Object values carry ids of their own
//! kind, so they never equal a stored object: 0 for the list, `-pid` for a record.
//! Records are read-only here; `delete()` removes a finished one.

use std::rc::Rc;

use jfc_vm::value::{Args, BoundMethod, ObjectRef, Value};

use crate::{objects, user_list};
use jfc_store::processes::ProcessRecord;
use jfc_store::query::Query;
use jfc_store::Store;

/// The path of the list.
pub const LIST: &str = "/process";

/// Whether `obj` is `/process` or one of its records.
pub fn is_virtual(obj: &ObjectRef) -> bool {
    obj.id <= 0
}

fn list_ref() -> Value {
    Value::Object(ObjectRef {
        id: 0,
        path: Rc::from(LIST),
    })
}

pub fn record_ref(pid: i64) -> Value {
    Value::Object(ObjectRef {
        id: -pid,
        path: Rc::from(format!("{LIST}/id_{pid}")),
    })
}

/// The pid of a record; None for the list.
fn pid(obj: &ObjectRef) -> Option<i64> {
    (obj.id < 0).then_some(-obj.id)
}

/// `/process` and `/process/id_<pid>`; None for any other path.
pub fn resolve(store: &Store, path: &str) -> Option<Result<Value, String>> {
    if path == LIST {
        return Some(Ok(list_ref()));
    }
    let rest = path.strip_prefix("/process/")?;
    Some(
        match rest.strip_prefix("id_").and_then(|n| n.parse::<i64>().ok()) {
            Some(pid) => store
                .process(pid)
                .map(|_| record_ref(pid))
                .map_err(|e| format!("{path}: {e}")),
            None => Err(format!(
                "no object at {path}: a process is /process/id_<pid>"
            )),
        },
    )
}

fn method(obj: &ObjectRef, name: &str) -> Value {
    Value::Method(Rc::new(BoundMethod {
        receiver: Value::Object(obj.clone()),
        name: Rc::from(name),
    }))
}

/// `obj.name`.
pub fn attr(store: &Store, obj: &ObjectRef, name: &str) -> Result<Value, String> {
    let Some(pid) = pid(obj) else {
        return match name {
            "children" => Ok(objects::lazy_value(
                Query::processes(),
                format!("{LIST}.children"),
            )),
            "name" => Ok(Value::str("process")),
            "abspath" => Ok(Value::str(LIST)),
            "display_name" => Ok(Value::str("Processes")),
            "type_name" => Ok(Value::str("Virtual")),
            "find" => Ok(method(obj, name)),
            other => Err(format!("{LIST} has no attribute `{other}`")),
        };
    };
    if name == "delete" {
        return Ok(method(obj, name));
    }
    let rec = store
        .process(pid)
        .map_err(|e| format!("{}: {e}", obj.path))?;
    record_attr(store, &rec, name).ok_or_else(|| {
        format!(
            "{}: a process has no attribute `{name}` (it has: {})",
            obj.path,
            RECORD_ATTRS.join(", ")
        )
    })
}

const RECORD_ATTRS: &[&str] = &[
    "id",
    "pid",
    "abspath",
    "name",
    "user",
    "job",
    "current_job",
    "status",
    "started_time",
    "finished_time",
    "elapsed_time",
    "exit_status",
    "result",
    "error",
    "console",
    "lineno",
    "suspended",
    "parent",
    "children",
    "schedule",
    "invoker",
    "type_name",
];

fn record_attr(store: &Store, rec: &ProcessRecord, name: &str) -> Option<Value> {
    let datetime =
        |t: &str| chrono::DateTime::parse_from_rfc3339(t).map_or(Value::Null, Value::Datetime);
    Some(match name {
        "id" | "pid" => Value::Int(rec.pid),
        "abspath" => Value::str(&format!("{LIST}/id_{}", rec.pid)),
        "name" => Value::str(&format!("id_{}", rec.pid)),
        "type_name" => Value::str("Process"),
        // The User of /config/user; the bare name when the user is gone.
        "user" => user_list::resolve(store, &format!("/config/user/{}", rec.user))
            .and_then(Result::ok)
            .unwrap_or_else(|| Value::str(&rec.user)),
        // The flow as its object when it is one, else the file it was run from.
        "job" | "current_job" => match store.lookup(&rec.job) {
            Ok(Some(id)) => store.object_value(id).unwrap_or(Value::str(&rec.job)),
            _ => Value::str(&rec.job),
        },
        "status" => Value::str(&rec.status),
        "started_time" => datetime(&rec.started),
        "finished_time" => rec.finished.as_deref().map_or(Value::Null, datetime),
        "elapsed_time" => {
            let start = chrono::DateTime::parse_from_rfc3339(&rec.started).ok()?;
            let end = match rec.finished.as_deref() {
                Some(f) => chrono::DateTime::parse_from_rfc3339(f).ok()?,
                None => chrono::Utc::now().fixed_offset(),
            };
            Value::Timedelta(end - start)
        }
        "exit_status" => rec.exit_status.clone(),
        "result" => rec.result.clone(),
        "error" => rec.error.clone(),
        "console" => Value::str(&rec.console),
        "suspended" => Value::Bool(false),
        "parent" => rec.parent.map_or(Value::Null, record_ref),
        "children" => Value::array(
            store
                .process_children(rec.pid)
                .ok()?
                .into_iter()
                .map(record_ref)
                .collect(),
        ),
        "lineno" | "schedule" | "invoker" => Value::Null,
        _ => return None,
    })
}

/// `obj['name']`.
pub fn index(store: &Store, obj: &ObjectRef, key: &Value) -> Result<Value, String> {
    match key {
        Value::Str(name) if pid(obj).is_some() => attr(store, obj, name),
        _ => Err(format!(
            "{}: index a process by an attribute name",
            obj.path
        )),
    }
}

/// `[value >> obj.name]`.
pub fn set(obj: &ObjectRef, name: &str) -> Result<(), String> {
    Err(format!(
        "{}: `{name}` cannot be written: process records are kept by jfc",
        obj.path
    ))
}

/// `obj.method(args)`.
pub fn call(store: &mut Store, obj: &ObjectRef, method: &str, args: Args) -> Result<Value, String> {
    match (pid(obj), method) {
        (None, "find") => {
            let kw = objects::keywords(&args, "/process.find()")?;
            let q = Query::find_processes(&kw).map_err(|e| e.0)?;
            Ok(objects::lazy_value(
                q,
                objects::call_text(LIST, "find", &kw),
            ))
        }
        (Some(pid), "delete") => store
            .delete_process(pid)
            .map(|_| Value::Null)
            .map_err(|e| format!("{}: {e}", obj.path)),
        _ => Err(format!("{} has no method `{method}`", obj.path)),
    }
}

/// `for p in /process`: every record, oldest first.
pub fn children(store: &Store, obj: &ObjectRef) -> Result<Vec<Value>, String> {
    if pid(obj).is_some() {
        return Err(format!("{} is a process, not a list", obj.path));
    }
    let ids = store.query_ids(&Query::processes()).map_err(|e| e.0)?;
    Ok(ids.into_iter().map(record_ref).collect())
}
