//! File values (library.md §2.13: `{name, data}` Dictionaries) as plain data, for
//! `download` (§1.10) and `mailto`'s attachments (§1.8).

use crate::builtins::args::bind;
use crate::requests::DownloadRequest;
use crate::value::{Args, Error, Key, Result, Value};

/// A job that cannot run, and why (a job failure, not a runtime error).
pub(super) type Refused<T> = std::result::Result<T, String>;

/// `download(from_file, to_path)`.
pub(super) fn download(args: Args) -> Result<Refused<DownloadRequest>> {
    let b = bind("download", args, &["from_file", "to_path"], 2)?;
    let to = match b.req(1) {
        Value::Str(s) if !s.is_empty() => s.to_string(),
        _ => return Err(b.type_error(1, "a non-empty String (a path)")),
    };
    let from = b.req(0);
    let many = !matches!(from, Value::Null) && !is_file(from);
    let files = match files(from) {
        Ok(files) => files,
        Err(FileError::Type) => {
            return Err(b.type_error(
                0,
                "a File, an Array<File> or a Dictionary<File> (the value of a File field)",
            ))
        }
        Err(FileError::NoData) => return Ok(Err("download data is null.".into())),
    };
    if files.is_empty() {
        return Ok(Err("no attached files.".into()));
    }
    Ok(Ok(DownloadRequest { files, to, many }))
}

/// Why a value gives no files.
pub(super) enum FileError {
    /// It is not a File, nor an Array or Dictionary of them.
    Type,
    /// A File without data.
    NoData,
}

/// The files of a File value, an Array<File> or a Dictionary<File> (nulls, unset
/// elements, are left out), as name and content.
pub(super) fn files(v: &Value) -> std::result::Result<Vec<(String, Vec<u8>)>, FileError> {
    let items: Vec<Value> = match v {
        Value::Null => Vec::new(),
        v if is_file(v) => vec![v.clone()],
        Value::Array(a) => a.borrow().clone(),
        Value::Dict(d) => d.borrow().values().cloned().collect(),
        _ => return Err(FileError::Type),
    };
    let mut out = Vec::new();
    for item in items.iter().filter(|i| !matches!(i, Value::Null)) {
        if !is_file(item) {
            return Err(FileError::Type);
        }
        let name = field(item, "name").map_or_else(String::new, |n| n.to_text());
        match &field(item, "data") {
            Some(Value::Bytes(b)) => out.push((name, b.to_vec())),
            Some(Value::Str(s)) => out.push((name, s.as_bytes().to_vec())),
            _ => return Err(FileError::NoData),
        }
    }
    Ok(out)
}

/// Whether `v` is a File value: a Dictionary with a String `name` and a `data`.
fn is_file(v: &Value) -> bool {
    matches!(field(v, "name"), Some(Value::Str(_))) && field(v, "data").is_some()
}

fn field(v: &Value, key: &str) -> Option<Value> {
    match v {
        Value::Dict(d) => d.borrow().get(&Key::str(key)).cloned(),
        _ => None,
    }
}

/// The error for an attachment argument that holds no File.
pub(super) fn not_files(function: &str, what: &str) -> Error {
    Error::new(format!(
        "{function}(): {what} must be a File or an Array<File> (the value of a File field)"
    ))
}
