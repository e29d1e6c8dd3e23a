//! Layout of the program, jobflow expressions, jobs and blocks.

use super::build::{Builder, Kw};
use super::doc::Doc;
use crate::ast::{Block, BlockKind, CaseClause, Event, Flow, Guard, Job, JobKind, Param, Program};

/// Position of the closing delimiter of a node spanning `end` bytes.
pub(super) fn closer(end: u32) -> usize {
    (end as usize).saturating_sub(1)
}

impl Builder<'_> {
    /// Parameters one per line, then the jobs one per line.
    pub(super) fn program(&mut self, program: &Program) -> Doc {
        let mut docs = Vec::new();
        self.open_sequence();
        for p in &program.params {
            docs.push(self.item_prefix(p.span.start as usize, &[p.span.start as usize]));
            docs.push(Doc::Line);
            docs.push(self.param(p));
        }
        if let Some(flow) = &program.body {
            docs.extend(self.flow_lines(flow));
        }
        docs.push(self.rest());
        Doc::Concat(docs)
    }

    fn param(&mut self, p: &Param) -> Doc {
        let mut docs = vec![Doc::text("|"), self.ident(&p.name)];
        if let Some(default) = &p.default {
            docs.push(Doc::text(" = "));
            docs.push(self.expr(default));
        }
        docs.push(self.comments_before(closer(p.span.end)));
        docs.push(Doc::text("|"));
        Doc::Concat(docs)
    }

    /// A flow as a list of lines: a line break before every job, the connector
    /// leading the line of the job it leads to. Whether the breaks are taken is up
    /// to the group the caller puts this in.
    fn flow_lines(&mut self, flow: &Flow) -> Vec<Doc> {
        let mut docs = Vec::new();
        let mut previous: Option<&crate::ast::Step> = None;
        for step in &flow.steps {
            let start = step.job.span.start as usize;
            match previous.and_then(|p| p.connector) {
                Some((connector, span)) => {
                    docs.push(self.item_prefix(start, &[span.start as usize, start]));
                    docs.push(Doc::Line);
                    docs.push(Doc::text(format!("{} ", connector.symbol())));
                }
                None => {
                    docs.push(self.item_prefix(start, &[start]));
                    docs.push(Doc::Line);
                }
            }
            docs.push(self.job(&step.job));
            previous = Some(step);
        }
        docs
    }

    fn job(&mut self, job: &Job) -> Doc {
        let close = closer(job.span.end);
        match &job.kind {
            JobKind::Skip => self.bracketed("[", vec![], close, "]"),
            JobKind::Exec {
                target,
                input,
                args,
            } => {
                let mut docs = vec![self.expr(target)];
                if let Some(input) = input {
                    docs.push(Doc::text(" << "));
                    docs.push(self.expr(input));
                }
                if !args.is_empty() {
                    docs.push(Doc::text(":"));
                    docs.push(self.args_after_colon(args, close));
                }
                self.bracketed("[", docs, close, "]")
            }
            JobKind::Assign(bindings) => {
                let list = self.bindings_list(bindings, close);
                Doc::Concat(vec![Doc::text("["), list, Doc::text("]")])
            }
            JobKind::Update { value, target } => {
                let docs = vec![self.expr(value), Doc::text(" >> "), self.expr(target)];
                self.bracketed("[", docs, close, "]")
            }
            JobKind::Event(event) => self.event(event, close),
            JobKind::Builtin { name, args } => {
                let name = self.ident(name);
                let args = self.call_args(args, close);
                Doc::Concat(vec![name, Doc::text("("), args, Doc::text(")")])
            }
            JobKind::Break => Doc::text("break"),
            JobKind::Continue => Doc::text("continue"),
            JobKind::Block(block) => self.block(block),
            // Never printed: files with syntax errors are refused before layout.
            JobKind::Error => Doc::text("[]"),
        }
    }

    /// `open docs… close`, with any comment left before the closing delimiter.
    fn bracketed(&mut self, open: &str, mut docs: Vec<Doc>, close: usize, end: &str) -> Doc {
        docs.insert(0, Doc::text(open));
        docs.push(self.comments_before(close));
        docs.push(Doc::text(end));
        Doc::Concat(docs)
    }

    /// `<target ? guard: args>`
    fn event(&mut self, event: &Event, close: usize) -> Doc {
        let mut docs = Vec::new();
        if let Some(target) = &event.target {
            docs.push(self.expr(target));
        }
        if let Some((guard, value)) = &event.guard {
            docs.push(Doc::text(match guard {
                Guard::Head => " ? ",
                Guard::Scan => " ?? ",
            }));
            docs.push(self.expr(value));
        }
        if !event.args.is_empty() {
            docs.push(Doc::text(":"));
            docs.push(self.args_after_colon(&event.args, close));
        }
        self.bracketed("<", docs, close, ">")
    }

    fn block(&mut self, block: &Block) -> Doc {
        let close = closer(block.span.end);
        match &block.kind {
            BlockKind::Simple { bindings, body } => {
                let header = if bindings.is_empty() {
                    Doc::text("{")
                } else {
                    let list = self.bindings_inline(bindings);
                    Doc::Concat(vec![Doc::text("{ "), list, Doc::text(" |")])
                };
                self.short_block(header, body, close)
            }
            BlockKind::If {
                cond,
                then,
                elifs,
                otherwise,
                long,
            } => {
                let mut header = vec![Doc::text("{ if")];
                if let Some(cond) = cond {
                    header.push(Doc::text(" "));
                    header.push(self.expr(cond));
                }
                header.push(Doc::text(" |"));
                let header = Doc::Concat(header);
                if *long {
                    self.long_if(header, block, then, elifs, otherwise.as_ref())
                } else {
                    self.short_block(header, then, close)
                }
            }
            BlockKind::Case {
                subject,
                clauses,
                otherwise,
            } => self.case(subject.as_ref(), clauses, otherwise.as_ref(), close),
            BlockKind::For { var, iter, body } | BlockKind::Pfor { var, iter, body } => {
                let word = if matches!(block.kind, BlockKind::For { .. }) {
                    "{ for "
                } else {
                    "{ pfor "
                };
                let header = vec![
                    Doc::text(word),
                    self.ident(var),
                    Doc::text(" in "),
                    self.expr(iter),
                    Doc::text(" |"),
                ];
                self.short_block(Doc::Concat(header), body, close)
            }
            BlockKind::While { cond, body } => {
                let header = vec![Doc::text("{ while "), self.expr(cond), Doc::text(" |")];
                self.short_block(Doc::Concat(header), body, close)
            }
            BlockKind::Session { var, body } => {
                let header = vec![Doc::text("{ session "), self.ident(var), Doc::text(" |")];
                self.short_block(Doc::Concat(header), body, close)
            }
            BlockKind::Try { body } => self.short_block(Doc::text("{ try |"), body, close),
            BlockKind::Choice { branches } => self.branches("{ choice |", branches, close),
            BlockKind::Fork { branches } => self.branches("{ fork |", branches, close),
        }
    }

    /// `header flow }` on one line when it fits and holds no other block;
    /// otherwise the flow goes below the header, indented, one job a line.
    fn short_block(&mut self, header: Doc, body: &Flow, close: usize) -> Doc {
        self.open_sequence();
        let mut inner = self.flow_lines(body);
        inner.push(self.comments_before(close));
        let docs = vec![header, Doc::Indent(inner), Doc::Line, Doc::text("}")];
        let nested = body
            .steps
            .iter()
            .any(|s| matches!(s.job.kind, JobKind::Block(_)));
        if nested {
            Doc::broken(docs)
        } else {
            Doc::group(docs)
        }
    }

    /// A block whose parts go one per line below the header: `parts` already
    /// start each with their own line break.
    fn tall_block(&mut self, header: Doc, parts: Vec<Doc>, close: usize) -> Doc {
        let mut inner = parts;
        inner.push(self.comments_before(close));
        Doc::broken(vec![header, Doc::Indent(inner), Doc::Line, Doc::text("}")])
    }

    fn long_if(
        &mut self,
        header: Doc,
        block: &Block,
        then: &Flow,
        elifs: &[(crate::ast::Expr, Flow)],
        otherwise: Option<&Flow>,
    ) -> Doc {
        self.open_sequence();
        let at = self.keyword(Kw::Then, block.span.start as usize);
        let mut parts = vec![self.item_prefix(at, &[at]), Doc::Line, Doc::text("then:")];
        parts.push(self.clause_body(then));
        let mut end = then.span.end as usize;
        for (cond, flow) in elifs {
            let at = self.keyword(Kw::Elif, end);
            parts.push(self.item_prefix(at, &[at]));
            parts.push(Doc::Line);
            parts.push(Doc::text("elif "));
            parts.push(self.expr(cond));
            parts.push(Doc::text(":"));
            parts.push(self.clause_body(flow));
            end = flow.span.end as usize;
        }
        if let Some(flow) = otherwise {
            parts.extend(self.else_clause(flow, end));
        }
        self.tall_block(header, parts, closer(block.span.end))
    }

    fn else_clause(&mut self, flow: &Flow, after: usize) -> Vec<Doc> {
        let at = self.keyword(Kw::Else, after);
        let prefix = self.item_prefix(at, &[at]);
        vec![
            prefix,
            Doc::Line,
            Doc::text("else:"),
            self.clause_body(flow),
        ]
    }

    fn case(
        &mut self,
        subject: Option<&crate::ast::Expr>,
        clauses: &[CaseClause],
        otherwise: Option<&Flow>,
        close: usize,
    ) -> Doc {
        let mut header = vec![Doc::text("{ case")];
        if let Some(subject) = subject {
            header.push(Doc::text(" "));
            header.push(self.expr(subject));
        }
        header.push(Doc::text(" |"));
        self.open_sequence();
        let mut parts = Vec::new();
        let mut end = 0;
        for clause in clauses {
            let at = clause
                .patterns
                .first()
                .map_or(end, |p| p.span.start as usize);
            parts.push(self.item_prefix(at, &[at]));
            parts.push(Doc::Line);
            parts.push(self.expr_list_inline(&clause.patterns));
            parts.push(Doc::text(":"));
            parts.push(self.clause_body(&clause.body));
            end = clause.body.span.end as usize;
        }
        if let Some(flow) = otherwise {
            parts.extend(self.else_clause(flow, end));
        }
        self.tall_block(Doc::Concat(header), parts, close)
    }

    /// What follows `then:`, `else:` or a case label: the flow on the same line when
    /// it fits, else below it, indented. A lone block stays on the label's line
    /// and breaks by its own rules.
    fn clause_body(&mut self, flow: &Flow) -> Doc {
        let first = flow
            .steps
            .first()
            .map_or(flow.span.start, |s| s.job.span.start);
        let lone_block =
            flow.steps.len() == 1 && matches!(flow.steps[0].job.kind, JobKind::Block(_));
        if lone_block && !self.has_comment_before(first as usize) {
            return Doc::Concat(vec![Doc::text(" "), self.job(&flow.steps[0].job)]);
        }
        self.open_sequence();
        Doc::group(vec![Doc::Indent(self.flow_lines(flow))])
    }

    /// `fork`/`choice`: each branch on its own line(s); a branch is one line when it
    /// fits, else one job a line.
    fn branches(&mut self, header: &str, branches: &[Flow], close: usize) -> Doc {
        self.open_sequence();
        let mut parts = Vec::new();
        for flow in branches {
            let mut lines = self.flow_lines(flow);
            // The branch's first line break belongs to the (always broken) block.
            let lead = lines.drain(..2.min(lines.len())).collect::<Vec<_>>();
            parts.extend(lead);
            parts.push(Doc::group(lines));
        }
        self.tall_block(Doc::text(header), parts, close)
    }
}
