//! `mail_parse` (library.md §1.7, Q9): headers (RFC 2047 decoded, first
//! occurrence kept), `Body`, `Filename`, `Is-Multipart`; multipart bodies
//! become an Array of part dictionaries.

use indexmap::IndexMap;

use super::codec;
use crate::value::{Key, Result, Value};

/// Parts nested deeper than this are kept as raw Binary bodies.
const MAX_DEPTH: usize = 20;

/// Parse an RFC 5322/MIME message.
pub fn parse(data: &[u8]) -> Result<Value> {
    Ok(parse_part(data, 0))
}

fn split_head_body(data: &[u8]) -> (&[u8], &[u8]) {
    // Headers end at the first empty line (CRLF or LF).
    let mut i = 0;
    while i < data.len() {
        let eol = data[i..].iter().position(|&c| c == b'\n').map(|k| i + k);
        let Some(eol) = eol else {
            return (data, &[]);
        };
        let line = &data[i..eol];
        if line.is_empty() || line == b"\r" {
            return (&data[..i], &data[eol + 1..]);
        }
        i = eol + 1;
    }
    (data, &[])
}

/// Unfolded `(name, raw value)` header pairs.
fn headers(head: &[u8]) -> Vec<(String, String)> {
    let text = String::from_utf8_lossy(head);
    let mut out: Vec<(String, String)> = Vec::new();
    for line in text.split('\n') {
        let line = line.strip_suffix('\r').unwrap_or(line);
        if line.starts_with([' ', '\t']) {
            if let Some(last) = out.last_mut() {
                last.1.push(' ');
                last.1.push_str(line.trim_start());
            }
            continue;
        }
        if let Some((name, value)) = line.split_once(':') {
            out.push((name.trim().to_string(), value.trim().to_string()));
        }
    }
    out
}

/// `type/subtype; key=value; ...` → lower-cased type and parameters.
fn params(value: &str) -> (String, Vec<(String, String)>) {
    let mut it = value.split(';');
    let main = it.next().unwrap_or("").trim().to_ascii_lowercase();
    let ps = it
        .filter_map(|p| {
            let (k, v) = p.split_once('=')?;
            let v = v.trim().trim_matches('"').to_string();
            Some((k.trim().to_ascii_lowercase(), v))
        })
        .collect();
    (main, ps)
}

fn param<'a>(ps: &'a [(String, String)], name: &str) -> Option<&'a str> {
    ps.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
}

fn parse_part(data: &[u8], depth: usize) -> Value {
    let (head, body) = split_head_body(data);
    let hs = headers(head);
    let get = |name: &str| {
        hs.iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    };
    let (ctype, cparams) = params(get("Content-Type").unwrap_or("text/plain"));
    let (disp, dparams) = params(get("Content-Disposition").unwrap_or(""));
    let filename = param(&dparams, "filename")
        .or_else(|| param(&cparams, "name"))
        .map(decode_words);
    let multipart = ctype.starts_with("multipart/");

    let mut m = IndexMap::new();
    for (k, v) in &hs {
        let key = Key::str(k);
        if !m.contains_key(&key) {
            m.insert(key, Value::str(&decode_words(v)));
        }
    }
    let body_value = match (multipart, param(&cparams, "boundary")) {
        (true, Some(b)) if depth < MAX_DEPTH => Value::array(
            split_multipart(body, b)
                .into_iter()
                .map(|p| parse_part(p, depth + 1))
                .collect(),
        ),
        _ => {
            let cte = get("Content-Transfer-Encoding")
                .unwrap_or("")
                .trim()
                .to_ascii_lowercase();
            let raw = match cte.as_str() {
                "base64" => base64_decode(body),
                "quoted-printable" => qp_decode(body, false),
                _ => body.to_vec(),
            };
            let is_text = ctype.starts_with("text/") && disp != "attachment" && filename.is_none();
            if is_text {
                let charset = param(&cparams, "charset").unwrap_or("utf-8");
                let text = codec::decode(&raw, charset)
                    .unwrap_or_else(|_| String::from_utf8_lossy(&raw).into_owned());
                Value::str(&text)
            } else {
                Value::Bytes(raw.into())
            }
        }
    };
    m.insert(Key::str("Body"), body_value);
    m.insert(
        Key::str("Filename"),
        filename.map_or(Value::Null, |f| Value::str(&f)),
    );
    m.insert(Key::str("Is-Multipart"), Value::Bool(multipart));
    Value::dict(m)
}

