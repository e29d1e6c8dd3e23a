//! Parsing: text to tree plus every syntax error (never fails).

mod hints;
mod rewrite;

use lalrpop_util::{lalrpop_mod, ErrorRecovery, ParseError};
use num_bigint::BigInt;

use crate::ast::{BinaryOp, Expr, ExprKind, Program};
use crate::diagnostics::{Code, Diagnostic};
use crate::lexer::{self, LexErrorKind, Token};
use crate::span::Span;

lalrpop_mod!(
    #[allow(clippy::all, clippy::pedantic, unused_parens)]
    grammar
);

/// The lexer hands the parser no errors (it records them itself); this type has no values.
#[derive(Clone, Debug, PartialEq)]
pub enum Void {}

/// The tree and the diagnostics of the lexer and parser.
pub struct Parsed {
    pub program: Program,
    pub diagnostics: Vec<Diagnostic>,
}

/// Parse a whole jobflow, recovering from errors.
pub fn parse(text: &str) -> Parsed {
    let (tokens, mut diagnostics) = parser_tokens(text);
    let mut recovered = Vec::new();
    let end = text.len();
    let result =
        grammar::ProgramParser::new().parse(&mut recovered, tokens.into_iter().map(Ok::<_, Void>));
    let program = match result {
        Ok(p) if recovered.is_empty() => p,
        result => {
            // The hints look at the tokens around an error. They are made again here
            // (the same way) rather than copied before parsing: a copy of the tokens of
            // a long flow costs more than lexing it again, and most flows have no error.
            let (context, _) = parser_tokens(text);
            let closers = closers(&context);
            for r in recovered {
                diagnostics.push(syntax_diagnostic(r, end, &closers, &context));
            }
            match result {
                Ok(p) => p,
                Err(e) => {
                    diagnostics.push(syntax_diagnostic(
                        ErrorRecovery {
                            error: e,
                            dropped_tokens: vec![],
                        },
                        end,
                        &closers,
                        &context,
                    ));
                    Program {
                        params: vec![],
                        body: None,
                        dialect: Default::default(),
                    }
                }
            }
        }
    };
    diagnostics.sort_by_key(|d| d.span.start);
    Parsed {
        program,
        diagnostics,
    }
}

/// The tokens the parser reads (`&&` and `||` rewritten), and the diagnostics of the
/// lexer and of the rewrites.
fn parser_tokens(text: &str) -> (Vec<lexer::Spanned<'_>>, Vec<Diagnostic>) {
    let text_without_bom = text.strip_prefix('\u{feff}');
    let offset = if text_without_bom.is_some() { 3 } else { 0 };
    let (mut tokens, mut lex_errors) = lexer::lex(text_without_bom.unwrap_or(text));
    for t in &mut tokens {
        t.0 += offset;
        t.2 += offset;
    }
    for e in &mut lex_errors {
        e.span = Span::new(e.span.start as usize + offset, e.span.end as usize + offset);
    }
    let mut diagnostics = Vec::new();
    rewrite::double_ampersands(text, &mut tokens, &mut lex_errors, &mut diagnostics);
    rewrite::double_bars(&mut tokens, &mut diagnostics);
    diagnostics.extend(
        lex_errors
            .into_iter()
            .map(|e| lex_diagnostic(e.kind, e.span, text)),
    );
    (tokens, diagnostics)
}

