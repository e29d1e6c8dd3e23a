//! What objects of the store mean to a flow (library.md §3): properties, methods and
//! fields, read in that order for `obj.name` (§3.1), and the common methods.

use std::rc::Rc;

use jfc_vm::host::LazyOp;
use jfc_vm::value::{Args, BoundMethod, LazyArray, ObjectRef, Value};

use crate::process_list;
use crate::schedule_list;
use crate::task_list;
use crate::user_list;
use jfc_store::members;
use jfc_store::objects::ObjectId;
use jfc_store::query::{Query, Rows};
use jfc_store::{Store, StoreError};

fn err(e: StoreError) -> String {
    e.0
}

/// `obj.name`.
pub fn attr(store: &Store, obj: &ObjectRef, name: &str) -> Result<Value, String> {
    if schedule_list::is_schedule(obj) {
        return schedule_list::attr(store, obj, name);
    }
    if task_list::is_task(obj) {
        return task_list::attr(store, obj, name);
    }
    if user_list::is_user_or_group(obj) {
        return user_list::attr(store, obj, name);
    }
    if process_list::is_virtual(obj) {
        return process_list::attr(store, obj, name);
    }
    if members::PROPERTIES.contains(&name) {
        return property(store, obj.id, name).map_err(err);
    }
    let type_name = store.type_name(obj.id).map_err(err)?;
    if members::is_method(&type_name, name) {
        return Ok(Value::Method(Rc::new(BoundMethod {
            receiver: Value::Object(obj.clone()),
            name: Rc::from(name),
        })));
    }
    if members::is_channel(&type_name) && matches!(name, "message_count" | "event_count") {
        return jfc_store::channels::property(store, obj.id, name).map_err(err);
    }
    store.read_field(obj.id, name).map_err(err)
}

/// `obj['name']`: fields only.
pub fn index(store: &Store, obj: &ObjectRef, key: &Value) -> Result<Value, String> {
    if schedule_list::is_schedule(obj) {
        return schedule_list::index(store, obj, key);
    }
    if task_list::is_task(obj) {
        return task_list::index(store, obj, key);
    }
    if user_list::is_user_or_group(obj) {
        return user_list::index(store, obj, key);
    }
    if process_list::is_virtual(obj) {
        return process_list::index(store, obj, key);
    }
    match key {
        Value::Str(name) => store.read_field(obj.id, name).map_err(err),
        other => Err(format!(
            "{}: a field name is a String, not {}",
            obj.path,
            other.type_name()
        )),
    }
}

/// `[value >> obj.name]`: a writable property or a field.
pub fn set(store: &mut Store, obj: &ObjectRef, name: &str, value: Value) -> Result<(), String> {
    if schedule_list::is_schedule(obj) {
        return schedule_list::set(store, obj, name, &value);
    }
    if task_list::is_task(obj) {
        return task_list::set(obj, name);
    }
    if user_list::is_user_or_group(obj) {
        return user_list::set(store, obj, name, value);
    }
    if process_list::is_virtual(obj) {
        return process_list::set(obj, name);
    }
    match name {
        "display_name" | "description" | "owner" => store
            .set_property(obj.id, name, &value.to_text())
            .map_err(err),
        p if members::PROPERTIES.contains(&p) => {
            Err(format!("{}: the property `{p}` is read-only", obj.path))
        }
        _ => store
            .atomically(|s| write_field(s, obj.id, name, value))
            .map_err(err),
    }
}

/// Write a field from a flow; a Jobflow's new `source` is compiled at once (§3.10).
fn write_field(
    store: &mut Store,
    id: ObjectId,
    name: &str,
    value: Value,
) -> Result<(), StoreError> {
    store.write_field(id, name, value)?;
    if name == "source" && store.type_name(id)? == "Jobflow" {
        store.recompile_jobflow(id)?;
    }
    Ok(())
}

