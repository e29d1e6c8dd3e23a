//! Disassembly snapshots of representative flows, and the serde round trip of chunks.

use std::fs;
use std::path::Path;

fn flows() -> Vec<(String, String)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/disasm");
    let mut v: Vec<(String, String)> = fs::read_dir(dir)
        .expect("tests/disasm exists")
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "jf"))
        .map(|p| {
            let name = p
                .file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_default();
            (name, fs::read_to_string(&p).expect("readable"))
        })
        .collect();
    v.sort();
    v
}

#[test]
fn disassembly_snapshots() {
    for (name, text) in flows() {
        let (chunk, _) = jfc_compiler::compile(&text, &format!("{name}.jf"))
            .unwrap_or_else(|d| panic!("{name}: {d:?}"));
        jfc_compiler::bytecode::verify(&chunk).unwrap_or_else(|e| panic!("{name}: {e}"));
        insta::assert_snapshot!(
            name.clone(),
            jfc_compiler::bytecode::disassemble(&chunk),
            &text
        );
    }
}

#[test]
fn chunks_survive_serde() {
    for (name, text) in flows() {
        let (chunk, _) = jfc_compiler::compile(&text, &name).expect("compiles");
        let json = serde_json::to_string(&chunk).expect("serialises");
        let back: jfc_compiler::bytecode::Chunk =
            serde_json::from_str(&json).expect("deserialises");
        assert_eq!(back, chunk, "{name}");
    }
}

#[test]
fn verify_refuses_out_of_range_operands() {
    let (mut chunk, _) = jfc_compiler::compile("[a = 1] -> print(a)", "t").expect("compiles");
    chunk
        .code
        .insert(0, jfc_compiler::bytecode::Op::LoadSlot(99));
    assert!(jfc_compiler::bytecode::verify(&chunk).is_err());
    chunk.code.remove(0);
    chunk
        .code
        .insert(0, jfc_compiler::bytecode::Op::Jump(10_000));
    assert!(jfc_compiler::bytecode::verify(&chunk).is_err());
}
