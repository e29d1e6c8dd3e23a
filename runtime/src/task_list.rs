//! `/task` (platform.md §5.1): the tasks of the store seen from flows as virtual
//! objects — the list `/task` and one task `/task/id_<id>` each. A flow makes one with
//! `/task.add(title, message, ...)` and waits for its answer with an event job
//! (`<t>`): the submitted text, or a failure (`$STATUS` 1) when it is canceled.
//!
//! Like `/process` (process_list.rs) they are not rows of the objects table; their
//! Object values carry ids of their own range, below the users' and groups' and above
//! the schedules'.

use std::rc::Rc;

use jfc_store::tasks::{NewTask, TaskError, TaskRecord};
use jfc_store::Store;
use jfc_vm::builtins::args::bind;
use jfc_vm::value::{Args, BoundMethod, ObjectRef, Value};

/// Task `t` has id `TASKS - t`; the list has `TASKS`.
const TASKS: i64 = -(1 << 42);
pub const LIST: &str = "/task";

/// Why a flow waiting on a canceled task fails (platform.md §5.1, Q18).
pub const CANCELED: &str = "task canceled";

/// Whether `obj` is `/task` or one of its tasks.
pub fn is_task(obj: &ObjectRef) -> bool {
    (crate::schedule_list::SCHEDULES + 1..=TASKS).contains(&obj.id)
}

/// The id of a task; None for the list.
fn task_id(obj: &ObjectRef) -> Option<i64> {
    let n = TASKS - obj.id;
    (n > 0).then_some(n)
}

fn list_ref() -> Value {
    Value::Object(ObjectRef {
        id: TASKS,
        path: Rc::from(LIST),
    })
}

pub fn task_ref(id: i64) -> Value {
    Value::Object(ObjectRef {
        id: TASKS - id,
        path: Rc::from(format!("{LIST}/id_{id}")),
    })
}

/// `/task` and `/task/id_<id>`; None for any other path.
pub fn resolve(store: &Store, path: &str) -> Option<Result<Value, String>> {
    if path == LIST {
        return Some(Ok(list_ref()));
    }
    let rest = path.strip_prefix("/task/")?;
    let Some(id) = rest.strip_prefix("id_").and_then(|n| n.parse::<i64>().ok()) else {
        return Some(Err(format!("no object at {path}: a task is /task/id_<id>")));
    };
    Some(match store.task(id) {
        Ok(Some(_)) => Ok(task_ref(id)),
        Ok(None) => Err(format!("no object at {path}: there is no task {id}")),
        Err(e) => Err(format!("{path}: {e}")),
    })
}

fn method(obj: &ObjectRef, name: &str) -> Value {
    Value::Method(Rc::new(BoundMethod {
        receiver: Value::Object(obj.clone()),
        name: Rc::from(name),
    }))
}

fn read(store: &Store, obj: &ObjectRef, id: i64) -> Result<TaskRecord, String> {
    store
        .task(id)
        .map_err(|e| format!("{}: {e}", obj.path))?
        .ok_or_else(|| format!("{}: the task no longer exists", obj.path))
}

/// `obj.name`.
pub fn attr(store: &Store, obj: &ObjectRef, name: &str) -> Result<Value, String> {
    let Some(id) = task_id(obj) else {
        return match name {
            "children" => children(store, obj).map(Value::array),
            "name" => Ok(Value::str("task")),
            "abspath" => Ok(Value::str(LIST)),
            "display_name" => Ok(Value::str("Tasks")),
            "type_name" => Ok(Value::str("Virtual")),
            "add" => Ok(method(obj, name)),
            other => Err(format!("{LIST} has no attribute `{other}`")),
        };
    };
    if matches!(name, "submit" | "cancel") {
        return Ok(method(obj, name));
    }
    let t = read(store, obj, id)?;
    task_attr(&t, name).ok_or_else(|| {
        format!(
            "{}: a task has no attribute `{name}` (it has: {})",
            obj.path,
            TASK_ATTRS.join(", ")
        )
    })
}

const TASK_ATTRS: &[&str] = &[
    "id",
    "abspath",
    "name",
    "title",
    "message",
    "action_text",
    "result",
    "status",
    "owner",
    "assigned_users",
    "assigned_groups",
    "created_date",
    "closed_date",
    "type_name",
];

fn task_attr(t: &TaskRecord, name: &str) -> Option<Value> {
    let datetime =
        |s: &str| chrono::DateTime::parse_from_rfc3339(s).map_or(Value::Null, Value::Datetime);
    let strings = |v: &[String]| Value::array(v.iter().map(|s| Value::str(s)).collect());
    Some(match name {
        "id" => Value::Int(t.id),
        "abspath" => Value::str(&t.abspath()),
        "name" => Value::str(&t.name),
        "title" => Value::str(&t.title),
        "message" => Value::str(&t.message),
        "action_text" => Value::str(&t.action_text),
        "result" => t.result.as_deref().map_or(Value::Null, Value::str),
        "status" => Value::str(&t.status),
        "owner" => Value::str(&t.owner),
        "assigned_users" => strings(&t.assigned_users),
        "assigned_groups" => strings(&t.assigned_groups),
        "created_date" => datetime(&t.created),
        "closed_date" => t.closed.as_deref().map_or(Value::Null, datetime),
        "type_name" => Value::str("Task"),
        _ => return None,
    })
}

