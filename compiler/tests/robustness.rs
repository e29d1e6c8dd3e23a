//! Robustness: `analyze` and the renderers must survive any text.
//!
//! Every spec example and every test data file is mutated deterministically
//! (a seeded PRNG written here: no dependency) by deleting, duplicating and
//! swapping tokens or character ranges, inserting jobflow punctuation and
//! truncating. For each mutant: no panic in `analyze`, in the human renderer or
//! in the JSON renderer; an error whenever the text cannot be a valid flow
//! (unbalanced brackets or a lexical error); every span inside the text and on
//! character boundaries.
//!
//! Deep nesting within the original engine's 65,536-character limit is tried in
//! a child process, because a stack overflow aborts the whole test binary.

use std::fs;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::PathBuf;

use jfc_compiler::diagnostics::{json::to_json_line, render::render, Diagnostic};
use jfc_compiler::lexer::{lex, Token};
use jfc_compiler::span::{LineIndex, Span};

const MANIFEST: &str = env!("CARGO_MANIFEST_DIR");

/// splitmix64: small, fast, good enough to pick mutations reproducibly.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `0..n` (`n` > 0).
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

/// The seed corpus: spec examples (when present) and the test data files.
fn corpus() -> Vec<(String, String)> {
    let dirs = [
        format!("{MANIFEST}/../../shared/spec/examples"),
        format!("{MANIFEST}/tests/syntax"),
        format!("{MANIFEST}/tests/diagnostics"),
    ];
    let mut files: Vec<PathBuf> = dirs
        .iter()
        .filter_map(|d| fs::read_dir(d).ok())
        .flat_map(|r| r.flatten().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "jf"))
        .collect();
    files.sort();
    files
        .into_iter()
        .map(|p| {
            let name = p.file_name().unwrap().to_string_lossy().into_owned();
            (name, fs::read_to_string(&p).unwrap())
        })
        .collect()
}

/// The byte offsets of every character boundary, end included.
fn boundaries(text: &str) -> Vec<usize> {
    text.char_indices()
        .map(|(i, _)| i)
        .chain([text.len()])
        .collect()
}

/// Token spans of a text (byte ranges).
fn token_spans(text: &str) -> Vec<(usize, usize)> {
    lex(text).0.iter().map(|(l, _, r)| (*l, *r)).collect()
}

const PUNCTUATION: &[&str] = &[
    "[", "]", "{", "}", "(", ")", "<", ">", "|", ",", ".", ":", "=", "-", "+", "*", "/", "%", "!",
    "?", "$", "#", "'", "\"", "\\", "\n", " ", "->", "=>", "->>", "=>>", ">>", "<<", "**", "??",
    "b'", "r'", "'''", "./", "../", "é", "\u{a0}", "ノ", "0", "9.", "not", "in", "if", "break",
];