fn property(store: &Store, id: ObjectId, name: &str) -> Result<Value, StoreError> {
    let o = store.get(id)?;
    Ok(match name {
        "id" => Value::Int(id),
        "abspath" => Value::str(&store.abspath(id)?),
        "name" => Value::str(&o.name),
        "display_name" => Value::str(&o.display_name),
        "description" => Value::str(&o.description),
        "owner" => Value::str(&o.owner),
        "created" => timestamp(&o.created),
        "updated" => timestamp(&o.updated),
        "parent_object" => match o.parent {
            Some(p) => store.object_value(p)?,
            None => Value::Null,
        },
        "children" => {
            let type_name = store.get(o.type_id)?.name;
            if members::is_container(&type_name) {
                lazy_value(
                    Query::children(store, id)?,
                    format!("{}.children", store.abspath(id)?),
                )
            } else {
                Value::array(Vec::new())
            }
        }
        "type_object" => store.object_value(o.type_id)?,
        "type_name" => Value::str(&store.get(o.type_id)?.name),
        "field_names" => Value::array(
            store
                .type_fields(o.type_id)?
                .into_iter()
                .map(|f| Value::str(&f.name))
                .collect(),
        ),
        other => return Err(StoreError(format!("no property `{other}`"))),
    })
}

/// A stored timestamp as a Datetime (UTC).
fn timestamp(text: &str) -> Value {
    match chrono::DateTime::parse_from_rfc3339(text) {
        Ok(dt) => Value::Datetime(dt),
        Err(_) => Value::str(text),
    }
}

/// `obj.method(args)`; `process`: the record of the run that calls it.
pub fn call(
    store: &mut Store,
    obj: &ObjectRef,
    method: &str,
    args: Args,
    process: Option<i64>,
) -> Result<Value, String> {
    if schedule_list::is_schedule(obj) {
        return schedule_list::call(store, obj, method, args);
    }
    if task_list::is_task(obj) {
        return task_list::call(store, obj, method, args, process);
    }
    if user_list::is_user_or_group(obj) {
        return Err(format!("{} has no method `{method}`", obj.path));
    }
    if process_list::is_virtual(obj) {
        return process_list::call(store, obj, method, args);
    }
    let type_name = store.type_name(obj.id).map_err(err)?;
    if !members::is_method(&type_name, method) {
        return Err(format!(
            "{} ({type_name}) has no method `{method}`",
            obj.path
        ));
    }
    let arg = |i: usize, name: &str| arg(&args, i, name);
    match method {
        "delete" => store.delete(obj.id).map(|_| Value::Null).map_err(err),
        "rename" => {
            let name = arg(0, "name").ok_or_else(|| "rename() needs the new name".to_string())?;
            store
                .rename(obj.id, &name.to_text())
                .map(|_| Value::Null)
                .map_err(err)
        }
        "update" => {
            let fields = keywords(&args, "update()")?;
            store
                .transaction(|s| {
                    for (k, v) in fields {
                        write_field(s, obj.id, &k, v)?;
                    }
                    Ok(())
                })
                .map(|_| Value::Null)
                .map_err(err)
        }
        "has_child" => {
            let name = arg(0, "name").ok_or_else(|| "has_child() needs a name".to_string())?;
            Ok(Value::Bool(
                store.child(obj.id, &name.to_text()).map_err(err)?.is_some(),
            ))
        }
        "add" => add(store, obj, &args),
        "move" | "copy" => move_or_copy(store, obj, method, &args),
        "find" => find(store, obj, &args),
        "glob" => {
            let pattern = arg(0, "pattern").ok_or_else(|| "glob() needs a pattern".to_string())?;
            let Value::Str(ref pattern) = pattern else {
                return Err(format!(
                    "glob(): the pattern is a String, not {}",
                    pattern.type_name()
                ));
            };
            let q = Query::glob(store, obj.id, pattern).map_err(err)?;
            Ok(lazy_value(
                q,
                format!(
                    "{}.glob({})",
                    obj.path,
                    Value::Str(pattern.clone()).to_nested_text()
                ),
            ))
        }
        _ => jfc_store::channels::method(store, obj.id, method, args).map_err(err),
    }
}

/// Argument `i`, or the keyword argument `name`.
fn arg(args: &Args, i: usize, name: &str) -> Option<Value> {
    args.pos.get(i).cloned().or_else(|| {
        args.kw
            .iter()
            .find(|(k, _)| &**k == name)
            .map(|(_, v)| v.clone())
    })
}

/// The type a Table holds (its `typeObject` field); None for a Directory.
fn table_type(store: &Store, dir: ObjectId) -> Result<Option<ObjectId>, String> {
    match store.table_type(dir).map_err(err)? {
        None if store.type_name(dir).map_err(err)? == "Table" => Err(format!(
            "{}: this Table has no typeObject set",
            store.abspath(dir).map_err(err)?
        )),
        t => Ok(t),
    }
}

