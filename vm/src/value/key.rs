//! Dictionary keys with Python hashing semantics: numbers that compare equal
//! (1, 1.0, true) are the same key; strings compare by content.

use std::hash::{Hash, Hasher};
use std::rc::Rc;

use num_bigint::BigInt;
use num_traits::{FromPrimitive, ToPrimitive};

use super::compare::equals;
use super::{Error, Key, Result, Value};

impl Key {
    /// A key from any non-composite value; Arrays and Dictionaries are refused.
    pub fn new(v: Value) -> Result<Key> {
        match v {
            Value::Array(_) | Value::Dict(_) | Value::Lazy(_) => Err(Error::new(format!(
                "{} cannot be a Dictionary key",
                v.type_name()
            ))),
            v => Ok(Key(v)),
        }
    }

    /// A String key.
    pub fn str(s: &str) -> Key {
        Key(Value::str(s))
    }

    pub fn value(&self) -> &Value {
        &self.0
    }
}

impl PartialEq for Key {
    fn eq(&self, other: &Key) -> bool {
        equals(&self.0, &other.0)
    }
}

impl Eq for Key {}

impl Hash for Key {
    fn hash<H: Hasher>(&self, state: &mut H) {
        match &self.0 {
            // Every number hashes by its integral value when it has one, so
            // that equal numbers of different types land together.
            Value::Bool(b) => hash_int(*b as i64, state),
            Value::Int(i) => hash_int(*i, state),
            Value::BigInt(b) => hash_big(b, state),
            Value::Float(f) => {
                if f.is_finite() && f.fract() == 0.0 {
                    if f.abs() < 9.0e18 {
                        hash_int(*f as i64, state);
                    } else if let Some(b) = BigInt::from_f64(*f) {
                        hash_big(&b, state);
                    }
                } else {
                    2u8.hash(state);
                    f.to_bits().hash(state);
                }
            }
            Value::Null => 3u8.hash(state),
            Value::Str(s) => {
                4u8.hash(state);
                s.hash(state);
            }
            Value::Bytes(b) => {
                5u8.hash(state);
                b.hash(state);
            }
            Value::Pattern(p) => {
                6u8.hash(state);
                p.text.hash(state);
            }
            Value::Object(o) => {
                7u8.hash(state);
                o.id.hash(state);
            }
            Value::Datetime(dt) => {
                7u8.hash(state);
                dt.naive_utc().hash(state);
            }
            Value::Date(d) => {
                8u8.hash(state);
                d.hash(state);
            }
            Value::Time(t) => {
                9u8.hash(state);
                t.hash(state);
            }
            Value::Timedelta(t) => {
                10u8.hash(state);
                t.hash(state);
            }
            Value::Process(p) => {
                11u8.hash(state);
                (Rc::as_ptr(p) as *const () as usize).hash(state);
            }
            Value::Channel(c) => {
                12u8.hash(state);
                (Rc::as_ptr(c) as *const () as usize).hash(state);
            }
            Value::Builtin(i) => {
                13u8.hash(state);
                i.hash(state);
            }
            Value::Lazy(l) => {
                15u8.hash(state);
                (Rc::as_ptr(l) as *const () as usize).hash(state);
            }
            Value::Method(m) => {
                14u8.hash(state);
                m.name.hash(state);
            }
            Value::Jobflow(j) => {
                15u8.hash(state);
                j.path.hash(state);
            }
            // Refused by Key::new; hash something stable anyway.
            Value::Array(_) | Value::Dict(_) => 16u8.hash(state),
        }
    }
}

fn hash_int<H: Hasher>(i: i64, state: &mut H) {
    1u8.hash(state);
    i.hash(state);
}

fn hash_big<H: Hasher>(b: &BigInt, state: &mut H) {
    match b.to_i64() {
        Some(i) => hash_int(i, state),
        None => {
            1u8.hash(state);
            b.hash(state);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use indexmap::IndexMap;

    #[test]
    fn numbers_unify() {
        let mut m: IndexMap<Key, Value> = IndexMap::new();
        m.insert(Key::new(Value::Int(1)).unwrap(), Value::str("int"));
        m.insert(Key::new(Value::Float(1.0)).unwrap(), Value::str("float"));
        m.insert(Key::new(Value::Bool(true)).unwrap(), Value::str("bool"));
        assert_eq!(m.len(), 1);
        // The first key is kept, the last value wins (Python dict).
        let (k, v) = m.get_index(0).unwrap();
        assert!(matches!(k.0, Value::Int(1)));
        assert_eq!(v.to_text(), "bool");
        assert!(m.contains_key(&Key::new(Value::Float(1.0)).unwrap()));
        assert!(!m.contains_key(&Key::new(Value::Float(1.5)).unwrap()));
        assert!(!m.contains_key(&Key::str("1")));
        let big = Value::from_bigint(BigInt::from(1u64 << 62) * 4);
        m.insert(Key::new(big).unwrap(), Value::Null);
        assert!(m.contains_key(&Key::new(Value::Float(2f64.powi(64))).unwrap()));
    }

    #[test]
    fn strings_by_content_and_composites_refused() {
        let mut m: IndexMap<Key, Value> = IndexMap::new();
        m.insert(Key::str("a"), Value::Int(1));
        assert!(m.contains_key(&Key::new(Value::str("a")).unwrap()));
        let e = Key::new(Value::array(vec![])).err().unwrap();
        assert_eq!(e.message, "Array cannot be a Dictionary key");
        assert!(Key::new(Value::dict(IndexMap::new())).is_err());
    }
}
