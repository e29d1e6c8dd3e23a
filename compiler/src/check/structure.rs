//! Structural checks: loop control, duplicates, status variables, update targets,
//! choice branches, unreachable jobs and the original engine's job limit.

use std::collections::{HashMap, HashSet};

use super::calls;
use super::{LazyNames, ORIGINAL_MAX_JOBS};
use crate::ast::*;
use crate::builtins::Dialect;
use crate::diagnostics::{Code, Diagnostic};
use crate::lexer::PatKind;

/// The five status variables (language.md §11.1).
pub const STATUS_VARIABLES: &[&str] = &["RESULT", "STATUS", "ERROR", "DEBUG", "ENV"];

/// `known`: every name the flow may assign, when the tree is the whole flow (no
/// syntax error); without it the checks that need it (unknown built-ins) are left out.
pub fn check(program: &Program, known: Option<&LazyNames>, out: &mut Vec<Diagnostic>) {
    let objects = LazyNames::new(program, super::exec::store_variables);
    let mut w = Walker {
        out,
        dialect: program.dialect,
        known,
        objects: &objects,
        ctx: Ctx::default(),
    };
    let mut seen: HashMap<&str, &Param> = HashMap::new();
    for p in &program.params {
        if let Some(first) = seen.get(p.name.name.as_str()) {
            w.out.push(
                Diagnostic::new(
                    Code::DuplicateParam,
                    p.name.span,
                    format!("parameter `{}` is declared twice", p.name.name),
                )
                .label("declared again here")
                .note(first.name.span, "first declared here")
                .help("remove one declaration, or rename one of them"),
            );
        } else {
            seen.insert(&p.name.name, p);
        }
        if let Some(d) = &p.default {
            w.expr(d);
        }
    }
    if let Some(body) = &program.body {
        w.flow(body);
    }
}

/// Where the walk is: what `break` and `continue` may reach.
#[derive(Clone, Copy, Default)]
struct Ctx {
    in_loop: bool,
    in_session: bool,
}

struct Walker<'a> {
    out: &'a mut Vec<Diagnostic>,
    /// Which built-ins a call may reach.
    dialect: Dialect,
    /// Every name the program can assign: a call of one of them is not an unknown built-in.
    /// `None` when the tree is not the whole flow.
    known: Option<&'a LazyNames<'a>>,
    /// Variables that only ever hold a store object.
    objects: &'a LazyNames<'a>,
    ctx: Ctx,
}

