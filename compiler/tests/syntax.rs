//! The syntax tree of every construct of the grammar, as data.
//!
//! Each `tests/syntax/NAME.jf` is parsed and its tree (plus any diagnostic) is
//! snapshotted as `tests/snapshots/syntax__NAME.snap`. Spans are shown as
//! `start..end` byte ranges, integers as numbers and binaries as escaped text so
//! that the snapshots stay readable. To add a case, drop a `.jf` file in the folder
//! and run `INSTA_UPDATE=always cargo test -p jfc-compiler --test syntax`, then
//! review the new `.snap` file.
//!
//! The spec examples are checked here too: every one analyzes without error,
//! except the `cerr` ones, which must be rejected.

use std::fs;
use std::path::{Path, PathBuf};

use jfc_compiler::diagnostics::render::render;
use serde_json::{Map, Value};

const DATA: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/syntax");
const EXAMPLES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../shared/spec/examples");

/// The `.jf` files of a folder, sorted by name.
fn jf_files(dir: &str) -> Vec<PathBuf> {
    let Ok(entries) = fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut files: Vec<PathBuf> = entries
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "jf"))
        .collect();
    files.sort();
    files
}

fn stem(p: &Path) -> String {
    p.file_stem().unwrap().to_string_lossy().into_owned()
}

/// Make the serde form of the tree readable: spans become `"a..b"`, big integers
/// become numbers (or strings when too large), binaries become `b'...'` text.
fn tidy(v: Value) -> Value {
    match v {
        Value::Object(map) => {
            if map.len() == 2 {
                if let (Some(Value::Number(s)), Some(Value::Number(e))) =
                    (map.get("start"), map.get("end"))
                {
                    return Value::String(format!("{s}..{e}"));
                }
            }
            if map.len() == 1 {
                if let Some(int) = map.get("Int") {
                    return single("Int", bigint(int));
                }
                if let Some(Value::Array(bytes)) = map.get("Bytes") {
                    let bytes: Vec<u8> = bytes
                        .iter()
                        .map(|b| b.as_u64().unwrap_or(0) as u8)
                        .collect();
                    return single(
                        "Bytes",
                        Value::String(format!("b'{}'", bytes.escape_ascii())),
                    );
                }
            }
            Value::Object(map.into_iter().map(|(k, v)| (k, tidy(v))).collect())
        }
        Value::Array(items) => Value::Array(items.into_iter().map(tidy).collect()),
        other => other,
    }
}

fn single(key: &str, v: Value) -> Value {
    let mut m = Map::new();
    m.insert(key.to_string(), v);
    Value::Object(m)
}

/// num-bigint serialises as `[sign, [u32 digits, little endian]]`.
fn bigint(v: &Value) -> Value {
    let Some([sign, Value::Array(digits)]) = v.as_array().map(Vec::as_slice) else {
        return v.clone();
    };
    let mut n: u128 = 0;
    let mut overflow = false;
    for d in digits.iter().rev() {
        let d = d.as_u64().unwrap_or(0) as u128;
        match n.checked_mul(1 << 32).and_then(|x| x.checked_add(d)) {
            Some(x) => n = x,
            None => overflow = true,
        }
    }
    let negative = sign.as_i64() == Some(-1);
    if overflow {
        return Value::String(format!("{}(too large)", if negative { "-" } else { "" }));
    }
    if let Ok(small) = u64::try_from(n) {
        if negative {
            return Value::from(-(small as i128) as i64);
        }
        return Value::from(small);
    }
    Value::String(format!("{}{n}", if negative { "-" } else { "" }))
}

/// The snapshot of one source text: its tree and its syntax diagnostics.
fn syntax_snapshot(text: &str) -> Value {
    let parsed = jfc_compiler::parse::parse(text);
    let program = serde_json::to_value(&parsed.program).expect("the tree serialises");
    let diagnostics: Vec<Value> = parsed
        .diagnostics
        .iter()
        .map(|d| {
            Value::String(format!(
                "{} {}..{}: {}",
                d.code.as_str(),
                d.span.start,
                d.span.end,
                d.message
            ))
        })
        .collect();
    let mut m = Map::new();
    m.insert("program".into(), tidy(program));
    if !diagnostics.is_empty() {
        m.insert("diagnostics".into(), Value::Array(diagnostics));
    }
    Value::Object(m)
}

#[test]
fn syntax_trees() {
    let files = jf_files(DATA);
    assert!(files.len() >= 60, "the syntax data folder is missing files");
    let mut failed = Vec::new();
    for path in &files {
        let name = stem(path);
        let text = fs::read_to_string(path).unwrap();
        let value = syntax_snapshot(&text);
        let outcome = std::panic::catch_unwind(|| {
            insta::with_settings!({
                description => text.clone(),
                omit_expression => true,
            }, {
                insta::assert_yaml_snapshot!(name.clone(), value);
            });
        });
        if outcome.is_err() {
            failed.push(name);
        }
    }
    assert!(failed.is_empty(), "snapshots differ: {failed:?}");
}

