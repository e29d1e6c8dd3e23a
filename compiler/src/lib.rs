//! The jobflow compiler: lexer, parser, checks, diagnostics, bytecode and formatter.

pub mod ast;
pub mod builtins;
pub mod bytecode;
pub mod check;
pub mod codegen;
pub mod diagnostics;
pub mod doc;
pub mod fmt;
pub mod lexer;
pub mod parse;
pub mod regex;
pub mod span;

use ast::Program;
use builtins::Dialect;
use diagnostics::Diagnostic;

/// How deeply blocks and expressions may nest.
pub const MAX_NESTING: usize = 1000;

/// A parsed and checked jobflow: the tree and every diagnostic, errors first by position.
pub struct Analysis {
    pub program: Program,
    pub diagnostics: Vec<Diagnostic>,
}

impl Analysis {
    pub fn has_errors(&self) -> bool {
        self.diagnostics.iter().any(Diagnostic::is_error)
    }
}

/// Parse and check a jobflow source text. Never fails: problems are diagnostics.
pub fn analyze(text: &str) -> Analysis {
    analyze_as(text, Dialect::Flow)
}

/// [`analyze`] for a flow of `dialect` (a test sees the test built-ins).
pub fn analyze_as(text: &str, dialect: Dialect) -> Analysis {
    let (program, found) = parsed_as(text, dialect);
    let diagnostics = checked(&program, text, found);
    Analysis {
        program,
        diagnostics,
    }
}

/// The tree of `text` as a flow of `dialect`, and the syntax errors.
fn parsed_as(text: &str, dialect: Dialect) -> (Program, Vec<Diagnostic>) {
    let mut parsed = parse::parse(text);
    parsed.program.dialect = dialect;
    (parsed.program, parsed.diagnostics)
}

/// The checks' diagnostics of `program` beside its syntax errors `found`.
fn checked(program: &Program, text: &str, mut found: Vec<Diagnostic>) -> Vec<Diagnostic> {
    if found.is_empty() {
        return check::check(program, text);
    }
    // Report the other errors too, from what the parser recovered (error nodes are
    // skipped by every check), so one run shows every problem of a file.
    found.extend(check::check_recovered(program, text));
    found.sort_by_key(|d| d.span.start);
    found
}

/// [`analyze`] for a flow file at `place`, as `jfc check` does: also checks the calls
/// of sibling flows and, when there is no error and the flow may be beyond a limit of
/// the bytecode, generates the code, so that E0019 is reported by `check` and not
/// first by `run` (a flow well within the limits is not compiled: that would only
/// add time).
pub fn analyze_file(text: &str, place: &check::FilePlace) -> Analysis {
    let (program, found) = parsed_as(text, place.dialect);
    let diagnostics = file_checked(&program, text, place, found);
    Analysis {
        program,
        diagnostics,
    }
}

/// [`analyze_file`], with `beside` run on the tree on another thread while the checks
/// run: the language server gathers its names meanwhile.
pub fn analyze_file_beside<T: Send>(
    text: &str,
    place: &check::FilePlace,
    beside: impl FnOnce(&Program) -> T + Send,
) -> (Analysis, T) {
    let (program, found) = parsed_as(text, place.dialect);
    let (diagnostics, other) = std::thread::scope(|s| {
        let other = s.spawn(|| beside(&program));
        let diagnostics = file_checked(&program, text, place, found);
        (diagnostics, other.join())
    });
    let other = other.unwrap_or_else(|panic| std::panic::resume_unwind(panic));
    let analysis = Analysis {
        program,
        diagnostics,
    };
    (analysis, other)
}

fn file_checked(
    program: &Program,
    text: &str,
    place: &check::FilePlace,
    found: Vec<Diagnostic>,
) -> Vec<Diagnostic> {
    let mut diagnostics = checked(program, text, found);
    diagnostics.extend(check::check_files(program, place));
    let has_errors = diagnostics.iter().any(Diagnostic::is_error);
    if !has_errors && codegen::may_reach_limits(program) {
        if let Err(limit) = codegen::compile(program, "", text) {
            diagnostics.push(limit);
        }
    }
    diagnostics.sort_by_key(|d| d.span.start);
    diagnostics
}

/// Analyze and, when there is no error, compile to a chunk named `name`.
pub fn compile(
    text: &str,
    name: &str,
) -> Result<(bytecode::Chunk, Vec<Diagnostic>), Vec<Diagnostic>> {
    compile_as(text, name, Dialect::Flow)
}

/// [`compile`] a flow of `dialect`.
pub fn compile_as(
    text: &str,
    name: &str,
    dialect: Dialect,
) -> Result<(bytecode::Chunk, Vec<Diagnostic>), Vec<Diagnostic>> {
    let analysis = analyze_as(text, dialect);
    if analysis.has_errors() {
        return Err(analysis.diagnostics);
    }
    match codegen::compile(&analysis.program, name, text) {
        Ok(chunk) => Ok((chunk, analysis.diagnostics)),
        Err(limit) => {
            let mut diagnostics = analysis.diagnostics;
            diagnostics.push(limit);
            Err(diagnostics)
        }
    }
}
