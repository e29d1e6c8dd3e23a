//! Blocks (language.md §6).

use super::{Codegen, Loop};
use crate::ast::{Block, BlockKind, Flow, JobKind};
use crate::bytecode::{CallSpec, ChoiceSpec, ExecSpec, ForkSpec, Op, StatusVar};

impl Codegen {
    pub(crate) fn block(&mut self, block: &Block) {
        self.span = block.span;
        self.blocks.push(Vec::new());
        match &block.kind {
            BlockKind::Simple { bindings, body } => {
                for b in bindings {
                    self.expr(&b.value);
                    let slot = self.bind(&b.name.name);
                    self.emit(Op::StoreSlot(slot));
                }
                self.flow(body);
            }
            BlockKind::If {
                cond,
                then,
                elifs,
                otherwise,
                ..
            } => self.if_block(cond.as_ref(), then, elifs, otherwise.as_ref()),
            BlockKind::Case {
                subject,
                clauses,
                otherwise,
            } => self.case_block(subject.as_ref(), clauses, otherwise.as_ref()),
            BlockKind::For { var, iter, body } => {
                self.expr(iter);
                self.emit(Op::IterStart);
                let slot = self.bind(&var.name);
                let head = self.here();
                let next = self.emit(Op::IterNext(slot, 0));
                self.loop_body(true, head, body, &[next]);
            }
            BlockKind::While { cond, body } => {
                let head = self.here();
                self.expr(cond);
                let exit = self.emit(Op::JumpIfFalse(0));
                self.loop_body(false, head, body, &[exit]);
            }
            BlockKind::Choice { branches } => self.choice_block(branches),
            BlockKind::Fork { branches } => {
                let at = self.emit(Op::Fork(0));
                let mut starts = Vec::new();
                for b in branches {
                    starts.push(self.here());
                    self.child_body(b);
                }
                self.finish_fork(at, starts, None);
            }
            BlockKind::Pfor { var, iter, body } => {
                self.expr(iter);
                self.span = block.span;
                let at = self.emit(Op::Fork(0));
                let slot = self.bind(&var.name);
                let start = self.here();
                self.child_body(body);
                self.finish_fork(at, vec![start], Some(slot));
            }
            BlockKind::Session { var, body } => self.session_block(&var.name, body),
            BlockKind::Try { body } => {
                let start = self.emit(Op::TryStart(0));
                self.tries += 1;
                self.flow(body);
                self.tries -= 1;
                self.emit(Op::TryEnd);
                let skip = self.emit(Op::Jump(0));
                self.patch_here(start);
                self.patch_here(skip);
            }
        }
        self.blocks.pop();
    }

    /// `{ session s | body }`: open, bind `s`, run the body, close (also on `break`).
    fn session_block(&mut self, var: &str, body: &Flow) {
        let controls = self.visible_controls();
        self.chunk.execs.push(ExecSpec {
            has_input: false,
            call: CallSpec::default(),
            controls,
        });
        self.emit(Op::SessionOpen((self.chunk.execs.len() - 1) as u32));
        let slot = self.bind(var);
        let bind = self.emit(Op::SessionBind(slot, 0));
        self.loops.push(Loop {
            has_iter: false,
            head: 0,
            breaks: Vec::new(),
            tries: self.tries,
            session: Some(slot),
        });
        self.flow(body);
        for b in self.loops.pop().map(|l| l.breaks).unwrap_or_default() {
            self.patch_here(b);
        }
        self.emit(Op::SessionClose(slot));
        self.patch_here(bind);
    }

    /// The body of a `for`/`while`; `exits` are the jumps taken when the loop is over.
    fn loop_body(&mut self, has_iter: bool, head: u32, body: &Flow, exits: &[usize]) {
        self.loops.push(Loop {
            has_iter,
            head,
            breaks: Vec::new(),
            tries: self.tries,
            session: None,
        });
        self.flow(body);
        self.emit(Op::Jump(head));
        let lp = self.loops.pop();
        for &e in exits {
            self.patch_here(e);
        }
        for b in lp.map(|l| l.breaks).unwrap_or_default() {
            self.patch_here(b);
        }
        self.emit(Op::JobOk);
    }

