//! One filter (`attribute__lookup=value` or a field filter) checked against the spec's
//! tables and turned into a [`Cond`]: what to compare, how, and the values converted to
//! the form the store keeps (library.md §3.6.3). `find()` and `glob()` share it.

use chrono::{DateTime, FixedOffset};
use jfc_vm::value::{PatternKind, Value};
use rusqlite::types::Value as Sql;

use super::lookup::{self, Attr, Class, Lookup};
use crate::fields::{FieldKind, FieldSpec, ScalarType};
use crate::objects::ObjectId;
use crate::{codec, Store};

/// A condition on an object row `o`; sql.rs writes it as SQL.
#[derive(Clone, Debug)]
pub enum Cond {
    /// A test on a property of the object.
    Attr(Subject, Test),
    /// A stored record of field `name` passes the test (objects without one never match).
    Field {
        name: String,
        expr: FieldExpr,
        test: Test,
    },
    /// The field has no stored value (`null: true`) or has one.
    FieldNull { name: String, null: bool },
}

/// What a test applies to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Subject {
    Name,
    DisplayName,
    Description,
    Owner,
    /// Creation/update time, without the final `Z` (see [`datetime_text`]).
    Created,
    Updated,
    Type,
    Parent,
    /// The absolute path, built while walking down.
    Abspath,
    /// The path below the base of the query (glob paths).
    RelPath,
    /// A column (an SQL expression on the row `o`) of a virtual list's table.
    Column(&'static str),
}

/// How a field's stored JSON text is read for comparing.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FieldExpr {
    /// The text itself (`exact` on strings, which the `(name, value)` index serves;
    /// File/Binary/Array/Dictionary "as String").
    Raw,
    /// The plain JSON value (string, number, boolean).
    Plain,
    /// The `v` of a tagged Date/Time.
    Tagged,
    /// The `v` of a tagged Datetime, without its final `Z`.
    TaggedInstant,
    /// The `id` of a tagged Object.
    ObjectId,
    /// The `name` of a stored File (ordering only, §3.6.5).
    FileName,
}

/// The comparison; `icase` means both sides are lower-cased (the value already is).
#[derive(Clone, Debug)]
pub struct Test {
    pub op: Op,
    pub icase: bool,
}

#[derive(Clone, Debug)]
pub enum Op {
    Eq(Sql),
    /// `>`, `>=`, `<`, `<=`.
    Cmp(&'static str, Sql),
    /// One of the values of a JSON array.
    In(String),
    Range(Sql, Sql),
    Contains(String),
    StartsWith(String),
    EndsWith(String),
    /// A regular expression, searched (Q34), `(?i)` already prepended for `iregex`.
    Regex(String),
    /// An SQLite GLOB pattern (glob names).
    Glob(String),
}

fn test(op: Op) -> Test {
    Test { op, icase: false }
}

/// `attr__lookup=value` on an object property. Errors say what is wrong without the key;
/// the caller puts the key in front.
pub fn attr(store: &Store, attr: Attr, lookup: Lookup, value: &Value) -> Result<Cond, String> {
    if !attr.lookups().contains(&lookup) {
        return Err(format!(
            "the lookup `{lookup}` is not available on the attribute `{}` (available: {})",
            attr.name(),
            lookup::names(attr.lookups())
        ));
    }
    let subject = match attr {
        Attr::Owner => Subject::Owner,
        Attr::Abspath => Subject::Abspath,
        Attr::DisplayName => Subject::DisplayName,
        Attr::Description => Subject::Description,
        Attr::Created => Subject::Created,
        Attr::Updated => Subject::Updated,
        Attr::TypeObject => Subject::Type,
        Attr::ParentObject => Subject::Parent,
        Attr::Name => Subject::Name,
    };
    let one = |v: &Value| -> Result<Sql, String> {
        match attr {
            Attr::Owner => owner(v),
            Attr::TypeObject => match v {
                // A type may be named as in add(): 'NodeInfo'.
                Value::Str(name) if !name.starts_with('/') => {
                    store.type_id(name).map(Sql::Integer).map_err(|e| e.0)
                }
                _ => object_id(store, v).map(Sql::Integer),
            },
            Attr::ParentObject => object_id(store, v).map(Sql::Integer),
            Attr::Created | Attr::Updated => temporal(ScalarType::Datetime, v).map(Sql::Text),
            _ => text(v).map(Sql::Text),
        }
    };
    let t = match lookup {
        Lookup::In => test(Op::In(json_array(&items(value)?, one)?)),
        Lookup::Gt | Lookup::Gte | Lookup::Lt | Lookup::Lte => {
            test(Op::Cmp(cmp_op(lookup), one(value)?))
        }
        Lookup::Exact => test(Op::Eq(one(value)?)),
        _ => string_test(lookup, value)?,
    };
    Ok(Cond::Attr(subject, t))
}

/// The type of an attribute of a virtual object, which decides its lookups (§3.6.3:
/// String → the string lookups; Integer, Datetime → comparisons; others → exact).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum VirtualType {
    String,
    Integer,
    Datetime,
    Exact,
}

