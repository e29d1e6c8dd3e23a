//! Password fields encrypted at rest, and the plaintexts a run must not print.
//!
//! - **The key**: 32 random bytes in a file beside the store, `<store>.key`
//!   (`.jfc/store.sqlite.key`), mode 0600. It is made on first use (the first Password
//!   value written) and never overwritten; two processes making it at once both end up
//!   with the one that was written first. Reading an encrypted value when the file is
//!   missing is an error naming it: a new key could not read the value anyway. Back the
//!   key file up with the store: one without the other cannot read Password fields. An
//!   in-memory store keeps its key in memory.
//! - **The cipher**: XChaCha20-Poly1305 with a random 24-byte nonce per value and no
//!   associated data, so copied objects (raw field text, store::tree) stay readable.
//! - **The stored form**: the `secret` form of store::codec, holding the storage text of
//!   the whole value of a Password, `Array<Password>` or `Dictionary<Password>` field.
//!   Values written before encryption existed are plain text and still read; they are
//!   encrypted the next time they are written.
//! - **Revealed plaintexts**: every String of a Password value this process wrote or read
//!   ([`MIN_MASKED`] characters or longer) is remembered in [`Revealed`], which the host
//!   uses to mask them in what it reports (trace lines, command echoes, error reports).

use std::borrow::Cow;
use std::cell::OnceCell;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chacha20poly1305::aead::{Aead, Generate, KeyInit};
use chacha20poly1305::{Key, XChaCha20Poly1305, XNonce};
use jfc_vm::value::Value;

use super::export::MASK;
use super::objects::ObjectId;
use super::{codec, Result, Store, StoreError};

/// The length of the key, in bytes.
pub const KEY_LEN: usize = 32;

/// Shorter plaintexts are not masked: masking every `ab` in a report would garble it
/// and tell more than it hides.
pub const MIN_MASKED: usize = 4;

/// The key file of the store at `store`: `<store>.key`.
pub fn key_path(store: &Path) -> PathBuf {
    let mut p = store.as_os_str().to_owned();
    p.push(".key");
    PathBuf::from(p)
}

/// The key of a store, loaded or made when first needed.
pub(crate) struct Secrets {
    /// None for an in-memory store, whose key lives as long as the store.
    key_file: Option<PathBuf>,
    key: OnceCell<Key>,
    revealed: Revealed,
}

impl Secrets {
    /// The key in the file beside the store at `store`.
    pub(crate) fn beside(store: &Path) -> Secrets {
        Secrets {
            key_file: Some(key_path(store)),
            key: OnceCell::new(),
            revealed: Revealed::default(),
        }
    }

    /// A key in memory only.
    pub(crate) fn in_memory() -> Secrets {
        Secrets {
            key_file: None,
            key: OnceCell::new(),
            revealed: Revealed::default(),
        }
    }

    /// The cipher; the key is made when missing if `create` (writing), else missing is an
    /// error (reading).
    fn cipher(&self, create: bool) -> Result<XChaCha20Poly1305, String> {
        if let Some(key) = self.key.get() {
            return Ok(XChaCha20Poly1305::new(key));
        }
        let key = match (&self.key_file, create) {
            (Some(file), true) => load_or_create(file)?,
            (Some(file), false) => load(file)?.ok_or_else(|| {
                format!(
                    "the key file {} is missing: the store's Password values cannot be read without it (restore it from the backup of the store)",
                    file.display()
                )
            })?,
            (None, true) => new_key()?,
            (None, false) => return Err("this in-memory store has no key".to_string()),
        };
        Ok(XChaCha20Poly1305::new(self.key.get_or_init(|| key)))
    }

    /// The encrypted form of a storage text.
    fn seal(&self, plain: &str) -> Result<String, String> {
        let cipher = self.cipher(true)?;
        let nonce = XNonce::try_generate().map_err(|e| format!("no random nonce: {e}"))?;
        let ciphertext = cipher
            .encrypt(&nonce, plain.as_bytes())
            .map_err(|_| "cannot encrypt".to_string())?;
        Ok(codec::sealed_text(&nonce, &ciphertext))
    }

