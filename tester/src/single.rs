//! One test: its flow compiled as a test, run on a [`TestHost`] with a store of its
//! own, and judged: it passes when the flow ends normally with status 0 and nothing
//! failed on the way (no unmocked command, no failed assertion, even a caught one).

use std::cell::RefCell;
use std::path::Path;
use std::rc::Rc;
use std::time::Instant;

use crossbeam_channel::Receiver;
use jfc_compiler::builtins::Dialect;
use jfc_runtime::exec::ExecOptions;
use jfc_runtime::LocalHost;
use jfc_store::Store;
use jfc_vm::control::Control;
use jfc_vm::value::{ProcessInfo, ProcessState, Value};
use jfc_vm::{Code, Vm, VmOptions};

use crate::clock::VirtualClock;
use crate::discover::TestFile;
use crate::host::TestHost;
use crate::outcome::Outcome;
use crate::seed::Seed;

/// What one test is run with.
pub struct Run<'a> {
    pub seed: &'a Seed,
    pub chunks: &'a crate::chunks::Chunks,
    /// Numbers the test's store.
    pub n: usize,
    pub clock: chrono::DateTime<chrono::Utc>,
    /// Terminate from outside (the runner's watchdog); the main process is told its pid.
    pub controls: Receiver<Control>,
    pub on_pid: &'a dyn Fn(u64),
    /// Record which jobs and branches ran.
    pub coverage: bool,
}

pub fn run_test(test: &TestFile, run: Run<'_>) -> Outcome {
    let started = Instant::now();
    let mut outcome = match run_flow(test, run) {
        Ok(o) => o,
        Err(why) => Outcome::broken(&test.name, why),
    };
    outcome.wall = started.elapsed();
    outcome
}

fn run_flow(test: &TestFile, run: Run<'_>) -> Result<Outcome, String> {
    let code = compile(&test.path, &test.name)?;
    let store = run.seed.copy_for(run.n)?;
    let open =
        || Store::open(&store.path).map_err(|e| format!("cannot open the test's store: {e}"));
    let db = open()?;
    // Nothing else opens the test's copy.
    db.keep_to_itself()
        .map_err(|e| format!("cannot lock the test's store: {}", e.0))?;
    let exec = ExecOptions {
        store: Some(store.path.clone()),
        ..ExecOptions::default()
    };
    let host = TestHost {
        inner: LocalHost::with_store(exec, db).quiet(),
        chunks: run.chunks,
        clock: VirtualClock::new(run.clock),
        mocks: RefCell::default(),
        effects: Default::default(),
        console: RefCell::default(),
        arranged: Default::default(),
        schedules_fired: Default::default(),
        schedules: RefCell::default(),
        starts: RefCell::default(),
        test_dir: std::path::PathBuf::from(dir_of(&test.path)),
    };
    let mut vm = Vm::new(host, VmOptions::default());
    vm.set_controls(run.controls);
    if run.coverage {
        vm.record_coverage();
    }
    let dir = dir_of(&test.path);
    let info = vm.spawn_main_with(code, &dir, Vec::new(), Vec::new())?;
    (run.on_pid)(info.borrow().pid);
    vm.run();
    let info = vm.main_info().unwrap_or(info);
    let host = vm.host();
    let mut failures = host.effects.failures.take();
    if failures.is_empty() {
        failures.extend(ending_failure(&info.borrow()));
    }
    Ok(Outcome {
        name: test.name.clone(),
        failures,
        console: host.console.take(),
        virtual_time: host.clock.elapsed(),
        coverage: vm.coverage(),
        ..Outcome::default()
    })
}

/// The test's code, or why it does not compile (every error, located).
fn compile(path: &Path, name: &str) -> Result<Rc<Code>, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("cannot read {name}: {e}"))?;
    match jfc_compiler::compile_as(&text, name, Dialect::Test) {
        Ok((chunk, _)) => Code::new(chunk),
        Err(diagnostics) => {
            let index = jfc_compiler::span::LineIndex::new(&text);
            let each: Vec<String> = diagnostics
                .iter()
                .filter(|d| d.is_error())
                .map(|d| {
                    let (line, col) = index.line_col(&text, d.span.start as usize);
                    format!("{name}:{line}:{col}: [{}] {}", d.code.as_str(), d.message)
                })
                .collect();
            Err(format!("the test does not compile:\n{}", each.join("\n")))
        }
    }
}

/// Why the main process's end fails the test, if it does.
fn ending_failure(info: &ProcessInfo) -> Option<String> {
    match (&info.state, &info.exit_status) {
        (ProcessState::Done, Value::Int(0) | Value::Null) => None,
        (ProcessState::Done, status) => {
            Some(format!("the test ended with status {}", status.to_text()))
        }
        (_, _) => Some(format!("the test aborted: {}", info.error.to_text())),
    }
}

fn dir_of(path: &Path) -> String {
    path.parent()
        .filter(|d| !d.as_os_str().is_empty())
        .map_or_else(|| ".".to_string(), |d| d.display().to_string())
}
