//! Persistent channels on real SQLite files: queue semantics, guards, the round trip of
//! every storable value, and what several OS processes see — a sender killed with
//! SIGKILL loses no acknowledged message, a receiver notices another process's send
//! quickly, and two receivers never get the same message.
//!
//! The multi-process tests re-execute this test binary: the child branch of a test runs
//! when its environment variable is set (see `child_env`).

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::rc::Rc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use chrono::{FixedOffset, NaiveDate, NaiveTime, TimeDelta, TimeZone};
use jfc_store::channels::{self, Guard};
use jfc_store::{codec, ObjectId, Store};
use jfc_vm::value::{Args, Key, ObjectRef, Pattern, PatternKind, Value};

/// A store file in a fresh temp dir, removed when the guard drops.
fn temp_store() -> (tempfile::TempDir, PathBuf) {
    let tmp = tempfile::tempdir().expect("temp dir");
    let path = tmp.path().join("store.sqlite");
    (tmp, path)
}

/// A fresh Channel (or other type) under `/system/channels`.
fn new_object(s: &mut Store, name: &str, type_name: &str) -> ObjectId {
    let dir = s.resolve("/system/channels").expect("channels dir");
    let t = s.type_id(type_name).expect("type");
    s.create(dir, name, t, "root").expect("create")
}

fn int(v: &Value) -> i64 {
    match v {
        Value::Int(i) => *i,
        other => panic!("not an Integer: {}", other.to_nested_text()),
    }
}

fn s(x: &str) -> Value {
    Value::str(x)
}

/// `(msgid, Integer)` of an optional message, for comparisons.
fn idint(m: Option<(i64, Value)>) -> Option<(i64, i64)> {
    m.map(|(id, v)| (id, int(&v)))
}

fn ints(msgs: &[(i64, Value)]) -> Vec<i64> {
    msgs.iter().map(|(_, v)| int(v)).collect()
}

fn accept_all() -> impl FnMut(&Value) -> Result<bool, String> {
    |_| Ok(true)
}

/// A guard accepting Integers with `pred`, like a `case` clause would.
fn accept_int(pred: impl Fn(i64) -> bool) -> impl FnMut(&Value) -> Result<bool, String> {
    move |v| Ok(matches!(v, Value::Int(i) if pred(*i)))
}

/// A store with a Channel `C`, in a temp dir that lives as long as the guard.
fn fresh() -> (tempfile::TempDir, Store, ObjectId, PathBuf) {
    let (tmp, path) = temp_store();
    let mut st = Store::open(&path).expect("open");
    let ch = new_object(&mut st, "C", "Channel");
    (tmp, st, ch, path)
}

/// `event_count` is the receivers waiting now, in every OS process on the store; those
/// of an OS process that is gone do not count.
#[test]
fn event_count_is_the_waiting_receivers() {
    let (_tmp, mut st, ch, path) = fresh();
    assert_eq!(st.event_count(ch).unwrap(), 0);
    st.set_waiting(ch, 1, true).unwrap();
    st.set_waiting(ch, 2, true).unwrap();
    st.set_waiting(ch, 2, true).unwrap();
    assert_eq!(st.event_count(ch).unwrap(), 2, "a receiver counts once");
    let other = Store::open(&path).unwrap();
    assert_eq!(
        other.event_count(ch).unwrap(),
        2,
        "seen from another connection"
    );
    st.set_waiting(ch, 1, false).unwrap();
    assert_eq!(st.event_count(ch).unwrap(), 1);
    // A receiver of an OS process that was killed while it waited.
    let mut gone = std::process::Command::new("true")
        .spawn()
        .expect("true runs");
    let gone_pid = gone.id();
    gone.wait().expect("reaped");
    let conn = rusqlite::Connection::open(&path).unwrap();
    conn.execute(
        "INSERT INTO channel_waiters (channel, os_pid, vm_pid) VALUES (?1, ?2, 1)",
        rusqlite::params![ch, gone_pid],
    )
    .unwrap();
    assert_eq!(st.event_count(ch).unwrap(), 1);
}

