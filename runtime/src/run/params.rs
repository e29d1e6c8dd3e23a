//! The `-p NAME=EXPR` values of `jfc run`: each a jobflow expression, computed before
//! the run by a one-job flow that sees the run's store, so that `-p node=/servers/web1`
//! names an object.

use std::path::Path;

use jfc_vm::value::{ProcessState, Value};
use jfc_vm::{Code, Vm, VmOptions};

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
    let host = match store {
        Some(path) => LocalHost::with_store(Default::default(), open_store(path)?),
        None => LocalHost::new(Default::default()),
    };
    // Reports are dropped: a failure is worded here, naming the parameter.
    let mut vm = Vm::new(host.quiet(), VmOptions::default());
    params
        .iter()
        .map(|(name, expr)| Ok((name.clone(), evaluate_one(&mut vm, name, expr)?)))
        .collect()
}

/// The value of `-p NAME=EXPR`, computed by a one-job flow on `vm`.
fn evaluate_one(vm: &mut Vm<LocalHost>, name: &str, expr: &str) -> Result<Value, RunError> {
    let bad = |problem: &str| RunError::Usage(param_error(name, expr, problem));
    const OPEN: &str = "return(";
    let source = format!("{OPEN}{expr})");
    let (chunk, _) = jfc_compiler::compile(&source, &format!("-p {name}")).map_err(|d| {
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
            RunError::Usage(format!("-p {name}={expr}: {}", info.error.to_text()))
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

/// What is wrong with `-p NAME=EXPR` and what to write instead. A bare word is the
/// usual slip (a String without quotes): it reads as a variable, which a `-p` value
/// cannot have.
fn param_error(name: &str, expr: &str, problem: &str) -> String {
    if is_word(expr) {
        format!(
            "-p {name}={expr}: `{expr}` is not a value: a -p value is a jobflow expression, \
             where a bare word is a variable name; to pass the String '{expr}', quote it: \
             -p {name}=\"'{expr}'\""
        )
    } else {
        format!(
            "-p {name}={expr}: {problem}; a -p value is a jobflow expression: a String in \
             quotes (-p {name}=\"'text'\"), a number (-p n=3), an object path \
             (-p node=/servers/web1)"
        )
    }
}
