//! `order_by='-updated,field:port'` (library.md §3.6.5) and the `orderBy` field of
//! Directories and Tables, which uses the same syntax.

use super::filter::FieldExpr;
use super::lookup::Class;
use super::TypeFields;
use crate::fields::{FieldKind, ScalarType};

/// One sort key; `desc` for a `-` prefix.
#[derive(Clone, Debug)]
pub struct Order {
    pub key: Key,
    pub desc: bool,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Key {
    Id,
    Owner,
    Abspath,
    DisplayName,
    Description,
    Created,
    Updated,
    Type,
    Parent,
    Name,
    /// A field's stored value read with `expr`; objects without one sort last.
    Field {
        name: String,
        expr: FieldExpr,
    },
    /// A column (an SQL expression on the row `o`) of a virtual list's table.
    Column(&'static str),
}

const KEYS: [(&str, Key); 10] = [
    ("id", Key::Id),
    ("owner", Key::Owner),
    ("abspath", Key::Abspath),
    ("display_name", Key::DisplayName),
    ("description", Key::Description),
    ("created", Key::Created),
    ("updated", Key::Updated),
    ("type_object", Key::Type),
    ("parent_object", Key::Parent),
    // Not in the spec's table; what a Directory is shown by when it has no `orderBy`.
    ("name", Key::Name),
];

fn key_names() -> String {
    let mut names: Vec<&str> = KEYS.iter().map(|(n, _)| *n).collect();
    names.push("field:<name>");
    names.join(", ")
}

/// Parse an `order_by` argument. `fields` is the type the query is known to select
/// (a `type_object=` filter, or a Table's type); `field:` keys need one.
pub fn parse(spec: &str, fields: Option<&TypeFields>) -> Result<Vec<Order>, String> {
    let mut out = Vec::new();
    for part in spec.split(',') {
        let part = part.trim();
        if part.is_empty() {
            if spec.trim().is_empty() {
                break;
            }
            return Err(format!("order_by: empty key in {spec:?}"));
        }
        let (desc, name) = match part.strip_prefix('-') {
            Some(rest) => (true, rest.trim()),
            None => (false, part),
        };
        let key = match name.strip_prefix("field:") {
            Some(field) => field_key(field.trim(), fields)?,
            None => KEYS
                .iter()
                .find(|(n, _)| *n == name)
                .map(|(_, k)| k.clone())
                .ok_or_else(|| format!("order_by: unknown key `{name}` (keys: {})", key_names()))?,
        };
        out.push(Order { key, desc });
    }
    Ok(out)
}

/// The stored `orderBy` of a container, for its default order. It is a setting shown
/// in the UI, so a key that does not apply is skipped rather than failing every
/// listing, and a `field:` key in a Directory of mixed types orders by the plain stored
/// value (numbers by value, then texts).
pub fn parse_lenient(spec: &str, fields: Option<&TypeFields>) -> Vec<Order> {
    let mut out = Vec::new();
    for part in spec.split(',') {
        let one = parse(part, fields).or_else(|e| {
            let name = part.trim().trim_start_matches('-').trim();
            match (fields, name.strip_prefix("field:")) {
                (None, Some(field)) if !field.trim().is_empty() => Ok(vec![Order {
                    key: Key::Field {
                        name: field.trim().to_string(),
                        expr: FieldExpr::Plain,
                    },
                    desc: part.trim().starts_with('-'),
                }]),
                _ => Err(e),
            }
        });
        out.extend(one.unwrap_or_default());
    }
    out
}

fn field_key(name: &str, fields: Option<&TypeFields>) -> Result<Key, String> {
    let Some(fields) = fields else {
        return Err(format!(
            "order_by: `field:{name}` needs a `type_object=` filter (or a Table): the field's type decides the order"
        ));
    };
    let spec = fields.get(name).map_err(|e| format!("order_by: {e}"))?;
    let expr = match (spec.kind, Class::of(spec)) {
        (FieldKind::Array(_), _) | (FieldKind::Dictionary(_), _) | (_, Class::Password) => {
            return Err(format!(
                "order_by: cannot order by `field:{name}`, a {} field (Password, Array and Dictionary fields have no order)",
                spec.type_name()
            ))
        }
        (FieldKind::Scalar(ScalarType::File), _) => FieldExpr::FileName,
        (_, Class::Temporal(ScalarType::Datetime)) => FieldExpr::TaggedInstant,
        (_, Class::Temporal(_)) => FieldExpr::Tagged,
        (_, Class::Object) => FieldExpr::ObjectId,
        (_, Class::Stored) => FieldExpr::Raw,
        _ => FieldExpr::Plain,
    };
    Ok(Key::Field {
        name: name.to_string(),
        expr,
    })
}