impl VirtualType {
    pub fn lookups(self) -> &'static [Lookup] {
        match self {
            VirtualType::String => lookup::STRING,
            VirtualType::Integer | VirtualType::Datetime => lookup::ORDERED,
            VirtualType::Exact => lookup::EXACT,
        }
    }
}

/// `attr__lookup=value` on column `column` of a virtual list; `name` is the attribute.
pub fn virtual_attr(
    name: &str,
    column: &'static str,
    ty: VirtualType,
    lookup: Lookup,
    value: &Value,
) -> Result<Cond, String> {
    if !ty.lookups().contains(&lookup) {
        return Err(format!(
            "the lookup `{lookup}` is not available on the attribute `{name}` (available: {})",
            lookup::names(ty.lookups())
        ));
    }
    let t = match ty {
        VirtualType::String => string_test(lookup, value)?,
        VirtualType::Integer => match lookup {
            Lookup::Exact => test(Op::Eq(number(value)?)),
            _ => test(Op::Cmp(cmp_op(lookup), number(value)?)),
        },
        VirtualType::Datetime => {
            let v = Sql::Text(temporal(ScalarType::Datetime, value)?);
            match lookup {
                Lookup::Exact => test(Op::Eq(v)),
                _ => test(Op::Cmp(cmp_op(lookup), v)),
            }
        }
        VirtualType::Exact => test(Op::Eq(Sql::Text(text(value)?))),
    };
    Ok(Cond::Attr(Subject::Column(column), t))
}

/// `field__lookup=value` on field `name` of type `spec`.
pub fn field(
    store: &Store,
    name: &str,
    spec: &FieldSpec,
    lookup: Lookup,
    value: &Value,
) -> Result<Cond, String> {
    let class = Class::of(spec);
    if class == Class::Password {
        return Err(format!(
            "`{name}` is a Password field: its values are stored encrypted and cannot be searched"
        ));
    }
    if !class.lookups().contains(&lookup) {
        return Err(format!(
            "the lookup `{lookup}` is not available on {} fields (available: {})",
            spec.type_name(),
            lookup::names(class.lookups())
        ));
    }
    let name = name.to_string();
    if lookup == Lookup::IsNull {
        let Value::Bool(null) = value else {
            return Err(format!("expects true or false, not {}", describe(value)));
        };
        return Ok(Cond::FieldNull { name, null: *null });
    }
    // `field=null`: what `isnull=true` says, on every type (Django does the same).
    if lookup == Lookup::Exact && matches!(value, Value::Null) {
        return Ok(Cond::FieldNull { name, null: true });
    }
    let (expr, one): (FieldExpr, Box<ToSql<'_>>) = match class {
        Class::Text if matches!(lookup, Lookup::Exact | Lookup::In) => {
            // Compare the stored JSON text itself: the `(name, value)` index finds it.
            (
                FieldExpr::Raw,
                Box::new(|v| Ok(Sql::Text(encode(&Value::str(&text(v)?))?))),
            )
        }
        Class::Text => (FieldExpr::Plain, Box::new(|v| text(v).map(Sql::Text))),
        Class::Stored => (FieldExpr::Raw, Box::new(|v| stored_text(v).map(Sql::Text))),
        Class::Number
            if spec.kind == FieldKind::Scalar(ScalarType::Integer)
                && matches!(lookup, Lookup::Exact | Lookup::In) =>
        {
            // An Integer field stores its value as a plain JSON integer: comparing the
            // text lets the `(name, value)` index find it.
            (FieldExpr::Raw, Box::new(integer_text))
        }
        Class::Number => (FieldExpr::Plain, Box::new(number)),
        Class::Boolean => (FieldExpr::Plain, Box::new(boolean)),
        Class::Temporal(t) => (
            if t == ScalarType::Datetime {
                FieldExpr::TaggedInstant
            } else {
                FieldExpr::Tagged
            },
            Box::new(move |v| temporal(t, v).map(Sql::Text)),
        ),
        Class::Object => (
            FieldExpr::ObjectId,
            Box::new(|v| object_id(store, v).map(Sql::Integer)),
        ),
        Class::Password => unreachable!("refused above"),
    };
    let t = match lookup {
        Lookup::Exact => test(Op::Eq(one(value)?)),
        Lookup::In => test(Op::In(json_array(&items(value)?, &*one)?)),
        Lookup::Range => {
            let pair = items(value)?;
            let [low, high] = pair.as_slice() else {
                return Err(format!(
                    "expects an Array of two values [low, high], not {} of them",
                    pair.len()
                ));
            };
            test(Op::Range(one(low)?, one(high)?))
        }
        Lookup::Gt | Lookup::Gte | Lookup::Lt | Lookup::Lte => {
            test(Op::Cmp(cmp_op(lookup), one(value)?))
        }
        _ if class == Class::Stored => string_test_with(lookup, value, stored_text)?,
        _ => string_test(lookup, value)?,
    };
    Ok(Cond::Field {
        name,
        expr,
        test: t,
    })
}

