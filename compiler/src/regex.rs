//! Regular expressions of patterns (language.md §8.7): Python `re` syntax translated
//! to the engine's where the two differ (`\Z`, `$` before a final newline, literal `{`,
//! `[` inside classes), and what is wrong with an invalid one, said about the pattern as
//! the flow wrote it: `invalid regular expression 'a(b': unclosed group at position 1`.
//! Shared by the VM (which compiles patterns when they run) and the checks (which report
//! an invalid regex literal before the flow runs), so both say the same.
//!
//! The pattern is compiled after translation and inside `\A(?:...)`, so the engine's own
//! position is in a text the user never wrote; it is mapped back here.

use fancy_regex::{CompileError, Error as FancyError, ParseError};

/// The error message for `original`, whose translation `translated` maps each byte to
/// the character of `original` it came from (`map[byte]`, one extra entry for the end).
pub fn describe(original: &str, translated: &str, map: &[usize]) -> String {
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

/// Why `pattern` (an `r` pattern as written) is not a valid regular expression, in the
/// words the VM uses when it compiles it; `None` when it is valid.
pub fn invalid(pattern: &str) -> Option<String> {
    let (translated, map) = translate_mapped(pattern);
    fancy_regex::Regex::new(&format!("\\A(?:{translated})"))
        .err()
        .map(|_| describe(pattern, &translated, &map))
}

/// Translate Python `re` syntax to fancy-regex syntax; with the character of `src` each
/// byte of the result comes from (and one more entry, `src`'s length, for the end), so
/// that error positions are told in `src`.
pub fn translate_mapped(src: &str) -> (String, Vec<usize>) {
    let p: Vec<char> = src.chars().collect();
    let mut map = Vec::with_capacity(src.len() + 8);
    let mut from = 0;
    // With a global (?m) flag, `$` already means "before a newline or at the end".
    let multiline =
        src.starts_with("(?") && src[2..].split(')').next().is_some_and(|f| f.contains('m'));
    let mut out = String::with_capacity(src.len() + 8);
    let mut i = 0;
    let mut in_class = false;
    let mut class_start = false;
    while i < p.len() {
        map.resize(out.len(), from);
        from = i;
        let c = p[i];
        i += 1;
        if c == '\\' {
            match p.get(i) {
                Some('Z') => out.push_str("\\z"),
                // Python's `\<` and `\>` are the characters; the engine's are word boundaries.
                Some(&n @ ('<' | '>')) => out.push(n),
                Some(&n) => {
                    out.push('\\');
                    out.push(n);
                }
                None => out.push_str("\\\\"),
            }
            i += 1;
            class_start = false;
            continue;
        }
        if in_class {
            match c {
                ']' if !class_start => in_class = false,
                '[' | '&' | '~' => {
                    out.push('\\');
                    out.push(c);
                    class_start = false;
                    continue;
                }
                '-' if p.get(i) == Some(&'-') => {
                    out.push_str("\\-");
                    class_start = false;
                    continue;
                }
                '^' if class_start => {
                    out.push('^');
                    // `[^]...]`: the `]` right after `^` is still literal.
                    continue;
                }
                _ => {}
            }
            class_start = false;
            out.push(c);
            continue;
        }
        match c {
            '[' => {
                in_class = true;
                class_start = true;
                out.push('[');
            }
            '$' if !multiline => out.push_str("(?=\\n?\\z)"),
            '{' => {
                // A `{` that does not start a quantifier is a literal in Python.
                let rest: String = p[i..].iter().take(40).collect();
                match quantifier_len(&rest) {
                    Some((len, fixed)) => {
                        out.push('{');
                        out.push_str(&fixed);
                        i += len;
                    }
                    None => out.push_str("\\{"),
                }
            }
            '}' => out.push_str("\\}"),
            c => out.push(c),
        }
    }
    map.resize(out.len(), from);
    map.push(p.len());
    (out, map)
}

/// If `rest` (the text after `{`) is a quantifier body `m}`, `m,}`, `m,n}`
/// or `,n}`, its length and the body to emit (with `,n` made `0,n`).
fn quantifier_len(rest: &str) -> Option<(usize, String)> {
    let end = rest.find('}')?;
    let body = &rest[..end];
    let (a, b) = match body.split_once(',') {
        Some((a, b)) => (a, Some(b)),
        None => (body, None),
    };
    let digits = |s: &str| s.chars().all(|c| c.is_ascii_digit());
    if !digits(a) || !b.is_none_or(digits) || (a.is_empty() && b.is_none_or(str::is_empty)) {
        return None;
    }
    let fixed = if a.is_empty() {
        format!("0{body}}}")
    } else {
        format!("{body}}}")
    };
    Some((end + 1, fixed))
}
