//! Validation (library.md §4.4, §6 Q25): the value rules of the qualifiers, enforced on
//! every write, and the formats of IPAddress, EMail and URL (§4.1).

use std::cmp::Ordering;
use std::net::{Ipv4Addr, Ipv6Addr};

use jfc_vm::value::{partial_compare, Value};

use super::convert::{show, Ctx};
use super::kind::ScalarType;
use super::qualifiers::{Bound, EnumChoices, DEFAULT_SCHEMES};

/// The qualifier rules that apply to a converted (non-null) value of type `t`. Rules
/// written on a type they do not apply to are ignored (Q24): `pattern`/`min_length`/
/// `max_length` are for String, `min_value`/`max_value` for Integer and Float, `enum`
/// for Enum.
pub(super) fn qualifiers(t: ScalarType, ctx: &Ctx, v: &Value) -> Result<(), String> {
    match (t, v) {
        (ScalarType::String, Value::Str(s)) => {
            pattern(ctx, s)?;
            length(ctx, s)
        }
        (ScalarType::Integer | ScalarType::Float, _) => range(ctx, v),
        (ScalarType::Enum, Value::Str(s)) => choice(ctx, s),
        _ => Ok(()),
    }
}

fn pattern(ctx: &Ctx, s: &str) -> Result<(), String> {
    let Some(rule) = &ctx.q.pattern else {
        return Ok(());
    };
    // A match that exceeds the backtracking budget counts as no match.
    if rule.regex.is_match(s).unwrap_or(false) {
        return Ok(());
    }
    Err(ctx.err(format!(
        "{} does not match pattern {}",
        show(&Value::str(s)),
        Value::str(&rule.text).to_nested_text()
    )))
}

/// Lengths count characters, as Python's `len()` does.
fn length(ctx: &Ctx, s: &str) -> Result<(), String> {
    let n = s.chars().count() as i64;
    if let Some(min) = ctx.q.min_length.filter(|min| n < *min) {
        return Err(ctx.err(format!(
            "{} is shorter than min_length {min}",
            show(&Value::str(s))
        )));
    }
    if let Some(max) = ctx.q.max_length.filter(|max| n > *max) {
        return Err(ctx.err(format!(
            "{} is longer than max_length {max}",
            show(&Value::str(s))
        )));
    }
    Ok(())
}

/// Inclusive bounds; NaN compares with nothing and passes, as in Python.
fn range(ctx: &Ctx, v: &Value) -> Result<(), String> {
    let cmp = |b: Bound| partial_compare(v, &b.to_value()).ok().flatten();
    if let Some(min) = ctx.q.min_value.filter(|b| cmp(*b) == Some(Ordering::Less)) {
        return Err(ctx.err(format!(
            "{} is below min_value {}",
            show(v),
            min.to_value().to_text()
        )));
    }
    if let Some(max) = ctx
        .q
        .max_value
        .filter(|b| cmp(*b) == Some(Ordering::Greater))
    {
        return Err(ctx.err(format!(
            "{} is above max_value {}",
            show(v),
            max.to_value().to_text()
        )));
    }
    Ok(())
}

fn choice(ctx: &Ctx, s: &str) -> Result<(), String> {
    let EnumChoices::List(choices) = &ctx.q.choices else {
        return Ok(());
    };
    if choices.iter().any(|(value, _)| value == s) {
        return Ok(());
    }
    const SHOWN: usize = 10;
    let mut listed: Vec<String> = choices
        .iter()
        .take(SHOWN)
        .map(|(value, _)| Value::str(value).to_nested_text())
        .collect();
    if choices.len() > SHOWN {
        listed.push("...".to_string());
    }
    let listed = if listed.is_empty() {
        "(no choices)".to_string()
    } else {
        listed.join(", ")
    };
    Err(ctx.err(format!("{} is not one of {listed}", show(&Value::str(s)))))
}

// ---------------------------------------------------------------- formats

/// The String of an IPAddress/EMail/URL field. The empty String is a blank field and
/// stays as it is: these types read as String, and a form would store "" for them.
fn format_text<'v>(ctx: &Ctx, v: &'v Value, what: &str) -> Result<Option<&'v str>, String> {
    match v {
        Value::Str(s) if s.is_empty() => Ok(None),
        Value::Str(s) => Ok(Some(s)),
        _ => Err(ctx.err(format!(
            "cannot convert {} {} to {what}",
            v.type_name(),
            show(v)
        ))),
    }
}

pub(super) fn ipv4(ctx: &Ctx, v: Value) -> Result<Value, String> {
    match format_text(ctx, &v, "IPAddress")? {
        Some(s) if !is_ipv4(s) => Err(ctx.err(format!("{} is not an IPv4 address", show(&v)))),
        _ => Ok(v),
    }
}

/// Dotted quad (std::net): leading zeros are refused, as Python's `ipaddress` does (they
/// read as octal elsewhere).
pub fn is_ipv4(s: &str) -> bool {
    s.parse::<Ipv4Addr>().is_ok()
}

pub(super) fn email(ctx: &Ctx, v: Value) -> Result<Value, String> {
    match format_text(ctx, &v, "EMail")? {
        Some(s) if !is_email(s) => Err(ctx.err(format!("{} is not an e-mail address", show(&v)))),
        _ => Ok(v),
    }
}

/// Django's `EmailValidator`: a dot-atom or quoted local part, `@`, and a domain name
/// with a TLD, `localhost`, or an address literal `[1.2.3.4]`/`[IPv6:...]`.
pub fn is_email(s: &str) -> bool {
    if s.len() > 320 || s.chars().any(char::is_whitespace) {
        return false;
    }
    let Some((user, domain)) = s.rsplit_once('@') else {
        return false;
    };
    is_email_user(user) && is_email_domain(domain)
}

