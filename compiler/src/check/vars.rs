//! Variable flow: reads that no assignment can reach (W0001) and variables
//! assigned but never read (W0002).
//!
//! The walk follows execution order and tracks which names *may* be assigned at
//! each point: branches join by union, a loop body starts with what it may assign
//! already visible (a read at its top sees assignments made at its end, on the next
//! iteration), and fork/pfor children cannot assign their parent's variables.

use std::collections::{HashMap, HashSet};

use super::loop_assigns::loop_assigns;
use super::LazyNames;
use crate::ast::*;
use crate::builtins;
use crate::diagnostics::{Code, Diagnostic};
use crate::span::Span;

/// `defined`: every name the flow may assign ([`super::structure::assigned_names`]).
pub fn check(program: &Program, defined: &LazyNames, out: &mut Vec<Diagnostic>) {
    let mut w = Walker {
        dialect: program.dialect,
        ..Walker::default()
    };
    for p in &program.params {
        if let Some(d) = &p.default {
            w.expr(d);
        }
        w.state.jobflow.insert(&p.name.name);
        w.params.insert(&p.name.name);
    }
    if let Some(body) = &program.body {
        w.flow(body);
    }
    let mut unused: Vec<(&str, &Span)> = w
        .assigned
        .iter()
        .filter(|(n, _)| !w.read.contains(*n) && !exempt(n))
        .map(|(n, s)| (*n, s))
        .collect();
    unused.sort_by_key(|(_, s)| s.start);
    for (name, span) in unused {
        out.push(
            Diagnostic::new(
                Code::UnusedVariable,
                *span,
                format!("`{name}` is assigned but never read"),
            )
            .label("assigned here")
            .help(format!(
                "remove the assignment, or name it `_{name}` if it is kept on purpose"
            )),
        );
    }
    let mut unreached = w.unreached;
    unreached.sort_by_key(|(s, _, _)| s.start);
    unreached.dedup_by_key(|(s, _, _)| *s);
    for (span, name, in_try) in unreached {
        if defined.get().contains(&format!("${name}")) {
            // `[$host = 1] -> print(host)`: E0009 on the assignment already says to
            // write `host`; this read is the same mistake.
            continue;
        }
        // Inside `try` the run-time error is caught: maybe on purpose, so only a warning.
        if !defined.get().contains(name) && !in_try {
            out.push(super::names::undefined(name, span, defined.get()));
            continue;
        }
        out.push(
            Diagnostic::new(
                Code::UnassignedRead,
                span,
                format!("`{name}` is read here, but no assignment can reach this point"),
            )
            .label("never assigned before this read")
            .help(format!(
                "assign it earlier, e.g. `[{name} = ...] ->`, or pass it as a parameter `|{name}|`"
            )),
        );
    }
}

/// Control variables are read by the engine; `_name` marks a deliberate unused value.
fn exempt(name: &str) -> bool {
    name.starts_with('_') || name.starts_with('$')
}

// Names are borrowed from the tree: the walk copies no string (copying every name
// read or assigned was a good part of the time of a check of a long flow).
#[derive(Default)]
struct State<'a> {
    jobflow: HashSet<&'a str>,
    blocks: Vec<HashSet<&'a str>>,
    /// Names added to `jobflow`, in order, so that a branch can be undone without
    /// copying the set (copies made the walk quadratic on long flows).
    log: Vec<&'a str>,
}

/// The names a branch added to the jobflow scope.
type Added<'a> = Vec<&'a str>;

impl<'a> State<'a> {
    fn in_block(&self, name: &str) -> bool {
        self.blocks.iter().any(|b| b.contains(name))
    }

    fn visible(&self, name: &str) -> bool {
        self.jobflow.contains(name) || self.in_block(name)
    }

    fn add(&mut self, name: &'a str) {
        if self.jobflow.insert(name) {
            self.log.push(name);
        }
    }

    fn join(&mut self, added: Added<'a>) {
        added.into_iter().for_each(|n| self.add(n));
    }
}

