//! Queries on a real store: every glob pattern, however broken, is answered with matches
//! or an error, never a panic.

use jfc_store::objects::ROOT;
use jfc_store::query::Query;
use jfc_store::Store;
use jfc_vm::value::Value;

/// A small deterministic generator (xorshift), so a failure can be replayed.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[(self.next() % items.len() as u64) as usize]
    }
}

fn sample_store() -> Store {
    let mut s = Store::open_in_memory().expect("store");
    let dir = s.type_id("Directory").expect("Directory");
    let node = s.type_id("NodeInfo").expect("NodeInfo");
    let app = s.create(ROOT, "app", dir, "root").expect("app");
    let web = s.create(app, "web", dir, "root").expect("web");
    for (parent, name, port) in [(app, "n1", 22), (web, "web1", 8022), (web, "ü2", 80)] {
        let id = s.create(parent, name, node, "root").expect("node");
        s.write_field(id, "port", Value::Int(port)).expect("port");
    }
    s
}

#[test]
fn broken_glob_patterns_are_errors_not_panics() {
    let s = sample_store();
    let app = s.resolve("/app").expect("app");
    let pieces = [
        "*",
        "**",
        "?",
        "/",
        "[",
        "]",
        "[!",
        "(",
        ")",
        "@",
        "@root",
        ".",
        ".NodeInfo",
        "web",
        "ü",
        "'",
        "\"",
        "=",
        ",",
        "port",
        "port__gte=",
        "22",
        "'x'",
        "[1,",
        "r'^w'",
        "__",
        "-",
        "\\",
        "name=",
        "{",
        "}",
        " ",
        "é…",
        "\u{0}",
    ];
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let mut answered = (0, 0);
    for _ in 0..5_000 {
        let len = 1 + rng.next() % 8;
        let pattern: String = (0..len).map(|_| rng.pick(&pieces)).collect();
        match Query::glob(&s, app, &pattern) {
            Ok(q) => {
                s.query_ids(&q)
                    .unwrap_or_else(|e| panic!("{pattern:?} was checked but fails: {}", e.0));
                answered.0 += 1;
            }
            Err(e) => {
                assert!(e.0.starts_with("glob(): "), "{pattern:?}: {}", e.0);
                answered.1 += 1;
            }
        }
    }
    // Both kinds of answer were exercised.
    assert!(answered.0 > 100 && answered.1 > 100, "{answered:?}");
}

#[test]
fn glob_matches_unicode_names_and_char_classes() {
    let s = sample_store();
    let app = s.resolve("/app").expect("app");
    let names = |pattern: &str| -> Vec<String> {
        let q = Query::glob(&s, app, pattern).expect(pattern);
        s.query_ids(&q)
            .expect("runs")
            .into_iter()
            .map(|id| s.abspath(id).expect("path"))
            .collect()
    };
    assert_eq!(names("web/?2"), ["/app/web/ü2"]);
    assert_eq!(names("**/[!w]*.NodeInfo"), ["/app/n1", "/app/web/ü2"]);
    let late_type = Query::glob(&s, app, "**/*[port__gte=80].NodeInfo").expect_err("order");
    assert!(late_type.0.contains("in that order"), "{}", late_type.0);
}
