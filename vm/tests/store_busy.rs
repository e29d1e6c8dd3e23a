//! A store that answers "busy" (another OS process holds its write lock): the process
//! that asked parks and runs the same instruction again later, the others run meanwhile.

use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::path::Path;
use std::rc::Rc;

use crossbeam_channel::Sender;
use jfc_compiler::bytecode::Chunk;
use jfc_vm::host::{
    Completion, Host, HostError, Request, StoreAnswer, StoreRequest, StoreResult, Ticket,
};
use jfc_vm::value::{BoundMethod, ObjectRef, ProcessState, Value};
use jfc_vm::{Code, Vm, VmOptions};

/// One object, `/node`, whose fields live in a map; every store request is answered
/// "busy" while `busy` is above zero (each request counts it down), and the records of
/// child processes likewise with `records_busy`.
struct BusyHost {
    busy: Cell<u32>,
    /// Answer every other request only while `busy` lasts, so that an instruction
    /// making several requests meets a busy store at each of them in turn.
    alternate: bool,
    /// The last request was answered "busy".
    was_busy: Cell<bool>,
    records_busy: Cell<u32>,
    /// Store requests answered, busy or not.
    asked: Cell<u32>,
    fields: RefCell<HashMap<String, Value>>,
    /// Children recorded through `process_started`.
    started: Cell<u64>,
    /// Give-backs of multiplicity places answered "busy" before one goes through.
    places_busy: Cell<u32>,
    /// Places given back.
    given: Cell<u32>,
    /// The requests answered "busy", by the name of their method.
    busy_at: RefCell<Vec<&'static str>>,
    /// Messages of the stored channel (the object, again), head first.
    messages: RefCell<Vec<Value>>,
    /// `Waiting` requests answered, as (pid, on).
    waiting: RefCell<Vec<(u64, bool)>>,
    console: RefCell<Vec<String>>,
}

impl BusyHost {
    /// `/node.name`: a field, or a method for `touch` and `send`.
    fn attr(&self, obj: &ObjectRef, name: &str) -> StoreResult<StoreAnswer> {
        if name == "touch" || name == "send" {
            return Ok(StoreAnswer::Value(Value::Method(Rc::new(BoundMethod {
                receiver: Value::Object(obj.clone()),
                name: Rc::from(name),
            }))));
        }
        let field = self.fields.borrow().get(name).cloned();
        field
            .map(StoreAnswer::Value)
            .ok_or_else(|| format!("no field {name}").into())
    }

    fn new(busy: u32, records_busy: u32) -> BusyHost {
        let fields = HashMap::from([
            ("f".to_string(), Value::Int(42)),
            ("multiplicity".to_string(), Value::Int(1)),
        ]);
        BusyHost {
            busy: Cell::new(busy),
            alternate: false,
            was_busy: Cell::new(false),
            records_busy: Cell::new(records_busy),
            asked: Cell::new(0),
            fields: RefCell::new(fields),
            started: Cell::new(0),
            places_busy: Cell::new(0),
            given: Cell::new(0),
            busy_at: RefCell::new(Vec::new()),
            messages: RefCell::new(Vec::new()),
            waiting: RefCell::new(Vec::new()),
            console: RefCell::new(Vec::new()),
        }
    }

    /// Busy while the count lasts, else `answer`.
    fn answer<T>(
        &self,
        kind: &'static str,
        answer: impl FnOnce() -> StoreResult<T>,
    ) -> StoreResult<T> {
        self.asked.set(self.asked.get() + 1);
        if self.alternate && self.was_busy.replace(false) {
            return answer();
        }
        let got = busy_or(&self.busy, answer);
        self.was_busy.set(matches!(got, Err(HostError::Busy)));
        if self.was_busy.get() {
            self.busy_at.borrow_mut().push(kind);
        }
        got
    }
}

fn busy_or<T>(count: &Cell<u32>, answer: impl FnOnce() -> StoreResult<T>) -> StoreResult<T> {
    match count.get() {
        0 => answer(),
        n => {
            count.set(n - 1);
            Err(HostError::Busy)
        }
    }
}

impl Host for BusyHost {
    fn start(&self, _: Ticket, _: Request, _: Sender<(Ticket, Completion)>) {
        unreachable!("the flows of these tests run no command")
    }

    fn load_jobflow(&self, path: &Path) -> Result<Chunk, String> {
        Err(format!("no jobflow {}", path.display()))
    }