#[test]
fn fifo_order_ids_and_counts() {
    let (_tmp, mut st, ch, _) = fresh();
    assert_eq!(st.message_count(ch).unwrap(), 0);
    assert_eq!(st.event_count(ch).unwrap(), 0);
    let mut ids = Vec::new();
    for i in 0..20 {
        ids.push(st.send(ch, &Value::Int(i)).expect("send"));
    }
    assert!(ids.windows(2).all(|w| w[0] < w[1]), "ids increase: {ids:?}");
    let msgs = st.messages(ch).unwrap();
    assert_eq!(ints(&msgs), (0..20).collect::<Vec<_>>());
    assert_eq!(msgs.iter().map(|m| m.0).collect::<Vec<_>>(), ids);
    assert_eq!(st.message_count(ch).unwrap(), 20);
    // Event-job receives take from the head, in order, and count.
    for want in 0..5 {
        let (id, v) = st
            .receive(ch, &mut accept_all(), false, false)
            .unwrap()
            .expect("a message");
        assert_eq!((id, int(&v)), (ids[want as usize], want));
    }
    assert_eq!(st.message_count(ch).unwrap(), 15);
    // take of an id already gone: None.
    assert!(st.take(ch, ids[0]).unwrap().is_none());
    // A second store on the same file sees the same queue and counts.
    let other = Store::open(st.path()).unwrap();
    assert_eq!(
        ints(&other.messages(ch).unwrap()),
        (5..20).collect::<Vec<_>>()
    );
    // Another channel's queue is separate.
    let ch2 = new_object(&mut st, "D", "Channel");
    st.send(ch2, &s("elsewhere")).unwrap();
    assert_eq!(st.message_count(ch).unwrap(), 15);
    assert_eq!(st.message_count(ch2).unwrap(), 1);
    // Deleting a channel deletes its queue and its waiters.
    st.set_waiting(ch, 7, true).unwrap();
    assert_eq!(st.event_count(ch).unwrap(), 1);
    st.delete(ch).unwrap();
    assert_eq!(st.message_count(ch).unwrap(), 0);
    assert_eq!(st.event_count(ch).unwrap(), 0);
    assert_eq!(st.message_count(ch2).unwrap(), 1);
}

#[test]
fn only_channels_take_messages() {
    let (_tmp, mut st, _, _) = fresh();
    let mail = new_object(&mut st, "M", "MailChannel");
    st.send(mail, &s("From: a@b\r\n\r\nhi"))
        .expect("a MailChannel takes messages");
    assert_eq!(st.message_count(mail).unwrap(), 1);
    let dir = st.resolve("/system/channels").unwrap();
    let err = st.send(dir, &Value::Int(1)).unwrap_err();
    assert!(err.0.contains("is not a Channel"), "{err}");
    assert!(st.send(999_999, &Value::Int(1)).is_err(), "no object");
    // Values that cannot be stored are refused, nothing queued.
    let ch = st.resolve("/system/channels/Alert").unwrap();
    let live = Value::Channel(Rc::new(std::cell::RefCell::new(Default::default())));
    assert!(st.send(ch, &live).is_err());
    assert_eq!(st.message_count(ch).unwrap(), 0);
    // Inside a caller's transaction a send is part of it: rolled back with it.
    let r: Result<(), _> = st.transaction(|t| {
        t.send(ch, &Value::Int(1))?;
        t.send(ch, &Value::Int(2))?;
        Err(jfc_store::StoreError("changed my mind".into()))
    });
    assert!(r.is_err());
    assert_eq!(st.message_count(ch).unwrap(), 0);
    st.transaction(|t| {
        t.send(ch, &Value::Int(1))?;
        t.send(ch, &Value::Int(2))
    })
    .unwrap();
    assert_eq!(ints(&st.messages(ch).unwrap()), vec![1, 2]);
}

