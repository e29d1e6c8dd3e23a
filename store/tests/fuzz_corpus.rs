//! Every seed of the committed fuzz corpus (`fuzz/corpus/<target>/`) of the store's
//! fuzz targets through what that target does, on stable Rust: a seed that ever panics
//! (or breaks one of the target's invariants) fails here without cargo-fuzz. Each
//! function below is the body of `fuzz/fuzz_targets/<target>.rs`.

use std::path::{Path, PathBuf};

use jfc_store::codec;
use jfc_store::import::toml_value::{parse_value_text, toml_to_value};
use jfc_store::query::Query;
use jfc_store::{objects::ROOT, ObjectId, Store};
use jfc_vm::value::Value;

fn seeds(target: &str) -> Vec<(PathBuf, Vec<u8>)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../fuzz/corpus")
        .join(target);
    let mut all: Vec<_> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|entry| {
            let path = entry.expect("entry").path();
            let data = std::fs::read(&path).expect("seed");
            (path, data)
        })
        .collect();
    all.sort();
    assert!(all.len() >= 10, "{target} has {} seeds", all.len());
    all
}

/// Run `f` on every seed of `target`, naming the one that panics.
fn replay(target: &str, mut f: impl FnMut(&[u8])) {
    for (path, data) in seeds(target) {
        let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| f(&data)));
        assert!(outcome.is_ok(), "seed {} panics", path.display());
    }
}

#[test]
fn codec_decode_seeds() {
    replay("codec_decode", |data| {
        let text = String::from_utf8_lossy(data);
        if let Ok(value) = codec::decode(&text) {
            let again = codec::encode(&value).expect("a decoded value encodes");
            codec::decode(&again).expect("an encoded value decodes");
        }
    });
}

#[test]
fn glob_seeds() {
    let mut store = Store::open_in_memory().expect("store");
    let dir = store.type_id("Directory").expect("type");
    let node = store.type_id("NodeInfo").expect("type");
    let app = store.create(ROOT, "app", dir, "root").expect("app");
    for name in ["web1", "web2", "db_1"] {
        let id = store.create(app, name, node, "root").expect("node");
        store.write_field(id, "port", Value::Int(22)).expect("port");
    }
    replay("glob", |data| {
        let pattern = String::from_utf8_lossy(data);
        if let Ok(q) = Query::glob(&store, ROOT, &pattern) {
            let _ = store.query_ids(&q);
            let _ = store.query_count(&q);
        }
    });
}

#[test]
fn toml_import_seeds() {
    let mut store = Store::open_in_memory().expect("store");
    let t = store.type_id("NodeInfo").expect("type");
    let node: ObjectId = store.create(ROOT, "node", t, "root").expect("node");
    replay("toml_import", |data| {
        let text = String::from_utf8_lossy(data);
        let Ok(table) = text.parse::<toml::Table>() else {
            return;
        };
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
}
