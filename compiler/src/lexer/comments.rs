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

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(text: &str) -> Vec<&str> {
        comments(text).into_iter().map(|(_, t)| t).collect()
    }

    #[test]
    fn hashes_inside_literals_are_not_comments() {
        let src = "print('# no', \"#\", b'#', r'#'i, '''\n# no\n''') # yes\n# also\n";
        assert_eq!(texts(src), vec!["# yes", "# also"]);
    }

    #[test]
    fn spans_point_at_the_hash() {
        let src = "\u{feff}[] # c\n#d";
        let found = comments(src);
        assert_eq!(found.len(), 2);
        for (span, text) in found {
            assert_eq!(&src[span.range()], text);
        }
    }

    #[test]
    fn comment_at_end_without_newline() {
        assert_eq!(texts("[]#x"), vec!["#x"]);
        assert_eq!(texts("#only"), vec!["#only"]);
        assert!(texts("").is_empty());
    }
}
