//! A client of `jfc lsp` over its real stdio: JSON-RPC messages framed with
//! `Content-Length`, answers matched to requests by id, notifications kept in order.

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{Receiver, RecvTimeoutError};
use std::time::{Duration, Instant};

use serde_json::{json, Value};

/// How long an answer or a notification may take before the test fails.
const PATIENCE: Duration = Duration::from_secs(20);

pub struct Client {
    child: Child,
    stdin: ChildStdin,
    incoming: Receiver<Value>,
    /// Notifications read while waiting for an answer.
    pending: Vec<Value>,
    next_id: i64,
    /// The server's own `XDG_CACHE_HOME`, where it writes the explanations it links to.
    cache: tempfile::TempDir,
}

impl Client {
    /// Start `jfc lsp` and initialize it; the client and the server's capabilities.
    pub fn start() -> (Client, Value) {
        Client::start_in(Value::Null)
    }

    /// The same, with `root` (a `file://` URI, or null) as the workspace folder.
    pub fn start_in(root: Value) -> (Client, Value) {
        Client::start_with_cache(root, None)
    }

    /// The same, with `XDG_CACHE_HOME` set to `cache_home` instead of a fresh directory.
    pub fn start_with_cache(root: Value, cache_home: Option<PathBuf>) -> (Client, Value) {
        Client::start_with(root, cache_home, json!({}))
    }

    /// The same, the client telling the server it has `capabilities`.
    pub fn start_with(
        root: Value,
        cache_home: Option<PathBuf>,
        capabilities: Value,
    ) -> (Client, Value) {
        let cache = tempfile::tempdir().expect("a scratch cache directory");
        let mut child = Command::new(env!("CARGO_BIN_EXE_jfc"))
            .arg("lsp")
            .env_remove("JFC_STORE")
            .env(
                "XDG_CACHE_HOME",
                cache_home.unwrap_or_else(|| cache.path().to_path_buf()),
            )
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("jfc lsp starts");
        let stdin = child.stdin.take().expect("stdin");
        let stdout = child.stdout.take().expect("stdout");
        let (tx, incoming) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let mut reader = BufReader::new(stdout);
            while let Some(message) = read_message(&mut reader) {
                if tx.send(message).is_err() {
                    return;
                }
            }
        });
        let mut client = Client {
            child,
            stdin,
            incoming,
            pending: Vec::new(),
            next_id: 1,
            cache,
        };
        let init = client.request(
            "initialize",
            json!({ "processId": null, "rootUri": root, "capabilities": capabilities }),
        );
        client.notify("initialized", json!({}));
        (client, init)
    }

    /// The `XDG_CACHE_HOME` of the server (unless started with another one).
    pub fn cache(&self) -> &Path {
        self.cache.path()
    }

    pub fn notify(&mut self, method: &str, params: Value) {
        self.send(&with_params(
            json!({ "jsonrpc": "2.0", "method": method }),
            params,
        ));
    }

    /// Send a request and wait for its answer: its `result` (an error fails the test).
    pub fn request(&mut self, method: &str, params: Value) -> Value {
        let answer = self.answer(method, params);
        assert!(answer.get("error").is_none(), "{method} failed: {answer}");
        answer["result"].clone()
    }

    /// Send a request and wait for its whole answer (`result` or `error`).
    pub fn answer(&mut self, method: &str, params: Value) -> Value {
        let id = self.next_id;
        self.next_id += 1;
        self.send(&with_params(
            json!({ "jsonrpc": "2.0", "id": id, "method": method }),
            params,
        ));
        loop {
            let message = self.receive();
            if message.get("id") == Some(&json!(id)) && message.get("method").is_none() {
                return message;
            }
            self.pending.push(message);
        }
    }

    /// The next notification `method` (those before it of other methods are kept).
    pub fn notification(&mut self, method: &str) -> Value {
        if let Some(i) = self.pending.iter().position(|m| m["method"] == method) {
            return self.pending.remove(i)["params"].clone();
        }
        loop {
            let message = self.receive();
            if message["method"] == method {
                return message["params"].clone();
            }
            self.pending.push(message);
        }
    }

    /// The next notification `method` whose params `wanted` accepts (the others are
    /// kept, in order).
    pub fn notification_where(&mut self, method: &str, wanted: impl Fn(&Value) -> bool) -> Value {
        let fits =
            |m: &Value| m["method"] == method && m.get("id").is_none() && wanted(&m["params"]);
        if let Some(i) = self.pending.iter().position(fits) {
            return self.pending.remove(i)["params"].clone();
        }
        loop {
            let message = self.receive();
            if fits(&message) {
                return message["params"].clone();
            }
            self.pending.push(message);
        }
    }

    /// Wait for the server's request `method`, answer it with a null result (success),
    /// and give its params.
    pub fn serve_request(&mut self, method: &str) -> Value {
        let asked = |m: &Value| m["method"] == method && m.get("id").is_some();
        let request = match self.pending.iter().position(asked) {
            Some(i) => self.pending.remove(i),
            None => loop {
                let message = self.receive();
                if asked(&message) {
                    break message;
                }
                self.pending.push(message);
            },
        };
        self.send(&json!({ "jsonrpc": "2.0", "id": request["id"], "result": null }));
        request["params"].clone()
    }

    fn receive(&mut self) -> Value {
        let deadline = Instant::now() + PATIENCE;
        match self.incoming.recv_timeout(deadline - Instant::now()) {
            Ok(m) => m,
            Err(RecvTimeoutError::Timeout) => panic!("jfc lsp said nothing for {PATIENCE:?}"),
            Err(RecvTimeoutError::Disconnected) => panic!("jfc lsp closed its output"),
        }
    }

    fn send(&mut self, message: &Value) {
        let body = message.to_string();
        write!(self.stdin, "Content-Length: {}\r\n\r\n{body}", body.len()).expect("write");
        self.stdin.flush().expect("flush");
    }

    /// `shutdown`, `exit`, and the server's exit status.
    pub fn stop(mut self) -> std::process::ExitStatus {
        self.request("shutdown", Value::Null);
        self.notify("exit", Value::Null);
        self.child.wait().expect("jfc lsp ends")
    }
}

impl Drop for Client {
    fn drop(&mut self) {
        let _ = self.child.kill();
    }
}

/// `message` with `params`, left out when null (`shutdown` and `exit` take none).
fn with_params(mut message: Value, params: Value) -> Value {
    if !params.is_null() {
        message["params"] = params;
    }
    message
}

/// One framed message, None at the end of the stream.
fn read_message(reader: &mut impl BufRead) -> Option<Value> {
    let mut length = None;
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).ok()? == 0 {
            return None;
        }
        let line = line.trim_end();
        if line.is_empty() {
            break;
        }
        if let Some(n) = line.strip_prefix("Content-Length: ") {
            length = n.parse::<usize>().ok();
        }
    }
    let mut body = vec![0; length?];
    reader.read_exact(&mut body).ok()?;
    serde_json::from_slice(&body).ok()
}
