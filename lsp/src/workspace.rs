//! The flows of the workspace: when the editor opens a folder, every `*.jf` in it is
//! analysed once and its diagnostics published, so problems in files not open yet are
//! listed too (hidden directories and build output are skipped). When flows are created,
//! changed or deleted on disk, those that may call them are published again.

use std::path::{Path, PathBuf};

use jfc_compiler::check::FilePlace;
use tower_lsp::lsp_types::{self as lsp, Url};

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

/// [`analyse`], and the names of the tree, gathered beside the checks: the problems
/// and the names of an edited document (the tree is given back for its owner to drop
/// off the path of the answer: a large tree takes milliseconds to free).
pub fn analyse_with_names(
    uri: &Url,
    text: String,
) -> (
    Vec<jfc_compiler::diagnostics::Diagnostic>,
    crate::navigate::Names,
    jfc_compiler::ast::Program,
) {
    let names = |program: &jfc_compiler::ast::Program| {
        crate::navigate::Names::from_program(text.clone(), program)
    };
    let (analysis, names) = match uri.to_file_path() {
        Ok(path) => jfc_compiler::analyze_file_beside(&text, &FilePlace::of(&path), names),
        Err(()) => {
            let analysis = jfc_compiler::analyze(&text);
            let found = names(&analysis.program);
            (analysis, found)
        }
    };
    (analysis.diagnostics, names, analysis.program)
}

/// Whether `uri` names a flow file.
pub fn is_flow(uri: &Url) -> bool {
    uri.path().ends_with(".jf")
}

/// The diagnostics of the flow file at `uri` as it is on disk; None when it cannot be
/// read (it was deleted, or it is no file).
pub fn check_file(uri: &Url) -> Option<Vec<lsp::Diagnostic>> {
    let text = std::fs::read_to_string(uri.to_file_path().ok()?).ok()?;
    let found = analyse(uri, &text).diagnostics;
    Some(crate::diagnostics::to_lsp(uri, &text, &found))
}

/// The flows under `root` whose problems a change of the files `changed` may have
/// changed: those files themselves, and the flows whose text names one of them (a call
/// `[./name]` or `[../dir/name]` holds the stem of the file it calls).
pub fn touched_by(root: &Path, changed: &[PathBuf]) -> Vec<PathBuf> {
    let changed: Vec<&PathBuf> = changed.iter().filter(|p| p.starts_with(root)).collect();
    let stems: Vec<String> = changed
        .iter()
        .filter_map(|p| Some(p.file_stem()?.to_string_lossy().into_owned()))
        .collect();
    if stems.is_empty() {
        return Vec::new();
    }
    let changed: Vec<PathBuf> = changed.into_iter().cloned().collect();
    let callers = flows(root).into_iter().filter(|f| {
        !changed.contains(f)
            && std::fs::read_to_string(f).is_ok_and(|t| stems.iter().any(|s| t.contains(s)))
    });
    let callers: Vec<PathBuf> = callers.collect();
    let mut found = changed;
    found.extend(callers);
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_change_touches_the_file_and_the_flows_that_name_it() {
        let dir = tempfile::tempdir().expect("dir");
        let root = dir.path();
        std::fs::create_dir(root.join("lib")).expect("lib");
        for (name, text) in [
            ("main.jf", "[./lib/nosuch: 1]\n"),
            ("other.jf", "print(1)\n"),
            ("lib/caller.jf", "[../lib/nosuch]\n"),
        ] {
            std::fs::write(root.join(name), text).expect("write");
        }
        let changed = [root.join("lib/nosuch.jf")];
        let mut got = touched_by(root, &changed);
        got.sort();
        let want = [
            root.join("lib/caller.jf"),
            root.join("lib/nosuch.jf"),
            root.join("main.jf"),
        ];
        assert_eq!(got, want);
        let outside = [std::path::PathBuf::from("/elsewhere/nosuch.jf")];
        assert!(touched_by(root, &outside).is_empty());
    }
}