#[test]
fn head_guard_and_scan_guard() {
    let (_tmp, mut st, ch, _) = fresh();
    for i in [1, 2, 3, 10, 4, 11] {
        st.send(ch, &Value::Int(i)).unwrap();
    }
    // `?`: only the head is tried.
    let mut big = accept_int(|i| i >= 10);
    assert!(st.first_match(ch, &mut big, false).unwrap().is_none());
    assert!(st.receive(ch, &mut big, false, false).unwrap().is_none());
    assert_eq!(st.message_count(ch).unwrap(), 6, "a refused head stays");
    let mut one = accept_int(|i| i == 1);
    let (_, v) = st.receive(ch, &mut one, false, false).unwrap().unwrap();
    assert_eq!(int(&v), 1);
    // `??`: the first match; the messages before it are discarded when it is taken.
    let (id10, v) = st.first_match(ch, &mut big, true).unwrap().unwrap();
    assert_eq!(int(&v), 10);
    assert_eq!(
        st.message_count(ch).unwrap(),
        5,
        "first_match removes nothing"
    );
    assert_eq!(int(&st.take_scanned(ch, id10).unwrap().unwrap()), 10);
    assert_eq!(ints(&st.messages(ch).unwrap()), vec![4, 11]);
    // peek_mode with `??`: the match stays, the ones before it go, the event counts.
    let (id11, v) = st.receive(ch, &mut big, true, true).unwrap().unwrap();
    assert_eq!(int(&v), 11);
    assert_eq!(idint(st.messages(ch).unwrap().pop()), Some((id11, 11)));
    assert_eq!(st.message_count(ch).unwrap(), 1);
    // peek_mode without a scan leaves everything.
    let (same, _) = st
        .receive(ch, &mut accept_all(), false, true)
        .unwrap()
        .unwrap();
    assert_eq!(same, id11);
    assert_eq!(st.message_count(ch).unwrap(), 1);
    // No match anywhere: nothing discarded, even with `??`.
    let mut never = accept_int(|_| false);
    assert!(st.receive(ch, &mut never, true, false).unwrap().is_none());
    assert_eq!(st.message_count(ch).unwrap(), 1);
    // A guard error is an error, not a match.
    let mut bad = |_: &Value| -> Result<bool, String> { Err("bad guard".to_string()) };
    let g: Guard<'_> = &mut bad;
    assert_eq!(st.receive(ch, g, true, false).unwrap_err().0, "bad guard");
    assert_eq!(st.message_count(ch).unwrap(), 1);
    // Another receiver took the match meanwhile: take_scanned discards nothing.
    st.clear_messages(ch).unwrap();
    for i in [5, 6, 20] {
        st.send(ch, &Value::Int(i)).unwrap();
    }
    let (id20, _) = st.first_match(ch, &mut big, true).unwrap().unwrap();
    let mut rival = Store::open(st.path()).unwrap();
    assert!(rival.take(ch, id20).unwrap().is_some());
    assert!(st.take_scanned(ch, id20).unwrap().is_none());
    assert_eq!(ints(&st.messages(ch).unwrap()), vec![5, 6]);
}

#[test]
fn peek_pop_delete_clear() {
    let (_tmp, mut st, ch, _) = fresh();
    let ids: Vec<i64> = (0..6)
        .map(|i| st.send(ch, &Value::Int(i)).unwrap())
        .collect();
    assert_eq!(idint(st.peek_message(ch, 0).unwrap()), Some((ids[0], 0)));
    assert_eq!(idint(st.peek_message(ch, 2).unwrap()), Some((ids[2], 2)));
    assert_eq!(idint(st.peek_message(ch, -1).unwrap()), Some((ids[5], 5)));
    assert_eq!(idint(st.peek_message(ch, -6).unwrap()), Some((ids[0], 0)));
    for out_of_range in [6, -7, i64::MAX, i64::MIN] {
        assert!(st.peek_message(ch, out_of_range).unwrap().is_none());
        assert!(st.pop_message(ch, out_of_range).unwrap().is_none());
    }
    assert_eq!(st.message_count(ch).unwrap(), 6, "peek removes nothing");
    assert_eq!(idint(st.pop_message(ch, -1).unwrap()), Some((ids[5], 5)));
    assert_eq!(idint(st.pop_message(ch, 1).unwrap()), Some((ids[1], 1)));
    assert_eq!(idint(st.pop_message(ch, 0).unwrap()), Some((ids[0], 0)));
    assert_eq!(ints(&st.messages(ch).unwrap()), vec![2, 3, 4]);
    assert_eq!(st.event_count(ch).unwrap(), 0, "nobody waits");
    // delete: only ids of this channel count.
    let ch2 = new_object(&mut st, "Other", "Channel");
    let foreign = st.send(ch2, &Value::Int(99)).unwrap();
    assert_eq!(
        st.delete_messages(ch, &[ids[2], ids[0], foreign, ids[4]])
            .unwrap(),
        2
    );
    assert_eq!(ints(&st.messages(ch).unwrap()), vec![3]);
    assert_eq!(st.message_count(ch2).unwrap(), 1);
    assert_eq!(st.delete_messages(ch, &[]).unwrap(), 0);
    for i in 10..13 {
        st.send(ch, &Value::Int(i)).unwrap();
    }
    assert_eq!(st.clear_messages(ch).unwrap(), 4);
    assert_eq!(st.clear_messages(ch).unwrap(), 0);
    assert_eq!(st.message_count(ch).unwrap(), 0);
    assert_eq!(st.message_count(ch2).unwrap(), 1);
}

