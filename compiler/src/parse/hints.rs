//! Syntax errors that teach: common mistakes (habits from other languages, the
//! wrong form of an `if`) are recognised from the tokens around the error, and the
//! message names the fix instead of listing the tokens the grammar expected.

use crate::diagnostics::{Code, Diagnostic};
use crate::lexer::{Spanned, Token};
use crate::span::Span;

/// A message for the unexpected token `tokens[at]`, when it is a known mistake.
pub fn hint(tokens: &[Spanned<'_>], at: usize, expected: &[String]) -> Option<Diagnostic> {
    let (l, tok, r) = &tokens[at];
    let span = Span::new(*l, *r);
    let prev = at.checked_sub(1).map(|i| &tokens[i]);
    let expects = |t: &str| expected.iter().any(|e| e == t);
    match tok {
        Token::Assign if expects("\"==\"") => Some(single_equals(span)),
        Token::If if matches!(prev, Some((_, Token::Else, _))) => {
            let else_start = prev.map_or(*l, |p| p.0);
            Some(else_if(Span::new(else_start, *r)))
        }
        Token::Else | Token::Elif if in_short_if(tokens, at) => Some(short_if_branch(tok, span)),
        Token::If if expects("INT") => Some(if_expression(span)),
        // Python's `1 if a else 2`: an `if` right after a value.
        Token::If if prev.is_some_and(|p| ends_value(&p.1)) => {
            Some(if_expression(span).label("Python's `x if cond else y` is not jobflow"))
        }
        // C's `a ? 1 : 2`.
        Token::Question if !expects("\"?\"") && prev.is_some_and(|p| ends_value(&p.1)) => {
            Some(conditional_operator(span))
        }
        t if block_keyword(t).is_some() && expects("\"{\"") && expects("\"break\"") => {
            block_keyword(t).map(|(word, example)| bare_block(word, example, span))
        }
        Token::Ident(name) => exponent_without_dot(tokens, at, name),
        _ => None,
    }
}

fn single_equals(span: Span) -> Diagnostic {
    Diagnostic::new(Code::Syntax, span, "`=` assigns; to compare, write `==`")
        .label("write `==` here")
        .help("a condition compares with `==`: `{ if x == 1 | ... }`")
}

fn else_if(span: Span) -> Diagnostic {
    Diagnostic::new(Code::Syntax, span, "`else if` is written `elif`")
        .label("write `elif` here")
        .help("`{ if a | then: ... elif b: ... else: ... }`")
}

fn short_if_branch(tok: &Token<'_>, span: Span) -> Diagnostic {
    let word = if matches!(tok, Token::Else) {
        "else"
    } else {
        "elif"
    };
    Diagnostic::new(
        Code::Syntax,
        span,
        format!("the short `if` has no `{word}`: the long form needs `then:`"),
    )
    .label(format!("`{word}` without `then:`"))
    .help("write `{ if cond | then: ... elif cond: ... else: ... }`")
}

fn if_expression(span: Span) -> Diagnostic {
    Diagnostic::new(Code::Syntax, span, "there is no `if` expression")
        .label("an expression cannot start with `if`")
        .help("choose with an if block: `{ if a | then: [x = 1] else: [x = 2] }`")
}

fn conditional_operator(span: Span) -> Diagnostic {
    Diagnostic::new(
        Code::Syntax,
        span,
        "there is no `? :` conditional expression",
    )
    .label("C's `cond ? x : y` is not jobflow")
    .help("choose with an if block: `{ if a | then: [x = 1] else: [x = 2] }`")
}

/// Whether a token can be the last one of a value (so that what follows it continues
/// an expression).
fn ends_value(tok: &Token<'_>) -> bool {
    matches!(
        tok,
        Token::Int(_)
            | Token::Float(_)
            | Token::Str(_)
            | Token::Ident(_)
            | Token::Special(_)
            | Token::Path(_)
            | Token::True
            | Token::False
            | Token::Null
            | Token::RParen
            | Token::RBracket
    )
}

fn bare_block(word: &str, example: &str, span: Span) -> Diagnostic {
    Diagnostic::new(
        Code::Syntax,
        span,
        format!(
            "{} `{word}` block must be wrapped in `{{ }}`",
            article(word)
        ),
    )
    .label("wrap this block in `{ }`")
    .help(format!("write `{example}`"))
}

/// "an" before a word that starts with a vowel sound (`if`), "a" before the others.
fn article(word: &str) -> &'static str {
    if word.starts_with(['a', 'e', 'i', 'o', 'u']) {
        "an"
    } else {
        "a"
    }
}

