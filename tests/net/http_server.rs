//! A small HTTP/1.1 server on a loopback port for the tests of `urlopen`: it answers
//! each request by what its path asks for, and `/echo` with a JSON account of what the
//! request carried (method, path, query, headers, body), which the flows print.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};

/// Start the server on a free port of 127.0.0.1; it serves until the test binary ends.
pub fn start() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").expect("a loopback port");
    let port = listener.local_addr().expect("its address").port();
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            std::thread::spawn(move || serve(stream, None));
        }
    });
    port
}

/// A port of 127.0.0.1 that takes connections and never answers: a request to it
/// waits until its timeout. The listener stays open until the test binary ends.
pub fn silent() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").expect("a loopback port");
    let port = listener.local_addr().expect("its address").port();
    std::mem::forget(listener);
    port
}

/// What came in.
struct Request {
    method: String,
    path: String,
    query: String,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

/// What goes out.
struct Answer {
    status: u16,
    content_type: Option<&'static str>,
    headers: Vec<(&'static str, String)>,
    body: Vec<u8>,
}

/// Answer one request; `tunnel` names the target of the proxy tunnel it came
/// through. A CONNECT (a client using this server as its proxy) opens one on the same
/// connection.
fn serve(stream: TcpStream, tunnel: Option<String>) {
    let Some(req) = read(&stream) else { return };
    if req.method == "CONNECT" {
        let mut s = stream;
        if s.write_all(b"HTTP/1.1 200 Connection established\r\n\r\n")
            .is_ok()
        {
            serve(s, Some(req.path));
        }
        return;
    }
    let answer = route(&req, tunnel.as_deref());
    let mut out = format!("HTTP/1.1 {} {}\r\n", answer.status, reason(answer.status));
    if let Some(t) = answer.content_type {
        out.push_str(&format!("Content-Type: {t}\r\n"));
    }
    for (k, v) in &answer.headers {
        out.push_str(&format!("{k}: {v}\r\n"));
    }
    out.push_str(&format!(
        "Content-Length: {}\r\nConnection: close\r\n\r\n",
        answer.body.len()
    ));
    let mut stream = stream;
    let _ = stream.write_all(out.as_bytes());
    if req.method != "HEAD" {
        let _ = stream.write_all(&answer.body);
    }
}

fn read(stream: &TcpStream) -> Option<Request> {
    let mut r = BufReader::new(stream.try_clone().ok()?);
    let mut line = String::new();
    r.read_line(&mut line).ok()?;
    let mut parts = line.split_whitespace();
    let method = parts.next()?.to_string();
    let target = parts.next()?.to_string();
    let (path, query) = match target.split_once('?') {
        Some((p, q)) => (p.to_string(), q.to_string()),
        None => (target, String::new()),
    };
    let mut headers = Vec::new();
    loop {
        let mut h = String::new();
        r.read_line(&mut h).ok()?;
        let h = h.trim_end();
        if h.is_empty() {
            break;
        }
        let (k, v) = h.split_once(':')?;
        headers.push((k.trim().to_ascii_lowercase(), v.trim().to_string()));
    }
    let len: usize = headers
        .iter()
        .find(|(k, _)| k == "content-length")
        .and_then(|(_, v)| v.parse().ok())
        .unwrap_or(0);
    let mut body = vec![0; len];
    r.read_exact(&mut body).ok()?;
    Some(Request {
        method,
        path,
        query,
        headers,
        body,
    })
}

fn route(req: &Request, tunnel: Option<&str>) -> Answer {
    let text = |status, body: &str| Answer {
        status,
        content_type: Some("text/plain; charset=utf-8"),
        headers: Vec::new(),
        body: body.as_bytes().to_vec(),
    };
    match req.path.as_str() {
        "/status/404" => text(404, "no such page"),
        "/status/500" => text(500, "it broke"),
        "/binary" => Answer {
            status: 200,
            content_type: Some("image/png"),
            headers: Vec::new(),
            body: vec![0x89, b'P', b'N', b'G', 0, 255],
        },
        "/untyped" => Answer {
            status: 200,
            content_type: None,
            headers: Vec::new(),
            body: b"what am I".to_vec(),
        },
        "/latin1" => Answer {
            status: 200,
            content_type: Some("text/plain; charset=ISO-8859-1"),
            headers: Vec::new(),
            body: b"caf\xe9".to_vec(),
        },
        "/redirect" => Answer {
            status: 302,
            content_type: Some("text/plain"),
            headers: vec![("Location", "/echo?via=redirect".into())],
            body: Vec::new(),
        },
        "/cookies" => Answer {
            status: 200,
            content_type: Some("text/plain"),
            headers: vec![
                ("Set-Cookie", "session=abc123; Path=/; HttpOnly".into()),
                ("Set-Cookie", "theme=dark".into()),
            ],
            body: b"set".to_vec(),
        },
        _ => Answer {
            status: 200,
            content_type: Some("application/json"),
            headers: Vec::new(),
            body: echo(req, tunnel).into_bytes(),
        },
    }
}

/// The request as JSON: header names in lower case, `tunnel` the target of the proxy
/// tunnel it came through (null without one).
fn echo(req: &Request, tunnel: Option<&str>) -> String {
    let headers: serde_json::Map<String, serde_json::Value> = req
        .headers
        .iter()
        .map(|(k, v)| (k.clone(), serde_json::Value::String(v.clone())))
        .collect();
    serde_json::json!({
        "method": req.method,
        "path": req.path,
        "query": req.query,
        "headers": headers,
        "body": String::from_utf8_lossy(&req.body),
        "tunnel": tunnel,
    })
    .to_string()
}

fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        302 => "Found",
        404 => "Not Found",
        500 => "Internal Server Error",
        _ => "Other",
    }
}
