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
    if let Some(doc) = control_doc(word) {
        return Some(format!("`{word}`: control variable: {doc}"));
    }
    keyword_doc(word).map(|d| format!("`{word}`: {d}"))
}

/// What keyword `word` does; None when it is no keyword.
pub fn keyword_doc(word: &str) -> Option<&'static str> {
    KEYWORDS.iter().find(|(n, _)| *n == word).map(|(_, d)| *d)
}

/// What control variable `word` sets; None when it is none of the engine's (an unknown
/// `__x__` is an ordinary variable).
pub fn control_doc(word: &str) -> Option<&'static str> {
    CONTROL.iter().find(|(n, _)| *n == word).map(|(_, d)| *d)
}

/// What to show for member `word` of a value of type `t`: its signature and what it
/// does (members.rs).
pub fn member(t: crate::types::Type, word: &str) -> Option<String> {
    let kind = if t.methods().contains(&word) {
        "method"
    } else if t.properties().contains(&word) {
        "property"
    } else {
        return None;
    };
    let m = crate::members::lookup(t, word)?;
    Some(format!(
        "```jobflow\n{}\n```\n{kind} of {}: {}",
        m.signature,
        t.name(),
        m.doc
    ))
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

/// The control variables (language.md §12, and jfc's `__zone__` and `__idempotent__`):
/// what each tells the command jobs, scripts, remote built-ins and session blocks that
/// follow its assignment.
const CONTROL: &[(&str, &str)] = &[
    ("__realm__", "the management realm the command runs in"),
    ("__host__", "the host (name or address) commands run on, over SSH; unset, they run on this machine"),
    ("__conntype__", "how to reach the host: `ssh` (the default), `winrs`, or the type of a network device"),
    ("__user__", "the user to log in as"),
    ("__password__", "the password of the login, also given to sudo"),
    ("__node__", "a NodeInfo object that says which host to run on and how to reach it"),
    ("__account__", "an AccountInfo object that gives the user and the credentials to log in with"),
    ("__sudo__", "`true` runs each command through sudo"),
    ("__dir__", "the directory commands start in, the login directory unless set"),
    ("__port__", "the SSH port, 22 unless set"),
    ("__keyfile__", "the path of the private key to log in with"),
    ("__passphrase__", "the passphrase of the key file, the password unless set"),
    ("__timeout__", "the seconds a command may run before it is stopped and fails (0: no limit)"),
    ("__proxy__", "a jump host (a name or a NodeInfo) the SSH connection goes through"),
    ("__shell__", "the shell that runs a command line, `/bin/bash` unless set"),
    ("__use_shell__", "`false` runs the command itself, without a shell"),
    ("__use_pty__", "`true` gives the command a pseudo-terminal"),
    ("__use_cache__", "`false` opens a new connection for each command instead of reusing one"),
    ("__raw_stdout__", "`true` keeps a command's standard output as Binary in `$RESULT`, undecoded"),
    ("__raw_stderr__", "`true` keeps a command's standard error as Binary in `$ERROR`, undecoded"),
    ("__encoding__", "the encoding of a command's input and output, `utf-8` unless set"),
    ("__winrs_auth_type__", "how winrs authenticates: `ntlm` (the default) or `credssp`"),
    ("__winrs_scheme__", "whether winrs speaks `https` (the default) or `http`"),
    ("__winrs_use_tlsv1_0__", "`true` lets CredSSP over winrs fall back to TLS 1.0"),
    ("__zone__", "the agent zone commands run from (`jfc agent`); it wins over the `zone` field of a node"),
    ("__idempotent__", "`true` lets another agent of the zone run a command again when the agent running it was lost"),
];

/// The keywords of the language (language.md §1.4) and what each does.
pub const KEYWORDS: &[(&str, &str)] = &[
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
        assert_eq!(
            member(Type::String, "upper").as_deref(),
            Some("```jobflow\nupper() : String\n```\nmethod of String: A copy of the string in upper case.")
        );
        assert!(member(Type::Datetime, "year").is_some_and(|d| d.contains("property")));
        assert!(member(Type::Channel, "pop_message").is_some_and(|d| d.contains("never waits")));
        assert_eq!(member(Type::String, "no_such_member"), None);
    }

    #[test]
    fn each_control_variable_has_its_own_sentence_and_other_dunders_none() {
        use jfc_compiler::bytecode::CONTROL_VARIABLES;
        let mut seen = std::collections::HashSet::new();
        for v in CONTROL_VARIABLES {
            let doc = control_doc(v);
            assert!(doc.is_some(), "no hover for the control variable `{v}`");
            assert!(seen.insert(doc), "`{v}` shares its sentence");
            assert!(describe(v, F).is_some_and(|d| d.contains("control variable")));
        }
        assert_eq!(CONTROL.len(), CONTROL_VARIABLES.len());
        assert!(describe("__zone__", F).is_some_and(|d| d.contains("agent zone")));
        assert_eq!(describe("__colour__", F), None);
    }
}
