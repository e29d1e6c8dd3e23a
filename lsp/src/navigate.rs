//! Definition, references, rename, symbols and folding, from the names of a flow
//! (names.rs) and the files beside it (`[./sub]` is `sub.jf` in the same directory).

use std::collections::HashMap;

use tower_lsp::lsp_types::*;

use crate::names::{self, Kind, Occurrence};
use crate::position::Lines;
use crate::types::{self, Type};

/// A document analysed for navigation: its text, names and blocks, and the variables
/// whose type is known (for completion after `.`).
pub struct Names {
    pub text: String,
    pub found: Vec<Occurrence>,
    pub blocks: Vec<jfc_compiler::span::Span>,
    types: HashMap<String, Type>,
    /// Variables that always hold the same object of the store, by path.
    objects: HashMap<String, String>,
}

impl Names {
    pub fn of(text: String) -> Names {
        let program = jfc_compiler::analyze(&text).program;
        Names::from_program(text, &program)
    }

    /// The names of `program`, the tree of `text`.
    pub fn from_program(text: String, program: &jfc_compiler::ast::Program) -> Names {
        Names {
            found: names::occurrences(program),
            blocks: names::blocks(program),
            types: types::of_variables(program),
            objects: types::object_paths(program),
            text,
        }
    }

    /// The type of the receiver that `before` (text before a `.`) ends with, if known.
    pub fn type_of(&self, before: &str) -> Option<Type> {
        types::of_receiver(before, &self.types)
    }

    /// The path of the object of the store the receiver `before` a `.` names.
    pub fn object_of(&self, before: &str) -> Option<String> {
        types::object_path(before, &self.objects)
    }