#[test]
fn methods_and_properties_as_a_flow_sees_them() {
    let (_tmp, mut st, ch, _) = fresh();
    let call = |st: &mut Store, name: &str, pos: Vec<Value>| {
        channels::method(
            st,
            ch,
            name,
            Args {
                pos,
                kw: Vec::new(),
            },
        )
    };
    for m in ["a", "b", "c"] {
        assert!(matches!(
            call(&mut st, "send", vec![s(m)]).unwrap(),
            Value::Null
        ));
    }
    let peek = call(&mut st, "peek_message", vec![]).unwrap();
    let Value::Array(pair) = &peek else {
        panic!("peek gives [msgid, message]")
    };
    let first_id = int(&pair.borrow()[0]);
    assert_eq!(pair.borrow()[1].to_text(), "a");
    assert_eq!(
        call(&mut st, "pop_message", vec![Value::Int(-1)])
            .unwrap()
            .to_text(),
        "c"
    );
    assert!(call(&mut st, "pop_message", vec![Value::Int(5)]).is_err());
    assert!(call(&mut st, "peek_message", vec![s("x")]).is_err());
    // An unknown id deletes nothing.
    assert!(call(
        &mut st,
        "delete_message",
        vec![Value::Int(first_id), Value::Int(-5)]
    )
    .is_err());
    assert_eq!(st.message_count(ch).unwrap(), 2);
    call(&mut st, "delete_message", vec![Value::Int(first_id)]).unwrap();
    assert_eq!(st.messages(ch).unwrap().len(), 1);
    assert_eq!(
        int(&channels::property(&st, ch, "message_count").unwrap()),
        1
    );
    call(&mut st, "clear_messages", vec![]).unwrap();
    assert_eq!(
        int(&channels::property(&st, ch, "message_count").unwrap()),
        0
    );
    assert_eq!(int(&channels::property(&st, ch, "event_count").unwrap()), 0);
    assert!(call(&mut st, "nope", vec![]).is_err());
}

fn dict(pairs: Vec<(Value, Value)>) -> Value {
    let mut map = indexmap::IndexMap::new();
    for (k, v) in pairs {
        map.insert(Key(k), v);
    }
    Value::Dict(Rc::new(std::cell::RefCell::new(map)))
}

