//! Equality, ordering, similarity (`=~`), membership (`in`) and case matching
//! (language.md §6.3, §7.4, §7.5).

use std::cmp::Ordering;
use std::collections::HashSet;
use std::rc::Rc;

use super::num::num_cmp;
use super::pattern::glob_match;
use super::{Error, Key, Result, Value};

/// Ordering recurses (its first unequal pair decides); deeper than this it is an error.
const MAX_DEPTH: usize = 512;

/// Pairs of containers still to compare, and the pairs already taken up: a pair met
/// again (structures that contain themselves) adds nothing new, so it counts as equal.
/// A work list rather than recursion, so nesting of any depth compares.
#[derive(Default)]
struct PairWalk {
    todo: Vec<(Value, Value)>,
    seen: HashSet<(*const (), *const ())>,
}

impl PairWalk {
    /// Whether the pair of containers at `x`, `y` is new (and so must be compared).
    fn first_visit<T>(&mut self, x: &Rc<T>, y: &Rc<T>) -> bool {
        !Rc::ptr_eq(x, y)
            && self
                .seen
                .insert((Rc::as_ptr(x).cast(), Rc::as_ptr(y).cast()))
    }

    /// Run `step` on the pair and every pair it queues; false as soon as one is false.
    fn all(a: &Value, b: &Value, step: fn(&mut PairWalk, &Value, &Value) -> bool) -> bool {
        let mut walk = PairWalk::default();
        if !step(&mut walk, a, b) {
            return false;
        }
        while let Some((x, y)) = walk.todo.pop() {
            if !step(&mut walk, &x, &y) {
                return false;
            }
        }
        true
    }
}

/// `a == b` (§7.4): numbers across Integer/Float/Boolean numerically,
/// containers structurally (Dictionary order matters), objects by identity.
pub fn equals(a: &Value, b: &Value) -> bool {
    PairWalk::all(a, b, eq_step)
}

/// One level of `a == b`: containers queue their element pairs.
fn eq_step(walk: &mut PairWalk, a: &Value, b: &Value) -> bool {
    if let (Some(x), Some(y)) = (a.as_num(), b.as_num()) {
        return num_cmp(&x, &y) == Some(Ordering::Equal);
    }
    match (a, b) {
        (Value::Null, Value::Null) => true,
        (Value::Str(x), Value::Str(y)) => x == y,
        (Value::Bytes(x), Value::Bytes(y)) => x == y,
        (Value::Pattern(x), Value::Pattern(y)) => {
            x.kind == y.kind && x.text == y.text && x.icase == y.icase
        }
        (Value::Array(x), Value::Array(y)) => {
            if !walk.first_visit(x, y) {
                return true;
            }
            let (x, y) = (x.borrow(), y.borrow());
            if x.len() != y.len() {
                return false;
            }
            let pairs = x.iter().zip(y.iter()).rev();
            walk.todo.extend(pairs.map(|(p, q)| (p.clone(), q.clone())));
            true
        }
        (Value::Dict(x), Value::Dict(y)) => {
            if !walk.first_visit(x, y) {
                return true;
            }
            let (x, y) = (x.borrow(), y.borrow());
            if x.len() != y.len() || x.keys().zip(y.keys()).any(|(k1, k2)| k1 != k2) {
                return false;
            }
            let pairs = x.values().zip(y.values()).rev();
            walk.todo.extend(pairs.map(|(p, q)| (p.clone(), q.clone())));
            true
        }
        (Value::Datetime(x), Value::Datetime(y)) => x == y,
        (Value::Date(x), Value::Date(y)) => x == y,
        (Value::Time(x), Value::Time(y)) => x == y,
        (Value::Timedelta(x), Value::Timedelta(y)) => x == y,
        (Value::Process(x), Value::Process(y)) => Rc::ptr_eq(x, y),
        (Value::Channel(x), Value::Channel(y)) => Rc::ptr_eq(x, y),
        (Value::Builtin(x), Value::Builtin(y)) => x == y,
        (Value::Method(x), Value::Method(y)) => {
            x.name == y.name && same_object(&x.receiver, &y.receiver)
        }
        (Value::Jobflow(x), Value::Jobflow(y)) => x.path == y.path,
        (Value::Object(x), Value::Object(y)) => x.id == y.id,
        _ => false,
    }
}

/// Python's identity shortcut in container comparison (`a = [a]` equals itself).
fn same_object(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Array(x), Value::Array(y)) => Rc::ptr_eq(x, y),
        (Value::Dict(x), Value::Dict(y)) => Rc::ptr_eq(x, y),
        _ => false,
    }
}

/// Ordering for `<` `>` `<=` `>=`; `Ok(None)` when a NaN is involved (every
/// comparison is then false, as in Python). Other type pairs are an error.
pub fn partial_compare(a: &Value, b: &Value) -> Result<Option<Ordering>> {
    cmp_depth(a, b, 0)
}