    fn lines(&self) -> Lines<'_> {
        Lines::new(&self.text)
    }

    fn at(&self, p: Position) -> Option<&Occurrence> {
        names::at(&self.found, self.lines().offset(p))
    }

    /// The occurrences of the variable at `p` (none for a path).
    fn variable_at(&self, p: Position) -> Vec<&Occurrence> {
        match self.at(p) {
            Some(o) if o.kind != Kind::Path => self
                .found
                .iter()
                .filter(|x| x.name == o.name && x.kind != Kind::Path)
                .collect(),
            _ => Vec::new(),
        }
    }

    /// Where the name at `p` is defined: a parameter or its first write; for a path to
    /// a sibling flow, that flow's file.
    pub fn definition(&self, uri: &Url, p: Position) -> Option<Location> {
        let o = self.at(p)?;
        if o.kind == Kind::Path {
            return sibling(uri, &o.name).map(|file| Location::new(file, Range::default()));
        }
        let all = self.variable_at(p);
        let def = all
            .iter()
            .find(|x| x.kind == Kind::Parameter)
            .or_else(|| all.iter().find(|x| x.kind == Kind::Written))?;
        Some(self.location(uri, def))
    }

    pub fn references(&self, uri: &Url, p: Position, declaration: bool) -> Vec<Location> {
        let all = self.variable_at(p);
        let def = all
            .iter()
            .position(|x| x.kind == Kind::Parameter)
            .or_else(|| all.iter().position(|x| x.kind == Kind::Written));
        all.iter()
            .enumerate()
            .filter(|(i, _)| declaration || Some(*i) != def)
            .map(|(_, o)| self.location(uri, o))
            .collect()
    }

    /// The edits that rename the variable at `p` to `new_name`; None when there is no
    /// variable there.
    pub fn rename(&self, uri: &Url, p: Position, new_name: &str) -> Option<WorkspaceEdit> {
        let all = self.variable_at(p);
        if all.is_empty() {
            return None;
        }
        let lines = self.lines();
        let edits = all
            .iter()
            .map(|o| TextEdit {
                range: lines.range(o.span.start as usize, o.span.end as usize),
                new_text: new_name.to_string(),
            })
            .collect();
        Some(WorkspaceEdit {
            changes: Some(HashMap::from([(uri.clone(), edits)])),
            ..WorkspaceEdit::default()
        })
    }

    /// The names of the flow's parameters and variables, once each, and whether each
    /// is a parameter.
    pub fn variables(&self) -> Vec<(String, bool)> {
        let mut seen = std::collections::HashSet::new();
        self.found
            .iter()
            .filter(|o| matches!(o.kind, Kind::Parameter | Kind::Written))
            .filter(|o| seen.insert(o.name.clone()))
            .map(|o| (o.name.clone(), o.kind == Kind::Parameter))
            .collect()
    }

    /// The parameters and the variables of the flow, each at its definition.
    #[allow(deprecated)] // `DocumentSymbol::deprecated` must be written to build one.
    pub fn symbols(&self) -> Vec<DocumentSymbol> {
        let lines = self.lines();
        let mut seen = std::collections::HashSet::new();
        self.found
            .iter()
            .filter(|o| matches!(o.kind, Kind::Parameter | Kind::Written))
            .filter(|o| seen.insert(o.name.clone()))
            .map(|o| {
                let range = lines.range(o.span.start as usize, o.span.end as usize);
                DocumentSymbol {
                    name: o.name.clone(),
                    detail: Some(
                        if o.kind == Kind::Parameter {
                            "parameter"
                        } else {
                            "variable"
                        }
                        .into(),
                    ),
                    kind: SymbolKind::VARIABLE,
                    tags: None,
                    deprecated: None,
                    range,
                    selection_range: range,
                    children: None,
                }
            })
            .collect()
    }

    /// The absolute object path at `p`, and where it is.
    pub fn store_path_at(&self, p: Position) -> Option<(String, Range)> {
        let o = self
            .at(p)
            .filter(|o| o.kind == Kind::Path && o.name.starts_with('/'))?;
        let range = self
            .lines()
            .range(o.span.start as usize, o.span.end as usize);
        Some((o.name.clone(), range))
    }

    /// What the name at `p` is, in Markdown, and where it is: a variable or parameter,
    /// where it is defined and its type when known, or a sibling flow and its parameters.
    pub fn hover(&self, uri: &Url, p: Position) -> Option<(String, Range)> {
        let o = self.at(p)?;
        let lines = self.lines();
        let range = lines.range(o.span.start as usize, o.span.end as usize);
        if o.kind == Kind::Path {
            let params = flow_params(uri, &o.name)?;
            return Some((flow_summary(&o.name, &params), range));
        }
        let def = self.definition(uri, p)?;
        let line = def.range.start.line + 1;
        let uses = self.variable_at(p).len();
        let what = if self
            .found
            .iter()
            .any(|x| x.name == o.name && x.kind == Kind::Parameter)
        {
            format!("parameter `{}`, declared on line {line}", o.name)
        } else {
            format!("variable `{}`, first assigned on line {line}", o.name)
        };
        let held = match self.types.get(&o.name) {
            Some(t) => format!("; every value given it is of type {}", t.name()),
            None => String::new(),
        };
        Some((format!("{what} ({uses} uses in this flow){held}"), range))
    }

    /// The blocks that span more than one line.
    pub fn folding(&self) -> Vec<FoldingRange> {
        let lines = self.lines();
        self.blocks
            .iter()
            .map(|b| {
                (
                    lines.position(b.start as usize).line,
                    lines.position(b.end as usize).line,
                )
            })
            .filter(|(start, end)| end > start)
            .map(|(start_line, end_line)| FoldingRange {
                start_line,
                end_line,
                ..FoldingRange::default()
            })
            .collect()
    }

    fn location(&self, uri: &Url, o: &Occurrence) -> Location {
        Location::new(
            uri.clone(),
            self.lines()
                .range(o.span.start as usize, o.span.end as usize),
        )
    }
}

/// A called flow, by its parameters: `[./sub: target, count = 3]`.
fn flow_summary(path: &str, params: &[String]) -> String {
    if params.is_empty() {
        return format!("flow `{path}`: no parameters");
    }
    format!(
        "flow `{path}`\n```jobflow\n[{path}: {}]\n```",
        params.join(", ")
    )
}

/// The parameters of sibling flow `path` of the document at `uri`, each as `name` or
/// `name = default`; None when there is no such file.
pub fn flow_params(uri: &Url, path: &str) -> Option<Vec<String>> {
    let file = sibling(uri, path)?;
    let text = std::fs::read_to_string(file.to_file_path().ok()?).ok()?;
    let program = jfc_compiler::analyze(&text).program;
    Some(
        program
            .params
            .iter()
            .map(|p| match &p.default {
                Some(d) => format!(
                    "{} = {}",
                    p.name.name,
                    text.get(d.span.start as usize..d.span.end as usize)
                        .unwrap_or("…")
                ),
                None => p.name.name.clone(),
            })
            .collect(),
    )
}