    /// The storage text inside an encrypted form; any other text as it is.
    fn open<'a>(&self, text: &'a str) -> Result<Cow<'a, str>, String> {
        let (nonce, ciphertext) = match codec::sealed_parts(text) {
            None => return Ok(Cow::Borrowed(text)),
            Some(parts) => parts?,
        };
        let nonce = XNonce::try_from(nonce.as_slice())
            .map_err(|_| format!("damaged encrypted value: a nonce of {} bytes", nonce.len()))?;
        let cipher = self.cipher(false)?;
        let plain = cipher.decrypt(&nonce, ciphertext.as_slice()).map_err(|_| {
            let key = match &self.key_file {
                Some(f) => format!("the key file {}", f.display()),
                None => "the key".to_string(),
            };
            format!("cannot decrypt: the stored value was altered, or {key} is not the one it was encrypted with")
        })?;
        String::from_utf8(plain)
            .map(Cow::Owned)
            .map_err(|_| "damaged encrypted value: not UTF-8".to_string())
    }
}

/// A fresh random key.
fn new_key() -> Result<Key, String> {
    Key::try_generate().map_err(|e| format!("no random key: {e}"))
}

/// The key in `file`, or None when there is no such file. A file being written by
/// another process (shorter than a key) is waited for, a second at most.
fn load(file: &Path) -> Result<Option<Key>, String> {
    let mut bytes = Vec::new();
    for _ in 0..100 {
        bytes.clear();
        match std::fs::File::open(file) {
            Ok(mut f) => f
                .read_to_end(&mut bytes)
                .map_err(|e| format!("cannot read the key file {}: {e}", file.display()))?,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(format!("cannot read the key file {}: {e}", file.display())),
        };
        if bytes.len() >= KEY_LEN {
            break;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    let key: [u8; KEY_LEN] = bytes.as_slice().try_into().map_err(|_| {
        format!(
            "the key file {} is damaged: {} bytes, not {KEY_LEN}",
            file.display(),
            bytes.len()
        )
    })?;
    Ok(Some(Key::from(key)))
}

/// The key in `file`, made (mode 0600) when there is none. Never overwrites: when another
/// process makes the file first, its key is the one used.
fn load_or_create(file: &Path) -> Result<Key, String> {
    if let Some(key) = load(file)? {
        return Ok(key);
    }
    let key = new_key()?;
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    let mut f = match opts.open(file) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
            return load(file)?.ok_or_else(|| format!("the key file {} vanished", file.display()))
        }
        Err(e) => {
            return Err(format!(
                "cannot create the key file {}: {e}",
                file.display()
            ))
        }
    };
    if let Err(e) = f.write_all(&key).and_then(|()| f.sync_all()) {
        let _ = std::fs::remove_file(file);
        return Err(format!("cannot write the key file {}: {e}", file.display()));
    }
    Ok(key)
}

/// The plaintexts of Password values seen by this process; shared (cheap to clone) so a
/// host can mask them in its reports while the store is busy.
#[derive(Clone, Debug, Default)]
pub struct Revealed(Arc<Mutex<Vec<String>>>);

impl Revealed {
    /// Remember the Strings of a Password value (the values of Arrays and Dictionaries,
    /// not the keys), each in the forms a report may show it in: as it is, and escaped
    /// inside quotes (`'it\'s'`, `"say \"hi\""`).
    pub fn remember(&self, v: &Value) {
        let mut found = Vec::new();
        strings(v, &mut found, 0);
        if found.is_empty() {
            return;
        }
        let mut known = self.0.lock().unwrap_or_else(|e| e.into_inner());
        for s in found {
            let mut nested = String::new();
            jfc_vm::value::render::quote_str(&mut nested, &s);
            let json = serde_json::to_string(&s).unwrap_or_default();
            let forms = [s.clone(), unquote(&nested), unquote(&json)];
            for form in forms {
                if form.chars().count() >= MIN_MASKED && !known.contains(&form) {
                    known.push(form);
                }
            }
        }
        // Longest first, so a secret containing another is masked whole.
        known.sort_by_key(|s| std::cmp::Reverse(s.len()));
    }