/// The parts between `--boundary` lines, up to `--boundary--`.
fn split_multipart<'a>(body: &'a [u8], boundary: &str) -> Vec<&'a [u8]> {
    let delim = format!("--{boundary}");
    let mut parts = Vec::new();
    let mut start: Option<usize> = None;
    let mut i = 0;
    while i <= body.len() {
        let eol = body[i..]
            .iter()
            .position(|&c| c == b'\n')
            .map_or(body.len(), |k| i + k);
        let line = &body[i..eol];
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        if line.starts_with(delim.as_bytes()) {
            if let Some(s) = start {
                // The line break before the delimiter belongs to the delimiter.
                let mut end = i;
                if end > s && body[end - 1] == b'\n' {
                    end -= 1;
                    if end > s && body[end - 1] == b'\r' {
                        end -= 1;
                    }
                }
                parts.push(&body[s..end]);
            }
            if line[delim.len()..].starts_with(b"--") {
                return parts;
            }
            start = Some((eol + 1).min(body.len()));
        }
        i = eol + 1;
    }
    if let Some(s) = start {
        if s < body.len() {
            parts.push(&body[s..]);
        }
    }
    parts
}

/// A base64 body or encoded word as mail carries it: line breaks and stray characters
/// are skipped, the URL-safe alphabet is read too, padding is optional, and a last
/// incomplete group is dropped rather than failing the whole message.
fn base64_decode(data: &[u8]) -> Vec<u8> {
    use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
    use base64::Engine;
    const LENIENT: GeneralPurpose = GeneralPurpose::new(
        &base64::alphabet::STANDARD,
        GeneralPurposeConfig::new()
            .with_decode_padding_mode(DecodePaddingMode::Indifferent)
            .with_decode_allow_trailing_bits(true),
    );
    let mut text: Vec<u8> = data
        .iter()
        .take_while(|&&c| c != b'=')
        .filter_map(|&c| match c {
            b'-' => Some(b'+'),
            b'_' => Some(b'/'),
            c if c.is_ascii_alphanumeric() || c == b'+' || c == b'/' => Some(c),
            _ => None,
        })
        .collect();
    if text.len() % 4 == 1 {
        text.pop(); // six bits: not a byte
    }
    LENIENT.decode(&text).unwrap_or_default()
}

/// Quoted-printable; `header` also turns `_` into a space (RFC 2047 Q).
fn qp_decode(data: &[u8], header: bool) -> Vec<u8> {
    let hex = |c: u8| (c as char).to_digit(16);
    let mut out = Vec::with_capacity(data.len());
    let mut i = 0;
    while i < data.len() {
        let c = data[i];
        if c == b'=' {
            if data.get(i + 1) == Some(&b'\n') {
                i += 2;
                continue;
            }
            if data.get(i + 1) == Some(&b'\r') && data.get(i + 2) == Some(&b'\n') {
                i += 3;
                continue;
            }
            if let (Some(h), Some(l)) = (
                data.get(i + 1).and_then(|&x| hex(x)),
                data.get(i + 2).and_then(|&x| hex(x)),
            ) {
                out.push((h * 16 + l) as u8);
                i += 3;
                continue;
            }
        }
        out.push(if header && c == b'_' { b' ' } else { c });
        i += 1;
    }
    out
}