fn storable_values() -> Vec<Value> {
    let datetime = |y, mo, d, h, mi, sec, nano, off| {
        let o = FixedOffset::east_opt(off).unwrap();
        let naive = NaiveDate::from_ymd_opt(y, mo, d)
            .unwrap()
            .and_hms_nano_opt(h, mi, sec, nano)
            .unwrap();
        Value::Datetime(o.from_local_datetime(&naive).unwrap())
    };
    let mut v = vec![
        Value::Null,
        Value::Bool(true),
        Value::Bool(false),
        Value::Int(0),
        Value::Int(i64::MIN),
        Value::Int(i64::MAX),
        Value::from_bigint("123456789012345678901234567890".parse().unwrap()),
        Value::from_bigint("-98765432109876543210".parse().unwrap()),
        Value::Float(1.0),
        Value::Float(-0.0),
        Value::Float(0.1),
        Value::Float(5e-324),
        Value::Float(f64::NAN),
        Value::Float(f64::INFINITY),
        Value::Float(f64::NEG_INFINITY),
        s(""),
        s("quote \" back \\ nl \n nul \u{0} 日本語 😀"),
        s("$t"),
        Value::Bytes(Rc::from(&b""[..])),
        Value::Bytes(Rc::from(&b"\x00\xff\x80 raw"[..])),
        Value::array(vec![]),
        Value::array(vec![Value::Int(1), Value::Float(1.0), s("1"), Value::Null]),
        dict(vec![]),
        dict(vec![(s("b"), Value::Int(1)), (s("a"), Value::Int(2))]),
        dict(vec![(s("$t"), s("bigint")), (s("v"), s("1"))]),
        dict(vec![
            (Value::Int(1), s("int key")),
            (s("1"), s("string key")),
            (Value::Null, Value::Bool(true)),
        ]),
        datetime(2024, 1, 2, 3, 4, 5, 123_456_000, 9 * 3600),
        datetime(1, 1, 1, 0, 0, 0, 0, 0),
        datetime(9999, 12, 31, 23, 59, 59, 999_999_999, -(5 * 3600 + 1800)),
        Value::Date(NaiveDate::from_ymd_opt(2020, 2, 29).unwrap()),
        Value::Time(NaiveTime::from_hms_nano_opt(23, 59, 59, 1_500_000_000).unwrap()),
        Value::Timedelta(TimeDelta::days(-3) + TimeDelta::nanoseconds(5)),
        Value::Timedelta(TimeDelta::MAX),
        Value::Pattern(Rc::new(
            Pattern::new(PatternKind::Regex, "^a(b|c)*$", false).unwrap(),
        )),
        Value::Pattern(Rc::new(
            Pattern::new(PatternKind::Glob, "*.txt", true).unwrap(),
        )),
        Value::Pattern(Rc::new(
            Pattern::new(PatternKind::Exact, "e\"x", false).unwrap(),
        )),
        Value::Object(ObjectRef {
            id: 42,
            path: Rc::from("/home/user/obj"),
        }),
    ];
    let all = Value::array(v.clone());
    let keyed = dict(
        v.iter()
            .enumerate()
            .map(|(i, x)| (s(&format!("k{i}")), x.clone()))
            .collect(),
    );
    v.push(Value::array(vec![all.clone(), keyed.clone()]));
    v.push(dict(vec![(s("$t"), all), (Value::Int(7), keyed)]));
    v
}

#[test]
fn every_storable_value_survives_the_queue() {
    let (_tmp, mut st, ch, path) = fresh();
    let values = storable_values();
    for v in &values {
        st.send(ch, v).unwrap();
    }
    // Read back through a new connection, so nothing comes from a cache.
    drop(st);
    let mut st = Store::open(&path).unwrap();
    let back = st.messages(ch).unwrap();
    assert_eq!(back.len(), values.len());
    // The codec is exact and deterministic: same text, same value (Float bits,
    // Datetime offsets, key types and order included).
    for (v, (_, b)) in values.iter().zip(&back) {
        assert_eq!(codec::encode(b).unwrap(), codec::encode(v).unwrap());
        assert_eq!(b.type_name(), v.type_name());
    }
    for v in &values {
        let got = st
            .receive(ch, &mut accept_all(), false, false)
            .unwrap()
            .unwrap()
            .1;
        assert_eq!(codec::encode(&got).unwrap(), codec::encode(v).unwrap());
    }
    assert_eq!(st.message_count(ch).unwrap(), 0);
}

// ---------------------------------------------------------------------------
// Several OS processes.

/// The value of a child's environment variable; `Some` only in a re-executed child.
fn child_env(name: &str) -> Option<(PathBuf, ObjectId)> {
    let path = std::env::var_os(name)?;
    let ch = std::env::var("JFC_CHANNEL_ID").ok()?.parse().ok()?;
    Some((PathBuf::from(path), ch))
}