impl Walker<'_> {
    fn flow(&mut self, flow: &Flow) {
        if flow.steps.len() > ORIGINAL_MAX_JOBS {
            self.out.push(
                Diagnostic::new(
                    Code::TooManyJobs,
                    flow.span,
                    format!(
                        "this jobflow expression has {} jobs; the original engine accepts at most {ORIGINAL_MAX_JOBS}",
                        flow.steps.len()
                    ),
                )
                .help("jfc runs it, but to stay portable group jobs into blocks or split the jobflow"),
            );
        }
        let mut ender: Option<&Job> = None;
        for step in &flow.steps {
            if let Some(end) = ender.take() {
                self.out.push(
                    Diagnostic::new(
                        Code::UnreachableJob,
                        step.job.span,
                        "this job can never run",
                    )
                    .label("unreachable")
                    .note(end.span, "the process never continues past this job"),
                );
            }
            self.job(&step.job);
            if step.connector.is_some() && never_continues(&step.job) {
                ender = Some(&step.job);
            }
        }
    }

    fn job(&mut self, job: &Job) {
        match &job.kind {
            JobKind::Skip | JobKind::Error => {}
            JobKind::Exec {
                target,
                input,
                args,
            } => {
                super::exec::check(target, args, self.objects, self.out);
                self.expr(target);
                if let Some(i) = input {
                    self.expr(i);
                }
                self.args(args);
            }
            JobKind::Assign(bindings) => {
                for b in bindings {
                    if let Some(name) = b.name.name.strip_prefix('$') {
                        self.status_write(name, b.name.span);
                    }
                    self.expr(&b.value);
                }
            }
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
                calls::check_call(
                    calls::Call {
                        name: &name.name,
                        span: name.span,
                        args,
                        as_job: true,
                    },
                    self.dialect,
                    self.known,
                    self.out,
                );
                self.args(args);
            }
            JobKind::Break => {
                self.loop_control(job, "break", self.ctx.in_loop || self.ctx.in_session)
            }
            JobKind::Continue => self.loop_control(job, "continue", self.ctx.in_loop),
            JobKind::Block(b) => self.block(b),
        }
    }

    fn loop_control(&mut self, job: &Job, word: &str, allowed: bool) {
        if !allowed {
            self.out.push(
                Diagnostic::new(Code::LoopControlOutsideLoop, job.span, format!("`{word}` outside a loop"))
                    .label(format!("no `for` or `while` loop around this `{word}`"))
                    .help("`break` and `continue` work inside `for` and `while` bodies (and `break` in a `session`), but not across `fork` or `pfor`: a child process cannot leave its parent's loop"),
            );
        }
    }

    fn block(&mut self, block: &Block) {
        let saved = self.ctx;
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
                subject.iter().for_each(|c| self.expr(c));
                for c in clauses {
                    c.patterns.iter().for_each(|p| self.expr(p));
                    self.flow(&c.body);
                }
                otherwise.iter().for_each(|f| self.flow(f));
            }
            BlockKind::For { iter, body, .. } | BlockKind::While { cond: iter, body } => {
                self.expr(iter);
                self.ctx.in_loop = true;
                self.flow(body);
            }
            BlockKind::Choice { branches } => {
                for b in branches {
                    let first = &b.steps[0].job;
                    if !matches!(first.kind, JobKind::Event(_) | JobKind::Error) {
                        self.out.push(
                            Diagnostic::new(
                                Code::ChoiceBranch,
                                first.span,
                                "a `choice` branch must start with an event job",
                            )
                            .label("not an event job")
                            .help("write each branch as `<channel> -> jobs...`"),
                        );
                    }
                    self.flow(b);
                }
            }
            BlockKind::Fork { branches } => {
                self.ctx = Ctx::default();
                branches.iter().for_each(|b| self.flow(b));
            }
            BlockKind::Pfor { iter, body, .. } => {
                self.expr(iter);
                self.ctx = Ctx::default();
                self.flow(body);
            }
            BlockKind::Session { body, .. } => {
                self.ctx.in_session = true;
                self.flow(body);
            }
            BlockKind::Try { body } => self.flow(body),
        }
        self.ctx = saved;
    }

    fn bindings(&mut self, bindings: &[Binding]) {
        duplicate_names(bindings.iter().map(|b| &b.name), "binding", self.out);
        bindings.iter().for_each(|b| self.expr(&b.value));
    }

    fn args(&mut self, args: &[Arg]) {
        calls::check_order(args, self.out);
        duplicate_names(
            args.iter().filter_map(|a| {
                if let Arg::Named(b) = a {
                    Some(&b.name)
                } else {
                    None
                }
            }),
            "keyword argument",
            self.out,
        );
        for a in args {
            match a {
                Arg::Pos(e) | Arg::Spread(e) | Arg::SpreadNamed(e) => self.expr(e),
                Arg::Named(b) => self.expr(&b.value),
            }
        }
    }

    fn status_write(&mut self, name: &str, span: crate::span::Span) {
        if !STATUS_VARIABLES.contains(&name) {
            self.out.push(unknown_status(name, span));
            return;
        }
        self.out.push(
            Diagnostic::new(Code::StatusAssign, span, format!("`${name}` is a status variable and cannot be assigned"))
                .label("read-only")
                .help(format!("status variables are set by the jobs themselves; keep a copy in a variable: `[saved = ${name}]`")),
        );
    }

    fn update_target(&mut self, target: &Expr) {
        match &target.kind {
            ExprKind::Status(name) => self.status_write(name, target.span),
            ExprKind::Var(_) | ExprKind::Path(_) | ExprKind::Root => {}
            ExprKind::Attr(base, _) => self.target_base(base),
            ExprKind::Index(base, idx) => {
                self.target_base(base);
                self.expr(idx);
            }
            _ => self.bad_target(target),
        }
    }

    /// The container part of an update target: a name, path or status variable, then `.x` / `[i]`.
    fn target_base(&mut self, base: &Expr) {
        match &base.kind {
            ExprKind::Var(_) | ExprKind::Path(_) | ExprKind::Root => {}
            ExprKind::Status(name) => self.status_name(name, base),
            ExprKind::Attr(inner, _) => self.target_base(inner),
            ExprKind::Index(inner, idx) => {
                self.target_base(inner);
                self.expr(idx);
            }
            _ => self.bad_target(base),
        }
    }

    fn bad_target(&mut self, target: &Expr) {
        self.out.push(
            Diagnostic::new(Code::BadUpdateTarget, target.span, "this cannot be the target of an update job")
                .label("not a variable, field or element")
                .help("the target of `[value >> target]` is a name, an object path, or one of them followed by `.name` or `[index]`"),
        );
    }

    fn status_name(&mut self, name: &str, e: &Expr) {
        if !STATUS_VARIABLES.contains(&name) {
            self.out.push(unknown_status(name, e.span));
        }
    }

    fn expr(&mut self, e: &Expr) {
        match &e.kind {
            ExprKind::Status(name) => self.status_name(name, e),
            // Not patterns: in a regular expression `${2}` is more likely meant as written.
            ExprKind::Str(text) => super::templates::check(text, e.span, self.known, self.out),
            ExprKind::Var(_)
            | ExprKind::Path(_)
            | ExprKind::Root
            | ExprKind::Bytes(_)
            | ExprKind::Int(_)
            | ExprKind::Float(_)
            | ExprKind::Bool(_)
            | ExprKind::Null
            | ExprKind::Error => {}
            ExprKind::Pattern {
                kind: PatKind::Regex,
                text,
                ..
            } => self.out.extend(invalid_regex(text, e.span)),
            ExprKind::Pattern { .. } => {}
            ExprKind::Array(items) => items.iter().for_each(|i| self.expr(i)),
            ExprKind::DictNamed(b) => {
                duplicate_names(b.iter().map(|b| &b.name), "key", self.out);
                b.iter().for_each(|b| self.expr(&b.value));
            }
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
                if let ExprKind::Var(name) = &callee.kind {
                    calls::check_call(
                        calls::Call {
                            name,
                            span: callee.span,
                            args,
                            as_job: false,
                        },
                        self.dialect,
                        self.known,
                        self.out,
                    );
                } else {
                    self.expr(callee);
                }
                self.args(args);
            }
        }
    }
}

