//! Built-in functions whose argument may be a store object (library.md §1.3, §1.10):
//! `path()`, `length()` / `has_key()` on objects, and `string % object`.

use crate::host::{Host, LazyOp, StoreRequest};
use crate::process::Process;
use crate::scheduler::Vm;
use crate::value::{
    arith, percent_format, percent_format_with, Args, Error, ObjectRef, Result, Value,
};

impl<H: Host> Vm<H> {
    /// `path(str_or_obj, [args, ...])`: every argument (and Array element) joined with `/`
    /// the way `os.path.join` does (an absolute component starts again), then normalised
    /// and resolved against the directory of the running jobflow.
    pub(crate) fn path_builtin(&self, p: &Process, args: Args) -> Result<Value> {
        if let Some((name, _)) = args.kw.first() {
            return Err(Error::new(format!(
                "path() takes its components as positional arguments, not `{name}=`"
            )));
        }
        let mut components = Vec::new();
        for (i, arg) in args.pos.iter().enumerate() {
            match arg {
                Value::Array(items) => {
                    for item in items.borrow().iter() {
                        components.push(self.path_component(item, i)?);
                    }
                }
                other => components.push(self.path_component(other, i)?),
            }
        }
        if components.is_empty() {
            return Err(Error::new("path() needs a path"));
        }
        let joined = join_components(&components);
        if joined.is_empty() {
            return Err(Error::new("path(): the path is empty"));
        }
        self.store_value(StoreRequest::Resolve {
            dir: &p.frame().dir,
            path: &joined,
        })
    }

    /// One component of `path()`: a String, or an object's absolute path now.
    fn path_component(&self, v: &Value, arg: usize) -> Result<String> {
        match v {
            Value::Str(s) => Ok(s.to_string()),
            Value::Object(o) => match &self.store_value(StoreRequest::Attr(o, "abspath")) {
                Ok(Value::Str(s)) => Ok(s.to_string()),
                _ => Ok(o.path.to_string()),
            },
            other => Err(Error::new(format!(
                "path(): argument {} is {}; a path component is a String, an object or an Array of them",
                arg + 1,
                other.type_name()
            ))),
        }
    }

    /// `user(x)` / `group(x)` (library.md §1.10): by name (String), by id (Integer), or
    /// a User / Group itself; the store's users are the virtual objects under `/config`.
    pub(crate) fn user_or_group(&self, which: &str, args: Args) -> Result<Value> {
        let given = args
            .pos
            .first()
            .or_else(|| args.kw.iter().find(|(k, _)| &**k == which).map(|(_, v)| v));
        let (Some(given), 1) = (given, args.pos.len() + args.kw.len()) else {
            return Err(Error::new(format!(
                "{which}() takes one argument, the {which}"
            )));
        };
        let key = match given {
            Value::Str(name) if !name.is_empty() && !name.contains('/') => name.to_string(),
            Value::Int(id) => format!("id_{id}"),
            Value::Object(o) => {
                let type_name = self.store_value(StoreRequest::Attr(o, "type_name"));
                let wanted = if which == "user" { "User" } else { "Group" };
                return match &type_name {
                    Ok(Value::Str(t)) if &**t == wanted => Ok(given.clone()),
                    _ => Err(Error::new(format!(
                        "{which}(): {} is not a {wanted}",
                        o.path
                    ))),
                };
            }
            other => {
                return Err(Error::new(format!(
                    "{which}(): a {which} is given by name (String) or id (Integer), not {}",
                    other.to_nested_text()
                )))
            }
        };
        self.store_value(StoreRequest::Resolve {
            dir: "/",
            path: &format!("/config/{which}/{key}"),
        })
    }

    /// `length(obj)` of a Directory or Table: its number of children (library.md §1.3).
    pub(crate) fn object_length(&self, o: &ObjectRef) -> Result<Value> {
        match &self.store_value(StoreRequest::Attr(o, "children"))? {
            Value::Lazy(la) => self.lazy(la, LazyOp::Count),
            _ => {
                let kind = match &self.store_value(StoreRequest::Attr(o, "type_name")) {
                    Ok(Value::Str(t)) => format!("a {t}"),
                    _ => "an object".to_string(),
                };
                Err(Error::new(format!(
                    "length(): {} is {kind}, which has no length (a Directory or Table gives its number of children)",
                    o.path
                )))
            }
        }
    }

    /// `a % b`: a `%` template filled from a Dictionary or from an object's fields
    /// (language.md §7.9.2), else the arithmetic remainder.
    pub(crate) fn remainder(&self, a: &Value, b: &Value) -> Result<Value> {
        match (a, b) {
            (Value::Str(s), Value::Object(o)) => Ok(Value::str(&percent_format_with(s, &|name| {
                self.store_value(StoreRequest::Index(o, &Value::str(name)))
                    .ok()
            }))),
            (Value::Str(s), b) => percent_format(s, b).map(|t| Value::str(&t)),
            _ => arith::rem(a, b),
        }
    }

    /// `has_key(obj, key)` of an object: whether `obj.key` would succeed; never raises.
    pub(crate) fn object_has_key(&self, o: &ObjectRef, key: &Value) -> Value {
        let found = match key {
            Value::Str(name) => self.store_value(StoreRequest::Attr(o, name)).is_ok(),
            _ => false,
        };
        Value::Bool(found)
    }
}

/// `os.path.join`: components joined with `/`, an absolute one dropping those before it.
fn join_components(components: &[String]) -> String {
    let mut out = String::new();
    for c in components {
        if c.starts_with('/') {
            out.clear();
        } else if !out.is_empty() && !out.ends_with('/') {
            out.push('/');
        }
        out.push_str(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::join_components;

    fn join(parts: &[&str]) -> String {
        join_components(&parts.iter().map(|s| s.to_string()).collect::<Vec<_>>())
    }

    #[test]
    fn joins_like_os_path_join() {
        assert_eq!(join(&["/system", "types"]), "/system/types");
        assert_eq!(join(&["/", "system", "types"]), "/system/types");
        assert_eq!(join(&["/servers/web1", ".."]), "/servers/web1/..");
        assert_eq!(join(&["a/", "b"]), "a/b");
        assert_eq!(join(&["/a", "/b", "c"]), "/b/c");
        assert_eq!(join(&["", "x"]), "x");
    }
}
