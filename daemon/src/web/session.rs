//! Sessions of the web page. The cookie holds a random session id only; the token the
//! person pasted stays in the daemon's memory, checked again at every request, so a
//! token removed or expired since the login sends the next page back to the login.
//! Each session has a CSRF token that every form carries (`csrf`), checked on POST.
//! Sessions live in memory: a daemon restart asks for the token again.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::http::{header, HeaderMap};

use crate::ApiError;

/// The cookie's name.
pub(super) const COOKIE: &str = "jfc_session";

/// How long a login lasts (an on-call shift), whatever the token's own expiry.
const LOGGED_IN_FOR: Duration = Duration::from_secs(12 * 3600);

/// How long the login form waits for its token.
const ANONYMOUS_FOR: Duration = Duration::from_secs(3600);

/// At most this many sessions are kept: past it the oldest login forms go first, so
/// that a flood of login-page loads cannot fill the memory.
const MAX_SESSIONS: usize = 4096;

#[derive(Clone)]
pub(super) struct Session {
    /// The API token's secret once logged in; None on the login form.
    pub secret: Option<String>,
    pub csrf: String,
    created: Instant,
}

impl Session {
    fn expired(&self) -> bool {
        let life = if self.secret.is_some() {
            LOGGED_IN_FOR
        } else {
            ANONYMOUS_FOR
        };
        self.created.elapsed() > life
    }
}

/// The sessions of the daemon, by id; and whether its cookies must say `Secure`.
#[derive(Clone, Default)]
pub(crate) struct Sessions {
    by_id: Arc<Mutex<HashMap<String, Session>>>,
    secure: bool,
}

impl Sessions {
    /// `secure`: the daemon serves HTTPS, and the cookie is sent over nothing else.
    pub(crate) fn new(secure: bool) -> Sessions {
        Sessions {
            by_id: Default::default(),
            secure,
        }
    }

    /// The session the request's cookie names, if it is known and not expired.
    pub(super) fn find(&self, headers: &HeaderMap) -> Option<(String, Session)> {
        let id = cookie(headers)?;
        let mut map = self.by_id.lock().unwrap_or_else(|e| e.into_inner());
        match map.get(&id) {
            Some(s) if s.expired() => {
                map.remove(&id);
                None
            }
            Some(s) => Some((id, s.clone())),
            None => None,
        }
    }

    /// A new session (anonymous when `secret` is None): its id and its CSRF token.
    pub(super) fn open(&self, secret: Option<String>) -> Result<(String, String), ApiError> {
        let id = random_hex()?;
        let session = Session {
            secret,
            csrf: random_hex()?,
            created: Instant::now(),
        };
        let mut map = self.by_id.lock().unwrap_or_else(|e| e.into_inner());
        map.retain(|_, s| !s.expired());
        while map.len() >= MAX_SESSIONS {
            // Login forms go before logins, so a flood of them logs nobody out.
            let oldest = map
                .iter()
                .min_by_key(|(_, s)| (s.secret.is_some(), s.created))
                .map(|(k, _)| k.clone());
            match oldest {
                Some(k) => map.remove(&k),
                None => break,
            };
        }
        let csrf = session.csrf.clone();
        map.insert(id.clone(), session);
        Ok((id, csrf))
    }

    pub(super) fn close(&self, id: &str) {
        let mut map = self.by_id.lock().unwrap_or_else(|e| e.into_inner());
        map.remove(id);
    }

    /// The Set-Cookie value that gives the browser session `id`.
    pub(super) fn set_cookie(&self, id: &str) -> String {
        format!(
            "{COOKIE}={id}; Path=/ui; HttpOnly; SameSite=Strict{}",
            if self.secure { "; Secure" } else { "" }
        )
    }

    /// The Set-Cookie value that makes the browser forget its session.
    pub(super) fn clear_cookie(&self) -> String {
        format!(
            "{COOKIE}=; Path=/ui; HttpOnly; SameSite=Strict; Max-Age=0{}",
            if self.secure { "; Secure" } else { "" }
        )
    }
}

/// Whether the form's CSRF token is the session's (compared in constant time).
pub(super) fn csrf_matches(session: &Session, given: &str) -> bool {
    let (a, b) = (session.csrf.as_bytes(), given.as_bytes());
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// The session id of the request's cookie.
fn cookie(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == COOKIE)
        .map(|(_, value)| value.to_string())
}

/// 128 random bits as hex.
fn random_hex() -> Result<String, ApiError> {
    let mut bytes = [0u8; 16];
    getrandom::fill(&mut bytes)
        .map_err(|e| ApiError::internal(format!("the OS's random source failed: {e}")))?;
    Ok(bytes.iter().map(|b| format!("{b:02x}")).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with_cookie(value: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(header::COOKIE, value.parse().expect("a header value"));
        h
    }

    #[test]
    fn the_cookie_is_secure_only_over_tls_and_never_readable_by_scripts() {
        let plain = Sessions::new(false).set_cookie("abc");
        assert_eq!(
            plain,
            "jfc_session=abc; Path=/ui; HttpOnly; SameSite=Strict"
        );
        let tls = Sessions::new(true);
        assert!(tls.set_cookie("abc").ends_with("; Secure"));
        assert!(tls.clear_cookie().contains("Max-Age=0"));
    }

    #[test]
    fn a_session_is_found_by_its_cookie_among_others_and_forgotten_when_closed() {
        let sessions = Sessions::new(false);
        let (id, csrf) = sessions.open(Some("jfc_secret".into())).expect("opened");
        assert_eq!((id.len(), csrf.len()), (32, 32));
        assert_ne!(id, csrf);
        let headers = with_cookie(&format!("other=1; {COOKIE}={id}; last=2"));
        let (found, session) = sessions.find(&headers).expect("found");
        assert_eq!(found, id);
        assert_eq!(session.secret.as_deref(), Some("jfc_secret"));
        assert!(csrf_matches(&session, &csrf));
        assert!(!csrf_matches(&session, ""));
        assert!(!csrf_matches(&session, &csrf[..31]));
        assert!(sessions
            .find(&with_cookie(&format!("{COOKIE}=nope")))
            .is_none());
        sessions.close(&id);
        assert!(sessions.find(&headers).is_none());
    }

    #[test]
    fn a_flood_of_login_forms_keeps_at_most_max_sessions_and_the_logins() {
        let sessions = Sessions::new(false);
        let (login, _) = sessions.open(Some("jfc_secret".into())).expect("opened");
        let (first_form, _) = sessions.open(None).expect("opened");
        for _ in 0..MAX_SESSIONS {
            sessions.open(None).expect("opened");
        }
        let map = sessions.by_id.lock().expect("not poisoned");
        assert_eq!(map.len(), MAX_SESSIONS);
        assert!(map.contains_key(&login), "a login outlives the flood");
        assert!(!map.contains_key(&first_form), "the oldest form went first");
    }
}
