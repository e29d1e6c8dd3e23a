//! Where each synchronised object came from: the absolute path of the file (or directory)
//! it was last imported from or exported to. `jfc import DIR --prune` deletes only
//! objects whose file was under DIR and is gone, never those of another directory.

use std::path::{Path, PathBuf};

use rusqlite::{params, OptionalExtension};

use crate::objects::ObjectId;
use crate::{Result, Store, StoreError};

impl Store {
    /// The file `id` was last imported from or exported to, if recorded.
    pub fn import_origin(&self, id: ObjectId) -> Result<Option<PathBuf>> {
        let file: Option<String> = self
            .conn
            .prepare_cached("SELECT file FROM import_origins WHERE object = ?1")?
            .query_row([id], |r| r.get(0))
            .optional()?;
        Ok(file.map(PathBuf::from))
    }

    pub(crate) fn set_import_origin(&mut self, id: ObjectId, file: &Path) -> Result<()> {
        let file = file
            .to_str()
            .ok_or_else(|| StoreError(format!("{}: the path is not UTF-8", file.display())))?;
        self.conn.execute(
            "INSERT INTO import_origins (object, file) VALUES (?1, ?2) ON CONFLICT(object) DO UPDATE SET file = excluded.file",
            params![id, file],
        )?;
        Ok(())
    }
}

/// A directory given on the command line and its absolute, resolved form: files are
/// reported as the user named them and recorded by where they really are.
#[derive(Clone, Debug)]
pub(crate) struct Base {
    given: PathBuf,
    real: PathBuf,
}

impl Base {
    pub fn new(dir: &Path) -> Result<Base> {
        let real = dir
            .canonicalize()
            .map_err(|e| StoreError(format!("cannot read {}: {e}", dir.display())))?;
        Ok(Base {
            given: dir.to_path_buf(),
            real,
        })
    }

    /// The directory, absolute and resolved.
    pub fn real_dir(&self) -> &Path {
        &self.real
    }

    /// The absolute path of `file`, a path under the given directory.
    pub fn real(&self, file: &Path) -> PathBuf {
        match file.strip_prefix(&self.given) {
            Ok(rest) => self.real.join(rest),
            Err(_) => file.to_path_buf(),
        }
    }

    /// Whether `origin` is under this directory and no longer exists.
    pub fn is_gone_from_here(&self, origin: &Path) -> bool {
        origin.starts_with(&self.real) && std::fs::symlink_metadata(origin).is_err()
    }
}