    /// `text` with every remembered plaintext replaced by `********`.
    pub fn mask<'a>(&self, text: &'a str) -> Cow<'a, str> {
        let known = self.0.lock().unwrap_or_else(|e| e.into_inner());
        let mut out = Cow::Borrowed(text);
        for s in known.iter() {
            if out.contains(s.as_str()) {
                out = Cow::Owned(out.replace(s.as_str(), MASK));
            }
        }
        out
    }

    /// How many forms are remembered.
    pub fn len(&self) -> usize {
        self.0.lock().unwrap_or_else(|e| e.into_inner()).len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// The text between the first and last character of a quoted form.
fn unquote(quoted: &str) -> String {
    let mut c = quoted.chars();
    c.next();
    c.next_back();
    c.as_str().to_string()
}

fn strings(v: &Value, out: &mut Vec<String>, depth: usize) {
    if depth > codec::MAX_DEPTH {
        return;
    }
    match v {
        Value::Str(s) => out.push(s.to_string()),
        Value::Array(a) => {
            if let Ok(items) = a.try_borrow() {
                items.iter().for_each(|i| strings(i, out, depth + 1));
            }
        }
        Value::Dict(d) => {
            if let Ok(entries) = d.try_borrow() {
                entries.values().for_each(|i| strings(i, out, depth + 1));
            }
        }
        _ => {}
    }
}

impl Store {
    /// The key file of this store; None for an in-memory store.
    pub fn key_path(&self) -> Option<&Path> {
        self.secrets.key_file.as_deref()
    }

    /// The Password plaintexts this store has written or read in this process.
    pub fn revealed(&self) -> Revealed {
        self.secrets.revealed.clone()
    }

    /// The encrypted form of the storage text of a Password value (making the key on
    /// first use). Errors name the object and the field.
    pub(crate) fn seal_field(&self, id: ObjectId, name: &str, text: &str) -> Result<String> {
        self.secrets
            .seal(text)
            .map_err(|e| self.field_error(id, name, e))
    }

    /// The storage text of a stored field text: decrypted when it is encrypted, else as
    /// it is. Errors name the object and the field.
    pub(crate) fn open_field<'a>(
        &self,
        id: ObjectId,
        name: &str,
        text: &'a str,
    ) -> Result<Cow<'a, str>> {
        self.secrets
            .open(text)
            .map_err(|e| self.field_error(id, name, e))
    }

    /// Remember the Strings of a Password value written or read, to mask them in reports.
    pub(crate) fn reveal(&self, value: &Value) {
        self.secrets.revealed.remember(value);
    }

    fn field_error(&self, id: ObjectId, name: &str, e: String) -> StoreError {
        let path = self.abspath(id).unwrap_or_else(|_| format!("object {id}"));
        StoreError(format!("{path}: field `{name}`: {e}"))
    }

    /// Whether `key` (a field name, or an import state key) is a Password field of `id`.
    pub(crate) fn is_password_field(&self, id: ObjectId, key: &str) -> bool {
        self.field_def(id, key)
            .map(|d| d.spec.is_password())
            .unwrap_or(false)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seal_and_open() {
        let s = Secrets::in_memory();
        assert!(s
            .open("{\"$t\":\"secret\",\"n\":\"AAAA\",\"v\":\"\"}")
            .is_err());
        let a = s.seal("\"pw\"").expect("sealed");
        let b = s.seal("\"pw\"").expect("sealed");
        assert_ne!(a, b, "a fresh nonce each time");
        // The stored plaintext `"pw"` is not in it (the random base64 may hold `pw`).
        assert!(!a.contains("\"pw\""), "{a}");
        assert_eq!(s.open(&a).expect("opens"), "\"pw\"");
        assert_eq!(s.open("\"plain\"").expect("as is"), "\"plain\"");
        // Another key cannot open it.
        let other = Secrets::in_memory();
        other.seal("x").expect("key made");
        assert!(other.open(&a).unwrap_err().contains("cannot decrypt"));
    }

    #[test]
    fn masking() {
        let r = Revealed::default();
        r.remember(&Value::str("abc"));
        r.remember(&Value::array(vec![
            Value::str("hunter2"),
            Value::str("hunter2-long"),
            Value::str("it's"),
        ]));
        assert_eq!(
            r.mask("[root@h] login abc hunter2-long hunter2"),
            "[root@h] login abc ******** ********"
        );
        assert_eq!(r.mask("x = 'it\\'s' it's"), "x = '********' ********");
        assert!(matches!(r.mask("nothing"), Cow::Borrowed(_)));
    }
}
