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
    /// Port 25 of this machine: `smtp_server=null`, or no system setting.
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
        SmtpChoice::System => system_setting(std::env::var(SMTP_SETTING).ok())?,
        SmtpChoice::Localhost => Server::default(),
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

/// The environment variable naming the system's SMTP server as `host` or `host:port`,
/// used when `mailto` names none (this store keeps no `smtpServer` setting in
/// `/system/config` yet): how an installation, or a test, points every flow's mail,
/// those of `/lib` included, at its relay.
pub const SMTP_SETTING: &str = "JFC_SMTP_SERVER";

/// The server of the system setting `value` (plain SMTP); port 25 here when unset.
fn system_setting(value: Option<String>) -> Result<Server, String> {
    let Some(value) = value
        .map(|v| v.trim().to_string())
        .filter(|v| !v.is_empty())
    else {
        return Ok(Server::default());
    };
    let bad = || format!("{SMTP_SETTING}=`{value}` is not host or host:port");
    let (host, port) = match value.rsplit_once(':') {
        // An IPv6 address without a port has colons too: it is written [addr]:port.
        Some((h, p)) if !h.contains(':') || h.ends_with(']') => {
            (h.to_string(), Some(p.parse::<u16>().map_err(|_| bad())?))
        }
        _ => (value.clone(), None),
    };
    let host = host
        .trim_start_matches('[')
        .trim_end_matches(']')
        .to_string();
    if host.is_empty() || port == Some(0) {
        return Err(bad());
    }
    Ok(Server {
        host,
        port,
        ..Server::default()
    })
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

#[cfg(test)]
mod tests {
    use super::*;

    fn setting(v: &str) -> Result<(String, Option<u16>), String> {
        system_setting(Some(v.into())).map(|s| (s.host, s.port))
    }

    #[test]
    fn the_system_setting_is_host_and_port() {
        assert_eq!(
            setting("127.0.0.1:2525"),
            Ok(("127.0.0.1".into(), Some(2525)))
        );
        assert_eq!(
            setting("mail.example.com"),
            Ok(("mail.example.com".into(), None))
        );
        assert_eq!(setting("[::1]:25"), Ok(("::1".into(), Some(25))));
        assert_eq!(setting(" "), Ok(("localhost".into(), None)));
        assert!(setting("relay:smtp").is_err_and(|e| e.contains("JFC_SMTP_SERVER=`relay:smtp`")));
        assert!(setting(":25").is_err());
        assert_eq!(system_setting(None).map(|s| s.host), Ok("localhost".into()));
    }
}
