//! Colour only on a terminal, and never with `NO_COLOR`: `jfc run`'s reports written to
//! a real pseudo-terminal.

#![cfg(unix)]

use std::fs::File;
use std::io::Read;
use std::process::{Command, Stdio};

use rustix::pty::{grantpt, openpt, ptsname, unlockpt, OpenptFlags};

/// Run `jfc args` with its stderr on a new pseudo-terminal; what it wrote there.
fn stderr_on_a_terminal(args: &[&str], no_color: Option<&str>) -> String {
    let master = openpt(OpenptFlags::RDWR | OpenptFlags::NOCTTY).expect("a pseudo-terminal");
    grantpt(&master).expect("grantpt");
    unlockpt(&master).expect("unlockpt");
    let name = ptsname(&master, Vec::new()).expect("ptsname");
    let slave = File::options()
        .read(true)
        .write(true)
        .open(name.to_str().expect("a path"))
        .expect("open the terminal side");
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_jfc"));
    cmd.args(args)
        .stdout(Stdio::null())
        .stderr(Stdio::from(slave))
        .env_remove("NO_COLOR");
    if let Some(v) = no_color {
        cmd.env("NO_COLOR", v);
    }
    let mut child = cmd.spawn().expect("jfc runs");
    // Drop our copy of the terminal side first, so the read ends when jfc is done.
    drop(cmd);
    child.wait().expect("jfc ends");
    let mut master = File::from(master);
    let mut out = Vec::new();
    let mut buf = [0u8; 4096];
    // Linux answers EIO once the terminal side is closed and the output read.
    while let Ok(n) = master.read(&mut buf) {
        if n == 0 {
            break;
        }
        out.extend_from_slice(&buf[..n]);
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// A flow file that does not compile, in a directory removed when this is dropped.
struct BadFlow {
    _dir: tempfile::TempDir,
    path: String,
}

fn bad_flow() -> BadFlow {
    let dir = tempfile::Builder::new()
        .prefix("jfc-terminal-")
        .tempdir()
        .expect("temp dir");
    let file = dir.path().join("bad.jf");
    std::fs::write(&file, "print('a')\nprint('b')\n").expect("write flow");
    BadFlow {
        path: file.display().to_string(),
        _dir: dir,
    }
}

#[test]
fn run_reports_are_coloured_on_a_terminal_unless_no_color() {
    let flow = bad_flow();
    let coloured = stderr_on_a_terminal(&["run", &flow.path], None);
    assert!(coloured.contains("does not compile"), "{coloured}");
    assert!(
        coloured.contains('\x1b'),
        "no colour on a terminal: {coloured}"
    );
    let plain = stderr_on_a_terminal(&["run", &flow.path], Some("1"));
    assert!(plain.contains("does not compile"), "{plain}");
    assert!(
        !plain.contains('\x1b'),
        "colour despite NO_COLOR: {plain:?}"
    );
}

#[test]
fn logs_are_coloured_on_a_terminal_unless_no_color() {
    let flow = bad_flow();
    let store = format!("{}.sqlite", flow.path);
    let args = ["--log-level", "debug", "--store", &store, "run", &flow.path];
    let coloured = stderr_on_a_terminal(&args, None);
    assert!(coloured.contains("opening the store"), "{coloured}");
    assert!(
        coloured.contains('\x1b'),
        "no colour on a terminal: {coloured}"
    );
    let plain = stderr_on_a_terminal(&args, Some("1"));
    assert!(plain.contains("opening the store"), "{plain}");
    assert!(
        !plain.contains('\x1b'),
        "colour despite NO_COLOR: {plain:?}"
    );
}
