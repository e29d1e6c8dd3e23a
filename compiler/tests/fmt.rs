//! The formatter, tested as data.
//!
//! Each `tests/fmt/NAME.in.jf` is formatted and compared with
//! `tests/fmt/NAME.out.jf`. To add a case, drop a `.in.jf` file in the folder, run
//! `JFC_FMT_BLESS=1 cargo test -p jfc-compiler --test fmt` to write its `.out.jf`,
//! and review that file.
//!
//! For every data file and every spec example the properties hold too: the
//! output is a fixed point (`format(format(x)) == format(x)`), it parses to the
//! same tree modulo spans, and it keeps every comment.

use std::fs;
use std::path::{Path, PathBuf};

use jfc_compiler::fmt::{format, same_tree};
use jfc_compiler::lexer::comments::comments;
use jfc_compiler::parse::parse;

const DATA: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fmt");
const EXAMPLES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../shared/spec/examples");

/// The files of a folder whose name ends with `suffix`, sorted by name.
fn files(dir: &str, suffix: &str) -> Vec<PathBuf> {
    let Ok(entries) = fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut files: Vec<PathBuf> = entries
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.to_string_lossy().ends_with(suffix))
        .collect();
    files.sort();
    files
}

fn read(p: &Path) -> String {
    fs::read_to_string(p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

fn comment_texts(text: &str) -> Vec<String> {
    comments(text)
        .into_iter()
        .map(|(_, t)| t.trim_end().to_string())
        .collect()
}

/// The three properties, for a text that has no syntax error.
fn check_properties(name: &str, text: &str) -> String {
    let once = format(text).unwrap_or_else(|d| panic!("{name}: refused: {d:?}"));
    let twice = format(&once).unwrap_or_else(|d| panic!("{name}: output refused: {d:?}"));
    assert_eq!(once, twice, "{name}: formatting is not idempotent");
    assert!(
        same_tree(&parse(text).program, &parse(&once).program),
        "{name}: the tree changed"
    );
    assert_eq!(
        comment_texts(text),
        comment_texts(&once),
        "{name}: comments changed"
    );
    assert!(
        once.lines()
            .all(|l| l == l.trim_end() || l.contains("'''") || l.contains("\"\"\"")),
        "{name}: trailing blanks"
    );
    once
}

#[test]
fn data_cases() {
    let bless = std::env::var_os("JFC_FMT_BLESS").is_some();
    let inputs = files(DATA, ".in.jf");
    assert!(!inputs.is_empty(), "no data in {DATA}");
    let mut failures = Vec::new();
    for input in inputs {
        let name = input.file_name().unwrap().to_string_lossy().into_owned();
        let expected_path = PathBuf::from(input.to_string_lossy().replace(".in.jf", ".out.jf"));
        let got = check_properties(&name, &read(&input));
        if bless {
            fs::write(&expected_path, &got).unwrap();
            continue;
        }
        let expected = read(&expected_path);
        check_properties(&name, &expected);
        if got != expected {
            failures.push(format!("--- {name}: expected\n{expected}--- got\n{got}"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn spec_examples() {
    for path in files(EXAMPLES, ".jf") {
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let text = read(&path);
        if parse(&text).diagnostics.is_empty() {
            check_properties(&name, &text);
        } else {
            assert!(format(&text).is_err(), "{name}: syntax errors not refused");
        }
    }
}

#[test]
fn syntax_errors_are_refused() {
    for text in [
        "[a = ]",
        "print('x') print('y')",
        "{ if x | ",
        "'unclosed",
        "[x] ; [y]",
    ] {
        let errors = format(text).expect_err(text);
        assert!(!errors.is_empty(), "{text}: no diagnostics");
    }
}

#[test]
fn empty_and_comment_only_files() {
    assert_eq!(format("").unwrap(), "");
    assert_eq!(format("\n\n  \n").unwrap(), "");
    assert_eq!(format("# a\n\n\n# b  \n").unwrap(), "# a\n\n# b\n");
    assert_eq!(format("\u{feff}print( 1 )").unwrap(), "\u{feff}print(1)\n");
    assert_eq!(
        format("print(1)\r\n-> print(2) # two\r\n").unwrap(),
        "print(1)\n-> print(2) # two\n"
    );
}

/// Every prefix of every data file and example: formatting never panics, and what
/// it accepts keeps the properties.
#[test]
fn no_panic_on_truncated_input() {
    let mut sources: Vec<PathBuf> = files(DATA, ".in.jf");
    sources.extend(files(EXAMPLES, ".jf").into_iter().take(40));
    for path in sources {
        let text = read(&path);
        let cuts: Vec<usize> = (0..=text.len())
            .filter(|&i| text.is_char_boundary(i))
            .collect();
        for &cut in cuts.iter().step_by(7) {
            let prefix = &text[..cut];
            if let Ok(out) = format(prefix) {
                assert_eq!(format(&out).as_ref(), Ok(&out), "{prefix:?}");
            }
        }
    }
}

/// Pathologically deep trees are refused with a diagnostic, not a crashed stack;
/// deep but sane ones are formatted.
#[test]
fn deep_nesting() {
    let deep = |n: usize| format!("[x = {}1{}]", "(".repeat(n), ")".repeat(n));
    assert!(format(&deep(5000)).is_err());
    assert!(format(&deep(900)).is_ok());
    let chain = format!("[x = 1{}]", " + 1".repeat(5000));
    assert!(format(&chain).is_err());
}

fn comment_list(text: &str) -> Vec<&str> {
    comments(text).into_iter().map(|(_, t)| t).collect()
}

#[test]
fn hashes_inside_literals_are_not_comments() {
    let src = "print('# no', \"#\", b'#', r'#'i, '''\n# no\n''') # yes\n# also\n";
    assert_eq!(comment_list(src), vec!["# yes", "# also"]);
    assert_eq!(comment_list("[]#x"), vec!["#x"]);
    assert_eq!(comment_list("#only"), vec!["#only"]);
    assert!(comment_list("").is_empty());
}

#[test]
fn comment_spans_point_at_the_hash() {
    let src = "\u{feff}[] # c\n#d";
    let found = comments(src);
    assert_eq!(found.len(), 2);
    for (span, text) in found {
        assert_eq!(&src[span.range()], text);
    }
}
