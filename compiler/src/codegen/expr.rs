//! Expressions.

use num_bigint::BigInt;

use super::Codegen;
use crate::ast::{BinaryOp, Expr, ExprKind, UnaryOp};
use crate::builtins;
use crate::bytecode::{Const, Op, StatusVar, Template, TemplatePart};
use crate::lexer::PatKind;

impl Codegen {
    pub(crate) fn expr(&mut self, e: &Expr) {
        let saved = self.span;
        self.span = e.span;
        self.expr_inner(e);
        self.span = saved;
    }

    fn expr_inner(&mut self, e: &Expr) {
        match &e.kind {
            ExprKind::Var(name) => {
                match (self.lookup(name), builtins::lookup_in(name, self.dialect)) {
                    (None, Some(id)) => {
                        self.emit(Op::LoadBuiltin(id));
                    }
                    (slot, _) => {
                        let s = slot.unwrap_or_else(|| self.jobflow_slot(name));
                        self.emit(Op::LoadSlot(s));
                    }
                }
            }
            ExprKind::Status(name) => {
                let var = StatusVar::from_name(name).unwrap_or(StatusVar::Result);
                self.emit(Op::LoadStatus(var));
            }
            ExprKind::Path(p) => {
                let c = self.constant(Const::Path(p.clone()));
                self.emit(Op::LoadPath(c));
            }
            ExprKind::Root => {
                let c = self.constant(Const::Path("/".into()));
                self.emit(Op::LoadPath(c));
            }
            ExprKind::Str(s) => self.string(s, None),
            ExprKind::Pattern { kind, text, icase } => self.string(text, Some((*kind, *icase))),
            ExprKind::Bytes(b) => {
                let c = self.constant(Const::Bytes(b.clone()));
                self.emit(Op::Const(c));
            }
            ExprKind::Int(i) => {
                let c = self.constant(int_const(i));
                self.emit(Op::Const(c));
            }
            ExprKind::Float(f) => {
                let c = self.constant(Const::Float(*f));
                self.emit(Op::Const(c));
            }
            ExprKind::Bool(b) => {
                self.emit(Op::Bool(*b));
            }
            ExprKind::Null | ExprKind::Error => {
                self.emit(Op::Null);
            }
            ExprKind::Array(items) => {
                items.iter().for_each(|i| self.expr(i));
                self.emit(Op::MakeArray(items.len() as u32));
            }
            ExprKind::DictNamed(bindings) => {
                for b in bindings {
                    let c = self.constant(Const::Str(b.name.name.clone()));
                    self.emit(Op::Const(c));
                    self.expr(&b.value);
                }
                self.emit(Op::MakeDict(bindings.len() as u32));
            }
            ExprKind::DictPairs(pairs) => {
                for (k, v) in pairs {
                    self.expr(k);
                    self.expr(v);
                }
                self.emit(Op::MakeDict(pairs.len() as u32));
            }
            ExprKind::Paren(inner) => self.expr(inner),
            ExprKind::Attr(base, name) => {
                self.expr(base);
                let n = self.name(&name.name);
                self.emit(Op::GetAttr(n));
            }
            ExprKind::Index(base, index) => {
                self.expr(base);
                self.expr(index);
                self.emit(Op::GetIndex);
            }
            ExprKind::Call(callee, args) => self.call(callee, args),
            ExprKind::Unary(op, inner) => {
                self.expr(inner);
                self.emit(match op {
                    UnaryOp::Neg => Op::Neg,
                    UnaryOp::Pos => Op::Pos,
                });
            }
            ExprKind::Binary(op, a, b) => {
                self.expr(a);
                self.expr(b);
                self.emit(match op {
                    BinaryOp::Add => Op::Add,
                    BinaryOp::Sub => Op::Sub,
                    BinaryOp::Mul => Op::Mul,
                    BinaryOp::Div => Op::Div,
                    BinaryOp::Rem => Op::Rem,
                    BinaryOp::In => Op::In,
                    BinaryOp::NotIn => Op::NotIn,
                });
            }
            ExprKind::Compare(first, rest) => {
                self.expr(first);
                let mut chains = Vec::new();
                for (i, (op, operand)) in rest.iter().enumerate() {
                    self.expr(operand);
                    if i + 1 < rest.len() {
                        chains.push(self.emit(Op::CompareChain(*op, 0)));
                    } else {
                        self.emit(Op::Compare(*op));
                    }
                }
                chains.into_iter().for_each(|c| self.patch_here(c));
            }
            ExprKind::Not(inner) => {
                self.expr(inner);
                self.emit(Op::Not);
            }
            ExprKind::And(a, b) | ExprKind::Or(a, b) => {
                self.expr(a);
                let is_and = matches!(e.kind, ExprKind::And(..));
                let j = self.emit(if is_and {
                    Op::JumpIfFalseKeep(0)
                } else {
                    Op::JumpIfTrueKeep(0)
                });
                self.expr(b);
                self.patch_here(j);
            }
        }
    }

