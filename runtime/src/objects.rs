//! What objects of the store mean to a flow (library.md §3): properties, methods and
//! fields, read in that order for `obj.name` (§3.1), and the common methods.

use std::rc::Rc;

use jfc_vm::value::{Args, BoundMethod, ObjectRef, Value};

use crate::store::objects::ObjectId;
use crate::store::{Store, StoreError};

/// Properties every object has (§3.2).
const PROPERTIES: &[&str] = &[
    "id",
    "abspath",
    "name",
    "display_name",
    "description",
    "field_names",
    "owner",
    "created",
    "updated",
    "parent_object",
    "children",
    "type_object",
    "type_name",
];

/// Methods every object has (§3.3), and those of containers (§3.6, §3.7).
const COMMON_METHODS: &[&str] = &["delete", "update", "rename"];
const CONTAINER_METHODS: &[&str] = &["add", "has_child"];
const CHANNEL_METHODS: &[&str] = &[
    "send",
    "pop_message",
    "peek_message",
    "delete_message",
    "clear_messages",
];

fn err(e: StoreError) -> String {
    e.0
}

/// `obj.name`.
pub fn attr(store: &Store, obj: &ObjectRef, name: &str) -> Result<Value, String> {
    if PROPERTIES.contains(&name) {
        return property(store, obj.id, name).map_err(err);
    }
    let type_name = store.type_name(obj.id).map_err(err)?;
    if is_method(&type_name, name) {
        return Ok(Value::Method(Rc::new(BoundMethod {
            receiver: Value::Object(obj.clone()),
            name: Rc::from(name),
        })));
    }
    if is_channel(&type_name) && matches!(name, "message_count" | "event_count") {
        return crate::store::channels::property(store, obj.id, name).map_err(err);
    }
    store.read_field(obj.id, name).map_err(err)
}

/// `obj['name']`: fields only.
pub fn index(store: &Store, obj: &ObjectRef, key: &Value) -> Result<Value, String> {
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
    match name {
        "display_name" | "description" | "owner" => store
            .set_property(obj.id, name, &value.to_text())
            .map_err(err),
        p if PROPERTIES.contains(&p) => {
            Err(format!("{}: the property `{p}` is read-only", obj.path))
        }
        _ => store.write_field(obj.id, name, value).map_err(err),
    }
}

fn is_channel(type_name: &str) -> bool {
    matches!(type_name, "Channel" | "MailChannel")
}

fn is_container(type_name: &str) -> bool {
    matches!(type_name, "Directory" | "Table")
}

fn is_method(type_name: &str, name: &str) -> bool {
    COMMON_METHODS.contains(&name)
        || (is_container(type_name) && CONTAINER_METHODS.contains(&name))
        || (is_channel(type_name) && CHANNEL_METHODS.contains(&name))
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
        "children" => Value::array(
            store
                .children(id)?
                .into_iter()
                .map(|c| store.object_value(c))
                .collect::<Result<_, _>>()?,
        ),
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

/// `obj.method(args)`.
pub fn call(store: &mut Store, obj: &ObjectRef, method: &str, args: Args) -> Result<Value, String> {
    let type_name = store.type_name(obj.id).map_err(err)?;
    if !is_method(&type_name, method) {
        return Err(format!(
            "{} ({type_name}) has no method `{method}`",
            obj.path
        ));
    }
    let arg = |i: usize, name: &str| -> Option<Value> {
        args.pos.get(i).cloned().or_else(|| {
            args.kw
                .iter()
                .find(|(k, _)| &**k == name)
                .map(|(_, v)| v.clone())
        })
    };
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
            if !args.pos.is_empty() {
                return Err("update() takes field=value arguments only".into());
            }
            let fields: Vec<(String, Value)> = args
                .kw
                .iter()
                .map(|(k, v)| (k.to_string(), v.clone()))
                .collect();
            store
                .transaction(|s| {
                    for (k, v) in fields {
                        s.write_field(obj.id, &k, v)?;
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
        _ => crate::store::channels::method(store, obj.id, method, args).map_err(err),
    }
}

/// `dir.add(name, type_obj, [data, overwrite])` (§3.6.1).
fn add(store: &mut Store, obj: &ObjectRef, args: &Args) -> Result<Value, String> {
    let arg = |i: usize, name: &str| -> Option<Value> {
        args.pos.get(i).cloned().or_else(|| {
            args.kw
                .iter()
                .find(|(k, _)| &**k == name)
                .map(|(_, v)| v.clone())
        })
    };
    let name = arg(0, "name")
        .ok_or_else(|| "add() needs a name".to_string())?
        .to_text();
    let type_id = match arg(1, "type_obj") {
        Some(Value::Object(t)) => t.id,
        Some(Value::Str(p)) => store.type_id(&p).map_err(err)?,
        Some(other) => {
            return Err(format!(
                "add(): the type is a TypeObject, not {}",
                other.type_name()
            ))
        }
        None => return Err("add() needs a type object".into()),
    };
    let overwrite = arg(3, "overwrite").is_some_and(|v| v.truthy());
    let data = arg(2, "data");
    store
        .transaction(|s| {
            if let Some(existing) = s.child(obj.id, &name)? {
                if !overwrite {
                    return Err(StoreError(format!(
                        "{} already has an object called `{name}`",
                        obj.path
                    )));
                }
                s.delete(existing)?;
            }
            let id = s.create(obj.id, &name, type_id, "root")?;
            if let Some(Value::Dict(d)) = &data {
                for (k, v) in d.borrow().iter() {
                    s.write_field(id, &k.value().to_text(), v.clone())?;
                }
            }
            s.object_value(id)
        })
        .map_err(err)
}

/// The children of a container, as Object values.
pub fn children(store: &Store, obj: &ObjectRef) -> Result<Vec<Value>, String> {
    let type_name = store.type_name(obj.id).map_err(err)?;
    if !is_container(&type_name) {
        return Err(format!(
            "{} is a {type_name}, not a Directory or Table: it has no children to go through",
            obj.path
        ));
    }
    store
        .children(obj.id)
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
