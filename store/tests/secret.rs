//! Password fields encrypted at rest (store::secret), on real SQLite files in temp dirs.

use std::path::{Path, PathBuf};

use indexmap::IndexMap;
use jfc_store::export::ExportOptions;
use jfc_store::import::ImportOptions;
use jfc_store::objects::{ObjectId, ROOT};
use jfc_store::{secret, Store};
use jfc_vm::value::{Key, Value};

/// A fresh temp dir, removed when the guard drops: (guard, store file, dir).
fn temp() -> (tempfile::TempDir, PathBuf, PathBuf) {
    let tmp = tempfile::tempdir().expect("temp dir");
    let dir = tmp.path().to_path_buf();
    (tmp, dir.join("store.sqlite"), dir)
}

/// An AccountInfo at `/acc` with `password` set.
fn account(s: &mut Store, password: &str) -> ObjectId {
    let t = s.type_id("AccountInfo").expect("type");
    let id = s.create(ROOT, "acc", t, "root").expect("created");
    s.write_field(id, "password", Value::str(password))
        .expect("written");
    id
}

/// What the fields table holds for a field, read with SQLite directly.
fn raw(db: &Path, id: ObjectId, name: &str) -> String {
    let conn = rusqlite::Connection::open(db).expect("opens");
    conn.query_row(
        "SELECT value FROM fields WHERE object = ?1 AND name = ?2",
        rusqlite::params![id, name],
        |r| r.get(0),
    )
    .expect("stored")
}

fn set_raw(db: &Path, id: ObjectId, name: &str, value: &str) {
    let conn = rusqlite::Connection::open(db).expect("opens");
    conn.execute(
        "UPDATE fields SET value = ?3 WHERE object = ?1 AND name = ?2",
        rusqlite::params![id, name, value],
    )
    .expect("updated");
}

fn read(s: &Store, id: ObjectId, name: &str) -> String {
    s.read_field(id, name).expect("reads").to_nested_text()
}

#[cfg(unix)]
fn mode(p: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(p).expect("exists").permissions().mode() & 0o777
}

#[test]
fn a_password_is_stored_encrypted_and_reads_back() {
    let (_tmp, db, _) = temp();
    let key_file = secret::key_path(&db);
    assert!(key_file.ends_with("store.sqlite.key"));
    let mut s = Store::open(&db).expect("store");
    assert!(
        !key_file.exists(),
        "no key before the first Password is written"
    );
    let id = account(&mut s, "hunter2-plain");
    assert_eq!(s.key_path(), Some(key_file.as_path()));

    let stored = raw(&db, id, "password");
    assert!(!stored.contains("hunter2"), "{stored}");
    assert!(
        stored.starts_with("{\"$t\":\"secret\",\"n\":\""),
        "{stored}"
    );
    assert_eq!(read(&s, id, "password"), "'hunter2-plain'");
    // Other fields of the object stay plain.
    s.write_field(id, "user", Value::str("deploy")).expect("w");
    assert_eq!(raw(&db, id, "user"), "\"deploy\"");

    // The key: 32 bytes, 0600, made once and reused by the next open.
    let key = std::fs::read(&key_file).expect("key file");
    assert_eq!(key.len(), secret::KEY_LEN);
    #[cfg(unix)]
    assert_eq!(mode(&key_file), 0o600);
    drop(s);
    let mut s = Store::open(&db).expect("reopened");
    assert_eq!(read(&s, id, "password"), "'hunter2-plain'");
    s.write_field(id, "passphrase", Value::str("another one"))
        .expect("w");
    assert_eq!(
        std::fs::read(&key_file).expect("key"),
        key,
        "never rewritten"
    );
    // The same value encrypts differently each time (a fresh nonce).
    let before = raw(&db, id, "password");
    s.write_field(id, "password", Value::str("hunter2-plain"))
        .expect("w");
    assert_ne!(raw(&db, id, "password"), before);
    // Clearing a Password field stores nothing.
    s.write_field(id, "password", Value::Null).expect("w");
    assert!(matches!(s.read_field(id, "password"), Ok(Value::Null)));
}

