//! Binding call arguments to parameter names (library.md §0.1: every
//! parameter may be passed positionally or by keyword).

use crate::value::{Args, Error, Result, Value};

/// Arguments bound to the parameters of one callee, in parameter order.
pub struct Bound {
    fname: String,
    params: &'static [&'static str],
    vals: Vec<Option<Value>>,
}

/// Bind `args` to `params`; the first `required` parameters must be given.
/// Too many positional arguments, unknown or repeated keywords are errors.
pub fn bind(
    fname: &str,
    args: Args,
    params: &'static [&'static str],
    required: usize,
) -> Result<Bound> {
    if args.pos.len() > params.len() {
        return Err(Error::new(format!(
            "{fname}() takes at most {} argument{} ({} given)",
            params.len(),
            if params.len() == 1 { "" } else { "s" },
            args.pos.len()
        )));
    }
    let mut vals: Vec<Option<Value>> = vec![None; params.len()];
    for (slot, v) in vals.iter_mut().zip(args.pos) {
        *slot = Some(v);
    }
    for (name, v) in args.kw {
        let Some(i) = params.iter().position(|p| *p == &*name) else {
            return Err(Error::new(format!(
                "{fname}() got an unexpected keyword argument '{name}'"
            )));
        };
        if vals[i].is_some() {
            return Err(Error::new(format!(
                "{fname}() got multiple values for argument '{name}'"
            )));
        }
        vals[i] = Some(v);
    }
    for (i, p) in params.iter().enumerate().take(required) {
        if vals[i].is_none() {
            return Err(Error::new(format!(
                "{fname}() missing required argument '{p}'"
            )));
        }
    }
    Ok(Bound {
        fname: fname.to_string(),
        params,
        vals,
    })
}

/// What a missing argument reads as (a constant: `Value` has a destructor, so a
/// `&Value::Null` temporary would not live long enough).
const NULL: &Value = &Value::Null;

impl Bound {
    /// The argument at parameter `i`, if given (a `null` counts as given).
    pub fn opt(&self, i: usize) -> Option<&Value> {
        self.vals.get(i).and_then(Option::as_ref)
    }

    /// The argument at parameter `i`, treating `null` as not given.
    pub fn opt_nonnull(&self, i: usize) -> Option<&Value> {
        self.opt(i).filter(|v| !matches!(v, Value::Null))
    }

    /// A required argument (checked by [`bind`]).
    pub fn req(&self, i: usize) -> &Value {
        self.opt(i).unwrap_or(NULL)
    }

    /// Take the argument out (for values that are moved into containers).
    pub fn take(&mut self, i: usize) -> Option<Value> {
        self.vals.get_mut(i).and_then(Option::take)
    }

    fn name(&self, i: usize) -> &str {
        self.params.get(i).copied().unwrap_or("?")
    }

    fn wrong(&self, i: usize, want: &str, got: &Value) -> Error {
        Error::new(format!(
            "{}(): argument '{}' must be {want}, not {}",
            self.fname,
            self.name(i),
            got.type_name()
        ))
    }

    /// A String argument, or `default` when absent.
    pub fn string_or<'a>(&'a self, i: usize, default: &'a str) -> Result<&'a str> {
        match self.opt(i) {
            None => Ok(default),
            Some(Value::Str(s)) => Ok(s),
            Some(v) => Err(self.wrong(i, "a String", v)),
        }
    }

    /// An Integer argument (Boolean accepted as 0/1), or `default` when absent or null.
    pub fn int_or(&self, i: usize, default: i64) -> Result<i64> {
        match self.opt_nonnull(i) {
            None => Ok(default),
            Some(v) => match v {
                Value::Int(_) | Value::Bool(_) => Ok(v.as_i64().unwrap_or(default)),
                // Out-of-i64 counts and offsets behave like the extreme values.
                Value::BigInt(b) => Ok(if num_traits::Signed::is_negative(&**b) {
                    i64::MIN
                } else {
                    i64::MAX
                }),
                _ => Err(self.wrong(i, "an Integer", v)),
            },
        }
    }

    /// A truth-valued argument, or `default` when absent.
    pub fn bool_or(&self, i: usize, default: bool) -> bool {
        self.opt(i).map_or(default, Value::truthy)
    }

    /// The error for an argument of the wrong type.
    pub fn type_error(&self, i: usize, want: &str) -> Error {
        self.wrong(i, want, self.req(i))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::rc::Rc;

    fn args(pos: Vec<Value>, kw: Vec<(&str, Value)>) -> Args {
        Args {
            pos,
            kw: kw.into_iter().map(|(k, v)| (Rc::from(k), v)).collect(),
        }
    }

    const P: &[&str] = &["obj", "ensure_ascii", "indent"];

    #[test]
    fn binding() {
        let b = bind(
            "f",
            args(vec![Value::Int(1)], vec![("indent", Value::Int(2))]),
            P,
            1,
        )
        .unwrap();
        assert_eq!(b.req(0).to_text(), "1");
        assert!(b.opt(1).is_none());
        assert_eq!(b.int_or(2, 0).unwrap(), 2);
        let e = bind("f", args(vec![], vec![]), P, 1).err().unwrap();
        assert_eq!(e.message, "f() missing required argument 'obj'");
        let e = bind("f", args(vec![Value::Null; 4], vec![]), P, 1)
            .err()
            .unwrap();
        assert_eq!(e.message, "f() takes at most 3 arguments (4 given)");
        let e = bind("f", args(vec![], vec![("x", Value::Null)]), P, 0)
            .err()
            .unwrap();
        assert_eq!(e.message, "f() got an unexpected keyword argument 'x'");
        let e = bind(
            "f",
            args(vec![Value::Null], vec![("obj", Value::Null)]),
            P,
            0,
        )
        .err()
        .unwrap();
        assert_eq!(e.message, "f() got multiple values for argument 'obj'");
        let b = bind(
            "f",
            args(vec![Value::Int(1), Value::str("x")], vec![]),
            P,
            0,
        )
        .unwrap();
        assert_eq!(
            b.int_or(1, 0).unwrap_err().message,
            "f(): argument 'ensure_ascii' must be an Integer, not String"
        );
    }
}
