//! `jfc`: the command-line entry point. Argument parsing and wiring only.

mod cli;

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let args = match cli::Cli::try_parse() {
        Ok(args) => args,
        Err(e) => {
            let _ = e.print();
            let argv: Vec<String> = std::env::args().collect();
            return ExitCode::from(cli::check::usage_status(&e, &argv));
        }
    };
    cli::init_logging(args.log_level.as_deref());
    match args.command {
        cli::Command::Check(c) => cli::check::run(c),
        cli::Command::Builtins(b) => cli::builtins::run(b),
        cli::Command::Fmt(f) => cli::fmt::run(f),
        cli::Command::Disasm(c) => cli::disasm::run(c),
        cli::Command::Run(c) => cli::run::run(c, args.store.as_deref()),
        cli::Command::Import(c) => cli::transfer::import(c, args.store.as_deref()),
        cli::Command::Export(c) => cli::transfer::export(c, args.store.as_deref()),
        cli::Command::Obj(c) => cli::obj::run(c, args.store.as_deref()),
        cli::Command::Ps(c) => cli::ps::run(c, args.store.as_deref()),
        cli::Command::User(c) => cli::user::run(c, args.store.as_deref()),
    }
}