/// The file of sibling flow `path` (`./sub`, `../lib/x`) of the document at `uri`.
fn sibling(uri: &Url, path: &str) -> Option<Url> {
    if path.starts_with('/') {
        return None;
    }
    let file = uri.to_file_path().ok()?;
    let target = normal(&file.parent()?.join(format!("{path}.jf")));
    target
        .is_file()
        .then(|| Url::from_file_path(&target).ok())
        .flatten()
}

/// The directory a relative path typed so far (`./lib/re`) lists: the flow's directory
/// joined with the path up to its last `/`.
pub fn path_dir(uri: &Url, typed: &str) -> Option<std::path::PathBuf> {
    let file = uri.to_file_path().ok()?;
    let (dir, _) = typed.rsplit_once('/')?;
    Some(file.parent()?.join(dir))
}

/// `path` with its `.` and `..` components resolved by the text alone (a flow's
/// `../lib/x` is the file `lib/x.jf` beside the flow's directory; a link is not
/// followed), so that the editor is given one URI for one file.
fn normal(path: &std::path::Path) -> std::path::PathBuf {
    use std::path::Component;
    let mut out = std::path::PathBuf::new();
    for part in path.components() {
        match part {
            Component::CurDir => {}
            Component::ParentDir => {
                // `..` at the root stays at the root.
                if !out.pop() {
                    out.push(part);
                }
            }
            other => out.push(other),
        }
    }
    out
}

/// Why `name` cannot be a variable's new name, in a sentence; None when it can. A
/// keyword or a built-in's name would read as something else; a control variable, or
/// any `__name__` (the shape reserved for them), would change where commands run.
pub fn not_a_new_name(name: &str, dialect: jfc_compiler::builtins::Dialect) -> Option<String> {
    let mut chars = name.chars();
    let shaped = chars.next().is_some_and(|c| c.is_alphabetic() || c == '_')
        && chars.all(|c| c.is_alphanumeric() || c == '_');
    let why = if !shaped {
        "a name is a letter or `_`, then letters, digits or `_`"
    } else if crate::hover::keyword_doc(name).is_some() {
        "it is a keyword"
    } else if jfc_compiler::builtins::lookup_in(name, dialect).is_some() {
        "it is the name of a built-in"
    } else if crate::hover::control_doc(name).is_some() {
        "it is a control variable, which changes how and where commands run"
    } else if name.len() > 4 && name.starts_with("__") && name.ends_with("__") {
        "names of the shape `__name__` are kept for control variables"
    } else {
        return None;
    };
    Some(format!("cannot rename to `{name}`: {why}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use jfc_compiler::builtins::Dialect;

    #[test]
    fn a_sibling_path_is_given_without_dot_dot() {
        let dir = tempfile::tempdir().expect("dir");
        std::fs::create_dir_all(dir.path().join("flows")).expect("flows");
        std::fs::create_dir_all(dir.path().join("lib")).expect("lib");
        std::fs::write(dir.path().join("lib/x.jf"), "print(1)\n").expect("x.jf");
        let uri = Url::from_file_path(dir.path().join("flows/main.jf")).expect("uri");
        let found = sibling(&uri, "../lib/x").expect("found");
        let want = Url::from_file_path(dir.path().join("lib/x.jf")).expect("uri");
        assert_eq!(found, want);
        assert_eq!(sibling(&uri, "./../lib/./x"), Some(want));
        assert_eq!(sibling(&uri, "../lib/nosuch"), None);
    }

    #[test]
    fn a_new_name_is_refused_when_it_would_read_as_something_else() {
        for (name, why) in [
            ("2nd", "a letter or `_`"),
            ("for", "keyword"),
            ("true", "keyword"),
            ("print", "built-in"),
            ("__host__", "control variable"),
            ("__zone__", "control variable"),
            ("__mine__", "`__name__`"),
        ] {
            let said = not_a_new_name(name, Dialect::Flow);
            assert!(
                said.as_deref().is_some_and(|s| s.contains(why)),
                "{name}: {said:?}"
            );
        }
        assert!(not_a_new_name("mock_command", Dialect::Test).is_some());
        for fine in ["attempts", "_x", "mock_command", "__", "x__"] {
            assert_eq!(not_a_new_name(fine, Dialect::Flow), None, "{fine}");
        }
    }
}
