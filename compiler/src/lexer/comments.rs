//! Comments with their spans, for tools that keep them (the formatter).
//!
//! The main lexer skips comments. Rather than teach a second scanner the literal
//! rules of §1.7 (a `#` inside a string, binary or pattern is not a comment), this
//! pass lexes the text with the real lexer and looks for comments only in the gaps
//! between tokens, where nothing but blanks and comments can be.

use super::lex;
use crate::span::Span;

/// Every comment of `text`, in order: its span (from `#` up to, not including, the
/// line feed) and its text (with the `#`). A leading U+FEFF is skipped as the parser
/// does, and spans count from the start of `text` including it.
pub fn comments(text: &str) -> Vec<(Span, &str)> {
    let offset = if text.starts_with('\u{feff}') { 3 } else { 0 };
    let body = &text[offset..];
    let (tokens, _) = lex(body);
    let mut found = Vec::new();
    let mut gap_start = 0;
    for (start, _, end) in &tokens {
        in_gap(body, gap_start, *start, offset, &mut found);
        gap_start = gap_start.max(*end);
    }
    in_gap(body, gap_start, body.len(), offset, &mut found);
    found
}

/// Collect the comments of `body[from..to]`, a stretch with no token in it.
fn in_gap<'t>(
    body: &'t str,
    from: usize,
    to: usize,
    offset: usize,
    found: &mut Vec<(Span, &'t str)>,
) {
    let Some(gap) = body.get(from..to) else {
        return;
    };
    let mut at = 0;
    while let Some(hash) = gap[at..].find('#') {
        let start = at + hash;
        let len = gap[start..].find('\n').unwrap_or(gap.len() - start);
        let span = Span::new(offset + from + start, offset + from + start + len);
        found.push((span, &gap[start..start + len]));
        at = start + len;
    }
}
