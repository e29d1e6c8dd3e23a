//! The host's store connection never waits on a lock: while another connection holds
//! the write lock, a request that writes answers `HostError::Busy` at once having done
//! nothing, and reads go on (WAL).

use std::sync::mpsc;
use std::time::Duration;

use jfc_runtime::exec::ExecOptions;
use jfc_runtime::LocalHost;
use jfc_store::{objects::ROOT, Store};
use jfc_vm::host::{Host, HostError, StoreAnswer, StoreRequest};
use jfc_vm::value::{Args, ObjectRef, Value};

/// Holds the write lock of the store at `db` on a thread of its own until told to let
/// it go (or 3 s have passed: a request that waited would then get through, and fail
/// the test).
struct Lock {
    release: mpsc::Sender<()>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Lock {
    fn take(db: &std::path::Path) -> Lock {
        let db = db.to_path_buf();
        let (release, released) = mpsc::channel::<()>();
        let (taken, is_taken) = mpsc::channel();
        let thread = std::thread::spawn(move || {
            let conn = rusqlite::Connection::open(&db).expect("sqlite");
            conn.execute_batch("BEGIN IMMEDIATE; CREATE TABLE lock_probe (x);")
                .expect("the write lock");
            taken.send(()).expect("test waits");
            let _ = released.recv_timeout(Duration::from_secs(3));
            conn.execute_batch("ROLLBACK").expect("rollback");
        });
        is_taken.recv().expect("lock taken");
        Lock {
            release,
            thread: Some(thread),
        }
    }

    fn release(mut self) {
        let _ = self.release.send(());
        if let Some(t) = self.thread.take() {
            t.join().expect("lock thread");
        }
    }
}

struct Fixture {
    _dir: tempfile::TempDir,
    db: std::path::PathBuf,
    host: LocalHost,
    node: ObjectRef,
    channel: ObjectRef,
}

fn fixture() -> Fixture {
    let dir = tempfile::tempdir().expect("temp dir");
    let db = dir.path().join("store.sqlite");
    let mut s = Store::open(&db).expect("store");
    let node_type = s.type_id("NodeInfo").expect("type");
    let node = s.create(ROOT, "web1", node_type, "root").expect("node");
    let ch_type = s.type_id("Channel").expect("type");
    let channel = s.create(ROOT, "events", ch_type, "root").expect("channel");
    let host = LocalHost::with_store(ExecOptions::default(), s).quiet();
    let obj = |id, path: &str| ObjectRef {
        id,
        path: path.into(),
    };
    Fixture {
        node: obj(node, "/web1"),
        channel: obj(channel, "/events"),
        _dir: dir,
        db,
        host,
    }
}

fn text(v: &Value) -> String {
    v.to_nested_text()
}

impl Fixture {
    fn set(&self, value: &str) -> Result<(), HostError> {
        let request = StoreRequest::Set(&self.node, "hostname", Value::str(value));
        self.host.store(request).map(|_| ())
    }

    /// `obj.name` as text.
    fn attr(&self, obj: &ObjectRef, name: &str) -> String {
        match self.host.store(StoreRequest::Attr(obj, name)) {
            Ok(StoreAnswer::Value(v)) => text(&v),
            Ok(_) => panic!("not a value"),
            Err(e) => panic!("{e}"),
        }
    }

    fn send(&self, msg: &str) -> Result<(), HostError> {
        let args = Args {
            pos: vec![Value::str(msg)],
            kw: vec![],
        };
        let request = StoreRequest::Call(&self.channel, "send", args);
        self.host.store(request).map(|_| ())
    }

    /// Receive the head message: Ok(None) when there is none.
    fn receive(&self) -> Result<Option<String>, HostError> {
        let mut any = |_: &Value| true;
        let request = StoreRequest::Receive {
            channel: &self.channel,
            accept: &mut any,
            scan: false,
            peek: false,
        };
        match self.host.store(request)? {
            StoreAnswer::Message(m) => Ok(m.as_ref().map(text)),
            _ => panic!("not a message"),
        }
    }
}

#[test]
fn a_write_while_another_process_writes_is_busy_and_does_nothing() {
    let f = fixture();
    f.set("before").expect("set");
    let lock = Lock::take(&f.db);
    assert_eq!(f.set("during"), Err(HostError::Busy));
    // Reads do not wait on the writer.
    assert_eq!(f.attr(&f.node, "hostname"), "'before'");
    lock.release();
    f.set("after").expect("set");
    assert_eq!(f.attr(&f.node, "hostname"), "'after'");
}

#[test]
fn a_send_and_a_receive_while_the_store_is_locked_are_busy_and_lose_nothing() {
    let f = fixture();
    f.send("first").expect("send");
    let lock = Lock::take(&f.db);
    assert_eq!(f.send("second"), Err(HostError::Busy));
    assert_eq!(f.receive(), Err(HostError::Busy));
    let take = StoreRequest::TakePlace {
        flow: &f.node,
        limit: 1,
    };
    assert!(matches!(f.host.store(take), Err(HostError::Busy)));
    lock.release();
    assert_eq!(f.receive(), Ok(Some("'first'".to_string())));
    assert_eq!(
        f.attr(&f.channel, "message_count"),
        "0",
        "the busy send queued nothing"
    );
}
