//! Whether a flow could reach a limit of the bytecode (E0019), found by counting,
//! without generating its code.
//!
//! `jfc check` reports E0019, which only code generation finds exactly; generating
//! the whole chunk of a long flow costs a quarter of a check. Every slot the code
//! generator creates is for a name of the flow (one per distinct jobflow-scope name),
//! a block binding or loop variable, or an element update (at most one per `.x` or
//! `[i]` of an update target); every positional argument is an `Arg::Pos` of one
//! call. Counting these gives an upper bound: below the limits no code needs to be
//! generated to know the flow fits.

use std::collections::HashSet;

use super::{MAX_POSITIONAL, MAX_SLOTS};
use crate::ast::*;

/// True when the flow may need more slots or positional arguments than the bytecode
/// can address; false when it certainly fits.
pub fn may_reach_limits(program: &Program) -> bool {
    let (slots, positional) = bounds(program);
    slots > MAX_SLOTS || positional > MAX_POSITIONAL
}

/// At least the slots of the chunk and the most positional arguments of one call.
fn bounds(program: &Program) -> (usize, usize) {
    let mut c = Counter::default();
    for p in &program.params {
        c.names.insert(&p.name.name);
        p.default.iter().for_each(|d| c.expr(d));
    }
    if let Some(body) = &program.body {
        c.flow(body);
    }
    (c.names.len() + c.other_slots, c.max_positional)
}

#[derive(Default)]
struct Counter<'a> {
    /// Every name that may get a jobflow-scope slot.
    names: HashSet<&'a str>,
    /// Block bindings, loop and session variables, element-update temporaries.
    other_slots: usize,
    /// The most positional arguments of one call.
    max_positional: usize,
}

impl<'a> Counter<'a> {
    fn flow(&mut self, flow: &'a Flow) {
        flow.steps.iter().for_each(|s| self.job(&s.job));
    }

    fn job(&mut self, job: &'a Job) {
        match &job.kind {
            JobKind::Exec {
                target,
                input,
                args,
            } => {
                self.expr(target);
                input.iter().for_each(|i| self.expr(i));
                self.args(args);
            }
            JobKind::Assign(bindings) => bindings.iter().for_each(|b| {
                self.names.insert(&b.name.name);
                self.expr(&b.value);
            }),
            JobKind::Update { value, target } => {
                self.expr(value);
                self.update_target(target);
            }
            JobKind::Event(ev) => {
                ev.target.iter().for_each(|e| self.expr(e));
                ev.guard.iter().for_each(|(_, e)| self.expr(e));
                self.args(&ev.args);
            }
            JobKind::Builtin { name, args } => {
                self.names.insert(&name.name);
                self.args(args);
            }
            JobKind::Block(b) => self.block(b),
            JobKind::Skip | JobKind::Break | JobKind::Continue | JobKind::Error => {}
        }
    }

    /// The target of an update: each `.x` or `[i]` may take a temporary slot.
    fn update_target(&mut self, target: &'a Expr) {
        let mut e = target;
        loop {
            match &e.kind {
                ExprKind::Attr(base, _) => {
                    self.other_slots += 1;
                    e = base;
                }
                ExprKind::Index(base, index) => {
                    self.other_slots += 1;
                    self.expr(index);
                    e = base;
                }
                _ => return self.expr(e),
            }
        }
    }

    fn block(&mut self, block: &'a Block) {
        match &block.kind {
            BlockKind::Simple { bindings, body } => {
                self.other_slots += bindings.len();
                bindings.iter().for_each(|b| self.expr(&b.value));
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
                subject.iter().for_each(|c| self.expr(c));
                for c in clauses {
                    c.patterns.iter().for_each(|p| self.expr(p));
                    self.flow(&c.body);
                }
                otherwise.iter().for_each(|f| self.flow(f));
            }
            BlockKind::For { iter, body, .. } | BlockKind::Pfor { iter, body, .. } => {
                self.other_slots += 1;
                self.expr(iter);
                self.flow(body);
            }
            BlockKind::While { cond, body } => {
                self.expr(cond);
                self.flow(body);
            }
            BlockKind::Session { body, .. } => {
                self.other_slots += 1;
                self.flow(body);
            }
            BlockKind::Try { body } => self.flow(body),
            BlockKind::Fork { branches } | BlockKind::Choice { branches } => {
                branches.iter().for_each(|b| self.flow(b))
            }
        }
    }

    fn args(&mut self, args: &'a [Arg]) {
        let positional = args.iter().filter(|a| matches!(a, Arg::Pos(_))).count();
        self.max_positional = self.max_positional.max(positional);
        for a in args {
            match a {
                Arg::Pos(e) | Arg::Spread(e) | Arg::SpreadNamed(e) => self.expr(e),
                Arg::Named(b) => self.expr(&b.value),
            }
        }
    }

    fn expr(&mut self, e: &'a Expr) {
        match &e.kind {
            ExprKind::Var(name) => {
                self.names.insert(name);
            }
            // A `$name` placeholder only looks a slot up, it never creates one.
            ExprKind::Str(_)
            | ExprKind::Pattern { .. }
            | ExprKind::Status(_)
            | ExprKind::Path(_)
            | ExprKind::Root
            | ExprKind::Bytes(_)
            | ExprKind::Int(_)
            | ExprKind::Float(_)
            | ExprKind::Bool(_)
            | ExprKind::Null
            | ExprKind::Error => {}
            ExprKind::Array(items) => items.iter().for_each(|i| self.expr(i)),
            ExprKind::DictNamed(b) => b.iter().for_each(|b| self.expr(&b.value)),
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
            ExprKind::Compare(first, rest) => {
                self.expr(first);
                rest.iter().for_each(|(_, x)| self.expr(x));
            }
            ExprKind::Call(callee, args) => {
                self.expr(callee);
                self.args(args);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The bound is never below what the code generator creates.
    #[test]
    fn bounds_cover_the_chunk() {
        for text in [
            "|p = 1| [a = p] -> { b = a | print(b) } -> print(a, '$a')",
            "{ for i in [1] | [obj = ./x] -> [i >> obj.list[0]] -> [i >> obj.m.k] }",
            "[n = 0] -> { while n < 3 | [n = n + 1] } -> { session s | print(s) } -> print(1, 2, 3)",
            "{ pfor i in [1, 2] | print(i) } -> { fork | [x = 1] -> print(x) }",
        ] {
            let analysis = crate::analyze(text);
            assert!(!analysis.has_errors(), "{text}");
            let chunk = super::super::compile(&analysis.program, "t", text).unwrap();
            let (slots, positional) = bounds(&analysis.program);
            assert!(slots >= chunk.slots.len(), "{text}: {slots} < {:?}", chunk.slots);
            assert!(positional >= chunk.calls.iter().map(|c| c.npos as usize).max().unwrap_or(0));
            assert!(!may_reach_limits(&analysis.program));
        }
    }

    #[test]
    fn a_flow_past_the_slot_limit_is_counted() {
        let text: String = (0..MAX_SLOTS + 1)
            .map(|i| format!("[v{i} = {i}] ->\n"))
            .chain(std::iter::once("print(1)".to_string()))
            .collect();
        let analysis = crate::analyze(&text);
        assert!(may_reach_limits(&analysis.program));
    }

    #[test]
    fn a_call_past_the_argument_limit_is_counted() {
        let args = vec!["1"; MAX_POSITIONAL + 1].join(", ");
        let analysis = crate::analyze(&format!("print({args})"));
        assert!(may_reach_limits(&analysis.program));
    }
}