    /// A flow run by a child process: loops of the parent are out of reach.
    fn child_body(&mut self, body: &Flow) {
        let loops = std::mem::take(&mut self.loops);
        let tries = std::mem::replace(&mut self.tries, 0);
        self.flow(body);
        self.emit(Op::ChildEnd);
        self.loops = loops;
        self.tries = tries;
    }

    fn finish_fork(&mut self, at: usize, branches: Vec<u32>, pfor_slot: Option<u16>) {
        let end = self.here();
        self.chunk.forks.push(ForkSpec {
            branches,
            end,
            pfor_slot,
        });
        self.chunk.code[at] = Op::Fork((self.chunk.forks.len() - 1) as u32);
    }

    fn if_block(
        &mut self,
        cond: Option<&crate::ast::Expr>,
        then: &Flow,
        elifs: &[(crate::ast::Expr, Flow)],
        otherwise: Option<&Flow>,
    ) {
        match cond {
            Some(c) => self.expr(c),
            None => {
                self.emit(Op::LoadStatus(StatusVar::Result));
            }
        }
        let mut ends = Vec::new();
        let mut next = self.emit(Op::JumpIfFalse(0));
        self.flow(then);
        ends.push(self.emit(Op::Jump(0)));
        for (c, f) in elifs {
            self.patch_here(next);
            self.expr(c);
            next = self.emit(Op::JumpIfFalse(0));
            self.flow(f);
            ends.push(self.emit(Op::Jump(0)));
        }
        self.patch_here(next);
        match otherwise {
            Some(f) => self.flow(f),
            None => {
                self.emit(Op::NoBranch);
            }
        }
        ends.into_iter().for_each(|e| self.patch_here(e));
    }

    fn case_block(
        &mut self,
        subject: Option<&crate::ast::Expr>,
        clauses: &[crate::ast::CaseClause],
        otherwise: Option<&Flow>,
    ) {
        match subject {
            Some(s) => self.expr(s),
            None => {
                self.emit(Op::LoadStatus(StatusVar::Result));
            }
        }
        let mut ends = Vec::new();
        for clause in clauses {
            let mut hits = Vec::new();
            for p in &clause.patterns {
                self.expr(p);
                self.emit(Op::CaseMatch);
                hits.push(self.emit(Op::JumpIfTrue(0)));
            }
            let next = self.emit(Op::Jump(0));
            hits.into_iter().for_each(|h| self.patch_here(h));
            self.emit(Op::Pop);
            self.flow(&clause.body);
            ends.push(self.emit(Op::Jump(0)));
            self.patch_here(next);
        }
        self.emit(Op::Pop);
        match otherwise {
            Some(f) => self.flow(f),
            None => {
                self.emit(Op::CaseFail);
            }
        }
        ends.into_iter().for_each(|e| self.patch_here(e));
    }

    /// All branches' event operands are pushed first; `Choice` then jumps to the
    /// branch whose event fired, where the rest of that branch runs.
    fn choice_block(&mut self, branches: &[Flow]) {
        let mut events = Vec::new();
        for b in branches {
            if let JobKind::Event(ev) = &b.steps[0].job.kind {
                self.span = b.steps[0].job.span;
                events.push(self.event_operands(ev));
            }
        }
        let at = self.emit(Op::Choice(0));
        let mut starts = Vec::new();
        let mut ends = Vec::new();
        for b in branches {
            starts.push(self.here());
            self.job_marker(&b.steps[0].job);
            if let Some((c, span)) = b.steps[0].connector {
                self.span = span;
                self.emit(Op::Connect(c));
            }
            let rest = Flow {
                steps: b.steps[1..].to_vec(),
                span: b.span,
            };
            self.flow(&rest);
            ends.push(self.emit(Op::Jump(0)));
        }
        ends.into_iter().for_each(|e| self.patch_here(e));
        self.chunk.choices.push(ChoiceSpec {
            events,
            branches: starts,
        });
        self.chunk.code[at] = Op::Choice((self.chunk.choices.len() - 1) as u32);
    }
}
