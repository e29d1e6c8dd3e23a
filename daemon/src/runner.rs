//! The runs of the daemon: each process recorded NEW (store::starts) runs on a thread
//! of its own, with a VM of its own, as `jfc run` would run it; a run that fails, even
//! by a panic, ends only its own record. At start-up the runner takes up what a
//! previous daemon left: runs in checkpoint mode resume, others are closed ABORTED, and
//! starts recorded but not begun begin.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use crossbeam_channel::{Receiver, Sender};
use jfc_vm::control::Control;

use jfc_runtime::run::RunOptions;
use jfc_runtime::started::run_started;
use jfc_runtime::zones::Zones;
use jfc_vm::VmOptions;

/// Starts runs; cheap to clone.
#[derive(Clone)]
pub struct Runner {
    store: PathBuf,
    vm: VmOptions,
    live: Arc<AtomicUsize>,
    /// The controls of each run going on, by the pid of its main process.
    runs: Arc<Mutex<HashMap<i64, Sender<Control>>>>,
    /// The broker side of agent zones (`jfc serve --broker`).
    zones: Option<Arc<dyn Zones>>,
}

impl Runner {
    pub fn new(store: PathBuf, vm: VmOptions, zones: Option<Arc<dyn Zones>>) -> Runner {
        Runner {
            store,
            vm,
            zones,
            live: Arc::new(AtomicUsize::new(0)),
            runs: Arc::default(),
        }
    }

    /// The broker side of agent zones, when the daemon has a broker.
    pub fn zones(&self) -> Option<&Arc<dyn Zones>> {
        self.zones.as_ref()
    }

    /// How many runs are going on now.
    pub fn live(&self) -> usize {
        self.live.load(Ordering::SeqCst)
    }

    /// Send `control` to the run whose main process is `run`: false when this daemon
    /// runs no such run (it ended, or another OS process runs it).
    pub fn control(&self, run: i64, control: Control) -> bool {
        self.registry()
            .get(&run)
            .is_some_and(|tx| tx.send(control).is_ok())
    }

    fn registry(&self) -> std::sync::MutexGuard<'_, HashMap<i64, Sender<Control>>> {
        self.runs.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Run NEW record `pid` on a thread of its own.
    pub fn start(&self, pid: i64) {
        let opts = RunOptions {
            controls: Some(self.controls_of(pid)),
            ..self.run_options()
        };
        self.spawn(pid, "runs", move || match run_started(pid, opts) {
            Ok(Some(info)) => tracing::info!("process {pid} ended {:?}", info.borrow().state),
            Ok(None) => tracing::debug!("process {pid} was started elsewhere"),
            Err(e) => tracing::warn!("process {pid} did not start: {}", e.message()),
        });
    }

    /// Take up what a daemon that stopped left behind; the pids started or resumed.
    pub fn recover(&self) -> Result<Vec<i64>, String> {
        let mut store = jfc_store::Store::open(&self.store).map_err(|e| e.0)?;
        let (resumable, closed) = jfc_runtime::resume::left_behind(&mut store)?;
        for pid in &closed {
            tracing::warn!(
                "process {pid} is recorded ABORTED: {}",
                jfc_runtime::resume::NO_CHECKPOINT
            );
        }
        for &pid in &resumable {
            self.resume(pid);
        }
        let pending = store.pending_starts().map_err(|e| e.0)?;
        for &pid in &pending {
            self.start(pid);
        }
        Ok(resumable.into_iter().chain(pending).collect())
    }

    /// Resume run `pid` from its checkpoint; a job that may have run before the stop
    /// is not run again (the process gets an error naming it, platform.md §2.7).
    fn resume(&self, pid: i64) {
        let opts = jfc_runtime::resume::ResumeOptions {
            vm: self.vm.clone(),
            max_output: jfc_runtime::exec::DEFAULT_MAX_OUTPUT,
            store: self.store.clone(),
            in_doubt: jfc_vm::snapshot::InDoubt::Abort,
            retry: false,
            detached: true,
            controls: Some(self.controls_of(pid)),
            zones: self.zones.clone(),
        };
        self.spawn(pid, "resumes", move || {
            match jfc_runtime::resume::resume(pid, opts) {
                Ok(info) => tracing::info!("process {pid} ended {:?}", info.borrow().state),
                Err(e) => tracing::warn!("process {pid} could not resume: {}", e.message()),
            }
        });
    }

    /// The controls of run `pid`, its sender kept until the run ends.
    fn controls_of(&self, pid: i64) -> Receiver<Control> {
        let (tx, rx) = jfc_vm::control::channel();
        self.registry().insert(pid, tx);
        rx
    }

    fn run_options(&self) -> RunOptions {
        RunOptions {
            vm: self.vm.clone(),
            store: Some(self.store.clone()),
            detached: true,
            zones: self.zones.clone(),
            ..RunOptions::default()
        }
    }

    /// Run `f` on a thread named for `pid`, counted live meanwhile; a panic is logged
    /// and closes the record.
    fn spawn(&self, pid: i64, what: &str, f: impl FnOnce() + Send + 'static) {
        let live = self.live.clone();
        let store = self.store.clone();
        let runs = self.runs.clone();
        live.fetch_add(1, Ordering::SeqCst);
        tracing::info!("process {pid} {what}");
        let spawned = std::thread::Builder::new()
            .name(format!("jfc-process-{pid}"))
            .spawn(move || {
                if let Err(panic) = std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)) {
                    let why = panic_text(&panic);
                    tracing::error!("process {pid}: internal error: {why}");
                    close_aborted(&store, pid, &format!("internal error of jfc: {why}"));
                }
                runs.lock().unwrap_or_else(|e| e.into_inner()).remove(&pid);
                live.fetch_sub(1, Ordering::SeqCst);
            });
        if let Err(e) = spawned {
            self.registry().remove(&pid);
            self.live.fetch_sub(1, Ordering::SeqCst);
            tracing::error!("process {pid}: cannot start a thread: {e}");
            close_aborted(
                &self.store,
                pid,
                &format!("the daemon could not start it: {e}"),
            );
        }
    }
}

fn panic_text(panic: &Box<dyn std::any::Any + Send>) -> String {
    panic
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "a panic".into())
}

/// Close record `pid` ABORTED with `why`, if it is still open.
fn close_aborted(store: &std::path::Path, pid: i64, why: &str) {
    use jfc_vm::value::Value;
    let closed = jfc_store::Store::open(store).and_then(|mut s| {
        if s.process(pid)?.finished.is_some() {
            return Ok(());
        }
        s.process_finish(
            pid,
            "ABORTED",
            &Value::Int(1),
            &Value::Null,
            &Value::str(why),
        )
    });
    if let Err(e) = closed {
        tracing::error!("cannot close the record of process {pid}: {e}");
    }
}