/// A type argument: a TypeObject, or its name or path.
fn type_arg(store: &Store, v: Value) -> Result<ObjectId, String> {
    match v {
        Value::Object(ref t) => Ok(t.id),
        Value::Str(ref p) => store.type_id(p).map_err(err),
        other => Err(format!(
            "add(): the type is a TypeObject, not {}",
            other.type_name()
        )),
    }
}

/// `dir.add(name, type_obj, [data, overwrite])` (§3.6.1); in a Table the type may be left
/// out and must be the Table's (§3.7).
fn add(store: &mut Store, obj: &ObjectRef, args: &Args) -> Result<Value, String> {
    let name = arg(args, 0, "name")
        .ok_or_else(|| "add() needs a name".to_string())?
        .to_text();
    let given = arg(args, 1, "type_obj")
        .filter(|v| !matches!(v, Value::Null))
        .map(|v| type_arg(store, v))
        .transpose()?;
    let type_id = match (table_type(store, obj.id)?, given) {
        (Some(t), Some(g)) if t != g => {
            return Err(format!(
                "add(): {} holds objects of type {} only",
                obj.path,
                store.abspath(t).map_err(err)?
            ))
        }
        (Some(t), _) => t,
        (None, Some(g)) => g,
        (None, None) => return Err("add() needs a type object".into()),
    };
    let overwrite = arg(args, 3, "overwrite").is_some_and(|v| v.truthy());
    let data = arg(args, 2, "data");
    store
        .transaction(|s| {
            let id = match s.child(obj.id, &name)? {
                Some(existing) if overwrite => existing,
                Some(_) => {
                    return Err(StoreError(format!(
                        "{} already has an object called `{name}` (add it with overwrite=true to update it)",
                        obj.path
                    )))
                }
                None => s.create(obj.id, &name, type_id, "root")?,
            };
            if let Some(Value::Dict(d)) = &data {
                for (k, v) in d.borrow().iter() {
                    write_field(s, id, &k.value().to_text(), v.clone())?;
                }
            }
            s.object_value(id)
        })
        .map_err(err)
}

/// `dir.move(obj, [name])` and `dir.copy(obj, [name])` (§3.6.2).
fn move_or_copy(
    store: &mut Store,
    dir: &ObjectRef,
    method: &str,
    args: &Args,
) -> Result<Value, String> {
    let Some(Value::Object(ref o)) = arg(args, 0, "obj") else {
        return Err(format!("{method}() needs the object to {method}"));
    };
    let name = arg(args, 1, "name").map(|v| v.to_text());
    if let Some(t) = table_type(store, dir.id)? {
        if store.get(o.id).map_err(err)?.type_id != t {
            return Err(format!(
                "{method}(): {} holds objects of type {} only, and {} is a {}",
                dir.path,
                store.abspath(t).map_err(err)?,
                o.path,
                store.type_name(o.id).map_err(err)?
            ));
        }
    }
    store
        .transaction(|s| {
            if method == "move" {
                s.move_to(o.id, dir.id, name.as_deref())?;
                Ok(Value::Null)
            } else {
                let copy = s.copy_to(o.id, dir.id, name.as_deref())?;
                s.object_value(copy)
            }
        })
        .map_err(err)
}

/// `dir.find(**params)` (§3.6.3); keyword arguments only.
fn find(store: &Store, dir: &ObjectRef, args: &Args) -> Result<Value, String> {
    let kw = keywords(args, "find()")?;
    let q = Query::find(store, dir.id, &kw).map_err(err)?;
    Ok(lazy_value(q, call_text(&dir.path, "find", &kw)))
}

/// The keyword arguments of a method that takes no others.
pub fn keywords(args: &Args, method: &str) -> Result<Vec<(String, Value)>, String> {
    if !args.pos.is_empty() {
        return Err(format!(
            "{method} takes keyword arguments only (name=value)"
        ));
    }
    Ok(args
        .kw
        .iter()
        .map(|(k, v)| (k.to_string(), v.clone()))
        .collect())
}

/// `receiver.method(k=v, ...)` as written, the label of a LazyArray.
pub fn call_text(receiver: &str, method: &str, kw: &[(String, Value)]) -> String {
    let shown: Vec<String> = kw
        .iter()
        .map(|(k, v)| format!("{k}={}", v.to_nested_text()))
        .collect();
    format!("{receiver}.{method}({})", shown.join(", "))
}

