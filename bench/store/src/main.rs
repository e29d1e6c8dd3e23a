//! `jfc-bench-store [N] [REPETITIONS] [DIR]`: N messages sent to a channel, then
//! received one by one, through the Store API (`Store::send`, `Store::receive`) and
//! through raw rusqlite statements on the same schema, in the same run.
//!
//! Each repetition uses fresh store files in DIR (default: a temporary folder).
//! Printed: the median wall time of the send phase and of the receive phase, messages
//! per second for each and for the whole round trip, and the ratio Store/raw.
//!
//! The raw side does the least a correct queue needs: one autocommit
//! `INSERT INTO messages` per send and one autocommit
//! `DELETE … WHERE id = (SELECT head) RETURNING body` per receive, with the body text
//! prepared in advance (no codec). It runs twice: with `synchronous = FULL` for the
//! sends (the durability `Store::send` gives: the WAL fsync'ed at each commit) and with
//! the store's default `NORMAL` (no fsync at commit; survives SIGKILL, not power loss).

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use jfc_store::{codec, ObjectId, Store};
use jfc_vm::value::{Key, Value};
use rusqlite::{params, Connection, OptionalExtension};

/// The message: a small event dictionary, the shape monitoring tools send.
fn message(i: i64) -> Value {
    let entries = [
        ("host", Value::str("web01.example.com")),
        ("severity", Value::Int(3)),
        ("message", Value::str("disk /var is 91% full")),
        ("n", Value::Int(i)),
    ];
    Value::dict(
        entries
            .into_iter()
            .map(|(k, v)| (Key(Value::str(k)), v))
            .collect(),
    )
}

/// The same message as the text the codec stores, written by hand.
fn body_text(i: i64) -> String {
    format!(
        r#"{{"host":"web01.example.com","severity":3,"message":"disk /var is 91% full","n":{i}}}"#
    )
}

struct Phases {
    send: Duration,
    receive: Duration,
}

fn fresh_store(dir: &Path, name: &str) -> (PathBuf, ObjectId) {
    let path = dir.join(format!("{name}.sqlite"));
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
    }
    let mut st = Store::open(&path).expect("open store");
    let parent = st.resolve("/system/channels").expect("channels dir");
    let t = st.type_id("Channel").expect("Channel type");
    let ch = st
        .create(parent, "Bench", t, "root")
        .expect("create channel");
    (path, ch)
}

fn run_store(dir: &Path, n: i64) -> Phases {
    let (path, ch) = fresh_store(dir, "api");
    let mut st = Store::open(&path).expect("open store");
    let t0 = Instant::now();
    for i in 0..n {
        st.send(ch, &message(i)).expect("send");
    }
    let send = t0.elapsed();
    let mut accept = |_: &Value| Ok(true);
    let t1 = Instant::now();
    for i in 0..n {
        let (_, v) = st
            .receive(ch, &mut accept, false, false)
            .expect("receive")
            .expect("a message");
        debug_assert!(matches!(&v, Value::Dict(d) if d.borrow().len() == 4), "{i}");
    }
    let receive = t1.elapsed();
    assert_eq!(st.message_count(ch).expect("count"), 0);
    Phases { send, receive }
}

