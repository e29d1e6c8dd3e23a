//! The arguments of `urlopen` (library.md §1.8) as an [`HttpRequest`].

use std::time::Duration;

use crate::builtins::args::{bind, Bound};
use crate::builtins::json;
use crate::requests::{FileContent, FilePart, HttpBody, HttpRequest};
use crate::value::{Args, Error, Result, Value};

/// `urlopen`'s parameters and then its options, as the compiler's table of built-ins
/// lists them: the order `bind` numbers them in.
fn params() -> &'static [&'static str] {
    static PARAMS: std::sync::OnceLock<Vec<&'static str>> = std::sync::OnceLock::new();
    PARAMS.get_or_init(|| super::local_io::table_params("urlopen"))
}

const METHODS: &[&str] = &["GET", "POST", "PUT", "DELETE", "HEAD"];

pub(super) fn request(args: Args) -> Result<HttpRequest> {
    let b = bind("urlopen", args, params(), 1)?;
    let url = match b.req(0) {
        Value::Str(s) if !s.trim().is_empty() => s.trim().to_string(),
        _ => return Err(b.type_error(0, "a non-empty String (an http or https URL)")),
    };
    let json = match b.opt_nonnull(7) {
        None => false,
        Some(Value::Str(s)) if s.eq_ignore_ascii_case("json") => true,
        Some(other) => {
            return Err(Error::new(format!(
                "urlopen: Encode type {} is not allowed (only 'json')",
                other.to_text()
            )))
        }
    };
    let files = match b.opt_nonnull(5) {
        Some(_) if json => return Err(Error::new("urlopen: Cannot json encode when files upload")),
        Some(f) => Some(files(f)?),
        None => None,
    };
    let body = body(&b, json, files)?;
    let method = match b.opt_nonnull(8) {
        None if body == HttpBody::Empty => "GET".to_string(),
        None => "POST".to_string(),
        Some(Value::Str(m)) if METHODS.contains(&m.to_ascii_uppercase().as_str()) => {
            m.to_ascii_uppercase()
        }
        Some(other) => {
            return Err(Error::new(format!(
                "urlopen: http_method {} is not one of {}",
                other.to_text(),
                METHODS.join(", ")
            )))
        }
    };
    let text = |i: usize| b.opt_nonnull(i).map(Value::to_text);
    Ok(HttpRequest {
        url,
        method,
        params: pairs(&b, 4)?,
        headers: pairs(&b, 11)?,
        cookies: pairs(&b, 12)?,
        auth: text(1).zip(text(2)),
        body,
        timeout: timeout(&b)?,
        verify: b.bool_or(9, false),
        proxies: pairs(&b, 15)?,
        charset: match b.opt_nonnull(13) {
            None => None,
            Some(Value::Str(s)) => Some(s.to_string()),
            Some(_) => return Err(b.type_error(13, "a String (a charset name)")),
        },
        binary: b.bool_or(14, false),
    })
}

/// What `data` (and `files`) make the request carry (§6 Q10: a String or Binary is
/// sent as it is).
fn body(b: &Bound, json: bool, files: Option<Vec<FilePart>>) -> Result<HttpBody> {
    let data = b.opt_nonnull(3);
    if let Some(files) = files {
        let fields = match data {
            None => Vec::new(),
            Some(Value::Dict(_)) => pairs(b, 3)?,
            Some(_) => return Err(b.type_error(3, "a Dictionary of form fields beside files")),
        };
        return Ok(HttpBody::Multipart { fields, files });
    }
    let json_type = json.then(|| "application/json".to_string());
    Ok(match data {
        None => HttpBody::Empty,
        Some(Value::Str(s)) => HttpBody::Raw {
            data: s.as_bytes().to_vec(),
            content_type: json_type,
        },
        Some(Value::Bytes(d)) => HttpBody::Raw {
            data: d.to_vec(),
            content_type: json_type,
        },
        Some(v) if json => HttpBody::Raw {
            data: json::dump(v, false, None)?.into_bytes(),
            content_type: json_type,
        },
        Some(Value::Dict(_)) => HttpBody::Form(pairs(b, 3)?),
        Some(_) => {
            return Err(b.type_error(3, "a Dictionary, a String or a Binary"));
        }
    })
}

