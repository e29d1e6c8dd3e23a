//! `mailto` (library.md §1.8): the message sent over SMTP with lettre, through an
//! SmtpServer object of the store (§3.31) or the SMTP server of this machine.

use std::path::Path;
use std::time::Duration;

use jfc_store::Store;
use jfc_vm::host::{Data, MailRequest, SmtpChoice};
use jfc_vm::value::Value;
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Tls, TlsParameters};
use lettre::{SmtpTransport, Transport};

use super::mail_message;

/// Where and how to send.
struct Server {
    host: String,
    port: Option<u16>,
    credentials: Option<(String, String)>,
    timeout: Option<Duration>,
    starttls: bool,
    ssl: bool,
}

impl Default for Server {
    /// Port 25 of this machine, as without a system setting (this store keeps no
    /// `smtpServer` setting in `/system/config` yet).
    fn default() -> Self {
        Server {
            host: "localhost".into(),
            port: None,
            credentials: None,
            timeout: Some(Duration::from_secs(60)),
            starttls: false,
            ssl: false,
        }
    }
}

pub fn run(m: &MailRequest, store: Option<&Path>) -> Result<Data, String> {
    let message = mail_message::build(m)?;
    if m.as_string {
        return Ok(Data::Str(
            String::from_utf8_lossy(&message.formatted()).into_owned(),
        ));
    }
    let server = match m.server {
        SmtpChoice::Object(id) => from_store(id, store)?,
        SmtpChoice::System | SmtpChoice::Localhost => Server::default(),
    };
    let port = server.port.unwrap_or(if server.ssl {
        465
    } else if server.starttls {
        587
    } else {
        25
    });
    let mut t = SmtpTransport::builder_dangerous(&server.host)
        .port(port)
        .timeout(server.timeout);
    if server.ssl || server.starttls {
        let params = TlsParameters::new(server.host.clone())
            .map_err(|e| format!("TLS to {}: {e}", server.host))?;
        t = t.tls(if server.ssl {
            Tls::Wrapper(params)
        } else {
            Tls::Required(params)
        });
    }
    if let Some((user, password)) = server.credentials {
        t = t.credentials(Credentials::new(user, password));
    }
    t.build()
        .send(&message)
        .map_err(|e| format!("SMTP server {}:{port}: {e}", server.host))?;
    Ok(Data::Null)
}

/// The fields of SmtpServer object `id` (§3.31).
fn from_store(id: i64, store: Option<&Path>) -> Result<Server, String> {
    let path = store.ok_or("smtp_server is an object of a store, and this run has none")?;
    super::with_store(path, |s: &mut Store| {
        let kind = s.type_name(id).map_err(|e| e.0)?;
        let name = s.abspath(id).map_err(|e| e.0)?;
        if kind != "SmtpServer" {
            return Err(format!("smtp_server {name} is a {kind}, not an SmtpServer"));
        }
        let read = |f: &str| s.read_field(id, f).unwrap_or(Value::Null);
        let text = |f: &str| match &read(f) {
            Value::Str(t) if !t.trim().is_empty() => Some(t.trim().to_string()),
            _ => None,
        };
        let number = |f: &str| match read(f) {
            Value::Int(n) if n > 0 => Some(n),
            _ => None,
        };
        let ssl = read("use_ssl").truthy();
        let starttls = read("use_tls").truthy();
        if ssl && starttls {
            return Err(format!(
                "smtp_server {name}: use_tls and use_ssl cannot both be set"
            ));
        }
        Ok(Server {
            host: text("hostname").unwrap_or_else(|| "localhost".into()),
            port: match number("port") {
                Some(p) => Some(
                    u16::try_from(p)
                        .map_err(|_| format!("smtp_server {name}: port {p} is out of range"))?,
                ),
                None => None,
            },
            credentials: text("username").zip(text("password")),
            timeout: number("timeout").map(|n| Duration::from_secs(n as u64)),
            starttls,
            ssl,
        })
    })
}
