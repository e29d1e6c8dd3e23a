//! Calls of built-ins: unknown names, argument counts, keyword names, argument order.

use super::suggest;
use super::LazyNames;
use crate::ast::Arg;
use crate::builtins::{self, BuiltinKind, Dialect, BUILTINS};
use crate::diagnostics::{Code, Diagnostic};
use crate::span::Span;

/// A call of a name: `name(args)`, standing as a job of its own or not.
pub struct Call<'a> {
    pub name: &'a str,
    pub span: Span,
    pub args: &'a [Arg],
    pub as_job: bool,
}

/// Check a call in a flow of `dialect`. `known`: every name the flow assigns, when the
/// whole flow is known.
pub fn check_call(
    call: Call<'_>,
    dialect: Dialect,
    known: Option<&LazyNames>,
    out: &mut Vec<Diagnostic>,
) {
    let Call {
        name,
        span,
        args,
        as_job,
    } = call;
    let Some(id) = builtins::lookup_in(name, dialect) else {
        // Not a built-in: it calls the value of a variable (§18 D1), fine if one can exist.
        if known.is_some_and(|k| !k.get().contains(name)) {
            out.push(unknown_builtin(name, span, dialect));
        }
        return;
    };
    let b = builtins::get(id);
    if !as_job && b.kind == BuiltinKind::Job {
        out.push(
            Diagnostic::new(
                Code::BuiltinJobInExpression,
                span,
                format!(
                    "`{}` is a built-in job and cannot be used in an expression",
                    b.name
                ),
            )
            .label("a job, not a function")
            .help(format!(
                "write `{}(...)` as a job of its own and read its result from $RESULT",
                b.name
            )),
        );
        return;
    }
    if args
        .iter()
        .any(|a| matches!(a, Arg::Spread(_) | Arg::SpreadNamed(_)))
    {
        return; // the count is only known at run time
    }
    let positional = args.iter().filter(|a| matches!(a, Arg::Pos(_))).count();
    let mut bound: Vec<&str> = b.params.iter().take(positional).copied().collect();
    for a in args {
        let Arg::Named(k) = a else { continue };
        if b.params.contains(&k.name.name.as_str()) {
            bound.push(&k.name.name);
        } else if !b.options.contains(&k.name.name.as_str()) {
            let d = Diagnostic::new(
                Code::UnknownKeyword,
                k.name.span,
                format!("`{}` takes no argument named `{}`", b.name, k.name.name),
            )
            .label("unknown keyword argument");
            let names = b.params.iter().chain(b.options).copied();
            let d = match suggest::closest(&k.name.name, names) {
                Some(s) => d.help(format!("did you mean `{s}`?")),
                None => d.help(signature_help(b)),
            };
            out.push(d);
        }
    }
    if positional > b.params.len() && !b.variadic {
        out.push(
            Diagnostic::new(
                Code::BuiltinArity,
                span,
                format!(
                    "`{}` takes at most {} argument{}, but {positional} were given",
                    b.name,
                    b.params.len(),
                    plural(b.params.len())
                ),
            )
            .label("too many arguments")
            .help(signature_help(b)),
        );
    }
    let missing: Vec<&str> = b.params[..b.required]
        .iter()
        .filter(|p| !bound.contains(p))
        .copied()
        .collect();
    if !missing.is_empty() {
        out.push(
            Diagnostic::new(
                Code::BuiltinArity,
                span,
                format!(
                    "`{}` needs at least {} argument{}, but {} {} given",
                    b.name,
                    b.required,
                    plural(b.required),
                    positional,
                    if positional == 1 { "was" } else { "were" }
                ),
            )
            .label(format!("missing `{}`", missing.join("`, `")))
            .help(signature_help(b)),
        );
    }
}

fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

fn signature_help(b: &builtins::Builtin) -> String {
    if b.options.is_empty() {
        format!("usage: {}", b.signature())
    } else {
        format!(
            "usage: {}; options: {}",
            b.signature(),
            b.options.join(", ")
        )
    }
}

/// Arguments come in the order: positional, `*spread`, `name=value`, `**spread` (§2.4).
pub fn check_order(args: &[Arg], out: &mut Vec<Diagnostic>) {
    let rank = |a: &Arg| match a {
        Arg::Pos(_) => 0,
        Arg::Spread(_) => 1,
        Arg::Named(_) => 2,
        Arg::SpreadNamed(_) => 3,
    };
    let mut last = 0;
    let mut seen_spread = [false; 4];
    for a in args {
        let r = rank(a);
        let repeated_spread = (r == 1 || r == 3) && seen_spread[r];
        if r < last || repeated_spread {
            let what = match a {
                Arg::Pos(_) => "a positional argument",
                Arg::Spread(_) => "a `*` argument",
                Arg::Named(_) => "a keyword argument",
                Arg::SpreadNamed(_) => "a `**` argument",
            };
            out.push(
                Diagnostic::new(Code::ArgumentOrder, a.span(), format!("{what} cannot come here"))
                    .label("out of order")
                    .help("arguments go in this order: positional ones, one `*array`, `name=value` ones, one `**dictionary`"),
            );
        }
        seen_spread[r] = true;
        last = last.max(r);
    }
}

/// E0006 for `name`, with the built-in probably meant, or where a test built-in belongs.
fn unknown_builtin(name: &str, span: Span, dialect: Dialect) -> Diagnostic {
    let d = Diagnostic::new(
        Code::UnknownBuiltin,
        span,
        format!("unknown built-in `{name}`"),
    )
    .label("no built-in or variable has this name");
    if dialect == Dialect::Flow && builtins::test_builtin(name).is_some() {
        return d.help(format!(
            "`{name}` is a built-in of tests: only tests may call it (a `*_test.jf` file, or a flow under the project's `tests/` folder, run by `jfc test`)"
        ));
    }
    let tests = match dialect {
        Dialect::Flow => &[][..],
        Dialect::Test => builtins::TEST_BUILTINS,
    };
    match suggest::closest(name, BUILTINS.iter().chain(tests).map(|b| b.name)) {
        Some(s) => d.help(format!("did you mean `{s}`?")),
        None => d.help("built-ins are listed by `jfc builtins`; a variable holding a function must be assigned first"),
    }
}
