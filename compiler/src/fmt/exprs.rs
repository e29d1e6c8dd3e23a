//! Layout of expressions, argument lists and bindings.

use super::build::Builder;
use super::doc::Doc;
use super::jobs::closer;
use crate::ast::{Arg, Binding, Expr, ExprKind, Ident, UnaryOp};

/// How `name=value` is written: tight in call arguments, spaced in bindings.
fn named_arg_sep(in_call: bool) -> &'static str {
    if in_call {
        "="
    } else {
        " = "
    }
}

fn arg_start(arg: &Arg) -> usize {
    arg.span().start as usize
}

fn binding_start(b: &Binding) -> usize {
    b.name.span.start as usize
}

fn expr_start(e: &Expr) -> usize {
    e.span.start as usize
}

fn pair_start(p: &(Expr, Expr)) -> usize {
    p.0.span.start as usize
}

impl Builder<'_> {
    pub(super) fn ident(&mut self, id: &Ident) -> Doc {
        let lead = self.comments_before(id.span.start as usize);
        Doc::Concat(vec![lead, Doc::text(id.name.as_str())])
    }

    pub(super) fn expr(&mut self, e: &Expr) -> Doc {
        let lead = self.comments_before(e.span.start as usize);
        let body = self.expr_body(e);
        Doc::Concat(vec![lead, body])
    }

    fn expr_body(&mut self, e: &Expr) -> Doc {
        let close = closer(e.span.end);
        match &e.kind {
            ExprKind::Var(name) => Doc::text(name.as_str()),
            ExprKind::Status(name) => Doc::text(format!("${name}")),
            ExprKind::Path(path) => Doc::text(path.as_str()),
            ExprKind::Root => Doc::text("/"),
            // Literals are copied from the source: the original quoting, escapes
            // and spelling of numbers survive exactly.
            ExprKind::Str(_)
            | ExprKind::Bytes(_)
            | ExprKind::Int(_)
            | ExprKind::Float(_)
            | ExprKind::Pattern { .. } => self.source(e.span),
            ExprKind::Bool(b) => Doc::text(if *b { "true" } else { "false" }),
            ExprKind::Null => Doc::text("null"),
            ExprKind::Array(items) => {
                let list = self.list(items, Doc::SoftLine, close, expr_start, Self::expr);
                Doc::Concat(vec![Doc::text("["), list, Doc::text("]")])
            }
            ExprKind::DictNamed(bindings) => {
                let list = self.bindings_list(bindings, close);
                Doc::Concat(vec![Doc::text("{"), list, Doc::text("}")])
            }
            ExprKind::DictPairs(pairs) => {
                let list = self.list(pairs, Doc::SoftLine, close, pair_start, Self::pair);
                Doc::Concat(vec![Doc::text("{"), list, Doc::text("}")])
            }
            ExprKind::Paren(inner) => {
                let inner = self.expr(inner);
                let tail = self.comments_before(close);
                Doc::Concat(vec![Doc::text("("), inner, tail, Doc::text(")")])
            }
            ExprKind::Attr(base, name) => self.attr(base, name),
            ExprKind::Index(base, index) => {
                let base = self.expr(base);
                let index = self.expr(index);
                let tail = self.comments_before(close);
                Doc::Concat(vec![base, Doc::text("["), index, tail, Doc::text("]")])
            }
            ExprKind::Call(callee, args) => {
                let callee = self.expr(callee);
                let args = self.call_args(args, close);
                Doc::Concat(vec![callee, Doc::text("("), args, Doc::text(")")])
            }
            ExprKind::Unary(op, operand) => {
                let sign = match op {
                    UnaryOp::Neg => "-",
                    UnaryOp::Pos => "+",
                };
                Doc::Concat(vec![Doc::text(sign), self.expr(operand)])
            }
            ExprKind::Binary(op, a, b) => self.infix(a, op.symbol(), b),
            ExprKind::Compare(first, rest) => {
                let mut docs = vec![self.expr(first)];
                for (op, operand) in rest {
                    docs.push(Doc::text(format!(" {} ", op.symbol())));
                    docs.push(self.expr(operand));
                }
                Doc::Concat(docs)
            }
            ExprKind::Not(operand) => Doc::Concat(vec![Doc::text("not "), self.expr(operand)]),
            ExprKind::And(a, b) => self.infix(a, "and", b),
            ExprKind::Or(a, b) => self.infix(a, "or", b),
            // Never printed: files with syntax errors are refused before layout.
            ExprKind::Error => Doc::text("null"),
        }
    }

    fn infix(&mut self, a: &Expr, op: &str, b: &Expr) -> Doc {
        let a = self.expr(a);
        let b = self.expr(b);
        Doc::Concat(vec![a, Doc::text(format!(" {op} ")), b])
    }

    fn attr(&mut self, base: &Expr, name: &Ident) -> Doc {
        let base_doc = self.expr(base);
        // `1.x` would lex as the float `1.` and the name `x`: keep the integer apart.
        let dot = if matches!(base.kind, ExprKind::Int(_)) {
            " ."
        } else {
            "."
        };
        let name = self.ident(name);
        Doc::Concat(vec![base_doc, Doc::text(dot), name])
    }

    fn pair(&mut self, pair: &(Expr, Expr)) -> Doc {
        let key = self.expr(&pair.0);
        let value = self.expr(&pair.1);
        Doc::Concat(vec![key, Doc::text(": "), value])
    }

    fn binding(&mut self, b: &Binding) -> Doc {
        self.named(b, false)
    }

    fn named(&mut self, b: &Binding, in_call: bool) -> Doc {
        let name = self.ident(&b.name);
        let value = self.expr(&b.value);
        Doc::Concat(vec![name, Doc::text(named_arg_sep(in_call)), value])
    }

    fn arg(&mut self, arg: &Arg) -> Doc {
        match arg {
            Arg::Pos(e) => self.expr(e),
            Arg::Spread(e) => Doc::Concat(vec![Doc::text("*"), self.expr(e)]),
            Arg::Named(b) => self.named(b, true),
            Arg::SpreadNamed(e) => Doc::Concat(vec![Doc::text("**"), self.expr(e)]),
        }
    }

    /// The arguments inside `name(…)`; `close` is the position of `)`.
    pub(super) fn call_args(&mut self, args: &[Arg], close: usize) -> Doc {
        self.list(args, Doc::SoftLine, close, arg_start, Self::arg)
    }

    /// The arguments after the `:` of an execution or event job.
    pub(super) fn args_after_colon(&mut self, args: &[Arg], close: usize) -> Doc {
        self.list(args, Doc::Line, close, arg_start, Self::arg)
    }

    /// Bindings inside `[…]` or `{…}`; `close` is the position of the delimiter.
    pub(super) fn bindings_list(&mut self, bindings: &[Binding], close: usize) -> Doc {
        self.list(bindings, Doc::SoftLine, close, binding_start, Self::binding)
    }

    /// Bindings of a block header, always on the header's line.
    pub(super) fn bindings_inline(&mut self, bindings: &[Binding]) -> Doc {
        let docs = bindings.iter().map(|b| self.binding(b)).collect();
        Doc::Concat(comma_separated(docs))
    }

    /// Case labels, on the clause's line.
    pub(super) fn expr_list_inline(&mut self, items: &[Expr]) -> Doc {
        let docs = items.iter().map(|e| self.expr(e)).collect();
        Doc::Concat(comma_separated(docs))
    }

    /// A comma-separated list that is flat when it fits and otherwise puts one item
    /// a line, indented, the closing delimiter (printed by the caller) on its own
    /// line. `lead` separates the opening from the first item.
    fn list<T>(
        &mut self,
        items: &[T],
        lead: Doc,
        close: usize,
        start: fn(&T) -> usize,
        doc: fn(&mut Self, &T) -> Doc,
    ) -> Doc {
        let mut inner = Vec::new();
        for (i, item) in items.iter().enumerate() {
            inner.push(self.comments_before(start(item)));
            if i == 0 {
                inner.push(lead.clone());
            } else {
                inner.push(Doc::Line);
            }
            inner.push(doc(self, item));
            if i + 1 < items.len() {
                inner.push(Doc::text(","));
            }
        }
        inner.push(self.comments_before(close));
        if items.is_empty() {
            return Doc::Concat(inner);
        }
        Doc::group(vec![Doc::Indent(inner), Doc::SoftLine])
    }
}

fn comma_separated(docs: Vec<Doc>) -> Vec<Doc> {
    let mut out = Vec::new();
    for (i, d) in docs.into_iter().enumerate() {
        if i > 0 {
            out.push(Doc::text(", "));
        }
        out.push(d);
    }
    out
}
