//! How deeply a tree nests, measured without recursion.
//!
//! The layout code recurses once per level of the tree; a pathological input
//! (thousands of nested parentheses) would overflow the stack, which aborts the
//! process instead of panicking. The formatter measures first and refuses such
//! trees with a diagnostic.

use crate::ast::{Arg, BlockKind, Expr, ExprKind, Flow, Job, JobKind, Program};
use crate::span::Span;

enum Node<'a> {
    Expr(&'a Expr),
    Job(&'a Job),
    Flow(&'a Flow),
}

/// The greatest number of nested expressions, jobs and flows on one path.
pub(crate) fn depth(program: &Program) -> usize {
    deepest(program).0
}

/// [`depth`], and the span of a node that deep (the start of the text when empty).
pub(crate) fn deepest(program: &Program) -> (usize, Span) {
    let mut stack: Vec<(Node<'_>, usize)> = Vec::new();
    for p in &program.params {
        stack.extend(p.default.iter().map(|e| (Node::Expr(e), 1)));
    }
    stack.extend(program.body.iter().map(|f| (Node::Flow(f), 1)));
    let (mut deepest, mut at) = (0, Span::default());
    while let Some((node, d)) = stack.pop() {
        if d > deepest {
            deepest = d;
            at = match node {
                Node::Expr(e) => e.span,
                Node::Job(j) => j.span,
                Node::Flow(f) => f.span,
            };
        }
        let mut children = Vec::new();
        match node {
            Node::Expr(e) => expr_children(e, &mut children),
            Node::Job(j) => job_children(j, &mut children),
            Node::Flow(f) => children.extend(f.steps.iter().map(|s| Node::Job(&s.job))),
        }
        stack.extend(children.into_iter().map(|c| (c, d + 1)));
    }
    (deepest, at)
}

fn arg_expr(arg: &Arg) -> &Expr {
    match arg {
        Arg::Pos(e) | Arg::Spread(e) | Arg::SpreadNamed(e) => e,
        Arg::Named(b) => &b.value,
    }
}

fn expr_children<'a>(e: &'a Expr, out: &mut Vec<Node<'a>>) {
    match &e.kind {
        ExprKind::Array(items) => out.extend(items.iter().map(Node::Expr)),
        ExprKind::DictNamed(bs) => out.extend(bs.iter().map(|b| Node::Expr(&b.value))),
        ExprKind::DictPairs(ps) => {
            out.extend(ps.iter().flat_map(|(k, v)| [Node::Expr(k), Node::Expr(v)]));
        }
        ExprKind::Paren(a) | ExprKind::Attr(a, _) | ExprKind::Unary(_, a) | ExprKind::Not(a) => {
            out.push(Node::Expr(a));
        }
        ExprKind::Index(a, b)
        | ExprKind::Binary(_, a, b)
        | ExprKind::And(a, b)
        | ExprKind::Or(a, b) => out.extend([Node::Expr(a), Node::Expr(b)]),
        ExprKind::Call(f, args) => {
            out.push(Node::Expr(f));
            out.extend(args.iter().map(|a| Node::Expr(arg_expr(a))));
        }
        ExprKind::Compare(first, rest) => {
            out.push(Node::Expr(first));
            out.extend(rest.iter().map(|(_, e)| Node::Expr(e)));
        }
        _ => {}
    }
}

fn job_children<'a>(j: &'a Job, out: &mut Vec<Node<'a>>) {
    match &j.kind {
        JobKind::Exec {
            target,
            input,
            args,
        } => {
            out.push(Node::Expr(target));
            out.extend(input.iter().map(Node::Expr));
            out.extend(args.iter().map(|a| Node::Expr(arg_expr(a))));
        }
        JobKind::Assign(bs) => out.extend(bs.iter().map(|b| Node::Expr(&b.value))),
        JobKind::Update { value, target } => out.extend([Node::Expr(value), Node::Expr(target)]),
        JobKind::Event(ev) => {
            out.extend(ev.target.iter().map(Node::Expr));
            out.extend(ev.guard.iter().map(|(_, g)| Node::Expr(g)));
            out.extend(ev.args.iter().map(|a| Node::Expr(arg_expr(a))));
        }
        JobKind::Builtin { args, .. } => out.extend(args.iter().map(|a| Node::Expr(arg_expr(a)))),
        JobKind::Block(b) => block_children(&b.kind, out),
        _ => {}
    }
}

fn block_children<'a>(kind: &'a BlockKind, out: &mut Vec<Node<'a>>) {
    match kind {
        BlockKind::Simple { bindings, body } => {
            out.extend(bindings.iter().map(|b| Node::Expr(&b.value)));
            out.push(Node::Flow(body));
        }
        BlockKind::If {
            cond,
            then,
            elifs,
            otherwise,
            ..
        } => {
            out.extend(cond.iter().map(Node::Expr));
            out.push(Node::Flow(then));
            out.extend(
                elifs
                    .iter()
                    .flat_map(|(c, f)| [Node::Expr(c), Node::Flow(f)]),
            );
            out.extend(otherwise.iter().map(Node::Flow));
        }
        BlockKind::Case {
            subject,
            clauses,
            otherwise,
        } => {
            out.extend(subject.iter().map(Node::Expr));
            for c in clauses {
                out.extend(c.patterns.iter().map(Node::Expr));
                out.push(Node::Flow(&c.body));
            }
            out.extend(otherwise.iter().map(Node::Flow));
        }
        BlockKind::For { iter, body, .. } | BlockKind::Pfor { iter, body, .. } => {
            out.extend([Node::Expr(iter), Node::Flow(body)]);
        }
        BlockKind::While { cond, body } => out.extend([Node::Expr(cond), Node::Flow(body)]),
        BlockKind::Choice { branches } | BlockKind::Fork { branches } => {
            out.extend(branches.iter().map(Node::Flow));
        }
        BlockKind::Session { body, .. } | BlockKind::Try { body } => out.push(Node::Flow(body)),
    }
}
