//! The reference of bench/serve/intake.sh: `THREADS` threads insert `PER_THREAD`
//! messages each into a SQLite file with the settings of the store's event intake (WAL,
//! `synchronous = FULL`, one transaction a message, a busy timeout), with nothing else
//! around: no HTTP, no parsing, no token. Prints the rate.
//!
//! Usage: raw_inserts DB THREADS PER_THREAD

use std::time::{Duration, Instant};

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let (Some(db), Some(threads), Some(per)) = (args.get(1), args.get(2), args.get(3)) else {
        eprintln!("usage: raw_inserts DB THREADS PER_THREAD");
        std::process::exit(2);
    };
    let (threads, per): (usize, usize) = (
        threads.parse().expect("THREADS"),
        per.parse().expect("PER_THREAD"),
    );
    let setup = rusqlite::Connection::open(db).expect("open");
    setup
        .execute_batch(
            "PRAGMA journal_mode = WAL;
             CREATE TABLE IF NOT EXISTS messages (
                 id INTEGER PRIMARY KEY AUTOINCREMENT, channel INTEGER NOT NULL,
                 body TEXT NOT NULL, sent TEXT NOT NULL);",
        )
        .expect("schema");
    let start = Instant::now();
    let workers: Vec<_> = (0..threads)
        .map(|t| {
            let db = db.clone();
            std::thread::spawn(move || {
                let conn = rusqlite::Connection::open(&db).expect("open");
                conn.busy_timeout(Duration::from_secs(30)).expect("timeout");
                conn.execute_batch("PRAGMA synchronous = FULL")
                    .expect("full");
                for n in 0..per {
                    conn.execute(
                        "INSERT INTO messages (channel, body, sent) VALUES (1, ?1, ?2)",
                        [
                            format!("\"s{t}-{n}\""),
                            "2026-12-04T00:00:00.000000Z".to_string(),
                        ],
                    )
                    .expect("insert");
                }
            })
        })
        .collect();
    workers.into_iter().for_each(|w| w.join().expect("worker"));
    let secs = start.elapsed().as_secs_f64();
    println!("{:.1}", (threads * per) as f64 / secs);
}
