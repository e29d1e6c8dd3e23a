//! Field qualifiers (library.md §4.3, §4.4), read from the JSON object after the type name.
//!
//! Everything is kept in thread-safe forms (no `Value`, which holds `Rc`s), so a parsed
//! [`super::FieldSpec`] can be cached anywhere.

use jfc_vm::builtins::json;
use jfc_vm::value::{Pattern, PatternKind, Value};

/// The qualifiers of a field. Unknown qualifiers, and known ones whose value has the
/// wrong JSON type, are ignored (§4.3, §6 Q24).
#[derive(Clone, Debug, Default)]
pub struct Qualifiers {
    /// `default`, as JSON text; converted to the field type by `FieldSpec::default_value`.
    pub default_json: Option<String>,
    pub invisible: bool,
    pub help_text: Option<String>,
    pub choices: EnumChoices,
    pub pattern: Option<RegexRule>,
    pub min_length: Option<i64>,
    pub max_length: Option<i64>,
    pub strip: bool,
    pub key_strip: bool,
    pub min_value: Option<Bound>,
    pub max_value: Option<Bound>,
    /// `schemes`, lower-cased; None = the default list.
    pub schemes: Option<Vec<String>>,
    /// The form-only qualifiers (`object`, `directory`, `filter`, `order_by`, `no_empty`,
    /// `file_accept`), as JSON text, for the code that builds forms and choice lists.
    pub form: Vec<(String, String)>,
}

/// The `enum` qualifier.
#[derive(Clone, Debug, Default, PartialEq)]
pub enum EnumChoices {
    /// No `enum`, or a reference/switch form (§4.5) that needs the store to evaluate:
    /// until that is implemented, any value is accepted.
    #[default]
    Unrestricted,
    /// `(stored value, display name)` pairs, in order.
    List(Vec<(String, String)>),
}

/// A `min_value`/`max_value` bound.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Bound {
    Int(i64),
    Float(f64),
}

impl Bound {
    pub fn to_value(self) -> Value {
        match self {
            Bound::Int(i) => Value::Int(i),
            Bound::Float(f) => Value::Float(f),
        }
    }
}

/// A compiled `pattern` qualifier (Send + Sync, unlike a VM Pattern).
#[derive(Clone, Debug)]
pub struct RegexRule {
    pub text: String,
    /// Anchored by the VM's compiler at the start; the rule text is wrapped so that it
    /// searches anywhere, as Django's `RegexValidator` does (§6 Q34 reads regex
    /// lookups the same way).
    pub regex: fancy_regex::Regex,
}

/// The URL schemes accepted when `schemes` is not given (§4.4).
pub const DEFAULT_SCHEMES: [&str; 4] = ["http", "https", "ftp", "ftps"];

impl Qualifiers {
    /// Parse the JSON object of qualifiers; invalid JSON, a non-object or an invalid
    /// `pattern` makes the field type invalid (Q24).
    pub fn parse(text: &str) -> Result<Qualifiers, String> {
        let raw = json::parse(text, true)
            .map_err(|e| format!("invalid qualifier JSON {text}: {}", e.message))?;
        let Value::Dict(ref d) = raw else {
            return Err(format!("qualifiers must be a JSON object, not {text}"));
        };
        let entries = d
            .try_borrow()
            .map_err(|_| "qualifiers in use".to_string())?;
        let mut q = Qualifiers::default();
        for (k, v) in entries.iter() {
            if let Value::Str(name) = k.value() {
                q.set(name, v)?;
            }
        }
        Ok(q)
    }

    fn set(&mut self, name: &str, v: &Value) -> Result<(), String> {
        match name {
            "default" => self.default_json = json::dump(v, false, None).ok(),
            "invisible" => self.invisible = v.truthy(),
            "help_text" => self.help_text = as_str(v),
            "enum" => self.choices = parse_choices(v),
            "pattern" => self.pattern = parse_pattern(v)?,
            "min_length" => self.min_length = as_int(v),
            "max_length" => self.max_length = as_int(v),
            "strip" => self.strip = v.truthy(),
            "key_strip" => self.key_strip = v.truthy(),
            "min_value" => self.min_value = as_bound(v),
            "max_value" => self.max_value = as_bound(v),
            "schemes" => self.schemes = parse_schemes(v),
            "object" | "directory" | "filter" | "order_by" | "no_empty" | "file_accept" => {
                if let Ok(text) = json::dump(v, false, None) {
                    self.form.push((name.to_string(), text));
                }
            }
            _ => {}
        }
        Ok(())
    }
}

