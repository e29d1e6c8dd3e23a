//! The arguments of `mailto` (library.md §1.8) as a [`MailRequest`]: recipients,
//! bodies, attachments, and for a reply the headers taken from its parents.

use super::file_args::{files, not_files, FileError, Refused};
use crate::builtins::args::{bind, Bound};
use crate::requests::{MailRequest, SmtpChoice};
use crate::value::{Args, Error, Key, Result, Value};

/// `mailto`'s parameters and then its options, as the compiler's table of built-ins
/// lists them: the order `bind` numbers them in.
fn params() -> &'static [&'static str] {
    static PARAMS: std::sync::OnceLock<Vec<&'static str>> = std::sync::OnceLock::new();
    PARAMS.get_or_init(|| super::local_io::table_params("mailto"))
}

/// The sender when neither `from` nor the store names one (library.md §1.8: the
/// process owner's and the administrator's addresses come first, and this store keeps
/// neither).
const DEFAULT_FROM: &str = "webmaster@localhost";

pub(super) fn request(args: Args) -> Result<Refused<MailRequest>> {
    let b = bind("mailto", args, params(), 0)?;
    let text = |i: usize| -> Result<Option<String>> {
        match b.opt_nonnull(i) {
            None => Ok(None),
            Some(Value::Str(s)) => Ok(Some(s.to_string())),
            Some(_) => Err(b.type_error(i, "a String")),
        }
    };
    let mut m = MailRequest {
        to: addresses(&b, 0)?,
        cc: addresses(&b, 4)?,
        bcc: addresses(&b, 5)?,
        reply_to: text(6)?.filter(|r| !r.is_empty()),
        from: text(1)?
            .filter(|f| !f.is_empty())
            .unwrap_or_else(|| DEFAULT_FROM.into()),
        subject: text(2)?.unwrap_or_default(),
        body: text(3)?,
        html: text(7)?,
        attachments: match files(b.opt(8).unwrap_or(&Value::Null)) {
            Ok(files) => files,
            Err(FileError::Type) => return Err(not_files("mailto", "attach_files")),
            Err(FileError::NoData) => return Ok(Err("an attached file has no data".into())),
        },
        headers: headers(&b)?,
        charset: text(11)?.unwrap_or_else(|| "UTF-8".into()),
        inline: b.bool_or(13, false),
        placeholder: text(14)?.unwrap_or_else(|| "%{{}}".into()),
        as_string: b.bool_or(15, false),
        server: match b.opt(16) {
            None => SmtpChoice::System,
            Some(Value::Null) => SmtpChoice::Localhost,
            Some(Value::Object(o)) => SmtpChoice::Object(o.id),
            Some(_) => return Err(b.type_error(16, "an SmtpServer object or null")),
        },
        in_reply_to: Vec::new(),
        references: Vec::new(),
    };
    if let Some(parents) = b.opt_nonnull(9) {
        reply(&mut m, parents, b.bool_or(12, false))?;
    }
    if m.body.is_none() && m.html.is_none() {
        return Ok(Err("body and html_content are both empty".into()));
    }
    if m.to.is_empty() && m.cc.is_empty() && m.bcc.is_empty() {
        return Ok(Err("to-address is empty".into()));
    }
    Ok(Ok(m))
}

/// A String or an Array of them; empty addresses are left out.
fn addresses(b: &Bound, i: usize) -> Result<Vec<String>> {
    let items = match b.opt_nonnull(i) {
        None => return Ok(Vec::new()),
        Some(Value::Str(s)) => vec![s.to_string()],
        Some(Value::Array(a)) => a
            .borrow()
            .iter()
            .filter(|v| !matches!(v, Value::Null))
            .map(Value::to_text)
            .collect(),
        Some(_) => return Err(b.type_error(i, "a String or an Array of Strings")),
    };
    Ok(items
        .into_iter()
        .map(|a| a.trim().to_string())
        .filter(|a| !a.is_empty())
        .collect())
}

fn headers(b: &Bound) -> Result<Vec<(String, String)>> {
    match b.opt_nonnull(10) {
        None => Ok(Vec::new()),
        Some(Value::Dict(d)) => Ok(d
            .borrow()
            .iter()
            .map(|(k, v)| (k.value().to_text(), v.to_text()))
            .collect()),
        Some(_) => Err(b.type_error(10, "a Dictionary")),
    }
}

/// A reply to `parents` (messages as `mail_parse` gives them): In-Reply-To and
/// References, recipients when none were given, `Re: ` before the subject (§6 Q12).
fn reply(m: &mut MailRequest, parents: &Value, all: bool) -> Result<()> {
    let list = match parents {
        Value::Dict(_) => vec![parents.clone()],
        Value::Array(a) => a.borrow().clone(),
        other => {
            return Err(Error::new(format!(
                "mailto(): parents must be a message (a Dictionary from mail_parse) or an Array of them, not {}",
                other.type_name()
            )))
        }
    };
    let given = !m.to.is_empty();
    for parent in &list {
        let Value::Dict(d) = parent else {
            return Err(Error::new(format!(
                "mailto(): each parent must be a Dictionary from mail_parse, not {}",
                parent.type_name()
            )));
        };
        let d = d.borrow();
        let header = |name: &str| match d.get(&Key::str(name)) {
            Some(Value::Null) | None => None,
            Some(v) => Some(v.to_text()).filter(|t| !t.trim().is_empty()),
        };
        if let Some(refs) = header("References") {
            m.references
                .extend(refs.split_whitespace().map(str::to_string));
        }
        if let Some(id) = header("Message-ID") {
            m.references.push(id.trim().to_string());
            m.in_reply_to.push(id.trim().to_string());
        }
        if !given {
            m.to.extend(header("Reply-To").or_else(|| header("From")));
            if all {
                m.to.extend(header("To"));
                m.cc.extend(header("Cc"));
            }
        }
        if m.subject.is_empty() {
            m.subject = header("Subject").unwrap_or_default();
        }
    }
    if !m
        .subject
        .get(..3)
        .is_some_and(|s| s.eq_ignore_ascii_case("re:"))
    {
        m.subject = format!("Re: {}", m.subject);
    }
    Ok(())
}