    fn console(&self, _: u64, line: &str) {
        self.console.borrow_mut().push(line.to_string());
    }

    fn report(&self, _: &str) {}

    fn store(&self, request: StoreRequest<'_>) -> StoreResult<StoreAnswer> {
        match request {
            StoreRequest::Resolve { path, .. } => self.answer("Resolve", || match path {
                "/node" | "/flow" => Ok(StoreAnswer::Value(Value::Object(ObjectRef {
                    id: 7,
                    path: Rc::from(path),
                }))),
                _ => Err(format!("no object {path}").into()),
            }),
            StoreRequest::Attr(obj, name) => self.answer("Attr", || self.attr(obj, name)),
            StoreRequest::Set(_, name, value) => self.answer("Set", || {
                self.fields.borrow_mut().insert(name.to_string(), value);
                Ok(StoreAnswer::Done)
            }),
            StoreRequest::Call(_, method, args) => self.answer("Call", || {
                if method == "send" {
                    self.messages.borrow_mut().extend(args.pos.first().cloned());
                }
                let called = format!("{method}({})", args.pos.len());
                Ok(StoreAnswer::Value(Value::str(&called)))
            }),
            StoreRequest::JobflowStamp(_) => self.answer("JobflowStamp", || {
                Ok(StoreAnswer::Stamp {
                    dir: "/".into(),
                    stamp: "1".into(),
                })
            }),
            StoreRequest::Jobflow(_) => self.answer("Jobflow", || {
                let (chunk, _) = jfc_compiler::compile("print('in flow')", "flow.jf")
                    .map_err(|d| format!("{d:?}"))?;
                Ok(StoreAnswer::Chunk(Box::new(chunk)))
            }),
            StoreRequest::Receive { accept, .. } => self.answer("Receive", || {
                let mut messages = self.messages.borrow_mut();
                let got = match messages.first() {
                    Some(m) if accept(m) => Some(messages.remove(0)),
                    _ => None,
                };
                Ok(StoreAnswer::Message(got))
            }),
            StoreRequest::Waiting { pid, on, .. } => self.answer("Waiting", || {
                self.waiting.borrow_mut().push((pid, on));
                Ok(StoreAnswer::Done)
            }),
            StoreRequest::TakePlace { .. } => Ok(StoreAnswer::Taken(true)),
            StoreRequest::GivePlace(_) => busy_or(&self.places_busy, || {
                self.given.set(self.given.get() + 1);
                Ok(StoreAnswer::Done)
            }),
            _ => Err("not a request of these tests".to_string().into()),
        }
    }

    fn process_started(&self, parent: Option<u64>) -> StoreResult<Option<u64>> {
        if parent.is_none() {
            return Ok(None);
        }
        busy_or(&self.records_busy, || {
            self.started.set(self.started.get() + 1);
            Ok(Some(100 + self.started.get()))
        })
    }
}

fn run(source: &str, busy: u32) -> (Vm<BusyHost>, ProcessState, String) {
    run_with(source, BusyHost::new(busy, 0))
}

fn run_with(source: &str, host: BusyHost) -> (Vm<BusyHost>, ProcessState, String) {
    let (chunk, _) = jfc_compiler::compile(source, "test.jf").unwrap_or_else(|d| panic!("{d:?}"));
    let mut vm = Vm::new(host, VmOptions::default());
    let info = vm
        .spawn_main(Code::new(chunk).expect("verified"), ".", vec![])
        .expect("spawned");
    vm.run();
    let (state, error) = (info.borrow().state, info.borrow().error.to_text());
    (vm, state, error)
}

fn console(vm: &Vm<BusyHost>) -> Vec<String> {
    vm.host().console.borrow().clone()
}

#[test]
fn a_busy_read_runs_again_with_its_operands() {
    // `/node` and `.f` are each asked while the store is busy: the path, the attribute
    // and the operands of print below them must all come back the same.
    let (vm, state, error) = run("print('left', /node.f, 'right')", 5);
    assert_eq!(state, ProcessState::Done, "{error}");
    assert_eq!(console(&vm), vec!["left 42 right"]);
    // Five busy answers, then one for the path and one for the field.
    assert_eq!(vm.host().asked.get(), 7);
}

