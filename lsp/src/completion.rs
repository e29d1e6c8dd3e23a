//! Completion: after `$` the status variables; elsewhere the flow's parameters and
//! variables, the block snippets, the built-in jobs and functions with their
//! signatures, and the control variables.

use jfc_compiler::builtins;
use jfc_compiler::bytecode::CONTROL_VARIABLES;
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

/// What to offer at byte `offset` of `text`, whose flow has the parameters and
/// variables `variables` (name, and whether it is a parameter).
pub fn items(text: &str, offset: usize, variables: &[(String, bool)]) -> Vec<CompletionItem> {
    let before = &text[..offset.min(text.len())];
    let word_start = before
        .char_indices()
        .rev()
        .take_while(|(_, c)| c.is_alphanumeric() || *c == '_' || *c == '$')
        .last()
        .map_or(before.len(), |(i, _)| i);
    if before[word_start..].starts_with('$') {
        return STATUS
            .iter()
            .map(|s| item(s, CompletionItemKind::VARIABLE, "status variable", None))
            .collect();
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
    items.extend(builtins::BUILTINS.iter().map(|b| {
        let kind = match b.kind {
            builtins::BuiltinKind::Job => CompletionItemKind::METHOD,
            builtins::BuiltinKind::Function => CompletionItemKind::FUNCTION,
        };
        item(b.name, kind, &b.signature(), Some(b.doc))
    }));
    items.extend(
        CONTROL_VARIABLES
            .iter()
            .map(|v| item(v, CompletionItemKind::VARIABLE, "control variable", None)),
    );
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
    fn after_a_dollar_only_status_variables_come_and_the_flows_names_first_elsewhere() {
        let vars = [("host".to_string(), true)];
        let labels = |text: &str| -> Vec<String> {
            items(text, text.len(), &vars)
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
}
