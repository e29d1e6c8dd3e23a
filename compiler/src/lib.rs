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
    let mut parsed = parse::parse(text);
    parsed.program.dialect = dialect;
    let mut diagnostics = parsed.diagnostics;
    if diagnostics.is_empty() {
        diagnostics = check::check(&parsed.program, text);
    } else {
        // Report the other errors too, from what the parser recovered (error nodes
        // are skipped by every check), so one run shows every problem of a file.
        diagnostics.extend(check::check_recovered(&parsed.program, text));
        diagnostics.sort_by_key(|d| d.span.start);
    }
    Analysis {
        program: parsed.program,
        diagnostics,
    }
}

/// [`analyze`] for a flow file at `place`, as `jfc check` does: also checks the calls
/// of sibling flows and, when there is no error and the flow may be beyond a limit of
/// the bytecode, generates the code, so that E0019 is reported by `check` and not
/// first by `run` (a flow well within the limits is not compiled: that would only
/// add time).
pub fn analyze_file(text: &str, place: &check::FilePlace) -> Analysis {
    let mut analysis = analyze_as(text, place.dialect);
    analysis
        .diagnostics
        .extend(check::check_files(&analysis.program, place));
    if !analysis.has_errors() && codegen::may_reach_limits(&analysis.program) {
        if let Err(limit) = codegen::compile(&analysis.program, "", text) {
            analysis.diagnostics.push(limit);
        }
    }
    analysis.diagnostics.sort_by_key(|d| d.span.start);
    analysis
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
