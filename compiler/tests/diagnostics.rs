//! Every diagnostic code, as data.
//!
//! `tests/diagnostics/CODE-what.jf` must produce a diagnostic with code `CODE`;
//! the human rendering (colour off) and the JSON lines of all its diagnostics are
//! snapshotted as `tests/snapshots/diagnostics__CODE-what.snap`.
//! `tests/diagnostics/ok-what.jf` must produce no diagnostic at all: these are the
//! cases a check must not warn about.
//!
//! Each file is checked as a flow file in this folder, outside any project (E0016).
//! W0004, W0005 and E0019 need inputs too big for a data file; they are generated below.
//! New cases: add a file, run `INSTA_UPDATE=always cargo test -p jfc-compiler
//! --test diagnostics`, review the new `.snap`.

use std::fs;
use std::path::{Path, PathBuf};

use jfc_compiler::check::FilePlace;
use jfc_compiler::diagnostics::{json::to_json_line, render::render, Code, Diagnostic};
use jfc_compiler::span::LineIndex;

const DATA: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/diagnostics");

fn data_files() -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = fs::read_dir(DATA)
        .expect("the diagnostics data folder")
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "jf"))
        .collect();
    files.sort();
    files
}

fn file_name(p: &Path) -> String {
    p.file_name().unwrap().to_string_lossy().into_owned()
}

fn stem(p: &Path) -> String {
    p.file_stem().unwrap().to_string_lossy().into_owned()
}

/// The code a data file is about: the part of its name before the first `-`.
fn code_of(p: &Path) -> String {
    stem(p).split('-').next().unwrap_or_default().to_string()
}

/// The data files are checked as files outside any project, so E0016 applies.
/// The place of a corpus file: a `*_test.jf` file is a test and sees the test built-ins.
fn place(file: &Path) -> FilePlace {
    FilePlace {
        dir: PathBuf::from(DATA),
        in_project: false,
        dialect: jfc_compiler::builtins::Dialect::of(file, None),
    }
}

