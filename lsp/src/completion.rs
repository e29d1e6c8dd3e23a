//! Completion: after `$` the status variables; after `./` the flows and directories
//! beside the flow; after `.`, the methods and properties of the receiver when its
//! type is known (types.rs), else nothing; inside `[./flow: ...]` the called
//! flow's parameters; elsewhere the flow's parameters and variables, the block
//! snippets, the built-in jobs and functions with their signatures, and the control
//! variables.

use jfc_compiler::builtins;
use jfc_compiler::bytecode::CONTROL_VARIABLES;

use crate::types::Type;
use tower_lsp::lsp_types::{
    CompletionItem, CompletionItemKind, Documentation, InsertTextFormat, MarkupContent, MarkupKind,
};

/// The blocks, as snippets: `$1`... are the places to fill in.
const BLOCKS: &[(&str, &str, &str)] = &[
    (
        "for",
        "{ for ${1:x} in ${2:list} | ${0} }",
        "run the jobs once per item",
    ),
    (
        "pfor",
        "{ pfor ${1:x} in ${2:list} | ${0} }",
        "run the jobs for every item at once",
    ),
    (
        "if",
        "{ if ${1:condition} | ${0} }",
        "run the jobs when the condition holds",
    ),
    (
        "while",
        "{ while ${1:condition} | ${0} }",
        "run the jobs while the condition holds",
    ),
    (
        "case",
        "{ case ${1:value}\n    | ${2:pattern}: ${0}\n}",
        "run the branch of the first matching pattern",
    ),
    (
        "try",
        "{ try | ${0} }",
        "go on after an error; $STATUS says whether one came",
    ),
    (
        "fork",
        "{ fork | ${0} }",
        "run each job in a child process, wait for them all",
    ),
    (
        "choice",
        "{ choice | <${1:channel}> -> ${0} }",
        "wait for the first of several events",
    ),
    (
        "session",
        "{ session ${1:s} | ${0} }",
        "open a shell: s.send(...) writes, <s> reads",
    ),
];

const STATUS: &[&str] = &["$RESULT", "$STATUS", "$ERROR", "$DEBUG", "$ENV"];

/// What is being written at the cursor, as far as completion cares.
#[derive(Debug, PartialEq)]
pub enum Context<'a> {
    /// `$...`: a status variable.
    Status,
    /// `./...` or `../...`: a path relative to the flow's directory, as typed so far.
    Path(&'a str),
    /// `/...`: an absolute object path of the store, as typed so far.
    StorePath(&'a str),
    /// `receiver.`: a member of the receiver, the text before the `.`.
    Member(&'a str),
    /// Anywhere a job or an expression may start.
    Anywhere,
}

/// The context at byte `offset` of `text`.
pub fn context(text: &str, offset: usize) -> Context<'_> {
    let before = &text[..offset.min(text.len())];
    let start = before
        .char_indices()
        .rev()
        .take_while(|(_, c)| c.is_alphanumeric() || "_$./-".contains(*c))
        .last()
        .map_or(before.len(), |(i, _)| i);
    let word = &before[start..];
    if word.starts_with('$') {
        Context::Status
    } else if word.starts_with("./") || word.starts_with("../") {
        Context::Path(word)
    } else if word.starts_with('/')
        && !before[..start].ends_with(|c: char| c.is_alphanumeric() || c == ')')
        // Object names have no `.`: one after the last `/` reaches a member.
        && !word.rsplit('/').next().is_some_and(|last| last.contains('.'))
    {
        // `/` after a name or `)` divides; elsewhere it starts an object path.
        Context::StorePath(word)
    } else if let Some(dot) = word.rfind('.') {
        Context::Member(&before[..start + dot])
    } else {
        Context::Anywhere
    }
}

/// The methods and properties of a value of type `t`, each with its signature and
/// what it does.
pub fn members(t: Type) -> Vec<CompletionItem> {
    let one = |name: &str, kind: CompletionItemKind, what: &str| {
        let member = crate::members::lookup(t, name);
        let detail = member.map_or_else(
            || format!("{} {what}", t.name()),
            |m| format!("{} {what}: {}", t.name(), m.signature),
        );
        item(name, kind, &detail, member.map(|m| m.doc))
    };
    let methods = t
        .methods()
        .iter()
        .map(|m| one(m, CompletionItemKind::METHOD, "method"));
    let properties = t
        .properties()
        .iter()
        .map(|p| one(p, CompletionItemKind::PROPERTY, "property"));
    methods.chain(properties).collect()
}

/// The keywords that are not blocks (those come as snippets): the loop controls,
/// the literals, the operators and the words of a long `if`.
const PLAIN_KEYWORDS: &[&str] = &[
    "break", "continue", "true", "false", "null", "and", "or", "not", "in", "then", "elif", "else",
];

/// The status variables.
pub fn status_variables() -> Vec<CompletionItem> {
    STATUS
        .iter()
        .map(|s| item(s, CompletionItemKind::VARIABLE, "status variable", None))
        .collect()
}

/// The files and directories of `dir` that a flow path may name: `*.jf` flows without
/// their extension, and directories.
pub fn paths_in(dir: &std::path::Path) -> Vec<CompletionItem> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut found: Vec<CompletionItem> = entries
        .filter_map(Result::ok)
        .filter_map(|e| {
            let name = e.file_name().into_string().ok()?;
            if e.path().is_dir() && !name.starts_with('.') {
                return Some(item(&name, CompletionItemKind::FOLDER, "directory", None));
            }
            let flow = name.strip_suffix(".jf")?;
            Some(item(flow, CompletionItemKind::FILE, "flow", None))
        })
        .collect();
    found.sort_by(|a, b| a.label.cmp(&b.label));
    found
}