/// This test binary again, running only `test` with `role` set to the store path.
fn spawn_child(test: &str, role: &str, store: &Path, ch: ObjectId, stdin: Stdio) -> Child {
    Command::new(std::env::current_exe().expect("test binary"))
        .args([test, "--exact", "--nocapture", "--test-threads=1", "-q"])
        .env(role, store)
        .env("JFC_CHANNEL_ID", ch.to_string())
        .stdin(stdin)
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("re-execute the test binary")
}

/// xorshift64*: enough randomness for kill points, and reproducible from the seed.
struct Rng(u64);

impl Rng {
    fn from_time() -> (Rng, u64) {
        let seed = match std::env::var("JFC_CHANNEL_SEED") {
            Ok(s) => s.parse().expect("JFC_CHANNEL_SEED is a number"),
            Err(_) => {
                let t = SystemTime::now().duration_since(UNIX_EPOCH).unwrap();
                (t.as_nanos() as u64) ^ (u64::from(std::process::id()) << 32) | 1
            }
        };
        (Rng(seed), seed)
    }
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

const CRASH_CHILD: &str = "JFC_CHANNEL_CRASH_CHILD";
const CRASH_MESSAGES: i64 = 10_000;
/// Kill a sender at this age even before its random number of acknowledgements: an
/// fsync'ed send takes 0.3–0.5 ms on the development machine (3 runs ≈ 5 s), but
/// on a loaded shared disk it was seen at 2.7 ms, i.e. 27 s for 10,000.
const CRASH_RUN_BUDGET: Duration = Duration::from_secs(8);

#[cfg(unix)]
#[test]
fn sigkill_of_a_sender_loses_no_acknowledged_message() {
    if let Some((path, ch)) = child_env(CRASH_CHILD) {
        // The child: send 0..10000, acknowledging each one after `send` returned.
        let mut st = Store::open(&path).expect("child opens the store");
        let mut out = std::io::stdout().lock();
        for i in 0..CRASH_MESSAGES {
            st.send(ch, &Value::Int(i)).expect("send");
            writeln!(out, "ack {i}").expect("stdout");
            out.flush().expect("stdout");
        }
        return;
    }
    use std::os::unix::process::ExitStatusExt;
    let (mut rng, seed) = Rng::from_time();
    eprintln!("crash test seed {seed} (JFC_CHANNEL_SEED={seed} repeats it)");
    let started = Instant::now();
    for run in 0..3 {
        let (_tmp, st, ch, path) = fresh();
        drop(st);
        let kill_after = 1 + rng.below(CRASH_MESSAGES as u64 - 1) as i64;
        let t0 = Instant::now();
        let mut child = spawn_child(
            "sigkill_of_a_sender_loses_no_acknowledged_message",
            CRASH_CHILD,
            &path,
            ch,
            Stdio::null(),
        );
        let reader = BufReader::new(child.stdout.take().expect("piped"));
        let mut acked: Vec<i64> = Vec::new();
        let mut killed_at = None;
        for line in reader.lines() {
            let line = line.expect("child stdout");
            let Some(n) = line.strip_prefix("ack ") else {
                continue;
            };
            acked.push(n.trim().parse().expect("ack number"));
            let out_of_time = t0.elapsed() > CRASH_RUN_BUDGET;
            if killed_at.is_none() && (acked.len() as i64 >= kill_after || out_of_time) {
                if out_of_time {
                    eprintln!(
                        "run {run}: {} acks after {:?}, time budget over: killing now",
                        acked.len(),
                        CRASH_RUN_BUDGET
                    );
                }
                // A random extra 0–2 ms, so the kill lands anywhere in the next send
                // (before its write, between write and fsync, after the commit).
                std::thread::sleep(Duration::from_micros(rng.below(2_000)));
                child.kill().expect("SIGKILL");
                killed_at = acked.last().copied();
            }
        }
        let status = child.wait().expect("wait");
        let elapsed = t0.elapsed();
        // Acknowledgements are 0, 1, 2, … in order: the child's own sequence.
        assert!(acked.iter().enumerate().all(|(i, &n)| n == i as i64));
        let last_ack = acked.last().copied().unwrap_or(-1);

        let st = Store::open(&path).expect("reopen after the kill");
        let stored = ints(&st.messages(ch).expect("messages readable"));
        let exact_prefix = stored.iter().enumerate().all(|(i, &n)| n == i as i64);
        assert!(
            exact_prefix,
            "run {run}: the queue is not 0, 1, 2, … exactly once in order (seed {seed})"
        );
        let n = stored.len() as i64;
        // Every acknowledged message is there; beyond them at most the send in flight.
        assert!(
            n > last_ack,
            "run {run}: acknowledged up to {last_ack} but only {n} stored (seed {seed})"
        );
        assert!(
            n <= (last_ack + 2).min(CRASH_MESSAGES),
            "run {run}: {n} stored but the child had only attempted up to {} (seed {seed})",
            last_ack + 1
        );
        eprintln!(
            "run {run}: kill after {kill_after} acks (ack #{:?} read), child {} after {} acks, \
             {n} stored ({}in-flight send committed), {:.2} s, {:.0} sends/s",
            killed_at,
            match status.signal() {
                Some(sig) => format!("killed by signal {sig}"),
                None => format!("exited {:?}", status.code()),
            },
            acked.len(),
            if n == last_ack + 2 { "" } else { "no " },
            elapsed.as_secs_f64(),
            acked.len() as f64 / elapsed.as_secs_f64()
        );
    }
    eprintln!("crash test total {:.2} s", started.elapsed().as_secs_f64());
}

const LATENCY_CHILD: &str = "JFC_CHANNEL_LATENCY_CHILD";

fn epoch_micros() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_micros() as i64)
}

