//! What a test's flow did, for its assertions and its report: the commands that ran
//! (with host, user and sudo), and the failures that make the test fail whatever the
//! flow does next (an unmocked command, a failed assertion caught by `try`).

use std::cell::RefCell;

use indexmap::IndexMap;
use jfc_vm::value::{Key, Value};

/// One command (or script, transfer, reboot) the flow ran.
#[derive(Clone, Debug, PartialEq)]
pub struct Ran {
    pub host: String,
    pub user: String,
    pub sudo: bool,
    pub command: String,
}

impl Ran {
    pub fn to_value(&self) -> Value {
        let mut d: IndexMap<Key, Value> = IndexMap::new();
        d.insert(Key::str("host"), Value::str(&self.host));
        d.insert(Key::str("user"), Value::str(&self.user));
        d.insert(Key::str("sudo"), Value::Bool(self.sudo));
        d.insert(Key::str("command"), Value::str(&self.command));
        Value::dict(d)
    }
}

#[derive(Default)]
pub struct Effects {
    pub ran: RefCell<Vec<Ran>>,
    pub failures: RefCell<Vec<String>>,
}

impl Effects {
    pub fn fail(&self, why: String) {
        self.failures.borrow_mut().push(why);
    }
}