    fn call(&mut self, callee: &Expr, args: &[crate::ast::Arg]) {
        if let ExprKind::Var(name) = &callee.kind {
            if let Some(id) = builtins::lookup_in(name, self.dialect) {
                let spec = self.args(args);
                let c = self.call_spec(spec);
                self.emit(Op::CallBuiltin(id, c));
                return;
            }
        }
        self.expr(callee);
        let spec = self.args(args);
        let c = self.call_spec(spec);
        self.emit(Op::Call(c));
    }

    /// A string or pattern literal: a constant when it has no placeholder, else a template.
    fn string(&mut self, text: &str, pattern: Option<(PatKind, bool)>) {
        let parts = self.template_parts(text);
        let plain = match parts.as_slice() {
            [] => Some(String::new()),
            [TemplatePart::Text(s)] => Some(s.clone()),
            _ => None,
        };
        if let (Some(s), None) = (plain, pattern) {
            let c = self.constant(Const::Str(s));
            self.emit(Op::Const(c));
            return;
        }
        self.chunk.templates.push(Template { parts, pattern });
        let i = (self.chunk.templates.len() - 1) as u32;
        self.emit(Op::Template(i));
    }

    /// Split a literal at its `$` placeholders (language.md §7.9.1).
    fn template_parts(&mut self, text: &str) -> Vec<TemplatePart> {
        let mut parts = Vec::new();
        let mut buf = String::new();
        let mut rest = text;
        while let Some(pos) = rest.find('$') {
            buf.push_str(&rest[..pos]);
            let after = &rest[pos + 1..];
            let (part, used) = self.placeholder(after);
            match part {
                Some(TemplatePart::Text(t)) => buf.push_str(&t),
                Some(p) => {
                    if !buf.is_empty() {
                        parts.push(TemplatePart::Text(std::mem::take(&mut buf)));
                    }
                    parts.push(p);
                }
                None => buf.push('$'),
            }
            rest = &after[used..];
        }
        buf.push_str(rest);
        if !buf.is_empty() {
            parts.push(TemplatePart::Text(buf));
        }
        parts
    }

    /// The placeholder after a `$` and how many bytes of `after` it used.
    fn placeholder(&mut self, after: &str) -> (Option<TemplatePart>, usize) {
        if after.starts_with('$') {
            return (Some(TemplatePart::Text("$".into())), 1);
        }
        if let Some(inner) = after.strip_prefix('{') {
            let Some(end) = inner.find('}') else {
                return (None, 0);
            };
            let name = &inner[..end];
            let verbatim = format!("${{{name}}}");
            let part = if let Some(status) = name.strip_prefix('$').and_then(StatusVar::from_name) {
                Some(TemplatePart::Status {
                    var: status,
                    verbatim,
                })
            } else if is_identifier(name) {
                Some(self.name_part(name, verbatim))
            } else {
                None
            };
            return match part {
                Some(p) => (Some(p), end + 2),
                None => (None, 0),
            };
        }
        let len = after
            .bytes()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == b'_')
            .count();
        if len == 0 || after.as_bytes()[0].is_ascii_digit() {
            return (None, 0);
        }
        let name = &after[..len];
        (Some(self.name_part(name, format!("${name}"))), len)
    }

    fn name_part(&mut self, name: &str, verbatim: String) -> TemplatePart {
        match self.lookup(name) {
            Some(slot) => TemplatePart::Slot { slot, verbatim },
            None => TemplatePart::Text(verbatim),
        }
    }
}

fn is_identifier(s: &str) -> bool {
    let mut chars = s.chars();
    chars
        .next()
        .is_some_and(|c| (c.is_alphabetic() || c == '_') && !c.is_ascii_digit())
        && chars.all(|c| c.is_alphanumeric() || c == '_')
}

fn int_const(i: &BigInt) -> Const {
    match i64::try_from(i) {
        Ok(v) => Const::Int(v),
        Err(_) => Const::BigInt(i.to_string()),
    }
}