#[test]
fn a_poller_notices_another_process_sending() {
    if let Some((path, ch)) = child_env(LATENCY_CHILD) {
        // The child: on each `go` line, send one message and report when it returned.
        let mut st = Store::open(&path).expect("child opens the store");
        let mut out = std::io::stdout().lock();
        writeln!(out, "ready").unwrap();
        out.flush().unwrap();
        for (n, line) in (0i64..).zip(std::io::stdin().lock().lines()) {
            if line.map_or(true, |l| l.trim() != "go") {
                break;
            }
            let t0 = epoch_micros();
            st.send(ch, &Value::Int(n)).expect("send");
            let t1 = epoch_micros();
            writeln!(out, "sent {t0} {t1}").unwrap();
            out.flush().unwrap();
        }
        return;
    }
    let (_tmp, st, ch, path) = fresh();
    let mut child = spawn_child(
        "a_poller_notices_another_process_sending",
        LATENCY_CHILD,
        &path,
        ch,
        Stdio::piped(),
    );
    let stdin = child.stdin.take().expect("piped");
    let mut lines = BufReader::new(child.stdout.take().expect("piped")).lines();
    let mut next_line = |want: &str| loop {
        let line = lines
            .next()
            .expect("child ended early")
            .expect("child stdout");
        if line.starts_with(want) {
            return line;
        }
    };
    next_line("ready");
    const POLL: Duration = Duration::from_millis(10);
    let (mut rng, _) = Rng::from_time();
    let mut latencies = Vec::new();
    let mut stdin = Some(stdin);
    for round in 0..10 {
        let token = st.change_token().unwrap();
        assert_eq!(st.change_token().unwrap(), token, "no change, same token");
        // The sender is told to go at a random moment of the poll period, from
        // another thread, while this one polls on a fixed 10 ms tick.
        let delay = Duration::from_micros(rng.below(POLL.as_micros() as u64));
        let mut pipe = stdin.take().expect("stdin");
        let go = std::thread::spawn(move || {
            std::thread::sleep(delay);
            writeln!(pipe, "go").unwrap();
            pipe.flush().unwrap();
            pipe
        });
        let deadline = Instant::now() + Duration::from_secs(5);
        let detected = loop {
            std::thread::sleep(POLL);
            if st.change_token().unwrap() != token && st.message_count(ch).unwrap() > round {
                break epoch_micros();
            }
            assert!(
                Instant::now() < deadline,
                "round {round}: the send was never noticed"
            );
        };
        stdin = Some(go.join().expect("go thread"));
        let sent = next_line("sent ");
        let mut parts = sent
            .split_whitespace()
            .skip(1)
            .map(|x| x.parse::<i64>().unwrap());
        let (t0, t1) = (parts.next().unwrap(), parts.next().unwrap());
        // The commit happened between t0 and t1; measured from t1, the end of `send`
        // (a detection between the commit and t1 counts as 0).
        let latency = (detected - t1).max(0);
        eprintln!(
            "round {round}: send took {:.2} ms, noticed {:.2} ms after it returned",
            (t1 - t0) as f64 / 1000.0,
            latency as f64 / 1000.0
        );
        latencies.push(latency);
    }
    drop(stdin);
    let _ = child.wait();
    latencies.sort_unstable();
    let median = latencies[latencies.len() / 2];
    let max = latencies[latencies.len() - 1];
    eprintln!(
        "send → detection: median {:.2} ms, max {:.2} ms (poll every {} ms)",
        median as f64 / 1000.0,
        max as f64 / 1000.0,
        POLL.as_millis()
    );
    assert!(max < 100_000, "detection took {max} µs");
    assert_eq!(st.message_count(ch).unwrap(), 10);
}