fn is_email_user(u: &str) -> bool {
    const ATEXT: &str = "!#$%&'*+-/=?^_`{|}~";
    let atom = |a: &str| {
        !a.is_empty()
            && a.chars()
                .all(|c| c.is_ascii_alphanumeric() || ATEXT.contains(c))
    };
    let quoted = u.len() >= 2
        && u.starts_with('"')
        && u.ends_with('"')
        && !u.chars().any(|c| c.is_control());
    quoted || u.split('.').all(atom)
}

fn is_email_domain(d: &str) -> bool {
    if d.eq_ignore_ascii_case("localhost") {
        return true;
    }
    if let Some(literal) = d.strip_prefix('[').and_then(|r| r.strip_suffix(']')) {
        return match literal.get(..5) {
            Some(tag) if tag.eq_ignore_ascii_case("ipv6:") => {
                literal[5..].parse::<Ipv6Addr>().is_ok()
            }
            _ => is_ipv4(literal),
        };
    }
    let labels: Vec<&str> = d.split('.').collect();
    let Some((tld, rest)) = labels.split_last() else {
        return false;
    };
    let tld_ok = (2..=63).contains(&tld.chars().count())
        && tld.chars().all(|c| c.is_alphanumeric() || c == '-')
        && !tld.ends_with('-');
    !rest.is_empty() && rest.iter().all(|l| is_label(l)) && tld_ok
}

/// A host name label: 1–63 letters, digits or hyphens, no hyphen at either end.
fn is_label(l: &str) -> bool {
    (1..=63).contains(&l.chars().count())
        && l.chars().all(|c| c.is_alphanumeric() || c == '-')
        && !l.starts_with('-')
        && !l.ends_with('-')
}

/// A URL whose scheme is one of `schemes` (§4.4); the scheme is lower-cased on save.
pub(super) fn url(ctx: &Ctx, v: Value) -> Result<Value, String> {
    let Some(s) = format_text(ctx, &v, "URL")? else {
        return Ok(v);
    };
    let not_url = || ctx.err(format!("{} is not a URL", show(&v)));
    let (scheme, rest) = s.split_once("://").ok_or_else(not_url)?;
    let scheme_ok = !scheme.is_empty()
        && scheme
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c));
    if !scheme_ok || s.len() > 2048 || s.chars().any(char::is_whitespace) || !is_url_rest(rest) {
        return Err(not_url());
    }
    let scheme = scheme.to_ascii_lowercase();
    let allowed: Vec<&str> = match &ctx.q.schemes {
        Some(list) => list.iter().map(String::as_str).collect(),
        None => DEFAULT_SCHEMES.to_vec(),
    };
    if !allowed.contains(&scheme.as_str()) {
        let listed: Vec<String> = allowed
            .iter()
            .map(|s| Value::str(s).to_nested_text())
            .collect();
        return Err(ctx.err(format!(
            "the scheme of {} is not one of {}",
            show(&v),
            if listed.is_empty() {
                "(no schemes)".to_string()
            } else {
                listed.join(", ")
            }
        )));
    }
    Ok(Value::str(&format!("{scheme}://{rest}")))
}

/// What follows `scheme://` (Django's `URLValidator`): `[user[:password]@]host[:port]`,
/// then optionally a path, query or fragment.
fn is_url_rest(rest: &str) -> bool {
    let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let authority = &rest[..end];
    let host_port = match authority.split_once('@') {
        Some((userinfo, hp)) => {
            let user = userinfo.split_once(':').map_or(userinfo, |(u, _)| u);
            if user.is_empty() || hp.contains('@') || userinfo.matches(':').count() > 1 {
                return false;
            }
            hp
        }
        None => authority,
    };
    let (host, port) = split_port(host_port);
    let port_ok =
        port.is_none_or(|p| (1..=5).contains(&p.len()) && p.bytes().all(|b| b.is_ascii_digit()));
    port_ok && is_url_host(host)
}

/// `host[:port]`, where host may be a bracketed IPv6 address.
fn split_port(hp: &str) -> (&str, Option<&str>) {
    if hp.starts_with('[') {
        return match hp.find(']') {
            Some(i) => match &hp[i + 1..] {
                "" => (&hp[..=i], None),
                tail => (&hp[..=i], Some(tail.strip_prefix(':').unwrap_or("x"))),
            },
            None => (hp, None),
        };
    }
    match hp.rsplit_once(':') {
        Some((h, p)) => (h, Some(p)),
        None => (hp, None),
    }
}

fn is_url_host(host: &str) -> bool {
    if host.eq_ignore_ascii_case("localhost") || is_ipv4(host) {
        return true;
    }
    if let Some(v6) = host.strip_prefix('[').and_then(|r| r.strip_suffix(']')) {
        return v6.parse::<Ipv6Addr>().is_ok();
    }
    let host = host.strip_suffix('.').unwrap_or(host);
    let labels: Vec<&str> = host.split('.').collect();
    let Some((tld, rest)) = labels.split_last() else {
        return false;
    };
    let punycode = match (tld.get(..4), tld.get(4..)) {
        (Some(head), Some(tail)) => {
            head.eq_ignore_ascii_case("xn--")
                && !tail.is_empty()
                && tail.chars().all(|c| c.is_ascii_alphanumeric())
        }
        _ => false,
    };
    let tld_ok = punycode
        || ((2..=63).contains(&tld.chars().count())
            && tld.chars().all(|c| c.is_alphabetic() || c == '-')
            && !tld.starts_with('-')
            && !tld.ends_with('-'));
    !rest.is_empty() && rest.iter().all(|l| is_label(l)) && tld_ok
}
