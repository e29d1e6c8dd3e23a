//! The jobflow-scope names a loop body may assign, found from the text of the body.
//!
//! The variable-flow check needs them to know what is visible at the top of a
//! body from its second iteration on. Walking the body once more to learn them
//! would double the work at each level of nested loops (2^depth walks).

use crate::ast::{BlockKind, ExprKind, Flow, JobKind};

/// Names assigned in `body` that are not bound by a block inside it (nor by
/// `bound`, the loop's own variable), leaving out fork and pfor children, which
/// cannot assign their parent's variables.
pub fn loop_assigns<'a>(body: &'a Flow, bound: &[&'a str]) -> Vec<&'a str> {
    let mut bound: Vec<&str> = bound.to_vec();
    let mut out = Vec::new();
    flow(body, &mut bound, &mut out);
    out
}

fn flow<'a>(f: &'a Flow, bound: &mut Vec<&'a str>, out: &mut Vec<&'a str>) {
    for step in &f.steps {
        let mut assign = |name: &'a str| {
            if !bound.contains(&name) && !name.starts_with('$') {
                out.push(name);
            }
        };
        match &step.job.kind {
            JobKind::Assign(bindings) => bindings.iter().for_each(|b| assign(&b.name.name)),
            JobKind::Update { target, .. } => {
                if let ExprKind::Var(name) = &target.kind {
                    assign(name);
                }
            }
            JobKind::Block(b) => block(&b.kind, bound, out),
            _ => {}
        }
    }
}

/// Walk `body` with `names` bound, then unbind them.
fn scoped<'a>(
    names: impl Iterator<Item = &'a str>,
    body: &'a Flow,
    bound: &mut Vec<&'a str>,
    out: &mut Vec<&'a str>,
) {
    let mark = bound.len();
    bound.extend(names);
    flow(body, bound, out);
    bound.truncate(mark);
}

fn block<'a>(kind: &'a BlockKind, bound: &mut Vec<&'a str>, out: &mut Vec<&'a str>) {
    match kind {
        BlockKind::Simple { bindings, body } => scoped(
            bindings.iter().map(|b| b.name.name.as_str()),
            body,
            bound,
            out,
        ),
        BlockKind::For { var, body, .. } | BlockKind::Session { var, body } => {
            scoped(std::iter::once(var.name.as_str()), body, bound, out)
        }
        BlockKind::While { body, .. } | BlockKind::Try { body } => flow(body, bound, out),
        BlockKind::If {
            then,
            elifs,
            otherwise,
            ..
        } => {
            flow(then, bound, out);
            elifs.iter().for_each(|(_, f)| flow(f, bound, out));
            otherwise.iter().for_each(|f| flow(f, bound, out));
        }
        BlockKind::Case {
            clauses, otherwise, ..
        } => {
            clauses.iter().for_each(|c| flow(&c.body, bound, out));
            otherwise.iter().for_each(|f| flow(f, bound, out));
        }
        BlockKind::Choice { branches } => branches.iter().for_each(|f| flow(f, bound, out)),
        BlockKind::Fork { .. } | BlockKind::Pfor { .. } => {}
    }
}
