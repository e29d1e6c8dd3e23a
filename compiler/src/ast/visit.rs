//! A walk over the whole tree: every parameter, flow, job, block and expression, in
//! source order. A pass overrides the `visit_*` methods it cares about and calls the
//! matching `walk_*` function to go on into the children (or does not, to skip them).
//!
//! The walk recurses once per level: run it on a tree the checks have accepted as
//! not too deep (`MAX_NESTING`), as the checks themselves do.

use super::{
    Arg, Binding, Block, BlockKind, Expr, ExprKind, Flow, Ident, Job, JobKind, Param, Program,
};

pub trait Visitor<'a> {
    fn visit_param(&mut self, param: &'a Param) {
        walk_param(self, param);
    }

    fn visit_flow(&mut self, flow: &'a Flow) {
        walk_flow(self, flow);
    }

    fn visit_job(&mut self, job: &'a Job) {
        walk_job(self, job);
    }

    fn visit_block(&mut self, block: &'a Block) {
        walk_block(self, block);
    }

    fn visit_expr(&mut self, expr: &'a Expr) {
        walk_expr(self, expr);
    }

    /// A name a job or block gives a value: a parameter, an assignment, a block
    /// binding, a `for`/`pfor` or `session` variable (not a dictionary key, and not
    /// the target of an update job, which is an expression).
    fn visit_bound(&mut self, _name: &'a Ident) {}
}

pub fn walk_program<'a, V: Visitor<'a> + ?Sized>(v: &mut V, program: &'a Program) {
    program.params.iter().for_each(|p| v.visit_param(p));
    if let Some(body) = &program.body {
        v.visit_flow(body);
    }
}

pub fn walk_param<'a, V: Visitor<'a> + ?Sized>(v: &mut V, param: &'a Param) {
    v.visit_bound(&param.name);
    if let Some(d) = &param.default {
        v.visit_expr(d);
    }
}

pub fn walk_flow<'a, V: Visitor<'a> + ?Sized>(v: &mut V, flow: &'a Flow) {
    flow.steps.iter().for_each(|s| v.visit_job(&s.job));
}

pub fn walk_job<'a, V: Visitor<'a> + ?Sized>(v: &mut V, job: &'a Job) {
    match &job.kind {
        JobKind::Exec {
            target,
            input,
            args,
        } => {
            v.visit_expr(target);
            input.iter().for_each(|e| v.visit_expr(e));
            walk_args(v, args);
        }
        JobKind::Assign(bindings) => walk_bindings(v, bindings),
        JobKind::Update { value, target } => {
            v.visit_expr(value);
            v.visit_expr(target);
        }
        JobKind::Event(e) => {
            e.target.iter().for_each(|t| v.visit_expr(t));
            e.guard.iter().for_each(|(_, g)| v.visit_expr(g));
            walk_args(v, &e.args);
        }
        JobKind::Builtin { args, .. } => walk_args(v, args),
        JobKind::Block(b) => v.visit_block(b),
        JobKind::Skip | JobKind::Break | JobKind::Continue | JobKind::Error => {}
    }
}

/// Each value, then the name it is bound to.
pub fn walk_bindings<'a, V: Visitor<'a> + ?Sized>(v: &mut V, bindings: &'a [Binding]) {
    for b in bindings {
        v.visit_expr(&b.value);
        v.visit_bound(&b.name);
    }
}

pub fn walk_block<'a, V: Visitor<'a> + ?Sized>(v: &mut V, block: &'a Block) {
    match &block.kind {
        BlockKind::Simple { bindings, body } => {
            walk_bindings(v, bindings);
            v.visit_flow(body);
        }
        BlockKind::If {
            cond,
            then,
            elifs,
            otherwise,
            ..
        } => {
            cond.iter().for_each(|c| v.visit_expr(c));
            v.visit_flow(then);
            for (c, f) in elifs {
                v.visit_expr(c);
                v.visit_flow(f);
            }
            otherwise.iter().for_each(|f| v.visit_flow(f));
        }
        BlockKind::Case {
            subject,
            clauses,
            otherwise,
        } => {
            subject.iter().for_each(|s| v.visit_expr(s));
            for c in clauses {
                c.patterns.iter().for_each(|p| v.visit_expr(p));
                v.visit_flow(&c.body);
            }
            otherwise.iter().for_each(|f| v.visit_flow(f));
        }
        BlockKind::For { var, iter, body } | BlockKind::Pfor { var, iter, body } => {
            v.visit_expr(iter);
            v.visit_bound(var);
            v.visit_flow(body);
        }
        BlockKind::While { cond, body } => {
            v.visit_expr(cond);
            v.visit_flow(body);
        }
        BlockKind::Choice { branches } | BlockKind::Fork { branches } => {
            branches.iter().for_each(|f| v.visit_flow(f));
        }
        BlockKind::Session { var, body } => {
            v.visit_bound(var);
            v.visit_flow(body);
        }
        BlockKind::Try { body } => v.visit_flow(body),
    }
}

