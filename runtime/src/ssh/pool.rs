//! Connections kept for the next job (`__use_cache__`, on by default): one logged-in
//! session per host, port, user and credentials is taken by a job and given back when
//! it is done, so a hundred jobs on one host pay for one login. Jobs running at once
//! on the same host each take one: the pool holds as many as were ever busy together.
//!
//! Open connections, busy or kept, are capped per run (`jfc run --max-connections`):
//! a job past the cap waits for a connection to be given back (and takes it when it
//! goes to the same target), or closes a kept one of another target to make room.
//! Logins in progress are capped per server as well, below OpenSSH's `MaxStartups`
//! (10 unauthenticated connections, past which sshd drops new ones at random).

use std::collections::HashMap;
use std::os::fd::OwnedFd;
use std::sync::{Condvar, LazyLock, Mutex, MutexGuard};

use jfc_vm::host::CommandRequest;
use ssh2::Session;

/// Connections open at once by default: each holds two or three file descriptors
/// (more through a jump host, with a relay thread) and a server process; a hundred
/// stay well inside the usual limit of 1024 open files while a `pfor` over a hundred
/// hosts still runs all at once.
pub const DEFAULT_MAX_CONNECTIONS: usize = 100;

/// Logins in progress to one server at most: under OpenSSH's default `MaxStartups
/// 10:30:100`, with room for the operator's own.
const LOGINS_PER_SERVER: usize = 8;

/// A logged-in session and its socket (to wait on): a TCP socket, or the end of a
/// socket pair relayed through a jump host.
pub struct Conn {
    pub session: Session,
    pub socket: OwnedFd,
}

/// A connection counted against the cap, and its place there.
pub struct Counted {
    pub conn: Conn,
    pub slot: Slot,
}

/// A place under the cap, given back when dropped.
pub struct Slot(());

impl Drop for Slot {
    fn drop(&mut self) {
        lock().open -= 1;
        CHANGED.notify_all();
    }
}

/// A login in progress to one server, ended when dropped.
pub struct Turn(String, u16);

impl Drop for Turn {
    fn drop(&mut self) {
        let mut pool = lock();
        let key = (std::mem::take(&mut self.0), self.1);
        if let Some(n) = pool.logins.get_mut(&key) {
            *n -= 1;
            if *n == 0 {
                pool.logins.remove(&key);
            }
        }
        drop(pool);
        CHANGED.notify_all();
    }
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
    /// The resolved jump host's address and user.
    proxy_via: Option<(Option<String>, Option<u16>, Option<String>)>,
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
            proxy_via: req
                .proxy_via
                .as_ref()
                .map(|v| (v.host.clone(), v.port, v.user.clone())),
        }
    }
}

struct Pool {
    idle: HashMap<Key, Vec<Counted>>,
    /// Connections open, busy or idle.
    open: usize,
    cap: usize,
    /// Logins in progress per server.
    logins: HashMap<(String, u16), usize>,
}

static POOL: LazyLock<Mutex<Pool>> = LazyLock::new(|| {
    Mutex::new(Pool {
        idle: HashMap::new(),
        open: 0,
        cap: DEFAULT_MAX_CONNECTIONS,
        logins: HashMap::new(),
    })
});

/// Signalled when a connection is given back or closed, or a login ends.
static CHANGED: Condvar = Condvar::new();

fn lock() -> MutexGuard<'static, Pool> {
    POOL.lock().unwrap_or_else(|e| e.into_inner())
}

/// Connections open at once at most in this run, from now on.
pub fn set_max_connections(n: usize) {
    lock().cap = n.max(1);
    CHANGED.notify_all();
}

/// What a job gets: a kept connection, or room to open one.
pub enum Got {
    Kept(Counted),
    Room(Slot),
}

/// A kept connection for `key` (unless `fresh`), or room for a new one. While the cap
/// is reached this waits, closing a kept connection of another target when there is
/// one.
pub fn get(key: &Key, fresh: bool) -> Got {
    let mut pool = lock();
    loop {
        if !fresh {
            if let Some(kept) = pool.idle.get_mut(key).and_then(Vec::pop) {
                return Got::Kept(kept);
            }
        }
        if pool.open < pool.cap {
            pool.open += 1;
            return Got::Room(Slot(()));
        }
        let other = pool.idle.values_mut().find_map(Vec::pop);
        if let Some(idle) = other {
            // Closed without the lock: its slot takes it.
            drop(pool);
            drop(idle);
            pool = lock();
            continue;
        }
        pool = CHANGED.wait(pool).unwrap_or_else(|e| e.into_inner());
    }
}

/// Room for a new connection (waiting for it as `get` does).
pub fn room(key: &Key) -> Slot {
    match get(key, true) {
        Got::Room(slot) => slot,
        Got::Kept(Counted { conn, slot }) => {
            drop(conn);
            slot
        }
    }
}

/// Close the kept connections for `key` (their host rebooted).
pub fn forget(key: &Key) {
    let kept = lock().idle.remove(key);
    drop(kept);
}

/// Keep `conn` for the next job on `key`.
pub fn give(key: Key, conn: Counted) {
    lock().idle.entry(key).or_default().push(conn);
    CHANGED.notify_all();
}

/// A turn to log in to `host:port`: waits while `LOGINS_PER_SERVER` are in progress.
pub fn login_turn(host: &str, port: u16) -> Turn {
    let key = (host.to_string(), port);
    let mut pool = lock();
    while pool.logins.get(&key).copied().unwrap_or(0) >= LOGINS_PER_SERVER {
        pool = CHANGED.wait(pool).unwrap_or_else(|e| e.into_inner());
    }
    *pool.logins.entry(key).or_default() += 1;
    Turn(host.to_string(), port)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn logins_to_one_server_past_the_cap_wait_for_a_turn() {
        let turns: Vec<Turn> = (0..LOGINS_PER_SERVER)
            .map(|_| login_turn("turns.test", 22))
            .collect();
        let other = login_turn("turns.test", 2222);
        let (tx, rx) = std::sync::mpsc::channel();
        let waiter = std::thread::spawn(move || {
            let turn = login_turn("turns.test", 22);
            tx.send(()).expect("sent");
            drop(turn);
        });
        assert!(
            rx.recv_timeout(Duration::from_millis(200)).is_err(),
            "a login past the cap went ahead"
        );
        drop(other);
        assert!(
            rx.try_recv().is_err(),
            "another server's turn is not this one's"
        );
        drop(turns);
        rx.recv()
            .expect("the waiting login goes ahead once a turn ends");
        waiter.join().expect("joined");
        assert!(!lock().logins.contains_key(&("turns.test".to_string(), 22)));
    }
}
