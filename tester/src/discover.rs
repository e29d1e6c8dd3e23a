//! Which files are tests: `*_test.jf` files anywhere, and every flow under a project's
//! `tests/` folder (compiler::builtins::Dialect); a file named on the command line is a
//! test whatever its name.

use std::path::{Path, PathBuf};

use jfc_compiler::builtins::Dialect;

/// One test file.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct TestFile {
    /// As the report names it: the path as found from the arguments.
    pub name: String,
    pub path: PathBuf,
    /// The project it belongs to: the nearest directory upwards with a `jfc.toml`.
    pub project: Option<PathBuf>,
}

/// The tests under `paths`, sorted by name; a path that does not exist is an error.
pub fn find_tests(paths: &[PathBuf]) -> Result<Vec<TestFile>, String> {
    let mut found = Vec::new();
    for path in paths {
        if path.is_file() {
            found.push(test_file(path));
            continue;
        }
        if !path.is_dir() {
            return Err(format!("{}: no such file or directory", path.display()));
        }
        let walk = walkdir::WalkDir::new(path)
            .sort_by_file_name()
            .into_iter()
            .filter_entry(|e| e.depth() == 0 || !e.file_name().to_string_lossy().starts_with('.'));
        for entry in walk {
            let entry = entry.map_err(|e| format!("cannot read {}: {e}", path.display()))?;
            let file = entry.path();
            if entry.file_type().is_file() && file.extension().is_some_and(|x| x == "jf") {
                let test = test_file(file);
                let absolute = std::path::absolute(file).unwrap_or_else(|_| file.to_path_buf());
                if Dialect::of(&absolute, test.project.as_deref()) == Dialect::Test {
                    found.push(test);
                }
            }
        }
    }
    found.sort();
    found.dedup();
    Ok(found)
}

fn test_file(path: &Path) -> TestFile {
    let absolute = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
    let project = absolute
        .ancestors()
        .skip(1)
        .find(|d| d.join("jfc.toml").is_file())
        .map(Path::to_path_buf);
    TestFile {
        name: path.strip_prefix(".").unwrap_or(path).display().to_string(),
        path: path.to_path_buf(),
        project,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tests_are_test_files_and_the_project_tests_folder() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        for f in [
            "jfc.toml",
            "flows/restart.jf",
            "flows/restart_test.jf",
            "tests/cleanup.jf",
            "tests/.hidden/x_test.jf",
            "other/tests/not.jf",
        ] {
            let p = root.join(f);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(&p, "").unwrap();
        }
        let names: Vec<String> = find_tests(&[root.to_path_buf()])
            .unwrap()
            .into_iter()
            .map(|t| {
                assert_eq!(t.project.as_deref(), Some(root));
                t.path.strip_prefix(root).unwrap().display().to_string()
            })
            .collect();
        assert_eq!(names, ["flows/restart_test.jf", "tests/cleanup.jf"]);
        assert!(find_tests(&[root.join("missing")])
            .unwrap_err()
            .contains("missing"));
    }
}
