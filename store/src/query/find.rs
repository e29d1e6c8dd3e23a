//! `dir.find(**kw)` (library.md §3.6.3): attribute filters, `fields={...}`, `order_by`,
//! `limit` and `offset`, over the whole subtree below `dir`. Errors name the keyword.

use jfc_vm::value::Value;

use super::filter::{self, Cond};
use super::lookup::{self, Attr, Lookup};
use super::{default_order, order, table_fields, Fallback, Query, Scope, TypeFields};
use crate::objects::ObjectId;
use crate::Store;

pub fn query(store: &Store, dir: ObjectId, kw: &[(String, Value)]) -> Result<Query, String> {
    let err = |e: crate::StoreError| e.0;
    let mut tf = table_fields(store, dir).map_err(err)?;
    if let Some(t) = type_filter(store, kw)? {
        tf = Some(TypeFields::of(store, t).map_err(err)?);
    }
    let mut conds = Vec::new();
    let (mut order, mut limit, mut offset) = (None, None, 0);
    for (key, value) in kw {
        match key.as_str() {
            "fields" => conds.extend(field_filters(store, tf.as_ref(), value)?),
            "order_by" => {
                let Value::Str(spec) = value else {
                    return Err(format!(
                        "order_by: expects a String such as '-updated,name', not {}",
                        filter::describe(value)
                    ));
                };
                order = Some(order::parse(spec, tf.as_ref())?);
            }
            "limit" => limit = Some(count("limit", value)?),
            "offset" => offset = count("offset", value)?,
            _ => conds.push(attr_filter(store, key, value).map_err(|e| keyword_hint(key, e))?),
        }
    }
    let order = match order {
        Some(o) if !o.is_empty() => o,
        _ => default_order(store, dir, tf.as_ref(), Fallback::Id).map_err(err)?,
    };
    Query::new(store, Scope::Subtree(dir), conds, order, limit, offset).map_err(err)
}

/// The type a `type_object=` (or `type_object__exact=`) filter names.
fn type_filter(store: &Store, kw: &[(String, Value)]) -> Result<Option<ObjectId>, String> {
    let Some((key, v)) = kw
        .iter()
        .find(|(k, _)| k == "type_object" || k == "type_object__exact")
    else {
        return Ok(None);
    };
    match v {
        Value::Object(o) => Ok(Some(o.id)),
        Value::Str(p) => store
            .type_id(p)
            .map(Some)
            .map_err(|e| format!("{key}: {e}")),
        other => Err(format!(
            "{key}: expects a TypeObject (or its path), not {}",
            filter::describe(other)
        )),
    }
}

/// `attr__lookup=value` (find's and glob's); errors start with the key.
pub fn attr_filter(store: &Store, key: &str, value: &Value) -> Result<Cond, String> {
    let (name, lookup) = split_known(key, |n| Attr::parse(n).is_some());
    let Some(attr) = Attr::parse(name) else {
        return Err(format!(
            "`{key}` is not an attribute (attributes: {})",
            lookup::attr_names()
        ));
    };
    let lookup = parse_lookup(lookup).map_err(|e| format!("{key}: {e}"))?;
    filter::attr(store, attr, lookup, value).map_err(|e| format!("{key}: {e}"))
}

/// An unknown keyword may be a field or a misspelt keyword: say where those go.
fn keyword_hint(key: &str, e: String) -> String {
    if Attr::parse(key).is_some() || Attr::parse(lookup::split(key).0).is_some() {
        return e;
    }
    format!("{e}; field filters go in fields={{...}}, and the other keywords are order_by, limit, offset")
}

/// `fields={port__gte=1024, ...}`.
fn field_filters(
    store: &Store,
    tf: Option<&TypeFields>,
    value: &Value,
) -> Result<Vec<Cond>, String> {
    let Value::Dict(d) = value else {
        return Err(format!(
            "fields: expects a Dictionary such as {{port__gte=1024}}, not {}",
            filter::describe(value)
        ));
    };
    let Some(tf) = tf else {
        return Err(
            "fields= needs a type_object= filter (or a Table): the type's fields say how values compare"
                .into(),
        );
    };
    let mut out = Vec::new();
    for (k, v) in d.borrow().iter() {
        let key = k.value().to_text();
        out.push(field_filter(store, tf, &key, v).map_err(|e| format!("fields: {e}"))?);
    }
    Ok(out)
}

/// One field filter `name__lookup=value` of the type `tf` (find's and glob's); errors
/// start with the key.
pub fn field_filter(
    store: &Store,
    tf: &TypeFields,
    key: &str,
    value: &Value,
) -> Result<Cond, String> {
    let (name, lookup) = split_known(key, |n| tf.has(n));
    let one = || {
        let spec = tf.get(name)?;
        filter::field(store, name, spec, parse_lookup(lookup)?, value)
    };
    one().map_err(|e| format!("{key}: {e}"))
}

/// `name__lookup` split at its last `__`, unless the whole key is a known name (a field
/// may have `__` in its name).
pub(super) fn split_known(key: &str, known: impl Fn(&str) -> bool) -> (&str, Option<&str>) {
    if known(key) {
        return (key, None);
    }
    lookup::split(key)
}

pub(super) fn parse_lookup(lookup: Option<&str>) -> Result<Lookup, String> {
    match lookup {
        None => Ok(Lookup::Exact),
        Some(l) => Lookup::parse(l)
            .ok_or_else(|| format!("`{l}` is not a lookup (lookups: {})", lookup::all_names())),
    }
}

/// `limit`/`offset`: a whole number, 0 or more.
pub(super) fn count(name: &str, v: &Value) -> Result<i64, String> {
    match v {
        Value::Int(n) if *n >= 0 => Ok(*n),
        other => Err(format!(
            "{name}: expects a whole number, 0 or more, not {}",
            filter::describe(other)
        )),
    }
}
