//! The compiler's diagnostics as LSP diagnostics: the range of the primary span, the
//! code with a link to its explanation, the label and help in the message, the notes
//! as related information.

mod links;

use jfc_compiler::diagnostics::{Diagnostic, Severity};
use tower_lsp::lsp_types::{
    self as lsp, CodeDescription, DiagnosticRelatedInformation, DiagnosticSeverity, Location,
    NumberOrString, Url,
};

use crate::position::Lines;

pub fn to_lsp(uri: &Url, text: &str, found: &[Diagnostic]) -> Vec<lsp::Diagnostic> {
    let lines = Lines::new(text);
    found.iter().map(|d| one(uri, &lines, d)).collect()
}

fn one(uri: &Url, lines: &Lines<'_>, d: &Diagnostic) -> lsp::Diagnostic {
    let mut message = d.message.clone();
    if !d.label.is_empty() && d.label != d.message {
        message = format!("{message}: {}", d.label);
    }
    if let Some(help) = &d.help {
        message = format!("{message}\nhelp: {help}");
    }
    let related: Vec<DiagnosticRelatedInformation> = d
        .notes
        .iter()
        .map(|(span, text)| DiagnosticRelatedInformation {
            location: Location::new(
                uri.clone(),
                lines.range(span.start as usize, span.end as usize),
            ),
            message: text.clone(),
        })
        .collect();
    lsp::Diagnostic {
        range: lines.range(d.span.start as usize, d.span.end as usize),
        severity: Some(match d.severity {
            Severity::Error => DiagnosticSeverity::ERROR,
            Severity::Warning => DiagnosticSeverity::WARNING,
        }),
        code: Some(NumberOrString::String(d.code.as_str().into())),
        code_description: links::explanation(d.code)
            .map(|href| CodeDescription { href: href.clone() }),
        source: Some("jfc".into()),
        message,
        related_information: (!related.is_empty()).then_some(related),
        ..lsp::Diagnostic::default()
    }
}
