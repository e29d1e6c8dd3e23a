//! Hover: what the word under the cursor is — a built-in (its signature and what it
//! does), a status variable, a control variable or a keyword.

use jfc_compiler::builtins;

/// The word (identifier, `$NAME` or `__name__`) around byte `offset` of `text`, and
/// where it starts and ends.
pub fn word_at(text: &str, offset: usize) -> Option<(usize, usize, &str)> {
    let is_word = |c: char| c.is_alphanumeric() || c == '_' || c == '$';
    let offset = offset.min(text.len());
    let start = text[..offset]
        .char_indices()
        .rev()
        .take_while(|(_, c)| is_word(*c))
        .last()
        .map_or(offset, |(i, _)| i);
    let end = text[offset..]
        .char_indices()
        .find(|(_, c)| !is_word(*c))
        .map_or(text.len(), |(i, _)| offset + i);
    (start < end).then(|| (start, end, &text[start..end]))
}

/// What to show for `word`, in Markdown; None for a word the server knows nothing of.
pub fn describe(word: &str, dialect: builtins::Dialect) -> Option<String> {
    if let Some(id) = builtins::lookup_in(word, dialect) {
        let b = builtins::get(id);
        let kind = match b.kind {
            builtins::BuiltinKind::Job => "built-in job",
            builtins::BuiltinKind::Function => "built-in function",
        };
        let of_tests = if builtins::is_test(id) {
            " of tests"
        } else {
            ""
        };
        let mut text = format!(
            "```jobflow\n{}\n```\n{kind}{of_tests}: {}",
            b.signature(),
            b.doc
        );
        if !b.options.is_empty() {
            text += &format!("\n\noptions: {}", b.options.join(", "));
        }
        return Some(text);
    }
    if let Some(doc) = STATUS.iter().find(|(n, _)| *n == word).map(|(_, d)| d) {
        return Some(format!("`{word}`: status variable, {doc}"));
    }
    if word.starts_with("__") && word.ends_with("__") && word.len() > 4 {
        return Some(format!(
            "`{word}`: control variable, read by the command jobs, scripts and session blocks that follow"
        ));
    }
    KEYWORDS
        .iter()
        .find(|(n, _)| *n == word)
        .map(|(n, d)| format!("`{n}`: {d}"))
}

/// What to show for member `word` of a value of type `t`.
pub fn member(t: crate::types::Type, word: &str) -> Option<String> {
    let kind = if t.methods().contains(&word) {
        "method"
    } else if t.properties().contains(&word) {
        "property"
    } else {
        return None;
    };
    Some(format!("`{word}`: {kind} of {}", t.name()))
}

const STATUS: &[(&str, &str)] = &[
    (
        "$RESULT",
        "the result of the last job (a command's standard output)",
    ),
    (
        "$STATUS",
        "the status of the last job: 0 success, 1 failure, -1 no connection",
    ),
    (
        "$ERROR",
        "the error of the last job (a command's standard error)",
    ),
    ("$DEBUG", "debug output of the last job"),
    ("$ENV", "the Environment of the user running the flow"),
];

const KEYWORDS: &[(&str, &str)] = &[
    ("for", "`{ for x in list | ... }` runs the jobs once per item"),
    ("pfor", "`{ pfor x in list | ... }` runs the jobs for every item at once, a child process each"),
    ("while", "`{ while condition | ... }` runs the jobs while the condition holds"),
    ("if", "`{ if condition | ... }`, or `{ if c | then: ... elif c2: ... else: ... }`, runs the first branch whose condition holds"),
    ("then", "the branch of a long `if` taken when its condition holds"),
    ("elif", "`elif condition: ...`: a further branch of a long `if`"),
    ("else", "the branch of an `if` or `case` taken when no other applies"),
    ("case", "`{ case value | pattern: ... }` runs the branch of the first pattern the value matches"),
    ("try", "`{ try | ... }`: an error inside does not stop the process; `$STATUS` says whether one came"),
    ("fork", "`{ fork | ... }` runs each job in a child process and waits for them all"),
    ("choice", "`{ choice | <a> -> ... <b> -> ... }` waits for the first of several events"),
    ("session", "`{ session s | ... }` opens a shell; `s.send` writes to it, `<s>` reads its lines"),
    ("in", "membership: `x in list`, or the list of a `for`"),
    ("break", "ends the innermost loop"),
    ("continue", "goes on with the next round of the innermost loop"),
    ("and", "true when both sides are (the right side is evaluated only when needed)"),
    ("or", "true when either side is (the right side is evaluated only when needed)"),
    ("not", "the logical negation"),
    ("true", "the Boolean true"),
    ("false", "the Boolean false"),
    ("null", "the absent value"),
];

#[cfg(test)]
mod tests {
    use super::*;

    const F: builtins::Dialect = builtins::Dialect::Flow;

    #[test]
    fn the_word_under_the_cursor_includes_dollar_and_underscores() {
        let text = "print($RESULT) -> [__host__ = 'a']";
        assert_eq!(word_at(text, 2).map(|w| w.2), Some("print"));
        assert_eq!(word_at(text, 8).map(|w| w.2), Some("$RESULT"));
        assert_eq!(word_at(text, 22).map(|w| w.2), Some("__host__"));
        assert_eq!(word_at(text, 14), None);
        assert!(describe("print", F).is_some_and(|d| d.contains("built-in job")));
        assert!(describe("$STATUS", F).is_some());
        assert!(describe("no_such_word", F).is_none());
        assert!(describe("mock_command", F).is_none());
        let test = builtins::Dialect::Test;
        assert!(describe("mock_command", test)
            .is_some_and(|d| d.contains("built-in function of tests")));
    }

    #[test]
    fn every_keyword_and_known_member_is_described() {
        use crate::types::Type;
        // The 21 keywords of language.md §1.4.
        let keywords = [
            "and", "break", "case", "choice", "continue", "elif", "else", "false", "for", "fork",
            "if", "in", "not", "null", "or", "pfor", "session", "then", "true", "try", "while",
        ];
        for k in keywords {
            assert!(describe(k, F).is_some(), "no hover for the keyword `{k}`");
        }
        assert_eq!(member(Type::String, "upper").as_deref(), Some("`upper`: method of String"));
        assert!(member(Type::Datetime, "year").is_some_and(|d| d.contains("property")));
        assert_eq!(member(Type::String, "no_such_member"), None);
    }
}
