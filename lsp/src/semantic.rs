//! Semantic tokens: what each token of a flow is, for the editor's colours where a
//! grammar cannot tell — a built-in from a variable, a parameter from a variable, a
//! control variable. Comments are left to the editor's grammar.

use jfc_compiler::builtins::Dialect;
use jfc_compiler::lexer::{lex, Token};
use tower_lsp::lsp_types::{
    SemanticToken, SemanticTokenModifier, SemanticTokenType, SemanticTokensLegend,
};

use crate::position::Lines;

/// The token types, in the order their indexes name them.
const TYPES: [SemanticTokenType; 9] = [
    SemanticTokenType::KEYWORD,
    SemanticTokenType::FUNCTION,
    SemanticTokenType::VARIABLE,
    SemanticTokenType::PARAMETER,
    SemanticTokenType::NAMESPACE,
    SemanticTokenType::NUMBER,
    SemanticTokenType::STRING,
    SemanticTokenType::REGEXP,
    SemanticTokenType::OPERATOR,
];

/// Built-ins, status and control variables are the language's own.
const DEFAULT_LIBRARY: u32 = 1;

pub fn legend() -> SemanticTokensLegend {
    SemanticTokensLegend {
        token_types: TYPES.to_vec(),
        token_modifiers: vec![SemanticTokenModifier::DEFAULT_LIBRARY],
    }
}

/// The index of `t` in [`TYPES`].
fn index(t: SemanticTokenType) -> u32 {
    TYPES.iter().position(|x| *x == t).unwrap_or(0) as u32
}

/// The type and modifiers of `token`; None for punctuation.
fn classify(
    token: &Token<'_>,
    parameters: &[String],
    dialect: Dialect,
) -> Option<(SemanticTokenType, u32)> {
    use Token as T;
    Some(match token {
        T::Ident(name) if jfc_compiler::builtins::lookup_in(name, dialect).is_some() => {
            (SemanticTokenType::FUNCTION, DEFAULT_LIBRARY)
        }
        T::Ident(name) if name.starts_with("__") && name.ends_with("__") => {
            (SemanticTokenType::VARIABLE, DEFAULT_LIBRARY)
        }
        T::Ident(name) if parameters.iter().any(|p| p == name) => (SemanticTokenType::PARAMETER, 0),
        T::Ident(_) => (SemanticTokenType::VARIABLE, 0),
        T::Special(_) => (SemanticTokenType::VARIABLE, DEFAULT_LIBRARY),
        T::Path(_) => (SemanticTokenType::NAMESPACE, 0),
        T::Int(_) | T::Float(_) => (SemanticTokenType::NUMBER, 0),
        T::Str(_) | T::Bytes(_) => (SemanticTokenType::STRING, 0),
        T::Pattern(_) => (SemanticTokenType::REGEXP, 0),
        T::Arrow
        | T::FatArrow
        | T::ArrowArrow
        | T::FatArrowArrow
        | T::GtFatArrow
        | T::GtFatArrowArrow
        | T::Shr
        | T::Shl => (SemanticTokenType::OPERATOR, 0),
        T::And
        | T::Break
        | T::Case
        | T::Choice
        | T::Continue
        | T::Elif
        | T::Else
        | T::False
        | T::For
        | T::Fork
        | T::If
        | T::In
        | T::Not
        | T::Null
        | T::Or
        | T::Pfor
        | T::Session
        | T::Then
        | T::True
        | T::Try
        | T::While => (SemanticTokenType::KEYWORD, 0),
        _ => return None,
    })
}

/// The tokens of `text`, encoded as LSP wants them (each relative to the one before);
/// a token over several lines (a triple-quoted string) is one token per line. The
/// built-ins are those of `dialect` (a test's include `mock_command`...).
pub fn tokens(text: &str, parameters: &[String], dialect: Dialect) -> Vec<SemanticToken> {
    let lines = Lines::new(text);
    let (lexed, _) = lex(text);
    let mut out = Vec::new();
    let (mut line, mut col) = (0u32, 0u32);
    for (start, token, end) in &lexed {
        let Some((kind, modifiers)) = classify(token, parameters, dialect) else {
            continue;
        };
        let mut from = *start;
        for piece in text[*start..*end].split_inclusive('\n') {
            let to = from + piece.trim_end_matches('\n').len();
            let at = lines.position(from);
            let length = text[from..to].encode_utf16().count() as u32;
            if length > 0 {
                let delta_line = at.line - line;
                let delta_start = if delta_line == 0 {
                    at.character - col
                } else {
                    at.character
                };
                out.push(SemanticToken {
                    delta_line,
                    delta_start,
                    length,
                    token_type: index(kind.clone()),
                    token_modifiers_bitset: modifiers,
                });
                (line, col) = (at.line, at.character);
            }
            from += piece.len();
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_token_is_told_apart_and_placed_relative_to_the_last() {
        let text = "|host|\nprint($RESULT, host, x) -> [__user__ = 'a']";
        let got: Vec<(u32, u32, u32, u32, u32)> = tokens(text, &["host".into()], Dialect::Flow)
            .iter()
            .map(|t| {
                (
                    t.delta_line,
                    t.delta_start,
                    t.length,
                    t.token_type,
                    t.token_modifiers_bitset,
                )
            })
            .collect();
        assert_eq!(
            got,
            [
                (0, 1, 4, 3, 0),  // host: parameter
                (1, 0, 5, 1, 1),  // print: built-in
                (0, 6, 7, 2, 1),  // $RESULT: status variable
                (0, 9, 4, 3, 0),  // host
                (0, 6, 1, 2, 0),  // x: variable
                (0, 3, 2, 8, 0),  // ->
                (0, 4, 8, 2, 1),  // __user__: control variable
                (0, 11, 3, 6, 0), // 'a'
            ]
        );
    }

    #[test]
    fn the_built_ins_of_tests_are_functions_in_a_test_only() {
        let kind = |dialect| tokens("mock_command('uptime')", &[], dialect)[0].token_type;
        assert_eq!(kind(Dialect::Test), index(SemanticTokenType::FUNCTION));
        assert_eq!(kind(Dialect::Flow), index(SemanticTokenType::VARIABLE));
    }
}
