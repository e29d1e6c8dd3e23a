//! `phases FILE [REPETITIONS]`: time each phase of `jfc check` on one file.
//!
//! Prints, for lex, parse (which lexes again, as `analyze` does), check and the
//! rendering of the diagnostics, the median wall time over the repetitions, and
//! the whole `analyze` for comparison.

use std::time::{Duration, Instant};

use jfc_compiler::diagnostics::render::render;

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn time<T>(reps: usize, mut f: impl FnMut() -> T) -> Duration {
    median(
        (0..reps)
            .map(|_| {
                let t = Instant::now();
                let out = f();
                let d = t.elapsed();
                drop(out);
                d
            })
            .collect(),
    )
}

fn main() {
    let mut args = std::env::args().skip(1);
    let path = args.next().expect("usage: phases FILE [REPETITIONS]");
    let reps: usize = args.next().map_or(5, |r| r.parse().expect("a number"));
    let text = std::fs::read_to_string(&path).expect("readable file");

    let lex = time(reps, || jfc_compiler::lexer::lex(&text));
    let parse = time(reps, || jfc_compiler::parse::parse(&text));
    let parsed = jfc_compiler::parse::parse(&text);
    let check = time(reps, || jfc_compiler::check::check(&parsed.program, &text));
    let diagnostics = jfc_compiler::check::check(&parsed.program, &text);
    let render_all = time(reps, || {
        diagnostics
            .iter()
            .map(|d| render(d, "flow.jf", &text, false).len())
            .sum::<usize>()
    });
    let analyze = time(reps, || jfc_compiler::analyze(&text));

    let ms = |d: Duration| d.as_secs_f64() * 1e3;
    println!(
        "file: {path} ({} lines, {} bytes, {} tokens, {} diagnostics), median of {reps}",
        text.lines().count(),
        text.len(),
        jfc_compiler::lexer::lex(&text).0.len(),
        diagnostics.len()
    );
    println!("lex              {:>10.1} ms", ms(lex));
    println!(
        "parse (incl. lex){:>10.1} ms   parser alone ~{:.1} ms",
        ms(parse),
        ms(parse.saturating_sub(lex))
    );
    println!("check            {:>10.1} ms", ms(check));
    println!("render           {:>10.1} ms", ms(render_all));
    println!("analyze (total)  {:>10.1} ms", ms(analyze));
}
