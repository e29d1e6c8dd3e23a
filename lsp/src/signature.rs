//! Signature help: inside the parentheses of a built-in's call, its parameters with the
//! one being written marked; inside `[./flow: ...]`, the called flow's parameters.

use jfc_compiler::builtins;
use tower_lsp::lsp_types::{
    ParameterInformation, ParameterLabel, SignatureHelp, SignatureInformation,
};

/// The call being written at byte `offset`: what is called, and how many arguments
/// come before the cursor.
#[derive(Debug, PartialEq)]
pub enum Call<'a> {
    /// `name(` ...
    Builtin(&'a str, u32),
    /// `[./path:` ...
    Flow(&'a str, u32),
}

/// Find the innermost open `(` or `[` before `offset` that a call opens, skipping
/// strings and closed brackets.
pub fn call_at(text: &str, offset: usize, dialect: builtins::Dialect) -> Option<Call<'_>> {
    let before = &text[..offset.min(text.len())];
    let mut depth = 0i32;
    let mut commas = 0u32;
    let mut quote: Option<char> = None;
    // Outside strings, walking back from the cursor.
    let chars: Vec<(usize, char)> = before.char_indices().collect();
    for &(i, c) in chars.iter().rev() {
        if let Some(q) = quote {
            if c == q {
                quote = None;
            }
            continue;
        }
        match c {
            '\'' | '"' => quote = Some(c),
            ')' | ']' | '}' => depth += 1,
            '(' | '[' | '{' if depth > 0 => depth -= 1,
            ',' if depth == 0 => commas += 1,
            '(' => {
                let name = ident_before(before, i)?;
                return builtins::lookup_in(name, dialect).map(|_| Call::Builtin(name, commas));
            }
            '[' => {
                let inside = &before[i + 1..];
                let (path, _) = inside.split_once(':')?;
                let path = path.trim();
                return (path.starts_with("./") || path.starts_with("../"))
                    .then_some(Call::Flow(path, commas));
            }
            _ => {}
        }
    }
    None
}

fn ident_before(text: &str, end: usize) -> Option<&str> {
    let start = text[..end]
        .char_indices()
        .rev()
        .take_while(|(_, c)| c.is_alphanumeric() || *c == '_')
        .last()
        .map(|(i, _)| i)?;
    Some(&text[start..end])
}

/// The help for a built-in's call.
pub fn builtin_help(name: &str, active: u32, dialect: builtins::Dialect) -> Option<SignatureHelp> {
    let b = builtins::get(builtins::lookup_in(name, dialect)?);
    let params: Vec<String> = b.params.iter().map(|p| p.to_string()).collect();
    Some(help(
        b.signature(),
        Some(b.doc.to_string()),
        &params,
        active,
    ))
}

/// The help for a call of a flow with parameters `params` (as `name` or `name = default`).
pub fn flow_help(path: &str, params: &[String], active: u32) -> SignatureHelp {
    let label = format!("[{path}: {}]", params.join(", "));
    help(label, None, params, active)
}

fn help(label: String, doc: Option<String>, params: &[String], active: u32) -> SignatureHelp {
    let parameters = params
        .iter()
        .map(|p| ParameterInformation {
            label: ParameterLabel::Simple(p.clone()),
            documentation: None,
        })
        .collect();
    SignatureHelp {
        signatures: vec![SignatureInformation {
            label,
            documentation: doc.map(tower_lsp::lsp_types::Documentation::String),
            parameters: Some(parameters),
            active_parameter: Some(active),
        }],
        active_signature: Some(0),
        active_parameter: Some(active),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn call(text: &str) -> Option<Call<'_>> {
        call_at(text, text.len(), builtins::Dialect::Flow)
    }

    #[test]
    fn the_call_being_written_and_its_argument_are_found() {
        assert_eq!(call("print('a, b', "), Some(Call::Builtin("print", 1)));
        assert_eq!(
            call("urlopen(url=f(x, y), "),
            Some(Call::Builtin("urlopen", 1))
        );
        assert_eq!(call("[./restart: host, "), Some(Call::Flow("./restart", 1)));
        assert_eq!(call("[x = length("), Some(Call::Builtin("length", 0)));
        assert_eq!(call("[x = 1] -> print(x) -> "), None);
        assert_eq!(call("myfn("), None);
    }
}
