//! Semantic checks over a parsed program. Each family lives in its own module;
//! all return diagnostics and never stop at the first problem.

mod calls;
mod exec;
mod files;
mod loop_assigns;
mod names;
mod structure;
mod suggest;
mod templates;
mod vars;

pub use files::{script_files, FilePlace};
pub use names::foreign_literal;

use std::cell::OnceCell;
use std::collections::HashSet;

use crate::ast::Program;
use crate::diagnostics::{Code, Diagnostic};
use crate::span::Span;

/// The original engine accepts at most this many characters of program text (§16).
pub const ORIGINAL_MAX_CHARS: usize = 65_536;
/// ... and at most this many jobs in one jobflow expression.
pub const ORIGINAL_MAX_JOBS: usize = 4_096;

/// Every name the program may assign, sorted (for stable slot numbers).
pub fn assigned_names_sorted(program: &Program) -> Vec<String> {
    let mut names: Vec<String> = structure::assigned_names(program).into_iter().collect();
    names.sort();
    names
}

/// Run every check; `text` is the source the program was parsed from.
pub fn check(program: &Program, text: &str) -> Vec<Diagnostic> {
    run(program, text, true)
}

/// The checks that stay sound on a tree recovered from syntax errors: those that look
/// at one construct at a time. Checks that follow variables through the whole flow
/// would report the consequences of the syntax error (an assignment lost in it).
pub fn check_recovered(program: &Program, text: &str) -> Vec<Diagnostic> {
    run(program, text, false)
}

/// The checks that look beyond the text, at the files beside a flow file.
pub fn check_files(program: &Program, place: &FilePlace) -> Vec<Diagnostic> {
    files::missing_flows(program, place)
}

/// A set of names of the whole flow, found once on first use: most flows never need
/// it (it serves suggestions and rarer checks), and finding it walks the whole tree.
pub(crate) struct LazyNames<'a> {
    program: &'a Program,
    find: fn(&Program) -> HashSet<String>,
    names: OnceCell<HashSet<String>>,
}

impl<'a> LazyNames<'a> {
    pub(crate) fn new(program: &'a Program, find: fn(&Program) -> HashSet<String>) -> Self {
        LazyNames {
            program,
            find,
            names: OnceCell::new(),
        }
    }

    /// Names already found.
    pub(crate) fn ready(program: &'a Program, names: HashSet<String>) -> Self {
        let lazy = LazyNames::new(program, structure::assigned_names);
        let _ = lazy.names.set(names);
        lazy
    }

    pub(crate) fn get(&self) -> &HashSet<String> {
        self.names.get_or_init(|| (self.find)(self.program))
    }
}

fn run(program: &Program, text: &str, whole: bool) -> Vec<Diagnostic> {
    let (depth, deepest) = crate::fmt::depth::deepest(program);
    if depth > crate::MAX_NESTING {
        // The checks and the code generator walk the tree recursively: refuse first.
        let max = crate::MAX_NESTING;
        return vec![Diagnostic::new(
            Code::Syntax,
            deepest,
            format!("this flow nests blocks and expressions {depth} levels deep; jfc accepts at most {max}"),
        )
        .label("this part is nested too deeply")
        .help("a chain of operators counts one level per operator (`a + b + c` is `(a + b) + c`); split the deepest part into variables, or into a jobflow of its own and call it")];
    }
    let mut out = Vec::new();
    let chars = text.chars().count();
    if chars > ORIGINAL_MAX_CHARS {
        out.push(
            Diagnostic::new(
                Code::SourceTooLong,
                Span::new(0, 0),
                format!("this flow has {chars} characters; the original engine accepts at most {ORIGINAL_MAX_CHARS}"),
            )
            .help("jfc runs it, but Kompira 1.6 would refuse it; split it into several jobflows to stay portable"),
        );
    }
    if whole {
        let known = LazyNames::new(program, structure::assigned_names);
        structure::check(program, Some(&known), &mut out);
        vars::check(program, &known, &mut out);
    } else {
        // A recovered tree may have lost assignments: only the names the file cannot
        // define anywhere are reported (E0006, E0015), and nothing that follows
        // variables through the flow (it would report what the syntax error hid).
        let known = LazyNames::ready(program, names::maybe_defined(program, text));
        structure::check(program, Some(&known), &mut out);
        let mut flow = Vec::new();
        vars::check(program, &known, &mut flow);
        out.extend(flow.into_iter().filter(|d| d.code == Code::UndefinedName));
    }
    out.sort_by_key(|d| (d.span.start, d.code.as_str()));
    out
}
