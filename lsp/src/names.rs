//! The names of a flow and where they occur: each variable read or written, each
//! parameter, each block variable (`for x`, `session s`, `{ x = 1 | ...}`), and each
//! object path. Variables have jobflow scope (language.md §10), so a name means the
//! same variable throughout the flow; that is what definition, references and rename
//! go by.

use jfc_compiler::ast::{Arg, Binding, Block, BlockKind, Expr, ExprKind, Flow, JobKind, Program};
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
        if let Some(d) = &p.default {
            w.expr(d);
        }
    }
    if let Some(body) = &program.body {
        w.flow(body);
    }
    w.found.sort_by_key(|o| o.span.start);
    w.found
}

/// The spans of the blocks of `program` (for folding).
pub fn blocks(program: &Program) -> Vec<Span> {
    let mut w = Walk::default();
    if let Some(body) = &program.body {
        w.flow(body);
    }
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

    fn flow(&mut self, flow: &Flow) {
        for step in &flow.steps {
            self.job(&step.job.kind);
        }
    }

    fn job(&mut self, job: &JobKind) {
        match job {
            JobKind::Exec {
                target,
                input,
                args,
            } => {
                self.expr(target);
                input.iter().for_each(|e| self.expr(e));
                self.args(args);
            }
            JobKind::Assign(bindings) => self.bindings(bindings),
            JobKind::Update { value, target } => {
                self.expr(value);
                match &target.kind {
                    ExprKind::Var(name) => self.push(name, target.span, Kind::Written),
                    _ => self.expr(target),
                }
            }
            JobKind::Event(e) => {
                e.target.iter().for_each(|t| self.expr(t));
                if let Some((_, g)) = &e.guard {
                    self.expr(g);
                }
                self.args(&e.args);
            }
            JobKind::Builtin { args, .. } => self.args(args),
            JobKind::Block(b) => self.block(b),
            JobKind::Skip | JobKind::Break | JobKind::Continue | JobKind::Error => {}
        }
    }

    fn bindings(&mut self, bindings: &[Binding]) {
        for b in bindings {
            self.expr(&b.value);
            self.push(&b.name.name, b.name.span, Kind::Written);
        }
    }

    fn block(&mut self, block: &Block) {
        self.blocks.push(block.span);
        match &block.kind {
            BlockKind::Simple { bindings, body } => {
                self.bindings(bindings);
                self.flow(body);
            }
            BlockKind::If {
                cond,
                then,
                elifs,
                otherwise,
                ..
            } => {
                cond.iter().for_each(|c| self.expr(c));
                self.flow(then);
                for (c, f) in elifs {
                    self.expr(c);
                    self.flow(f);
                }
                otherwise.iter().for_each(|f| self.flow(f));
            }
            BlockKind::Case {
                subject,
                clauses,
                otherwise,
            } => {
                subject.iter().for_each(|s| self.expr(s));
                for c in clauses {
                    c.patterns.iter().for_each(|p| self.expr(p));
                    self.flow(&c.body);
                }
                otherwise.iter().for_each(|f| self.flow(f));
            }
            BlockKind::For { var, iter, body } | BlockKind::Pfor { var, iter, body } => {
                self.expr(iter);
                self.push(&var.name, var.span, Kind::Written);
                self.flow(body);
            }
            BlockKind::While { cond, body } => {
                self.expr(cond);
                self.flow(body);
            }
            BlockKind::Choice { branches } | BlockKind::Fork { branches } => {
                branches.iter().for_each(|f| self.flow(f));
            }
            BlockKind::Session { var, body } => {
                self.push(&var.name, var.span, Kind::Written);
                self.flow(body);
            }
            BlockKind::Try { body } => self.flow(body),
        }
    }

    fn args(&mut self, args: &[Arg]) {
        for a in args {
            match a {
                Arg::Pos(e) | Arg::Spread(e) | Arg::SpreadNamed(e) => self.expr(e),
                Arg::Named(b) => self.expr(&b.value),
            }
        }
    }

    fn expr(&mut self, e: &Expr) {
        match &e.kind {
            ExprKind::Var(name) => self.push(name, e.span, Kind::Read),
            ExprKind::Path(p) => self.push(p, e.span, Kind::Path),
            ExprKind::Array(items) => items.iter().for_each(|i| self.expr(i)),
            ExprKind::DictNamed(bindings) => bindings.iter().for_each(|b| self.expr(&b.value)),
            ExprKind::DictPairs(pairs) => pairs.iter().for_each(|(k, v)| {
                self.expr(k);
                self.expr(v);
            }),
            ExprKind::Paren(x)
            | ExprKind::Unary(_, x)
            | ExprKind::Not(x)
            | ExprKind::Attr(x, _) => self.expr(x),
            ExprKind::Index(a, b)
            | ExprKind::Binary(_, a, b)
            | ExprKind::And(a, b)
            | ExprKind::Or(a, b) => {
                self.expr(a);
                self.expr(b);
            }
            ExprKind::Call(f, args) => {
                self.expr(f);
                self.args(args);
            }
            ExprKind::Compare(first, rest) => {
                self.expr(first);
                rest.iter().for_each(|(_, x)| self.expr(x));
            }
            _ => {}
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
