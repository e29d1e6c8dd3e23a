//! `jfc disasm`: print the bytecode of a flow.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;

#[derive(Args)]
pub struct DisasmArgs {
    /// The flow to compile and list.
    pub file: PathBuf,
}

pub fn run(args: DisasmArgs) -> ExitCode {
    let name = args.file.display().to_string();
    let text = match std::fs::read_to_string(&args.file) {
        Ok(t) => t,
        Err(e) => {
            eprintln!("error: cannot read {name}: {e}");
            return ExitCode::from(2);
        }
    };
    match jfc_compiler::compile(&text, &name) {
        Ok((chunk, _)) => {
            out!("{}", jfc_compiler::bytecode::disassemble(&chunk));
            ExitCode::SUCCESS
        }
        Err(diagnostics) => {
            super::check::report(
                &diagnostics,
                &name,
                &text,
                super::check::Format::Human,
                false,
            );
            ExitCode::from(2)
        }
    }
}
