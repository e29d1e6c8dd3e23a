//! The snapshot format: what is shared stays shared, cycles come back, a newer or a
//! damaged snapshot is refused with an error, and a process caught waiting on a
//! command is in doubt.

use std::cell::{Cell, RefCell};
use std::path::Path;
use std::rc::Rc;

use crossbeam_channel::Sender;
use jfc_compiler::bytecode::Chunk;

use super::{InDoubt, Snapshot, FORMAT_VERSION};
use crate::host::{Completion, Host, Request, Ticket};
use crate::value::{Key, ProcessState, Value};
use crate::{Code, Vm, VmOptions};

/// Keeps the console; answers a command (its text as stdout) only when `answer` is set.
#[derive(Default)]
struct TestHost {
    console: RefCell<Vec<String>>,
    started: RefCell<Vec<String>>,
    answer: Cell<bool>,
}

impl Host for TestHost {
    fn start(&self, ticket: Ticket, request: Request, done: Sender<(Ticket, Completion)>) {
        let Request::Command(c) = request else {
            panic!("this host runs commands only");
        };
        self.started.borrow_mut().push(c.command.clone());
        if self.answer.get() {
            let stdout = c.command.into_bytes();
            let c = Completion::Command {
                stdout,
                stderr: vec![],
                status: 0,
            };
            let _ = done.send((ticket, c));
        }
    }

    fn load_jobflow(&self, path: &Path) -> Result<Chunk, String> {
        Err(format!("no jobflow {}", path.display()))
    }

    fn console(&self, _: u64, line: &str) {
        self.console.borrow_mut().push(line.to_string());
    }

    fn report(&self, _: &str) {}
}

fn stopping() -> VmOptions {
    VmOptions {
        stop_at_jobs: true,
        ..VmOptions::default()
    }
}

/// A VM running `source`, stopped at the first job boundary where `slot` is set.
fn stopped_at(source: &str, slot: &str, host: TestHost) -> Vm<TestHost> {
    let (chunk, _) = jfc_compiler::compile(source, "t.jf").unwrap_or_else(|d| panic!("{d:?}"));
    let mut vm = Vm::new(host, stopping());
    vm.spawn_main(Code::new(chunk).expect("verified"), ".", vec![])
        .expect("spawned");
    loop {
        vm.run();
        assert!(vm.cut_at_job(), "the flow ended before `{slot}` was set");
        if get(&vm, 1, slot).is_some() {
            return vm;
        }
    }
}

/// Variable `name` of process `pid`'s innermost frame.
fn get<H: Host>(vm: &Vm<H>, pid: u64, name: &str) -> Option<Value> {
    let f = vm.procs.get(&pid)?.frame();
    let i = f.code.chunk.slots.iter().position(|s| s == name)?;
    f.slots[i].clone()
}

fn roundtrip(vm: Vm<TestHost>) -> Vm<TestHost> {
    let bytes = vm.snapshot().expect("snapshot").to_bytes();
    let snap = Snapshot::from_bytes(&bytes).expect("read back");
    Vm::restore(vm.into_host(), VmOptions::default(), snap, InDoubt::Abort).expect("restored")
}

fn same(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Array(a), Value::Array(b)) => Rc::ptr_eq(a, b),
        (Value::Dict(a), Value::Dict(b)) => Rc::ptr_eq(a, b),
        (Value::Process(a), Value::Process(b)) => Rc::ptr_eq(a, b),
        (Value::Channel(a), Value::Channel(b)) => Rc::ptr_eq(a, b),
        _ => false,
    }
}

#[test]
fn what_is_shared_is_written_once_and_stays_shared() {
    let src = "[a = [1]] -> [b = a] -> [d = {k = a}] -> [c = channel()] -> [e = [c, c]] \
               -> [p = current()] -> [q = [p]] -> print(length(a))";
    let vm = stopped_at(src, "q", TestHost::default());
    let snap = vm.snapshot().expect("snapshot");
    assert_eq!(snap.arrays.len(), 3, "a, e and q, each once");
    assert_eq!(snap.channels.len(), 1);
    let mut vm = roundtrip(vm);
    let var = |n: &str| get(&vm, 1, n).expect(n);
    assert!(same(&var("a"), &var("b")));
    let Value::Dict(d) = &var("d") else {
        panic!("d")
    };
    assert!(same(&d.borrow()[&Key(Value::str("k"))], &var("a")));
    let Value::Array(e) = &var("e") else {
        panic!("e")
    };
    assert!(same(&e.borrow()[0], &e.borrow()[1]) && same(&e.borrow()[0], &var("c")));
    let Value::Array(q) = &var("q") else {
        panic!("q")
    };
    assert!(same(&q.borrow()[0], &var("p")));
    let Value::Process(p) = &var("p") else {
        panic!("p")
    };
    let p = p.clone();
    assert!(
        Rc::ptr_eq(&p, &vm.procs[&1].info),
        "the process's own record"
    );
    vm.run();
    assert_eq!(*vm.host.console.borrow(), vec!["1"]);
    assert_eq!(p.borrow().state, ProcessState::Done);
}

