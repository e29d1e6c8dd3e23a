//! A real SMTP server for the tests that send mail: Python's aiosmtpd on a free
//! loopback port, keeping each message it receives in a maildir (with the envelope's
//! recipients in `X-RcptTo`). test.sh installs Debian's python3-aiosmtpd.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The server, killed when the test ends.
pub struct Smtp(Child);

impl Drop for Smtp {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// The python3 of the system, where Debian's python3-aiosmtpd is.
pub fn system_python() -> PathBuf {
    let debian = PathBuf::from("/usr/bin/python3");
    if debian.exists() {
        debian
    } else {
        PathBuf::from("python3")
    }
}

/// aiosmtpd on a free port, keeping what it receives in the maildir `dir`; its port.
pub fn smtp_server(dir: &Path) -> (Smtp, u16) {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port();
    let child = Command::new(system_python())
        .args(["-m", "aiosmtpd", "-n", "-l", &format!("127.0.0.1:{port}")])
        .args(["-c", "aiosmtpd.handlers.Mailbox"])
        .arg(dir)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("python3 -m aiosmtpd starts (test.sh installs python3-aiosmtpd)");
    let mut server = Smtp(child);
    let start = Instant::now();
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        if let Ok(Some(status)) = server.0.try_wait() {
            let mut why = String::new();
            if let Some(mut e) = server.0.stderr.take() {
                let _ = std::io::Read::read_to_string(&mut e, &mut why);
            }
            panic!("the SMTP server ended before listening ({status}; test.sh installs python3-aiosmtpd): {why}");
        }
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "no SMTP server on port {port}"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    (server, port)
}

/// The messages of the maildir `dir`, oldest first.
pub fn mails(dir: &Path) -> Vec<String> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir.join("new"))
        .map(|d| d.flatten().map(|e| e.path()).collect())
        .unwrap_or_default();
    files.sort_by_key(|f| std::fs::metadata(f).and_then(|m| m.modified()).ok());
    files
        .iter()
        .map(|f| std::fs::read_to_string(f).expect("a message"))
        .collect()
}

/// The text body of a single-part message as sent: quoted-printable decoded (lettre
/// writes a body with long lines so), 7bit and 8bit as they are.
pub fn body(mail: &str) -> String {
    let mail = mail.replace("\r\n", "\n");
    let (head, body) = mail.split_once("\n\n").unwrap_or((&mail, ""));
    let encoding = head
        .lines()
        .find_map(|l| l.strip_prefix("Content-Transfer-Encoding: "))
        .unwrap_or("7bit")
        .trim()
        .to_ascii_lowercase();
    match encoding.as_str() {
        "quoted-printable" => unquote(body),
        "7bit" | "8bit" => body.to_string(),
        other => panic!("a body in {other}, which these tests do not read:\n{mail}"),
    }
}

/// Quoted-printable to text: soft line breaks joined, `=XX` bytes decoded.
fn unquote(text: &str) -> String {
    let joined = text.replace("=\n", "");
    let bytes = joined.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = bytes
            .get(i + 1..i + 3)
            .and_then(|h| std::str::from_utf8(h).ok())
            .and_then(|h| u8::from_str_radix(h, 16).ok());
        match (bytes[i], hex) {
            (b'=', Some(b)) => {
                out.push(b);
                i += 3;
            }
            (c, _) => {
                out.push(c);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}