fn as_str(v: &Value) -> Option<String> {
    match v {
        Value::Str(s) => Some(s.to_string()),
        _ => None,
    }
}

fn as_int(v: &Value) -> Option<i64> {
    match v {
        Value::Int(i) => Some(*i),
        _ => None,
    }
}

fn as_bound(v: &Value) -> Option<Bound> {
    match v {
        Value::Int(i) => Some(Bound::Int(*i)),
        Value::Float(f) if !f.is_nan() => Some(Bound::Float(*f)),
        _ => None,
    }
}

/// A list gives the choices; its items are a value or a `[value, display]` pair.
/// The String and Dictionary forms are references/switches (§4.5), not evaluated yet.
fn parse_choices(v: &Value) -> EnumChoices {
    let Value::Array(items) = v else {
        return EnumChoices::Unrestricted;
    };
    let Ok(items) = items.try_borrow() else {
        return EnumChoices::Unrestricted;
    };
    EnumChoices::List(items.iter().filter_map(choice).collect())
}

fn choice(item: &Value) -> Option<(String, String)> {
    match item {
        Value::Array(pair) => {
            let pair = pair.try_borrow().ok()?;
            let value = pair.first()?.to_text();
            let display = pair.get(1).map_or_else(|| value.clone(), Value::to_text);
            Some((value, display))
        }
        Value::Dict(_) | Value::Null => None,
        other => Some((other.to_text(), other.to_text())),
    }
}

fn parse_pattern(v: &Value) -> Result<Option<RegexRule>, String> {
    let Value::Str(text) = v else {
        return Ok(None);
    };
    let invalid = |e: jfc_vm::value::Error| format!("qualifier `pattern`: {}", e.message);
    // A text like `a)|(b` would compile inside the wrappers (the VM's and the one below)
    // although Python refuses it.
    if !balanced(text) {
        return Err(format!(
            "qualifier `pattern`: unbalanced parenthesis in '{text}'"
        ));
    }
    Pattern::new(PatternKind::Regex, text, false).map_err(invalid)?;
    let search = Pattern::new(PatternKind::Regex, &format!("[\\s\\S]*?(?:{text})"), false)
        .map_err(invalid)?;
    let regex = search
        .regex
        .ok_or_else(|| "qualifier `pattern`: not a regular expression".to_string())?;
    Ok(Some(RegexRule {
        text: text.to_string(),
        regex,
    }))
}

/// Whether the groups of a regular expression close, outside escapes and `[...]` sets.
fn balanced(text: &str) -> bool {
    let mut depth = 0usize;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' => {
                chars.next();
            }
            '[' => skip_class(&mut chars),
            '(' => depth += 1,
            ')' if depth == 0 => return false,
            ')' => depth -= 1,
            _ => {}
        }
    }
    depth == 0
}

/// Past the `]` that ends a set; a `]` first in the set (after an optional `^`) is literal.
fn skip_class(chars: &mut std::iter::Peekable<std::str::Chars>) {
    if chars.peek() == Some(&'^') {
        chars.next();
    }
    if chars.peek() == Some(&']') {
        chars.next();
    }
    while let Some(c) = chars.next() {
        match c {
            '\\' => {
                chars.next();
            }
            ']' => return,
            _ => {}
        }
    }
}

fn parse_schemes(v: &Value) -> Option<Vec<String>> {
    match v {
        Value::Str(s) => Some(vec![s.to_lowercase()]),
        Value::Array(items) => {
            let items = items.try_borrow().ok()?;
            Some(
                items
                    .iter()
                    .filter_map(as_str)
                    .map(|s| s.to_lowercase())
                    .collect(),
            )
        }
        _ => None,
    }
}