/// One mutation of `text`; the name says what was done, for failure messages.
fn mutate(text: &str, rng: &mut Rng) -> (String, String) {
    let cuts = boundaries(text);
    let pick = |rng: &mut Rng| cuts[rng.below(cuts.len())];
    let range = |rng: &mut Rng| {
        let a = rng.below(cuts.len());
        let b = (a + 1 + rng.below(8)).min(cuts.len() - 1);
        (cuts[a], cuts[b])
    };
    let tokens = token_spans(text);
    let mut out = text.to_string();
    let what = match rng.below(9) {
        0 if !tokens.is_empty() => {
            let (l, r) = tokens[rng.below(tokens.len())];
            out.replace_range(l..r, "");
            format!("delete token {l}..{r}")
        }
        1 if !tokens.is_empty() => {
            let (l, r) = tokens[rng.below(tokens.len())];
            out.insert_str(r, &format!(" {}", &text[l..r]));
            format!("duplicate token {l}..{r}")
        }
        2 if tokens.len() >= 2 => {
            let i = rng.below(tokens.len());
            let j = rng.below(tokens.len());
            let (a, b) = if tokens[i].0 <= tokens[j].0 {
                (tokens[i], tokens[j])
            } else {
                (tokens[j], tokens[i])
            };
            if a.1 <= b.0 {
                out = format!(
                    "{}{}{}{}{}",
                    &text[..a.0],
                    &text[b.0..b.1],
                    &text[a.1..b.0],
                    &text[a.0..a.1],
                    &text[b.1..]
                );
            }
            format!("swap tokens {a:?} and {b:?}")
        }
        3 => {
            let (a, b) = range(rng);
            out.replace_range(a..b, "");
            format!("delete bytes {a}..{b}")
        }
        4 => {
            let (a, b) = range(rng);
            let at = pick(rng);
            out.insert_str(at, &text[a..b]);
            format!("copy bytes {a}..{b} to {at}")
        }
        5 | 6 => {
            let at = pick(rng);
            let s = PUNCTUATION[rng.below(PUNCTUATION.len())];
            out.insert_str(at, s);
            format!("insert {s:?} at {at}")
        }
        7 => {
            let at = pick(rng);
            out.truncate(at);
            format!("truncate at {at}")
        }
        _ => {
            // Two mutations in a row.
            let (once, w1) = mutate(text, rng);
            let (twice, w2) = mutate(&once, rng);
            out = twice;
            format!("{w1}, then {w2}")
        }
    };
    (out, what)
}

/// Text that cannot be a valid flow whatever the grammar details: brackets that do
/// not balance (counted on tokens, so strings and comments do not count) or
/// anything the lexer refused.
fn surely_invalid(text: &str) -> bool {
    let (tokens, errors) = lex(text.strip_prefix('\u{feff}').unwrap_or(text));
    if !errors.is_empty() {
        return true;
    }
    let mut depth = [0i64; 3];
    for (_, t, _) in &tokens {
        match t {
            Token::LBracket => depth[0] += 1,
            Token::RBracket => depth[0] -= 1,
            Token::LBrace => depth[1] += 1,
            Token::RBrace => depth[1] -= 1,
            Token::LParen => depth[2] += 1,
            Token::RParen => depth[2] -= 1,
            _ => {}
        }
    }
    depth.iter().any(|d| *d != 0)
}

/// Problems with a diagnostic's spans: outside the text or inside a character.
fn span_problems(d: &Diagnostic, text: &str) -> Vec<String> {
    let ok = |s: Span| {
        s.start <= s.end
            && (s.end as usize) <= text.len()
            && text.is_char_boundary(s.start as usize)
            && text.is_char_boundary(s.end as usize)
    };
    std::iter::once(d.span)
        .chain(d.notes.iter().map(|(s, _)| *s))
        .filter(|s| !ok(*s))
        .map(|s| {
            format!(
                "{} span {}..{} (text is {} bytes)",
                d.code.as_str(),
                s.start,
                s.end,
                text.len()
            )
        })
        .collect()
}

/// Everything that must hold for one text; returns the failures.
fn examine(label: &str, text: &str, require_error: bool) -> Vec<String> {
    let mut failures = Vec::new();
    let analysis = match catch_unwind(|| jfc_compiler::analyze(text)) {
        Ok(a) => a,
        Err(_) => return vec![format!("{label}: analyze panicked on {text:?}")],
    };
    if require_error && !analysis.has_errors() {
        failures.push(format!("{label}: no error for invalid text {text:?}"));
    }
    for d in &analysis.diagnostics {
        for p in span_problems(d, text) {
            failures.push(format!("{label}: {p} in {text:?}"));
        }
    }
    let index = LineIndex::new(text);
    let rendered = catch_unwind(AssertUnwindSafe(|| {
        for d in &analysis.diagnostics {
            render(d, "f.jf", text, false);
            to_json_line(d, "f.jf", text, &index);
        }
    }));
    if rendered.is_err() {
        failures.push(format!("{label}: rendering panicked on {text:?}"));
    }
    failures
}