/// As [`partial_compare`], with a NaN comparison reported as an error.
pub fn compare(a: &Value, b: &Value) -> Result<Ordering> {
    partial_compare(a, b)?.ok_or_else(|| Error::new("cannot order NaN"))
}

fn cmp_depth(a: &Value, b: &Value, depth: usize) -> Result<Option<Ordering>> {
    if depth > MAX_DEPTH {
        return Err(Error::new("comparison nested too deeply"));
    }
    if let (Some(x), Some(y)) = (a.as_num(), b.as_num()) {
        return Ok(num_cmp(&x, &y));
    }
    Ok(Some(match (a, b) {
        (Value::Str(x), Value::Str(y)) => x.cmp(y),
        (Value::Bytes(x), Value::Bytes(y)) => x.cmp(y),
        (Value::Array(x), Value::Array(y)) => {
            if Rc::ptr_eq(x, y) {
                return Ok(Some(Ordering::Equal));
            }
            let (x, y) = (x.borrow().clone(), y.borrow().clone());
            // Python: the first pair that is not equal decides; else the lengths.
            for (p, q) in x.iter().zip(y.iter()) {
                if !(same_object(p, q) || equals(p, q)) {
                    return cmp_depth(p, q, depth + 1);
                }
            }
            x.len().cmp(&y.len())
        }
        (Value::Datetime(x), Value::Datetime(y)) => x.cmp(y),
        (Value::Date(x), Value::Date(y)) => x.cmp(y),
        (Value::Time(x), Value::Time(y)) => x.cmp(y),
        (Value::Timedelta(x), Value::Timedelta(y)) => x.cmp(y),
        _ => {
            return Err(Error::new(format!(
                "cannot order {} and {}",
                a.type_name(),
                b.type_name()
            )))
        }
    }))
}

/// `a =~ b` (§7.4 rules 1–5, symmetric).
pub fn similar(a: &Value, b: &Value) -> Result<bool> {
    Ok(PairWalk::all(a, b, sim_step))
}

/// One level of `a =~ b`: containers queue their element pairs.
fn sim_step(walk: &mut PairWalk, a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Pattern(_), Value::Pattern(_)) => equals(a, b),
        (Value::Pattern(p), other) | (other, Value::Pattern(p)) => p.is_match(other),
        (Value::Str(x), Value::Str(y)) => x == y,
        (Value::Str(s), other) | (other, Value::Str(s)) => **s == *other.to_text(),
        (Value::Array(x), Value::Array(y)) => {
            if !walk.first_visit(x, y) {
                return true;
            }
            let (x, y) = (x.borrow(), y.borrow());
            if x.len() != y.len() {
                return false;
            }
            let pairs = x.iter().zip(y.iter()).rev();
            walk.todo.extend(pairs.map(|(p, q)| (p.clone(), q.clone())));
            true
        }
        (Value::Dict(x), Value::Dict(y)) => {
            if !walk.first_visit(x, y) {
                return true;
            }
            let (x, y) = (x.borrow(), y.borrow());
            if x.len() != y.len() {
                return false;
            }
            for (k, v) in x.iter() {
                match y.get(k) {
                    Some(w) => walk.todo.push((v.clone(), w.clone())),
                    None => return false,
                }
            }
            true
        }
        _ => equals(a, b),
    }
}

/// `item in container` (§7.5).
pub fn contains(container: &Value, item: &Value) -> Result<bool> {
    match container {
        Value::Array(a) => Ok(a.borrow().iter().any(|x| equals(x, item))),
        Value::Str(s) => match item {
            Value::Str(sub) => Ok(s.contains(&**sub)),
            _ => Err(Error::new(format!(
                "'in String' requires a String on the left, not {}",
                item.type_name()
            ))),
        },
        Value::Bytes(b) => match item {
            Value::Bytes(sub) => Ok(sub.is_empty() || b.windows(sub.len()).any(|w| w == &**sub)),
            _ => match item.as_i64() {
                Some(n) if (0..=255).contains(&n) => Ok(b.contains(&(n as u8))),
                Some(_) => Err(Error::new("byte must be in range(0, 256)")),
                None => Err(Error::new(format!(
                    "'in Binary' requires a Binary or an Integer on the left, not {}",
                    item.type_name()
                ))),
            },
        },
        Value::Dict(d) => {
            let key = Key::new(item.clone())?;
            Ok(d.borrow().contains_key(&key))
        }
        _ => Err(Error::new(format!(
            "'in' needs an Array, String or Dictionary on the right, not {}",
            container.type_name()
        ))),
    }
}

