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
            out.push_str(&format!("\n   | in job: {}", without_secrets(first)));
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

/// `text` with the String literals given to `__password__` and `__passphrase__` masked:
/// a trace shows the job `[__password__ = '***']`, never the secret written in it.
pub(crate) fn without_secrets(text: &str) -> std::borrow::Cow<'_, str> {
    const SECRETS: [&str; 2] = ["__password__", "__passphrase__"];
    if !SECRETS.iter().any(|s| text.contains(s)) {
        return std::borrow::Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some((at, name)) = SECRETS
        .iter()
        .filter_map(|s| rest.find(s).map(|i| (i, *s)))
        .min()
    {
        let after = at + name.len();
        out.push_str(&rest[..after]);
        rest = &rest[after..];
        let value = rest.trim_start_matches([' ', '\t', '=']);
        let skipped = rest.len() - value.len();
        let assigned = rest[..skipped].contains('=');
        let Some(quote) = value
            .chars()
            .next()
            .filter(|c| assigned && (*c == '\'' || *c == '"'))
        else {
            continue;
        };
        let end = value[1..].find(quote).map_or(value.len(), |i| i + 2);
        out.push_str(&rest[..skipped]);
        out.push(quote);
        out.push_str("***");
        out.push(quote);
        rest = &value[end..];
    }
    out.push_str(rest);
    std::borrow::Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::without_secrets;

    #[test]
    fn secrets_written_in_a_job_are_masked() {
        assert_eq!(
            without_secrets("[__user__ = 'ops', __password__ = 'hunter2', __passphrase__=\"x y\"]"),
            "[__user__ = 'ops', __password__ = '***', __passphrase__=\"***\"]"
        );
        assert_eq!(
            without_secrets("['echo __password__']"),
            "['echo __password__']"
        );
        assert_eq!(
            without_secrets("[__password__ = pw]"),
            "[__password__ = pw]"
        );
        assert_eq!(
            without_secrets("[__password__ = 'open"),
            "[__password__ = '***'"
        );
    }
}
