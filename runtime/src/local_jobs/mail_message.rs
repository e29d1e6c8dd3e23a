//! The message `mailto` sends (library.md §1.8), built with lettre: text and HTML
//! bodies, attachments (inline ones with their Content-IDs put into the bodies), reply
//! headers and the flow's own headers.

use std::str::FromStr;

use jfc_vm::host::MailRequest;
use lettre::message::header::{ContentType, HeaderName, HeaderValue};
use lettre::message::{Attachment, Body, Mailbox, Mailboxes, MultiPart, SinglePart};
use lettre::Message;

/// What every message says it was sent with (library.md §6 Q22).
const USER_AGENT: &str = "Kompira ver 1.6.11";

pub fn build(m: &MailRequest) -> Result<Message, String> {
    let mut b = Message::builder()
        .from(mailbox(&m.from, "from")?)
        .subject(m.subject.clone())
        .user_agent(USER_AGENT.into())
        .message_id(None);
    for a in mailboxes(&m.to, "to")? {
        b = b.to(a);
    }
    for a in mailboxes(&m.cc, "cc")? {
        b = b.cc(a);
    }
    for a in mailboxes(&m.bcc, "bcc")? {
        b = b.bcc(a);
    }
    if let Some(r) = &m.reply_to {
        b = b.reply_to(mailbox(r, "reply_to")?);
    }
    if !m.in_reply_to.is_empty() {
        b = b.in_reply_to(m.in_reply_to.join(" "));
        b = b.references(m.references.join(" "));
    }
    for (name, value) in &m.headers {
        let header = HeaderName::new_from_ascii(name.clone())
            .map_err(|_| format!("'{name}' cannot be the name of a mail header"))?;
        b = b.raw_header(HeaderValue::new(header, value.clone()));
    }
    let ids: Vec<String> = (0..m.attachments.len()).map(content_id).collect();
    let text = |t: &str| {
        if m.inline {
            with_ids(t, m, &ids)
        } else {
            t.to_string()
        }
    };
    let content = content(m, m.body.as_deref().map(text), m.html.as_deref().map(text))?;
    let message = if m.attachments.is_empty() {
        match content {
            Content::Single(p) => b.singlepart(p),
            Content::Multi(p) => b.multipart(p),
        }
    } else {
        let mut all = if m.inline {
            MultiPart::related().build()
        } else {
            MultiPart::mixed().build()
        };
        all = match content {
            Content::Single(p) => all.singlepart(p),
            Content::Multi(p) => all.multipart(p),
        };
        for ((name, data), id) in m.attachments.iter().zip(&ids) {
            let kind = mime_guess::from_path(name).first_or_octet_stream();
            let kind = ContentType::parse(kind.essence_str())
                .unwrap_or_else(|_| ContentType::parse("application/octet-stream").expect("valid"));
            let a = if m.inline {
                Attachment::new_inline_with_name(id.clone(), name.clone())
            } else {
                Attachment::new(name.clone())
            };
            all = all.singlepart(a.body(data.clone(), kind));
        }
        b.multipart(all)
    };
    message.map_err(|e| format!("cannot make the message: {e}"))
}

enum Content {
    Single(SinglePart),
    Multi(MultiPart),
}

/// The text part, the HTML part, or both as alternatives.
fn content(m: &MailRequest, body: Option<String>, html: Option<String>) -> Result<Content, String> {
    let part = |subtype: &str, t: String| -> Result<SinglePart, String> {
        let kind = ContentType::parse(&format!("text/{subtype}; charset={}", m.charset))
            .map_err(|e| format!("charset '{}': {e}", m.charset))?;
        let bytes = jfc_vm::builtins::codec::encode(&t, &m.charset)
            .map_err(|e| format!("charset {}: {e}", m.charset))?;
        Ok(SinglePart::builder().header(kind).body(Body::new(bytes)))
    };
    Ok(match (body, html) {
        (Some(t), Some(h)) => Content::Multi(
            MultiPart::alternative()
                .singlepart(part("plain", t)?)
                .singlepart(part("html", h)?),
        ),
        (Some(t), None) => Content::Single(part("plain", t)?),
        (None, Some(h)) => Content::Single(part("html", h)?),
        (None, None) => return Err("body and html_content are both empty".into()),
    })
}

/// A Content-ID for attachment `i`, unique to this message.
fn content_id(i: usize) -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    format!("part{i}.{nanos:x}.{}@jfc", std::process::id())
}

/// `t` with each placeholder of an attachment (`%{Content-ID#0}`,
/// `%{Content-ID:logo.png}`) replaced by its Content-ID.
fn with_ids(t: &str, m: &MailRequest, ids: &[String]) -> String {
    let mut out = t.to_string();
    for (i, ((name, _), id)) in m.attachments.iter().zip(ids).enumerate() {
        for key in [format!("Content-ID#{i}"), format!("Content-ID:{name}")] {
            out = out.replace(&m.placeholder.replacen("{}", &key, 1), id);
        }
    }
    out
}

fn mailbox(a: &str, what: &str) -> Result<Mailbox, String> {
    Mailbox::from_str(a).map_err(|e| format!("{what}: '{a}' is not a valid address ({e})"))
}

/// Each address of `list`; an item may hold several, separated by commas.
fn mailboxes(list: &[String], what: &str) -> Result<Vec<Mailbox>, String> {
    let mut out = Vec::new();
    for a in list {
        let boxes = Mailboxes::from_str(a)
            .map_err(|e| format!("{what}: '{a}' is not a valid address ({e})"))?;
        out.extend(boxes);
    }
    Ok(out)
}
