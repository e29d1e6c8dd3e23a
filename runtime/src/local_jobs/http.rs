//! `urlopen` (library.md §1.8): one HTTP request with ureq, its redirects followed here
//! so that each intermediate answer goes into `history` (§6 Q11).

use std::time::Duration;

use base64::Engine;
use jfc_vm::host::{Data, FileContent, HttpBody, HttpRequest};
use ureq::http;
use url::Url;

use super::http_answer::{answer, headers, Answer};
use super::multipart;

/// Redirects followed before giving up (as many as Python's requests follows).
const MAX_REDIRECTS: usize = 30;

/// Bytes of an answer's body read at most.
const MAX_BODY: u64 = 1 << 30;

pub fn run(h: &HttpRequest) -> Result<Data, String> {
    let mut url = Url::parse(&h.url).map_err(|e| format!("invalid URL '{}': {e}", h.url))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(format!(
            "invalid URL '{}': the scheme must be http or https",
            h.url
        ));
    }
    if !h.params.is_empty() {
        url.query_pairs_mut().extend_pairs(&h.params);
    }
    let agent = agent(h, &url)?;
    let (mut body, mut content_type) = body(&h.body)?;
    let mut method = h.method.clone();
    let mut history = Vec::new();
    let first_host = url.host_str().map(str::to_string);
    for _ in 0..=MAX_REDIRECTS {
        // Credentials go to the host they were given for, not to one a redirect names.
        let auth = h
            .auth
            .as_ref()
            .filter(|_| url.host_str().map(str::to_string) == first_host);
        let request = build(h, &url, &method, auth, content_type.as_deref(), &body)?;
        let mut response = agent
            .run(request)
            .map_err(|e| format!("{}: {}", url, why(e)))?;
        let status = response.status().as_u16();
        let location = response
            .headers()
            .get(http::header::LOCATION)
            .and_then(|l| l.to_str().ok())
            .map(str::to_string);
        let Some(location) = location.filter(|_| response.status().is_redirection()) else {
            let content = if method == "HEAD" {
                Vec::new()
            } else {
                response
                    .body_mut()
                    .with_config()
                    .limit(MAX_BODY)
                    .read_to_vec()
                    .map_err(|e| format!("{url}: reading the answer: {}", why(e)))?
            };
            return answer(Answer {
                url: url.to_string(),
                response: &response,
                content,
                history,
                charset: h.charset.as_deref(),
                binary: h.binary,
            });
        };
        history.push(Data::Dict(vec![
            ("url".into(), Data::Str(url.to_string())),
            ("code".into(), Data::Int(i64::from(status))),
            ("headers".into(), headers(response.headers())),
        ]));
        url = url
            .join(&location)
            .map_err(|e| format!("{url}: a redirect to '{location}' that is not a URL: {e}"))?;
        // 303, and 301/302 after a POST, go on with a GET without the body (as browsers
        // and Python's requests do); 307 and 308 repeat the request as it was.
        if status == 303 || (matches!(status, 301 | 302) && method == "POST") {
            if method != "HEAD" {
                method = "GET".into();
            }
            body.clear();
            content_type = None;
        }
    }
    Err(format!("{url}: more than {MAX_REDIRECTS} redirects"))
}

/// An agent for this request's TLS, proxy and timeout settings; HTTP statuses are
/// answers, not errors, and redirects come back to [`run`].
fn agent(h: &HttpRequest, url: &Url) -> Result<ureq::Agent, String> {
    let proxy = match h.proxies.iter().find(|(scheme, _)| scheme == url.scheme()) {
        Some((_, p)) => Some(ureq::Proxy::new(p).map_err(|e| format!("invalid proxy '{p}': {e}"))?),
        None => None,
    };
    let tls = ureq::tls::TlsConfig::builder()
        .disable_verification(!h.verify)
        .build();
    let t: Option<Duration> = h.timeout;
    let config = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .max_redirects(0)
        .max_redirects_will_error(false)
        .tls_config(tls)
        .proxy(proxy)
        .timeout_resolve(t)
        .timeout_connect(t)
        .timeout_per_read(t)
        .timeout_per_write(t)
        .build();
    Ok(ureq::Agent::new_with_config(config))
}

/// The bytes a request carries and their Content-Type.
fn body(b: &HttpBody) -> Result<(Vec<u8>, Option<String>), String> {
    Ok(match b {
        HttpBody::Empty => (Vec::new(), None),
        HttpBody::Form(fields) => {
            let text = url::form_urlencoded::Serializer::new(String::new())
                .extend_pairs(fields)
                .finish();
            (
                text.into_bytes(),
                Some("application/x-www-form-urlencoded".into()),
            )
        }
        HttpBody::Raw { data, content_type } => (data.clone(), content_type.clone()),
        HttpBody::Multipart { fields, files } => {
            let mut read = Vec::new();
            for f in files {
                read.push(match &f.content {
                    FileContent::Data(d) => (f, d.clone()),
                    FileContent::Path(p) => (
                        f,
                        std::fs::read(p).map_err(|e| format!("cannot read the file {p}: {e}"))?,
                    ),
                });
            }
            let (body, boundary) = multipart::encode(fields, &read);
            (
                body,
                Some(format!("multipart/form-data; boundary={boundary}")),
            )
        }
    })
}

/// The request itself: its headers, cookies and credentials (the flow's own headers
/// win over the Content-Type the body chose).
fn build(
    h: &HttpRequest,
    url: &Url,
    method: &str,
    auth: Option<&(String, String)>,
    content_type: Option<&str>,
    body: &[u8],
) -> Result<http::Request<Vec<u8>>, String> {
    let mut r = http::Request::builder().method(method).uri(url.as_str());
    let given = |name: &str| h.headers.iter().any(|(k, _)| k.eq_ignore_ascii_case(name));
    if let (Some(ct), false) = (content_type, given("content-type")) {
        r = r.header("Content-Type", ct);
    }
    if let (Some((user, password)), false) = (auth, given("authorization")) {
        let token = base64::engine::general_purpose::STANDARD.encode(format!("{user}:{password}"));
        r = r.header("Authorization", format!("Basic {token}"));
    }
    if !h.cookies.is_empty() {
        let cookies: Vec<String> = h.cookies.iter().map(|(k, v)| format!("{k}={v}")).collect();
        r = r.header("Cookie", cookies.join("; "));
    }
    for (k, v) in &h.headers {
        r = r.header(k.as_str(), v.as_str());
    }
    r.body(body.to_vec())
        .map_err(|e| format!("{url}: cannot make the request: {e}"))
}

/// A ureq error in words, its cause first where it has one.
fn why(e: ureq::Error) -> String {
    match e {
        ureq::Error::Io(io) => io.to_string(),
        ureq::Error::Timeout(t) => format!("timed out ({t})"),
        other => other.to_string(),
    }
}
