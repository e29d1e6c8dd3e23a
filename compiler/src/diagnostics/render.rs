//! Human rendering with ariadne: source excerpt, labelled spans, help line, and a note
//! naming the command that explains the code.

use ariadne::{Color, Config, Label, Report, ReportKind, Source};

use super::{Diagnostic, Severity};

/// Render one diagnostic; `color` only when writing to a terminal.
pub fn render(d: &Diagnostic, file: &str, text: &str, color: bool) -> String {
    let kind = match d.severity {
        Severity::Error => ReportKind::Error,
        Severity::Warning => ReportKind::Warning,
    };
    let main_color = match d.severity {
        Severity::Error => Color::Red,
        Severity::Warning => Color::Yellow,
    };
    // Spans come from the lexer on character boundaries; snap anyway, a report must never panic.
    let snap = |mut i: usize| {
        i = i.min(text.len());
        while !text.is_char_boundary(i) {
            i -= 1;
        }
        i
    };
    let clamp = |r: std::ops::Range<usize>| {
        let end = snap(r.end);
        snap(r.start).min(end)..end
    };
    let label = if d.label.is_empty() {
        d.message.clone()
    } else {
        d.label.clone()
    };
    let mut report = Report::build(kind, (file, clamp(d.span.range())))
        .with_config(
            Config::default()
                .with_color(color)
                .with_index_type(ariadne::IndexType::Byte),
        )
        .with_code(d.code.as_str())
        .with_message(&d.message)
        .with_label(
            Label::new((file, clamp(d.span.range())))
                .with_message(label)
                .with_color(main_color),
        );
    for (span, note) in &d.notes {
        report = report.with_label(
            Label::new((file, clamp(span.range())))
                .with_message(note)
                .with_color(Color::Blue),
        );
    }
    if let Some(help) = &d.help {
        report = report.with_help(help);
    }
    report = report.with_note(explain_note(d));
    let mut out = Vec::new();
    if report
        .finish()
        .write((file, Source::from(text)), &mut out)
        .is_err()
    {
        return format!("{}[{}]: {}\n", kind, d.code.as_str(), d.message);
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Where to read more about the code of `d`.
pub fn explain_note(d: &Diagnostic) -> String {
    format!("`jfc explain {}` explains this code", d.code.as_str())
}
