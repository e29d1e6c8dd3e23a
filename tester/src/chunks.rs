//! The flows the tests of one run call, compiled once for them all: a thousand tests
//! of one flow compile it once, not a thousand times. Keyed by path and modification
//! time, so a flow edited during the run is compiled again.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::SystemTime;

use jfc_compiler::bytecode::Chunk;

#[derive(Default)]
pub struct Chunks {
    compiled: Mutex<HashMap<(PathBuf, SystemTime), Chunk>>,
}

impl Chunks {
    /// The chunk of the flow at `path`, from `compile` the first time.
    pub fn get(
        &self,
        path: &Path,
        compile: impl FnOnce() -> Result<Chunk, String>,
    ) -> Result<Chunk, String> {
        let Ok(modified) = std::fs::metadata(path).and_then(|m| m.modified()) else {
            return compile();
        };
        let key = (path.to_path_buf(), modified);
        if let Some(chunk) = self.lock().get(&key) {
            return Ok(chunk.clone());
        }
        let chunk = compile()?;
        self.lock().insert(key, chunk.clone());
        Ok(chunk)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<(PathBuf, SystemTime), Chunk>> {
        self.compiled
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}
