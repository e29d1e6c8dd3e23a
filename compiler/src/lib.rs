//! The jobflow compiler: lexer, parser, checks, diagnostics, bytecode and formatter.

pub mod builtins;
pub mod lexer;
pub mod span;
