//! The flows of the workspace: when the editor opens a folder, every `*.jf` in it is
//! analysed once and its diagnostics published, so problems in files not open yet are
//! listed too (hidden directories and build output are skipped).

use std::path::{Path, PathBuf};

use jfc_compiler::check::FilePlace;
use tower_lsp::lsp_types::Url;

/// Flows analysed at most in one workspace (a folder far larger is not a project).
const MAX_FILES: usize = 5000;

/// The `*.jf` files under `root`, in a stable order.
pub fn flows(root: &Path) -> Vec<PathBuf> {
    let skip = |name: &str| name.starts_with('.') || matches!(name, "target" | "node_modules");
    let mut found: Vec<PathBuf> = walkdir::WalkDir::new(root)
        .into_iter()
        .filter_entry(|e| e.depth() == 0 || !skip(&e.file_name().to_string_lossy()))
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_file() && e.path().extension().is_some_and(|x| x == "jf"))
        .map(|e| e.into_path())
        .take(MAX_FILES)
        .collect();
    found.sort();
    found
}

/// Which built-ins the document at `uri` sees: a test's also has the built-ins of tests.
pub fn dialect(uri: &Url) -> jfc_compiler::builtins::Dialect {
    uri.to_file_path()
        .map_or_else(|()| Default::default(), |p| FilePlace::of(&p).dialect)
}

/// The analysis of the text of the document at `uri`: as `jfc check` does for a file
/// (calls of sibling flows checked), as a bare text otherwise.
pub fn analyse(uri: &Url, text: &str) -> jfc_compiler::Analysis {
    match uri.to_file_path() {
        Ok(path) => jfc_compiler::analyze_file(text, &FilePlace::of(&path)),
        Err(()) => jfc_compiler::analyze(text),
    }
}
