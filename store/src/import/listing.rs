//! The files of an import, read in one walk of the tree (walkdir) before anything is
//! imported: each directory's entries in name order, hidden ones left out, with symbolic
//! links followed and a link back to a directory above it reported instead of followed.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use walkdir::WalkDir;

/// An entry of a directory and what it is (after following links).
#[derive(Clone)]
pub struct Listed {
    pub path: PathBuf,
    pub meta: std::fs::Metadata,
}

#[derive(Default)]
pub struct Listing {
    dirs: HashMap<PathBuf, Vec<Listed>>,
    /// Entries that could not be read: the path and why.
    pub problems: Vec<(PathBuf, String)>,
}

impl Listing {
    pub fn read(root: &Path) -> Listing {
        let mut listing = Listing::default();
        listing.dirs.insert(root.to_path_buf(), Vec::new());
        let project = root.join("jfc.toml").is_file();
        let walk = WalkDir::new(root)
            .min_depth(1)
            .follow_links(true)
            .sort_by_file_name()
            .into_iter()
            .filter_entry(|e| e.depth() == 0 || !(hidden(e) || is_test(e, project)));
        for entry in walk {
            let entry = match entry {
                Ok(e) => e,
                Err(e) => {
                    let path = e.path().unwrap_or(root).to_path_buf();
                    let why = match e.loop_ancestor() {
                        Some(up) => format!(
                            "a symbolic link back to {}, which contains it: not followed",
                            up.display()
                        ),
                        None => format!(
                            "cannot read: {}",
                            e.io_error().map_or(e.to_string(), |io| io.to_string())
                        ),
                    };
                    listing.problems.push((path, why));
                    continue;
                }
            };
            let meta = match entry.metadata() {
                Ok(m) => m,
                Err(e) => {
                    listing
                        .problems
                        .push((entry.path().to_path_buf(), format!("cannot read: {e}")));
                    continue;
                }
            };
            let path = entry.into_path();
            if meta.is_dir() {
                listing.dirs.entry(path.clone()).or_default();
            }
            if let Some(parent) = path.parent() {
                listing
                    .dirs
                    .entry(parent.to_path_buf())
                    .or_default()
                    .push(Listed { path, meta });
            }
        }
        listing
    }

    /// The entries of directory `dir`, by name; none for a directory not walked.
    pub fn entries(&self, dir: &Path) -> Vec<Listed> {
        self.dirs.get(dir).cloned().unwrap_or_default()
    }
}

fn hidden(e: &walkdir::DirEntry) -> bool {
    e.file_name().to_string_lossy().starts_with('.')
}

/// Tests are not objects: `*_test.jf` files, and a project's `tests/` folder (`jfc test`
/// runs them from their files).
fn is_test(e: &walkdir::DirEntry, project: bool) -> bool {
    let name = e.file_name().to_string_lossy();
    name.ends_with("_test.jf")
        || (project && e.depth() == 1 && name == "tests" && e.file_type().is_dir())
}