/// Decode RFC 2047 encoded words; whitespace between two of them is dropped.
fn decode_words(s: &str) -> String {
    let mut out = String::new();
    let mut rest = s;
    let mut last_was_word = false;
    while let Some(at) = rest.find("=?") {
        let decoded = decode_one(&rest[at..]);
        let gap = &rest[..at];
        match decoded {
            Some((text, used)) => {
                if !(last_was_word && gap.trim().is_empty()) {
                    out.push_str(gap);
                }
                out.push_str(&text);
                rest = &rest[at + used..];
                last_was_word = true;
            }
            None => {
                out.push_str(gap);
                out.push_str("=?");
                rest = &rest[at + 2..];
                last_was_word = false;
            }
        }
    }
    out.push_str(rest);
    out
}

/// One `=?charset?B|Q?text?=` at the start of `s`: its text and length.
fn decode_one(s: &str) -> Option<(String, usize)> {
    let body = s.strip_prefix("=?")?;
    let q1 = body.find('?')?;
    let charset = &body[..q1];
    let enc = body.get(q1 + 1..q1 + 2)?;
    if body.get(q1 + 2..q1 + 3)? != "?" {
        return None;
    }
    let text_start = q1 + 3;
    let end = body[text_start..].find("?=")? + text_start;
    let payload = &body.as_bytes()[text_start..end];
    let raw = match enc {
        "B" | "b" => base64_decode(payload),
        "Q" | "q" => qp_decode(payload, true),
        _ => return None,
    };
    let charset = charset.split('*').next().unwrap_or(charset);
    let text =
        codec::decode(&raw, charset).unwrap_or_else(|_| String::from_utf8_lossy(&raw).into_owned());
    Some((text, 2 + end + 2))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::value::get_attr;

    #[test]
    fn simple_message() {
        let m = parse(b"Subject: =?UTF-8?B?44GC?= =?UTF-8?Q?x_y?=\r\nFrom: a@example.com\r\nX-Long: one\r\n two\r\n\r\nhello\r\n").unwrap();
        assert_eq!(get_attr(&m, "Subject").unwrap().to_text(), "あx y");
        assert_eq!(get_attr(&m, "X-Long").unwrap().to_text(), "one two");
        assert_eq!(get_attr(&m, "Body").unwrap().to_text(), "hello\r\n");
        assert_eq!(get_attr(&m, "Filename").unwrap().to_text(), "null");
        assert_eq!(get_attr(&m, "Is-Multipart").unwrap().to_text(), "false");
    }

    #[test]
    fn multipart_message() {
        let msg = b"Content-Type: multipart/mixed; boundary=\"XX\"\n\npreamble\n--XX\nContent-Type: text/plain; charset=iso-8859-1\nContent-Transfer-Encoding: quoted-printable\n\ncaf=E9\n--XX\nContent-Type: application/octet-stream\nContent-Disposition: attachment; filename=\"a.bin\"\nContent-Transfer-Encoding: base64\n\nAAEC\n--XX--\n";
        let m = parse(msg).unwrap();
        assert_eq!(get_attr(&m, "Is-Multipart").unwrap().to_text(), "true");
        let body = get_attr(&m, "Body").unwrap();
        assert_eq!(
            body.to_text(),
            "[{'Content-Type'='text/plain; charset=iso-8859-1', 'Content-Transfer-Encoding'='quoted-printable', Body='café', Filename=null, 'Is-Multipart'=false}, \
             {'Content-Type'='application/octet-stream', 'Content-Disposition'='attachment; filename=\"a.bin\"', 'Content-Transfer-Encoding'='base64', Body=b'\\x00\\x01\\x02', Filename='a.bin', 'Is-Multipart'=false}]"
        );
    }

    #[test]
    fn base64_bodies_as_mail_carries_them() {
        // Wrapped lines, padded or not, the URL-safe alphabet, a stray last character.
        assert_eq!(base64_decode(b"aGVs\r\nbG8=\r\n"), b"hello");
        assert_eq!(base64_decode(b"aGVsbG8"), b"hello");
        assert_eq!(base64_decode(b"-_8="), [0xfb, 0xff]);
        assert_eq!(base64_decode(b"aGVsbG8hX"), b"hello!");
        assert_eq!(base64_decode(b"!!"), b"");
    }
}
