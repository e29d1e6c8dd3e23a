//! What a flow says about itself, for `jfc doc`: the comment it starts with and its
//! parameters, each with its default as written and the comment after it on its line.
//!
//! ```text
//! # Restart a service and check that it recovers.   <- the flow's doc
//! |service|                  # the unit to restart  <- a parameter with no default
//! |tries = 3|                # how many looks       <- default `3`
//!                            # more about tries     <- goes on the line above
//! ```
//!
//! Comments come from the same pass the formatter uses ([`crate::lexer::comments`]), so
//! a `#` inside a string is never taken for one.

use serde::Serialize;

use crate::diagnostics::Diagnostic;
use crate::lexer::comments::comments;
use crate::span::Span;

/// The documentation of one flow.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct FlowDoc {
    /// The comment lines before the first parameter or job, without their `#`; an empty
    /// line between two runs of them is kept as an empty line (a paragraph break).
    pub doc: String,
    pub params: Vec<ParamDoc>,
}

/// One `|name = default|` declaration.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ParamDoc {
    pub name: String,
    /// The default expression exactly as the flow writes it; None: the caller must give it.
    pub default: Option<String>,
    /// The comment after the declaration on the same line, without its `#`.
    pub comment: Option<String>,
}

/// The documentation of the flow `text`; its syntax errors when it does not parse.
pub fn flow_doc(text: &str) -> Result<FlowDoc, Vec<Diagnostic>> {
    let parsed = crate::parse::parse(text);
    if !parsed.diagnostics.is_empty() {
        return Err(parsed.diagnostics);
    }
    let all = comments(text);
    let params = parsed
        .program
        .params
        .iter()
        .map(|p| ParamDoc {
            name: p.name.name.clone(),
            default: p.default.as_ref().map(|_| default_as_written(text, p)),
            comment: trailing_comment(text, p.span, &all),
        })
        .collect();
    Ok(FlowDoc {
        doc: leading_doc(text, &all),
        params,
    })
}

/// The text between `=` and the closing `|` of a declaration that has a default (taken
/// from the source, not the tree, so parentheses and spacing inside stay as written).
fn default_as_written(text: &str, p: &crate::ast::Param) -> String {
    let inside = &text[p.name.span.range().end..p.span.range().end - 1];
    inside.trim().trim_start_matches('=').trim().to_string()
}

/// The comment that starts on the line where `span` ends, after it, with the comment
/// lines right below it (each alone on its line, no empty line between) as its
/// continuation.
fn trailing_comment(text: &str, span: Span, all: &[(Span, &str)]) -> Option<String> {
    let after = span.range().end;
    let first = all.iter().position(|(c, _)| {
        let start = c.range().start;
        start >= after && !text[after..start].contains('\n')
    })?;
    let mut lines = vec![strip(all[first].1)];
    let mut end = all[first].0.range().end;
    for (c, body) in &all[first + 1..] {
        let gap = &text[end..c.range().start];
        if gap.matches('\n').count() != 1 || !gap.trim().is_empty() {
            break;
        }
        lines.push(strip(body));
        end = c.range().end;
    }
    Some(lines.join(" "))
}

/// The comments with nothing but blanks before them: the flow's own description. A
/// first line `#!...` (an interpreter line) is not part of it.
fn leading_doc(text: &str, all: &[(Span, &str)]) -> String {
    let mut lines: Vec<&str> = Vec::new();
    let mut end = if text.starts_with('\u{feff}') { 3 } else { 0 };
    for (span, body) in all {
        let gap = &text[end..span.range().start];
        if !gap.trim().is_empty() {
            break;
        }
        end = span.range().end;
        if gap.is_empty() && body.starts_with("#!") {
            continue;
        }
        if !lines.is_empty() && gap.matches('\n').count() > 1 {
            lines.push("");
        }
        lines.push(strip(body));
    }
    lines.join("\n")
}

/// A comment's text without its `#` and the one blank after it, and without trailing blanks.
fn strip(comment: &str) -> &str {
    let body = comment.strip_prefix('#').unwrap_or(comment);
    body.strip_prefix(' ').unwrap_or(body).trim_end()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn param(name: &str, default: Option<&str>, comment: Option<&str>) -> ParamDoc {
        ParamDoc {
            name: name.into(),
            default: default.map(Into::into),
            comment: comment.map(Into::into),
        }
    }

    #[test]
    fn doc_parameters_defaults_and_their_comments() {
        let text = "# Restart a service.\n# Then check it.\n|service| # the unit\n|tries = 3|   # how many looks\n|mail_to = []|\n\nprint(service)\n";
        let doc = flow_doc(text).expect("parses");
        assert_eq!(doc.doc, "Restart a service.\nThen check it.");
        assert_eq!(
            doc.params,
            vec![
                param("service", None, Some("the unit")),
                param("tries", Some("3"), Some("how many looks")),
                param("mail_to", Some("[]"), None),
            ]
        );
    }

    #[test]
    fn a_parameter_comment_goes_on_in_the_comment_lines_below_it() {
        let text = "|alert| # {service, host}, as posted\n    # (host null: this machine)\n|b = 1|\n\n# not about b\nprint(b)\n";
        let doc = flow_doc(text).expect("parses");
        assert_eq!(
            doc.params,
            vec![
                param(
                    "alert",
                    None,
                    Some("{service, host}, as posted (host null: this machine)")
                ),
                param("b", Some("1"), None),
            ]
        );
    }

    #[test]
    fn defaults_are_kept_as_written() {
        let text = "|channel = /system/channels/Alert|\n|n = ( 1 + 2 )|\n|s = '# not a comment'|\n|d = {a = 1, b = 'x|y'}|\nprint(n)\n";
        let doc = flow_doc(text).expect("parses");
        let defaults: Vec<_> = doc.params.iter().map(|p| p.default.as_deref()).collect();
        assert_eq!(
            defaults,
            vec![
                Some("/system/channels/Alert"),
                Some("( 1 + 2 )"),
                Some("'# not a comment'"),
                Some("{a = 1, b = 'x|y'}"),
            ]
        );
        assert!(doc.params.iter().all(|p| p.comment.is_none()));
        assert_eq!(doc.doc, "");
    }

    #[test]
    fn a_flow_without_doc_or_parameters() {
        let doc = flow_doc("print('hello')\n# a comment after the first job is not the doc\n")
            .expect("parses");
        assert_eq!(doc, FlowDoc::default());
    }

    #[test]
    fn comments_on_their_own_line_belong_to_no_parameter() {
        let text = "# Doc.\n\n# Second paragraph.\n|a = 1|\n# about b, but not on its line\n|b = 2|\nprint(a + b)\n";
        let doc = flow_doc(text).expect("parses");
        assert_eq!(doc.doc, "Doc.\n\nSecond paragraph.");
        assert_eq!(
            doc.params,
            vec![param("a", Some("1"), None), param("b", Some("2"), None)]
        );
    }

    #[test]
    fn an_interpreter_line_and_a_bom_are_not_the_doc() {
        let doc = flow_doc("\u{feff}#!/usr/bin/env jfc run\n# Says hi.\n|x = 1|\nprint(x)\n")
            .expect("parses");
        assert_eq!(doc.doc, "Says hi.");
        assert_eq!(doc.params, vec![param("x", Some("1"), None)]);
    }

    #[test]
    fn a_flow_that_does_not_parse_gives_its_errors() {
        let errors = flow_doc("|a = |\nprint(a\n").expect_err("syntax errors");
        assert!(!errors.is_empty());
    }
}
