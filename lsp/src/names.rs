//! The names of a flow and where they occur: each variable read or written, each
//! parameter, each block variable (`for x`, `session s`, `{ x = 1 | ...}`), and each
//! object path. Variables have jobflow scope (language.md §10), so a name means the
//! same variable throughout the flow; that is what definition, references and rename
//! go by.

use jfc_compiler::ast::visit::{self, Visitor};
use jfc_compiler::ast::{Block, Expr, ExprKind, Ident, Job, JobKind, Program};
use jfc_compiler::span::Span;

#[derive(Clone, Debug, PartialEq)]
pub struct Occurrence {
    pub name: String,
    pub span: Span,
    pub kind: Kind,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Parameter,
    /// Written: an assignment, an update, a block variable.
    Written,
    Read,
    /// An object path as written (`./sub`, `/a/b`).
    Path,
}

/// Every occurrence in `program`, in source order.
pub fn occurrences(program: &Program) -> Vec<Occurrence> {
    let mut w = Walk::default();
    for p in &program.params {
        w.push(&p.name.name, p.name.span, Kind::Parameter);
        p.default.iter().for_each(|d| w.visit_expr(d));
    }
    if let Some(body) = &program.body {
        w.visit_flow(body);
    }
    w.found.sort_by_key(|o| o.span.start);
    w.found
}

/// The spans of the blocks of `program` (for folding).
pub fn blocks(program: &Program) -> Vec<Span> {
    let mut w = Walk::default();
    visit::walk_program(&mut w, program);
    w.blocks
}

#[derive(Default)]
struct Walk {
    found: Vec<Occurrence>,
    blocks: Vec<Span>,
}

impl Walk {
    fn push(&mut self, name: &str, span: Span, kind: Kind) {
        self.found.push(Occurrence {
            name: name.to_string(),
            span,
            kind,
        });
    }
}

impl<'a> Visitor<'a> for Walk {
    fn visit_job(&mut self, job: &'a Job) {
        match &job.kind {
            // `[value >> name]` writes the name; `[value >> name.field]` reads it.
            JobKind::Update { value, target } if matches!(target.kind, ExprKind::Var(_)) => {
                self.visit_expr(value);
                if let ExprKind::Var(name) = &target.kind {
                    self.push(name, target.span, Kind::Written);
                }
            }
            _ => visit::walk_job(self, job),
        }
    }

    fn visit_block(&mut self, block: &'a Block) {
        self.blocks.push(block.span);
        visit::walk_block(self, block);
    }

    fn visit_bound(&mut self, name: &'a Ident) {
        self.push(&name.name, name.span, Kind::Written);
    }

    fn visit_expr(&mut self, e: &'a Expr) {
        match &e.kind {
            ExprKind::Var(name) => self.push(name, e.span, Kind::Read),
            ExprKind::Path(p) => self.push(p, e.span, Kind::Path),
            _ => visit::walk_expr(self, e),
        }
    }
}

/// The occurrence at byte `offset`, if any.
pub fn at(found: &[Occurrence], offset: usize) -> Option<&Occurrence> {
    found
        .iter()
        .find(|o| (o.span.start as usize..=o.span.end as usize).contains(&offset))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_of_occurrence_is_found_in_order() {
        let text = "|host|\n[n = 1] -> { for x in [host] | print(x, n) } -> [./sub: n] -> [2 >> n]";
        let program = jfc_compiler::analyze(text).program;
        let found: Vec<(String, Kind)> = occurrences(&program)
            .into_iter()
            .map(|o| (o.name, o.kind))
            .collect();
        use Kind::*;
        assert_eq!(
            found,
            [
                ("host".into(), Parameter),
                ("n".into(), Written),
                ("x".into(), Written),
                ("host".into(), Read),
                ("x".into(), Read),
                ("n".into(), Read),
                ("./sub".into(), Path),
                ("n".into(), Read),
                ("n".into(), Written),
            ]
        );
        assert_eq!(blocks(&program).len(), 1);
    }
}
