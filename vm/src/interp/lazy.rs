//! LazyArray values (library.md §2.8): every use runs the query again through the host.

use crate::host::{Host, LazyOp, StoreRequest};
use crate::scheduler::Vm;
use crate::value::{Args, Error, LazyArray, Result, Value};

impl<H: Host> Vm<H> {
    pub(crate) fn lazy(&self, la: &LazyArray, op: LazyOp) -> Result<Value> {
        self.store_value(StoreRequest::Lazy(la, op))
    }

    /// A LazyArray becomes the Array of its matches now; other values stay as they are.
    pub(crate) fn materialize(&self, v: Value) -> Result<Value> {
        match &v {
            Value::Lazy(la) => self.lazy(la, LazyOp::Items),
            _ => Ok(v),
        }
    }

    /// The arguments of a built-in with every LazyArray materialised, so `print`,
    /// `json_dump` and friends see the objects, not the query.
    pub(crate) fn materialize_args(&self, args: Args) -> Result<Args> {
        let lazy = |v: &Value| matches!(v, Value::Lazy(_));
        if !args.pos.iter().any(lazy) && !args.kw.iter().any(|(_, v)| lazy(v)) {
            return Ok(args);
        }
        Ok(Args {
            pos: args
                .pos
                .into_iter()
                .map(|v| self.materialize(v))
                .collect::<Result<_>>()?,
            kw: args
                .kw
                .into_iter()
                .map(|(k, v)| Ok((k, self.materialize(v)?)))
                .collect::<Result<_>>()?,
        })
    }

    /// Truthiness, where an empty LazyArray is false like an empty Array (one count query).
    pub(crate) fn truthy(&self, v: &Value) -> Result<bool> {
        match v {
            Value::Lazy(la) => Ok(!matches!(self.lazy(la, LazyOp::Count)?, Value::Int(0))),
            other => Ok(other.truthy()),
        }
    }

    /// `la[i]`: one query for element `i`; a negative index counts from the end.
    pub(crate) fn lazy_index(&self, la: &LazyArray, key: &Value) -> Result<Value> {
        let Value::Int(i) = key else {
            return Err(Error::new(format!(
                "a LazyArray index is an Integer, not {}",
                key.type_name()
            )));
        };
        let at = if *i < 0 {
            match self.lazy(la, LazyOp::Count)? {
                Value::Int(n) => n + i,
                _ => -1,
            }
        } else {
            *i
        };
        let got = if at < 0 {
            Value::Null
        } else {
            self.lazy(la, LazyOp::Get(at))?
        };
        match got {
            Value::Null => Err(Error::new(format!(
                "index {i} is out of range of {} now",
                la.label
            ))),
            v => Ok(v),
        }
    }

    /// `la.delete()`, the one method of a LazyArray.
    pub(crate) fn lazy_method(&self, la: &LazyArray, name: &str, args: Args) -> Result<Value> {
        match name {
            "delete" if args.pos.is_empty() && args.kw.is_empty() => self.lazy(la, LazyOp::Delete),
            "delete" => Err(Error::new("delete() of a LazyArray takes no arguments")),
            "add_item" | "del_item" | "pop_item" => Err(Error::new(format!(
                "a LazyArray is a query and cannot be changed with {name}(); \
                 make it an Array first ([] + {})",
                la.label
            ))),
            other => Err(Error::new(format!("a LazyArray has no method `{other}`"))),
        }
    }
}
