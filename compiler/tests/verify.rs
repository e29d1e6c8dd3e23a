//! The bytecode verifier: every chunk the compiler makes passes it; hand-tampered
//! chunks (as a corrupted store could hand back) are refused with a message, never
//! run into a panic.

use std::fs;
use std::path::PathBuf;

use jfc_compiler::bytecode::{verify, Chunk, ForkSpec, Op};

const MANIFEST: &str = env!("CARGO_MANIFEST_DIR");

/// Every flow of the repository's test corpora and the spec examples that compiles.
fn corpus() -> Vec<(PathBuf, String)> {
    let dirs = [
        format!("{MANIFEST}/../../shared/spec/examples"),
        format!("{MANIFEST}/tests/syntax"),
        format!("{MANIFEST}/tests/diagnostics"),
        format!("{MANIFEST}/tests/disasm"),
        format!("{MANIFEST}/../tests/run"),
        format!("{MANIFEST}/../tests/vm"),
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
            let text = fs::read_to_string(&p).unwrap_or_default();
            (p, text)
        })
        .collect()
}

#[test]
fn compiled_chunks_verify() {
    let mut compiled = 0;
    for (path, text) in corpus() {
        if let Ok((chunk, _)) = jfc_compiler::compile(&text, "f.jf") {
            compiled += 1;
            if let Err(e) = verify(&chunk) {
                panic!("{}: {e}", path.display());
            }
        }
    }
    assert!(compiled >= 100, "only {compiled} flows compiled");
}

fn chunk(text: &str) -> Chunk {
    jfc_compiler::compile(text, "f.jf").expect("compiles").0
}

fn refused(c: &Chunk) -> String {
    verify(c).expect_err("the tampered chunk must be refused")
}

#[test]
fn jump_to_the_end_of_the_code_is_refused() {
    let mut c = chunk("{ if true | print(1) } -> print(2)\n");
    let n = c.code.len() as u32;
    let at = c
        .code
        .iter()
        .position(|op| matches!(op, Op::JumpIfFalse(_)))
        .expect("a conditional jump");
    c.code[at] = Op::JumpIfFalse(n);
    assert!(refused(&c).contains("out of range"));

    let mut c = chunk("{ fork | print(1) print(2) }\n");
    for f in &mut c.forks {
        f.end = n;
    }
    assert!(refused(&c).contains("out of range"));
}

#[test]
fn stack_underflow_is_refused() {
    // A Pop at the very start: nothing is on the stack.
    let mut c = chunk("print(1)\n");
    c.code.insert(0, Op::Pop);
    let e = refused(&c);
    assert!(e.contains("instruction 0") && e.contains("Pop"), "{e}");

    // An Add with one operand.
    let mut c = chunk("print(1)\n");
    c.code = vec![Op::Null, Op::Add, Op::Return];
    assert!(refused(&c).contains("Add"), "{}", refused(&c));

    // MakeArray of more values than were pushed.
    let mut c = chunk("print([1, 2])\n");
    for op in &mut c.code {
        if let Op::MakeArray(k) = op {
            *k = 5;
        }
    }
    assert!(refused(&c).contains("MakeArray"));
}

/// A path where the stack is short is found even when the straight path is fine:
/// here the jump skips the push the Pop needs.
#[test]
fn underflow_on_one_branch_is_refused() {
    let mut c = chunk("print(1)\n");
    c.code = vec![
        Op::Bool(true),
        Op::JumpIfTrue(3),
        Op::Null,
        Op::Pop,
        Op::Return,
    ];
    let e = refused(&c);
    assert!(e.contains("instruction 3"), "{e}");
    // Without the jump the same code is fine.
    c.code[1] = Op::Pop;
    assert_eq!(verify(&c), Ok(()));
}

/// A child process starts with an empty stack: a branch that pops first is refused.
#[test]
fn fork_branch_starts_empty() {
    let mut c = chunk("print(1)\n");
    c.forks = vec![ForkSpec {
        branches: vec![3],
        end: 2,
        pfor_slot: None,
    }];
    c.code = vec![
        Op::Null,
        Op::Fork(0),
        Op::Return,
        Op::Pop,
        Op::ChildEnd,
        Op::Return,
    ];
    let e = refused(&c);
    assert!(e.contains("instruction 3"), "{e}");
    // The same chunk with a push before the branch's Pop verifies.
    c.code[3] = Op::Null;
    c.code.insert(4, Op::Pop);
    c.forks[0].end = 2;
    assert_eq!(verify(&c), Ok(()));
}

/// Tampering on the way through serde (how chunks are stored) is caught too.
#[test]
fn tampered_serialized_chunk_is_refused() {
    let c = chunk("[x = [1, 2, 3]] -> { for i in x | print(i) }\n");
    let json = serde_json::to_string(&c).unwrap();
    let tampered = json.replacen("\"MakeArray\":3", "\"MakeArray\":300", 1);
    assert_ne!(json, tampered, "the chunk has a MakeArray(3)");
    let back: Chunk = serde_json::from_str(&tampered).unwrap();
    assert!(refused(&back).contains("MakeArray"));
}
