//! Execution jobs `[target : args]` that cannot work as written, caught before run
//! time: arguments to a command string (E0017), a comparison or logical expression
//! in place of a job (E0018), and a method that changes a copy of a store field
//! (W0007). language.md §4.2, library.md §3.4.

use std::collections::{HashMap, HashSet};

use super::LazyNames;
use crate::ast::{Arg, BinaryOp, BlockKind, Expr, ExprKind, Flow, JobKind, Program};
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
    let mut seen: HashMap<&str, bool> = HashMap::new();
    if let Some(body) = &program.body {
        collect(body, &mut seen);
    }
    for p in &program.params {
        seen.insert(&p.name.name, false);
    }
    seen.into_iter()
        .filter(|(_, all)| *all)
        .map(|(n, _)| n.to_string())
        .collect()
}

fn collect<'a>(flow: &'a Flow, seen: &mut HashMap<&'a str, bool>) {
    for step in &flow.steps {
        match &step.job.kind {
            JobKind::Assign(bindings) => bindings
                .iter()
                .for_each(|b| note(seen, &b.name.name, &b.value)),
            JobKind::Update { target, .. } => {
                if let ExprKind::Var(n) = &target.kind {
                    seen.insert(n, false);
                }
            }
            JobKind::Block(block) => {
                if let BlockKind::Simple { bindings, .. } = &block.kind {
                    bindings
                        .iter()
                        .for_each(|b| note(seen, &b.name.name, &b.value));
                }
                block_flows(&block.kind, seen);
            }
            _ => {}
        }
    }
}

fn note<'a>(seen: &mut HashMap<&'a str, bool>, name: &'a str, value: &Expr) {
    let path = matches!(value.kind, ExprKind::Path(_) | ExprKind::Root);
    *seen.entry(name).or_insert(true) &= path;
}

fn block_flows<'a>(kind: &'a BlockKind, seen: &mut HashMap<&'a str, bool>) {
    match kind {
        BlockKind::Simple { body, .. }
        | BlockKind::While { body, .. }
        | BlockKind::Try { body } => collect(body, seen),
        BlockKind::For { var, body, .. }
        | BlockKind::Pfor { var, body, .. }
        | BlockKind::Session { var, body } => {
            seen.insert(&var.name, false);
            collect(body, seen);
        }
        BlockKind::If {
            then,
            elifs,
            otherwise,
            ..
        } => {
            collect(then, seen);
            elifs.iter().for_each(|(_, f)| collect(f, seen));
            otherwise.iter().for_each(|f| collect(f, seen));
        }
        BlockKind::Case {
            clauses, otherwise, ..
        } => {
            clauses.iter().for_each(|c| collect(&c.body, seen));
            otherwise.iter().for_each(|f| collect(f, seen));
        }
        BlockKind::Choice { branches } | BlockKind::Fork { branches } => {
            branches.iter().for_each(|f| collect(f, seen))
        }
    }
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