/// Receivers with their own connections race for the same 2,000 messages: receivers 0
/// and 1 look (`first_match`), pause up to 0.3 ms to widen the race window, then take
/// (`take`, and `take_scanned` as a `??` does); receivers 2 and 3 use `receive`.
#[test]
fn concurrent_receivers_never_get_the_same_message() {
    const N: i64 = 2_000;
    const RECEIVERS: usize = 4;
    let (_tmp, mut st, ch, path) = fresh();
    st.transaction(|t| {
        for i in 0..N {
            t.send(ch, &Value::Int(i))?;
        }
        Ok(())
    })
    .unwrap();
    let (mut rng, _) = Rng::from_time();
    let barrier = std::sync::Arc::new(std::sync::Barrier::new(RECEIVERS));
    let takers: Vec<_> = (0..RECEIVERS)
        .map(|k| {
            let path = path.clone();
            let barrier = barrier.clone();
            let mut rng = Rng(rng.next() | 1);
            std::thread::spawn(move || {
                let mut st = Store::open(&path).expect("open");
                let (mut got, mut lost) = (Vec::new(), 0);
                barrier.wait();
                loop {
                    if k >= 2 {
                        match st
                            .receive(ch, &mut accept_all(), k == 3, false)
                            .expect("receive")
                        {
                            Some((_, v)) => got.push(int(&v)),
                            None => break,
                        }
                        continue;
                    }
                    let Some((id, seen)) =
                        st.first_match(ch, &mut accept_all(), k == 1).expect("look")
                    else {
                        break;
                    };
                    std::thread::sleep(Duration::from_micros(rng.below(300)));
                    let taken = if k == 1 {
                        st.take_scanned(ch, id)
                    } else {
                        st.take(ch, id)
                    };
                    match taken.expect("take") {
                        Some(v) => {
                            assert_eq!(int(&v), int(&seen));
                            got.push(int(&v));
                        }
                        None => lost += 1,
                    }
                }
                (got, lost)
            })
        })
        .collect();
    let results: Vec<(Vec<i64>, i32)> = takers.into_iter().map(|t| t.join().unwrap()).collect();
    for (g, _) in &results {
        assert!(
            g.windows(2).all(|w| w[0] < w[1]),
            "each receiver sees FIFO order"
        );
    }
    let mut all: Vec<i64> = results
        .iter()
        .flat_map(|(g, _)| g.iter().copied())
        .collect();
    all.sort_unstable();
    assert_eq!(
        all,
        (0..N).collect::<Vec<_>>(),
        "every message exactly once"
    );
    assert_eq!(st.message_count(ch).unwrap(), 0);
    eprintln!(
        "receivers got {:?} messages; races lost by the look-then-take receivers: {:?}",
        results.iter().map(|r| r.0.len()).collect::<Vec<_>>(),
        results.iter().take(2).map(|r| r.1).collect::<Vec<_>>()
    );
}
