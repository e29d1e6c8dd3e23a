//! The lookups of `find()` and which attribute or field type allows which
//! (library.md §3.6.3): the two tables of the spec, as data.

use std::fmt;

use crate::fields::{FieldKind, FieldSpec, ScalarType};

/// A lookup: the part after `__` in `port__gte`; none means `exact`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Lookup {
    Exact,
    IExact,
    Contains,
    IContains,
    StartsWith,
    IStartsWith,
    EndsWith,
    IEndsWith,
    Regex,
    IRegex,
    Gt,
    Gte,
    Lt,
    Lte,
    In,
    IsNull,
    Range,
}

use Lookup::*;

const ALL: [(&str, Lookup); 17] = [
    ("exact", Exact),
    ("iexact", IExact),
    ("contains", Contains),
    ("icontains", IContains),
    ("startswith", StartsWith),
    ("istartswith", IStartsWith),
    ("endswith", EndsWith),
    ("iendswith", IEndsWith),
    ("regex", Regex),
    ("iregex", IRegex),
    ("gt", Gt),
    ("gte", Gte),
    ("lt", Lt),
    ("lte", Lte),
    ("in", In),
    ("isnull", IsNull),
    ("range", Range),
];

/// The ten string lookups.
pub const STRING: &[Lookup] = &[
    Exact,
    IExact,
    Contains,
    IContains,
    StartsWith,
    IStartsWith,
    EndsWith,
    IEndsWith,
    Regex,
    IRegex,
];
const STRING_FIELD: &[Lookup] = &[
    Exact,
    IExact,
    Contains,
    IContains,
    StartsWith,
    IStartsWith,
    EndsWith,
    IEndsWith,
    Regex,
    IRegex,
    In,
    Range,
];
const EXACT_IN: &[Lookup] = &[Exact, In];
pub const ORDERED: &[Lookup] = &[Exact, Gt, Gte, Lt, Lte];
const NUMBER_FIELD: &[Lookup] = &[Exact, IsNull, Gt, Gte, Lt, Lte, In, Range];
const TEMPORAL_FIELD: &[Lookup] = &[Exact, IsNull, Gt, Gte, Lt, Lte, Range];
const OBJECT_FIELD: &[Lookup] = &[Exact, IsNull];
pub const EXACT: &[Lookup] = &[Exact];

impl Lookup {
    pub fn parse(name: &str) -> Option<Lookup> {
        ALL.iter().find(|(n, _)| *n == name).map(|(_, l)| *l)
    }

    pub fn name(self) -> &'static str {
        ALL.iter()
            .find(|(_, l)| *l == self)
            .map_or("exact", |(n, _)| n)
    }

    /// The case-insensitive lookups.
    pub fn icase(self) -> bool {
        matches!(self, IExact | IContains | IStartsWith | IEndsWith | IRegex)
    }
}

impl fmt::Display for Lookup {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// `a, b, c` for messages.
pub fn names(lookups: &[Lookup]) -> String {
    lookups
        .iter()
        .map(|l| l.name())
        .collect::<Vec<_>>()
        .join(", ")
}

/// Every lookup, for messages.
pub fn all_names() -> String {
    ALL.iter().map(|(n, _)| *n).collect::<Vec<_>>().join(", ")
}

/// Split `name__lookup` at its last `__` when what follows is a lookup; otherwise the
/// whole key is the name. A known name followed by an unknown lookup is reported by
/// the caller, which knows the names.
pub fn split(key: &str) -> (&str, Option<&str>) {
    match key.rsplit_once("__") {
        Some((name, suffix)) if !name.is_empty() => (name, Some(suffix)),
        _ => (key, None),
    }
}

/// An attribute of every object that `find()` can filter on, and its column.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Attr {
    Owner,
    Abspath,
    DisplayName,
    Description,
    Created,
    Updated,
    TypeObject,
    ParentObject,
    /// Not in the spec's table, but an ops engineer writes `find(name__startswith='web')`
    /// first; Kompira's model has the column, so it takes the string lookups.
    Name,
}

pub const ATTRS: [(&str, Attr); 9] = [
    ("owner", Attr::Owner),
    ("abspath", Attr::Abspath),
    ("display_name", Attr::DisplayName),
    ("description", Attr::Description),
    ("created", Attr::Created),
    ("updated", Attr::Updated),
    ("type_object", Attr::TypeObject),
    ("parent_object", Attr::ParentObject),
    ("name", Attr::Name),
];

impl Attr {
    pub fn parse(name: &str) -> Option<Attr> {
        ATTRS.iter().find(|(n, _)| *n == name).map(|(_, a)| *a)
    }

    pub fn name(self) -> &'static str {
        ATTRS
            .iter()
            .find(|(_, a)| *a == self)
            .map_or("name", |(n, _)| n)
    }

    /// The lookups the spec's attribute table allows.
    pub fn lookups(self) -> &'static [Lookup] {
        match self {
            Attr::Owner | Attr::TypeObject | Attr::ParentObject => EXACT_IN,
            Attr::Abspath | Attr::DisplayName | Attr::Description | Attr::Name => STRING,
            Attr::Created | Attr::Updated => ORDERED,
        }
    }
}

pub fn attr_names() -> String {
    ATTRS.iter().map(|(n, _)| *n).collect::<Vec<_>>().join(", ")
}

/// How the values of a field type are compared: the rows of the spec's field table.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Class {
    /// String and the types read as a String: the stored JSON string.
    Text,
    /// Integer, Float: numerically.
    Number,
    Boolean,
    /// Datetime, Date, Time: the stored UTC/ISO text, which sorts like the value.
    Temporal(ScalarType),
    /// Object: by the referenced id.
    Object,
    /// File, Binary, Array<T>, Dictionary<T>: "as String, against the stored text form".
    Stored,
    /// Password: stored encrypted (platform.md §7), so never compared.
    Password,
}

impl Class {
    pub fn of(spec: &FieldSpec) -> Class {
        match spec.kind {
            FieldKind::Array(_) | FieldKind::Dictionary(_) => Class::Stored,
            FieldKind::Scalar(t) => match t {
                ScalarType::String
                | ScalarType::Text
                | ScalarType::LargeText
                | ScalarType::Enum
                | ScalarType::IPAddress
                | ScalarType::EMail
                | ScalarType::URL => Class::Text,
                ScalarType::Password => Class::Password,
                ScalarType::Integer | ScalarType::Float => Class::Number,
                ScalarType::Boolean => Class::Boolean,
                ScalarType::Datetime | ScalarType::Date | ScalarType::Time => Class::Temporal(t),
                ScalarType::Object => Class::Object,
                ScalarType::File | ScalarType::Binary => Class::Stored,
            },
        }
    }

    pub fn lookups(self) -> &'static [Lookup] {
        match self {
            Class::Text | Class::Stored => STRING_FIELD,
            Class::Number => NUMBER_FIELD,
            Class::Boolean => EXACT,
            Class::Temporal(_) => TEMPORAL_FIELD,
            Class::Object => OBJECT_FIELD,
            Class::Password => &[],
        }
    }
}
