//! Users and groups seen from flows (library.md §1.10 `user()`/`group()`, §5.5–§5.8):
//! virtual objects `/config/user/<name>` and `/config/group/<name>`, and the lists
//! `/config/user` and `/config/group`, read from the store's users and groups.
//!
//! Like `/process` (process_list.rs) they are not rows of the objects table; their
//! Object values carry ids of their own range, below every process record's `-pid`.

use std::rc::Rc;

use jfc_store::roster::{Member, Roster};
use jfc_store::Store;
use jfc_vm::value::{ObjectRef, Value};

/// Ids of user `u` are `USERS - u`, of group `g` `GROUPS - g`; the lists are the bases.
const USERS: i64 = -(1 << 40);
const GROUPS: i64 = -(1 << 41);
const USER_LIST: &str = "/config/user";
const GROUP_LIST: &str = "/config/group";

#[derive(Clone, Copy, PartialEq)]
enum Kind {
    User,
    Group,
}

impl Kind {
    fn base(self) -> i64 {
        match self {
            Kind::User => USERS,
            Kind::Group => GROUPS,
        }
    }

    fn list(self) -> &'static str {
        match self {
            Kind::User => USER_LIST,
            Kind::Group => GROUP_LIST,
        }
    }

    fn roster(self) -> Roster {
        match self {
            Kind::User => Roster::Users,
            Kind::Group => Roster::Groups,
        }
    }

    fn noun(self) -> &'static str {
        match self {
            Kind::User => "user",
            Kind::Group => "group",
        }
    }
}

/// What an Object value of this module stands for: a list, or one user or group by id.
fn decode(obj: &ObjectRef) -> Option<(Kind, Option<i64>)> {
    let kind = if obj.id <= GROUPS {
        Kind::Group
    } else if obj.id <= USERS {
        Kind::User
    } else {
        return None;
    };
    let n = kind.base() - obj.id;
    Some((kind, (n > 0).then_some(n)))
}

/// Whether `obj` is a user, a group or one of their lists.
pub fn is_user_or_group(obj: &ObjectRef) -> bool {
    decode(obj).is_some()
}

fn reference(kind: Kind, id: i64, name: &str) -> Value {
    Value::Object(ObjectRef {
        id: kind.base() - id,
        path: Rc::from(format!("{}/{name}", kind.list())),
    })
}

/// `(id, name)` of the user or group called `key`, or with the id `id_<n>` / `<n>`.
fn find(store: &Store, kind: Kind, key: &str) -> Result<Option<Member>, String> {
    if let Some(found) = store.member_named(kind.roster(), key).map_err(|e| e.0)? {
        return Ok(Some(found));
    }
    match key.strip_prefix("id_").unwrap_or(key).parse::<i64>() {
        Ok(id) => store.member_with_id(kind.roster(), id).map_err(|e| e.0),
        Err(_) => Ok(None),
    }
}

/// `user(x)` / `group(x)` and the paths `/config/user/...`, `/config/group/...`;
/// None for any other path.
pub fn resolve(store: &Store, path: &str) -> Option<Result<Value, String>> {
    for kind in [Kind::User, Kind::Group] {
        if path == kind.list() {
            return Some(Ok(Value::Object(ObjectRef {
                id: kind.base(),
                path: Rc::from(kind.list()),
            })));
        }
        let Some(key) = path
            .strip_prefix(kind.list())
            .and_then(|r| r.strip_prefix('/'))
        else {
            continue;
        };
        return Some(match find(store, kind, key) {
            Ok(Some((id, name))) => Ok(reference(kind, id, &name)),
            Ok(None) => Err(match key.strip_prefix("id_") {
                Some(id) => format!("no {} with id {id} ({path})", kind.noun()),
                None => format!("no {} `{key}` ({path})", kind.noun()),
            }),
            Err(e) => Err(format!("{path}: {e}")),
        });
    }
    None
}

