//! `download` and `upload` (library.md §1.10): attachments of store objects to files
//! of this machine and back. `upload` writes the store through the worker's own
//! connection.

use std::path::{Path, PathBuf};
use std::rc::Rc;

use indexmap::IndexMap;
use jfc_store::fields::{FieldKind, ScalarType};
use jfc_store::Store;
use jfc_vm::host::{Data, DownloadRequest, Subscript, UploadRequest};
use jfc_vm::value::{Key, Value};

/// Write each file of `d`: into the directory `to` (made when missing) when there are
/// several or `to` is a directory, else to the file `to`.
pub fn download(d: &DownloadRequest) -> Result<Data, String> {
    let to = Path::new(&d.to);
    let into_dir = d.many || d.to.ends_with('/') || to.is_dir();
    if into_dir {
        std::fs::create_dir_all(to)
            .map_err(|e| format!("cannot make the directory {}: {e}", d.to))?;
    }
    for (name, content) in &d.files {
        let target: PathBuf = if into_dir {
            to.join(file_name(name)?)
        } else {
            to.to_path_buf()
        };
        std::fs::write(&target, content)
            .map_err(|e| format!("cannot write {}: {e}", target.display()))?;
    }
    Ok(Data::Null)
}

/// The last part of an attachment's name: a name never writes outside the directory.
fn file_name(name: &str) -> Result<&str, String> {
    Path::new(name)
        .file_name()
        .and_then(|n| n.to_str())
        .ok_or_else(|| format!("the attachment name '{name}' is not a file name"))
}

/// Read the file `u.from` and store it in the File field (or an element of the
/// Array<File> or Dictionary<File> field) of the object; the answer is its name.
pub fn upload(u: &UploadRequest, store: Option<&Path>) -> Result<Data, String> {
    let Some(path) = store else {
        return Err(format!(
            "{}: the object store holds the file, and this run has none",
            u.object_path
        ));
    };
    super::with_store(path, |store| upload_into(store, u))
}

/// [`upload`] through a connection of the caller's (`jfc test`'s, the only one its
/// store has).
pub fn upload_into(store: &mut Store, u: &UploadRequest) -> Result<Data, String> {
    let content = std::fs::read(&u.from).map_err(|e| format!("cannot read {}: {e}", u.from))?;
    let name = file_name(&u.from)?.to_string();
    store
        .transaction(|s| store_file(s, u, &name, content).map_err(jfc_store::StoreError))
        .map_err(|e| e.0)?;
    Ok(Data::Str(name))
}

/// Put the file into the field, in one transaction.
fn store_file(
    s: &mut Store,
    u: &UploadRequest,
    name: &str,
    content: Vec<u8>,
) -> Result<(), String> {
    let (obj, field) = (&u.object_path, &u.field);
    let def = s
        .field_def(u.object, field)
        .map_err(|_| format!("no such field '{field}' in {obj}"))?;
    let file = file_value(name, content);
    let value = match (def.spec.kind, &u.subscript) {
        (FieldKind::Scalar(ScalarType::File), None) => file,
        (FieldKind::Scalar(ScalarType::File), Some(_)) => {
            return Err(format!("{obj}:{field} is not subscriptable"))
        }
        (FieldKind::Array(ScalarType::File), at) => {
            let mut items = match &s.read_field(u.object, field).map_err(|e| e.0)? {
                Value::Array(a) => a.borrow().clone(),
                _ => Vec::new(),
            };
            match at {
                None => items.push(file),
                Some(Subscript::Index(i)) => {
                    let len = items.len() as i64;
                    let at = if *i < 0 { i + len } else { *i };
                    if !(0..len).contains(&at) {
                        return Err(format!(
                            "{obj}:{field}: index {i} is out of range (the field holds {len} files)"
                        ));
                    }
                    items[at as usize] = file;
                }
                Some(Subscript::Key(k)) => {
                    return Err(format!(
                        "{obj}:{field}: the index of an Array<File> must be an Integer, not '{k}'"
                    ))
                }
            }
            Value::array(items)
        }
        (FieldKind::Dictionary(ScalarType::File), at) => {
            let mut map = match &s.read_field(u.object, field).map_err(|e| e.0)? {
                Value::Dict(d) => d.borrow().clone(),
                _ => IndexMap::new(),
            };
            let key = match at {
                None => name.to_string(),
                Some(Subscript::Key(k)) => k.clone(),
                Some(Subscript::Index(i)) => i.to_string(),
            };
            map.insert(Key::str(&key), file);
            Value::dict(map)
        }
        _ => return Err(format!("{obj}:{field} is not uploadable")),
    };
    s.write_field(u.object, field, value).map_err(|e| e.0)
}

fn file_value(name: &str, content: Vec<u8>) -> Value {
    let mut m = IndexMap::new();
    m.insert(Key::str("name"), Value::str(name));
    m.insert(Key::str("data"), Value::Bytes(Rc::from(content)));
    Value::dict(m)
}