/// A Dictionary argument as name/value pairs; an Array value gives one pair per
/// element (`{tag=['a', 'b']}` → `tag=a&tag=b`).
fn pairs(b: &Bound, i: usize) -> Result<Vec<(String, String)>> {
    let Some(v) = b.opt_nonnull(i) else {
        return Ok(Vec::new());
    };
    let Value::Dict(d) = v else {
        return Err(b.type_error(i, "a Dictionary"));
    };
    let mut out = Vec::new();
    for (k, v) in d.borrow().iter() {
        let name = k.value().to_text();
        match v {
            Value::Array(items) => {
                for item in items.borrow().iter() {
                    out.push((name.clone(), item.to_text()));
                }
            }
            Value::Null => {}
            v => out.push((name, v.to_text())),
        }
    }
    Ok(out)
}

fn timeout(b: &Bound) -> Result<Option<Duration>> {
    let secs = match b.opt_nonnull(6) {
        None => return Ok(None),
        Some(Value::Int(n)) => *n as f64,
        Some(Value::Float(f)) => *f,
        Some(_) => return Err(b.type_error(6, "a number of seconds")),
    };
    if !(secs > 0.0 && secs.is_finite()) {
        return Err(Error::new(format!(
            "urlopen: timeout must be more than 0 seconds, not {secs}"
        )));
    }
    Ok(Some(Duration::from_secs_f64(secs.min(1e9))))
}

/// `files`: a Dictionary field → file, or an Array of `[field, file]` pairs.
fn files(v: &Value) -> Result<Vec<FilePart>> {
    let mut out = Vec::new();
    match v {
        Value::Dict(d) => {
            for (k, f) in d.borrow().iter() {
                out.push(file(k.value().to_text(), f)?);
            }
        }
        Value::Array(a) => {
            for pair in a.borrow().iter() {
                let (field, f) = match pair {
                    Value::Array(p) if p.borrow().len() == 2 => {
                        let p = p.borrow();
                        (p[0].to_text(), p[1].clone())
                    }
                    other => return Err(invalid(other)),
                };
                out.push(file(field, &f)?);
            }
        }
        other => return Err(invalid(other)),
    }
    Ok(out)
}

/// One file: `{name, data}` (a File value is one), `[name, data, ...]`, or the path of
/// a file of this machine.
fn file(field: String, v: &Value) -> Result<FilePart> {
    let (name, data) = match v {
        Value::Str(path) => {
            return Ok(FilePart {
                field,
                name: None,
                content: FileContent::Path(path.to_string()),
            })
        }
        Value::Dict(d) => {
            let d = d.borrow();
            let get = |k: &str| d.get(&crate::value::Key::str(k)).cloned();
            match (get("name"), get("data")) {
                (Some(n), Some(data)) => (n, data),
                _ => return Err(invalid(v)),
            }
        }
        Value::Array(a) if a.borrow().len() >= 2 => {
            let a = a.borrow();
            (a[0].clone(), a[1].clone())
        }
        other => return Err(invalid(other)),
    };
    let Value::Str(name) = &name else {
        return Err(Error::new("urlopen: invalid files: name must be string"));
    };
    let data = match &data {
        Value::Str(s) => s.as_bytes().to_vec(),
        Value::Bytes(b) => b.to_vec(),
        _ => {
            return Err(Error::new(
                "urlopen: invalid files: data must be binary or string",
            ))
        }
    };
    Ok(FilePart {
        field,
        name: Some(name.to_string()),
        content: FileContent::Data(data),
    })
}

fn invalid(v: &Value) -> Error {
    Error::new(format!(
        "urlopen: invalid files: {} (a file is {{name, data}}, [name, data] or a path; several are [[field, file], ...])",
        v.to_text()
    ))
}
