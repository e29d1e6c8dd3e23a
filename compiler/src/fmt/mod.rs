//! The formatter: the canonical layout of a jobflow (`jfc fmt`).
//!
//! [`format`] parses the text, lays the tree out again and re-inserts every
//! comment. It refuses a file with syntax errors, and it checks its own output
//! (same tree, same comments) before handing it back, so a formatter bug can
//! never damage a file: it becomes an error instead.
//!
//! # The canonical layout
//!
//! - Lines are at most 100 columns where the layout can choose; indentation is
//!   4 spaces; no trailing blanks; the file ends with one line feed; a leading
//!   U+FEFF is kept.
//! - Parameter declarations come one per line at the top: `|name|`, `|name = 1|`.
//! - A jobflow expression puts each job on its own line, the connector leading the
//!   line of the job it leads to: `job` / `-> job` / `=> job`.
//! - Blocks that hold one flow (simple, short `if`, `for`, `while`, `pfor`,
//!   `session`, `try`) stay on one line when they fit and contain no other block:
//!   `{ if $STATUS != 0 | print('x') }`, `{ a = 1 | print(a) -> print(a) }`.
//!   Otherwise the header stays on the first line, the flow goes below, indented
//!   by 4, one job a line, and `}` closes on its own line.
//! - Long `if`, `case`, `fork` and `choice` are always broken: one `then:`/`elif`/
//!   `else:` clause, case clause or branch per line. A clause's flow stays on the
//!   clause's line when it fits (a lone block always does, and breaks by its own
//!   rules); otherwise it goes below the clause, indented, one job a line. A
//!   fork/choice branch that does not fit puts one job a line at the branch's
//!   indentation (a new branch is the line that does not start with a connector).
//! - Expressions: one space around binary, comparison and logical operators and
//!   after commas and dictionary colons; none inside brackets; `name = value` in
//!   bindings (assignment jobs, block headers, dictionaries, parameters) but
//!   `name=value` for keyword arguments of calls, execution and event jobs;
//!   `*a`, `**d`; event jobs as `<c ?? g: timeout=1>`. Parentheses are kept as
//!   written, none are added. Argument lists, arrays, dictionaries and assignment
//!   lists that do not fit break one item a line, indented, the closing
//!   delimiter on its own line.
//! - Literals (strings, binaries, numbers, patterns) are copied from the source
//!   text: quoting, escapes and number spelling survive exactly, so a
//!   triple-quoted string keeps its line breaks and its lines are not indented.
//! - Comments keep their place: a comment that followed code on its line still
//!   follows the same code (after a job, the job; after a connector, the job before
//!   it, since the connector moves to the next line); a comment on its own line
//!   stays on its own line before what followed it, at that code's indentation.
//!   A comment inside a group breaks that group.
//! - Blank lines: one or more blank lines between two items (parameters, jobs,
//!   clauses, branches, comments) become exactly one; none are kept right after an
//!   opening (file start, block header) or before a closing `}`.

mod build;
pub(crate) mod depth;
mod doc;
mod exprs;
mod jobs;

use serde_json::Value;

use crate::ast::Program;
use crate::diagnostics::{Code, Diagnostic};
use crate::lexer::comments::comments;
use crate::parse::parse;
use crate::span::Span;

/// Trees nested deeper than this are refused rather than risk the stack.
const MAX_DEPTH: usize = 1000;

/// The stack of the formatting thread: layout recurses once per tree level.
const STACK_BYTES: usize = 64 << 20;

/// The canonical layout of a jobflow, or the syntax errors that prevent it.
pub fn format(text: &str) -> Result<String, Vec<Diagnostic>> {
    // A thread of our own gives deep (but accepted) trees a stack that is
    // known to be big enough, whatever thread the caller runs on.
    std::thread::scope(|scope| {
        let worker = std::thread::Builder::new()
            .stack_size(STACK_BYTES)
            .spawn_scoped(scope, || format_here(text));
        match worker {
            Ok(handle) => handle
                .join()
                .unwrap_or_else(|_| Err(internal("it stopped on an internal error"))),
            Err(_) => Err(internal("it could not start a thread")),
        }
    })
}

fn format_here(text: &str) -> Result<String, Vec<Diagnostic>> {
    let parsed = parse(text);
    if !parsed.diagnostics.is_empty() {
        return Err(parsed.diagnostics);
    }
    if depth::depth(&parsed.program) > MAX_DEPTH {
        return Err(vec![Diagnostic::new(
            Code::Syntax,
            Span::new(0, 0),
            format!(
                "this flow nests more than {MAX_DEPTH} levels deep; jfc fmt leaves it as it is"
            ),
        )]);
    }
    let (bom, body) = match text.strip_prefix('\u{feff}') {
        Some(rest) => ("\u{feff}", rest),
        None => ("", text),
    };
    // Spans of a text with a BOM count it; lay out the text without it.
    let program = if bom.is_empty() {
        parsed.program
    } else {
        parse(body).program
    };
    let mut builder = build::Builder::new(body);
    let laid_out = doc::print(&builder.program(&program));
    let output = format!("{bom}{laid_out}");
    verify(text, &program, &output)?;
    Ok(output)
}

fn internal(what: &str) -> Vec<Diagnostic> {
    vec![Diagnostic::new(
        Code::Syntax,
        Span::new(0, 0),
        format!("the formatter cannot lay out this file: {what} (a bug in jfc fmt)"),
    )
    .label("the file was left unchanged")]
}

/// Refuse output that does not mean exactly what the input meant.
fn verify(input: &str, program: &Program, output: &str) -> Result<(), Vec<Diagnostic>> {
    let again = parse(output);
    let problem = if !again.diagnostics.is_empty() {
        Some("its output does not parse")
    } else if !same_tree(program, &again.program) {
        Some("its output parses to a different tree")
    } else if comment_texts(input) != comment_texts(output) {
        Some("its output lost or changed a comment")
    } else {
        None
    };
    match problem {
        None => Ok(()),
        Some(what) => Err(internal(what)),
    }
}

fn comment_texts(text: &str) -> Vec<&str> {
    comments(text)
        .into_iter()
        .map(|(_, t)| t.trim_end())
        .collect()
}

/// Whether two trees are the same apart from their spans.
pub fn same_tree(a: &Program, b: &Program) -> bool {
    tree_without_spans(a) == tree_without_spans(b)
}

/// The serde form of a tree with every span replaced by `null`.
pub fn tree_without_spans(program: &Program) -> Value {
    let mut value = serde_json::to_value(program).unwrap_or(Value::Null);
    erase_spans(&mut value);
    value
}

fn erase_spans(v: &mut Value) {
    match v {
        Value::Object(map) => {
            let is_span = map.len() == 2
                && map.get("start").is_some_and(Value::is_number)
                && map.get("end").is_some_and(Value::is_number);
            if is_span {
                *v = Value::Null;
            } else {
                map.values_mut().for_each(erase_spans);
            }
        }
        Value::Array(items) => items.iter_mut().for_each(erase_spans),
        _ => {}
    }
}
