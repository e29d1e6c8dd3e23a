//! The lexer (language.md §1), written with logos.
//!
//! logos recognises the fixed tokens and the openers of quoted literals; the
//! callbacks in this file scan the rest of a literal with [`cook`]. The lexer
//! never stops at bad input: problems are collected as [`LexError`]s and the
//! token stream goes on, so the parser can report everything in one run.

pub mod comments;
pub mod cook;

use logos::{Lexer, Logos};

use crate::span::Span;
use cook::Scan;

/// The kind letter of a pattern literal.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum PatKind {
    Regex,
    Glob,
    Exact,
}

impl PatKind {
    pub fn letter(self) -> char {
        match self {
            PatKind::Regex => 'r',
            PatKind::Glob => 'g',
            PatKind::Exact => 'e',
        }
    }
}

/// A problem found by the lexer.
#[derive(Clone, Debug, PartialEq)]
pub struct LexError {
    pub span: Span,
    pub kind: LexErrorKind,
}

#[derive(Clone, Debug, PartialEq, Default)]
pub enum LexErrorKind {
    /// A character that starts no token.
    #[default]
    IllegalChar,
    UnclosedString,
    UnclosedPattern,
    BadBinary(String),
}

/// Errors found inside literals while the token itself could still be produced.
#[derive(Default)]
pub struct Extras {
    pub errors: Vec<LexError>,
}

#[derive(Logos, Clone, Debug, PartialEq)]
#[logos(skip r"[ \t\r\n\x0c]+")]
#[logos(skip(r"#[^\n]*", allow_greedy = true))]
#[logos(extras = Extras)]
#[logos(error = LexErrorKind)]
pub enum Token<'s> {
    #[token("and")]
    And,
    #[token("break")]
    Break,
    #[token("case")]
    Case,
    #[token("choice")]
    Choice,
    #[token("continue")]
    Continue,
    #[token("elif")]
    Elif,
    #[token("else")]
    Else,
    #[token("false")]
    False,
    #[token("for")]
    For,
    #[token("fork")]
    Fork,
    #[token("if")]
    If,
    #[token("in")]
    In,
    #[token("not")]
    Not,
    #[token("null")]
    Null,
    #[token("or")]
    Or,
    #[token("pfor")]
    Pfor,
    #[token("session")]
    Session,
    #[token("then")]
    Then,
    #[token("true")]
    True,
    #[token("try")]
    Try,
    #[token("while")]
    While,

    #[regex(r"[^\W0-9]\w*", |lex| lex.slice())]
    Ident(&'s str),
    #[regex(r"\$[^\W0-9]\w*", |lex| &lex.slice()[1..])]
    Special(&'s str),
    #[regex(r"(/|\./|\.\./)(\./|\.\./|[^\W0-9]\w*/)*(\./|\.\./|[^\W0-9]\w*)", |lex| lex.slice())]
    #[regex(r"\./|\.\./", |lex| lex.slice())]
    Path(&'s str),

    #[regex(r"[0-9]+", |lex| lex.slice())]
    Int(&'s str),
    #[regex(r"[0-9]+\.[0-9]*([eE][+-]?[0-9]+)?", |lex| lex.slice())]
    Float(&'s str),
    #[regex(r#"'|""#, string_single)]
    #[regex(r#"'''|""""#, string_triple)]
    Str(String),
    #[regex(r#"b'|b""#, binary_single)]
    #[regex(r#"b'''|b""""#, binary_triple)]
    Bytes(Vec<u8>),
    #[regex(r#"[rge]['"]"#, pattern)]
    Pattern((PatKind, String, bool)),

    #[token("+")]
    Plus,
    #[token("-")]
    Minus,
    #[token("*")]
    Star,
    #[token("/")]
    Slash,
    #[token("%")]
    Percent,
    #[token("<")]
    Lt,
    #[token(">")]
    Gt,
    #[token("<=")]
    Le,
    #[token(">=")]
    Ge,
    #[token("==")]
    EqEq,
    #[token("!=")]
    Ne,
    #[token("=~")]
    Match,
    #[token("!~")]
    NotMatch,
    #[token("->")]
    Arrow,
    #[token("=>")]
    FatArrow,
    #[token("->>")]
    ArrowArrow,
    #[token("=>>")]
    FatArrowArrow,
    /// `>=>`: by §1.8 `>=` is not recognised before `>`; split into `>` `=>` by [`lex`].
    #[token(">=>")]
    GtFatArrow,
    /// `>=>>`: split into `>` `=>>` by [`lex`].
    #[token(">=>>")]
    GtFatArrowArrow,
    #[token("(")]
    LParen,
    #[token(")")]
    RParen,
    #[token("{")]
    LBrace,
    #[token("}")]
    RBrace,
    #[token("[")]
    LBracket,
    #[token("]")]
    RBracket,
    #[token("|")]
    Bar,
    #[token(",")]
    Comma,
    #[token(".")]
    Dot,
    #[token(":")]
    Colon,
    #[token("=")]
    Assign,
    #[token(">>")]
    Shr,
    #[token("<<")]
    Shl,
    #[token("?")]
    Question,
    #[token("??")]
    QuestionQuestion,
    #[token("**")]
    StarStar,
}

fn record<'s>(lex: &mut Lexer<'s, Token<'s>>, offset: usize, len: usize, kind: LexErrorKind) {
    let start = lex.span().start + offset;
    lex.extras.errors.push(LexError {
        span: Span::new(start, start + len.max(1)),
        kind,
    });
}

/// Scan a literal whose opener logos matched; returns the body, or records `unclosed`.
fn scan_body<'s>(lex: &mut Lexer<'s, Token<'s>>, triple: bool, unclosed: LexErrorKind) -> &'s str {
    let rest = lex.remainder();
    let quote = lex.slice().chars().last().unwrap_or('\'');
    let scan = if triple {
        cook::scan_triple(rest, quote)
    } else {
        cook::scan_single(rest, quote)
    };
    match scan {
        Scan::Closed { body, len } => {
            lex.bump(len);
            &rest[..body]
        }
        Scan::Unclosed { len } => {
            lex.bump(len);
            let opener = lex.slice().len() - len;
            record(lex, 0, opener, unclosed);
            &rest[..len]
        }
    }
}

fn string_single<'s>(lex: &mut Lexer<'s, Token<'s>>) -> String {
    cook::cook_string(scan_body(lex, false, LexErrorKind::UnclosedString))
}

fn string_triple<'s>(lex: &mut Lexer<'s, Token<'s>>) -> String {
    cook::cook_string(scan_body(lex, true, LexErrorKind::UnclosedString))
}

fn binary<'s>(lex: &mut Lexer<'s, Token<'s>>, triple: bool) -> Vec<u8> {
    let opener = lex.slice().len();
    let body = scan_body(lex, triple, LexErrorKind::UnclosedString);
    if triple && body.contains('\n') {
        let at = body.find('\n').unwrap_or(0);
        record(
            lex,
            opener + at,
            1,
            LexErrorKind::BadBinary("a binary literal cannot span lines".into()),
        );
    }
    match cook::cook_binary(body) {
        Ok(bytes) => bytes,
        Err(e) => {
            // The span covers the whole offending character, never half of it.
            let width = body
                .get(e.offset..)
                .and_then(|s| s.chars().next())
                .map_or(1, char::len_utf8);
            record(
                lex,
                opener + e.offset,
                width,
                LexErrorKind::BadBinary(e.message),
            );
            Vec::new()
        }
    }
}

