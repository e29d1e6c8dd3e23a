//! Connections kept for the next job (`__use_cache__`, on by default): one logged-in
//! session per host, port, user and credentials is taken by a job and given back when
//! it is done, so a hundred jobs on one host pay for one login. Jobs running at once
//! on the same host each take one: the pool holds as many as were ever busy together.

use std::collections::HashMap;
use std::os::fd::OwnedFd;
use std::sync::Mutex;

use jfc_vm::host::CommandRequest;
use ssh2::Session;

/// A logged-in session and its socket (to wait on): a TCP socket, or the end of a
/// socket pair relayed through a jump host.
pub struct Conn {
    pub session: Session,
    pub socket: OwnedFd,
}

/// What a kept connection is for: the same target, logged in the same way, through
/// the same jump host.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Key {
    host: String,
    port: u16,
    user: String,
    keyfile: Option<String>,
    password: Option<String>,
    passphrase: Option<String>,
    key: Option<String>,
    proxy: Option<String>,
    proxy_node: Option<i64>,
}

impl Key {
    pub fn of(req: &CommandRequest, host: &str, port: u16, user: &str) -> Key {
        Key {
            host: host.to_string(),
            port,
            user: user.to_string(),
            keyfile: req.keyfile.clone(),
            password: req.password.clone(),
            passphrase: req.passphrase.clone(),
            key: req.key.clone(),
            proxy: req.proxy.clone(),
            proxy_node: req.proxy_node,
        }
    }
}

static IDLE: Mutex<Option<HashMap<Key, Vec<Conn>>>> = Mutex::new(None);

/// An idle connection for `key`, if one is kept.
pub fn take(key: &Key) -> Option<Conn> {
    let mut idle = IDLE.lock().unwrap_or_else(|e| e.into_inner());
    idle.as_mut()?.get_mut(key)?.pop()
}

/// Keep `conn` for the next job on `key`.
pub fn give(key: Key, conn: Conn) {
    let mut idle = IDLE.lock().unwrap_or_else(|e| e.into_inner());
    idle.get_or_insert_with(HashMap::new)
        .entry(key)
        .or_default()
        .push(conn);
}
