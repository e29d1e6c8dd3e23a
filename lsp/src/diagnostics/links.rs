//! Links from a diagnostic's code to its explanation that an editor opens offline: the
//! explanations are written once per server start as Markdown files under the user's
//! cache directory, and linked with `file://` URLs.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use jfc_compiler::diagnostics::Code;
use tower_lsp::lsp_types::Url;

/// The link to the explanation of `code`; None when the files could not be written.
pub fn explanation(code: Code) -> Option<&'static Url> {
    static LINKS: OnceLock<HashMap<Code, Url>> = OnceLock::new();
    LINKS
        .get_or_init(|| match write_all(&directory()) {
            Ok(links) => links,
            Err(e) => {
                tracing::warn!("diagnostics go without links to their explanations: {e}");
                HashMap::new()
            }
        })
        .get(&code)
}

/// `$XDG_CACHE_HOME/jfc/explain/<version>`, else the same under `$HOME/.cache`, else
/// under the temporary directory. Relative values are ignored, as the XDG spec says.
fn directory() -> PathBuf {
    let absolute = |var: &str| {
        std::env::var_os(var)
            .map(PathBuf::from)
            .filter(|p| p.is_absolute())
    };
    absolute("XDG_CACHE_HOME")
        .or_else(|| absolute("HOME").map(|home| home.join(".cache")))
        .unwrap_or_else(std::env::temp_dir)
        .join("jfc")
        .join("explain")
        .join(env!("CARGO_PKG_VERSION"))
}

/// Write every explanation into `dir`, each file replaced whole (another server may read
/// it at the same time), and give their URLs.
fn write_all(dir: &Path) -> Result<HashMap<Code, Url>, String> {
    std::fs::create_dir_all(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    let mut links = HashMap::new();
    for &code in Code::ALL {
        let path = dir.join(format!("{}.md", code.as_str()));
        let partial = dir.join(format!("{}.md.{}", code.as_str(), std::process::id()));
        std::fs::write(&partial, code.explanation())
            .and_then(|()| std::fs::rename(&partial, &path))
            .map_err(|e| {
                let _ = std::fs::remove_file(&partial);
                format!("cannot write {}: {e}", path.display())
            })?;
        let url = Url::from_file_path(&path)
            .map_err(|()| format!("{} is not a file URL", path.display()))?;
        links.insert(code, url);
    }
    Ok(links)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_code_is_written_and_linked() {
        let dir = tempfile::tempdir().expect("a scratch directory");
        let target = dir.path().join("a").join("b");
        let links = write_all(&target).expect("written");
        assert_eq!(links.len(), Code::ALL.len());
        let url = &links[&Code::UndefinedName];
        let path = url.to_file_path().expect("a file URL");
        assert_eq!(path, target.join("E0015.md"));
        let text = std::fs::read_to_string(path).expect("the file");
        assert_eq!(text, Code::UndefinedName.explanation());
        // Written again at the next start: the same files, no leftovers.
        write_all(&target).expect("written again");
        let files = std::fs::read_dir(&target).expect("the directory").count();
        assert_eq!(files, Code::ALL.len());
    }

    #[test]
    fn a_directory_that_cannot_be_made_is_an_error() {
        let dir = tempfile::tempdir().expect("a scratch directory");
        let file = dir.path().join("file");
        std::fs::write(&file, "").unwrap();
        let err = write_all(&file.join("explain")).expect_err("not a directory");
        assert!(err.contains("cannot create"), "{err}");
    }
}