/// Where each token ends and whether it closes a job, to explain a missing connector
/// after one.
fn closers(tokens: &[lexer::Spanned<'_>]) -> Vec<(usize, bool)> {
    tokens
        .iter()
        .map(|(_, t, e)| {
            (
                *e,
                matches!(
                    t,
                    Token::RParen | Token::RBracket | Token::RBrace | Token::Gt
                ),
            )
        })
        .collect()
}

fn lex_diagnostic(kind: LexErrorKind, span: Span, text: &str) -> Diagnostic {
    match kind {
        LexErrorKind::IllegalChar => {
            let c = text
                .get(span.range())
                .and_then(|s| s.chars().next())
                .unwrap_or('?');
            let d = Diagnostic::new(
                Code::Lexical,
                span,
                format!("illegal character {c:?} (U+{:04X})", c as u32),
            )
            .label("not allowed here");
            match c {
                '\u{a0}' | '\u{3000}' | '\u{2000}'..='\u{200b}' => {
                    d.help("this is a special space character; use an ordinary space")
                }
                ';' => {
                    d.help("jobs are joined with connectors (`->`, `=>`, `->>`, `=>>`), not `;`")
                }
                '!' => d.help("use `not` for negation, `!=` for inequality"),
                '&' => d.help("use `and` for logical and"),
                _ => d,
            }
        }
        LexErrorKind::UnclosedString => {
            Diagnostic::new(Code::Lexical, span, "unclosed string literal")
                .label("this string is not closed on its line")
                .help("close it with the same quote; use ''' or \"\"\" for text over several lines")
        }
        LexErrorKind::UnclosedPattern => {
            Diagnostic::new(Code::Lexical, span, "unclosed pattern literal")
                .label("this pattern is not closed on its line")
        }
        LexErrorKind::BadBinary(msg) => Diagnostic::new(Code::Lexical, span, msg)
            .label("in this binary literal")
            .help("write other bytes as escapes such as \\x00 or \\377"),
    }
}

fn syntax_diagnostic(
    r: ErrorRecovery<usize, Token<'_>, Void>,
    end: usize,
    closers: &[(usize, bool)],
    context: &[lexer::Spanned<'_>],
) -> Diagnostic {
    match r.error {
        ParseError::UnrecognizedToken {
            token: (l, tok, rr),
            expected,
        } => {
            let at = context.partition_point(|t| t.0 < l);
            if at < context.len() && context[at].0 == l {
                if let Some(d) = hints::hint(context, at, &expected) {
                    return d;
                }
            }
            // Did the token just before close a job?
            let i = closers.partition_point(|&(e, _)| e <= l);
            let after_job = i > 0 && closers[i - 1].1;
            unexpected(&tok, Span::new(l, rr), &expected, after_job)
        }
        ParseError::ExtraToken {
            token: (l, tok, rr),
        } => Diagnostic::new(
            Code::Syntax,
            Span::new(l, rr),
            format!("unexpected {}", describe(&tok)),
        ),
        ParseError::UnrecognizedEof { location, expected } => {
            let at = Span::new(location.min(end), location.min(end));
            Diagnostic::new(Code::Syntax, at, "the flow ends too early")
                .label(format!("expected {}", expected_text(&expected)))
        }
        ParseError::InvalidToken { location } => Diagnostic::new(
            Code::Syntax,
            Span::new(location, location + 1),
            "invalid token",
        ),
        ParseError::User { error } => match error {},
    }
}

fn unexpected(tok: &Token<'_>, span: Span, expected: &[String], after_job: bool) -> Diagnostic {
    let has = |t: &str| expected.iter().any(|e| e == t);
    let d = Diagnostic::new(Code::Syntax, span, format!("unexpected {}", describe(tok)));
    let job_start = matches!(
        tok,
        Token::LBracket
            | Token::LBrace
            | Token::Lt
            | Token::Ident(_)
            | Token::Break
            | Token::Continue
    );
    // Inside a block the parser may have closed the flow already and wants only `}`.
    let flow_ended = after_job && (expected.is_empty() || has("\"}\""));
    if (has("\"->\"") || flow_ended) && job_start {
        return d
            .label("a new job starts here without a connector")
            .help("join jobs with a connector: `->`, `=>`, `->>` or `=>>`");
    }
    if let Some(kw) = keyword_text(tok) {
        if has("IDENT") {
            return d
                .label(format!("expected {}", expected_text(expected)))
                .help(format!(
                    "`{kw}` is a reserved word and cannot be used as a name"
                ));
        }
    }
    if let Token::Special(_) = tok {
        if has("IDENT") {
            return d
                .label("a status variable cannot be assigned")
                .help("status variables like $RESULT are read-only");
        }
    }
    d.label(format!("expected {}", expected_text(expected)))
}

/// A readable summary of what the parser would have accepted.
fn expected_text(expected: &[String]) -> String {
    const OPERANDS: &[&str] = &[
        "IDENT", "SPECIAL", "PATH", "INT", "FLOAT", "STRING", "BINARY", "PATTERN", "\"true\"",
    ];
    let mut items: Vec<String> = Vec::new();
    if OPERANDS
        .iter()
        .filter(|o| expected.iter().any(|e| e == *o))
        .count()
        >= 3
    {
        items.push("an expression".into());
    }
    if expected.iter().any(|e| e == "\"->\"") {
        items.push("a connector".into());
    }
    for e in expected {
        let shown = match e.as_str() {
            "IDENT" if items.is_empty() => "a name".to_string(),
            "IDENT" | "SPECIAL" | "PATH" | "INT" | "FLOAT" | "STRING" | "BINARY" | "PATTERN" => {
                continue
            }
            "\"->\"" | "\"=>\"" | "\"->>\"" | "\"=>>\""
                if items.iter().any(|i| i == "a connector") =>
            {
                continue
            }
            s if items.iter().any(|i| i == "an expression")
                && matches!(
                    s,
                    "\"true\""
                        | "\"false\""
                        | "\"null\""
                        | "\"(\""
                        | "\"[\""
                        | "\"{\""
                        | "\"-\""
                        | "\"+\""
                        | "\"not\""
                        | "\"/\""
                ) =>
            {
                continue
            }
            s => format!("`{}`", s.trim_matches('"')),
        };
        if !items.contains(&shown) {
            items.push(shown);
        }
    }
    match items.len() {
        0 => "something else".into(),
        1 => items.remove(0),
        n if n > 6 => format!("{} or one of {} other tokens", items[..5].join(", "), n - 5),
        _ => {
            let last = items.pop().unwrap_or_default();
            format!("{} or {}", items.join(", "), last)
        }
    }
}

fn keyword_text(tok: &Token<'_>) -> Option<&'static str> {
    use Token::*;
    Some(match tok {
        And => "and",
        Break => "break",
        Case => "case",
        Choice => "choice",
        Continue => "continue",
        Elif => "elif",
        Else => "else",
        False => "false",
        For => "for",
        Fork => "fork",
        If => "if",
        In => "in",
        Not => "not",
        Null => "null",
        Or => "or",
        Pfor => "pfor",
        Session => "session",
        Then => "then",
        True => "true",
        Try => "try",
        While => "while",
        _ => return None,
    })
}

/// How a token is named in a message.
pub fn describe(tok: &Token<'_>) -> String {
    use Token::*;
    if let Some(kw) = keyword_text(tok) {
        return format!("keyword `{kw}`");
    }
    match tok {
        Ident(s) => format!("name `{s}`"),
        Special(s) => format!("`${s}`"),
        Path(s) => format!("object path `{s}`"),
        Int(s) | Float(s) => format!("number `{s}`"),
        Str(_) => "string literal".into(),
        Bytes(_) => "binary literal".into(),
        Pattern(_) => "pattern literal".into(),
        other => format!("`{}`", symbol(other)),
    }
}

fn symbol(tok: &Token<'_>) -> &'static str {
    use Token::*;
    match tok {
        Plus => "+",
        Minus => "-",
        Star => "*",
        Slash => "/",
        Percent => "%",
        Lt => "<",
        Gt => ">",
        Le => "<=",
        Ge => ">=",
        EqEq => "==",
        Ne => "!=",
        Match => "=~",
        NotMatch => "!~",
        Arrow => "->",
        FatArrow => "=>",
        ArrowArrow => "->>",
        FatArrowArrow | GtFatArrowArrow => "=>>",
        GtFatArrow => "=>",
        LParen => "(",
        RParen => ")",
        LBrace => "{",
        RBrace => "}",
        LBracket => "[",
        RBracket => "]",
        Bar => "|",
        Comma => ",",
        Dot => ".",
        Colon => ":",
        Assign => "=",
        Shr => ">>",
        Shl => "<<",
        Question => "?",
        QuestionQuestion => "??",
        StarStar => "**",
        _ => "?",
    }
}

pub(crate) fn int_literal(text: &str) -> BigInt {
    text.parse().unwrap_or_default()
}

pub(crate) fn float_literal(text: &str) -> f64 {
    text.parse().unwrap_or(f64::NAN)
}

pub(crate) fn binary(op: BinaryOp, a: Expr, b: Expr, l: usize, r: usize) -> Expr {
    Expr {
        kind: ExprKind::Binary(op, Box::new(a), Box::new(b)),
        span: Span::new(l, r),
    }
}