/// Human rendering then JSON lines of every diagnostic, trailing blanks removed.
fn report(diagnostics: &[Diagnostic], file: &str, text: &str) -> String {
    let index = LineIndex::new(text);
    let mut out = String::new();
    for d in diagnostics {
        out.push_str(&render(d, file, text, false));
    }
    out.push_str("--- json ---\n");
    for d in diagnostics {
        out.push_str(&to_json_line(d, file, text, &index));
        out.push('\n');
    }
    out.lines()
        .map(str::trim_end)
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn diagnostics_snapshots() {
    let mut failed = Vec::new();
    let mut problems = Vec::new();
    for path in data_files() {
        let name = stem(&path);
        if name.starts_with("ok-") {
            continue;
        }
        let text = fs::read_to_string(&path).unwrap();
        let analysis = jfc_compiler::analyze_file(&text, &place(&path));
        let code = code_of(&path);
        if !analysis.diagnostics.iter().any(|d| d.code.as_str() == code) {
            problems.push(format!(
                "{name}: no {code} among {:?}",
                analysis
                    .diagnostics
                    .iter()
                    .map(|d| d.code.as_str())
                    .collect::<Vec<_>>()
            ));
        }
        let shown = match std::panic::catch_unwind(|| {
            report(&analysis.diagnostics, &file_name(&path), &text)
        }) {
            Ok(shown) => shown,
            Err(_) => {
                problems.push(format!("{name}: rendering its diagnostics panicked"));
                continue;
            }
        };
        let outcome = std::panic::catch_unwind(|| {
            insta::with_settings!({
                description => text.clone(),
                omit_expression => true,
            }, {
                insta::assert_snapshot!(name.clone(), shown);
            });
        });
        if outcome.is_err() {
            failed.push(name);
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    assert!(failed.is_empty(), "snapshots differ: {failed:?}");
}

/// Flows that a careless check would warn about, but that are fine.
#[test]
fn no_false_alarms() {
    let mut problems = Vec::new();
    let mut count = 0;
    for path in data_files() {
        if !stem(&path).starts_with("ok-") {
            continue;
        }
        count += 1;
        let text = fs::read_to_string(&path).unwrap();
        for d in jfc_compiler::analyze_file(&text, &place(&path)).diagnostics {
            problems.push(render(&d, &file_name(&path), &text, false));
        }
    }
    assert!(count >= 10, "too few ok- cases");
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// W0004, W0005 and E0019 are generated here, so every code has a data case or a generated one.
const GENERATED: &[&str] = &["W0004", "W0005", "E0019"];

#[test]
fn every_code_has_a_case() {
    let files = data_files();
    let mut missing = Vec::new();
    for code in Code::ALL {
        let code = code.as_str();
        let has_file = files.iter().any(|p| code_of(p) == code);
        if !has_file && !GENERATED.contains(&code) {
            missing.push(code);
        }
    }
    assert!(missing.is_empty(), "no data file for {missing:?}");
    // And no data file names a code that does not exist.
    for p in &files {
        let code = code_of(p);
        assert!(
            code == "ok" || Code::ALL.iter().any(|c| c.as_str() == code),
            "{} names an unknown code",
            p.display()
        );
    }
}

/// Each code's severity follows its letter.
#[test]
fn severities_follow_code_letters() {
    for code in Code::ALL {
        let want_error = code.as_str().starts_with('E');
        assert_eq!(
            code.severity() == jfc_compiler::diagnostics::Severity::Error,
            want_error,
            "{}",
            code.as_str()
        );
    }
}

/// A flow of `n` lines `print(i) ->`, valid and long.
fn long_flow(jobs: usize) -> String {
    let mut s = String::new();
    for i in 0..jobs {
        s.push_str(&format!("print({i}) ->\n"));
    }
    s.push_str("print('end')\n");
    s
}

#[test]
fn w0004_source_too_long() {
    // 65,536 characters is still fine.
    let mut ok = String::from("print('");
    ok.push_str(&"x".repeat(65_536 - "print('')\n".len()));
    ok.push_str("')\n");
    assert_eq!(ok.chars().count(), 65_536);
    assert!(jfc_compiler::analyze(&ok).diagnostics.is_empty());

    // One more character warns; characters, not bytes, are counted.
    let mut long = String::from("print('");
    long.push_str(&"é".repeat(65_537 - "print('')\n".len()));
    long.push_str("')\n");
    assert_eq!(long.chars().count(), 65_537);
    let analysis = jfc_compiler::analyze(&long);
    assert!(!analysis.has_errors());
    let w: Vec<Diagnostic> = analysis
        .diagnostics
        .into_iter()
        .filter(|d| d.code == Code::SourceTooLong)
        .collect();
    assert_eq!(w.len(), 1);
    // The excerpt would be the whole 65 kB line: snapshot the JSON line only.
    let index = LineIndex::new(&long);
    insta::assert_snapshot!(
        "W0004-source-too-long",
        to_json_line(&w[0], "W0004-source-too-long.jf", &long, &index)
    );
}

#[test]
fn w0005_too_many_jobs() {
    let ok = long_flow(4_095);
    let analysis = jfc_compiler::analyze(&ok);
    assert!(
        !analysis
            .diagnostics
            .iter()
            .any(|d| d.code == Code::TooManyJobs),
        "4096 jobs are accepted"
    );

    let text = long_flow(4_096);
    let analysis = jfc_compiler::analyze(&text);
    assert!(!analysis.has_errors());
    let w: Vec<Diagnostic> = analysis
        .diagnostics
        .into_iter()
        .filter(|d| d.code == Code::TooManyJobs)
        .collect();
    assert_eq!(w.len(), 1, "one W0005 for the one long expression");
    let index = LineIndex::new(&text);
    insta::assert_snapshot!(
        "W0005-too-many-jobs",
        to_json_line(&w[0], "W0005-too-many-jobs.jf", &text, &index)
    );

    // Jobs in a block count for the block's own expression, not the outer one.
    let nested = format!("print('a') -> {{ {} }}", long_flow(4_096));
    let analysis = jfc_compiler::analyze(&nested);
    let spans: Vec<_> = analysis
        .diagnostics
        .iter()
        .filter(|d| d.code == Code::TooManyJobs)
        .map(|d| d.span.start)
        .collect();
    assert_eq!(spans, vec![16], "only the block's expression is too long");
}

/// The W0005 excerpt spans thousands of lines; it must render, and stay short.
#[test]
fn w0005_renders() {
    let text = long_flow(4_200);
    let analysis = jfc_compiler::analyze(&text);
    let d = analysis
        .diagnostics
        .iter()
        .find(|d| d.code == Code::TooManyJobs)
        .expect("W0005");
    let shown = render(d, "big.jf", &text, false);
    assert!(shown.contains("W0005"));
    assert!(
        shown.len() < 10 * 1024,
        "the rendering of one W0005 is {} bytes long",
        shown.len()
    );
}

/// A missing connector between two jobs is the most common syntax error: its
/// message must say what is missing.
#[test]
fn missing_connector_is_explained() {
    for text in ["print('one')\nprint('two')\n", "[x = 1]\n[y = 2]\n"] {
        let analysis = jfc_compiler::analyze(text);
        let d = &analysis.diagnostics[0];
        let shown = render(d, "f.jf", text, false);
        assert!(
            shown.contains("connector"),
            "the message should mention the missing connector:\n{shown}"
        );
    }
}

/// One mistake, one diagnostic: a misspelt built-in is an unknown built-in
/// (E0006), not also a read of an unassigned variable (W0001) at the same place.
#[test]
fn unknown_builtin_reported_once() {
    for text in ["prnt('hello')\n", "print(lenght('abc'))\n"] {
        let analysis = jfc_compiler::analyze(text);
        let codes: Vec<&str> = analysis
            .diagnostics
            .iter()
            .map(|d| d.code.as_str())
            .collect();
        assert_eq!(codes, ["E0006"], "{text:?}");
    }
}

/// E0016 depends on the files beside the flow: a sibling `name.jf` satisfies
/// `[./name]`, and inside a project (a `jfc.toml` above) nothing is reported, since
/// the flow may run from the store where `./name` can be any object.
#[test]
fn missing_flow_depends_on_the_files() {
    let tmp = tempfile::Builder::new()
        .prefix("jfc-e0016-")
        .tempdir()
        .unwrap();
    let root = tmp.path();
    let flows = root.join("flows");
    fs::create_dir_all(&flows).unwrap();
    fs::write(flows.join("deploy.jf"), "print('deploy')\n").unwrap();
    let text = "[./deploy: 'web1'] -> { if true | [./nosuch] }\n";
    let codes = |place: &FilePlace| -> Vec<(&'static str, u32)> {
        jfc_compiler::analyze_file(text, place)
            .diagnostics
            .iter()
            .map(|d| (d.code.as_str(), d.span.start))
            .collect()
    };
    let outside = FilePlace::of(&flows.join("main.jf"));
    assert!(!outside.in_project);
    assert_eq!(codes(&outside), [("E0016", 35)], "only the missing one");
    fs::write(root.join("jfc.toml"), "").unwrap();
    let inside = FilePlace::of(&flows.join("main.jf"));
    assert!(inside.in_project, "jfc.toml in a parent directory");
    assert_eq!(codes(&inside), []);
}

/// A syntax error does not hide the other errors of the file: the checks run over
/// what the parser recovered, skipping the broken job, and add nothing because of it.
#[test]
fn syntax_errors_do_not_hide_other_errors() {
    let text = "[a = {x = 1, x = 2}] -> continue\n-> [y = ] -> print($host, a)\n";
    let codes: Vec<&str> = jfc_compiler::analyze(text)
        .diagnostics
        .iter()
        .map(|d| d.code.as_str())
        .collect();
    assert_eq!(codes, ["E0004", "E0003", "W0003", "E0001", "E0009"]);
    // At the end of the text too.
    let codes: Vec<&str> = jfc_compiler::analyze("continue -> print(1")
        .diagnostics
        .iter()
        .map(|d| d.code.as_str())
        .collect();
    assert_eq!(codes, ["E0003", "W0003", "E0001"]);
}

/// `&&` is one error, not two illegal characters and a syntax error.
#[test]
fn c_operators_are_one_error_each() {
    for (text, word) in [
        ("[x = true && false]\n", "and"),
        ("[x = true || false]\n", "or"),
    ] {
        let d = jfc_compiler::analyze(text).diagnostics;
        assert_eq!(d.len(), 1, "{text:?}: {d:?}");
        assert!(
            d[0].message.contains(&format!("`{word}`")),
            "{}",
            d[0].message
        );
    }
}

/// Variable slots are 16-bit operands: a flow that needs more is refused (E0019)
/// instead of two variables silently sharing a slot.
#[test]
fn e0019_too_many_variables() {
    let flow = |n: usize| {
        let names: Vec<String> = (0..n).map(|i| format!("v{i}")).collect();
        let assign: Vec<String> = names.iter().map(|v| format!("{v} = 1")).collect();
        format!("[{}] -> print([{}])\n", assign.join(", "), names.join(", "))
    };
    let errors = jfc_compiler::compile(&flow(70_000), "many.jf").expect_err("refused");
    let d = errors
        .iter()
        .find(|d| d.code == Code::BytecodeLimit)
        .expect("E0019");
    assert!(d.message.contains("65536 variable slots"), "{}", d.message);
    assert!(d.is_error());
    // `jfc check` reports it too, not only `jfc run`.
    let checked = jfc_compiler::analyze_file(&flow(70_000), &place(Path::new("many.jf")));
    assert!(checked
        .diagnostics
        .iter()
        .any(|d| d.code == Code::BytecodeLimit));
    // Just below the limit it compiles, every variable in its own slot.
    let (chunk, _) = jfc_compiler::compile(&flow(65_000), "many.jf").expect("compiles");
    assert_eq!(chunk.slots.len(), 65_000);
}

/// The positional count of a call is 16 bits too.
#[test]
fn e0019_too_many_arguments() {
    let args = vec!["1"; 65_536].join(",");
    let errors =
        jfc_compiler::compile(&format!("print({args})\n"), "args.jf").expect_err("refused");
    assert!(
        errors.iter().any(|d| d.code == Code::BytecodeLimit),
        "{errors:?}"
    );
    let args = vec!["1"; 65_535].join(",");
    assert!(jfc_compiler::compile(&format!("print({args})\n"), "args.jf").is_ok());
}

/// A flow nested past the limit is refused with a place, not at the start of the file.
#[test]
fn too_deep_names_the_place() {
    let text = format!("print('a') -> [x = 1{}]\n", " + 1".repeat(1_500));
    let d = jfc_compiler::analyze(&text).diagnostics;
    assert_eq!(d.len(), 1, "{d:?}");
    assert!(d[0].message.contains("levels deep"), "{}", d[0].message);
    assert_eq!(d[0].span.start, 23, "an operand of the innermost `+`");
    assert!(d[0]
        .help
        .as_deref()
        .unwrap_or_default()
        .contains("chain of operators"));
}
