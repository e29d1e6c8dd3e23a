//! The standard library of flows (`stdlib/` at the top of the repository), embedded in
//! the binary and installed into every store under `/lib`: read-only for users, and
//! versioned with the binary, so a store opened by a jfc with another library gets that
//! jfc's library in place of the old one.
//!
//! The version is kept in the description of `/lib` (`jfc obj cat /lib` shows it). The
//! installation goes through `jfc import` (store::import) from the embedded files written
//! to a temporary directory; while it runs, the store allows writes under `/lib`, which
//! it otherwise refuses (Store::check_writable).

use std::sync::OnceLock;

use include_dir::{include_dir, Dir, DirEntry};

use super::import::{file_hash, ImportOptions, MessageKind};
use super::objects::ROOT;
use super::{ObjectId, Result, Store, StoreError};

static TREE: Dir<'static> = include_dir!("$CARGO_MANIFEST_DIR/../stdlib");

/// The path of the library in every store.
pub const LIB_PATH: &str = "/lib";

/// The version of the embedded library: jfc's version and a hash of the library's files.
pub fn version() -> &'static str {
    static VERSION: OnceLock<String> = OnceLock::new();
    VERSION.get_or_init(|| {
        let mut files = Vec::new();
        collect(&TREE, &mut files);
        files.sort_by_key(|f| f.path());
        let mut all = Vec::new();
        for f in files {
            all.extend_from_slice(file_hash(&f.path().to_string_lossy(), f.contents()).as_bytes());
        }
        format!(
            "{} {}",
            env!("CARGO_PKG_VERSION"),
            file_hash("stdlib", &all)
        )
    })
}

/// The description of `/lib` that records the installed version.
fn marker() -> String {
    format!("jfc standard library {} (read-only)", version())
}

/// The library's files as `jfc doc` reads them: (path inside the library, text), sorted
/// by path, for every flow (`*.jf`, tests left out, as the installation leaves them out)
/// and every `README.md`.
pub fn sources() -> Vec<(String, &'static str)> {
    let mut files = Vec::new();
    collect(&TREE, &mut files);
    let mut out: Vec<(String, &'static str)> = files
        .into_iter()
        .filter_map(|f| {
            let path = f.path().to_string_lossy().replace('\\', "/");
            let name = path.rsplit('/').next().unwrap_or(&path);
            let wanted =
                (name.ends_with(".jf") && !name.ends_with("_test.jf")) || name == "README.md";
            Some((path.clone(), f.contents_utf8()?)).filter(|_| wanted)
        })
        .collect();
    out.sort();
    out
}

fn collect<'a>(dir: &'a Dir<'static>, out: &mut Vec<&'a include_dir::File<'static>>) {
    for entry in dir.entries() {
        match entry {
            DirEntry::Dir(d) => collect(d, out),
            DirEntry::File(f) => out.push(f),
        }
    }
}

impl Store {
    /// Install the embedded library under `/lib` unless the store has it in this version
    /// already; true when it installed. Another process may do the same at the same
    /// time: the check is repeated inside the write transaction.
    pub fn ensure_stdlib(&mut self) -> Result<bool> {
        if self.stdlib_is_current()? {
            return Ok(false);
        }
        self.transaction(|s| {
            if s.stdlib_is_current()? {
                return Ok(false);
            }
            s.lib_writable = true;
            let done = s.install_stdlib();
            s.lib_writable = false;
            done.map(|()| true)
        })
    }

    fn stdlib_is_current(&self) -> Result<bool> {
        Ok(match self.lookup(LIB_PATH)? {
            Some(id) => self.get(id)?.description == marker(),
            None => false,
        })
    }

    /// Bring `/lib` to the embedded files: imported over the old tree, so objects that
    /// stay keep their ids (a run resumed from a checkpoint finds its flow again); what
    /// the old library had and this one has not is deleted. When the import over the old
    /// tree fails (a flow that became a script...), the old tree goes first.
    fn install_stdlib(&mut self) -> Result<()> {
        let dir = tempfile::Builder::new()
            .prefix("jfc-stdlib-")
            .tempdir()
            .map_err(|e| StoreError(format!("cannot write the standard library out: {e}")))?;
        TREE.extract(dir.path())
            .map_err(|e| StoreError(format!("cannot write the standard library out: {e}")))?;
        let real = dir
            .path()
            .canonicalize()
            .map_err(|e| StoreError(format!("cannot read {}: {e}", dir.path().display())))?;
        if let Err(first) = self.import_stdlib(&real) {
            match self.lookup(LIB_PATH)? {
                Some(old) => {
                    self.delete(old)?;
                    self.import_stdlib(&real)?;
                }
                None => return Err(first),
            }
        }
        self.drop_stale(&real)?;
        let lib = self.resolve(LIB_PATH)?;
        self.set_property(lib, "description", &marker())
    }

    fn import_stdlib(&mut self, dir: &std::path::Path) -> Result<()> {
        let opts = ImportOptions {
            force: true,
            ..ImportOptions::default()
        };
        let report = self.import_dir(dir, LIB_PATH, &opts)?;
        let broken: Vec<String> = report
            .messages
            .iter()
            .filter(|m| m.kind == MessageKind::Error)
            .map(ToString::to_string)
            .collect();
        if broken.is_empty() {
            return Ok(());
        }
        Err(StoreError(format!(
            "the standard library of this jfc does not install: {}",
            broken.join("; ")
        )))
    }

    /// Delete what is under `/lib` and did not come from `dir`: the old library's.
    fn drop_stale(&mut self, dir: &std::path::Path) -> Result<()> {
        let lib = self.resolve(LIB_PATH)?;
        for path in self.subtree_paths(lib)?.into_iter().skip(1) {
            let Some(id) = self.lookup(&path)? else {
                continue; // went with its stale parent
            };
            if !self.import_origin(id)?.is_some_and(|o| o.starts_with(dir)) {
                self.delete(id)?;
            }
        }
        Ok(())
    }

