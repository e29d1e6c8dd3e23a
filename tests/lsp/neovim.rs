//! A real editor as the client: headless Neovim (test.sh installs it) with its built-in
//! LSP client opens a project of two flows, gets the diagnostics of a broken line, a
//! completion list and a definition location (tests/lsp/neovim.lua says what it asks).

use std::process::Command;

use serde_json::Value;

#[test]
fn neovim_gets_diagnostics_completion_and_a_definition_from_jfc_lsp() {
    let nvim = which("nvim").unwrap_or_else(|| {
        panic!("Neovim is missing: ./test.sh installs it (Debian package neovim)")
    });
    let dir = tempfile::tempdir().expect("dir");
    std::fs::write(
        dir.path().join("main.jf"),
        "|host|\n[./restart: host] -> [x = 1] -> [x == 2]\n",
    )
    .expect("main.jf");
    std::fs::write(dir.path().join("restart.jf"), "|target|\nprint(target)\n").expect("restart.jf");
    let out = dir.path().join("report.json");
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/lsp/neovim.lua");
    let run = Command::new(nvim)
        .args(["--headless", "--clean", "-n", "-c"])
        .arg(format!("luafile {script}"))
        .env("JFC", env!("CARGO_BIN_EXE_jfc"))
        .env("DIR", dir.path())
        .env("OUT", &out)
        .env("HOME", dir.path())
        .output()
        .expect("nvim runs");
    let report = std::fs::read_to_string(&out).unwrap_or_else(|_| {
        panic!(
            "Neovim wrote no report: {}{}",
            String::from_utf8_lossy(&run.stdout),
            String::from_utf8_lossy(&run.stderr)
        )
    });
    let report: Value = serde_json::from_str(&report).expect("JSON");
    let diagnostics = report["diagnostics"].as_array().expect("diagnostics");
    assert_eq!(diagnostics.len(), 1, "{report}");
    assert_eq!(diagnostics[0]["code"], "E0018");
    assert_eq!(diagnostics[0]["line"], 1);
    assert_eq!(diagnostics[0]["col"], 33);
    let labels = report["completion"].as_array().expect("completion");
    for wanted in ["pfor", "print", "__host__"] {
        assert!(
            labels.contains(&Value::from(wanted)),
            "no {wanted} in {labels:?}"
        );
    }
    let definition = &report["definition"];
    let uri = definition["uri"].as_str().unwrap_or_default();
    assert!(uri.ends_with("/restart.jf"), "{report}");
}

fn which(program: &str) -> Option<std::path::PathBuf> {
    std::env::var_os("PATH")?
        .to_str()?
        .split(':')
        .map(|d| std::path::Path::new(d).join(program))
        .find(|p| p.is_file())
}
