//! The result Dictionary of `urlopen` (library.md §1.8): code, version, headers,
//! cookies, and the body as text or binary.

use jfc_vm::host::Data;
use ureq::http::{self, HeaderMap};

/// What the last answer of a request gave.
pub struct Answer<'a> {
    pub url: String,
    pub response: &'a http::Response<ureq::Body>,
    pub content: Vec<u8>,
    pub history: Vec<Data>,
    /// The flow's `charset`, over the one the answer declares.
    pub charset: Option<&'a str>,
    /// The flow's `binary`.
    pub binary: bool,
}

pub fn answer(a: Answer<'_>) -> Result<Data, String> {
    let r = a.response;
    let content_type = r
        .headers()
        .get(http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok());
    let binary = a.binary || is_binary(content_type);
    let encoding = match a.charset {
        Some(c) => Some(c.to_string()),
        None => content_type.and_then(charset),
    };
    let text = if binary {
        String::new()
    } else {
        decode(&a.content, encoding.as_deref(), a.charset.is_some())?
    };
    Ok(result(Parts {
        url: a.url,
        code: i64::from(r.status().as_u16()),
        version: version(r.version()),
        text,
        content: a.content,
        encoding,
        headers: headers(r.headers()),
        cookies: cookies(r.headers()),
        history: a.history,
        binary,
    }))
}

/// What the result Dictionary of `urlopen` is made of.
pub struct Parts {
    pub url: String,
    pub code: i64,
    /// HTTP/1.1 is 11.
    pub version: i64,
    /// The body decoded (empty for a binary one).
    pub text: String,
    pub content: Vec<u8>,
    pub encoding: Option<String>,
    pub headers: Data,
    pub cookies: Data,
    pub history: Vec<Data>,
    pub binary: bool,
}

/// The result Dictionary of `urlopen` (also what the mocks of `jfc test` answer): `body`
/// is the text, or the content when binary.
pub fn result(p: Parts) -> Data {
    let body = if p.binary {
        Data::Bytes(p.content.clone())
    } else {
        Data::Str(p.text.clone())
    };
    Data::Dict(vec![
        ("url".into(), Data::Str(p.url)),
        ("code".into(), Data::Int(p.code)),
        ("version".into(), Data::Int(p.version)),
        ("text".into(), Data::Str(p.text)),
        ("content".into(), Data::Bytes(p.content)),
        ("body".into(), body),
        ("encoding".into(), p.encoding.map_or(Data::Null, Data::Str)),
        ("headers".into(), p.headers),
        ("cookies".into(), p.cookies),
        ("history".into(), Data::Array(p.history)),
        ("binary".into(), Data::Bool(p.binary)),
    ])
}

/// Binary when the Content-Type starts with image, audio or video or names octet or
/// binary, case aside; an answer without one is `application/octet-stream`.
fn is_binary(content_type: Option<&str>) -> bool {
    let Some(t) = content_type else {
        return true;
    };
    let t = t.to_ascii_lowercase();
    ["image", "audio", "video"].iter().any(|p| t.starts_with(p))
        || t.contains("octet")
        || t.contains("binary")
}

/// The `charset` parameter of a Content-Type.
fn charset(content_type: &str) -> Option<String> {
    content_type.split(';').skip(1).find_map(|param| {
        let (k, v) = param.split_once('=')?;
        k.trim()
            .eq_ignore_ascii_case("charset")
            .then(|| v.trim().trim_matches('"').to_string())
    })
}

/// The body as text: in `encoding` when it names one (an unknown name is an error only
/// when the flow gave it), else UTF-8; bytes that do not decode become U+FFFD.
fn decode(content: &[u8], encoding: Option<&str>, given: bool) -> Result<String, String> {
    let found = encoding.map(|e| (e, encoding_rs::Encoding::for_label(e.as_bytes())));
    let enc = match found {
        Some((_, Some(enc))) => enc,
        Some((name, None)) if given => return Err(format!("unknown charset '{name}'")),
        _ => encoding_rs::UTF_8,
    };
    Ok(enc.decode(content).0.into_owned())
}

/// HTTP/1.1 → 11.
fn version(v: http::Version) -> i64 {
    match v {
        http::Version::HTTP_09 => 9,
        http::Version::HTTP_10 => 10,
        http::Version::HTTP_2 => 20,
        http::Version::HTTP_3 => 30,
        _ => 11,
    }
}

/// The headers of an answer, named as they are usually written (`Content-Type`);
/// a header given several times has its values joined with `, `.
pub fn headers(map: &HeaderMap) -> Data {
    let mut out: Vec<(String, String)> = Vec::new();
    for (name, value) in map {
        let name = title_case(name.as_str());
        let value = String::from_utf8_lossy(value.as_bytes()).into_owned();
        match out.iter_mut().find(|(k, _)| *k == name) {
            Some((_, v)) => {
                v.push_str(", ");
                v.push_str(&value);
            }
            None => out.push((name, value)),
        }
    }
    Data::str_dict(out)
}

fn title_case(name: &str) -> String {
    name.split('-')
        .map(|w| {
            let mut c = w.chars();
            c.next().map_or_else(String::new, |f| {
                f.to_ascii_uppercase().to_string() + c.as_str()
            })
        })
        .collect::<Vec<_>>()
        .join("-")
}

/// The cookies the answer sets: name → value of each `Set-Cookie`.
fn cookies(map: &HeaderMap) -> Data {
    let pairs = map
        .get_all(http::header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .filter_map(|c| {
            let (name, value) = c.split(';').next()?.split_once('=')?;
            Some((name.trim().to_string(), value.trim().to_string()))
        })
        .collect();
    Data::str_dict(pairs)
}
