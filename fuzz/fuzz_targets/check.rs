//! Lexer + parser + checks + both renderers over arbitrary bytes.
//! Invariants: no panic, every diagnostic's span lies inside the text on
//! character boundaries, and a flow without errors compiles to a chunk the
//! bytecode verifier accepts.
#![no_main]

use jfc_compiler::diagnostics::{json::to_json_line, render::render};
use jfc_compiler::span::LineIndex;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
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
});
