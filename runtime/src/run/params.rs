//! The `-p NAME=EXPR` values of `jfc run`: each a jobflow expression, computed before
//! the run by a one-job flow that sees the run's store, so that `-p node=/servers/web1`
//! names an object.

use std::path::Path;

use jfc_vm::value::{ProcessState, Value};
use jfc_vm::{Code, Vm, VmOptions};

use jfc_store::starts::StartArgs;

use super::{open_store, RunError};
use crate::LocalHost;

/// The values of `params` (name, expression), in order.
pub(super) fn evaluate(
    params: &[(String, String)],
    store: Option<&Path>,
) -> Result<Vec<(String, Value)>, RunError> {
    if params.is_empty() {
        return Ok(Vec::new());
    }
    let mut vm = evaluator(store)?;
    params
        .iter()
        .map(|(name, expr)| {
            let given = Given {
                flag: "-p",
                name: Some(name),
                expr,
            };
            Ok((name.clone(), evaluate_one(&mut vm, &given)?))
        })
        .collect()
}

/// The arguments of a schedule's job (platform.md §4.1): each parameter a jobflow
/// expression passed in order, or `NAME=EXPR` passed by name, computed now.
pub fn schedule_args(params: &[String], store: &Path) -> Result<StartArgs, String> {
    schedule_args_in(params, Some(store))
}

/// [`schedule_args`], seeing the store at `store` if given (`jfc test` fires schedules
/// on a store its own VM holds: their parameters see no objects there).
pub fn schedule_args_in(params: &[String], store: Option<&Path>) -> Result<StartArgs, String> {
    let mut vm = evaluator(store).map_err(|e| e.message())?;
    let mut args = StartArgs::default();
    for p in params {
        let named = p
            .split_once('=')
            .filter(|(k, v)| is_identifier(k) && !v.starts_with('='));
        let given = Given {
            flag: "--param",
            name: named.map(|(k, _)| k),
            expr: named.map_or(p.as_str(), |(_, v)| v),
        };
        let value = evaluate_one(&mut vm, &given).map_err(|e| e.message())?;
        match given.name {
            Some(name) => args.kw.push((name.to_string(), value)),
            None => args.pos.push(value),
        }
    }
    Ok(args)
}

fn is_identifier(s: &str) -> bool {
    let mut chars = s.chars();
    chars.next().is_some_and(|c| c.is_alphabetic() || c == '_')
        && chars.all(|c| c.is_alphanumeric() || c == '_')
}

/// A VM to compute values on, seeing `store`; its reports are dropped (a failure is
/// worded by the caller, naming the parameter).
fn evaluator(store: Option<&Path>) -> Result<Vm<LocalHost>, RunError> {
    let host = match store {
        Some(path) => LocalHost::with_store(Default::default(), open_store(path)?),
        None => LocalHost::new(Default::default()),
    };
    Ok(Vm::new(host.quiet(), VmOptions::default()))
}

/// A parameter as the user gave it: with `flag` (`-p`, `--param`), by name or not.
struct Given<'a> {
    flag: &'a str,
    name: Option<&'a str>,
    expr: &'a str,
}

impl Given<'_> {
    /// The parameter as written on the command line.
    fn shown(&self) -> String {
        match self.name {
            Some(name) => format!("{} {name}={}", self.flag, self.expr),
            None => format!("{} {}", self.flag, self.expr),
        }
    }

    /// The same parameter written with `expr` instead.
    fn with(&self, expr: &str) -> String {
        match self.name {
            Some(name) => format!("{} {name}={expr}", self.flag),
            None => format!("{} {expr}", self.flag),
        }
    }
}

/// The value of one parameter, computed by a one-job flow on `vm`.
fn evaluate_one(vm: &mut Vm<LocalHost>, given: &Given<'_>) -> Result<Value, RunError> {
    let expr = given.expr;
    let bad = |problem: &str| RunError::Usage(param_error(given, problem));
    const OPEN: &str = "return(";
    let source = format!("{OPEN}{expr})");
    let (chunk, _) = jfc_compiler::compile(&source, &given.shown()).map_err(|d| {
        // A message about the `return(...)` around the value would only confuse.
        let inside = OPEN.len()..OPEN.len() + expr.len();
        bad(d
            .iter()
            .find(|d| d.is_error() && inside.contains(&(d.span.start as usize)))
            .map_or("not a complete expression", |d| d.message.as_str()))
    })?;
    let code = Code::new(chunk).map_err(RunError::Setup)?;
    let info = vm
        .spawn_main(code, ".", Vec::new())
        .map_err(RunError::Setup)?;
    vm.run();
    let info = info.borrow();
    if info.state != ProcessState::Done {
        return Err(if is_word(expr) {
            bad("")
        } else {
            RunError::Usage(format!("{}: {}", given.shown(), info.error.to_text()))
        });
    }
    Ok(info.result.clone())
}

/// Whether `expr` is one bare word (`web1`, `db-1.example.com`), not an expression.
fn is_word(expr: &str) -> bool {
    !expr.is_empty()
        && expr
            .chars()
            .all(|c| c.is_alphanumeric() || "_-.:@".contains(c))
}

/// What is wrong with a parameter and what to write instead. A bare word is the usual
/// slip (a String without quotes): it reads as a variable, which a parameter cannot
/// have.
fn param_error(given: &Given<'_>, problem: &str) -> String {
    let (flag, expr) = (given.flag, given.expr);
    if let Some(literal) = jfc_compiler::check::foreign_literal(expr) {
        return format!(
            "{}: `{expr}` is not a value: the literals are written `true`, `false` and \
             `null`: {}",
            given.shown(),
            given.with(literal)
        );
    }
    if is_word(expr) {
        format!(
            "{}: `{expr}` is not a value: a {flag} value is a jobflow expression, \
             where a bare word is a variable name; to pass the String '{expr}', quote it: \
             {}",
            given.shown(),
            given.with(&format!("\"'{expr}'\""))
        )
    } else {
        format!(
            "{}: {problem}; a {flag} value is a jobflow expression: a String in \
             quotes ({}), a number ({}), an object path ({})",
            given.shown(),
            given.with("\"'text'\""),
            given.with("3"),
            given.with("/servers/web1")
        )
    }
}