#[test]
fn a_cycle_comes_back_as_a_cycle() {
    let src = "[a = [1]] -> [a.add_item: a] -> [d = {x = a}] -> [a.add_item: d] -> [z = 0] \
               -> print(length(a), length(a[1][1][1]), a[2].x[0])";
    let mut vm = roundtrip(stopped_at(src, "z", TestHost::default()));
    let Value::Array(a) = &get(&vm, 1, "a").expect("a") else {
        panic!("a")
    };
    let a = a.clone();
    let items = a.borrow().clone();
    assert!(matches!(&items[1], Value::Array(inner) if Rc::ptr_eq(inner, &a)));
    let Value::Dict(d) = &items[2] else {
        panic!("d")
    };
    assert!(matches!(&d.borrow()[&Key(Value::str("x"))], Value::Array(x) if Rc::ptr_eq(x, &a)));
    vm.run();
    assert_eq!(*vm.host.console.borrow(), vec!["3 3 1"]);
}

#[test]
fn every_kind_of_value_round_trips() {
    let src = r#"[v = [null, true, 7, 123456789012345678901234567890, -98765432109876543210987654321, 1.5, 'é', b'\x00\xff',
                  r'a+'i, g'*.txt', datetime('2024-01-02 03:04:05', zone='Asia/Tokyo'),
                  date('2024-01-02'), time('03:04:05'), timedelta(days=1, seconds=-1.5),
                  length, current(), channel()]] -> [w = [v.add_item, float('nan'), 1.0e999, -1.0e999]]
              -> print(v) -> print(w[1], w[2], w[3])"#;
    let vm = stopped_at(src, "w", TestHost::default());
    let before = format!("{:?}", get(&vm, 1, "v").expect("v"));
    let mut vm = roundtrip(vm);
    assert_eq!(format!("{:?}", get(&vm, 1, "v").expect("v")), before);
    vm.run();
    let console = vm.host.console.borrow();
    assert_eq!(console.len(), 2);
    assert_eq!(console[1], "nan inf -inf");
}

#[test]
fn a_newer_format_is_refused() {
    let vm = stopped_at("[a = 1] -> print(a)", "a", TestHost::default());
    let mut json: serde_json::Value =
        serde_json::from_slice(&vm.snapshot().expect("snapshot").to_bytes()).expect("JSON");
    json["version"] = serde_json::json!(FORMAT_VERSION + 1);
    let bytes = serde_json::to_vec(&json).expect("JSON");
    let e = Snapshot::from_bytes(&bytes).err().expect("refused");
    assert_eq!(
        e,
        format!(
            "this snapshot was written by a newer jfc (format {}, this one reads up to {FORMAT_VERSION})",
            FORMAT_VERSION + 1
        )
    );
}

#[test]
fn a_truncated_or_garbled_snapshot_is_refused() {
    let vm = stopped_at(
        "[a = [1, 2]] -> [b = a] -> print(b)",
        "b",
        TestHost::default(),
    );
    let bytes = vm.snapshot().expect("snapshot").to_bytes();
    let e = Snapshot::from_bytes(&bytes[..bytes.len() / 2])
        .err()
        .expect("truncated");
    assert!(e.contains("damaged"), "{e}");
    let e = Snapshot::from_bytes(b"\x00\x01garbage")
        .err()
        .expect("garbage");
    assert!(e.starts_with("not a jfc snapshot"), "{e}");
    // Well-formed JSON whose references point nowhere.
    let text = String::from_utf8(bytes).expect("JSON is text");
    let bad = text.replacen("{\"Array\":0}", "{\"Array\":99}", 1);
    assert_ne!(bad, text, "the snapshot refers to its array");
    let snap = Snapshot::from_bytes(bad.as_bytes()).expect("still JSON of a snapshot");
    let e = Vm::restore(
        TestHost::default(),
        VmOptions::default(),
        snap,
        InDoubt::Abort,
    )
    .err()
    .expect("refused");
    assert_eq!(e, "the snapshot is damaged: array #99 is not in it");
}

