//! `&&` and `||` written for `and` and `or`: one clear error each, and the parser
//! goes on as if `and`/`or` had been written, so nothing else is reported there.

use crate::diagnostics::{Code, Diagnostic};
use crate::lexer::{LexError, LexErrorKind, Spanned, Token};
use crate::span::Span;

fn operator_error(span: Span, written: &str, word: &str) -> Diagnostic {
    Diagnostic::new(
        Code::Syntax,
        span,
        format!("`{written}` is not a jobflow operator; write `{word}`"),
    )
    .label(format!("write `{word}` here"))
    .help(format!(
        "the logical operators are words: `a {word} b` (and `not a`)"
    ))
}

/// Replace each `&&` (two illegal characters side by side) by an `and` token.
pub fn double_ampersands(
    text: &str,
    tokens: &mut Vec<Spanned<'_>>,
    errors: &mut Vec<LexError>,
    out: &mut Vec<Diagnostic>,
) {
    let is_amp =
        |e: &LexError| e.kind == LexErrorKind::IllegalChar && text.get(e.span.range()) == Some("&");
    let mut kept = Vec::with_capacity(errors.len());
    let mut i = 0;
    let mut added = false;
    while i < errors.len() {
        let pair = errors.get(i + 1).filter(|next| {
            is_amp(&errors[i]) && is_amp(next) && next.span.start == errors[i].span.end
        });
        if let Some(next) = pair {
            let span = errors[i].span.to(next.span);
            tokens.push((span.start as usize, Token::And, span.end as usize));
            out.push(operator_error(span, "&&", "and"));
            added = true;
            i += 2;
        } else {
            kept.push(errors[i].clone());
            i += 1;
        }
    }
    *errors = kept;
    if added {
        tokens.sort_by_key(|t| t.0);
    }
}

/// Replace each `||` (two bars side by side) after the parameter declarations by an
/// `or` token: there a `|` can never follow another `|` directly.
pub fn double_bars(tokens: &mut Vec<Spanned<'_>>, out: &mut Vec<Diagnostic>) {
    let mut i = parameters_end(tokens);
    let mut dropped = Vec::new();
    while i + 1 < tokens.len() {
        let (l, r) = (&tokens[i], &tokens[i + 1]);
        if matches!(l.1, Token::Bar) && matches!(r.1, Token::Bar) && l.2 == r.0 {
            let end = r.2;
            out.push(operator_error(Span::new(l.0, end), "||", "or"));
            tokens[i] = (tokens[i].0, Token::Or, end);
            dropped.push(i + 1);
            i += 2;
        } else {
            i += 1;
        }
    }
    // `dropped` is sorted: walk it alongside the tokens.
    let (mut index, mut next) = (0, dropped.iter().peekable());
    tokens.retain(|_| {
        let drop = next.next_if_eq(&&index).is_some();
        index += 1;
        !drop
    });
}

/// The index of the first token after the parameter declarations `|name ...|` that
/// open a program (a default value never contains `|`).
fn parameters_end(tokens: &[Spanned<'_>]) -> usize {
    let mut i = 0;
    while matches!(tokens.get(i), Some((_, Token::Bar, _))) {
        match tokens[i + 1..]
            .iter()
            .position(|t| matches!(t.1, Token::Bar))
        {
            Some(close) => i += close + 2,
            None => return tokens.len(),
        }
    }
    i
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lexer::lex;

    #[test]
    fn parameters_keep_their_bars() {
        let (mut tokens, _) = lex("|a||b = 1|\n{ if a||b | [] }");
        let mut out = Vec::new();
        double_bars(&mut tokens, &mut out);
        assert_eq!(out.len(), 1, "only the `||` after the parameters");
        assert_eq!(out[0].span, Span::new(17, 19));
        assert_eq!(tokens.iter().filter(|t| t.1 == Token::Or).count(), 1);
    }
}
