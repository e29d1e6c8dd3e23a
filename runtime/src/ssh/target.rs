//! `__node__` and `__account__`: the NodeInfo and AccountInfo objects of the store fill
//! in what the control variables leave unset (library.md §3.19–3.20; an explicitly set
//! control variable wins, Q20). Read on the command worker, through a connection of its
//! own to the store: a worker may wait for another OS process's write, the
//! interpreter may not.

use std::cell::RefCell;
use std::path::Path;

use jfc_store::Store;
use jfc_vm::host::CommandRequest;
use jfc_vm::value::Value;

thread_local! {
    /// Each worker's connection to the store, opened at its first node.
    static STORE: RefCell<Option<Store>> = const { RefCell::new(None) };
}

/// `req` with its node's and account's values filled in.
pub fn resolve(req: &CommandRequest, store: Option<&Path>) -> Result<CommandRequest, String> {
    let Some(path) = store else {
        return Err(
            "__node__ and __account__ are objects of a store, and this run has none".into(),
        );
    };
    STORE.with(|cell| {
        let mut cell = cell.borrow_mut();
        if cell.is_none() {
            *cell = Some(Store::open(path).map_err(|e| format!("cannot open the store: {e}"))?);
        }
        let store = cell.as_ref().expect("opened above");
        fill(store, req.clone())
    })
}

/// [`resolve`] with a connection of the caller's (`jfc test`, whose stores change
/// from one test to the next on the same thread).
pub fn resolve_in(store: &Store, req: &CommandRequest) -> Result<CommandRequest, String> {
    fill(store, req.clone())
}

fn fill(store: &Store, mut req: CommandRequest) -> Result<CommandRequest, String> {
    let mut account = req.account;
    if let Some(node) = req.node {
        let text = |field: &str| field_text(store, node, field);
        let name = store.abspath(node).map_err(|e| e.0)?;
        if req.host.is_none() {
            req.host = text("hostname").or_else(|| text("ipaddr"));
        }
        if req.host.is_none() {
            return Err(format!(
                "__node__ {name}: it has neither a hostname nor an ipaddr"
            ));
        }
        if req.port.is_none() {
            req.port = match read(store, node, "port") {
                Value::Int(p) if p > 0 => u16::try_from(p).ok(),
                _ => None,
            };
        }
        // Q19, Q20: an empty shell or an unset use_shell leave the defaults.
        if !req.shell_set {
            if let Some(shell) = text("shell") {
                req.shell = shell;
            }
        }
        if !req.use_shell_set {
            if let Value::Bool(b) = read(store, node, "use_shell") {
                req.use_shell = b;
            }
        }
        if req.zone.is_none() {
            req.zone = text("zone");
        }
        if req.proxy.is_none() && req.proxy_node.is_none() {
            req.proxy_node = match &read(store, node, "proxy") {
                Value::Object(o) if o.id == node => {
                    return Err(format!("__node__ {name}: it names itself as its proxy"))
                }
                Value::Object(o) => Some(o.id),
                _ => None,
            };
        }
        if account.is_none() {
            account = match &read(store, node, "account") {
                Value::Object(o) => Some(o.id),
                _ => None,
            };
        }
    }
    if let Some(account) = account {
        let text = |field: &str| field_text(store, account, field);
        if req.user.is_none() {
            req.user = text("user");
        }
        if req.password.is_none() {
            req.password = text("password");
        }
        if req.keyfile.is_none() && req.key.is_none() {
            req.key = match &read(store, account, "keyfile") {
                Value::Dict(d) => {
                    d.borrow()
                        .get(&jfc_vm::value::Key(Value::str("data")))
                        .map(|data| match data {
                            Value::Bytes(b) => String::from_utf8_lossy(b).into_owned(),
                            other => other.to_text(),
                        })
                }
                _ => None,
            };
        }
        if req.passphrase.is_none() {
            // The key's passphrase defaults to the password (library.md §3.20).
            req.passphrase = text("passphrase").or_else(|| req.password.clone());
        }
    }
    Ok(req)
}

fn read(store: &Store, id: i64, field: &str) -> Value {
    store.read_field(id, field).unwrap_or(Value::Null)
}

/// A field as text; None when unset or empty.
fn field_text(store: &Store, id: i64, field: &str) -> Option<String> {
    match read(store, id, field) {
        Value::Null => None,
        v => Some(v.to_text()).filter(|t| !t.is_empty()),
    }
}
