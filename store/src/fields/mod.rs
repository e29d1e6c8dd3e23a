//! Field types and qualifiers (library.md §4): parsing the type strings of type objects
//! (`'Integer {"min_value": 1}'`, `'Array<Enum> {"enum": ["a", "b"]}'`) and converting
//! and validating values written to fields (§3.4).
//!
//! Decisions (each where the spec leaves room):
//! - `null` is accepted by every type and unsets the field; no qualifier rule applies to
//!   it (§4.1 lists "null deletes"/"unset → null"; Django skips validators on empty values).
//! - Boolean follows §6 Q23: Boolean, Integer 0/1, `'true'`/`'false'` (any case); no
//!   other truthiness.
//! - Integer also takes a Boolean (a Python int) and Strings by `int()` rules; the range
//!   is 64-bit signed (Q31). Float takes what `float()` takes, except non-numeric types.
//! - Datetime takes the nine forms of the §4.1 table, plus the ISO form `datetime()`
//!   reads (with an optional offset), plus a Date (midnight); without an offset the text is
//!   local time, as `datetime()` reads it.
//! - Enum: the `enum` list and `[value, display]` pairs are enforced; no `enum`, or a
//!   reference/switch form (§4.5), is not evaluated yet and accepts any value.
//! - IPAddress/EMail/URL take Strings only; the empty String is a blank field and is kept.
//! - `pattern` searches anywhere in the value (Django's `RegexValidator`); an invalid
//!   `pattern` makes the type string invalid, like invalid qualifier JSON (Q24).
//! - Qualifiers that do not apply to the type, and values of the wrong JSON type, are ignored.

mod check;
mod convert;
mod kind;
mod qualifiers;

#[cfg(test)]
mod tests;

use jfc_vm::builtins::json;
use jfc_vm::value::Value;

pub use check::{is_email, is_ipv4};
pub use kind::{FieldKind, ScalarType, TYPE_NAMES};
pub use qualifiers::{Bound, EnumChoices, Qualifiers, RegexRule, DEFAULT_SCHEMES};

use convert::Ctx;

/// Resolves the path of an object to an Object value, for Object fields written as paths.
pub type Resolve<'a> = &'a dyn Fn(&str) -> Result<Value, String>;

/// A parsed field type string.
#[derive(Clone, Debug)]
pub struct FieldSpec {
    pub kind: FieldKind,
    pub qualifiers: Qualifiers,
    /// The type string as written.
    pub source: String,
}

impl FieldSpec {
    /// Parse `Name` or `Name {json qualifiers}` (§4.2, §4.3). An unknown type name is an
    /// error that lists the valid ones; unknown qualifiers are ignored.
    pub fn parse(text: &str) -> Result<FieldSpec, String> {
        let (name, json) = match text.find('{') {
            Some(i) => (&text[..i], Some(&text[i..])),
            None => (text, None),
        };
        let kind = FieldKind::parse(name)?;
        let qualifiers = match json {
            Some(j) => Qualifiers::parse(j)?,
            None => Qualifiers::default(),
        };
        Ok(FieldSpec {
            kind,
            qualifiers,
            source: text.to_string(),
        })
    }

    /// The value to store when `value` is written to field `field_name`: converted to the
    /// field type (§4.1, §4.2) and checked against the qualifiers (§4.4). Errors name the
    /// field and the rule: "field `port`: 70000 is above max_value 65535".
    pub fn convert(
        &self,
        field_name: &str,
        value: Value,
        resolve: Resolve,
    ) -> Result<Value, String> {
        let ctx = Ctx {
            label: field_name.to_string(),
            q: &self.qualifiers,
            resolve,
        };
        match self.kind {
            FieldKind::Scalar(t) => convert::scalar(t, &ctx, value),
            FieldKind::Array(t) => convert::array(t, &ctx, value),
            FieldKind::Dictionary(t) => convert::dictionary(t, &ctx, value),
        }
    }

    /// The `default` qualifier converted to the field type, or None when there is none
    /// or it does not convert ("an incompatible default is invalid and ignored", §4.4).
    /// An Object default given as a path needs the store: see [`Self::default_value_with`].
    pub fn default_value(&self) -> Option<Value> {
        self.default_value_with(&|path| Err(format!("cannot resolve '{path}' here")))
    }

    /// [`Self::default_value`], resolving Object paths with `resolve`.
    pub fn default_value_with(&self, resolve: Resolve) -> Option<Value> {
        // File fields have no default (§4.4).
        if self.kind.scalar() == ScalarType::File {
            return None;
        }
        let text = self.qualifiers.default_json.as_deref()?;
        let raw = json::parse(text, false).ok()?;
        self.convert("default", raw, resolve).ok()
    }

    pub fn is_invisible(&self) -> bool {
        self.qualifiers.invisible
    }

    /// Password, Array<Password>, Dictionary<Password> (platform.md §1: hidden from callers
    /// without the right to see them).
    pub fn is_password(&self) -> bool {
        self.kind.scalar() == ScalarType::Password
    }

    /// The type name in canonical form: `Array<String>` for `Array`.
    pub fn type_name(&self) -> String {
        self.kind.to_string()
    }
}