/// Every construct in the data folder is valid syntax: no lexical or syntax error.
/// (Semantic checks are not the point here: the cases use free names like `f`.)
#[test]
fn syntax_data_parses_cleanly() {
    for path in jf_files(DATA) {
        let text = fs::read_to_string(&path).unwrap();
        let parsed = jfc_compiler::parse::parse(&text);
        let errors: Vec<String> = parsed
            .diagnostics
            .iter()
            .map(|d| render(d, &stem(&path), &text, false))
            .collect();
        assert!(
            errors.is_empty(),
            "{} has errors:\n{}",
            path.display(),
            errors.join("\n")
        );
    }
}

/// Example programs `67`–`70` (`NN-cerr-*`) must be refused; every other one must compile.
#[test]
fn spec_examples_analyze() {
    let files = jf_files(EXAMPLES);
    if files.is_empty() {
        eprintln!("spec examples not found at {EXAMPLES}; skipped");
        return;
    }
    let mut problems = Vec::new();
    let mut cerr = 0;
    for path in &files {
        let name = stem(path);
        let text = fs::read_to_string(path).unwrap();
        let analysis = jfc_compiler::analyze(&text);
        if name.contains("-cerr-") {
            cerr += 1;
            if !analysis.has_errors() {
                problems.push(format!("{name}: expected a compile-time error, got none"));
            }
        } else {
            for d in analysis.diagnostics.iter().filter(|d| d.is_error()) {
                problems.push(render(d, &name, &text, false));
            }
        }
    }
    assert_eq!(cerr, 4, "expected the four cerr examples 67-70");
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// The four compile-error examples fail for the documented reason.
#[test]
fn spec_cerr_examples_codes() {
    let expected = [
        ("67-cerr-break.jf", "E0003"),
        ("68-cerr-dupkey.jf", "E0004"),
        ("69-cerr-status-assign.jf", "E0005"),
        ("70-cerr-keyword.jf", "E0001"),
    ];
    for (file, code) in expected {
        let Ok(text) = fs::read_to_string(Path::new(EXAMPLES).join(file)) else {
            continue;
        };
        let analysis = jfc_compiler::analyze(&text);
        let codes: Vec<&str> = analysis
            .diagnostics
            .iter()
            .filter(|d| d.is_error())
            .map(|d| d.code.as_str())
            .collect();
        assert!(
            codes.contains(&code),
            "{file}: expected {code}, got {codes:?}"
        );
    }
}

/// `a in b < c` is `a in (b < c)`; `not a == b` is `not (a == b)` (§2.4).
#[test]
fn precedence_spot_checks() {
    use jfc_compiler::ast::{BinaryOp, ExprKind, JobKind};
    let value_of = |src: &str| {
        let p = jfc_compiler::parse::parse(src);
        assert!(p.diagnostics.is_empty(), "{src}");
        let body = p.program.body.unwrap();
        match &body.steps[0].job.kind {
            JobKind::Assign(b) => b[0].value.kind.clone(),
            other => panic!("not an assignment: {other:?}"),
        }
    };
    match value_of("[r = a in b < c]") {
        ExprKind::Binary(BinaryOp::In, _, rhs) => {
            assert!(matches!(rhs.kind, ExprKind::Compare(..)))
        }
        other => panic!("{other:?}"),
    }
    match value_of("[r = not a == b]") {
        ExprKind::Not(inner) => assert!(matches!(inner.kind, ExprKind::Compare(..))),
        other => panic!("{other:?}"),
    }
    match value_of("[r = not a and b]") {
        ExprKind::And(lhs, _) => assert!(matches!(lhs.kind, ExprKind::Not(_))),
        other => panic!("{other:?}"),
    }
    match value_of("[r = -a * b]") {
        ExprKind::Binary(BinaryOp::Mul, lhs, _) => {
            assert!(matches!(lhs.kind, ExprKind::Unary(..)))
        }
        other => panic!("{other:?}"),
    }
}

/// language.md §2.3: only the operand right before the closing `>` of an event job
/// is restricted to `arith_expression`; the target before a guard or `:`, the guard
/// before `:`, and event arguments before the last one are full expressions.
#[test]
fn event_jobs_take_full_expressions_where_the_grammar_allows() {
    let cases = [
        "<a or b ? g>",
        "<c ? x == 1 : 5>",
        "<c : x == 1, 5>",
        "<c : timeout = a or b, peek_mode=true>",
        "<a in b : 1>",
    ];
    let mut refused = Vec::new();
    for text in cases {
        let parsed = jfc_compiler::parse::parse(text);
        if let Some(d) = parsed.diagnostics.first() {
            refused.push(format!("{text}  ->  {}: {}", d.code.as_str(), d.message));
        }
    }
    assert!(refused.is_empty(), "refused:\n{}", refused.join("\n"));
}
