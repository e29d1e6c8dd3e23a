//! The objects a test's flow wrote and the messages it sent to stored channels, as
//! `objects_written()` and `messages_sent()` give them: seen in the store requests of
//! the VM, recorded once the store did them.

use jfc_vm::host::{StoreAnswer, StoreRequest};
use jfc_vm::value::{ObjectRef, Value};

use crate::effects::dict;

/// One write of an object: `[v >> obj.field]` (`set`), `add`, `update` (a `set` per
/// field), `delete`, `rename`, `move`, `copy`.
pub struct Written {
    pub path: String,
    pub action: &'static str,
    pub type_name: String,
    /// The field set, for `set`.
    pub field: Option<String>,
    /// Where a `rename`, `move` or `copy` took it.
    pub to: Option<String>,
}

impl Written {
    pub fn to_value(&self) -> Value {
        let text = |t: &Option<String>| t.as_deref().map_or(Value::Null, Value::str);
        dict(&[
            ("path", Value::str(&self.path)),
            ("action", Value::str(self.action)),
            ("type", Value::str(&self.type_name)),
            ("field", text(&self.field)),
            ("to", text(&self.to)),
        ])
    }
}

/// One message sent to a stored channel.
pub struct Sent {
    pub channel: String,
    pub message: Value,
}

impl Sent {
    pub fn to_value(&self) -> Value {
        dict(&[
            ("channel", Value::str(&self.channel)),
            ("message", self.message.deep_copy()),
        ])
    }
}

/// What a store request is about to write, taken before the store does it (a deleted
/// object's type can no longer be read after).
pub enum Pending {
    Writes(Vec<Written>),
    /// `dir.add(...)`: the object is known from the answer.
    Add,
    Send(Sent),
}

/// The write `request` makes, if it makes one; `type_of` reads an object's type.
pub fn pending(
    request: &StoreRequest<'_>,
    type_of: impl Fn(&ObjectRef) -> String,
) -> Option<Pending> {
    let write = |obj: &ObjectRef, action, field: Option<String>, to: Option<String>| Written {
        path: obj.path.to_string(),
        action,
        type_name: type_of(obj),
        field,
        to,
    };
    match request {
        StoreRequest::Set(obj, name, _) => Some(Pending::Writes(vec![write(
            obj,
            "set",
            Some(name.to_string()),
            None,
        )])),
        StoreRequest::Call(obj, method, args) => {
            let first = || {
                args.pos
                    .first()
                    .or_else(|| args.kw.first().map(|(_, v)| v))
                    .cloned()
            };
            let to = || {
                first().map(|v| match &v {
                    Value::Object(o) => o.path.to_string(),
                    other => other.to_text(),
                })
            };
            match *method {
                "add" => Some(Pending::Add),
                "send" => Some(Pending::Send(Sent {
                    channel: obj.path.to_string(),
                    message: first().unwrap_or(Value::Null).deep_copy(),
                })),
                "update" => Some(Pending::Writes(
                    args.kw
                        .iter()
                        .map(|(k, _)| write(obj, "set", Some(k.to_string()), None))
                        .collect(),
                )),
                "delete" => Some(Pending::Writes(vec![write(obj, "delete", None, None)])),
                "rename" => Some(Pending::Writes(vec![write(obj, "rename", None, to())])),
                "move" => Some(Pending::Writes(vec![write(obj, "move", None, to())])),
                "copy" => Some(Pending::Writes(vec![write(obj, "copy", None, to())])),
                _ => None,
            }
        }
        _ => None,
    }
}

/// The deletes of `la.delete()`: each object among `matches` (its matches just
/// before), taken before the store deletes them. Process records are not objects.
pub fn lazy_deletes(matches: &Value, type_of: impl Fn(&ObjectRef) -> String) -> Pending {
    let Value::Array(items) = matches else {
        return Pending::Writes(Vec::new());
    };
    let items = items.borrow();
    let deletes = items.iter().filter_map(|v| match v {
        Value::Object(o) => Some(Written {
            path: o.path.to_string(),
            action: "delete",
            type_name: type_of(o),
            field: None,
            to: None,
        }),
        _ => None,
    });
    Pending::Writes(deletes.collect())
}

/// The writes done, now that the store answered `answer`.
pub fn done(
    p: Pending,
    answer: &StoreAnswer,
    type_of: impl Fn(&ObjectRef) -> String,
) -> (Vec<Written>, Option<Sent>) {
    match p {
        Pending::Writes(w) => (w, None),
        Pending::Send(s) => (Vec::new(), Some(s)),
        Pending::Add => match answer {
            StoreAnswer::Value(Value::Object(o)) => (
                vec![Written {
                    path: o.path.to_string(),
                    action: "add",
                    type_name: type_of(o),
                    field: None,
                    to: None,
                }],
                None,
            ),
            _ => (Vec::new(), None),
        },
    }
}
