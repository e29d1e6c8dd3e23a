//! Quick fixes: where a diagnostic names the one thing that was meant ("did you mean
//! `timeout`?" for a misspelt option, `$RESULT` for `$RESLT`, a variable of the flow or
//! the quoted string for an undefined name, a built-in for an unknown one), the fix is
//! to write it instead; an undefined name may also be declared a parameter. Structural
//! fixes mend the shape of the flow: a connector where one is missing, `==` for `=`
//! in a condition, the removal of jobs that can never run.

use std::ops::RangeInclusive;

use jfc_compiler::ast::visit::{self, Visitor};
use jfc_compiler::ast::{Expr, Flow, Program};
use jfc_compiler::diagnostics::{Code, Diagnostic};
use jfc_compiler::span::Span;
use jfc_compiler::Analysis;

/// The labels of the parser's diagnostics that a structural fix answers.
const NO_CONNECTOR: &str = "a new job starts here without a connector";
const ASSIGN_FOR_COMPARE: &str = "write `==` here";

/// An edit that fixes a diagnostic: the byte range to replace, the text, and what the
/// editor shows.
pub struct Fix {
    pub start: usize,
    pub end: usize,
    pub text: String,
    pub title: String,
    /// The fix to apply when the editor applies one without asking.
    pub preferred: bool,
}

impl Fix {
    /// `text` with the fix applied.
    pub fn apply(&self, text: &str) -> String {
        format!("{}{}{}", &text[..self.start], self.text, &text[self.end..])
    }
}

/// How a text is analysed: as the document it is (its file's dialect and the checks of
/// the files beside it), so that the fixes answer the diagnostics the editor shows.
pub type Analyse<'a> = &'a dyn Fn(&str) -> Analysis;

/// The fixes of `d` in `analysis`, the analysis of `text`: the suggested name, for an
/// undefined name also declaring it a parameter of the flow, and the structural fixes
/// that leave the flow better (checked by analysing the fixed text with `analyse`).
fn fixes(text: &str, analysis: &Analysis, d: &Diagnostic, analyse: Analyse<'_>) -> Vec<Fix> {
    let mut found: Vec<Fix> = fix(text, d).into_iter().collect();
    if d.code == Code::UndefinedName {
        found.push(declare(text, &analysis.program, d));
    }
    found.extend(
        structural(text, &analysis.program, d)
            .into_iter()
            .filter(|f| improves(text, analysis, d.code, f, analyse)),
    );
    found
}

/// The diagnostics of `text`, as `analyse` finds them, that touch byte range `wanted`,
/// each with its fixes.
pub fn fixes_within(
    text: &str,
    wanted: RangeInclusive<usize>,
    analyse: Analyse<'_>,
) -> Vec<(Diagnostic, Vec<Fix>)> {
    let analysis = analyse(text);
    analysis
        .diagnostics
        .iter()
        .filter(|d| {
            let span = d.span.start as usize..=d.span.end as usize;
            span.start() <= wanted.end() && wanted.start() <= span.end()
        })
        .map(|d| (d.clone(), fixes(text, &analysis, d, analyse)))
        .collect()
}

fn declare(text: &str, program: &Program, d: &Diagnostic) -> Fix {
    let name = &text[d.span.start as usize..d.span.end as usize];
    let (at, declaration) = match program.params.last() {
        Some(last) => (last.span.end as usize, format!("\n|{name}|")),
        None => (0, format!("|{name}|\n")),
    };
    Fix {
        start: at,
        end: at,
        text: declaration,
        title: format!("Declare `{name}` as a parameter of the flow"),
        preferred: false,
    }
}

fn structural(text: &str, program: &Program, d: &Diagnostic) -> Vec<Fix> {
    match d.code {
        Code::Syntax if d.label == NO_CONNECTOR => connectors(text, d),
        Code::Syntax if d.label == ASSIGN_FOR_COMPARE => compare(text, d).into_iter().collect(),
        Code::UnreachableJob => unreachable(program, d).into_iter().collect(),
        _ => Vec::new(),
    }
}

/// Whether `fix` leaves fewer problems of `code` in `text` and, for a fix found by
/// the checks, no more errors. (A syntax fix lets the checks that need a whole tree
/// run, which may find errors the syntax error hid: those are not the fix's.)
fn improves(text: &str, before: &Analysis, code: Code, fix: &Fix, analyse: Analyse<'_>) -> bool {
    let after = analyse(&fix.apply(text));
    let count = |a: &Analysis, which: &dyn Fn(&Diagnostic) -> bool| {
        a.diagnostics.iter().filter(|d| which(d)).count()
    };
    let of_code = |d: &Diagnostic| d.code == code;
    count(&after, &of_code) < count(before, &of_code)
        && (code == Code::Syntax
            || count(&after, &Diagnostic::is_error) <= count(before, &Diagnostic::is_error))
}