thread_local! {
    static QUIET: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Run `f` without printing the panics it catches (each one is reported as a
/// failure instead). Other threads keep the normal panic output.
fn quiet_panics<T>(f: impl FnOnce() -> T) -> T {
    static HOOK: std::sync::Once = std::sync::Once::new();
    HOOK.call_once(|| {
        let default = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if !QUIET.with(|q| q.get()) {
                default(info);
            }
        }));
    });
    QUIET.with(|q| q.set(true));
    let out = f();
    QUIET.with(|q| q.set(false));
    out
}

/// Mutants per corpus file; `JFC_MUTANTS=N` runs more (a deeper local search).
fn mutants_per_file() -> usize {
    std::env::var("JFC_MUTANTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(12)
}

#[test]
fn mutated_flows_do_not_break_the_compiler() {
    let corpus = corpus();
    assert!(corpus.len() >= 100, "corpus too small: {}", corpus.len());
    let mut rng = Rng(0x00C0_FFEE_2026);
    let mut failures = Vec::new();
    let mut count = 0;
    let mut invalid = 0;
    quiet_panics(|| {
        for (name, text) in &corpus {
            for i in 0..mutants_per_file() {
                let (mutant, what) = mutate(text, &mut rng);
                let must_fail = surely_invalid(&mutant);
                invalid += usize::from(must_fail);
                count += 1;
                failures.extend(examine(
                    &format!("{name} #{i} ({what})"),
                    &mutant,
                    must_fail,
                ));
            }
        }
    });
    eprintln!(
        "{count} mutants, {invalid} surely invalid, {} failures",
        failures.len()
    );
    assert!(count >= 500);
    // A deeper local run (JFC_MUTANTS set) lists every failure.
    let shown = if std::env::var("JFC_MUTANTS").is_ok() {
        failures.len()
    } else {
        15
    };
    assert!(
        failures.is_empty(),
        "{} failures, first ones:\n{}",
        failures.len(),
        failures[..shown.min(failures.len())].join("\n")
    );
}

/// Unmutated inputs too: spans on character boundaries, renderers do not panic.
#[test]
fn spans_of_the_corpus_are_well_formed() {
    let mut failures = Vec::new();
    quiet_panics(|| {
        for (name, text) in corpus() {
            failures.extend(examine(&name, &text, false));
        }
    });
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// Hand-picked nasty inputs, each with and without a trailing newline.
#[test]
fn nasty_inputs() {
    let cases: &[&str] = &[
        "",
        "\u{feff}",
        "\u{feff}[",
        "[",
        "]",
        "{",
        "}",
        "<",
        ">",
        "|",
        "||",
        "|a",
        "|a =|",
        "'",
        "'''",
        "''''",
        "\"\"\"\n",
        "b'",
        "b'\\",
        "b'é'",
        "b'''a\nb'''",
        "b'\\xzz'",
        "b'\\x4'",
        "r'",
        "r'\\",
        "'\\",
        "'\\x'",
        "'\\xé'",
        "'\\777'",
        "$",
        "$é",
        "$1",
        "./",
        "../..",
        "/",
        "//",
        "#",
        "é",
        "\u{a0}",
        "\u{3000}print(1)",
        "\u{200b}",
        "\r\n\r\n",
        "\0",
        "[\0]",
        "print('\0')",
        "9.E",
        "9.E+",
        "1e5",
        ".5",
        "<>=>[]",
        "<c>=>>[]",
        "<c>=",
        "{ if | }",
        "{ case | else: [] }",
        "{ choice | }",
        "{ fork | }",
        "{ for x in | [] }",
        "{ session | [] }",
        "[a >> ]",
        "[>> a]",
        "[<< a]",
        "[a << ]",
        "[a : ]",
        "print(*)",
        "print(**)",
        "print(a=)",
        "break break",
        "-> -> ->",
        "[] -> ",
        "[] ->",
        "é(1)",
        "ノ(1)",
        "x٣()",
    ];
    let mut failures = Vec::new();
    quiet_panics(|| {
        for case in cases {
            for text in [case.to_string(), format!("{case}\n")] {
                let must_fail = surely_invalid(&text);
                failures.extend(examine("nasty", &text, must_fail));
            }
        }
    });
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// Inputs nested as deeply as 65,536 characters allow. A stack overflow aborts
/// the process, so each runs in a child process (this same test binary, running
/// the ignored test `deep_nesting_child`) on an 8 MiB stack like `jfc`'s main thread.
#[test]
fn deep_nesting_does_not_crash() {
    let exe = std::env::current_exe().unwrap();
    let mut crashed = Vec::new();
    for (name, _) in deep_cases() {
        let out = std::process::Command::new(&exe)
            .args(["--ignored", "--exact", "deep_nesting_child", "--nocapture"])
            .env("JFC_DEEP_CASE", name)
            .output()
            .expect("run the child test");
        if !out.status.success() {
            let stderr = String::from_utf8_lossy(&out.stderr);
            let last = stderr
                .lines()
                .filter(|l| l.contains("phase") || l.contains("overflow") || l.contains("panicked"))
                .collect::<Vec<_>>()
                .join(" / ");
            crashed.push(format!("{name}: {:?}: {last}", out.status));
        }
    }
    assert!(crashed.is_empty(), "crashed:\n{}", crashed.join("\n"));
}

/// Nested texts of at most 65,536 characters.
fn deep_cases() -> Vec<(&'static str, String)> {
    const LIMIT: usize = 65_536;
    let n = |unit: usize, fixed: usize| (LIMIT - fixed) / unit;
    let parens = n(2, 20);
    let blocks = n(4, 10);
    let arrays = n(2, 20);
    let signs = n(1, 20);
    let terms = n(4, 20);
    let nots = n(4, 20);
    let attrs = n(2, 20);
    let jobs = n(13, 20);
    vec![
        (
            "parens",
            format!("[x = {}1{}]", "(".repeat(parens), ")".repeat(parens)),
        ),
        (
            "blocks",
            format!("{}[]{}", "{ ".repeat(blocks), " }".repeat(blocks)),
        ),
        (
            "arrays",
            format!("[x = {}1{}]", "[".repeat(arrays), "]".repeat(arrays)),
        ),
        ("signs", format!("[x = {}1]", "-".repeat(signs))),
        ("sum", format!("[x = 1{}]", " + 1".repeat(terms))),
        ("nots", format!("[x = {}true]", "not ".repeat(nots))),
        ("attributes", format!("[x = a{}]", ".b".repeat(attrs))),
        ("jobs", format!("{}[]", "print(1) -> ".repeat(jobs))),
        ("unclosed", "{ [x = (".repeat(n(8, 0))),
    ]
}

#[test]
#[ignore = "run by deep_nesting_does_not_crash in a child process"]
fn deep_nesting_child() {
    let Ok(which) = std::env::var("JFC_DEEP_CASE") else {
        return;
    };
    let (_, text) = deep_cases()
        .into_iter()
        .find(|(n, _)| *n == which)
        .expect("known case");
    assert!(text.chars().count() <= 65_536);
    let child = std::thread::Builder::new()
        .stack_size(8 << 20)
        .spawn(move || {
            eprintln!("phase: lex");
            drop(lex(&text));
            eprintln!("phase: parse");
            let parsed = jfc_compiler::parse::parse(&text);
            eprintln!("phase: check");
            drop(jfc_compiler::check::check(&parsed.program, &text));
            eprintln!("phase: drop tree");
            drop(parsed);
            eprintln!("phase: analyze");
            let analysis = jfc_compiler::analyze(&text);
            eprintln!("phase: render");
            for d in &analysis.diagnostics {
                render(d, "deep.jf", &text, false);
            }
            eprintln!("phase: done");
        })
        .unwrap();
    child.join().unwrap();
}

/// Long inputs that are chains rather than nesting, far beyond the original
/// engine's 65,536 characters: each phase must finish or refuse with a
/// diagnostic, on an 8 MiB stack, and the trees must be freed without
/// recursing once per level. Each case runs in a child process, as above.
#[test]
fn long_chains_do_not_crash() {
    let exe = std::env::current_exe().unwrap();
    let mut crashed = Vec::new();
    for (name, _) in long_cases() {
        let out = std::process::Command::new(&exe)
            .args(["--ignored", "--exact", "long_chain_child", "--nocapture"])
            .env("JFC_LONG_CASE", name)
            .output()
            .expect("run the child test");
        let stderr = String::from_utf8_lossy(&out.stderr);
        if !out.status.success() || !stderr.contains("phase: done") {
            let last = stderr
                .lines()
                .filter(|l| l.contains("phase") || l.contains("overflow") || l.contains("panicked"))
                .collect::<Vec<_>>()
                .join(" / ");
            crashed.push(format!("{name}: {:?}: {last}", out.status));
        }
    }
    assert!(crashed.is_empty(), "crashed:\n{}", crashed.join("\n"));
}

/// 100,000 terms, elements or jobs; nested blocks far past the nesting limit.
fn long_cases() -> Vec<(&'static str, String)> {
    const N: usize = 100_000;
    vec![
        ("sum", format!("[x = 1{}] -> print(x)", " + 1".repeat(N))),
        (
            "list",
            format!("[x = [1{}]] -> print(length(x))", ", 1".repeat(N)),
        ),
        ("jobs", format!("{}print('end')", "[] -> ".repeat(N))),
        (
            "blocks",
            format!("{}[]{}", "{ ".repeat(N / 4), " }".repeat(N / 4)),
        ),
        ("unclosed", format!("[x = {}", "(".repeat(N))),
    ]
}

#[test]
#[ignore = "run by long_chains_do_not_crash in a child process"]
fn long_chain_child() {
    let Ok(which) = std::env::var("JFC_LONG_CASE") else {
        return;
    };
    let (_, text) = long_cases()
        .into_iter()
        .find(|(n, _)| *n == which)
        .expect("known case");
    let child = std::thread::Builder::new()
        .stack_size(8 << 20)
        .spawn(move || {
            let start = std::time::Instant::now();
            let phase = |what: &str| eprintln!("phase: {what} at {:?}", start.elapsed());
            phase("parse");
            let parsed = jfc_compiler::parse::parse(&text);
            phase("drop tree");
            drop(parsed);
            phase("analyze");
            let analysis = jfc_compiler::analyze(&text);
            let refused = analysis.has_errors();
            drop(analysis);
            phase(&format!("compile (refused by the checks: {refused})"));
            if let Ok((chunk, _)) = jfc_compiler::compile(&text, "long.jf") {
                phase("verify");
                jfc_compiler::bytecode::verify(&chunk).expect("a compiled chunk verifies");
            }
            phase("fmt");
            drop(jfc_compiler::fmt::format(&text));
            phase("done");
        })
        .unwrap();
    child.join().unwrap();
}

/// Loops nested to the nesting limit: the variable-flow check must not walk each
/// body once per enclosing loop combination (2^depth walks never finish). The
/// deadline only tells a hang from a result; the check takes milliseconds.
#[test]
fn nested_loops_are_checked_in_one_walk() {
    let depth = 300;
    let text = format!(
        "[x = 1] -> {}[x = x + 1]{} -> {}print(y) -> [y = 1]{}",
        "{ while x < 2 | ".repeat(depth),
        " }".repeat(depth),
        "{ for i in [1] | ".repeat(depth),
        " }".repeat(depth),
    );
    let (done, result) = std::sync::mpsc::channel();
    std::thread::Builder::new()
        .stack_size(64 << 20)
        .spawn(move || {
            let codes: Vec<&str> = jfc_compiler::analyze(&text)
                .diagnostics
                .iter()
                .map(|d| d.code.as_str())
                .collect();
            let _ = done.send(codes);
        })
        .unwrap();
    let codes = result
        .recv_timeout(std::time::Duration::from_secs(120))
        .expect("the check of nested loops did not finish");
    // `y` is assigned at the end of the innermost body: its read sees it from the
    // second iteration on, so no W0001; the `i`s are never read.
    assert!(!codes.contains(&"W0001"), "{codes:?}");
    assert!(!codes.iter().any(|c| c.starts_with('E')), "{codes:?}");
}
