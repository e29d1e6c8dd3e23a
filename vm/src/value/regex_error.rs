//! What is wrong with an invalid regular expression, said about the pattern as the flow
//! wrote it: `invalid regular expression 'a(b': unclosed group at position 1`.
//!
//! The pattern is compiled after translation (pattern.rs) and inside `\A(?:...)`, so the
//! engine's own position is in a text the user never wrote; it is mapped back here.

use fancy_regex::{CompileError, Error as FancyError, ParseError};

/// The error message for `original`, whose translation `translated` maps each byte to
/// the character of `original` it came from (`map[byte]`, one extra entry for the end).
pub(crate) fn describe(original: &str, translated: &str, map: &[usize]) -> String {
    let (what, at) = match problem(translated) {
        Some((what, byte)) => (what, map.get(byte).copied()),
        None => ("the engine rejects it".to_string(), None),
    };
    let at = match parens(original) {
        // The engine notices a missing `)` at the end; the user wants the `(`.
        Some(Paren::Unclosed(i)) if what == UNCLOSED => Some(i),
        Some(Paren::Unbalanced(i)) if what == UNBALANCED => Some(i),
        Some(Paren::UnclosedClass(i)) if what == UNCLOSED_CLASS => Some(i),
        _ => at,
    };
    match at {
        Some(i) => format!("invalid regular expression '{original}': {what} at position {i}"),
        None => format!("invalid regular expression '{original}': {what}"),
    }
}

/// The error message for a pattern compiled as written (no translation), such as the
/// `__regex` lookups of the store's `find()`.
pub fn untranslated(pattern: &str) -> String {
    let mut map: Vec<usize> = pattern
        .chars()
        .enumerate()
        .flat_map(|(i, c)| std::iter::repeat_n(i, c.len_utf8()))
        .collect();
    map.push(pattern.chars().count());
    describe(pattern, pattern, &map)
}

const UNCLOSED: &str = "unclosed group";
const UNBALANCED: &str = "unbalanced parenthesis";
const UNCLOSED_CLASS: &str = "unterminated character set";

/// The problem with `translated` and its byte offset there, when the parsers say where.
fn problem(translated: &str) -> Option<(String, usize)> {
    match fancy_regex::Regex::new(translated) {
        Ok(_) => None,
        Err(FancyError::ParseError(pos, kind)) => Some((parse_problem(&kind), pos)),
        // The regex crate's own checks (repetition ranges, class ranges) say where too.
        Err(FancyError::CompileError(CompileError::InnerError(inner))) => {
            match regex_syntax::Parser::new().parse(translated) {
                Err(regex_syntax::Error::Parse(e)) => {
                    Some((e.kind().to_string(), e.span().start.offset))
                }
                Err(regex_syntax::Error::Translate(e)) => {
                    Some((e.kind().to_string(), e.span().start.offset))
                }
                _ => Some((lower_first(&inner.to_string()), usize::MAX)),
            }
        }
        Err(FancyError::CompileError(c)) => Some((lower_first(&c.to_string()), usize::MAX)),
        Err(other) => Some((lower_first(&other.to_string()), usize::MAX)),
    }
}

fn parse_problem(kind: &ParseError) -> String {
    match kind {
        ParseError::UnclosedOpenParen => UNCLOSED.into(),
        ParseError::GeneralParseError(s) if s.contains("end of string not reached") => {
            UNBALANCED.into()
        }
        ParseError::InvalidClass => UNCLOSED_CLASS.into(),
        ParseError::TargetNotRepeatable | ParseError::InvalidRepeat => "nothing to repeat".into(),
        ParseError::UnknownFlag(f) => format!("unknown flag {f}"),
        ParseError::TrailingBackslash => "bad escape (end of pattern)".into(),
        ParseError::InvalidEscape(e) => format!("bad escape {e}"),
        other => lower_first(&other.to_string()),
    }
}

fn lower_first(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_lowercase().chain(c).collect(),
        None => String::new(),
    }
}

enum Paren {
    /// The character index of a `(` never closed (the innermost one).
    Unclosed(usize),
    /// The character index of a `)` that closes nothing.
    Unbalanced(usize),
    /// The character index of a `[` never closed.
    UnclosedClass(usize),
}

/// The first bracket problem of `src`: parentheses outside escapes and character
/// classes, or a class left open.
fn parens(src: &str) -> Option<Paren> {
    let mut open = Vec::new();
    let mut chars = src.chars().enumerate().peekable();
    let mut in_class = false;
    let mut class_start = 0;
    while let Some((i, c)) = chars.next() {
        match c {
            '\\' => {
                chars.next();
            }
            '[' if !in_class => {
                in_class = true;
                class_start = i;
                // `[]...]` and `[^]...]`: that `]` is literal.
                if chars.peek().is_some_and(|&(_, n)| n == '^') {
                    chars.next();
                }
                if chars.peek().is_some_and(|&(_, n)| n == ']') {
                    chars.next();
                }
            }
            ']' if in_class => in_class = false,
            '(' if !in_class => open.push(i),
            ')' if !in_class && open.pop().is_none() => return Some(Paren::Unbalanced(i)),
            _ => {}
        }
    }
    if in_class {
        return Some(Paren::UnclosedClass(class_start));
    }
    open.pop().map(Paren::Unclosed)
}

#[cfg(test)]
mod tests {
    fn check(pattern: &str, want: &str) {
        let err = crate::value::Pattern::new(crate::value::PatternKind::Regex, pattern, false)
            .err()
            .map(|e| e.message);
        assert_eq!(err.as_deref(), Some(want), "{pattern}");
    }

    #[test]
    fn positions_are_in_the_pattern_as_written() {
        check(
            "a(b",
            "invalid regular expression 'a(b': unclosed group at position 1",
        );
        check(
            "x(a(b)",
            "invalid regular expression 'x(a(b)': unclosed group at position 1",
        );
        check(
            "a)b",
            "invalid regular expression 'a)b': unbalanced parenthesis at position 1",
        );
        check(
            "ab[c",
            "invalid regular expression 'ab[c': unterminated character set at position 2",
        );
        check(
            "*a",
            "invalid regular expression '*a': nothing to repeat at position 0",
        );
        check(
            "a{2}$(",
            "invalid regular expression 'a{2}$(': unclosed group at position 5",
        );
        check(
            "x[z-a]",
            "invalid regular expression 'x[z-a]': invalid character class range, the start must be <= the end at position 2",
        );
        check(
            "(?<=a+)b",
            "invalid regular expression '(?<=a+)b': look-behind assertion without constant size",
        );
    }
}
