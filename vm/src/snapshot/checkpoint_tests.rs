//! Checkpoint mode and retry points on a fake host that keeps every checkpoint.

use std::cell::RefCell;
use std::path::Path;

use crossbeam_channel::Sender;
use jfc_compiler::bytecode::Chunk;

use super::{InDoubt, Snapshot};
use crate::host::{Completion, Host, Request, Ticket};
use crate::value::ProcessState;
use crate::{Code, Vm, VmOptions};

/// Answers each command at once: status 1 when its text is in `failing`, else 0.
/// Logs checkpoints (the commands they show in doubt) and starts, in order.
#[derive(Default)]
struct Keeper {
    failing: Vec<&'static str>,
    log: RefCell<Vec<String>>,
    last: RefCell<Option<Vec<u8>>>,
}

impl Host for Keeper {
    fn start(&self, ticket: Ticket, request: Request, done: Sender<(Ticket, Completion)>) {
        let Request::Command(c) = request else {
            panic!("this host runs commands only");
        };
        self.log.borrow_mut().push(format!("start {}", c.command));
        let status = i64::from(self.failing.contains(&c.command.as_str()));
        let _ = done.send((
            ticket,
            Completion::Command {
                stdout: vec![],
                stderr: vec![],
                status,
            },
        ));
    }

    fn load_jobflow(&self, path: &Path) -> Result<Chunk, String> {
        Err(format!("no jobflow {}", path.display()))
    }

    fn console(&self, _: u64, _: &str) {}

    fn report(&self, _: &str) {}

    fn checkpoint(&self, snapshot: Snapshot) {
        let doubt: Vec<String> = snapshot
            .jobs_in_doubt()
            .into_iter()
            .map(|j| j.command)
            .collect();
        self.log
            .borrow_mut()
            .push(format!("checkpoint [{}]", doubt.join(", ")));
        *self.last.borrow_mut() = Some(snapshot.to_bytes());
    }
}

fn checkpointing() -> VmOptions {
    VmOptions {
        checkpoint: true,
        ..VmOptions::default()
    }
}

/// Run `source` in checkpoint mode to its end, with a last checkpoint as `jfc run`
/// takes one: the VM and the state its main process ended in.
fn run(source: &str, host: Keeper) -> (Vm<Keeper>, ProcessState) {
    let (chunk, _) = jfc_compiler::compile(source, "t.jf").unwrap_or_else(|d| panic!("{d:?}"));
    let mut vm = Vm::new(host, checkpointing());
    let info = vm
        .spawn_main(Code::new(chunk).expect("verified"), ".", vec![])
        .expect("spawned");
    vm.run();
    vm.checkpoint();
    let state = info.borrow().state;
    (vm, state)
}

/// The commands started, sorted.
fn started(vm: &Vm<Keeper>) -> Vec<String> {
    let mut all: Vec<String> = vm
        .host
        .log
        .borrow()
        .iter()
        .filter(|l| l.starts_with("start"))
        .cloned()
        .collect();
    all.sort();
    all
}

fn last_snapshot(vm: &Vm<Keeper>) -> Snapshot {
    let bytes = vm.host.last.borrow().clone().expect("a checkpoint");
    Snapshot::from_bytes(&bytes).expect("read back")
}

#[test]
fn every_command_starts_after_a_checkpoint_that_shows_it_in_doubt() {
    let (vm, state) = run("['a'] -> ['b']", Keeper::default());
    assert_eq!(state, ProcessState::Done);
    assert_eq!(
        *vm.host.log.borrow(),
        [
            "checkpoint [a]",
            "start a",
            "checkpoint []",
            "checkpoint [b]",
            "start b",
            "checkpoint []",
            "checkpoint []",
        ]
    );
}

#[test]
fn a_retry_runs_the_failed_command_with_its_variables() {
    let host = Keeper {
        failing: vec!["check 7"],
        ..Keeper::default()
    };
    let (vm, state) = run("[n = 7] -> ['check $n'] -> print(n)", host);
    assert_eq!(state, ProcessState::Aborted);
    let snap = last_snapshot(&vm);
    let plan = snap.retry_plan().expect("something to retry");
    let retry: Vec<String> = snap.jobs_to_retry().iter().map(|j| j.to_string()).collect();
    assert_eq!(retry, ["line 1 (process 1): check 7"]);
    let mut vm =
        Vm::restore(Keeper::default(), checkpointing(), snap, InDoubt::Abort).expect("restored");
    vm.retry_failed(&plan);
    vm.run();
    let main = vm.main_info().expect("main");
    assert_eq!(main.borrow().state, ProcessState::Done);
    assert_eq!(started(&vm), ["start check 7"]);
}

#[test]
fn a_retry_runs_only_the_children_that_failed() {
    let host = Keeper {
        failing: vec!["job 2", "job 4"],
        ..Keeper::default()
    };
    let (vm, state) = run(
        "{ pfor i in 5 | ['job $i'] -> print(i) } -> print('joined')",
        host,
    );
    assert_eq!(state, ProcessState::Aborted);
    let snap = last_snapshot(&vm);
    let plan = snap.retry_plan().expect("something to retry");
    assert_eq!(plan.len(), 3, "the parent and two children: {plan:?}");
    let mut vm =
        Vm::restore(Keeper::default(), checkpointing(), snap, InDoubt::Abort).expect("restored");
    vm.retry_failed(&plan);
    vm.run();
    assert_eq!(
        vm.main_info().expect("main").borrow().state,
        ProcessState::Done
    );
    assert_eq!(started(&vm), ["start job 2", "start job 4"]);
}

#[test]
fn an_error_that_is_not_a_failed_job_has_nothing_to_retry() {
    let (vm, state) = run("['a'] -> abort('the disk is full')", Keeper::default());
    assert_eq!(state, ProcessState::Aborted);
    let e = last_snapshot(&vm)
        .retry_plan()
        .expect_err("nothing to retry");
    assert!(e.contains("not on a failed job"), "{e}");
}

#[test]
fn a_failure_that_a_later_job_went_past_is_not_retried() {
    let host = Keeper {
        failing: vec!["a"],
        ..Keeper::default()
    };
    let (vm, state) = run("['a'] => ['b'] -> abort('later')", host);
    assert_eq!(state, ProcessState::Aborted);
    assert!(last_snapshot(&vm).retry_plan().is_err());
}

#[test]
fn a_run_that_did_not_end_is_resumed_not_retried() {
    let (chunk, _) = jfc_compiler::compile("['a']", "t.jf").expect("compiles");
    let mut vm = Vm::new(Keeper::default(), checkpointing());
    vm.spawn_main(Code::new(chunk).expect("verified"), ".", vec![])
        .expect("spawned");
    vm.checkpoint();
    let e = last_snapshot(&vm).retry_plan().expect_err("still running");
    assert!(e.contains("resume it without --retry"), "{e}");
}
