//! `multipart/form-data` bodies (RFC 7578) for `urlopen(files=...)`. Written here
//! rather than with ureq's multipart support, which ureq 3 keeps out of its stable API.

use std::sync::atomic::{AtomicU64, Ordering};

use jfc_vm::host::{FileContent, FilePart};

/// The body, and the boundary its Content-Type names: form fields first, then files,
/// each file with its content already read.
pub fn encode(fields: &[(String, String)], files: &[(&FilePart, Vec<u8>)]) -> (Vec<u8>, String) {
    let boundary = boundary();
    let mut out = Vec::new();
    for (name, value) in fields {
        part_head(&mut out, &boundary, name, None);
        out.extend_from_slice(value.as_bytes());
        out.extend_from_slice(b"\r\n");
    }
    for (part, content) in files {
        let file_name = part.name.clone().unwrap_or_else(|| match &part.content {
            FileContent::Path(p) => std::path::Path::new(p)
                .file_name()
                .map_or_else(|| p.clone(), |n| n.to_string_lossy().into_owned()),
            FileContent::Data(_) => part.field.clone(),
        });
        part_head(&mut out, &boundary, &part.field, Some(&file_name));
        out.extend_from_slice(content);
        out.extend_from_slice(b"\r\n");
    }
    out.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    (out, boundary)
}

fn part_head(out: &mut Vec<u8>, boundary: &str, name: &str, file: Option<&str>) {
    let mut head = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"{}\"",
        quoted(name)
    );
    if let Some(f) = file {
        head.push_str(&format!(
            "; filename=\"{}\"\r\nContent-Type: application/octet-stream",
            quoted(f)
        ));
    }
    head.push_str("\r\n\r\n");
    out.extend_from_slice(head.as_bytes());
}

/// A name inside a quoted header parameter, escaped as browsers do (WHATWG HTML,
/// "multipart/form-data encoding algorithm").
fn quoted(s: &str) -> String {
    s.replace('"', "%22")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// A boundary unlikely to appear in any content: the time and a counter.
fn boundary() -> String {
    static COUNT: AtomicU64 = AtomicU64::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    format!(
        "jfc-boundary-{nanos:x}-{:x}",
        COUNT.fetch_add(1, Ordering::Relaxed)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_then_files_each_with_its_name() {
        let part = FilePart {
            field: "up".into(),
            name: Some("a \"b\".txt".into()),
            content: FileContent::Data(Vec::new()),
        };
        let (body, b) = encode(&[("k".into(), "v".into())], &[(&part, b"data".to_vec())]);
        let want = format!(
            "--{b}\r\nContent-Disposition: form-data; name=\"k\"\r\n\r\nv\r\n\
             --{b}\r\nContent-Disposition: form-data; name=\"up\"; filename=\"a %22b%22.txt\"\r\n\
             Content-Type: application/octet-stream\r\n\r\ndata\r\n--{b}--\r\n"
        );
        assert_eq!(String::from_utf8(body).unwrap(), want);
    }
}