/// `obj['name']`.
pub fn index(store: &Store, obj: &ObjectRef, key: &Value) -> Result<Value, String> {
    match key {
        Value::Str(name) if task_id(obj).is_some() => attr(store, obj, name),
        _ => Err(format!("{}: index a task by an attribute name", obj.path)),
    }
}

/// `[value >> obj.name]`.
pub fn set(obj: &ObjectRef, name: &str) -> Result<(), String> {
    Err(format!(
        "{}: `{name}` cannot be written: a task changes by submit() or cancel()",
        obj.path
    ))
}

/// `obj.method(args)`: `/task.add(...)`, `t.submit([result])`, `t.cancel()`.
pub fn call(
    store: &mut Store,
    obj: &ObjectRef,
    name: &str,
    args: Args,
    process: Option<i64>,
) -> Result<Value, String> {
    let closed = |e: TaskError| format!("{}: {e}", obj.path);
    match (task_id(obj), name) {
        (None, "add") => add(store, args, process),
        (Some(id), "submit") => {
            let a = bind("submit", args, &["result"], 0).map_err(|e| e.message)?;
            let result = a.opt_nonnull(0).map_or("OK".into(), Value::to_text);
            store.submit_task(id, &result).map_err(closed)?;
            Ok(Value::Null)
        }
        (Some(id), "cancel") => {
            bind("cancel", args, &[], 0).map_err(|e| e.message)?;
            store.cancel_task(id).map_err(closed)?;
            Ok(Value::Null)
        }
        _ => Err(format!("{} has no method `{name}`", obj.path)),
    }
}

/// `/task.add(title, message='', name='', action_text='', assigned_users=[],
/// assigned_groups=[])`: a new WAITING task.
fn add(store: &mut Store, args: Args, process: Option<i64>) -> Result<Value, String> {
    const PARAMS: &[&str] = &[
        "title",
        "message",
        "name",
        "action_text",
        "assigned_users",
        "assigned_groups",
    ];
    let a = bind("/task.add", args, PARAMS, 1).map_err(|e| e.message)?;
    let text = |i: usize| a.opt_nonnull(i).map_or_else(String::new, Value::to_text);
    let names = |i: usize| -> Result<Vec<String>, String> {
        match a.opt_nonnull(i) {
            None => Ok(Vec::new()),
            Some(Value::Array(items)) => Ok(items.borrow().iter().map(Value::to_text).collect()),
            Some(Value::Str(s)) => Ok(vec![s.to_string()]),
            Some(other) => Err(format!(
                "/task.add: {} is an Array of names, not a {}",
                PARAMS[i],
                other.type_name()
            )),
        }
    };
    let task = NewTask {
        title: text(0),
        message: text(1),
        name: text(2),
        action_text: text(3),
        assigned_users: names(4)?,
        assigned_groups: names(5)?,
        owner: "root".into(),
        process,
    };
    let id = store
        .create_task(&task)
        .map_err(|e| format!("/task.add: {e}"))?;
    Ok(task_ref(id))
}

/// `for t in /task`: every task, oldest first.
pub fn children(store: &Store, obj: &ObjectRef) -> Result<Vec<Value>, String> {
    if task_id(obj).is_some() {
        return Err(format!("{} is a task, not a list", obj.path));
    }
    let tasks = store.tasks().map_err(|e| e.0)?;
    Ok(tasks.iter().map(|t| task_ref(t.id)).collect())
}

/// What an event job waiting on task `obj` gets now: its result once DONE (`[id,
/// result]` with `peek`), that it was canceled, or nothing yet.
pub enum Answer {
    Got(Value),
    Canceled,
    Nothing,
}

pub fn receive(store: &Store, obj: &ObjectRef, peek: bool) -> Result<Answer, String> {
    let Some(id) = task_id(obj) else {
        return Err(format!(
            "{LIST}: an event job waits on one task (/task/id_<id>), not on the list"
        ));
    };
    let t = read(store, obj, id)?;
    Ok(match t.status.as_str() {
        "DONE" => {
            let result = Value::str(t.result.as_deref().unwrap_or("OK"));
            Answer::Got(if peek {
                Value::array(vec![Value::Int(id), result])
            } else {
                result
            })
        }
        "CANCELED" => Answer::Canceled,
        _ => Answer::Nothing,
    })
}