/// Turns a filter value into the SQL value it is compared with.
type ToSql<'a> = dyn Fn(&Value) -> Result<Sql, String> + 'a;

fn cmp_op(lookup: Lookup) -> &'static str {
    match lookup {
        Lookup::Gt => ">",
        Lookup::Gte => ">=",
        Lookup::Lt => "<",
        _ => "<=",
    }
}

/// The string lookups other than `exact`/`in`/`range`.
fn string_test(lookup: Lookup, value: &Value) -> Result<Test, String> {
    string_test_with(lookup, value, text)
}

fn string_test_with(
    lookup: Lookup,
    value: &Value,
    to_text: fn(&Value) -> Result<String, String>,
) -> Result<Test, String> {
    let icase = lookup.icase();
    if matches!(lookup, Lookup::Regex | Lookup::IRegex) {
        return Ok(test(Op::Regex(regex(value, icase)?)));
    }
    let s = to_text(value)?;
    let s = if icase { s.to_lowercase() } else { s };
    let op = match lookup {
        Lookup::Exact | Lookup::IExact => Op::Eq(Sql::Text(s)),
        Lookup::Contains | Lookup::IContains => Op::Contains(s),
        Lookup::StartsWith | Lookup::IStartsWith => Op::StartsWith(s),
        _ => Op::EndsWith(s),
    };
    Ok(Test { op, icase })
}

/// A regular expression from a String or a regex pattern value (`r'^web\d+'`), checked
/// now so a bad one is reported where it is written.
fn regex(value: &Value, icase: bool) -> Result<String, String> {
    let (text, pattern_icase) = match value {
        Value::Str(s) => (s.to_string(), false),
        Value::Pattern(p) if p.kind == PatternKind::Regex => (p.text.to_string(), p.icase),
        other => {
            return Err(format!(
                "expects a regular expression (a String), not {}",
                describe(other)
            ))
        }
    };
    fancy_regex::Regex::new(&text).map_err(|_| jfc_vm::value::regex_error::untranslated(&text))?;
    Ok(if icase || pattern_icase {
        format!("(?i){text}")
    } else {
        text
    })
}

/// The elements of the Array an `in`/`range` lookup takes.
fn items(value: &Value) -> Result<Vec<Value>, String> {
    match value {
        Value::Array(a) => Ok(a.borrow().clone()),
        other => Err(format!("expects an Array, not {}", describe(other))),
    }
}

fn json_array(
    items: &[Value],
    one: impl Fn(&Value) -> Result<Sql, String>,
) -> Result<String, String> {
    let mut out = Vec::with_capacity(items.len());
    for v in items {
        out.push(match one(v)? {
            Sql::Integer(i) => serde_json::Value::from(i),
            Sql::Real(f) => serde_json::Value::from(f),
            Sql::Text(s) => serde_json::Value::from(s),
            Sql::Null | Sql::Blob(_) => serde_json::Value::Null,
        });
    }
    Ok(serde_json::Value::Array(out).to_string())
}

/// A value compared as text: Strings, and numbers/Booleans in their text form.
fn text(v: &Value) -> Result<String, String> {
    match v {
        Value::Str(s) => Ok(s.to_string()),
        Value::Int(_) | Value::BigInt(_) | Value::Float(_) | Value::Bool(_) => Ok(v.to_text()),
        other => Err(format!("expects a String, not {}", describe(other))),
    }
}

/// File/Binary/Array/Dictionary fields compare their stored text: a String is taken
/// as that text, any other value as the text it is stored as.
fn stored_text(v: &Value) -> Result<String, String> {
    match v {
        Value::Str(s) => Ok(s.to_string()),
        other => encode(other),
    }
}