fn binary_single<'s>(lex: &mut Lexer<'s, Token<'s>>) -> Vec<u8> {
    binary(lex, false)
}

fn binary_triple<'s>(lex: &mut Lexer<'s, Token<'s>>) -> Vec<u8> {
    binary(lex, true)
}

fn pattern<'s>(lex: &mut Lexer<'s, Token<'s>>) -> (PatKind, String, bool) {
    let kind = match lex.slice().as_bytes()[0] {
        b'r' => PatKind::Regex,
        b'g' => PatKind::Glob,
        _ => PatKind::Exact,
    };
    // Backslash is not an escape in patterns: the body is kept as written.
    let body = scan_body(lex, false, LexErrorKind::UnclosedPattern).to_string();
    let icase = lex.remainder().starts_with('i');
    if icase {
        lex.bump(1);
    }
    (kind, body, icase)
}

/// A token with its byte span.
pub type Spanned<'s> = (usize, Token<'s>, usize);

/// Lex a whole text: the tokens and every lexical error.
pub fn lex(text: &str) -> (Vec<Spanned<'_>>, Vec<LexError>) {
    let mut lexer = Token::lexer(text);
    let mut tokens = Vec::new();
    let mut errors = Vec::new();
    while let Some(tok) = lexer.next() {
        let span = lexer.span();
        match tok {
            Ok(Token::GtFatArrow) => {
                tokens.push((span.start, Token::Gt, span.start + 1));
                tokens.push((span.start + 1, Token::FatArrow, span.end));
            }
            Ok(Token::GtFatArrowArrow) => {
                tokens.push((span.start, Token::Gt, span.start + 1));
                tokens.push((span.start + 1, Token::FatArrowArrow, span.end));
            }
            Ok(tok) => tokens.push((span.start, tok, span.end)),
            Err(kind) => errors.push(LexError {
                span: Span::new(span.start, span.end),
                kind,
            }),
        }
    }
    errors.append(&mut lexer.extras.errors);
    errors.sort_by_key(|e| e.span.start);
    (tokens, errors)
}

#[cfg(test)]
mod tests;
