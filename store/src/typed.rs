//! Fields with their types: reading applies defaults, writing converts and validates
//! against the field type and qualifiers of the object's type (library.md §3.4, §4).

use std::rc::Rc;

use jfc_vm::value::{ObjectRef, Value};

use super::fields::FieldSpec;
use super::objects::ObjectId;
use super::{codec, Result, Store, StoreError};

/// One field of a type: its name, display name and parsed field type.
#[derive(Clone, Debug)]
pub struct FieldDef {
    pub name: String,
    pub display_name: String,
    pub spec: FieldSpec,
}

impl Store {
    /// The fields a type object defines, in order. A field type that does not parse is
    /// reported with the type and the field.
    pub fn type_fields(&self, type_id: ObjectId) -> Result<Vec<FieldDef>> {
        let strings = |field: &str| -> Result<Vec<String>> {
            Ok(match self.field_raw(type_id, field)? {
                Some(text) => match codec::decode(&text).map_err(StoreError)? {
                    Value::Array(ref a) => a.borrow().iter().map(Value::to_text).collect(),
                    _ => Vec::new(),
                },
                None => Vec::new(),
            })
        };
        let names = strings("fieldNames")?;
        let displays = strings("fieldDisplayNames")?;
        let types = strings("fieldTypes")?;
        let mut out = Vec::with_capacity(names.len());
        for (i, name) in names.into_iter().enumerate() {
            let text = types.get(i).map_or("String", String::as_str);
            let spec = FieldSpec::parse(text).map_err(|e| {
                StoreError(format!(
                    "type {}: field `{name}`: {e}",
                    self.abspath(type_id).unwrap_or_default()
                ))
            })?;
            let display_name = displays.get(i).cloned().unwrap_or_else(|| name.clone());
            out.push(FieldDef {
                name,
                display_name,
                spec,
            });
        }
        Ok(out)
    }

    /// The definition of field `name` of object `id`, or an error naming the object.
    pub fn field_def(&self, id: ObjectId, name: &str) -> Result<FieldDef> {
        let o = self.get(id)?;
        self.type_fields(o.type_id)?
            .into_iter()
            .find(|f| f.name == name)
            .ok_or_else(|| {
                StoreError(format!(
                    "{} has no field `{name}`",
                    self.abspath(id).unwrap_or_default()
                ))
            })
    }

    /// The type a Table holds (its `typeObject` field); None for any other object, and
    /// for a Table whose type is not set.
    pub fn table_type(&self, id: ObjectId) -> Result<Option<ObjectId>> {
        if self.type_name(id)? != "Table" {
            return Ok(None);
        }
        Ok(match self.read_field(id, "typeObject")? {
            Value::Object(ref t) => Some(t.id),
            _ => None,
        })
    }

    /// A reference value for an object.
    pub fn object_value(&self, id: ObjectId) -> Result<Value> {
        Ok(Value::Object(ObjectRef {
            id,
            path: Rc::from(self.abspath(id)?),
        }))
    }

    /// Resolve an absolute path to an Object value (for Object fields written as paths).
    pub fn path_value(&self, path: &str) -> std::result::Result<Value, String> {
        let id = self
            .lookup(path)
            .map_err(|e| e.0)?
            .ok_or_else(|| format!("no object at {path}"))?;
        self.object_value(id).map_err(|e| e.0)
    }

    /// The value of a field: stored, else its default, else null. An encrypted value
    /// (Password fields, store::secret) is decrypted.
    pub fn read_field(&self, id: ObjectId, name: &str) -> Result<Value> {
        let def = self.field_def(id, name)?;
        let value = match self.field_raw(id, name)? {
            Some(text) => codec::decode(&self.open_field(id, name, &text)?).map_err(StoreError)?,
            None => def
                .spec
                .default_value_with(&|p| self.path_value(p))
                .unwrap_or(Value::Null),
        };
        if def.spec.is_password() {
            self.reveal(&value);
        }
        Ok(value)
    }

    /// Convert, validate and store a field value; nothing is written when it fails.
    pub fn write_field(&mut self, id: ObjectId, name: &str, value: Value) -> Result<()> {
        let def = self.field_def(id, name)?;
        let converted = def
            .spec
            .convert(name, value, &|p| self.path_value(p))
            .map_err(StoreError)?;
        let touch = !def.spec.is_invisible();
        if matches!(converted, Value::Null) {
            self.clear_field(id, name)?;
            if touch {
                self.touch(id)?;
            }
            return Ok(());
        }
        let mut text = codec::encode(&converted).map_err(StoreError)?;
        if def.spec.is_password() {
            self.reveal(&converted);
            text = self.seal_field(id, name, &text)?;
        }
        self.set_field_raw(id, name, &text, touch)
    }

    /// Every field of an object with its current value, in type order.
    pub fn read_fields(&self, id: ObjectId) -> Result<Vec<(FieldDef, Value)>> {
        let o = self.get(id)?;
        let mut out = Vec::new();
        for def in self.type_fields(o.type_id)? {
            let v = self.read_field(id, &def.name)?;
            out.push((def, v));
        }
        Ok(out)
    }
}
