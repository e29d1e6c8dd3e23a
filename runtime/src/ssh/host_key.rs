//! Host keys: the key a server offers is checked against a known_hosts file (OpenSSH's
//! format) kept beside the store. The first contact with a host records its key; a key
//! that differs from the recorded one refuses the connection, naming the host and both
//! fingerprints.

use std::path::PathBuf;
use std::sync::Mutex;

use base64::Engine;
use sha2::{Digest, Sha256};
use ssh2::{CheckResult, HashType, KnownHostFileKind, Session};

/// The commands of one jfc record first contacts one at a time: two writers of the file
/// would lose each other's lines.
static FILE: Mutex<()> = Mutex::new(());

/// The host keys a run trusts.
#[derive(Clone, Debug)]
pub struct HostKeys {
    /// The known_hosts file.
    pub file: PathBuf,
    /// `jfc run --replace-host-keys`: a key that differs from the recorded one replaces
    /// it (a host reinstalled on purpose), with a warning, instead of being refused.
    pub replace_changed: bool,
}

/// Accept the server's key when `keys.file` has it, or has no key for the host (it is
/// then recorded); Err with the reason otherwise.
pub fn check(s: &Session, host: &str, port: u16, keys: &HostKeys) -> Result<(), String> {
    let file = keys.file.as_path();
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
    let found = known.check_port(host, port, key);
    if matches!(found, CheckResult::Mismatch) && keys.replace_changed {
        let stale: Vec<_> = known
            .hosts()
            .map_err(|e| format!("{name}: {e}"))?
            .into_iter()
            .filter(|h| h.name() == Some(name.as_str()))
            .collect();
        for h in stale {
            known.remove(&h).map_err(|e| format!("{name}: {e}"))?;
        }
        tracing::warn!("the host key of {name} has changed: the new one replaces it in {} (--replace-host-keys)", file.display());
    }
    match found {
        CheckResult::Mismatch if keys.replace_changed => record(&mut known, &name, key, kind, file),
        CheckResult::Match => Ok(()),
        CheckResult::NotFound => {
            record(&mut known, &name, key, kind, file)?;
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
                 If the change is expected (the host was reinstalled), run once with --replace-host-keys \
                 or remove its line from that file; \
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

/// Add `key` for `name` and write the file.
fn record(
    known: &mut ssh2::KnownHosts,
    name: &str,
    key: &[u8],
    kind: ssh2::HostKeyType,
    file: &std::path::Path,
) -> Result<(), String> {
    known
        .add(name, key, "recorded by jfc", kind.into())
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
        })
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