fn run_raw(dir: &Path, n: i64, sync_send: &str) -> Phases {
    let (path, ch) = fresh_store(dir, &format!("raw-{sync_send}"));
    // The pragmas Store::open sets.
    let conn = Connection::open(&path).expect("open");
    conn.busy_timeout(Duration::from_secs(30)).expect("pragma");
    conn.pragma_update(None, "journal_mode", "WAL")
        .expect("pragma");
    conn.pragma_update(None, "foreign_keys", "ON")
        .expect("pragma");
    conn.pragma_update(None, "synchronous", sync_send)
        .expect("pragma");
    let bodies: Vec<String> = (0..n).map(body_text).collect();
    let now = "2026-01-01T00:00:00.000000Z";
    let t0 = Instant::now();
    {
        let mut insert = conn
            .prepare_cached("INSERT INTO messages (channel, body, sent) VALUES (?1, ?2, ?3)")
            .expect("prepare");
        for b in &bodies {
            insert.execute(params![ch, b, now]).expect("insert");
        }
    }
    let send = t0.elapsed();
    conn.pragma_update(None, "synchronous", "NORMAL")
        .expect("pragma");
    let t1 = Instant::now();
    {
        let mut take = conn
            .prepare_cached(
                "DELETE FROM messages WHERE id = (SELECT id FROM messages WHERE channel = ?1 \
                 ORDER BY id LIMIT 1) RETURNING body",
            )
            .expect("prepare");
        for _ in 0..n {
            let body: Option<String> = take
                .query_row([ch], |r| r.get(0))
                .optional()
                .expect("delete");
            assert!(body.is_some());
        }
    }
    let receive = t1.elapsed();
    Phases { send, receive }
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn main() {
    let mut args = std::env::args().skip(1);
    let n: i64 = args.next().map_or(10_000, |a| a.parse().expect("N"));
    let reps: usize = args.next().map_or(3, |a| a.parse().expect("REPETITIONS"));
    let dir = args.next().map_or_else(
        || std::env::temp_dir().join(format!("jfc-bench-store-{}", std::process::id())),
        PathBuf::from,
    );
    std::fs::create_dir_all(&dir).expect("bench dir");
    // The hand-written body is exactly what the codec stores.
    assert_eq!(codec::encode(&message(7)).expect("encode"), body_text(7));

    type Run = Box<dyn Fn(&Path, i64) -> Phases>;
    let sides: Vec<(&str, Run)> = vec![
        ("Store API (send FULL)", Box::new(run_store)),
        (
            "raw rusqlite, FULL",
            Box::new(|d: &Path, n| run_raw(d, n, "FULL")),
        ),
        (
            "raw rusqlite, NORMAL",
            Box::new(|d: &Path, n| run_raw(d, n, "NORMAL")),
        ),
    ];
    let mut results: Vec<(Vec<Duration>, Vec<Duration>)> =
        vec![(Vec::new(), Vec::new()); sides.len()];
    for _ in 0..reps {
        // Interleaved, so a slow moment of the shared machine hits every side alike.
        for (k, (_, run)) in sides.iter().enumerate() {
            let p = run(&dir, n);
            results[k].0.push(p.send);
            results[k].1.push(p.receive);
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
    println!("{n} messages, median of {reps} repetitions; sends then receives one by one");
    println!(
        "{:<24} {:>9} {:>12} {:>9} {:>12} {:>12}",
        "", "send s", "send msg/s", "recv s", "recv msg/s", "total msg/s"
    );
    let mut rates = Vec::new();
    for (k, (name, _)) in sides.iter().enumerate() {
        let s = median(results[k].0.clone()).as_secs_f64();
        let r = median(results[k].1.clone()).as_secs_f64();
        let rate = |t: f64| n as f64 / t;
        println!(
            "{name:<24} {s:>9.3} {:>12.0} {r:>9.3} {:>12.0} {:>12.0}",
            rate(s),
            rate(r),
            rate(s + r)
        );
        rates.push((rate(s), rate(r), rate(s + r)));
    }
    let ratio = |a: f64, b: f64| a / b;
    println!(
        "ratio Store/raw FULL:   send {:.2}  receive {:.2}  total {:.2}",
        ratio(rates[0].0, rates[1].0),
        ratio(rates[0].1, rates[1].1),
        ratio(rates[0].2, rates[1].2)
    );
    println!(
        "ratio Store/raw NORMAL: send {:.2}  receive {:.2}  total {:.2}",
        ratio(rates[0].0, rates[2].0),
        ratio(rates[0].1, rates[2].1),
        ratio(rates[0].2, rates[2].2)
    );
}