/// The parameters of a called flow as `name=` arguments.
pub fn arguments(params: &[String]) -> Vec<CompletionItem> {
    params
        .iter()
        .map(|p| {
            let name = p.split(" = ").next().unwrap_or(p);
            CompletionItem {
                insert_text: Some(format!("{name}=")),
                ..item(name, CompletionItemKind::FIELD, p, None)
            }
        })
        .collect()
}

/// What to offer where a job or an expression may start, in a flow with the parameters
/// and variables `variables` (name, and whether it is a parameter).
pub fn items(
    text: &str,
    offset: usize,
    variables: &[(String, bool)],
    dialect: builtins::Dialect,
) -> Vec<CompletionItem> {
    if context(text, offset) == Context::Status {
        return status_variables();
    }
    let mut items: Vec<CompletionItem> = variables
        .iter()
        .map(|(name, parameter)| {
            let what = if *parameter { "parameter" } else { "variable" };
            item(name, CompletionItemKind::VARIABLE, what, None)
        })
        .collect();
    items.extend(BLOCKS.iter().map(|(name, snippet, doc)| CompletionItem {
        insert_text: Some((*snippet).into()),
        insert_text_format: Some(InsertTextFormat::SNIPPET),
        ..item(name, CompletionItemKind::SNIPPET, doc, None)
    }));
    let tests = match dialect {
        builtins::Dialect::Flow => &[][..],
        builtins::Dialect::Test => builtins::TEST_BUILTINS,
    };
    items.extend(builtins::BUILTINS.iter().chain(tests).map(|b| {
        let kind = match b.kind {
            builtins::BuiltinKind::Job => CompletionItemKind::METHOD,
            builtins::BuiltinKind::Function => CompletionItemKind::FUNCTION,
        };
        item(b.name, kind, &b.signature(), Some(b.doc))
    }));
    items.extend(PLAIN_KEYWORDS.iter().map(|k| {
        let doc = crate::hover::keyword_doc(k);
        item(k, CompletionItemKind::KEYWORD, "keyword", doc)
    }));
    items.extend(CONTROL_VARIABLES.iter().map(|v| {
        let doc = crate::hover::control_doc(v);
        item(v, CompletionItemKind::VARIABLE, "control variable", doc)
    }));
    items
}

fn item(label: &str, kind: CompletionItemKind, detail: &str, doc: Option<&str>) -> CompletionItem {
    CompletionItem {
        label: label.into(),
        kind: Some(kind),
        detail: Some(detail.into()),
        documentation: doc.map(|d| {
            Documentation::MarkupContent(MarkupContent {
                kind: MarkupKind::Markdown,
                value: d.into(),
            })
        }),
        ..CompletionItem::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_context_is_told_by_what_comes_before_the_cursor() {
        let ctx = |text: &'static str| context(text, text.len());
        assert_eq!(ctx("print($RE"), Context::Status);
        assert_eq!(ctx("[./lib/re"), Context::Path("./lib/re"));
        assert_eq!(ctx("['a,b'."), Context::Member("['a,b'"));
        assert_eq!(ctx("[x = s.up"), Context::Member("[x = s"));
        assert_eq!(ctx("print(t.date.ye"), Context::Member("print(t.date"));
        assert_eq!(ctx("print(1) -> "), Context::Anywhere);
        assert_eq!(ctx("print(/servers/we"), Context::StorePath("/servers/we"));
        assert_eq!(
            ctx("print(/servers/web1."),
            Context::Member("print(/servers/web1")
        );
        assert_eq!(ctx("[x = n /"), Context::StorePath("/"));
        assert_eq!(ctx("[x = n/"), Context::Anywhere);
    }

    #[test]
    fn after_a_dollar_only_status_variables_come_and_the_flows_names_first_elsewhere() {
        let vars = [("host".to_string(), true)];
        let labels = |text: &str| -> Vec<String> {
            items(text, text.len(), &vars, builtins::Dialect::Flow)
                .into_iter()
                .map(|i| i.label)
                .collect()
        };
        assert_eq!(labels("print($RE"), STATUS);
        let all = labels("print(1) -> ");
        assert!(all.contains(&"pfor".to_string()));
        assert!(all.contains(&"urlopen".to_string()));
        assert!(all.contains(&"__host__".to_string()));
        assert_eq!(all[0], "host");
    }

    #[test]
    fn plain_keywords_come_with_what_they_do() {
        let found = items("", 0, &[], builtins::Dialect::Flow);
        for k in [
            "break", "continue", "true", "false", "null", "and", "or", "not", "in", "then", "elif",
            "else",
        ] {
            let item = found.iter().find(|i| i.label == k);
            let item = item.unwrap_or_else(|| panic!("no completion of the keyword `{k}`"));
            assert_eq!(item.kind, Some(CompletionItemKind::KEYWORD), "{k}");
            let Some(Documentation::MarkupContent(doc)) = &item.documentation else {
                panic!("`{k}` has no documentation");
            };
            assert_eq!(Some(doc.value.as_str()), crate::hover::keyword_doc(k));
        }
    }

    #[test]
    fn members_come_with_their_signature_and_what_they_do() {
        let found = members(Type::String);
        let upper = found.iter().find(|i| i.label == "upper").expect("upper");
        assert_eq!(
            upper.detail.as_deref(),
            Some("String method: upper() : String")
        );
        assert!(matches!(&upper.documentation,
            Some(Documentation::MarkupContent(d)) if d.value.contains("upper case")));
    }
}