fn encode(v: &Value) -> Result<String, String> {
    codec::encode(v)
}

fn number(v: &Value) -> Result<Sql, String> {
    match v {
        Value::Int(i) => Ok(Sql::Integer(*i)),
        Value::Float(f) => Ok(Sql::Real(*f)),
        Value::Str(s) => {
            let s = s.trim();
            s.parse::<i64>()
                .map(Sql::Integer)
                .or_else(|_| s.parse::<f64>().map(Sql::Real))
                .map_err(|_| format!("expects a number, not the String {}", v.to_nested_text()))
        }
        other => Err(format!(
            "expects an Integer or a Float, not {}",
            describe(other)
        )),
    }
}

/// The stored text of an integral value; a non-integral number can equal no Integer
/// field, so it is given as a text no Integer is stored as.
fn integer_text(v: &Value) -> Result<Sql, String> {
    Ok(Sql::Text(match number(v)? {
        Sql::Integer(i) => i.to_string(),
        Sql::Real(f) if f.fract() == 0.0 && f.abs() < 9.0e15 => (f as i64).to_string(),
        _ => "not an integer".to_string(),
    }))
}

fn boolean(v: &Value) -> Result<Sql, String> {
    match convert(ScalarType::Boolean, v)? {
        Value::Bool(b) => Ok(Sql::Integer(b as i64)),
        other => Err(format!("expects a Boolean, not {}", describe(&other))),
    }
}

/// Datetime/Date/Time values (or Strings in the forms a field of that type accepts) as
/// the text the store keeps.
fn temporal(t: ScalarType, v: &Value) -> Result<String, String> {
    match convert(t, v)? {
        Value::Datetime(dt) => Ok(datetime_text(&dt)),
        Value::Date(d) => Ok(d.to_string()),
        Value::Time(t) => Ok(t.to_string()),
        other => Err(format!("expects a {}, not {}", t.name(), describe(&other))),
    }
}

/// The UTC instant as the store writes it (codec.rs, `now_text`), without the final
/// `Z`. Sub-microsecond values have nine digits instead of six; without the `Z`, a
/// shorter text that is a prefix of a longer one sorts first, which is right for both.
pub fn datetime_text(dt: &DateTime<FixedOffset>) -> String {
    let utc = dt.naive_utc();
    if utc.and_utc().timestamp_subsec_nanos().is_multiple_of(1000) {
        utc.format("%Y-%m-%dT%H:%M:%S%.6f").to_string()
    } else {
        utc.format("%Y-%m-%dT%H:%M:%S%.9f").to_string()
    }
}

/// Convert as a field of type `t` without qualifiers would on write (§4.1), so a filter
/// takes what the field takes (`'2024-01-02 10:00'` for a Datetime).
fn convert(t: ScalarType, v: &Value) -> Result<Value, String> {
    let spec = FieldSpec::parse(t.name())?;
    let label = "value";
    spec.convert(label, v.clone(), &|p| {
        Err(format!("cannot resolve {p} here"))
    })
    .map_err(|e| {
        e.strip_prefix(&format!("field `{label}`: "))
            .map(str::to_string)
            .unwrap_or(e)
    })
}

/// An object given as an Object value or an absolute path.
fn object_id(store: &Store, v: &Value) -> Result<ObjectId, String> {
    match v {
        Value::Object(o) => Ok(o.id),
        Value::Str(p) if p.starts_with('/') => store
            .lookup(p)
            .map_err(|e| e.0)?
            .ok_or_else(|| format!("no object at {p}")),
        other => Err(format!(
            "expects an Object (or its absolute path), not {}",
            describe(other)
        )),
    }
}

/// Owners are user names (the `owner` property reads as one); a User object of
/// `/config/user` stands for its name.
fn owner(v: &Value) -> Result<Sql, String> {
    match v {
        Value::Str(s) => Ok(Sql::Text(s.to_string())),
        Value::Object(o) if o.path.starts_with("/config/user/") => Ok(Sql::Text(
            o.path.rsplit('/').next().unwrap_or_default().to_string(),
        )),
        other => Err(format!("expects a user name, not {}", describe(other))),
    }
}

/// `Integer 3`, `String 'a'`: a value in a message.
pub fn describe(v: &Value) -> String {
    const MAX: usize = 40;
    let text = v.to_nested_text();
    let text = if text.chars().count() > MAX {
        format!("{}...", text.chars().take(MAX).collect::<String>())
    } else {
        text
    };
    format!("{} {text}", v.type_name())
}
