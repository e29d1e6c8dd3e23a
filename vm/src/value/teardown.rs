//! Dropping a value without recursion. A flow can nest containers a million levels
//! deep (`[l = [i, l]]` in a loop); the drop glue of `Rc<RefCell<Vec<Value>>>` would
//! recurse once per level and overflow the native stack. Instead a container that is
//! about to be freed hands its elements to a work list, emptied one level at a time.

use std::rc::Rc;

use super::Value;

impl Drop for Value {
    fn drop(&mut self) {
        if !last_owner(self) {
            return;
        }
        let mut pending = Vec::new();
        take_elements(self, &mut pending);
        while let Some(mut v) = pending.pop() {
            take_elements(&mut v, &mut pending);
            // `v` is dropped here with its container empty: no recursion.
        }
    }
}

/// Whether dropping `v` frees a container (only containers nest).
fn last_owner(v: &Value) -> bool {
    match v {
        Value::Array(a) => Rc::strong_count(a) == 1,
        Value::Dict(d) => Rc::strong_count(d) == 1,
        _ => false,
    }
}

/// Move the elements of a container about to be freed into `out`.
fn take_elements(v: &mut Value, out: &mut Vec<Value>) {
    if !last_owner(v) {
        return;
    }
    match v {
        Value::Array(a) => {
            if let Ok(mut items) = a.try_borrow_mut() {
                out.append(&mut items);
            }
        }
        Value::Dict(d) => {
            if let Ok(mut entries) = d.try_borrow_mut() {
                out.extend(std::mem::take(&mut *entries).into_values());
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::value::Key;

    #[test]
    fn deep_nesting_drops_without_recursion() {
        let mut v = Value::Null;
        for i in 0..200_000 {
            let mut d = indexmap::IndexMap::new();
            d.insert(Key::str("next"), v);
            v = Value::array(vec![Value::Int(i), Value::dict(d)]);
        }
        drop(v);
    }

    #[test]
    fn shared_elements_survive() {
        let inner = Value::array(vec![Value::Int(1)]);
        let outer = Value::array(vec![inner.clone(), inner.clone()]);
        drop(outer);
        assert_eq!(inner.to_text(), "[1]");
    }
}
