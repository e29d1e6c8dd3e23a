//! Execution jobs `[target : args]` that cannot work as written, caught before run
//! time: arguments to a command string (E0017), a comparison or logical expression
//! in place of a job (E0018), and a method that changes a copy of a store field
//! (W0007). language.md §4.2, library.md §3.4.

use std::collections::{HashMap, HashSet};

use super::LazyNames;
use crate::ast::visit::{self, Visitor};
use crate::ast::{
    Arg, BinaryOp, Binding, Block, BlockKind, Expr, ExprKind, Job, JobKind, Param, Program,
};
use crate::diagnostics::{Code, Diagnostic};

/// Check the target and arguments of one execution job. `objects`: the variables that
/// only ever hold a store object.
pub fn check(target: &Expr, args: &[Arg], objects: &LazyNames, out: &mut Vec<Diagnostic>) {
    match &target.kind {
        ExprKind::Str(_) if !args.is_empty() => {
            let span = args[0].span().to(args[args.len() - 1].span());
            out.push(
                Diagnostic::new(Code::CommandArguments, span, "a command takes no arguments")
                    .label("arguments of a command string")
                    .help("write the whole command line in the string, with `$name` for values: `['echo $msg']`")
                    .note(target.span, "this string is run as a command"),
            );
        }
        ExprKind::Compare(..)
        | ExprKind::And(..)
        | ExprKind::Or(..)
        | ExprKind::Not(_)
        | ExprKind::Binary(BinaryOp::In | BinaryOp::NotIn, ..) => out.push(
            Diagnostic::new(Code::ConditionAsJob, target.span, "a condition is not a job")
                .label("this is a true/false value, not something to run")
                .help("to run jobs when it holds, write `{ if <condition> | ... }`; to stop when it does not, `assert(<condition>)`"),
        ),
        ExprKind::Attr(container, method) if MUTATORS.contains(&method.name.as_str()) => {
            if let ExprKind::Attr(object, field) = &container.kind {
                if is_store_object(object, objects.get()) {
                    out.push(unsaved(container, &method.name, &field.name));
                }
            }
        }
        _ => {}
    }
}

/// Array and Dictionary methods that change their value in place (library.md §2.6, §2.7).
const MUTATORS: &[&str] = &["add_item", "del_item", "pop_item"];

/// An expression that certainly is a store object: an object path, or a variable
/// every assignment of which is one.
fn is_store_object(e: &Expr, objects: &HashSet<String>) -> bool {
    match &e.kind {
        ExprKind::Path(_) | ExprKind::Root => true,
        ExprKind::Var(name) => objects.contains(name),
        _ => false,
    }
}

/// The variables whose every assignment (assignment jobs and block bindings) is an
/// object path. Loop variables and update targets are left out: their values are unknown.
pub fn store_variables(program: &Program) -> HashSet<String> {
    let mut found = StoreVariables::default();
    visit::walk_program(&mut found, program);
    found
        .0
        .into_iter()
        .filter(|(_, all)| *all)
        .map(|(n, _)| n.to_string())
        .collect()
}

/// Each name given a value, and whether every value given it so far is an object path.
#[derive(Default)]
struct StoreVariables<'a>(HashMap<&'a str, bool>);

impl<'a> StoreVariables<'a> {
    /// `value`: `None` when it is not known (a parameter, a loop variable, an update).
    fn note(&mut self, name: &'a str, value: Option<&Expr>) {
        let path = value.is_some_and(|v| matches!(v.kind, ExprKind::Path(_) | ExprKind::Root));
        *self.0.entry(name).or_insert(true) &= path;
    }

    fn bindings(&mut self, bindings: &'a [Binding]) {
        for b in bindings {
            self.note(&b.name.name, Some(&b.value));
        }
    }
}

impl<'a> Visitor<'a> for StoreVariables<'a> {
    fn visit_param(&mut self, p: &'a Param) {
        self.note(&p.name.name, None);
    }

    fn visit_job(&mut self, job: &'a Job) {
        match &job.kind {
            JobKind::Assign(bindings) => self.bindings(bindings),
            JobKind::Update { target, .. } => {
                if let ExprKind::Var(name) = &target.kind {
                    self.note(name, None);
                }
            }
            _ => {}
        }
        visit::walk_job(self, job);
    }

    fn visit_block(&mut self, block: &'a Block) {
        match &block.kind {
            BlockKind::Simple { bindings, .. } => self.bindings(bindings),
            BlockKind::For { var, .. }
            | BlockKind::Pfor { var, .. }
            | BlockKind::Session { var, .. } => self.note(&var.name, None),
            _ => {}
        }
        visit::walk_block(self, block);
    }

    /// No expression gives a name a value.
    fn visit_expr(&mut self, _: &'a Expr) {}
}

fn unsaved(container: &Expr, method: &str, field: &str) -> Diagnostic {
    Diagnostic::new(
        Code::UnsavedFieldChange,
        container.span,
        format!("`{method}` changes a copy of the field `{field}`; the store keeps the old value"),
    )
    .label("a field read gives a copy")
    .help(format!(
        "change a variable and write the field back: `[f = obj.{field}] -> [f.{method}: ...] -> [f >> obj.{field}]`"
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_variables_given_object_paths_alone_hold_store_objects() {
        let text = "|p = /a|\n[s = ./server, o = /x] -> [o = 1] -> { b = /b | [u = /u] } \
                    -> [/c >> u] -> { for f in [/f] | [] } -> { session s2 | [] } -> [r = /]";
        let program = crate::analyze(text).program;
        let mut found: Vec<String> = store_variables(&program).into_iter().collect();
        found.sort();
        assert_eq!(found, ["b", "r", "s"]);
    }
}
