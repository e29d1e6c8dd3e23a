//! The scheduler with a fake host: process limit, fairness, parallel commands, and the
//! host's clock and user name.

use std::cell::RefCell;
use std::path::Path;
use std::rc::Rc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Local, TimeZone, Utc};
use crossbeam_channel::Sender;
use jfc_compiler::bytecode::Chunk;
use jfc_vm::host::{Completion, Host, Request, Ticket};
use jfc_vm::value::{ProcessState, Value};
use jfc_vm::{Code, Vm, VmOptions};

/// Completes every command after a few milliseconds on its own thread, counting how
/// many run at once. Its clock stands still at [`clock`]; its user is [`USER`].
#[derive(Default)]
struct FakeHost {
    running: Arc<AtomicUsize>,
    peak: Arc<AtomicUsize>,
    started: Arc<AtomicUsize>,
    console: RefCell<Vec<String>>,
    reports: RefCell<Vec<String>>,
}

/// The time of the fake host: years after any real run of these tests.
fn clock() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2091, 2, 3, 4, 5, 6).unwrap()
}

const USER: &str = "fake-user";

impl Host for FakeHost {
    fn start(&self, ticket: Ticket, request: Request, done: Sender<(Ticket, Completion)>) {
        let Request::Command(c) = request else {
            panic!("this host runs commands only");
        };
        let now = self.running.fetch_add(1, Ordering::SeqCst) + 1;
        self.peak.fetch_max(now, Ordering::SeqCst);
        self.started.fetch_add(1, Ordering::SeqCst);
        let running = self.running.clone();
        std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(5));
            running.fetch_sub(1, Ordering::SeqCst);
            let _ = done.send((
                ticket,
                Completion::Command {
                    stdout: c.command.into_bytes(),
                    stderr: vec![],
                    status: 0,
                },
            ));
        });
    }

    fn load_jobflow(&self, path: &Path) -> Result<Chunk, String> {
        Err(format!("no jobflow {}", path.display()))
    }

    fn console(&self, _: u64, line: &str) {
        self.console.borrow_mut().push(line.to_string());
    }

    fn report(&self, text: &str) {
        self.reports.borrow_mut().push(text.to_string());
    }

    fn now(&self) -> DateTime<Utc> {
        clock()
    }

    fn user_name(&self) -> String {
        USER.to_string()
    }
}

fn run(source: &str, opts: VmOptions) -> (Vm<FakeHost>, Rc<RefCell<jfc_vm::value::ProcessInfo>>) {
    let (chunk, _) = jfc_compiler::compile(source, "test.jf").unwrap_or_else(|d| panic!("{d:?}"));
    let mut vm = Vm::new(FakeHost::default(), opts);
    let info = vm
        .spawn_main(Code::new(chunk).expect("verified"), ".", vec![])
        .expect("spawned");
    vm.run();
    (vm, info)
}

#[test]
fn pfor_waits_for_room_under_the_process_limit() {
    let opts = VmOptions {
        max_processes: 5,
        ..VmOptions::default()
    };
    let (vm, info) = run(
        "{ pfor i in 20 | ['cmd $i'] } -> print(length($RESULT), $STATUS)",
        opts,
    );
    assert_eq!(info.borrow().state, ProcessState::Done);
    let host = vm.host();
    assert_eq!(host.started.load(Ordering::SeqCst), 20);
    let peak = host.peak.load(Ordering::SeqCst);
    // The parent counts as one of the five live processes.
    assert!(peak <= 4, "{peak} commands ran at once");
    assert!(peak >= 2, "children did not run in parallel (peak {peak})");
    assert_eq!(*host.console.borrow(), vec!["20 0".to_string()]);
}

#[test]
fn a_busy_process_does_not_starve_the_others() {
    let source = "[c = channel()] -> { fork |
        [i = 0] -> { while i < 100000 | [i = i + 1] } -> print('counting done')
        print('quick child')
    }";
    let (vm, _) = run(source, VmOptions::default());
    let lines = vm.host().console.borrow().clone();
    assert_eq!(
        lines,
        vec!["quick child".to_string(), "counting done".to_string()]
    );
}

#[test]
fn fork_children_wait_in_parallel() {
    let (vm, info) = run(
        "{ fork | ['a'] ['b'] ['c'] } -> { for p in $RESULT | print(p.result) }",
        VmOptions::default(),
    );
    assert_eq!(info.borrow().state, ProcessState::Done);
    assert_eq!(vm.host().peak.load(Ordering::SeqCst), 3);
    assert_eq!(*vm.host().console.borrow(), vec!["a", "b", "c"]);
}

#[test]
fn runtime_error_aborts_with_its_message() {
    let (_, info) = run("[a = [1]] -> print(a[5])", VmOptions::default());
    let info = info.borrow();
    assert_eq!(info.state, ProcessState::Aborted);
    assert!(
        info.error.to_text().contains("out of range"),
        "{}",
        info.error.to_text()
    );
}