#[test]
fn arrays_and_dictionaries_of_passwords_are_encrypted_whole() {
    let (_tmp, db, _) = temp();
    let mut s = Store::open(&db).expect("store");
    let to = s.type_id("TypeObject").expect("type");
    let vault = s.create(ROOT, "Vault", to, "root").expect("type");
    let names = ["list", "map", "note"];
    let types = ["Array<Password>", "Dictionary<Password>", "String"];
    let strings = |v: &[&str]| Value::array(v.iter().map(|x| Value::str(x)).collect());
    s.write_field(vault, "fieldNames", strings(&names))
        .expect("names");
    s.write_field(vault, "fieldTypes", strings(&types))
        .expect("types");
    let id = s.create(ROOT, "v", vault, "root").expect("object");

    s.write_field(id, "list", strings(&["alpha-pw", "beta-pw"]))
        .expect("list");
    let mut m = IndexMap::new();
    m.insert(Key::str("database-key"), Value::str("gamma-pw"));
    m.insert(Key::str("$t"), Value::str("delta-pw"));
    s.write_field(id, "map", Value::dict(m)).expect("map");
    s.write_field(id, "note", Value::str("plain-note"))
        .expect("note");

    for (field, secrets) in [
        ("list", &["alpha-pw", "beta-pw"][..]),
        ("map", &["gamma-pw", "delta-pw", "database-key"][..]),
    ] {
        let stored = raw(&db, id, field);
        assert!(stored.starts_with("{\"$t\":\"secret\""), "{stored}");
        for x in secrets {
            assert!(!stored.contains(x), "{field}: {stored}");
        }
    }
    assert_eq!(raw(&db, id, "note"), "\"plain-note\"");
    drop(s);
    let s = Store::open(&db).expect("reopened");
    assert_eq!(read(&s, id, "list"), "['alpha-pw', 'beta-pw']");
    assert_eq!(
        read(&s, id, "map"),
        "{'database-key'='gamma-pw', '$t'='delta-pw'}"
    );
    // What was read is remembered for masking, the keys of a Dictionary are not.
    let r = s.revealed();
    assert_eq!(
        r.mask("database-key=gamma-pw list=alpha-pw,beta-pw note=plain-note"),
        "database-key=******** list=********,******** note=plain-note"
    );
}

#[test]
fn a_password_stored_before_encryption_still_reads() {
    let (_tmp, db, _) = temp();
    let mut s = Store::open(&db).expect("store");
    let id = account(&mut s, "new-value");
    s.set_field_raw(id, "password", "\"old-plain\"", false)
        .expect("raw");
    assert_eq!(read(&s, id, "password"), "'old-plain'");
    // Written again, it is encrypted.
    let v = s.read_field(id, "password").expect("r");
    s.write_field(id, "password", v).expect("w");
    assert!(!raw(&db, id, "password").contains("old-plain"));
    assert_eq!(read(&s, id, "password"), "'old-plain'");
}

#[test]
fn a_missing_key_file_is_a_clear_error() {
    let (_tmp, db, _) = temp();
    let mut s = Store::open(&db).expect("store");
    let id = account(&mut s, "hunter2-plain");
    drop(s);
    let key_file = secret::key_path(&db);
    std::fs::remove_file(&key_file).expect("removed");
    let s = Store::open(&db).expect("store opens without its key");
    let e = s.read_field(id, "password").expect_err("cannot read");
    assert!(e.0.contains("/acc: field `password`"), "{}", e.0);
    assert!(e.0.contains(&key_file.display().to_string()), "{}", e.0);
    assert!(e.0.contains("missing"), "{}", e.0);
    // Other fields still read, and reading made no new key.
    assert!(s.read_field(id, "user").is_ok());
    assert!(!key_file.exists());
}

#[test]
fn tampering_and_a_wrong_key_are_errors() {
    let (_tmp, db, _) = temp();
    let mut s = Store::open(&db).expect("store");
    let id = account(&mut s, "hunter2-plain");
    let good = raw(&db, id, "password");

    // One changed character inside the ciphertext (not its last one, whose low bits may
    // be padding that base64 decoding ignores).
    let at = good.find("\"v\":\"").expect("ciphertext") + 8;
    let mut bad = good.clone();
    let c = if &good[at..at + 1] == "A" { "B" } else { "A" };
    bad.replace_range(at..at + 1, c);
    set_raw(&db, id, "password", &bad);
    let e = s.read_field(id, "password").expect_err("tampered");
    assert!(e.0.contains("/acc: field `password`"), "{}", e.0);
    assert!(e.0.contains("cannot decrypt"), "{}", e.0);

    // Damaged forms.
    for damaged in [
        "{\"$t\":\"secret\",\"n\":\"!!\",\"v\":\"\"}",
        "{\"$t\":\"secret\",\"n\":\"AAAA\",\"v\":\"AAAA\"}",
        "{\"$t\":\"secret\"}",
    ] {
        set_raw(&db, id, "password", damaged);
        let e = s.read_field(id, "password").expect_err(damaged);
        assert!(e.0.contains("field `password`"), "{}", e.0);
    }

    // The right value under another key.
    set_raw(&db, id, "password", &good);
    assert_eq!(read(&s, id, "password"), "'hunter2-plain'");
    drop(s);
    std::fs::write(secret::key_path(&db), [7u8; 32]).expect("other key");
    let s = Store::open(&db).expect("store");
    let e = s.read_field(id, "password").expect_err("wrong key");
    assert!(e.0.contains("cannot decrypt"), "{}", e.0);
    assert!(e.0.contains("store.sqlite.key"), "{}", e.0);
    // A key file of the wrong size.
    drop(s);
    std::fs::write(secret::key_path(&db), b"short").expect("short key");
    let s = Store::open(&db).expect("store");
    let e = s.read_field(id, "password").expect_err("short key");
    assert!(e.0.contains("damaged"), "{}", e.0);
}

