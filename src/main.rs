//! `jfc`: the command-line entry point. Argument parsing and wiring only.

mod cli;

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let args = cli::Cli::try_parse().unwrap_or_else(|e| usage_error(e));
    cli::init_logging(args.log_level.as_deref());
    match args.command {
        cli::Command::Check(c) => cli::check::run(c),
        cli::Command::Test(t) => cli::test::run(t),
        cli::Command::Agent(a) => cli::agent::run(a),
        cli::Command::Agents(a) => cli::agent::list(a),
        cli::Command::Builtins(b) => cli::builtins::run(b),
        cli::Command::Explain(e) => cli::explain::run(e),
        cli::Command::Fmt(f) => cli::fmt::run(f),
        cli::Command::Doc(d) => cli::doc::run(d),
        cli::Command::Disasm(c) => cli::disasm::run(c),
        cli::Command::Run(c) => cli::run::run(c, args.store.as_deref()),
        cli::Command::Import(c) => cli::transfer::import(c, args.store.as_deref()),
        cli::Command::Export(c) => cli::transfer::export(c, args.store.as_deref()),
        cli::Command::Obj(c) => cli::obj::run(c, args.store.as_deref()),
        cli::Command::Ps(c) => cli::ps::run(c, args.store.as_deref()),
        cli::Command::Resume(c) => cli::resume::run(c, args.store.as_deref()),
        cli::Command::User(c) => cli::user::run(c, args.store.as_deref()),
        cli::Command::Serve(c) => cli::serve::run(c, args.store.as_deref()),
        cli::Command::Send(c) => cli::send::run(c),
        cli::Command::Token(c) => cli::token::run(c, args.store.as_deref()),
        cli::Command::Schedule(c) => cli::schedule::run(c, args.store.as_deref()),
        cli::Command::Task(c) => cli::task::run(c, args.store.as_deref()),
        cli::Command::Lsp(_) => match jfc_lsp::serve_stdio() {
            Ok(()) => std::process::ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("error: {e}");
                std::process::ExitCode::from(1)
            }
        },
    }
}

/// clap's own errors: help and version go out as usual (status 0); a usage error exits
/// with `EX_USAGE` (64), the status every jfc command gives a bad command line, instead
/// of clap's 2, which `jfc run` and `jfc check` keep for a flow that does not compile.
fn usage_error(e: clap::Error) -> ! {
    use clap::error::ErrorKind;
    if matches!(e.kind(), ErrorKind::DisplayHelp | ErrorKind::DisplayVersion) {
        e.exit()
    }
    let _ = e.print();
    // `jfc send` keeps the usage status of the event tools it stands in for (2).
    let send = std::env::args()
        .skip(1)
        .find(|a| !a.starts_with('-'))
        .as_deref()
        == Some("send");
    let status = if send {
        cli::send::EXIT_SEND_USAGE
    } else {
        jfc_runtime::run::EXIT_USAGE
    };
    std::process::exit(status.into())
}
