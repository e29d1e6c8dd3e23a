//! Code generation: a checked tree to a [`Chunk`].
//!
//! Variables are resolved here, once: a name bound by an enclosing block (bindings,
//! loop and session variables) gets that binding's slot; any other name gets its
//! jobflow-scope slot (language.md §10). A slot that was never stored is "undefined"
//! at run time. Templates resolve their `$name` placeholders the same way.

mod block;
mod bound;
mod expr;
mod job;

use std::collections::HashMap;

pub use bound::may_reach_limits;

use crate::ast::{Arg, Program};
use crate::builtins;
use crate::bytecode::*;
use crate::diagnostics::{Code, Diagnostic};
use crate::span::Span;

/// How many variable slots a chunk can address (operands are `u16`).
pub const MAX_SLOTS: usize = u16::MAX as usize + 1;
/// How many positional arguments one call can pass.
pub const MAX_POSITIONAL: usize = u16::MAX as usize;

/// Compile a program that passed the checks. `name` names the chunk in messages.
/// A flow beyond a limit of the bytecode is refused (E0019), never silently wrapped.
pub fn compile(program: &Program, name: &str, source: &str) -> Result<Chunk, Diagnostic> {
    let mut g = Codegen::new(name, source);
    g.dialect = program.dialect;
    for n in crate::check::assigned_names_sorted(program) {
        g.jobflow_slot(&n);
    }
    for p in &program.params {
        let slot = g.jobflow_slot(&p.name.name);
        g.chunk.params.push(ParamInfo {
            name: p.name.name.clone(),
            slot,
            has_default: p.default.is_some(),
        });
    }
    for p in &program.params {
        if let Some(d) = &p.default {
            g.span = d.span;
            let slot = g.jobflow_slot(&p.name.name);
            let skip = g.emit(Op::IfSet(slot, 0));
            g.expr(d);
            g.emit(Op::StoreSlot(slot));
            g.patch_here(skip);
        }
    }
    if let Some(body) = &program.body {
        g.flow(body);
    }
    g.span = Span::new(source.len(), source.len());
    g.emit(Op::Return);
    match g.beyond_limit {
        Some(d) => Err(d),
        None => Ok(g.chunk),
    }
}

/// What `break` and `continue` need to know about the loop they are in.
struct Loop {
    /// `for` loops hold an iterator that `break` must drop.
    has_iter: bool,
    head: u32,
    breaks: Vec<usize>,
    /// How many `try` handlers were active when the loop started.
    tries: usize,
    /// A session block (the slot of its channel): `break` ends it, closing the
    /// session; `continue` goes on to the loop around it, closing the session first.
    session: Option<u16>,
}

pub(crate) struct Codegen {
    chunk: Chunk,
    span: Span,
    jobflow: HashMap<String, u16>,
    /// Innermost last.
    blocks: Vec<Vec<(String, u16)>>,
    loops: Vec<Loop>,
    tries: usize,
    consts: HashMap<String, u32>,
    /// The first limit of the bytecode the flow went beyond.
    beyond_limit: Option<Diagnostic>,
    /// Which built-ins a call may reach.
    dialect: builtins::Dialect,
}

impl Codegen {
    fn new(name: &str, source: &str) -> Codegen {
        Codegen {
            chunk: Chunk {
                name: name.to_string(),
                source: source.to_string(),
                params: vec![],
                code: vec![],
                consts: vec![],
                slots: vec![],
                names: vec![],
                calls: vec![],
                execs: vec![],
                templates: vec![],
                events: vec![],
                forks: vec![],
                choices: vec![],
                jobs: vec![],
                lines: vec![],
            },
            span: Span::default(),
            jobflow: HashMap::new(),
            blocks: vec![],
            loops: vec![],
            tries: 0,
            consts: HashMap::new(),
            beyond_limit: None,
            dialect: builtins::Dialect::Flow,
        }
    }

    fn emit(&mut self, op: Op) -> usize {
        let pc = self.chunk.code.len();
        if self.chunk.lines.last().is_none_or(|&(_, s)| s != self.span) {
            self.chunk.lines.push((pc as u32, self.span));
        }
        self.chunk.code.push(op);
        pc
    }

    fn here(&self) -> u32 {
        self.chunk.code.len() as u32
    }

