//! API tokens of `jfc serve`: each has a name, scopes (what it may do) and a secret that
//! is shown once, when it is made. The store keeps only the secret's SHA-256, so a copy
//! of the store file gives no one the API; a removed token stops working at once.

use rusqlite::{params, OptionalExtension};
use sha2::{Digest, Sha256};

use super::{Result, Store, StoreError};

/// What a token may do: read objects and processes, run flows, send events, everything.
pub const SCOPES: &[&str] = &["read", "run", "send", "admin"];

/// A token as `jfc token ls` shows it (never its secret).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TokenInfo {
    pub name: String,
    pub scopes: Vec<String>,
    pub created: String,
    /// When it stops working (RFC 3339, UTC); None: when it is removed.
    pub expires: Option<String>,
}

impl TokenInfo {
    /// Whether the token has expired by now.
    pub fn expired(&self) -> bool {
        self.expires
            .as_deref()
            .is_some_and(|e| e <= super::now_text().as_str())
    }

    /// Whether the token may do what `scope` names (`admin` may do everything).
    pub fn allows(&self, scope: &str) -> bool {
        self.scopes.iter().any(|s| s == scope || s == "admin")
    }
}

/// Secrets start with this, so that a leaked one is easy to search for.
const PREFIX: &str = "jfc_";

fn digest(secret: &str) -> String {
    Sha256::digest(secret.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

impl Store {
    /// Make token `name` with `scopes`, working until `expires` (stored text, UTC) if
    /// given; its secret, which nothing shows again.
    pub fn create_token(
        &mut self,
        name: &str,
        scopes: &[String],
        expires: Option<&str>,
    ) -> Result<String> {
        if name.is_empty() || name.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(StoreError(format!(
                "`{name}` cannot name a token: use letters, digits and punctuation, no spaces"
            )));
        }
        if let Some(bad) = scopes.iter().find(|s| !SCOPES.contains(&s.as_str())) {
            return Err(StoreError(format!(
                "no scope `{bad}`: a token's scopes are {}",
                SCOPES.join(", ")
            )));
        }
        let mut bytes = [0u8; 32];
        getrandom::fill(&mut bytes).map_err(|e| StoreError(format!("no random bytes: {e}")))?;
        let secret = format!(
            "{PREFIX}{}",
            bytes.iter().map(|b| format!("{b:02x}")).collect::<String>()
        );
        let inserted = self.conn.execute(
            "INSERT INTO api_tokens (name, digest, scopes, created, expires) VALUES (?1, ?2, ?3, ?4, ?5)",
            params![name, digest(&secret), scopes.join(","), super::now_text(), expires],
        );
        match inserted {
            Ok(_) => Ok(secret),
            Err(rusqlite::Error::SqliteFailure(e, _))
                if e.code == rusqlite::ErrorCode::ConstraintViolation =>
            {
                Err(StoreError(format!(
                    "a token named `{name}` exists already (`jfc token rm {name}` first)"
                )))
            }
            Err(e) => Err(e.into()),
        }
    }

    /// Every token, by name.
    pub fn tokens(&self) -> Result<Vec<TokenInfo>> {
        let mut stmt = self
            .conn
            .prepare("SELECT name, scopes, created, expires FROM api_tokens ORDER BY name")?;
        let rows = stmt.query_map([], info)?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Remove token `name`: whether there was one.
    pub fn remove_token(&mut self, name: &str) -> Result<bool> {
        Ok(self
            .conn
            .execute("DELETE FROM api_tokens WHERE name = ?1", [name])?
            > 0)
    }

    /// The token whose secret is `secret`, if it exists.
    pub fn check_token(&self, secret: &str) -> Result<Option<TokenInfo>> {
        if !secret.starts_with(PREFIX) {
            return Ok(None);
        }
        let found = self
            .conn
            .prepare_cached(
                "SELECT name, scopes, created, expires FROM api_tokens WHERE digest = ?1",
            )?
            .query_row([digest(secret)], info)
            .optional()?;
        Ok(found)
    }
}

fn info(r: &rusqlite::Row<'_>) -> rusqlite::Result<TokenInfo> {
    let scopes: String = r.get(1)?;
    Ok(TokenInfo {
        name: r.get(0)?,
        scopes: scopes
            .split(',')
            .filter(|s| !s.is_empty())
            .map(str::to_string)
            .collect(),
        created: r.get(2)?,
        expires: r.get(3)?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn store() -> (tempfile::TempDir, Store) {
        let dir = tempfile::tempdir().expect("dir");
        let store = Store::open(&dir.path().join("s.db")).expect("store");
        (dir, store)
    }

    #[test]
    fn a_token_is_checked_by_its_secret_and_stops_when_removed() {
        let (_dir, mut s) = store();
        let secret = s
            .create_token("zabbix", &["send".into()], None)
            .expect("made");
        assert!(secret.starts_with("jfc_") && secret.len() == 68, "{secret}");
        let info = s.check_token(&secret).expect("checked").expect("known");
        assert_eq!(info.name, "zabbix");
        assert!(info.allows("send") && !info.allows("run"));
        assert_eq!(s.check_token("jfc_0000").expect("checked"), None);
        assert_eq!(s.tokens().expect("listed"), vec![info]);
        assert!(s.remove_token("zabbix").expect("removed"));
        assert_eq!(s.check_token(&secret).expect("checked"), None);
        assert!(!s.remove_token("zabbix").expect("removed"));
    }

    #[test]
    fn an_expired_token_says_so() {
        let (_dir, mut s) = store();
        let past = s
            .create_token("old", &[], Some("2020-01-01T00:00:00.000000Z"))
            .expect("made");
        let future = s
            .create_token("new", &[], Some("2999-01-01T00:00:00.000000Z"))
            .expect("made");
        assert!(s
            .check_token(&past)
            .expect("checked")
            .expect("known")
            .expired());
        assert!(!s
            .check_token(&future)
            .expect("checked")
            .expect("known")
            .expired());
    }

    #[test]
    fn names_are_unique_and_scopes_known() {
        let (_dir, mut s) = store();
        s.create_token("ops", &["admin".into()], None)
            .expect("made");
        let again = s.create_token("ops", &[], None).expect_err("taken");
        assert!(again.0.contains("exists already"), "{}", again.0);
        let bad = s
            .create_token("x", &["write".into()], None)
            .expect_err("no scope");
        assert!(bad.0.contains("no scope `write`"), "{}", bad.0);
        assert!(s.create_token("two words", &[], None).is_err());
    }

    #[test]
    fn the_store_keeps_no_secret() {
        let (dir, mut s) = store();
        let secret = s.create_token("ci", &["run".into()], None).expect("made");
        drop(s);
        let bytes = std::fs::read(dir.path().join("s.db")).expect("file");
        let text = String::from_utf8_lossy(&bytes);
        assert!(
            !text.contains(&secret[4..]),
            "the secret is in the store file"
        );
    }
}