/// A child waits on a command (never answered) while its sibling is cut at a job.
fn in_doubt() -> Vm<TestHost> {
    let src = "{ fork |\n    ['some command']\n    [x = 1] -> print('sibling')\n} \
               => print($RESULT[0].status, $RESULT[0].error, $RESULT[0].result)";
    let (chunk, _) = jfc_compiler::compile(src, "t.jf").unwrap_or_else(|d| panic!("{d:?}"));
    let mut vm = Vm::new(TestHost::default(), stopping());
    vm.spawn_main(Code::new(chunk).expect("verified"), ".", vec![])
        .expect("spawned");
    while !vm
        .procs
        .values()
        .any(|p| p.wait == crate::process::Wait::Host)
    {
        vm.run();
        assert!(vm.cut_at_job());
    }
    vm
}

#[test]
fn a_command_in_doubt_is_not_run_again_unless_asked() {
    let mut vm = roundtrip(in_doubt());
    vm.run();
    let console = vm.host.console.borrow().join("\n");
    assert!(
        console.contains("ABORTED the command at line 2 may have run before the restart; it is not run again (--rerun-in-doubt runs it, --skip-in-doubt goes on as if it had)"),
        "{console}"
    );
    assert_eq!(vm.host.started.borrow().len(), 1);
}

#[test]
fn a_command_in_doubt_runs_again_when_asked() {
    let vm = in_doubt();
    let bytes = vm.snapshot().expect("snapshot").to_bytes();
    let host = vm.into_host();
    host.answer.set(true);
    let snap = Snapshot::from_bytes(&bytes).expect("read back");
    let mut vm = Vm::restore(host, VmOptions::default(), snap, InDoubt::Rerun).expect("restored");
    vm.run();
    assert_eq!(
        *vm.host.started.borrow(),
        vec!["some command", "some command"]
    );
    let console = vm.host.console.borrow().join("\n");
    assert!(console.ends_with("DONE  some command"), "{console}");
}

#[test]
fn a_value_nested_100000_deep_round_trips_without_recursion() {
    let mut vm = stopped_at(
        "[l = []] -> [z = 0] -> print(length(l), l[0])",
        "z",
        TestHost::default(),
    );
    let mut deep = Value::array(vec![]);
    for i in 0..100_000 {
        deep = Value::array(vec![Value::Int(i), deep]);
    }
    let slot = vm.procs[&1]
        .frame()
        .code
        .chunk
        .slots
        .iter()
        .position(|s| s == "l");
    vm.procs.get_mut(&1).expect("main").frame_mut().slots[slot.expect("l")] = Some(deep);
    let mut vm = roundtrip(vm);
    let mut depth = 0;
    let mut at = get(&vm, 1, "l").expect("l");
    loop {
        let next = match &at {
            Value::Array(a) if !a.borrow().is_empty() => a.borrow()[1].clone(),
            _ => break,
        };
        depth += 1;
        at = next;
    }
    assert_eq!(depth, 100_000);
    vm.run();
    assert_eq!(*vm.host.console.borrow(), vec!["2 99999"]);
}

#[test]
fn code_is_written_once_with_where_it_came_from() {
    let src = "[z = 0] -> { fork |\n [a = 1] -> [c = 1]\n [b = 2] -> [d = 1]\n} -> print(z)";
    let mut vm = stopped_at(src, "z", TestHost::default());
    let code = vm.procs[&1].frame().code.clone();
    let from = super::CodeSource::File("/flows/main.jf".into());
    vm.note_code_source(&code, from.clone());
    while vm.procs.len() < 3 {
        vm.run();
    }
    let snap = vm.snapshot().expect("snapshot");
    assert_eq!(snap.code_sources(), vec![Some(from)]);
    let mut vm = roundtrip(vm);
    let codes: Vec<_> = vm.procs.values().map(|p| p.frame().code.clone()).collect();
    assert_eq!(codes.len(), 3);
    assert!(codes.iter().all(|c| Rc::ptr_eq(c, &codes[0])));
    vm.run();
    assert_eq!(*vm.host.console.borrow(), vec!["0"]);
}

#[test]
fn a_process_state_that_does_not_hold_together_is_refused() {
    let vm = stopped_at("{try | [a = 1] -> print(a)}", "a", TestHost::default());
    let mut json: serde_json::Value =
        serde_json::from_slice(&vm.snapshot().expect("snapshot").to_bytes()).expect("JSON");
    json["vm"]["procs"][0]["handlers"][0]["frame"] = serde_json::json!(7);
    let snap = Snapshot::from_bytes(&serde_json::to_vec(&json).expect("JSON")).expect("parses");
    let e = Vm::restore(
        TestHost::default(),
        VmOptions::default(),
        snap,
        InDoubt::Abort,
    )
    .err()
    .expect("refused");
    assert_eq!(
        e,
        "the snapshot is damaged: the state of process 1 does not hold together"
    );
}