    /// Refuse a user's write under `/lib` (only the installation writes there).
    /// `id` is the object written, or with `name` the container a child is made in.
    pub fn check_writable(&self, id: ObjectId, name: Option<&str>) -> Result<()> {
        if self.lib_writable {
            return Ok(());
        }
        let path = match name {
            Some(n) if id == ROOT => format!("/{n}"),
            Some(n) => format!("{}/{n}", self.abspath(id)?),
            None => self.abspath(id)?,
        };
        if path == LIB_PATH || path.starts_with("/lib/") {
            return Err(StoreError(format!(
                "{path}: {LIB_PATH} is the standard library of jfc and is read-only (copy a flow out of it to change it)"
            )));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jfc_vm::value::Value;

    fn installed() -> (tempfile::TempDir, Store) {
        let dir = tempfile::tempdir().expect("tempdir");
        let mut store = Store::open(&dir.path().join("s.sqlite")).expect("store");
        assert!(store.ensure_stdlib().expect("install"));
        (dir, store)
    }

    #[test]
    fn the_sources_are_the_flows_and_readmes_without_tests() {
        let paths: Vec<String> = sources().into_iter().map(|(p, _)| p).collect();
        assert!(
            paths.contains(&"service/restart.jf".to_string()),
            "{paths:?}"
        );
        assert!(paths.contains(&"README.md".to_string()), "{paths:?}");
        assert!(!paths.iter().any(|p| p.ends_with("_test.jf")), "{paths:?}");
        let mut sorted = paths.clone();
        sorted.sort();
        assert_eq!(paths, sorted);
    }

    #[test]
    fn a_new_store_gets_the_library_compiled_and_once() {
        let (_dir, mut store) = installed();
        let flow = store.resolve("/lib/service/restart").expect("restart");
        assert_eq!(store.type_name(flow).unwrap(), "Jobflow");
        assert!(matches!(
            store.read_field(flow, "executable").unwrap(),
            Value::Bool(true)
        ));
        assert!(store.lookup("/lib/disk/cleanup").unwrap().is_some());
        // Tests are not part of the library.
        assert!(store.lookup("/lib/service/restart_test").unwrap().is_none());
        let lib = store.resolve(LIB_PATH).unwrap();
        assert_eq!(store.get(lib).unwrap().description, marker());
        assert!(!store.ensure_stdlib().expect("again"), "installed twice");
    }

    #[test]
    fn an_older_library_is_brought_up_to_date() {
        let (_dir, mut store) = installed();
        let lib = store.resolve(LIB_PATH).unwrap();
        let dir_type = store.type_id("Directory").unwrap();
        store.lib_writable = true;
        store
            .set_property(
                lib,
                "description",
                "jfc standard library 0.0.1 0-0 (read-only)",
            )
            .unwrap();
        store.create(lib, "retired", dir_type, "root").unwrap();
        let flow = store.resolve("/lib/service/restart").unwrap();
        store
            .set_field_raw(flow, "source", "\"print(1)\"", true)
            .unwrap();
        store.lib_writable = false;

        assert!(store.ensure_stdlib().expect("upgrade"));
        assert!(store.lookup("/lib/retired").unwrap().is_none());
        assert_eq!(
            store.resolve("/lib/service/restart").unwrap(),
            flow,
            "a flow that stays keeps its id"
        );
        let source = store.read_field(flow, "source").unwrap().to_text();
        assert!(source.contains("systemctl restart"), "{source}");
        let lib = store.resolve(LIB_PATH).unwrap();
        assert_eq!(store.get(lib).unwrap().description, marker());
    }

    #[test]
    fn users_cannot_write_under_lib() {
        let (_dir, mut store) = installed();
        let lib = store.resolve(LIB_PATH).unwrap();
        let flow = store.resolve("/lib/service/restart").unwrap();
        let home = store.resolve("/home").unwrap();
        let dir_type = store.type_id("Directory").unwrap();
        let refused = |r: Result<()>, path: &str| {
            let e = r.expect_err("a write under /lib went through").0;
            assert!(
                e.starts_with(&format!(
                    "{path}: /lib is the standard library of jfc and is read-only"
                )),
                "{e}"
            );
        };
        refused(
            store.create(lib, "mine", dir_type, "root").map(drop),
            "/lib/mine",
        );
        refused(
            store.write_field(flow, "source", Value::str("print(1)")),
            "/lib/service/restart",
        );
        refused(
            store.set_property(flow, "description", "x"),
            "/lib/service/restart",
        );
        refused(store.clear_field(flow, "source"), "/lib/service/restart");
        refused(store.rename(flow, "again"), "/lib/service/restart");
        refused(store.delete(flow), "/lib/service/restart");
        refused(store.delete(lib), "/lib");
        refused(store.move_to(flow, home, None), "/lib/service/restart");
        refused(store.copy_to(home, lib, Some("h")).map(drop), "/lib/h");
        // A copy out of /lib is the user's to change.
        let copy = store.copy_to(flow, home, None).expect("copy out");
        store
            .set_property(copy, "description", "mine")
            .expect("the copy is writable");
        assert!(store.lookup("/lib/service/restart").unwrap().is_some());
    }

    #[test]
    fn lib_cannot_be_made_by_hand_in_a_store_without_it() {
        let mut store = Store::open_in_memory().expect("store");
        let dir_type = store.type_id("Directory").unwrap();
        let e = store.create(ROOT, "lib", dir_type, "root").unwrap_err().0;
        assert!(e.starts_with("/lib: /lib is the standard library"), "{e}");
    }
}