    /// Point the jump at `at` to `target`.
    fn patch(&mut self, at: usize, target: u32) {
        let op = &mut self.chunk.code[at];
        *op = match *op {
            Op::Jump(_) => Op::Jump(target),
            Op::JumpIfFalse(_) => Op::JumpIfFalse(target),
            Op::JumpIfTrue(_) => Op::JumpIfTrue(target),
            Op::JumpIfFalseKeep(_) => Op::JumpIfFalseKeep(target),
            Op::JumpIfTrueKeep(_) => Op::JumpIfTrueKeep(target),
            Op::CompareChain(c, _) => Op::CompareChain(c, target),
            Op::IterNext(s, _) => Op::IterNext(s, target),
            Op::IfSet(s, _) => Op::IfSet(s, target),
            Op::TryStart(_) => Op::TryStart(target),
            Op::SessionBind(s, _) => Op::SessionBind(s, target),
            other => other,
        };
    }

    fn patch_here(&mut self, at: usize) {
        let here = self.here();
        self.patch(at, here);
    }

    fn new_slot(&mut self, name: &str) -> u16 {
        let slot = self.chunk.slots.len();
        if slot >= MAX_SLOTS {
            self.limit(format!(
                "this flow needs more than {MAX_SLOTS} variable slots (variables, block bindings and loop variables)"
            ));
            return 0;
        }
        self.chunk.slots.push(name.to_string());
        slot as u16
    }

    /// Record that the flow goes beyond a limit of the bytecode (the first one is reported).
    fn limit(&mut self, message: String) {
        if self.beyond_limit.is_none() {
            self.beyond_limit = Some(
                Diagnostic::new(Code::BytecodeLimit, self.span, message)
                    .label("the limit is reached here")
                    .help("split the flow into several jobflows and call them"),
            );
        }
    }

    fn jobflow_slot(&mut self, name: &str) -> u16 {
        if let Some(&s) = self.jobflow.get(name) {
            return s;
        }
        let s = self.new_slot(name);
        self.jobflow.insert(name.to_string(), s);
        s
    }

    /// The slot a name refers to here, if any variable of that name can exist.
    fn lookup(&self, name: &str) -> Option<u16> {
        for scope in self.blocks.iter().rev() {
            if let Some(&(_, s)) = scope.iter().rev().find(|(n, _)| n == name) {
                return Some(s);
            }
        }
        self.jobflow.get(name).copied()
    }

    /// The slot an assignment to `name` writes (§4.3: an enclosing binding, else jobflow scope).
    fn assign_slot(&mut self, name: &str) -> u16 {
        match self.lookup(name) {
            Some(s) => s,
            None => self.jobflow_slot(name),
        }
    }

    fn bind(&mut self, name: &str) -> u16 {
        let s = self.new_slot(name);
        if let Some(scope) = self.blocks.last_mut() {
            scope.push((name.to_string(), s));
        }
        s
    }

    fn constant(&mut self, c: Const) -> u32 {
        let key = format!("{c:?}");
        if let Some(&i) = self.consts.get(&key) {
            return i;
        }
        self.chunk.consts.push(c);
        let i = (self.chunk.consts.len() - 1) as u32;
        self.consts.insert(key, i);
        i
    }

    fn name(&mut self, name: &str) -> u32 {
        if let Some(i) = self.chunk.names.iter().position(|n| n == name) {
            return i as u32;
        }
        self.chunk.names.push(name.to_string());
        (self.chunk.names.len() - 1) as u32
    }

    /// Push the arguments and return their layout.
    fn args(&mut self, args: &[Arg]) -> CallSpec {
        let mut spec = CallSpec::default();
        for a in args {
            match a {
                Arg::Pos(e) => {
                    self.expr(e);
                    if spec.npos as usize == MAX_POSITIONAL {
                        self.limit(format!(
                            "a call with more than {MAX_POSITIONAL} positional arguments"
                        ));
                    } else {
                        spec.npos += 1;
                    }
                }
                Arg::Spread(e) => {
                    self.expr(e);
                    spec.spread = true;
                }
                Arg::Named(b) => {
                    self.expr(&b.value);
                    spec.keywords.push(b.name.name.clone());
                }
                Arg::SpreadNamed(e) => {
                    self.expr(e);
                    spec.spread_named = true;
                }
            }
        }
        spec
    }

    fn call_spec(&mut self, spec: CallSpec) -> u32 {
        self.chunk.calls.push(spec);
        (self.chunk.calls.len() - 1) as u32
    }

    fn fail(&mut self, message: &str) {
        let c = self.constant(Const::Str(message.to_string()));
        self.emit(Op::Fail(c));
    }
}