#[test]
fn a_busy_write_runs_again_once_it_is_free() {
    let (vm, state, error) = run(
        "[obj = /node] -> [5 >> obj.g] -> [obj.g + 1 >> obj['h']] -> print(obj.h)",
        4,
    );
    assert_eq!(state, ProcessState::Done, "{error}");
    assert_eq!(console(&vm), vec!["6"]);
    let g = vm.host().fields.borrow().get("g").map(Value::to_text);
    assert_eq!(g.as_deref(), Some("5"));
}

#[test]
fn a_method_call_on_a_busy_store_keeps_its_arguments() {
    let (vm, state, error) = run("[obj = /node] -> print(obj.touch(1, 2, 3))", 3);
    assert_eq!(state, ProcessState::Done, "{error}");
    assert_eq!(console(&vm), vec!["touch(3)"]);
}

#[test]
fn the_other_processes_run_while_one_waits_on_the_store() {
    // The first child asks the store, which is busy for a while; the second prints
    // meanwhile, so its lines come first.
    let source = "{ fork |
        print('stored', /node.f)
        [i = 0] -> { while i < 3 | print('tick', i) -> [i = i + 1] }
    }";
    let (vm, state, error) = run(source, 3);
    assert_eq!(state, ProcessState::Done, "{error}");
    assert_eq!(
        console(&vm),
        vec!["tick 0", "tick 1", "tick 2", "stored 42"]
    );
}

#[test]
fn a_pfor_starts_each_child_once_when_their_records_are_busy() {
    // The host numbers children by the records it opens; while it cannot, the pfor waits.
    let (vm, state, error) = run_with("{ pfor i in 3 | print('child', i) }", BusyHost::new(0, 4));
    assert_eq!(state, ProcessState::Done, "{error}");
    let mut lines = console(&vm);
    lines.sort();
    assert_eq!(lines, vec!["child 0", "child 1", "child 2"]);
    assert_eq!(vm.host().started.get(), 3);
}

#[test]
fn a_busy_answer_is_not_a_missing_field() {
    // has_key() drops the error of the field it tries: a busy store must not read as "no".
    let (vm, state, error) = run("print(has_key(/node, 'f'))", 2);
    assert_eq!(state, ProcessState::Done, "{error}");
    assert_eq!(console(&vm), vec!["true"]);
}

#[test]
fn a_flow_call_on_a_busy_store_runs_once() {
    // The stamp, the code and the multiplicity of the flow are each asked while busy.
    let mut host = BusyHost::new(6, 0);
    host.alternate = true;
    let (vm, state, error) = run_with("[/flow] -> print('after')", host);
    assert_eq!(state, ProcessState::Done, "{error}");
    assert_eq!(console(&vm), vec!["in flow", "after"]);
    assert_eq!(vm.host().given.get(), 1, "its place is given back");
    assert_eq!(vm.host().busy.get(), 0, "every busy answer was given");
}

#[test]
fn a_place_given_back_while_the_store_is_busy_is_given_back_later() {
    // The flow returns while the store is busy: the place cannot wait in the process,
    // which goes on; the scheduler gives it back once the store answers.
    let host = BusyHost::new(0, 0);
    host.places_busy.set(2);
    let (vm, state, error) = run_with("[/flow] -> sleep(0.1) -> print('after')", host);
    assert_eq!(state, ProcessState::Done, "{error}");
    assert_eq!(console(&vm), vec!["in flow", "after"]);
    assert_eq!(vm.host().given.get(), 1);
}

#[test]
fn an_event_job_on_a_busy_stored_channel_receives_once() {
    // Busy while the event job looks at the channel, while it says it waits and while
    // a sibling sends the message; it is received once, and the waiting is undone.
    let mut host = BusyHost::new(9, 0);
    host.alternate = true;
    let source = "{ fork |
        [c = /node] -> <c> -> print('got', $RESULT)
        sleep(0.05) -> [x = /node.send('hello')] -> print('sent')
    }";
    let (vm, state, error) = run_with(source, host);
    assert_eq!(state, ProcessState::Done, "{error}");
    assert_eq!(console(&vm), vec!["sent", "got hello"]);
    assert!(vm.host().messages.borrow().is_empty());
    let busy_at = vm.host().busy_at.borrow().clone();
    for kind in ["Receive", "Waiting", "Call"] {
        assert!(
            busy_at.contains(&kind),
            "{kind} never met a busy store: {busy_at:?}"
        );
    }
    // Whatever wait it recorded, it took back.
    let waiting = vm.host().waiting.borrow().clone();
    let on = waiting.iter().filter(|w| w.1).count();
    assert_eq!(on * 2, waiting.len(), "{waiting:?}");
}
