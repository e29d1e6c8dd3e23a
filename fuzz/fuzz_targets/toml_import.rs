//! A `.toml` object file as `jfc import` reads it: parsed, each key converted to a value
//! (`toml_to_value`) and written to a NodeInfo's field with the field's conversion and
//! checks; each key's text also as `jfc obj set FIELD=VALUE` reads it. Nothing is kept
//! between inputs (the writes are rolled back). Invariant: no panic.
#![no_main]

use jfc_store::import::toml_value::{parse_value_text, toml_to_value};
use jfc_store::{objects::ROOT, ObjectId, Store};
use libfuzzer_sys::fuzz_target;

thread_local! {
    static STORE: std::cell::RefCell<(Store, ObjectId)> = std::cell::RefCell::new({
        let mut s = Store::open_in_memory().expect("store");
        let t = s.type_id("NodeInfo").expect("type");
        let node = s.create(ROOT, "node", t, "root").expect("node");
        (s, node)
    });
}

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let Ok(table) = text.parse::<toml::Table>() else {
        return;
    };
    STORE.with(|cell| {
        let (store, node) = &mut *cell.borrow_mut();
        let node = *node;
        let _ = store.transaction_if(false, |s| {
            for (key, value) in &table {
                let _ = parse_value_text(&value.to_string(), s);
                if let Ok(v) = toml_to_value(value, s) {
                    let _ = s.write_field(node, key, v);
                }
            }
            Ok(())
        });
    });
});
