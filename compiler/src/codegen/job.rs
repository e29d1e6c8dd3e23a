//! Jobflow expressions and jobs.

use super::Codegen;
use crate::ast::{Arg, Event, Expr, ExprKind, Flow, Job, JobKind};
use crate::builtins::{self, BuiltinKind};
use crate::bytecode::{EventSpec, ExecSpec, Op, CONTROL_VARIABLES};

impl Codegen {
    pub(crate) fn flow(&mut self, flow: &Flow) {
        for step in &flow.steps {
            self.job(&step.job);
            if let Some((c, span)) = step.connector {
                self.span = span;
                self.emit(Op::Connect(c));
            }
        }
    }

    /// Emit the `Job` marker that error reports and `--trace` use.
    pub(crate) fn job_marker(&mut self, job: &Job) {
        self.span = job.span;
        self.chunk.jobs.push(job.span);
        let i = (self.chunk.jobs.len() - 1) as u32;
        self.emit(Op::Job(i));
    }

    pub(crate) fn job(&mut self, job: &Job) {
        self.job_marker(job);
        match &job.kind {
            JobKind::Skip => {
                self.emit(Op::JobOk);
            }
            JobKind::Exec {
                target,
                input,
                args,
            } => {
                self.expr(target);
                if let Some(i) = input {
                    self.expr(i);
                }
                let call = self.args(args);
                let controls = self.visible_controls();
                self.chunk.execs.push(ExecSpec {
                    has_input: input.is_some(),
                    call,
                    controls,
                });
                let i = (self.chunk.execs.len() - 1) as u32;
                self.emit(Op::Exec(i));
            }
            JobKind::Assign(bindings) => {
                for b in bindings {
                    self.expr(&b.value);
                    let slot = self.assign_slot(&b.name.name);
                    self.emit(Op::StoreSlot(slot));
                }
                self.emit(Op::JobOk);
            }
            JobKind::Update { value, target } => {
                self.expr(value);
                self.update_target(target);
                self.emit(Op::JobOk);
            }
            JobKind::Event(ev) => {
                let i = self.event_operands(ev);
                self.emit(Op::Event(i));
            }
            JobKind::Builtin { name, args } => self.builtin_job(&name.name, args),
            JobKind::Break => self.break_job(),
            JobKind::Continue => self.continue_job(),
            JobKind::Block(b) => self.block(b),
            JobKind::Error => self.fail("this job could not be compiled"),
        }
    }

    /// Store the value on the stack into an update target.
    fn update_target(&mut self, target: &Expr) {
        self.span = target.span;
        match &target.kind {
            ExprKind::Var(name) => {
                let slot = self.assign_slot(name);
                self.emit(Op::StoreSlot(slot));
            }
            ExprKind::Attr(base, _) | ExprKind::Index(base, _) if writes_back(base) => {
                self.element_update(target, base);
            }
            ExprKind::Attr(base, name) => {
                self.expr(base);
                let n = self.name(&name.name);
                self.emit(Op::SetAttr(n));
            }
            ExprKind::Index(base, index) => {
                self.expr(base);
                self.expr(index);
                self.emit(Op::SetIndex);
            }
            _ => {
                self.emit(Op::Pop);
                self.fail("writing a whole object by an update job needs the object store");
            }
        }
    }

    /// `[v >> obj.list[0]]`, `[v >> obj.map.k]` (library.md §3.4): `base` is read (a
    /// field read gives a copy of the stored value), its element set, and the whole of
    /// `base` written back into its own place, so the field is stored again.
    fn element_update(&mut self, target: &Expr, base: &Expr) {
        self.expr(base);
        self.emit(Op::Dup);
        let tmp = self.new_slot("(element update)");
        self.emit(Op::StoreSlot(tmp));
        match &target.kind {
            ExprKind::Attr(_, name) => {
                let n = self.name(&name.name);
                self.emit(Op::SetAttr(n));
            }
            ExprKind::Index(_, index) => {
                self.expr(index);
                self.emit(Op::SetIndex);
            }
            _ => unreachable!("element_update is called for Attr and Index targets"),
        }
        self.span = target.span;
        self.emit(Op::LoadSlot(tmp));
        self.update_target(base);
    }

