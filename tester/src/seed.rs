//! The store every test of a project starts from: made once per run (the standard
//! tree, and the project's objects imported as `jfc import` does), then copied for
//! each test, so that no test sees what another wrote and none pays for the import.

use std::path::{Path, PathBuf};

use jfc_store::import::{ImportOptions, MessageKind};
use jfc_store::Store;

pub struct Seed {
    dir: tempfile::TempDir,
    file: PathBuf,
    /// What the import of the project reported (files it could not import).
    pub problems: Vec<String>,
}

impl Seed {
    /// The seed of the project at `root` (an empty store without one).
    pub fn new(root: Option<&Path>) -> Result<Seed, String> {
        let dir = tempfile::Builder::new()
            .prefix("jfc-test-")
            .tempdir()
            .map_err(|e| format!("cannot make a directory for the tests' stores: {e}"))?;
        let file = dir.path().join("seed.sqlite");
        let mut store = Store::open(&file)
            .and_then(|mut s| s.ensure_stdlib().map(|_| s))
            .map_err(|e| format!("cannot make the tests' store: {e}"))?;
        let mut problems = Vec::new();
        if let Some(root) = root {
            let report = store
                .import_dir(root, "/", &ImportOptions::default())
                .map_err(|e| format!("cannot import the project {}: {e}", root.display()))?;
            problems.extend(
                report
                    .messages
                    .iter()
                    .filter(|m| m.kind == MessageKind::Error)
                    .map(ToString::to_string),
            );
        }
        Ok(Seed {
            dir,
            file,
            problems,
        })
    }

    /// A store of its own for test number `n`: a copy of the seed (with its key file).
    pub fn copy_for(&self, n: usize) -> Result<TestStore, String> {
        let path = self.dir.path().join(format!("test-{n}.sqlite"));
        let copy = |from: &Path, to: &Path| {
            std::fs::copy(from, to)
                .map(drop)
                .map_err(|e| format!("cannot copy the seed store to {}: {e}", to.display()))
        };
        copy(&self.file, &path)?;
        let key = with_suffix(&self.file, ".key");
        if key.is_file() {
            copy(&key, &with_suffix(&path, ".key"))?;
        }
        Ok(TestStore { path })
    }
}

/// The store file of one test, deleted when the test is over.
pub struct TestStore {
    pub path: PathBuf,
}

impl Drop for TestStore {
    fn drop(&mut self) {
        for suffix in ["", ".key", "-wal", "-shm", ".known_hosts"] {
            let _ = std::fs::remove_file(with_suffix(&self.path, suffix));
        }
    }
}

fn with_suffix(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(suffix);
    PathBuf::from(name)
}
