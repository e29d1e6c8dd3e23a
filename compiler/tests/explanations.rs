//! The examples of the code explanations (`src/diagnostics/explain/CODE.md`, shown by
//! `jfc explain`) say what the checks do: the block marked `jobflow wrong` gets the
//! explained code, the block marked `jobflow fixed` gets no diagnostic at all.
//! W0004, W0005 and E0019 need inputs too big to show; their sketches are `text` blocks.

use jfc_compiler::check::FilePlace;
use jfc_compiler::diagnostics::Code;

const TOO_BIG_TO_SHOW: &[&str] = &["W0004", "W0005", "E0019"];

/// The body of the fenced block whose info string is `info`.
fn block<'a>(markdown: &'a str, info: &str) -> Option<&'a str> {
    let open = format!("```{info}\n");
    let start = markdown.find(&open)? + open.len();
    let len = markdown[start..].find("```")?;
    Some(&markdown[start..start + len])
}

/// Each example is checked as a flow file outside any project, beside a `deploy.jf`.
fn codes_of(text: &str, place: &FilePlace) -> Vec<&'static str> {
    jfc_compiler::analyze_file(text, place)
        .diagnostics
        .iter()
        .map(|d| d.code.as_str())
        .collect()
}

#[test]
fn wrong_examples_get_their_code_and_fixed_ones_nothing() {
    let dir = tempfile::tempdir().expect("a scratch directory");
    std::fs::write(dir.path().join("deploy.jf"), "|host|\nprint(host)\n").unwrap();
    let place = FilePlace {
        dir: dir.path().to_path_buf(),
        in_project: false,
        dialect: Default::default(),
    };
    let mut problems = Vec::new();
    for code in Code::ALL {
        let name = code.as_str();
        let text = code.explanation();
        if TOO_BIG_TO_SHOW.contains(&name) {
            if text.contains("```jobflow") {
                problems.push(format!("{name}: its examples cannot be checked"));
            }
            continue;
        }
        match block(text, "jobflow wrong") {
            Some(wrong) if codes_of(wrong, &place).contains(&name) => {}
            Some(wrong) => problems.push(format!(
                "{name}: the wrong example gets {:?}",
                codes_of(wrong, &place)
            )),
            None => problems.push(format!("{name}: no `jobflow wrong` example")),
        }
        match block(text, "jobflow fixed") {
            Some(fixed) if codes_of(fixed, &place).is_empty() => {}
            Some(fixed) => problems.push(format!(
                "{name}: the fixed example gets {:?}",
                codes_of(fixed, &place)
            )),
            None => problems.push(format!("{name}: no `jobflow fixed` example")),
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}
