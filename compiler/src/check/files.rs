//! Calls of sibling flow files that do not exist (E0016), for a flow checked as a
//! file on disk.
//!
//! `jfc run` resolves a relative object path such as `./deploy` in a flow file to
//! the file `deploy.jf` beside it, so a missing file is certain to fail at run time.
//! Inside a project (a `jfc.toml` in the flow's directory or above) the same flow
//! may be imported into the store, where `./deploy` can be any store object: there
//! nothing is reported.

use std::path::{Path, PathBuf};

use crate::ast::{BlockKind, ExprKind, Flow, JobKind, Program};
use crate::diagnostics::{Code, Diagnostic};

/// Where a flow file lies.
#[derive(Clone, Debug)]
pub struct FilePlace {
    /// The directory relative object paths start from.
    pub dir: PathBuf,
    /// A `jfc.toml` is in `dir` or above: relative paths may name store objects.
    pub in_project: bool,
    /// A test file sees the test built-ins.
    pub dialect: crate::builtins::Dialect,
}

impl FilePlace {
    /// The place of the flow file at `file`.
    pub fn of(file: &Path) -> FilePlace {
        let dir = file
            .parent()
            .filter(|d| !d.as_os_str().is_empty())
            .unwrap_or(Path::new("."))
            .to_path_buf();
        let absolute = std::path::absolute(&dir).unwrap_or_else(|_| dir.clone());
        let root = absolute.ancestors().find(|d| d.join("jfc.toml").is_file());
        let file = absolute.join(file.file_name().unwrap_or_default());
        FilePlace {
            dialect: crate::builtins::Dialect::of(&file, root),
            in_project: root.is_some(),
            dir,
        }
    }
}

/// E0016 for every execution job whose target is a relative path with no flow file.
pub fn missing_flows(program: &Program, place: &FilePlace) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    if place.in_project {
        return out;
    }
    let mut flows: Vec<&Flow> = program.body.iter().collect();
    while let Some(flow) = flows.pop() {
        for step in &flow.steps {
            match &step.job.kind {
                JobKind::Exec { target, .. } => {
                    if let ExprKind::Path(p) = &target.kind {
                        if let Some(file) = flow_file(&place.dir, p) {
                            if !file.is_file() && script_files(&file.with_extension("")).is_empty()
                            {
                                out.push(missing(p, target.span));
                            }
                        }
                    }
                }
                JobKind::Block(b) => flows.extend(block_flows(&b.kind)),
                _ => {}
            }
        }
    }
    out
}

/// The file a relative path calls, or `None` for an absolute path or a directory.
fn flow_file(dir: &Path, path: &str) -> Option<PathBuf> {
    if path.starts_with('/') || path.ends_with('/') {
        return None;
    }
    Some(dir.join(path).with_extension("jf"))
}

/// The script files a relative path `stem` (without extension) may name: the regular
/// files `stem` and `stem.<ext>` (one extension, not an editor's `~` backup), sorted.
pub fn script_files(stem: &Path) -> Vec<PathBuf> {
    let (Some(dir), Some(name)) = (stem.parent(), stem.file_name()) else {
        return Vec::new();
    };
    let name = name.to_string_lossy();
    let dir = if dir.as_os_str().is_empty() {
        Path::new(".")
    } else {
        dir
    };
    let mut found: Vec<PathBuf> = std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .filter(|e| {
            let n = e.file_name();
            let n = n.to_string_lossy();
            let ext = n
                .strip_prefix(&*name)
                .and_then(|rest| rest.strip_prefix('.'));
            let one_ext = ext.is_some_and(|e| !e.is_empty() && !e.contains('.') && e != "jf");
            !n.ends_with('~') && (n == name || one_ext)
        })
        .map(|e| stem.with_file_name(e.file_name()))
        .filter(|p| p.is_file())
        .collect();
    found.sort();
    found
}

fn missing(path: &str, span: crate::span::Span) -> Diagnostic {
    Diagnostic::new(
        Code::MissingFlow,
        span,
        format!("there is no flow `{path}`: no file `{path}.jf` (nor a script `{path}.*`) beside this one"),
    )
    .label("calls a file that does not exist")
    .help("a relative path calls the sibling file `name.jf`, or runs the script `name.sh`, `name.py`...; check the name, or add `jfc.toml` to the project root if the flow runs from the object store")
}

fn block_flows(kind: &BlockKind) -> Vec<&Flow> {
    match kind {
        BlockKind::Simple { body, .. }
        | BlockKind::While { body, .. }
        | BlockKind::Try { body }
        | BlockKind::For { body, .. }
        | BlockKind::Pfor { body, .. }
        | BlockKind::Session { body, .. } => vec![body],
        BlockKind::If {
            then,
            elifs,
            otherwise,
            ..
        } => std::iter::once(then)
            .chain(elifs.iter().map(|(_, f)| f))
            .chain(otherwise)
            .collect(),
        BlockKind::Case {
            clauses, otherwise, ..
        } => clauses.iter().map(|c| &c.body).chain(otherwise).collect(),
        BlockKind::Choice { branches } | BlockKind::Fork { branches } => branches.iter().collect(),
    }
}
