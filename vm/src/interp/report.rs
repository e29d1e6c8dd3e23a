//! Runtime error reports: what failed, in which flow, line and column, and the job.

use jfc_compiler::span::LineIndex;

use crate::process::Process;
use crate::value::Error;

/// `flow:line:column` of the instruction that is running.
pub(crate) fn location(p: &Process) -> String {
    let Some(frame) = p.frames.last() else {
        return String::from("?");
    };
    let chunk = &frame.code.chunk;
    let span = chunk.span_at(frame.pc.saturating_sub(1));
    let (line, col) = LineIndex::new(&chunk.source).line_col(&chunk.source, span.start as usize);
    format!("{}:{line}:{col}", chunk.name)
}

/// The report written to stderr when a process aborts.
pub(crate) fn error_report(p: &Process, e: &Error) -> String {
    let mut out = format!("error: {}\n  --> {}", e.message, location(p));
    if let Some(frame) = p.frames.last() {
        let chunk = &frame.code.chunk;
        if let Some(span) = chunk.jobs.get(p.job as usize) {
            let text = chunk.source.get(span.range()).unwrap_or("");
            let first = text.lines().next().unwrap_or("");
            out.push_str(&format!("\n   | in job: {first}"));
        }
    }
    for frame in p.frames.iter().rev().skip(1) {
        let chunk = &frame.code.chunk;
        let span = chunk.span_at(frame.pc.saturating_sub(1));
        let (line, col) =
            LineIndex::new(&chunk.source).line_col(&chunk.source, span.start as usize);
        out.push_str(&format!("\n   = called from {}:{line}:{col}", chunk.name));
    }
    out.push_str(&format!("\n   = process {} aborted", p.pid));
    out
}
