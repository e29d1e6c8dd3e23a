//! Checkpoints of runs in checkpoint mode: kept and read back, and the messages a run
//! received held until a checkpoint has them (a resume from an earlier one queues them
//! again, in their places).

use jfc_store::checkpoints::CheckpointAbout;
use jfc_store::{ObjectId, Store};
use jfc_vm::value::Value;

fn store() -> (tempfile::TempDir, Store) {
    let tmp = tempfile::tempdir().expect("temp dir");
    let s = Store::open(&tmp.path().join("store.sqlite")).expect("store");
    (tmp, s)
}

fn channel(s: &mut Store) -> ObjectId {
    let dir = s.resolve("/system/channels").expect("channels dir");
    let t = s.type_id("Channel").expect("type");
    s.create(dir, "work", t, "root").expect("create")
}

fn queue(s: &Store, ch: ObjectId) -> Vec<String> {
    s.messages(ch)
        .expect("messages")
        .into_iter()
        .map(|(_, v)| v.to_text())
        .collect()
}

fn about(holds_upto: i64) -> CheckpointAbout {
    CheckpointAbout {
        in_doubt: "line 3 (process 1): sleep 1".into(),
        holds_upto,
        ..CheckpointAbout::default()
    }
}

#[test]
fn a_checkpoint_is_kept_replaced_and_read_back() {
    let (_tmp, mut s) = store();
    let run = s.process_start("/flows/f", "root").expect("record");
    assert!(s.checkpoint(run).expect("read").is_none());
    s.checkpoint_write(run, b"first", 10, &about(0))
        .expect("kept");
    s.checkpoint_write(run, b"second", 25, &about(0))
        .expect("kept");
    let c = s.checkpoint(run).expect("read").expect("there");
    assert_eq!((c.data.as_slice(), c.console_pos), (&b"second"[..], 25));
    assert_eq!(c.about.in_doubt, "line 3 (process 1): sleep 1");
    assert!(!c.about.written.is_empty());
    let e = s.checkpoint_to_resume(run).err().expect("it runs");
    assert!(e.0.contains("still running"), "{}", e.0);
    s.process_finish(run, "DONE", &Value::Int(0), &Value::Null, &Value::Null)
        .expect("done");
    assert!(
        s.checkpoint(run).expect("read").is_none(),
        "DONE keeps none"
    );
}

#[test]
fn a_message_received_after_the_checkpoint_is_queued_again_on_resume() {
    let (_tmp, mut s) = store();
    let ch = channel(&mut s);
    let run = s.process_start("/flows/f", "root").expect("record");
    for m in ["a", "b", "c"] {
        s.send(ch, &Value::str(m)).expect("sent");
    }
    let got = s
        .receive_held(ch, &mut |_| Ok(true), false, run, 1)
        .expect("receive")
        .expect("a message");
    assert_eq!(got.1.to_text(), "a");
    assert_eq!(queue(&s, ch), ["b", "c"]);
    // A checkpoint taken before the receive does not have it: a resume gives it back.
    s.checkpoint_write(run, b"before", 0, &about(0))
        .expect("kept");
    s.process_resume(run, 0, &[], &[]).expect("resumed");
    assert_eq!(queue(&s, ch), ["a", "b", "c"], "in its place");
    // Received again, and this time a checkpoint has it: it is gone for good.
    s.receive_held(ch, &mut |_| Ok(true), false, run, 1)
        .expect("receive")
        .expect("a message");
    s.checkpoint_write(run, b"after", 0, &about(1))
        .expect("kept");
    s.process_resume(run, 0, &[], &[]).expect("resumed");
    assert_eq!(queue(&s, ch), ["b", "c"]);
}

#[test]
fn messages_a_scan_discards_are_held_with_the_one_it_takes() {
    let (_tmp, mut s) = store();
    let ch = channel(&mut s);
    let run = s.process_start("/flows/f", "root").expect("record");
    for m in ["x1", "x2", "want", "x3"] {
        s.send(ch, &Value::str(m)).expect("sent");
    }
    let mut want = |v: &Value| Ok(v.to_text() == "want");
    let got = s
        .receive_held(ch, &mut want, true, run, 1)
        .expect("receive")
        .expect("a message");
    assert_eq!(got.1.to_text(), "want");
    assert_eq!(queue(&s, ch), ["x3"]);
    s.process_resume(run, 0, &[], &[]).expect("resumed");
    assert_eq!(queue(&s, ch), ["x1", "x2", "want", "x3"]);
}

#[test]
fn a_finished_run_keeps_what_it_received() {
    let (_tmp, mut s) = store();
    let ch = channel(&mut s);
    let run = s.process_start("/flows/f", "root").expect("record");
    s.send(ch, &Value::str("only")).expect("sent");
    s.receive_held(ch, &mut |_| Ok(true), false, run, 1)
        .expect("receive")
        .expect("a message");
    s.process_finish(run, "ABORTED", &Value::Int(1), &Value::Null, &Value::Null)
        .expect("finished");
    s.process_resume(run, 0, &[], &[]).expect("resumed");
    assert!(queue(&s, ch).is_empty());
}

#[test]
fn a_message_sent_waits_for_the_checkpoint_and_a_resume_before_it_drops_it() {
    let (tmp, mut s) = store();
    let ch = channel(&mut s);
    let run = s.process_start("/flows/f", "root").expect("record");
    let mut other = Store::open(&tmp.path().join("store.sqlite")).expect("second connection");
    s.send_for_run(run);
    s.send(ch, &Value::str("one")).expect("sent");
    assert!(queue(&other, ch).is_empty(), "not before its checkpoint");
    let mut kept = about(0);
    kept.sends_upto = s.last_unsent(run).expect("outbox");
    s.send(ch, &Value::str("two"))
        .expect("sent after the snapshot");
    s.checkpoint_write(run, b"with one", 0, &kept)
        .expect("kept");
    assert_eq!(queue(&other, ch), ["one"]);
    // The run is resumed from that checkpoint: it sends "two" again.
    s.process_resume(run, 0, &[], &[]).expect("resumed");
    assert_eq!(queue(&other, ch), ["one"]);
    s.send(ch, &Value::str("two")).expect("sent again");
    s.process_finish(run, "DONE", &Value::Int(0), &Value::Null, &Value::Null)
        .expect("done");
    assert_eq!(queue(&other, ch), ["one", "two"]);
    // Sends of other connections go out at once.
    other.send(ch, &Value::str("three")).expect("sent");
    assert_eq!(queue(&s, ch), ["one", "two", "three"]);
}
