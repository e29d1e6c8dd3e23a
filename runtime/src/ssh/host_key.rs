//! Host keys: the key a server offers is checked against a known_hosts file (OpenSSH's
//! format) kept beside the store. The first contact with a host records its key; a key
//! that differs from the recorded one refuses the connection, naming the host and both
//! fingerprints.

use std::path::Path;
use std::sync::Mutex;

use base64::Engine;
use sha2::{Digest, Sha256};
use ssh2::{CheckResult, HashType, KnownHostFileKind, Session};

/// The commands of one jfc record first contacts one at a time: two writers of the file
/// would lose each other's lines.
static FILE: Mutex<()> = Mutex::new(());

/// Accept the server's key when `file` has it, or has no key for the host (it is then
/// recorded); Err with the reason otherwise.
pub fn check(s: &Session, host: &str, port: u16, file: &Path) -> Result<(), String> {
    let (key, kind) = s
        .host_key()
        .ok_or_else(|| format!("{host}:{port}: the server offered no host key"))?;
    let _one_at_a_time = FILE.lock().unwrap_or_else(|e| e.into_inner());
    let mut known = s.known_hosts().map_err(|e| format!("{host}:{port}: {e}"))?;
    if file.is_file() {
        known
            .read_file(file, KnownHostFileKind::OpenSSH)
            .map_err(|e| format!("cannot read the host keys in {}: {e}", file.display()))?;
    }
    let name = entry_name(host, port);
    match known.check_port(host, port, key) {
        CheckResult::Match => Ok(()),
        CheckResult::NotFound => {
            known
                .add(&name, key, "recorded by jfc", kind.into())
                .map_err(|e| format!("{name}: cannot record its host key: {e}"))?;
            if let Some(dir) = file.parent().filter(|d| !d.as_os_str().is_empty()) {
                std::fs::create_dir_all(dir)
                    .map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
            }
            known
                .write_file(file, KnownHostFileKind::OpenSSH)
                .map_err(|e| {
                    format!(
                        "cannot record the host key of {name} in {}: {e}",
                        file.display()
                    )
                })?;
            tracing::info!(
                "first contact with {name}: its host key is recorded in {}",
                file.display()
            );
            Ok(())
        }
        CheckResult::Mismatch => {
            let offered = s
                .host_key_hash(HashType::Sha256)
                .map_or_else(|| "?".into(), fingerprint_of_hash);
            let recorded = known
                .hosts()
                .ok()
                .and_then(|hosts| {
                    hosts
                        .iter()
                        .find(|h| h.name() == Some(name.as_str()))
                        .and_then(|h| fingerprint_of_blob(h.key()))
                })
                .unwrap_or_else(|| "?".into());
            Err(format!(
                "the host key of {name} has changed: {} records {recorded}, the server offers {offered}. \
                 If the change is expected (the host was reinstalled), remove its line from that file; \
                 otherwise someone may be in the middle",
                file.display()
            ))
        }
        CheckResult::Failure => Err(format!(
            "{name}: its host key cannot be checked against {}",
            file.display()
        )),
    }
}

/// How OpenSSH names a host in known_hosts: `host`, or `[host]:port` off port 22.
fn entry_name(host: &str, port: u16) -> String {
    if port == 22 {
        host.to_string()
    } else {
        format!("[{host}]:{port}")
    }
}

/// `SHA256:...` as `ssh-keygen -l` prints it.
fn fingerprint_of_hash(hash: &[u8]) -> String {
    format!(
        "SHA256:{}",
        base64::engine::general_purpose::STANDARD_NO_PAD.encode(hash)
    )
}

/// The fingerprint of a key recorded in known_hosts (its base64 blob).
fn fingerprint_of_blob(blob: &str) -> Option<String> {
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(blob.trim())
        .ok()?;
    Some(fingerprint_of_hash(&Sha256::digest(bytes)))
}
