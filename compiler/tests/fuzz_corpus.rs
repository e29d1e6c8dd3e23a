//! Every seed of the committed fuzz corpus (`fuzz/corpus/check/`) through what the
//! `check` fuzz target does, on stable Rust: a seed that ever panics (or breaks one of
//! the target's invariants) fails here without cargo-fuzz.

use std::path::Path;

use jfc_compiler::diagnostics::{json::to_json_line, render::render};
use jfc_compiler::span::LineIndex;

/// The body of `fuzz/fuzz_targets/check.rs`.
fn check(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let analysis = jfc_compiler::analyze(&text);
    let index = LineIndex::new(&text);
    for d in &analysis.diagnostics {
        let (s, e) = (d.span.start as usize, d.span.end as usize);
        assert!(s <= e && e <= text.len(), "span {s}..{e} outside the text");
        assert!(
            text.is_char_boundary(s) && text.is_char_boundary(e),
            "span {s}..{e} not on character boundaries"
        );
        render(d, "fuzz.jf", &text, false);
        to_json_line(d, "fuzz.jf", &text, &index);
    }
    if !analysis.has_errors() {
        if let Ok((chunk, _)) = jfc_compiler::compile(&text, "fuzz.jf") {
            jfc_compiler::bytecode::verify(&chunk).expect("a compiled chunk verifies");
        }
    }
}

#[test]
fn every_check_seed_passes_the_fuzz_targets_checks() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../fuzz/corpus/check");
    let mut seeds = 0;
    for entry in std::fs::read_dir(&dir).expect("fuzz/corpus/check") {
        let path = entry.expect("entry").path();
        let data = std::fs::read(&path).expect("seed");
        let outcome = std::panic::catch_unwind(|| check(&data));
        assert!(outcome.is_ok(), "seed {} panics", path.display());
        seeds += 1;
    }
    assert!(seeds >= 20, "the corpus has {seeds} seeds");
}