#[derive(Default)]
struct Walker<'a> {
    state: State<'a>,
    params: HashSet<&'a str>,
    /// First assignment of each jobflow-scope name or block binding.
    assigned: HashMap<&'a str, Span>,
    read: HashSet<&'a str>,
    /// Reads no assignment reaches, and whether each is inside a `try` body.
    unreached: Vec<(Span, &'a str, bool)>,
    /// How many `try` bodies enclose the walk.
    tries: usize,
    /// Which built-ins the flow sees (a built-in's name is not a variable read).
    dialect: builtins::Dialect,
}

impl<'a> Walker<'a> {
    fn flow(&mut self, flow: &'a Flow) {
        flow.steps.iter().for_each(|s| self.job(&s.job));
    }

    fn assign(&mut self, name: &'a str, span: Span) {
        if name.starts_with('$') {
            return;
        }
        if !self.state.in_block(name) {
            self.state.add(name);
        }
        if !self.params.contains(name) {
            self.assigned.entry(name).or_insert(span);
        }
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
                self.expr(&b.value);
                self.assign(&b.name.name, b.name.span);
            }),
            JobKind::Update { value, target } => {
                self.expr(value);
                match &target.kind {
                    ExprKind::Var(name) => self.assign(name, target.span),
                    _ => self.expr(target),
                }
            }
            JobKind::Event(ev) => {
                ev.target.iter().for_each(|e| self.expr(e));
                ev.guard.iter().for_each(|(_, e)| self.expr(e));
                self.args(&ev.args);
            }
            JobKind::Builtin { args, name } => {
                // An unknown name here is E0006 already: only count it as read.
                self.read.insert(&name.name);
                self.args(args);
            }
            JobKind::Block(b) => self.block(b),
            JobKind::Skip | JobKind::Break | JobKind::Continue | JobKind::Error => {}
        }
    }

    fn scoped(&mut self, names: HashSet<&'a str>, f: impl FnOnce(&mut Self)) {
        self.state.blocks.push(names);
        f(self);
        self.state.blocks.pop();
    }

    /// Run `f` from the current state, undo what it added and return those names.
    fn branch(&mut self, f: impl FnOnce(&mut Self)) -> Added<'a> {
        let mark = self.state.log.len();
        f(self);
        let added: Added = self.state.log.drain(mark..).collect();
        for n in &added {
            self.state.jobflow.remove(*n);
        }
        added
    }

    /// A loop body: what it may assign is visible at its top from the second
    /// iteration on, so those names are added before it is walked.
    fn repeated(&mut self, assigns: Vec<&'a str>, f: impl FnOnce(&mut Self)) {
        for name in assigns {
            if !self.state.in_block(name) {
                self.state.add(name);
            }
        }
        let added = self.branch(f);
        self.state.join(added);
    }

    fn block(&mut self, block: &'a Block) {
        match &block.kind {
            BlockKind::Simple { bindings, body } => {
                bindings.iter().for_each(|b| self.expr(&b.value));
                for b in bindings {
                    self.assigned.entry(&b.name.name).or_insert(b.name.span);
                }
                self.scoped(
                    bindings.iter().map(|b| b.name.name.as_str()).collect(),
                    |w| w.flow(body),
                );
            }
            BlockKind::If {
                cond,
                then,
                elifs,
                otherwise,
                ..
            } => {
                cond.iter().for_each(|c| self.expr(c));
                let mut flows: Vec<&'a Flow> = vec![then];
                let mut ends = Vec::new();
                for (c, f) in elifs {
                    ends.push(self.branch(|w| w.flow(flows[0])));
                    flows[0] = f;
                    self.expr(c);
                }
                ends.push(self.branch(|w| w.flow(flows[0])));
                if let Some(f) = otherwise {
                    ends.push(self.branch(|w| w.flow(f)));
                }
                ends.into_iter().for_each(|e| self.state.join(e));
            }
            BlockKind::Case {
                subject,
                clauses,
                otherwise,
            } => {
                subject.iter().for_each(|c| self.expr(c));
                let mut ends = Vec::new();
                for c in clauses {
                    c.patterns.iter().for_each(|p| self.expr(p));
                    ends.push(self.branch(|w| w.flow(&c.body)));
                }
                if let Some(f) = otherwise {
                    ends.push(self.branch(|w| w.flow(f)));
                }
                ends.into_iter().for_each(|e| self.state.join(e));
            }
            BlockKind::For { var, iter, body } => {
                self.expr(iter);
                let names = HashSet::from([var.name.as_str()]);
                let assigns = loop_assigns(body, &[&var.name]);
                self.repeated(assigns, |w| w.scoped(names, |w| w.flow(body)));
            }
            BlockKind::While { cond, body } => self.repeated(loop_assigns(body, &[]), |w| {
                w.expr(cond);
                w.flow(body);
            }),
            BlockKind::Pfor { var, iter, body } => {
                self.expr(iter);
                let names = HashSet::from([var.name.as_str()]);
                self.branch(|w| w.scoped(names, |w| w.flow(body)));
            }
            BlockKind::Fork { branches } => branches.iter().for_each(|b| {
                self.branch(|w| w.flow(b));
            }),
            BlockKind::Choice { branches } => {
                let ends: Vec<Added<'a>> = branches
                    .iter()
                    .map(|b| self.branch(|w| w.flow(b)))
                    .collect();
                ends.into_iter().for_each(|e| self.state.join(e));
            }
            BlockKind::Session { var, body } => {
                self.scoped(HashSet::from([var.name.as_str()]), |w| w.flow(body))
            }
            BlockKind::Try { body } => {
                self.tries += 1;
                self.flow(body);
                self.tries -= 1;
            }
        }
    }

    fn args(&mut self, args: &'a [Arg]) {
        for a in args {
            match a {
                Arg::Pos(e) | Arg::Spread(e) | Arg::SpreadNamed(e) => self.expr(e),
                Arg::Named(b) => self.expr(&b.value),
            }
        }
    }

    fn read_var(&mut self, name: &'a str, span: Span) {
        self.read.insert(name);
        if !self.state.visible(name) && builtins::lookup_in(name, self.dialect).is_none() {
            self.unreached.push((span, name, self.tries > 0));
        }
    }

    fn template(&mut self, text: &'a str) {
        self.read.extend(template_names(text));
    }

    fn expr(&mut self, e: &'a Expr) {
        match &e.kind {
            ExprKind::Var(name) => self.read_var(name, e.span),
            ExprKind::Str(text) | ExprKind::Pattern { text, .. } => self.template(text),
            // `$host` for the variable `host` is E0009 already: the variable was meant to
            // be read there, so it is not also reported as never read.
            ExprKind::Status(name) => {
                if !super::structure::STATUS_VARIABLES.contains(&name.as_str()) {
                    self.read.insert(name);
                }
            }
            ExprKind::Path(_)
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
                match &callee.kind {
                    // A built-in name called always reaches the built-in (§18 D1); any
                    // other unknown called name is E0006, so it is only counted as read.
                    ExprKind::Var(name) => {
                        self.read.insert(name);
                    }
                    _ => self.expr(callee),
                }
                self.args(args);
            }
        }
    }
}

/// Names a `$` template in a literal reads: `$name` (ASCII) and `${name}`.
pub fn template_names(text: &str) -> Vec<&str> {
    let mut names = Vec::new();
    let b = text.as_bytes();
    let mut i = 0;
    while i < b.len() {
        if b[i] != b'$' {
            i += 1;
            continue;
        }
        match b.get(i + 1) {
            Some(b'$') => i += 2,
            Some(b'{') => {
                let rest = &text[i + 2..];
                if let Some(end) = rest.find('}') {
                    names.push(&rest[..end]);
                    i += 3 + end;
                } else {
                    i += 2;
                }
            }
            Some(c) if c.is_ascii_alphabetic() || *c == b'_' => {
                let len = b[i + 1..]
                    .iter()
                    .take_while(|c| c.is_ascii_alphanumeric() || **c == b'_')
                    .count();
                names.push(&text[i + 1..i + 1 + len]);
                i += 1 + len;
            }
            _ => i += 1,
        }
    }
    names
}
