//! `dir.glob(pattern)` over arbitrary patterns, on a small store: parsed and, when it
//! parses, run as SQL. Invariant: no panic (a bad pattern is an error).
#![no_main]

use jfc_store::query::Query;
use jfc_store::{objects::ROOT, Store};
use libfuzzer_sys::fuzz_target;

thread_local! {
    static STORE: Store = {
        let mut s = Store::open_in_memory().expect("store");
        let dir = s.type_id("Directory").expect("type");
        let node = s.type_id("NodeInfo").expect("type");
        let app = s.create(ROOT, "app", dir, "root").expect("app");
        for name in ["web1", "web2", "db_1"] {
            let id = s.create(app, name, node, "root").expect("node");
            s.write_field(id, "port", jfc_vm::value::Value::Int(22)).expect("port");
        }
        s
    };
}

fuzz_target!(|data: &[u8]| {
    let pattern = String::from_utf8_lossy(data);
    STORE.with(|store| {
        if let Ok(q) = Query::glob(store, ROOT, &pattern) {
            let _ = store.query_ids(&q);
            let _ = store.query_count(&q);
        }
    });
});