pub fn lazy_value(q: Query, label: String) -> Value {
    Value::Lazy(Rc::new(LazyArray {
        query: Rc::new(q),
        label: Rc::from(label),
    }))
}

/// What a LazyArray of this store gives now (library.md §2.8).
pub fn lazy(store: &mut Store, la: &LazyArray, op: LazyOp) -> Result<Value, String> {
    let q = la
        .query
        .downcast_ref::<Query>()
        .ok_or_else(|| format!("{} is not a query of this store", la.label))?;
    let value = |store: &Store, id: ObjectId| match q.rows() {
        Rows::Objects => store.object_value(id).map_err(err),
        Rows::Processes => Ok(process_list::record_ref(id)),
    };
    match op {
        LazyOp::Count => store.query_count(q).map(Value::Int).map_err(err),
        LazyOp::Get(i) => match store.query_nth(q, i).map_err(err)? {
            Some(id) => value(store, id),
            None => Ok(Value::Null),
        },
        LazyOp::Items => {
            let ids = store.query_ids(q).map_err(err)?;
            let objs = ids
                .into_iter()
                .map(|id| value(store, id))
                .collect::<Result<_, _>>()?;
            Ok(Value::array(objs))
        }
        LazyOp::Delete if q.rows() == Rows::Processes => {
            let pids = store.query_ids(q).map_err(err)?;
            store
                .transaction(|s| s.delete_finished_processes(&pids))
                .map(Value::Int)
                .map_err(err)
        }
        LazyOp::Delete => store
            .transaction(|s| {
                let ids = s.query_ids(q)?;
                let mut n = 0;
                for id in ids {
                    // A match below another deleted match is already gone.
                    if s.exists(id)? {
                        s.delete(id)?;
                        n += 1;
                    }
                }
                Ok(Value::Int(n))
            })
            .map_err(err),
    }
}

/// The children of a container in its display order, as Object values.
pub fn children(store: &Store, obj: &ObjectRef) -> Result<Vec<Value>, String> {
    if schedule_list::is_schedule(obj) {
        return schedule_list::children(store, obj);
    }
    if task_list::is_task(obj) {
        return task_list::children(store, obj);
    }
    if user_list::is_user_or_group(obj) {
        return user_list::children(store, obj);
    }
    if process_list::is_virtual(obj) {
        return process_list::children(store, obj);
    }
    let type_name = store.type_name(obj.id).map_err(err)?;
    if !members::is_container(&type_name) {
        return Err(format!(
            "{} is a {type_name}, not a Directory or Table: it has no children to go through",
            obj.path
        ));
    }
    let q = Query::children(store, obj.id).map_err(err)?;
    store
        .query_ids(&q)
        .map_err(err)?
        .into_iter()
        .map(|c| store.object_value(c).map_err(err))
        .collect()
}

/// The object at `path` written in a flow whose directory is `dir` (language.md §1.6).
pub fn resolve(store: &Store, dir: &str, path: &str) -> Result<Value, String> {
    let joined = if path.starts_with('/') {
        path.to_string()
    } else {
        format!("{}/{path}", dir.trim_end_matches('/'))
    };
    let normal = normalize(&joined);
    if let Some(v) = process_list::resolve(store, &normal) {
        return v;
    }
    if let Some(v) = task_list::resolve(store, &normal) {
        return v;
    }
    if let Some(v) = schedule_list::resolve(store, &normal) {
        return v;
    }
    if let Some(v) = user_list::resolve(store, &normal) {
        return v;
    }
    match store.lookup(&normal).map_err(err)? {
        Some(id) => store.object_value(id).map_err(err),
        None => Err(format!("no object at {normal} (written `{path}` in {dir})")),
    }
}

/// Collapse `.`, `..` and repeated `/` in an absolute object path.
pub fn normalize(path: &str) -> String {
    let mut parts: Vec<&str> = Vec::new();
    for p in path.split('/') {
        match p {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            name => parts.push(name),
        }
    }
    format!("/{}", parts.join("/"))
}

#[cfg(test)]
mod tests {
    #[test]
    fn normalize_like_normpath() {
        assert_eq!(super::normalize("/a/./b/../c"), "/a/c");
        assert_eq!(super::normalize("/a/.."), "/");
        assert_eq!(super::normalize("/../x"), "/x");
        assert_eq!(super::normalize("/flows/./"), "/flows");
    }
}