/// Whether a `case` clause value matches the subject (§6.3): a Pattern
/// pattern-matches, a String glob-matches the subject's text, else `==`.
pub fn case_match(subject: &Value, pattern: &Value) -> Result<bool> {
    match pattern {
        Value::Pattern(p) => Ok(p.is_match(subject)),
        Value::Str(glob) => glob_match(glob, &subject.to_text(), false),
        other => Ok(equals(subject, other)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use indexmap::IndexMap;
    use num_bigint::BigInt;

    fn d(pairs: &[(&str, Value)]) -> Value {
        let mut m = IndexMap::new();
        for (k, v) in pairs {
            m.insert(Key::str(k), v.clone());
        }
        Value::dict(m)
    }

    #[test]
    fn numeric_equality() {
        assert!(equals(&Value::Int(1), &Value::Float(1.0)));
        assert!(equals(&Value::Bool(true), &Value::Int(1)));
        assert!(!equals(&Value::Int(1), &Value::str("1")));
        let big = Value::from_bigint(BigInt::from(1u64 << 63));
        assert!(equals(&big, &Value::Float(2f64.powi(63))));
        assert!(!equals(
            &Value::from_bigint(BigInt::from((1u64 << 63) + 1)),
            &Value::Float(2f64.powi(63))
        ));
        assert!(!equals(&Value::Float(f64::NAN), &Value::Float(f64::NAN)));
    }

    #[test]
    fn container_equality() {
        let a = || Value::array(vec![Value::Int(1), Value::str("x")]);
        assert!(equals(&a(), &a()));
        let d1 = d(&[("a", Value::Int(1)), ("b", Value::Int(2))]);
        let d2 = d(&[("b", Value::Int(2)), ("a", Value::Int(1))]);
        assert!(equals(&d1, &d1.deep_copy()));
        assert!(!equals(&d1, &d2));
    }

    #[test]
    fn ordering() {
        use Ordering::*;
        assert_eq!(compare(&Value::str("Z"), &Value::str("a")).unwrap(), Less);
        let a = Value::array(vec![Value::Int(1), Value::Int(2)]);
        let b = Value::array(vec![Value::Int(1), Value::Int(3)]);
        assert_eq!(compare(&a, &b).unwrap(), Less);
        let c = Value::array(vec![Value::Int(2)]);
        let e = Value::array(vec![Value::Int(1), Value::Int(9)]);
        assert_eq!(compare(&c, &e).unwrap(), Greater);
        assert_eq!(
            compare(&Value::Int(2), &Value::Float(1.5)).unwrap(),
            Greater
        );
        let err = compare(&Value::str("a"), &Value::Int(1)).unwrap_err();
        assert_eq!(err.message, "cannot order String and Integer");
        assert!(compare(&d(&[]), &d(&[])).is_err());
        assert_eq!(
            partial_compare(&Value::Float(f64::NAN), &Value::Int(1)).unwrap(),
            None
        );
    }

    #[test]
    fn similarity() {
        let t = |a: Value, b: Value| similar(&a, &b).unwrap();
        assert!(t(Value::Int(42), Value::str("42")));
        assert!(t(Value::str("3.5"), Value::Float(3.5)));
        assert!(t(
            Value::array(vec![Value::Int(1), Value::str("a")]),
            Value::array(vec![Value::str("1"), Value::str("a")])
        ));
        assert!(!t(
            Value::array(vec![Value::Int(1), Value::Int(2)]),
            Value::array(vec![Value::Int(2), Value::Int(1)])
        ));
        assert!(t(
            d(&[("a", Value::Int(1)), ("b", Value::str("2"))]),
            d(&[("b", Value::Int(2)), ("a", Value::str("1"))])
        ));
        assert!(!t(Value::Int(10), Value::str("11")));
        assert!(t(Value::Int(1), Value::Float(1.0)));
    }

    #[test]
    fn membership() {
        let a = Value::array(vec![Value::Int(1), Value::Int(2)]);
        assert!(contains(&a, &Value::Float(2.0)).unwrap());
        assert!(!contains(&a, &Value::Int(5)).unwrap());
        assert!(contains(&Value::str("hello"), &Value::str("ell")).unwrap());
        assert!(contains(&Value::str("hello"), &Value::Int(1)).is_err());
        let dd = d(&[("a", Value::Int(1))]);
        assert!(contains(&dd, &Value::str("a")).unwrap());
        assert!(!contains(&dd, &Value::Int(1)).unwrap());
        assert!(contains(&dd, &Value::array(vec![])).is_err());
        assert!(contains(&Value::Int(3), &Value::Int(1)).is_err());
    }

    #[test]
    fn case_clauses() {
        assert!(case_match(&Value::str("web01"), &Value::str("web*")).unwrap());
        assert!(!case_match(&Value::str("WEB02"), &Value::str("web*")).unwrap());
        assert!(case_match(&Value::Int(7), &Value::Int(7)).unwrap());
        assert!(case_match(&Value::Int(17), &Value::str("1?")).unwrap());
        assert!(!case_match(&Value::str("7"), &Value::Int(7)).unwrap());
    }
}
