//! Writing objects the way `jfc obj set` and the daemon's object API both do: one set of
//! rules for creating an object in a container and for assigning one field or property,
//! so that the two accept and refuse the same things.

use jfc_vm::value::Value;

use super::jobflow::Compiled;
use super::objects::{check_name, check_reserved, ObjectId};
use super::{Result, Store, StoreError};

/// Why [`Store::create_child`] refused, by what was wrong (an API answers each with its
/// own status; the CLI prints the message).
#[derive(Debug)]
pub enum CreateError {
    /// The name breaks the naming rule, or is reserved.
    Name(String),
    /// The container already has an object of that name.
    Taken(String),
    /// The type is not known, is not a type, or is not the one a Table holds.
    Type(String),
    /// The parent cannot hold objects: it is not a Directory or a Table, or a Table whose
    /// type is not set.
    Parent(String),
    /// The parent is in `/lib`, which only jfc writes (store::stdlib).
    ReadOnly(String),
    /// The store failed.
    Store(StoreError),
}

impl std::fmt::Display for CreateError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            CreateError::Name(m)
            | CreateError::Taken(m)
            | CreateError::Type(m)
            | CreateError::Parent(m)
            | CreateError::ReadOnly(m) => f.write_str(m),
            CreateError::Store(e) => f.write_str(&e.0),
        }
    }
}

impl From<StoreError> for CreateError {
    fn from(e: StoreError) -> Self {
        CreateError::Store(e)
    }
}

impl From<CreateError> for StoreError {
    fn from(e: CreateError) -> Self {
        match e {
            CreateError::Store(e) => e,
            other => StoreError(other.to_string()),
        }
    }
}

impl Store {
    /// Create `name` in the container `parent` with the type `type_name` (a type's name
    /// such as `NodeInfo`, or its path). Only a Directory or a Table holds objects, and a
    /// Table only objects of its `typeObject`, which may then go unsaid (library.md §3.7).
    pub fn create_child(
        &mut self,
        parent: ObjectId,
        name: &str,
        type_name: Option<&str>,
        owner: &str,
    ) -> std::result::Result<ObjectId, CreateError> {
        check_name(name).map_err(|e| CreateError::Name(e.0))?;
        check_reserved(parent, name).map_err(|e| CreateError::Name(e.0))?;
        self.check_writable(parent, Some(name))
            .map_err(|e| CreateError::ReadOnly(e.0))?;
        let at = self.abspath(parent)?;
        let given = type_name.map(|t| self.type_of_name(t)).transpose()?;
        let type_id = match (self.type_name(parent)?.as_str(), given) {
            ("Directory", Some(t)) => t,
            ("Table", given) => match (self.table_type(parent)?, given) {
                (None, _) => {
                    return Err(CreateError::Parent(format!(
                        "{at} is a Table whose typeObject is not set: it holds no objects yet"
                    )))
                }
                (Some(t), Some(g)) if t != g => {
                    return Err(CreateError::Type(format!(
                        "{at} holds objects of type {} only, not {}",
                        self.abspath(t)?,
                        self.abspath(g)?
                    )))
                }
                (Some(t), _) => t,
            },
            ("Directory", None) => {
                return Err(CreateError::Type(format!(
                    "{at} is a Directory: the type of {name} must be given"
                )))
            }
            (other, _) => {
                return Err(CreateError::Parent(format!(
                    "{at} is a {other}, not a Directory or a Table: it cannot hold objects"
                )))
            }
        };
        if self.child(parent, name)?.is_some() {
            return Err(CreateError::Taken(format!(
                "{at} already has an object called `{name}`"
            )));
        }
        Ok(self.create(parent, name, type_id, owner)?)
    }

    /// The type object named `type_name` (a name or a path).
    fn type_of_name(&self, type_name: &str) -> std::result::Result<ObjectId, CreateError> {
        let id = self
            .type_id(type_name)
            .map_err(|e| CreateError::Type(e.0))?;
        if self.type_name(id)? != "TypeObject" {
            return Err(CreateError::Type(format!("{type_name} is not a type")));
        }
        Ok(id)
    }

    /// One `FIELD=VALUE` of `jfc obj set` on object `id`: `display_name` and `description`
    /// set those properties; the `source` of a Jobflow is saved and compiled (what that
    /// gave is returned); null clears a field; any other value is converted and checked
    /// against the field type. Errors name the object and the field.
    pub fn assign(&mut self, id: ObjectId, field: &str, value: Value) -> Result<Option<Compiled>> {
        let text = |value: Value| match value {
            Value::Null => String::new(),
            v => v.to_text(),
        };
        match field {
            "display_name" | "description" => {
                self.set_property(id, field, &text(value))?;
                Ok(None)
            }
            "source" if self.type_name(id)? == "Jobflow" => {
                Ok(Some(self.save_jobflow(id, &text(value))?))
            }
            _ => match value {
                Value::Null => self.unset_field(id, field).map(|()| None),
                v => match self.write_field(id, field, v) {
                    Ok(()) => Ok(None),
                    Err(e) => Err(StoreError(format!("{}: {e}", self.abspath(id)?))),
                },
            },
        }
    }
}