/// `obj.name`.
pub fn attr(store: &Store, obj: &ObjectRef, name: &str) -> Result<Value, String> {
    let Some((kind, id)) = decode(obj) else {
        return Err(format!("{} is not a user or group", obj.path));
    };
    let Some(id) = id else {
        return match name {
            "name" => Ok(Value::str(kind.list().rsplit('/').next().unwrap_or(""))),
            "abspath" => Ok(Value::str(kind.list())),
            "type_name" => Ok(Value::str("Virtual")),
            "children" => children(store, obj).map(Value::array),
            other => Err(format!("{} has no attribute `{other}`", obj.path)),
        };
    };
    let found = match kind {
        Kind::User => user_attr(store, id, name),
        Kind::Group => group_attr(store, id, name),
    };
    found
        .map_err(|e| format!("{}: {e}", obj.path))?
        .ok_or_else(|| format!("{}: a {} has no attribute `{name}`", obj.path, kind.noun()))
}

type Found = Result<Option<Value>, String>;

fn user_attr(store: &Store, id: i64, name: &str) -> Found {
    let row = store.user_row(id).map_err(|e| e.0)?;
    let (username, active, environment) = (row.name, row.active, row.environment);
    Ok(Some(match name {
        "id" => Value::Int(id),
        "username" | "name" | "full_name" => Value::str(&username),
        "abspath" => Value::str(&format!("{USER_LIST}/{username}")),
        "first_name" | "last_name" | "email" => Value::str(""),
        "mailbox" => Value::str(&format!("{username} <>")),
        "environment" => match environment {
            Some(env) => store.object_value(env).map_err(|e| e.0)?,
            None => Value::Null,
        },
        "home_directory" => match store.lookup(&format!("/home/{username}")) {
            Ok(Some(home)) => store.object_value(home).map_err(|e| e.0)?,
            _ => Value::Null,
        },
        "groups" => Value::array(references(
            Kind::Group,
            &store.groups_of(id).map_err(|e| e.0)?,
        )),
        "is_active" => Value::Bool(active),
        "is_ldap_user" | "enable_restapi" => Value::Bool(false),
        "auth_token" | "last_login" => Value::Null,
        "type_name" => Value::str("User"),
        _ => return Ok(None),
    }))
}

fn group_attr(store: &Store, id: i64, name: &str) -> Found {
    let group = store.group_name(id).map_err(|e| e.0)?;
    Ok(Some(match name {
        "id" => Value::Int(id),
        "name" => Value::str(&group),
        "abspath" => Value::str(&format!("{GROUP_LIST}/{group}")),
        "users" => Value::array(references(
            Kind::User,
            &store.users_of(id).map_err(|e| e.0)?,
        )),
        "is_ldap_group" => Value::Bool(false),
        "type_name" => Value::str("Group"),
        _ => return Ok(None),
    }))
}

/// References to `members`, users or groups as `kind` says.
fn references(kind: Kind, members: &[Member]) -> Vec<Value> {
    members
        .iter()
        .map(|(id, name)| reference(kind, *id, name))
        .collect()
}

/// `obj['name']`: the same as `obj.name`.
pub fn index(store: &Store, obj: &ObjectRef, key: &Value) -> Result<Value, String> {
    match key {
        Value::Str(name) => attr(store, obj, name),
        other => Err(format!(
            "{}: an attribute name is a String, not {}",
            obj.path,
            other.type_name()
        )),
    }
}

/// `[value >> user.environment]` (library.md §5.5); the other attributes are read-only here.
pub fn set(store: &mut Store, obj: &ObjectRef, name: &str, value: Value) -> Result<(), String> {
    let (Some((Kind::User, Some(_))), "environment") = (decode(obj), name) else {
        return Err(format!(
            "{}: `{name}` cannot be written from a flow (jfc keeps only a user's environment)",
            obj.path
        ));
    };
    let username = match &attr(store, obj, "username")? {
        Value::Str(s) => s.clone(),
        _ => return Err(format!("{}: no user name", obj.path)),
    };
    let env = match &value {
        Value::Object(o) => Some(o.id),
        Value::Null => None,
        other => {
            return Err(format!(
                "{}: the environment is an Environment object, not {}",
                obj.path,
                other.type_name()
            ))
        }
    };
    store
        .set_user_environment(&username, env)
        .map_err(|e| format!("{}: {e}", obj.path))
}

/// `for u in /config/user`: every user (or group), by name.
pub fn children(store: &Store, obj: &ObjectRef) -> Result<Vec<Value>, String> {
    let Some((kind, None)) = decode(obj) else {
        return Err(format!("{} is not a list", obj.path));
    };
    let members = store.members(kind.roster()).map_err(|e| e.0)?;
    Ok(references(kind, &members))
}