pub fn walk_args<'a, V: Visitor<'a> + ?Sized>(v: &mut V, args: &'a [Arg]) {
    for a in args {
        match a {
            Arg::Pos(e) | Arg::Spread(e) | Arg::SpreadNamed(e) => v.visit_expr(e),
            Arg::Named(b) => v.visit_expr(&b.value),
        }
    }
}

pub fn walk_expr<'a, V: Visitor<'a> + ?Sized>(v: &mut V, e: &'a Expr) {
    match &e.kind {
        ExprKind::Array(items) => items.iter().for_each(|i| v.visit_expr(i)),
        ExprKind::DictNamed(bindings) => bindings.iter().for_each(|b| v.visit_expr(&b.value)),
        ExprKind::DictPairs(pairs) => pairs.iter().for_each(|(k, x)| {
            v.visit_expr(k);
            v.visit_expr(x);
        }),
        ExprKind::Paren(x) | ExprKind::Unary(_, x) | ExprKind::Not(x) | ExprKind::Attr(x, _) => {
            v.visit_expr(x)
        }
        ExprKind::Index(a, b)
        | ExprKind::Binary(_, a, b)
        | ExprKind::And(a, b)
        | ExprKind::Or(a, b) => {
            v.visit_expr(a);
            v.visit_expr(b);
        }
        ExprKind::Call(f, args) => {
            v.visit_expr(f);
            walk_args(v, args);
        }
        ExprKind::Compare(first, rest) => {
            v.visit_expr(first);
            rest.iter().for_each(|(_, x)| v.visit_expr(x));
        }
        ExprKind::Var(_)
        | ExprKind::Status(_)
        | ExprKind::Path(_)
        | ExprKind::Root
        | ExprKind::Str(_)
        | ExprKind::Bytes(_)
        | ExprKind::Int(_)
        | ExprKind::Float(_)
        | ExprKind::Pattern { .. }
        | ExprKind::Bool(_)
        | ExprKind::Null
        | ExprKind::Error => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Counts what the default walk reaches.
    #[derive(Default)]
    struct Count {
        bound: Vec<String>,
        vars: Vec<String>,
        jobs: usize,
        blocks: usize,
    }

    impl<'a> Visitor<'a> for Count {
        fn visit_job(&mut self, job: &'a Job) {
            self.jobs += 1;
            walk_job(self, job);
        }
        fn visit_block(&mut self, block: &'a Block) {
            self.blocks += 1;
            walk_block(self, block);
        }
        fn visit_expr(&mut self, e: &'a Expr) {
            if let ExprKind::Var(name) = &e.kind {
                self.vars.push(name.clone());
            }
            walk_expr(self, e);
        }
        fn visit_bound(&mut self, name: &'a Ident) {
            self.bound.push(name.name.clone());
        }
    }

    #[test]
    fn the_default_walk_reaches_every_job_block_expression_and_bound_name() {
        let text = "|p = q|\n[a = [b, {k = c}]] -> { for x in d | { if e | [f >> g] } } \
                    -> { session s | <s ? h : t=i> } -> { case j | k: print(l) else: exit() }";
        let program = crate::analyze(text).program;
        let mut count = Count::default();
        walk_program(&mut count, &program);
        assert_eq!(count.bound, ["p", "a", "x", "s"]);
        let vars = "q b c d e f g s h i j k l";
        assert_eq!(count.vars.join(" "), vars);
        assert_eq!((count.jobs, count.blocks), (9, 4));
    }
}
