//! What a test's flow did, for its assertions and its report: the commands that ran
//! (with host, user and sudo), and the failures that make the test fail whatever the
//! flow does next (an unmocked command, a failed assertion caught by `try`).

use std::cell::RefCell;

use indexmap::IndexMap;
use jfc_vm::requests::{HttpBody, HttpRequest, MailRequest};
use jfc_vm::value::{Key, Value};

/// One command (or script, transfer, reboot) the flow ran.
#[derive(Clone, Debug, PartialEq)]
pub struct Ran {
    pub host: String,
    pub user: String,
    pub sudo: bool,
    pub command: String,
    /// Its `$STATUS` as the flow sees it (-1: the host could not be reached, or the
    /// command was stopped at its timeout).
    pub status: i64,
}

impl Ran {
    pub fn to_value(&self) -> Value {
        dict(&[
            ("host", Value::str(&self.host)),
            ("user", Value::str(&self.user)),
            ("sudo", Value::Bool(self.sudo)),
            ("command", Value::str(&self.command)),
            ("status", Value::Int(self.status)),
        ])
    }
}

/// One `urlopen` the flow made.
pub struct HttpSent {
    pub method: String,
    pub url: String,
    /// The body as text (form fields as `k=v&...`; a multipart body's fields only).
    pub body: String,
}

impl HttpSent {
    pub fn of(h: &HttpRequest) -> HttpSent {
        let fields = |f: &[(String, String)]| {
            f.iter()
                .map(|(k, v)| format!("{k}={v}"))
                .collect::<Vec<_>>()
                .join("&")
        };
        let body = match &h.body {
            HttpBody::Empty => String::new(),
            HttpBody::Form(f) | HttpBody::Multipart { fields: f, .. } => fields(f),
            HttpBody::Raw { data, .. } => String::from_utf8_lossy(data).into_owned(),
        };
        HttpSent {
            method: h.method.clone(),
            url: h.url.clone(),
            body,
        }
    }

    pub fn to_value(&self) -> Value {
        dict(&[
            ("method", Value::str(&self.method)),
            ("url", Value::str(&self.url)),
            ("body", Value::str(&self.body)),
        ])
    }
}

/// One `mailto` the flow sent.
pub struct MailSent {
    pub from: String,
    pub to: Vec<String>,
    pub cc: Vec<String>,
    pub subject: String,
    pub body: String,
}

impl MailSent {
    pub fn of(m: &MailRequest) -> MailSent {
        MailSent {
            from: m.from.clone(),
            to: m.to.clone(),
            cc: m.cc.clone(),
            subject: m.subject.clone(),
            body: m
                .body
                .clone()
                .or_else(|| m.html.clone())
                .unwrap_or_default(),
        }
    }

    pub fn to_value(&self) -> Value {
        let list = |l: &[String]| Value::array(l.iter().map(|s| Value::str(s)).collect());
        dict(&[
            ("from", Value::str(&self.from)),
            ("to", list(&self.to)),
            ("cc", list(&self.cc)),
            ("subject", Value::str(&self.subject)),
            ("body", Value::str(&self.body)),
        ])
    }
}

pub(crate) fn dict(entries: &[(&str, Value)]) -> Value {
    let mut d: IndexMap<Key, Value> = IndexMap::new();
    for (k, v) in entries {
        d.insert(Key::str(k), v.clone());
    }
    Value::dict(d)
}

#[derive(Default)]
pub struct Effects {
    pub ran: RefCell<Vec<Ran>>,
    pub requests: RefCell<Vec<HttpSent>>,
    pub mails: RefCell<Vec<MailSent>>,
    pub written: RefCell<Vec<crate::writes::Written>>,
    pub messages: RefCell<Vec<crate::writes::Sent>>,
    /// The tasks already answered or failed (each is looked at once).
    pub tasks_seen: RefCell<std::collections::HashSet<i64>>,
    pub failures: RefCell<Vec<String>>,
}

impl Effects {
    pub fn fail(&self, why: String) {
        self.failures.borrow_mut().push(why);
    }
}
