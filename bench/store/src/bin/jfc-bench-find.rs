//! `jfc-bench-find [N] [REPETITIONS] [DIR]`: `find()` with a field lookup over N
//! NodeInfo objects in one Directory, through the Store API (`Query::find`, then
//! `Store::query_ids` and `Store::query_count`), against raw rusqlite running
//! hand-written SQL for the same question on the same file, in the same run.
//!
//! Two raw variants: the subtree walk that `find()` means (a recursive CTE from the
//! directory, as the Store API does) and the flat `parent = dir` query a developer
//! would write knowing the directory has no sub-directories.

use std::path::Path;
use std::time::{Duration, Instant};

use jfc_store::objects::ROOT;
use jfc_store::query::Query;
use jfc_store::{ObjectId, Store};
use jfc_vm::value::{Key, Value};
use rusqlite::Connection;

/// One question, asked three ways.
struct Case {
    name: &'static str,
    /// `find()` keyword arguments besides `type_object`.
    kw: Vec<(String, Value)>,
    /// The raw condition on `f.value` of field `field`, and the order.
    field: &'static str,
    raw_test: &'static str,
    raw_order: &'static str,
    limit: i64,
    expect: usize,
}

fn fields(entries: &[(&str, Value)]) -> Value {
    Value::dict(
        entries
            .iter()
            .map(|(k, v)| (Key(Value::str(k)), v.clone()))
            .collect(),
    )
}

fn cases(n: i64) -> Vec<Case> {
    vec![
        Case {
            name: "port=22 (exact)",
            kw: vec![("fields".into(), fields(&[("port", Value::Int(22))]))],
            field: "port",
            raw_test: "f.value = '22'",
            raw_order: "o.id",
            limit: -1,
            expect: (n / 1000) as usize,
        },
        Case {
            name: "hostname__startswith",
            kw: vec![(
                "fields".into(),
                fields(&[("hostname__startswith", Value::str("host-99"))]),
            )],
            field: "hostname",
            raw_test: "substr(json_extract(f.value, '$'), 1, 7) = 'host-99'",
            raw_order: "o.id",
            limit: -1,
            expect: (0..n)
                .filter(|i| format!("host-{i}").starts_with("host-99"))
                .count(),
        },
        Case {
            name: "port__gte, order, limit 10",
            kw: vec![
                ("fields".into(), fields(&[("port__gte", Value::Int(990))])),
                ("order_by".into(), Value::str("-field:port")),
                ("limit".into(), Value::Int(10)),
            ],
            field: "port",
            raw_test: "json_extract(f.value, '$') >= 990",
            raw_order: "json_extract(f.value, '$') DESC, o.id",
            limit: 10,
            expect: 10,
        },
    ]
}

/// A store with N NodeInfo objects in /inv: hostname `host-<i>`, port `i % 1000`.
fn build(path: &Path, n: i64) -> (ObjectId, ObjectId) {
    for suffix in ["", "-wal", "-shm", ".key"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
    }
    let mut st = Store::open(path).expect("open store");
    let dir_t = st.type_id("Directory").expect("Directory");
    let node_t = st.type_id("NodeInfo").expect("NodeInfo");
    let inv = st
        .transaction(|s| {
            let inv = s.create(ROOT, "inv", dir_t, "root")?;
            for i in 0..n {
                let id = s.create(inv, &format!("n{i}"), node_t, "root")?;
                s.write_field(id, "hostname", Value::str(&format!("host-{i}")))?;
                s.write_field(id, "port", Value::Int(i % 1000))?;
            }
            Ok(inv)
        })
        .expect("build");
    (inv, node_t)
}

fn time<T>(f: impl FnOnce() -> T) -> (Duration, T) {
    let t = Instant::now();
    let v = f();
    (t.elapsed(), v)
}

fn store_side(st: &Store, inv: ObjectId, node_t: ObjectId, c: &Case) -> (Duration, usize) {
    let mut kw = vec![(
        "type_object".to_string(),
        st.object_value(node_t).expect("type"),
    )];
    kw.extend(c.kw.iter().cloned());
    time(|| {
        let q = Query::find(st, inv, &kw).expect("query");
        let ids = st.query_ids(&q).expect("ids");
        let count = st.query_count(&q).expect("count");
        assert_eq!(count as usize, ids.len());
        ids.len()
    })
}