    /// Push the operands of an event job and register its spec.
    pub(crate) fn event_operands(&mut self, ev: &Event) -> u32 {
        if let Some(t) = &ev.target {
            self.expr(t);
        }
        if let Some((_, g)) = &ev.guard {
            self.expr(g);
        }
        let call = self.args(&ev.args);
        self.chunk.events.push(EventSpec {
            has_target: ev.target.is_some(),
            guard: ev.guard.as_ref().map(|(g, _)| *g),
            call,
        });
        (self.chunk.events.len() - 1) as u32
    }

    fn builtin_job(&mut self, name: &str, args: &[Arg]) {
        match builtins::lookup_in(name, self.dialect) {
            Some(id) if matches!(name, "put" | "get" | "reboot") => {
                // Remote: they read the control variables, as command jobs do.
                let call = self.args(args);
                let controls = self.visible_controls();
                self.chunk.execs.push(ExecSpec {
                    has_input: false,
                    call,
                    controls,
                });
                let i = (self.chunk.execs.len() - 1) as u32;
                self.emit(Op::RemoteJob(id, i));
            }
            Some(id) if builtins::get(id).kind == BuiltinKind::Job => {
                let spec = self.args(args);
                let c = self.call_spec(spec);
                self.emit(Op::BuiltinJob(id, c));
            }
            Some(id) => {
                let spec = self.args(args);
                let c = self.call_spec(spec);
                self.emit(Op::CallBuiltin(id, c));
                self.emit(Op::JobResult);
            }
            None => {
                // Any other name calls the value of the variable (§18 D1).
                let slot = self.assign_slot(name);
                self.emit(Op::LoadSlot(slot));
                let spec = self.args(args);
                let c = self.call_spec(spec);
                self.emit(Op::Call(c));
                self.emit(Op::JobResult);
            }
        }
    }

    /// The control variables a command job at this point would read.
    pub(super) fn visible_controls(&self) -> Vec<(u8, u16)> {
        CONTROL_VARIABLES
            .iter()
            .enumerate()
            .filter_map(|(i, name)| self.lookup(name).map(|slot| (i as u8, slot)))
            .collect()
    }

    fn break_job(&mut self) {
        let Some(lp) = self.loops.last() else {
            self.fail("`break` outside a loop");
            return;
        };
        let (has_iter, tries) = (lp.has_iter, lp.tries);
        for _ in tries..self.tries {
            self.emit(Op::TryDrop);
        }
        if has_iter {
            self.emit(Op::IterEnd);
        }
        let j = self.emit(Op::Jump(0));
        if let Some(lp) = self.loops.last_mut() {
            lp.breaks.push(j);
        }
    }

    fn continue_job(&mut self) {
        let Some(at) = self.loops.iter().rposition(|l| l.session.is_none()) else {
            self.fail("`continue` outside a loop");
            return;
        };
        let (head, tries) = (self.loops[at].head, self.loops[at].tries);
        let sessions: Vec<u16> = self.loops[at + 1..]
            .iter()
            .filter_map(|l| l.session)
            .collect();
        for _ in tries..self.tries {
            self.emit(Op::TryDrop);
        }
        for slot in sessions.into_iter().rev() {
            self.emit(Op::SessionClose(slot));
        }
        self.emit(Op::Jump(head));
    }
}

/// Whether an update of an element of `base` must write `base` back: `base` is itself an
/// attribute or index of something that can be named again without side effects (a
/// variable, an object path, `$RESULT`...), such as `obj.list` or `/nodes/web1.tags`.
fn writes_back(base: &Expr) -> bool {
    match &base.kind {
        ExprKind::Attr(root, _) | ExprKind::Index(root, _) => {
            matches!(
                root.kind,
                ExprKind::Var(_) | ExprKind::Path(_) | ExprKind::Root | ExprKind::Status(_)
            ) || writes_back(root)
        }
        _ => false,
    }
}
