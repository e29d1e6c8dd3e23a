//! The 19 field type names (library.md §4.1) and the `Array<T>`/`Dictionary<T>` forms (§4.2).

use std::fmt;

/// A scalar field type: one of the 17 non-generic type names.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ScalarType {
    String,
    Binary,
    Integer,
    Float,
    Boolean,
    Enum,
    Text,
    LargeText,
    Password,
    File,
    Object,
    Datetime,
    Date,
    Time,
    IPAddress,
    EMail,
    URL,
}

/// The type of a field: a scalar, or an Array/Dictionary of a scalar.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum FieldKind {
    Scalar(ScalarType),
    Array(ScalarType),
    Dictionary(ScalarType),
}

const SCALARS: [(&str, ScalarType); 17] = [
    ("String", ScalarType::String),
    ("Binary", ScalarType::Binary),
    ("Integer", ScalarType::Integer),
    ("Float", ScalarType::Float),
    ("Boolean", ScalarType::Boolean),
    ("Enum", ScalarType::Enum),
    ("Text", ScalarType::Text),
    ("LargeText", ScalarType::LargeText),
    ("Password", ScalarType::Password),
    ("File", ScalarType::File),
    ("Object", ScalarType::Object),
    ("Datetime", ScalarType::Datetime),
    ("Date", ScalarType::Date),
    ("Time", ScalarType::Time),
    ("IPAddress", ScalarType::IPAddress),
    ("EMail", ScalarType::EMail),
    ("URL", ScalarType::URL),
];

/// Every type name, for error messages.
pub const TYPE_NAMES: [&str; 19] = [
    "String",
    "Binary",
    "Integer",
    "Float",
    "Boolean",
    "Enum",
    "Text",
    "LargeText",
    "Password",
    "File",
    "Object",
    "Datetime",
    "Date",
    "Time",
    "IPAddress",
    "EMail",
    "URL",
    "Array",
    "Dictionary",
];

impl ScalarType {
    pub fn name(self) -> &'static str {
        SCALARS
            .iter()
            .find(|(_, t)| *t == self)
            .map_or("String", |(n, _)| n)
    }

    fn from_name(name: &str) -> Option<ScalarType> {
        SCALARS.iter().find(|(n, _)| *n == name).map(|(_, t)| *t)
    }

    /// Whether this type may be T of `Array<T>`/`Dictionary<T>` (§4.2: not Text,
    /// LargeText, nor nested generics — these cannot even be named here).
    pub fn is_element_type(self) -> bool {
        !matches!(self, ScalarType::Text | ScalarType::LargeText)
    }

    /// The types whose values are text read back as a String (strip applies, §4.4).
    pub fn is_text(self) -> bool {
        matches!(
            self,
            ScalarType::String | ScalarType::Text | ScalarType::LargeText | ScalarType::Password
        )
    }
}

impl FieldKind {
    /// Parse a type name: a scalar name, `Array`, `Dictionary`, or `Array<T>`/`Dictionary<T>`
    /// (spaces inside the angle brackets are allowed).
    pub fn parse(name: &str) -> Result<FieldKind, String> {
        let name = name.trim();
        if let Some(t) = ScalarType::from_name(name) {
            return Ok(FieldKind::Scalar(t));
        }
        for (generic, make) in [
            ("Array", FieldKind::Array as fn(ScalarType) -> FieldKind),
            ("Dictionary", FieldKind::Dictionary),
        ] {
            if let Some(rest) = name.strip_prefix(generic) {
                return parse_element(generic, rest.trim()).map(make);
            }
        }
        Err(unknown_type(name))
    }

    /// The element type of an Array/Dictionary, else the scalar type itself.
    pub fn scalar(self) -> ScalarType {
        match self {
            FieldKind::Scalar(t) | FieldKind::Array(t) | FieldKind::Dictionary(t) => t,
        }
    }
}

/// What follows `Array`/`Dictionary`: nothing (= `<String>`) or `<T>`.
fn parse_element(generic: &str, rest: &str) -> Result<ScalarType, String> {
    if rest.is_empty() {
        return Ok(ScalarType::String);
    }
    let inner = rest
        .strip_prefix('<')
        .and_then(|r| r.strip_suffix('>'))
        .map(str::trim)
        .ok_or_else(|| unknown_type(&format!("{generic}{rest}")))?;
    let t = ScalarType::from_name(inner).ok_or_else(|| {
        format!(
            "{generic}<{inner}>: {inner} cannot be an element type (allowed: {})",
            element_names()
        )
    })?;
    if !t.is_element_type() {
        return Err(format!(
            "{generic}<{inner}>: {inner} cannot be an element type (allowed: {})",
            element_names()
        ));
    }
    Ok(t)
}

fn element_names() -> String {
    SCALARS
        .iter()
        .filter(|(_, t)| t.is_element_type())
        .map(|(n, _)| *n)
        .collect::<Vec<_>>()
        .join(", ")
}

fn unknown_type(name: &str) -> String {
    format!(
        "unknown field type '{name}' (valid types: {}, Array<T>, Dictionary<T>)",
        TYPE_NAMES.join(", ")
    )
}

impl fmt::Display for FieldKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FieldKind::Scalar(t) => f.write_str(t.name()),
            FieldKind::Array(t) => write!(f, "Array<{}>", t.name()),
            FieldKind::Dictionary(t) => write!(f, "Dictionary<{}>", t.name()),
        }
    }
}