#[test]
fn two_processes_making_the_key_at_once_share_it() {
    let (_tmp, db, _) = temp();
    let mut s = Store::open(&db).expect("store");
    let t = s.type_id("AccountInfo").expect("type");
    let a = s.create(ROOT, "a", t, "root").expect("a");
    let b = s.create(ROOT, "b", t, "root").expect("b");
    drop(s);
    let barrier = std::sync::Barrier::new(2);
    std::thread::scope(|sc| {
        for (id, pw) in [(a, "first-secret"), (b, "second-secret")] {
            let (db, barrier) = (&db, &barrier);
            sc.spawn(move || {
                let mut s = Store::open(db).expect("store");
                barrier.wait();
                s.write_field(id, "password", Value::str(pw)).expect("w");
            });
        }
    });
    let s = Store::open(&db).expect("store");
    assert_eq!(read(&s, a, "password"), "'first-secret'");
    assert_eq!(read(&s, b, "password"), "'second-secret'");
}

#[test]
fn the_in_memory_store_keeps_its_key_in_memory() {
    let mut s = Store::open_in_memory().expect("store");
    assert_eq!(s.key_path(), None);
    let id = account(&mut s, "in-memory-pw");
    assert!(!s
        .field_raw(id, "password")
        .expect("raw")
        .expect("stored")
        .contains("in-memory"));
    assert_eq!(read(&s, id, "password"), "'in-memory-pw'");
}

#[test]
fn export_and_import_of_a_password() {
    let (_tmp, db, dir) = temp();
    let mut s = Store::open(&db).expect("store");
    let d = s.type_id("Directory").expect("dir");
    let src = s.create(ROOT, "src", d, "root").expect("src");
    let t = s.type_id("AccountInfo").expect("type");
    let acc = s.create(src, "acc", t, "root").expect("acc");
    s.write_field(acc, "user", Value::str("deploy")).expect("w");
    s.write_field(acc, "password", Value::str("exported-pw"))
        .expect("w");

    // Without --secrets the password is left out, and no key is needed for that.
    let plain = dir.join("plain");
    let rep = s
        .export_dir("/src", &plain, &ExportOptions::default())
        .expect("export");
    let text = std::fs::read_to_string(plain.join("acc.toml")).expect("toml");
    assert!(!text.contains("exported-pw"), "{text}");
    assert!(text.contains("user = \"deploy\""), "{text}");
    assert!(
        rep.messages.iter().any(|m| m.contains("password")),
        "{rep:#?}"
    );

    // With it, the plaintext, in a file only its owner can read.
    let out = dir.join("out");
    s.export_dir("/src", &out, &ExportOptions { secrets: true })
        .expect("export");
    let file = out.join("acc.toml");
    let text = std::fs::read_to_string(&file).expect("toml");
    assert!(text.contains("password = \"exported-pw\""), "{text}");
    #[cfg(unix)]
    assert_eq!(mode(&file), 0o600);
    // The export's record of the value is encrypted too.
    let conn = rusqlite::Connection::open(&db).expect("opens");
    let kept: Vec<String> = conn
        .prepare("SELECT value FROM import_fields WHERE object = ?1")
        .expect("p")
        .query_map([acc], |r| r.get::<_, String>(0))
        .expect("q")
        .collect::<Result<_, _>>()
        .expect("rows");
    assert!(!kept.is_empty());
    assert!(kept.iter().all(|v| !v.contains("exported-pw")), "{kept:?}");

    // Imported back unchanged: nothing to do, no conflict.
    let r = s
        .import_dir(&out, "/src", &ImportOptions::default())
        .expect("import");
    assert!(r.ok(), "{r:#?}");
    // Changed in the file: written (the store did not change since the export).
    std::fs::write(&file, text.replace("exported-pw", "changed-in-file")).expect("edit");
    let r = s
        .import_dir(&out, "/src", &ImportOptions::default())
        .expect("import");
    assert!(r.ok(), "{r:#?}");
    assert_eq!(read(&s, acc, "password"), "'changed-in-file'");
    assert!(!raw(&db, acc, "password").contains("changed"));
    // Changed in the store and in the file: a conflict, as for any field.
    s.write_field(acc, "password", Value::str("changed-in-store"))
        .expect("w");
    std::fs::write(&file, text.replace("exported-pw", "changed-again")).expect("edit");
    let r = s
        .import_dir(&out, "/src", &ImportOptions::default())
        .expect("import");
    assert!(!r.ok(), "{r:#?}");
    assert_eq!(read(&s, acc, "password"), "'changed-in-store'");

    // Into a second store (its own key).
    let (_tmp, db2, _) = temp();
    let mut s2 = Store::open(&db2).expect("store 2");
    let r = s2
        .import_dir(&out, "/src", &ImportOptions::default())
        .expect("import");
    assert!(r.ok(), "{r:#?}");
    let acc2 = s2.resolve("/src/acc").expect("acc");
    assert_eq!(read(&s2, acc2, "password"), "'changed-again'");
    assert!(!raw(&db2, acc2, "password").contains("changed"));
    assert!(secret::key_path(&db2).is_file());
}
