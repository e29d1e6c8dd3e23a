//! Dropping a tree without recursion.
//!
//! The derived drop of a boxed tree recurses once per level; a flow of a million
//! `+` terms or tens of thousands of nested blocks (the parser accepts them; the
//! checks refuse them as too deep) would overflow the stack just being freed. Each
//! node here moves its children onto a heap stack first, so every drop stays shallow.

use super::{Arg, BlockKind, Expr, ExprKind, Flow, Job, JobKind};
use crate::span::Span;

/// A childless expression left in place of one that was moved out.
fn hole() -> Expr {
    Expr {
        kind: ExprKind::Null,
        span: Span::default(),
    }
}

fn take(e: &mut Expr) -> Expr {
    std::mem::replace(e, hole())
}

fn arg_expr(a: &mut Arg) -> &mut Expr {
    match a {
        Arg::Pos(e) | Arg::Spread(e) | Arg::SpreadNamed(e) => e,
        Arg::Named(b) => &mut b.value,
    }
}

/// Move the sub-expressions of `kind` to `out`.
fn expr_children(kind: &mut ExprKind, out: &mut Vec<Expr>) {
    match kind {
        ExprKind::Array(items) => out.append(items),
        ExprKind::DictNamed(bindings) => {
            out.extend(bindings.iter_mut().map(|b| take(&mut b.value)))
        }
        ExprKind::DictPairs(pairs) => {
            for (k, v) in pairs.iter_mut() {
                out.push(take(k));
                out.push(take(v));
            }
        }
        ExprKind::Paren(a) | ExprKind::Attr(a, _) | ExprKind::Unary(_, a) | ExprKind::Not(a) => {
            out.push(take(a))
        }
        ExprKind::Index(a, b)
        | ExprKind::Binary(_, a, b)
        | ExprKind::And(a, b)
        | ExprKind::Or(a, b) => {
            out.push(take(a));
            out.push(take(b));
        }
        ExprKind::Call(f, args) => {
            out.push(take(f));
            out.extend(args.iter_mut().map(|a| take(arg_expr(a))));
        }
        ExprKind::Compare(first, rest) => {
            out.push(take(first));
            out.extend(rest.iter_mut().map(|(_, e)| take(e)));
        }
        _ => {}
    }
}

impl Drop for Expr {
    fn drop(&mut self) {
        let mut stack = Vec::new();
        expr_children(&mut self.kind, &mut stack);
        while let Some(mut e) = stack.pop() {
            expr_children(&mut e.kind, &mut stack);
        }
    }
}

/// Move the jobs of the flows of a block to `out`.
fn block_jobs(kind: &mut BlockKind, out: &mut Vec<Job>) {
    let mut flows: Vec<&mut Flow> = Vec::new();
    match kind {
        BlockKind::Simple { body, .. }
        | BlockKind::For { body, .. }
        | BlockKind::While { body, .. }
        | BlockKind::Pfor { body, .. }
        | BlockKind::Session { body, .. }
        | BlockKind::Try { body } => flows.push(body),
        BlockKind::If {
            then,
            elifs,
            otherwise,
            ..
        } => {
            flows.push(then);
            flows.extend(elifs.iter_mut().map(|(_, f)| f));
            flows.extend(otherwise.as_mut());
        }
        BlockKind::Case {
            clauses, otherwise, ..
        } => {
            flows.extend(clauses.iter_mut().map(|c| &mut c.body));
            flows.extend(otherwise.as_mut());
        }
        BlockKind::Choice { branches } | BlockKind::Fork { branches } => {
            flows.extend(branches.iter_mut())
        }
    }
    for f in flows {
        out.extend(f.steps.drain(..).map(|s| s.job));
    }
}

impl Drop for Job {
    fn drop(&mut self) {
        let JobKind::Block(block) = &mut self.kind else {
            return;
        };
        let mut stack = Vec::new();
        block_jobs(&mut block.kind, &mut stack);
        while let Some(mut job) = stack.pop() {
            if let JobKind::Block(b) = &mut job.kind {
                block_jobs(&mut b.kind, &mut stack);
            }
        }
    }
}