fn raw_side(
    conn: &Connection,
    inv: ObjectId,
    node_t: ObjectId,
    c: &Case,
    subtree: bool,
) -> (Duration, usize) {
    let from = if subtree {
        "WITH RECURSIVE sub(id) AS (SELECT id FROM objects WHERE parent = ?1 \
         UNION ALL SELECT c.id FROM objects c JOIN sub ON c.parent = sub.id) \
         SELECT o.id FROM sub JOIN objects o ON o.id = sub.id"
    } else {
        "SELECT o.id FROM objects o"
    };
    let scope = if subtree { "1" } else { "o.parent = ?1" };
    // The order needs the field's value on the row: a join for that case only.
    let sql = if c.raw_order == "o.id" {
        format!(
            "{from} WHERE {scope} AND o.type = ?2 AND o.id IN \
             (SELECT f.object FROM fields f WHERE f.name = '{}' AND {}) ORDER BY o.id LIMIT {}",
            c.field, c.raw_test, c.limit
        )
    } else {
        format!(
            "{from} JOIN fields f ON f.object = o.id AND f.name = '{}' \
             WHERE {scope} AND o.type = ?2 AND {} ORDER BY {} LIMIT {}",
            c.field, c.raw_test, c.raw_order, c.limit
        )
    };
    let count_sql = format!("SELECT count(*) FROM ({sql})");
    time(|| {
        let mut stmt = conn.prepare_cached(&sql).expect("prepare");
        let ids: Vec<i64> = stmt
            .query_map([inv, node_t], |r| r.get(0))
            .expect("query")
            .collect::<Result<_, _>>()
            .expect("rows");
        let count: i64 = conn
            .prepare_cached(&count_sql)
            .expect("prepare")
            .query_row([inv, node_t], |r| r.get(0))
            .expect("count");
        assert_eq!(count as usize, ids.len());
        ids.len()
    })
}

fn median(mut v: Vec<Duration>) -> f64 {
    v.sort();
    v[v.len() / 2].as_secs_f64() * 1000.0
}

fn main() {
    let mut args = std::env::args().skip(1);
    let n: i64 = args.next().map_or(100_000, |a| a.parse().expect("N"));
    let reps: usize = args.next().map_or(5, |a| a.parse().expect("REPETITIONS"));
    let dir = args.next().map_or_else(
        || std::env::temp_dir().join(format!("jfc-bench-find-{}", std::process::id())),
        std::path::PathBuf::from,
    );
    std::fs::create_dir_all(&dir).expect("bench dir");
    let path = dir.join("find.sqlite");
    let (t_build, (inv, node_t)) = time(|| build(&path, n));
    let st = Store::open(&path).expect("open store");
    let conn = Connection::open(&path).expect("open raw");
    println!(
        "{n} NodeInfo objects in one Directory (built in {:.1} s); median of {reps} repetitions, ms (ids + count)",
        t_build.as_secs_f64()
    );
    println!(
        "{:<28} {:>10} {:>12} {:>10} {:>14} {:>12}",
        "query", "Store API", "raw subtree", "raw flat", "API/subtree", "API/flat"
    );
    for c in cases(n) {
        let mut sides = [Vec::new(), Vec::new(), Vec::new()];
        for _ in 0..reps {
            // Interleaved, so a slow moment of the shared machine hits every side alike.
            let (a, found) = store_side(&st, inv, node_t, &c);
            assert_eq!(found, c.expect, "{}", c.name);
            let (b, found_sub) = raw_side(&conn, inv, node_t, &c, true);
            let (f, found_flat) = raw_side(&conn, inv, node_t, &c, false);
            assert_eq!((found_sub, found_flat), (found, found), "{}", c.name);
            sides[0].push(a);
            sides[1].push(b);
            sides[2].push(f);
        }
        let [a, b, f] = sides.map(median);
        println!(
            "{:<28} {a:>10.2} {b:>12.2} {f:>10.2} {:>14.2} {:>12.2}",
            c.name,
            a / b,
            a / f
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
}
