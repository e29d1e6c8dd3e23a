//! Standard output of the commands. `println!` panics when stdout is a pipe whose
//! reader has gone (`jfc builtins --json | head -c 10`); these end jfc instead: quietly
//! for a closed pipe, with status 141 as a shell reports a command that SIGPIPE ended
//! (`seq 1000000 | head`: the reader has all it wanted, and `set -o pipefail` still
//! sees that not all was written), with a message and EX_IOERR for any other write
//! error (a full disk).

use std::fmt;
use std::io::{self, Write};

/// Like `print!`, but a failed write ends jfc as [`write`] says.
macro_rules! out {
    ($($arg:tt)*) => {
        $crate::cli::out::write(format_args!($($arg)*), false)
    };
}

/// Like `println!`, but a failed write ends jfc as [`write`] says.
macro_rules! outln {
    () => {
        $crate::cli::out::write(format_args!(""), true)
    };
    ($($arg:tt)*) => {
        $crate::cli::out::write(format_args!($($arg)*), true)
    };
}

/// Write `args` (and a newline) to stdout. A closed pipe ends jfc with status 141 and
/// no message; another error says so on stderr and ends jfc with 74 (EX_IOERR).
pub fn write(args: fmt::Arguments<'_>, newline: bool) {
    let mut out = io::stdout().lock();
    let written = out.write_fmt(args).and_then(|()| {
        if newline {
            out.write_all(b"\n")
        } else {
            Ok(())
        }
    });
    if let Err(e) = written {
        failed(&e);
    }
}

/// End jfc after a failed write to stdout (see [`write`]).
pub fn failed(e: &io::Error) -> ! {
    if e.kind() == io::ErrorKind::BrokenPipe {
        std::process::exit(128 + 13);
    }
    eprintln!("error: cannot write to standard output: {e}");
    std::process::exit(74);
}
