//! The user guide (`docs/`) stays true:
//! - `docs/reference/*.md` are exactly what `jfc doc` prints now (`JFC_BLESS=1` rewrites
//!   them, as `jfc doc all --out docs/reference` does);
//! - every ```` ```jobflow ```` block of the guide passes `jfc check --deny-warnings`, and the
//!   tests among them pass `jfc test`;
//! - `jfc doc` itself: its exit statuses and what it makes of a directory of flows.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

fn jfc(args: &[&str], dir: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_jfc"))
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .env_remove("JFC_LOG")
        .env_remove("JFC_STORE")
        .output()
        .expect("jfc runs")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn docs() -> PathBuf {
    Path::new(ROOT).join("docs")
}

// ---- the reference pages -------------------------------------------------------------

#[test]
fn the_reference_pages_are_what_jfc_doc_prints() {
    let mut stale = Vec::new();
    for (what, file) in [
        ("stdlib", "stdlib.md"),
        ("cli", "cli.md"),
        ("errors", "errors.md"),
    ] {
        let o = jfc(&["doc", what], Path::new(ROOT));
        assert_eq!(o.status.code(), Some(0), "jfc doc {what}: {}", stderr(&o));
        let path = docs().join("reference").join(file);
        if std::env::var_os("JFC_BLESS").is_some() {
            std::fs::write(&path, &o.stdout).expect("write the reference page");
            continue;
        }
        let on_disk = std::fs::read_to_string(&path).unwrap_or_default();
        if on_disk != stdout(&o) {
            stale.push(path.display().to_string());
        }
    }
    assert!(
        stale.is_empty(),
        "out of date: {stale:?}; regenerate with `cargo run -- doc all --out docs/reference` \
         (or JFC_BLESS=1 cargo test --test docs) and commit the result"
    );
}

#[test]
fn doc_all_writes_the_three_pages() {
    let out = tempfile::tempdir().expect("tempdir");
    let target = out.path().join("made/here");
    let o = jfc(
        &["doc", "all", "--out", target.to_str().expect("utf-8")],
        Path::new(ROOT),
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    for (what, file) in [
        ("stdlib", "stdlib.md"),
        ("cli", "cli.md"),
        ("errors", "errors.md"),
    ] {
        let written = std::fs::read_to_string(target.join(file)).expect("written");
        assert_eq!(
            written,
            stdout(&jfc(&["doc", what], Path::new(ROOT))),
            "{file}"
        );
        assert!(stdout(&o).contains(file), "{}", stdout(&o));
    }
}

#[test]
fn the_references_cover_every_flow_command_and_code() {
    let stdlib = stdout(&jfc(&["doc", "stdlib"], Path::new(ROOT)));
    assert!(stdlib.contains("## `/lib/service/restart`"), "{stdlib}");
    assert!(
        stdlib.contains("| `threshold_days` | `30` | fewer days left than this raises the event |"),
        "{stdlib}"
    );
    assert!(
        !stdlib.contains("_test"),
        "tests are not part of the library"
    );
    let cli = stdout(&jfc(&["doc", "cli"], Path::new(ROOT)));
    for heading in [
        "\n## `jfc run`\n",
        "\n### `jfc obj set`\n",
        "\n### `jfc doc stdlib`\n",
        "- [`jfc run`](#jfc-run): ",
    ] {
        assert!(
            cli.contains(heading),
            "{heading} missing from the CLI reference"
        );
    }
    assert!(cli.contains("Usage: jfc obj set [OPTIONS] <PATH>"), "{cli}");
    let errors = stdout(&jfc(&["doc", "errors"], Path::new(ROOT)));
    assert!(errors.contains("\n## E0015: "), "{errors}");
    assert!(errors.contains("\n## W0001: "), "{errors}");
    assert!(
        errors.contains("### Why it is a problem"),
        "headings are nested"
    );
}

#[test]
fn the_cli_reference_does_not_depend_on_the_environment() {
    let plain = stdout(&jfc(&["doc", "cli"], Path::new(ROOT)));
    let with_env = Command::new(env!("CARGO_BIN_EXE_jfc"))
        .args(["doc", "cli"])
        .env("JFC_SERVER", "http://elsewhere.example:1")
        .output()
        .expect("jfc runs");
    assert_eq!(plain, stdout(&with_env));
    assert!(!plain.contains("elsewhere"));
}

// ---- the jobflow blocks of the guide -------------------------------------------------

/// A fenced block of a page: its info string, first line number and text.
struct Block {
    info: String,
    line: usize,
    text: String,
}

fn blocks(markdown: &str) -> Vec<Block> {
    let mut found = Vec::new();
    let mut open: Option<Block> = None;
    for (n, line) in markdown.lines().enumerate() {
        let fence = line.trim_start().strip_prefix("```");
        match (&mut open, fence) {
            (None, Some(info)) => {
                open = Some(Block {
                    info: info.trim().to_string(),
                    line: n + 2,
                    text: String::new(),
                })
            }
            (Some(_), Some(_)) => found.extend(open.take()),
            (Some(b), None) => {
                b.text.push_str(line);
                b.text.push('\n');
            }
            (None, None) => {}
        }
    }
    found
}

/// The file name a jobflow block is checked as: `file=NAME` in its info string, else
/// `block_N.jf` (`block_N_test.jf` for a block marked `test`); None for a block that is
/// not jobflow, or shows a mistake on purpose (`wrong`).
fn file_name(b: &Block, n: usize) -> Option<String> {
    let mut words = b.info.split_whitespace();
    if words.next() != Some("jobflow") {
        return None;
    }
    let rest: Vec<&str> = words.collect();
    if rest.contains(&"wrong") {
        return None;
    }
    if let Some(name) = rest.iter().find_map(|w| w.strip_prefix("file=")) {
        return Some(name.to_string());
    }
    Some(if rest.contains(&"test") {
        format!("block_{n}_test.jf")
    } else {
        format!("block_{n}.jf")
    })
}

fn pages() -> Vec<PathBuf> {
    let mut found: Vec<PathBuf> = walk(&docs());
    found.sort();
    assert!(
        found.len() >= 10,
        "the pages of docs/ are missing: {found:?}"
    );
    found
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
        let path = entry.expect("entry").path();
        if path.is_dir() {
            out.extend(walk(&path));
        } else if path.extension().is_some_and(|e| e == "md") {
            out.push(path);
        }
    }
    out
}

#[test]
fn every_jobflow_block_of_the_guide_checks_and_its_tests_pass() {
    let mut problems = Vec::new();
    let mut checked = 0;
    // The reference pages are generated: the examples of errors.md are checked where they
    // come from (compiler/tests/explanations.rs), and one of them needs a `deploy.jf`.
    let written_by_hand = pages()
        .into_iter()
        .filter(|p| !p.starts_with(docs().join("reference")));
    for page in written_by_hand {
        let text = std::fs::read_to_string(&page).expect("read the page");
        let scratch = tempfile::tempdir().expect("tempdir");
        let mut written = Vec::new();
        for (n, b) in blocks(&text).iter().enumerate() {
            if let Some(name) = file_name(b, n) {
                std::fs::write(scratch.path().join(&name), &b.text).expect("write the block");
                written.push(format!("{name} is {} line {}", page.display(), b.line));
            }
        }
        if written.is_empty() {
            continue;
        }
        checked += written.len();
        let check = jfc(&["check", "--deny-warnings", "."], scratch.path());
        if check.status.code() != Some(0) {
            problems.push(format!(
                "{}\n{}{}",
                written.join("\n"),
                stdout(&check),
                stderr(&check)
            ));
            continue;
        }
        if written.iter().any(|w| w.contains("_test.jf ")) {
            let test = jfc(&["test", "--jobs", "1", "."], scratch.path());
            if test.status.code() != Some(0) {
                problems.push(format!(
                    "{}\n{}{}",
                    written.join("\n"),
                    stdout(&test),
                    stderr(&test)
                ));
            }
        }
    }
    assert!(checked >= 8, "only {checked} jobflow blocks found in docs/");
    assert!(problems.is_empty(), "{}", problems.join("\n\n"));
}

#[test]
fn blocks_are_found_with_their_names_and_lines() {
    let page = "text\n```jobflow\nprint(1)\n```\n```sh\nls\n```\n```jobflow test\nx\n```\n```jobflow wrong\ny\n```\n```jobflow file=hello.jf\nz\n```\n";
    let found = blocks(page);
    let names: Vec<Option<String>> = found
        .iter()
        .enumerate()
        .map(|(n, b)| file_name(b, n))
        .collect();
    assert_eq!(
        names,
        vec![
            Some("block_0.jf".into()),
            None,
            Some("block_2_test.jf".into()),
            None,
            Some("hello.jf".into()),
        ]
    );
    assert_eq!(found[0].line, 3);
    assert_eq!(found[0].text, "print(1)\n");
}

// ---- jfc doc on a directory of flows ---------------------------------------------------

#[test]
fn doc_stdlib_documents_a_directory_of_flows() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::create_dir_all(dir.path().join("net/tests")).expect("mkdir");
    std::fs::write(
        dir.path().join("net/ping.jf"),
        "# Ping a host.\n|host| # the host\n|count = 3| # how many\n['ping -c ' + string(count) + ' ' + host]\n",
    )
    .expect("write");
    std::fs::write(dir.path().join("net/ping_test.jf"), "print(1)\n").expect("write");
    std::fs::write(dir.path().join("net/tests/other.jf"), "print(1)\n").expect("write");
    std::fs::write(dir.path().join("net/README.md"), "# net\n").expect("write");
    let o = jfc(&["doc", "stdlib", "."], dir.path());
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let md = stdout(&o);
    assert!(
        md.contains("## `net/ping`\n\nPing a host.\n\n| parameter | default | meaning |\n|---|---|---|\n| `host` | (required) | the host |\n| `count` | `3` | how many |\n\nMore in `net/README.md`.\n"),
        "{md}"
    );
    assert!(!md.contains("ping_test") && !md.contains("other"), "{md}");

    let o = jfc(&["doc", "stdlib", ".", "--format", "json"], dir.path());
    let json: serde_json::Value = serde_json::from_slice(&o.stdout).expect("JSON");
    assert_eq!(json[0]["path"], "net/ping");
    assert_eq!(json[0]["params"][1]["default"], "3");
    assert_eq!(json[0]["params"][0]["default"], serde_json::Value::Null);
}

#[test]
fn doc_exit_statuses() {
    let dir = tempfile::tempdir().expect("tempdir");
    let o = jfc(&["doc", "stdlib", "no/such/dir"], dir.path());
    assert_eq!(o.status.code(), Some(66));
    assert!(stderr(&o).contains("no/such/dir"), "{}", stderr(&o));

    std::fs::write(dir.path().join("broken.jf"), "|a = |\nprint(a\n").expect("write");
    let o = jfc(&["doc", "stdlib", "."], dir.path());
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("broken.jf does not parse"),
        "{}",
        stderr(&o)
    );

    let o = jfc(&["doc", "nonsense"], dir.path());
    assert_eq!(o.status.code(), Some(64));
    let o = jfc(&["doc", "stdlib", "--format", "yaml"], dir.path());
    assert_eq!(o.status.code(), Some(64));
    let o = jfc(&["doc", "--help"], dir.path());
    assert_eq!(o.status.code(), Some(0));
    assert!(stdout(&o).contains("jfc doc all --out docs/reference"));
}