#[test]
fn a_pfor_that_the_process_limit_blocks_names_the_limit() {
    let opts = VmOptions {
        max_processes: 1,
        ..VmOptions::default()
    };
    let (_, info) = run("{ pfor i in [1, 2, 3] | print(i) }", opts);
    let info = info.borrow();
    assert_eq!(info.state, ProcessState::Aborted);
    assert_eq!(
        info.error.to_text(),
        "the process limit (--max-processes 1) is reached: 1 process is live (this one included) \
         and none can end, so this fork/pfor cannot start its 3 remaining child processes"
    );
}

#[test]
fn suspend_is_not_undone_by_try() {
    let (vm, info) = run(
        "{try | print('before') -> suspend() -> print('resumed?')} -> print('after try')",
        VmOptions::default(),
    );
    let info = info.borrow();
    assert_eq!(info.state, ProcessState::Aborted);
    assert!(
        info.error.to_text().starts_with("stopped while suspended"),
        "{}",
        info.error.to_text()
    );
    assert_eq!(*vm.host().console.borrow(), vec!["before"]);
}

#[test]
fn the_clock_and_the_user_name_are_the_hosts() {
    // `sleep(now())` waits until the host's time now: not at all. Measured by the real
    // clock it would wait decades, so the run has a thread of its own and a watchdog.
    let source = "print(now()) -> print(current().started_time == now(), current().elapsed_time)
        -> sleep(now()) -> ['echo hi'] -> print($RESULT)";
    let (tx, rx) = crossbeam_channel::bounded(1);
    std::thread::spawn(move || {
        let opts = VmOptions {
            command_echo: Some("{username}@{hostname}{sudomark} {command}".into()),
            ..VmOptions::default()
        };
        let (vm, info) = run(source, opts);
        let info = info.borrow();
        let host = vm.host();
        let _ = tx.send((
            host.console.take(),
            host.reports.take(),
            info.started,
            info.finished,
        ));
    });
    let (console, reports, started, finished) = rx
        .recv_timeout(Duration::from_secs(60))
        .expect("the flow ends without waiting");
    let now = Value::Datetime(clock().with_timezone(&Local).fixed_offset());
    assert_eq!(console, [&now.to_text(), "true 0:00:00", "echo hi"]);
    assert_eq!(reports, [format!("{USER}@localhost$ echo hi")]);
    assert_eq!((started, finished), (clock(), Some(clock())));
}

/// Run `source` while `script` sends controls from another thread, each after its
/// delay from the start; the VM and how long the run took.
fn run_controlled(
    source: &str,
    script: Vec<(u64, jfc_vm::control::Control)>,
) -> (
    Vm<FakeHost>,
    Rc<RefCell<jfc_vm::value::ProcessInfo>>,
    Duration,
) {
    let (chunk, _) = jfc_compiler::compile(source, "test.jf").unwrap_or_else(|d| panic!("{d:?}"));
    let mut vm = Vm::new(FakeHost::default(), VmOptions::default());
    let (tx, rx) = jfc_vm::control::channel();
    vm.set_controls(rx);
    let info = vm
        .spawn_main(Code::new(chunk).expect("verified"), ".", vec![])
        .expect("spawned");
    let started = std::time::Instant::now();
    std::thread::spawn(move || {
        for (after, c) in script {
            std::thread::sleep(Duration::from_millis(after).saturating_sub(started.elapsed()));
            let _ = tx.send(c);
        }
    });
    vm.run();
    (vm, info, started.elapsed())
}

#[test]
fn a_terminated_process_ends_aborted_with_its_children() {
    use jfc_vm::control::Control;
    let (vm, info, _) = run_controlled(
        "print('parent') -> { fork | print('child') -> sleep(30) } -> print('never')",
        vec![(50, Control::Terminate(1))],
    );
    let info = info.borrow();
    assert_eq!(info.state, ProcessState::Aborted);
    assert_eq!(info.error.to_text(), jfc_vm::control::TERMINATED);
    let children = info.children.clone();
    assert_eq!(children.len(), 1);
    assert_eq!(children[0].borrow().state, ProcessState::Aborted);
    let mut console = vm.host().console.borrow().clone();
    console.sort();
    assert_eq!(console, ["child", "parent"]);
}

#[test]
fn a_suspended_process_runs_no_job_until_resumed() {
    use jfc_vm::control::Control;
    let (vm, info, took) = run_controlled(
        "print('a') -> sleep(0.1) -> print('b')",
        vec![(20, Control::Suspend(1)), (300, Control::Resume(1))],
    );
    assert_eq!(info.borrow().state, ProcessState::Done);
    assert_eq!(*vm.host().console.borrow(), vec!["a", "b"]);
    assert!(
        took >= Duration::from_millis(300),
        "it ended while suspended ({took:?})"
    );
}

#[test]
fn a_process_that_suspended_itself_is_resumed_from_outside() {
    use jfc_vm::control::Control;
    let (vm, info, _) = run_controlled(
        "print('a') -> suspend() -> print('b')",
        vec![(50, Control::Resume(1))],
    );
    assert_eq!(
        info.borrow().state,
        ProcessState::Done,
        "{}",
        info.borrow().error.to_text()
    );
    assert_eq!(*vm.host().console.borrow(), vec!["a", "b"]);
}