#[test]
fn no_one_byte_change_makes_a_restore_panic() {
    let src =
        "[a = [1, {k = 2}]] -> [b = a] -> { fork |\n  [c = 1]\n  [d = 2]\n} -> [z = 0] -> print(b)";
    let vm = stopped_at(src, "b", TestHost::default());
    let bytes = vm.snapshot().expect("snapshot").to_bytes();
    let (mut refused, mut restored) = (0, 0);
    for i in 0..bytes.len() {
        for by in [b'0', b'9', b'"'] {
            let mut changed = bytes.clone();
            changed[i] = by;
            let got = Snapshot::from_bytes(&changed).and_then(|s| {
                Vm::restore(TestHost::default(), VmOptions::default(), s, InDoubt::Abort)
            });
            match got {
                Ok(_) => restored += 1,
                Err(_) => refused += 1,
            }
        }
    }
    assert!(
        refused > 0 && restored > 0,
        "{refused} refused, {restored} restored"
    );
}

#[test]
fn a_sleep_keeps_its_deadline_as_wall_clock_time() {
    let src = "{ fork |\n  sleep(60) -> print('slept')\n  [x = 1] -> [y = 2] -> print('other')\n}";
    let (chunk, _) = jfc_compiler::compile(src, "t.jf").unwrap_or_else(|d| panic!("{d:?}"));
    let mut vm = Vm::new(TestHost::default(), stopping());
    vm.spawn_main(Code::new(chunk).expect("verified"), ".", vec![])
        .expect("spawned");
    while !vm
        .procs
        .values()
        .any(|p| p.wait == crate::process::Wait::Sleep)
    {
        vm.run();
    }
    let snap = vm.snapshot().expect("snapshot");
    assert_eq!(snap.vm.timers.len(), 1);
    let (when, pid, _) = snap.vm.timers[0];
    // A minute from when it slept; the margins are far wider than any test machine's delay.
    let ahead = when - chrono::Utc::now();
    assert!(ahead > chrono::TimeDelta::seconds(30) && ahead <= chrono::TimeDelta::seconds(60));
    let sleeper = snap
        .vm
        .procs
        .iter()
        .find(|p| p.pid == pid)
        .expect("the sleeper");
    assert_eq!(sleeper.deadline, Some(when));
    let snap = Snapshot::from_bytes(&snap.to_bytes()).expect("read back");
    let vm =
        Vm::restore(vm.into_host(), VmOptions::default(), snap, InDoubt::Abort).expect("restored");
    let p = &vm.procs[&pid];
    assert_eq!(p.wait, crate::process::Wait::Sleep);
    let left = p.deadline.expect("a deadline") - std::time::Instant::now();
    assert!(left > std::time::Duration::from_secs(30));
    let std::cmp::Reverse((t, timer_pid, _)) = *vm.timers.peek().expect("its timer");
    assert_eq!((Some(t), timer_pid), (p.deadline, pid));
}

#[test]
fn a_cut_of_a_process_not_first_in_line_is_dropped() {
    let vm = stopped_at("[a = 1] -> print(a)", "a", TestHost::default());
    let mut json: serde_json::Value =
        serde_json::from_slice(&vm.snapshot().expect("snapshot").to_bytes()).expect("JSON");
    assert_eq!(json["vm"]["cut"][0], serde_json::json!(1));
    json["vm"]["cut"][0] = serde_json::json!(99);
    let snap = Snapshot::from_bytes(&serde_json::to_vec(&json).expect("JSON")).expect("parses");
    let mut vm =
        Vm::restore(TestHost::default(), stopping(), snap, InDoubt::Abort).expect("restored");
    assert!(!vm.cut_at_job());
    // It was cut after print's job marker: it prints and ends, with a whole slice.
    vm.run();
    assert_eq!(*vm.host.console.borrow(), vec!["1"]);
    assert!(!vm.cut_at_job() && vm.procs.is_empty());
}

#[test]
fn store_writes_queued_while_the_store_was_busy_are_kept() {
    use crate::interp::Later;
    let mut vm = stopped_at("[a = 1] -> print(a)", "a", TestHost::default());
    vm.later(Later::GivePlace(7));
    let channel = crate::value::ObjectRef {
        id: 9,
        path: Rc::from("/home/ch"),
    };
    vm.later(Later::StopWaiting(channel, 3));
    let vm = roundtrip(vm);
    assert!(matches!(
        vm.store_later.as_slice(),
        [Later::GivePlace(7), Later::StopWaiting(c, 3)] if c.id == 9 && &*c.path == "/home/ch"
    ));
    assert!(
        vm.later_due().is_some(),
        "the restored queue is tried again"
    );
}