/// A regex literal the VM would refuse when it runs, with the same words (E0002). A
/// literal with `$` placeholders is only known once they are filled in at run time.
fn invalid_regex(text: &str, span: crate::span::Span) -> Option<Diagnostic> {
    if text.contains("${") || !super::vars::template_names(text).is_empty() {
        return None;
    }
    let why = crate::regex::invalid(text)?;
    Some(
        Diagnostic::new(Code::Lexical, span, why)
            .label("not a valid regular expression")
            .help("`r'...'` patterns use Python `re` syntax; a `(`, `)`, `[` or `{` meant literally is escaped with `\\`"),
    )
}

/// `$name` where `name` is not one of the five status variables: most often a
/// variable written with a `$` out of shell habit.
fn unknown_status(name: &str, span: crate::span::Span) -> Diagnostic {
    let d = Diagnostic::new(
        Code::UnknownStatus,
        span,
        format!("`${name}` is not a status variable"),
    );
    match super::suggest::closest(name, STATUS_VARIABLES.iter().copied()) {
        Some(s) => d
            .label("unknown status variable")
            .help(format!("did you mean `${s}`?")),
        None => d.label(format!("write `{name}` without `$`")).help(
            "variables are written without `$`; only the five status variables take it: $RESULT, $STATUS, $ERROR, $DEBUG and $ENV",
        ),
    }
}

/// Jobs after which the process never goes on to the next job of the same flow.
fn never_continues(job: &Job) -> bool {
    match &job.kind {
        JobKind::Builtin { name, .. } => {
            matches!(name.name.as_str(), "exit" | "abort" | "return" | "self")
        }
        JobKind::Break | JobKind::Continue => true,
        _ => false,
    }
}

fn duplicate_names<'a>(
    names: impl Iterator<Item = &'a Ident>,
    what: &str,
    out: &mut Vec<Diagnostic>,
) {
    let mut seen: HashMap<&str, &Ident> = HashMap::new();
    for n in names {
        match seen.get(n.name.as_str()) {
            Some(first) => out.push(
                Diagnostic::new(
                    Code::DuplicateKey,
                    n.span,
                    format!("{what} `{}` is given twice", n.name),
                )
                .label("given again here")
                .note(first.span, "first given here")
                .help("each name may appear once; remove or rename one of them"),
            ),
            None => {
                seen.insert(&n.name, n);
            }
        }
    }
}

/// Every name the program may assign anywhere: parameters, assignments, updates of a
/// bare name, block bindings and loop/session variables.
pub fn assigned_names(program: &Program) -> HashSet<String> {
    // Borrowed while collecting: a name assigned many times is copied once.
    let mut assigned = Assigned::default();
    visit::walk_program(&mut assigned, program);
    assigned.0.into_iter().map(str::to_string).collect()
}

#[derive(Default)]
struct Assigned<'a>(HashSet<&'a str>);

impl<'a> visit::Visitor<'a> for Assigned<'a> {
    fn visit_bound(&mut self, name: &'a Ident) {
        self.0.insert(&name.name);
    }

    fn visit_job(&mut self, job: &'a Job) {
        if let JobKind::Update { target, .. } = &job.kind {
            if let ExprKind::Var(name) = &target.kind {
                self.0.insert(name);
            }
        }
        visit::walk_job(self, job);
    }

    /// No expression assigns: they are not walked.
    fn visit_expr(&mut self, _: &'a Expr) {}
}