/// ` ->` (or, not preferred, ` ->>`) after the token before the job that `d` says
/// starts without a connector: that token ends the job before it.
fn connectors(text: &str, d: &Diagnostic) -> Vec<Fix> {
    // The parser skips a leading byte-order mark; spans count it.
    let bom = if text.starts_with('\u{feff}') { 3 } else { 0 };
    let (tokens, _) = jfc_compiler::lexer::lex(&text[bom..]);
    let start = d.span.start as usize;
    let Some(at) = tokens
        .iter()
        .map(|(_, _, end)| bom + end)
        .take_while(|&end| end <= start)
        .last()
    else {
        return Vec::new();
    };
    [("->", true), ("->>", false)]
        .into_iter()
        .map(|(connector, preferred)| Fix {
            start: at,
            end: at,
            text: format!(" {connector}"),
            title: format!("Join the jobs with `{connector}`"),
            preferred,
        })
        .collect()
}

/// `==` for the `=` that `d` points at in a condition.
fn compare(text: &str, d: &Diagnostic) -> Option<Fix> {
    let (start, end) = (d.span.start as usize, d.span.end as usize);
    (text.get(start..end)? == "=").then(|| Fix {
        start,
        end,
        text: "==".into(),
        title: "Compare with `==`".into(),
        preferred: true,
    })
}

/// Remove the job `d` says can never run, and every job after it in its flow (none
/// of them can run either), with the connector that leads to them.
fn unreachable(program: &Program, d: &Diagnostic) -> Option<Fix> {
    let mut finder = FlowOf {
        job: d.span,
        found: None,
    };
    visit::walk_program(&mut finder, program);
    let flow = finder.found?;
    let i = flow.steps.iter().position(|s| s.job.span == d.span)?;
    let before = &flow.steps[i.checked_sub(1)?].job;
    let last = &flow.steps.last()?.job;
    let title = match flow.steps.len() - i {
        1 => "Remove the job that can never run".to_string(),
        n => format!("Remove the {n} jobs that can never run"),
    };
    Some(Fix {
        start: before.span.end as usize,
        end: last.span.end as usize,
        text: String::new(),
        title,
        preferred: true,
    })
}

/// Finds the flow that has a job at `job`.
struct FlowOf<'a> {
    job: Span,
    found: Option<&'a Flow>,
}

impl<'a> Visitor<'a> for FlowOf<'a> {
    fn visit_flow(&mut self, flow: &'a Flow) {
        if flow.steps.iter().any(|s| s.job.span == self.job) {
            self.found = Some(flow);
        } else if self.found.is_none() {
            visit::walk_flow(self, flow);
        }
    }

    /// Flows are in jobs, not in expressions.
    fn visit_expr(&mut self, _: &'a Expr) {}
}

fn fix(text: &str, d: &Diagnostic) -> Option<Fix> {
    if !matches!(
        d.code,
        Code::UnknownBuiltin | Code::UnknownKeyword | Code::UnknownStatus | Code::UndefinedName
    ) {
        return None;
    }
    let meant = [d.label.as_str(), d.help.as_deref().unwrap_or("")]
        .into_iter()
        .find_map(suggestion)?;
    let (start, end) = (d.span.start as usize, d.span.end as usize);
    // Only the name is replaced, should a span ever reach past it (a call's arguments).
    let name = text.get(start..end)?;
    let end = start
        + name
            .find(|c: char| !(c.is_alphanumeric() || c == '_' || c == '$'))
            .unwrap_or(name.len());
    Some(Fix {
        start,
        end,
        text: meant.to_string(),
        title: format!("Write `{meant}`"),
        preferred: true,
    })
}