/// `1e16` or `1e+16`: an integer, then a name that reads like an exponent (and
/// for a signed exponent, the sign and the digits), all side by side.
fn exponent_without_dot(tokens: &[Spanned<'_>], at: usize, name: &str) -> Option<Diagnostic> {
    let (start, Token::Int(digits), int_end) = tokens.get(at.checked_sub(1)?)? else {
        return None;
    };
    let (name_start, _, mut end) = tokens[at];
    let exponent = name.strip_prefix(['e', 'E'])?;
    if *int_end != name_start || !exponent.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let mut written = format!("{digits}{name}");
    if exponent.is_empty() {
        // `1e+16` lexes as `1` `e` `+` `16`.
        let sign = match tokens.get(at + 1) {
            Some((l, Token::Plus, r)) if *l == end => ('+', *r),
            Some((l, Token::Minus, r)) if *l == end => ('-', *r),
            _ => return None,
        };
        let Some((l, Token::Int(power), r)) = tokens.get(at + 2) else {
            return None;
        };
        if *l != sign.1 {
            return None;
        }
        written = format!("{written}{}{power}", sign.0);
        end = *r;
    }
    let fixed = format!("{digits}.0{}", &written[digits.len()..]);
    Some(
        Diagnostic::new(
            Code::Syntax,
            Span::new(*start, end),
            format!("`{written}` is not a number: a float needs a dot"),
        )
        .label("not a number")
        .help(format!("write `{fixed}`")),
    )
}

/// The words that open a block, with an example of the block.
fn block_keyword(tok: &Token<'_>) -> Option<(&'static str, &'static str)> {
    Some(match tok {
        Token::For => ("for", "{ for x in items | ... }"),
        Token::While => ("while", "{ while cond | ... }"),
        Token::If => ("if", "{ if cond | ... }"),
        Token::Case => ("case", "{ case x | 1: ... else: ... }"),
        Token::Fork => ("fork", "{ fork | flow1 flow2 }"),
        Token::Pfor => ("pfor", "{ pfor x in items | ... }"),
        Token::Choice => ("choice", "{ choice | <ch1> -> ... <ch2> -> ... }"),
        Token::Session => ("session", "{ session s | ... }"),
        Token::Try => ("try", "{ try | ... }"),
        _ => return None,
    })
}

/// Is `tokens[at]` inside a short `if` block (`{ if cond | flow`, no `then:`)?
fn in_short_if(tokens: &[Spanned<'_>], at: usize) -> bool {
    let Some(open) = innermost_open_brace(tokens, at) else {
        return false;
    };
    if !matches!(tokens.get(open + 1), Some((_, Token::If, _))) {
        return false;
    }
    // The first `|` of the block at its own level ends the condition.
    let mut depth = 0i32;
    for i in open + 1..at.min(open + LOOK_BACK) {
        match tokens[i].1 {
            Token::LBrace | Token::LBracket | Token::LParen => depth += 1,
            Token::RBrace | Token::RBracket | Token::RParen => depth -= 1,
            Token::Bar if depth == 0 => {
                return !matches!(tokens.get(i + 1), Some((_, Token::Then, _)));
            }
            _ => {}
        }
    }
    false
}

/// How far back a hint looks for the block it is in (keeps many errors linear).
const LOOK_BACK: usize = 4096;

/// The `{` that is still open at `tokens[at]`.
fn innermost_open_brace(tokens: &[Spanned<'_>], at: usize) -> Option<usize> {
    let mut depth = 0usize;
    for i in (at.saturating_sub(LOOK_BACK)..at).rev() {
        match tokens[i].1 {
            Token::RBrace => depth += 1,
            Token::LBrace if depth == 0 => return Some(i),
            Token::LBrace => depth -= 1,
            _ => {}
        }
    }
    None
}
