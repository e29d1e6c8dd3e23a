//! Values that may be store objects: attribute, index, update, membership and
//! iteration go to the host for objects and to the value functions otherwise.

use super::iterate;
use crate::host::{Host, StoreAnswer, StoreRequest};
use crate::process::Iter;
use crate::scheduler::Vm;
use crate::value::{compare, index, process, Error, Result, Value};

impl<H: Host> Vm<H> {
    pub(crate) fn get_attr(&self, base: &Value, name: &str) -> Result<Value> {
        match base {
            Value::Object(o) => self.store_value(StoreRequest::Attr(o, name)),
            Value::Process(p) if name == "elapsed_time" => {
                Ok(process::elapsed_time(&p.borrow(), self.host.now()))
            }
            Value::Process(p) if name == "user" => Ok(self.user_object(&p.borrow().origin.user)),
            // Every process of a VM in checkpoint mode is checkpointed with it.
            Value::Process(_) if name == "checkpoint_mode" => Ok(Value::Bool(self.opts.checkpoint)),
            Value::Lazy(_) if name == "delete" => {
                Ok(Value::Method(std::rc::Rc::new(crate::value::BoundMethod {
                    receiver: base.clone(),
                    name: std::rc::Rc::from(name),
                })))
            }
            Value::Lazy(la) => Err(Error::new(format!(
                "a LazyArray has no attribute `{name}` ({})",
                la.label
            ))),
            _ => index::get_attr(base, name),
        }
    }

    /// A process's user as the User of the store's `/config/user`; its name where
    /// there is no store, or no such user.
    fn user_object(&self, name: &Value) -> Value {
        let Value::Str(n) = name else {
            return name.clone();
        };
        let path = format!("/config/user/{n}");
        match self.host.store(StoreRequest::Resolve {
            dir: "/",
            path: &path,
        }) {
            Ok(StoreAnswer::Value(user @ Value::Object(_))) => user,
            _ => name.clone(),
        }
    }

    pub(crate) fn get_index(&self, base: &Value, key: &Value) -> Result<Value> {
        match base {
            Value::Object(o) => self.store_value(StoreRequest::Index(o, key)),
            Value::Lazy(la) => self.lazy_index(la, key),
            _ => index::get_index(base, key),
        }
    }

    pub(crate) fn set_attr(&self, base: &Value, name: &str, value: Value) -> Result<()> {
        match base {
            // A field keeps the objects a query gives now, not the query.
            Value::Object(o) => {
                let value = self.materialize(value)?;
                self.store_done(StoreRequest::Set(o, name, value))
            }
            _ => index::set_attr(base, name, value),
        }
    }

    pub(crate) fn set_index(&self, base: &Value, key: Value, value: Value) -> Result<()> {
        match (base, &key) {
            (Value::Object(o), Value::Str(name)) => {
                let value = self.materialize(value)?;
                self.store_done(StoreRequest::Set(o, name, value))
            }
            (Value::Object(o), other) => Err(Error::new(format!(
                "{}: a field name is a String, not {}",
                o.path,
                other.type_name()
            ))),
            _ => index::set_index(base, key, value),
        }
    }

    /// `item in container`; for a Directory or Table, a child object or a child's name.
    pub(crate) fn contains(&self, container: &Value, item: &Value) -> Result<bool> {
        if let Value::Lazy(_) = container {
            let items = self.materialize(container.clone())?;
            return compare::contains(&items, item);
        }
        let Value::Object(o) = container else {
            return compare::contains(container, item);
        };
        let children = self.store_values(StoreRequest::Children(o))?;
        Ok(children.iter().any(|c| match (c, item) {
            (Value::Object(c), Value::Object(i)) => c.id == i.id,
            (Value::Object(c), Value::Str(name)) => c.path.rsplit('/').next() == Some(&**name),
            _ => false,
        }))
    }

    /// The iteration source of `for`/`pfor`, with Directories and Tables giving their children.
    pub(crate) fn iterate(&self, source: &Value) -> Result<Iter> {
        match source {
            Value::Object(o) => Ok(Iter::Items(
                self.store_values(StoreRequest::Children(o))?.into(),
            )),
            Value::Lazy(_) => iterate(&self.materialize(source.clone())?),
            _ => iterate(source),
        }
    }
}