/// `X` of "did you mean `X`?" or "did you mean the string `X`?".
fn suggestion(text: &str) -> Option<&str> {
    let rest = text.split("did you mean ").nth(1)?;
    let rest = rest.strip_prefix("the string ").unwrap_or(rest);
    let inner = rest.strip_prefix('`')?;
    let end = inner.find("`?")?;
    Some(&inner[..end])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fixed(text: &str) -> Vec<String> {
        let analysis = jfc_compiler::analyze(text);
        analysis
            .diagnostics
            .iter()
            .flat_map(|d| fixes(text, &analysis, d, &jfc_compiler::analyze))
            .map(|f| f.apply(text))
            .collect()
    }

    /// The codes of the diagnostics of `text`.
    fn codes(text: &str) -> Vec<&'static str> {
        let analysis = jfc_compiler::analyze(text);
        analysis
            .diagnostics
            .iter()
            .map(|d| d.code.as_str())
            .collect()
    }

    #[test]
    fn a_missing_connector_is_inserted_after_the_job_before() {
        let text = "print(1) # first\nprint(2)";
        assert_eq!(codes(text), ["E0001"]);
        let all = fixed(text);
        assert_eq!(
            all,
            [
                "print(1) -> # first\nprint(2)",
                "print(1) ->> # first\nprint(2)"
            ]
        );
        assert!(all.iter().all(|f| codes(f).is_empty()));
        let nested = "[n = 1] -> { if n > 0 | [m = n]  print(m) }";
        assert_eq!(
            fixed(nested)[0],
            "[n = 1] -> { if n > 0 | [m = n] ->  print(m) }"
        );
        assert!(codes(&fixed(nested)[0]).is_empty());
        let marked = "\u{feff}print(1) print(2)";
        assert_eq!(fixed(marked)[0], "\u{feff}print(1) -> print(2)");
    }

    #[test]
    fn a_structural_fix_that_leaves_the_error_is_not_offered() {
        let text = "print(1) print(2)";
        let analysis = jfc_compiler::analyze(text);
        let wrong = Fix {
            start: 8,
            end: 8,
            text: " =".into(),
            title: String::new(),
            preferred: true,
        };
        let analyse: Analyse<'_> = &jfc_compiler::analyze;
        assert!(!improves(text, &analysis, Code::Syntax, &wrong, analyse));
        let right = Fix {
            text: " ->".into(),
            ..wrong
        };
        assert!(improves(text, &analysis, Code::Syntax, &right, analyse));
    }

    #[test]
    fn an_assignment_in_a_condition_becomes_a_comparison() {
        for (text, want) in [
            (
                "[x = 1] -> { if x = 1 | print(x) }",
                "[x = 1] -> { if x == 1 | print(x) }",
            ),
            (
                "[x = 1] -> { while x = 1 | [2 >> x] }",
                "[x = 1] -> { while x == 1 | [2 >> x] }",
            ),
            (
                "[x = 1] -> { if x == 0 | then: print(0) elif x = 1: print(1) }",
                "[x = 1] -> { if x == 0 | then: print(0) elif x == 1: print(1) }",
            ),
        ] {
            assert_eq!(codes(text), ["E0001"], "{text}");
            assert_eq!(fixed(text), [want]);
            assert!(codes(want).is_empty(), "{want}");
        }
    }

    #[test]
    fn jobs_that_can_never_run_are_removed_with_their_connector() {
        let text =
            "[n = 1] -> { for x in [n, 2] | break -> print(x) -> print(n) } -> exit() => print(n)";
        assert_eq!(codes(text), ["W0003", "W0003"]);
        let all = fixed(text);
        assert_eq!(
            all,
            [
                "[n = 1] -> { for x in [n, 2] | break } -> exit() => print(n)",
                "[n = 1] -> { for x in [n, 2] | break -> print(x) -> print(n) } -> exit()",
            ]
        );
        assert!(all.iter().all(|f| codes(f) == ["W0003"]));
        assert!(codes(&fixed(&all[0])[0]).is_empty());
    }

    #[test]
    fn each_suggestion_becomes_an_edit() {
        assert_eq!(fixed("print($RESLT)"), ["print($RESULT)"]);
        assert_eq!(
            fixed("urlopen(url='http://x', timout=3)"),
            ["urlopen(url='http://x', timeout=3)"]
        );
        assert_eq!(
            fixed("|host|\n[counter = 1] -> print(countr)"),
            [
                "|host|\n[counter = 1] -> print(counter)",
                "|host|\n|countr|\n[counter = 1] -> print(countr)"
            ]
        );
        assert_eq!(
            fixed("print(web1)"),
            ["print('web1')", "|web1|\nprint(web1)"]
        );
        assert_eq!(fixed("[x = lenght('ab')]"), ["[x = length('ab')]"]);
        assert!(codes("print('web1')").is_empty());
        assert!(fixed("print('fine')").is_empty());
    }
}
