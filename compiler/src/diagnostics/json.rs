//! `--format json`: one object per line, positions 1-based.

use serde::Serialize;

use super::{Diagnostic, Severity};
use crate::span::LineIndex;

#[derive(Serialize)]
struct JsonDiagnostic<'a> {
    code: &'a str,
    severity: Severity,
    message: &'a str,
    file: &'a str,
    line: usize,
    column: usize,
    end_line: usize,
    end_column: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    help: Option<&'a str>,
}

/// The JSON line of one diagnostic.
pub fn to_json_line(d: &Diagnostic, file: &str, text: &str, index: &LineIndex) -> String {
    let (line, column) = index.line_col(text, d.span.start as usize);
    let (end_line, end_column) = index.line_col(text, d.span.end as usize);
    let j = JsonDiagnostic {
        code: d.code.as_str(),
        severity: d.severity,
        message: &d.message,
        file,
        line,
        column,
        end_line,
        end_column,
        help: d.help.as_deref(),
    };
    serde_json::to_string(&j).unwrap_or_default()
}
