//! The process record of a run kept up to date while it runs (platform.md §2.1–2.3):
//! its console grows as the flow prints and its status follows RUNNING ⇄ WAITING. A
//! thread of its own, with its own connection to the store, does the writing, so the
//! VM's thread never waits on the store for a line printed, a wait begun or a process
//! ended (that connection waits for other OS processes' writes; the VM's does not),
//! and a burst of them becomes one write.

use std::sync::Mutex;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use crossbeam_channel::{RecvTimeoutError, Sender};
use jfc_vm::value::Value;

use jfc_store::checkpoints::CheckpointAbout;
use jfc_store::codec;
use jfc_store::processes::CONSOLE_TAIL;
use jfc_store::Store;
use jfc_vm::Snapshot;

/// Console text and status reach the record at most this long after they change, so
/// `jfc ps PID` shows them while the run goes on.
const FLUSH: Duration = Duration::from_millis(200);

enum Update {
    Console(String),
    Status(&'static str),
    /// A process of the run ended.
    End(Ending),
    /// `jfc` is ending on a signal: close the record ABORTED with this exit status and
    /// error, then say so.
    Stop(i64, String, Sender<()>),
    /// Checkpoint mode: the state of the run's VM, to keep (a later one replaces it
    /// unwritten).
    Checkpoint(Box<Snapshot>, CheckpointAbout),
    /// Run this once everything sent before it is written (a command that must not
    /// start before its checkpoint is kept).
    Then(Box<dyn FnOnce() + Send>),
}

/// The writers of the records open in this OS process, by record pid: a signal that
/// ends `jfc` closes them (see [`stop_all`]).
static OPEN: Mutex<Vec<(i64, Sender<Update>)>> = Mutex::new(Vec::new());

fn open_writers() -> std::sync::MutexGuard<'static, Vec<(i64, Sender<Update>)>> {
    OPEN.lock().unwrap_or_else(|e| e.into_inner())
}

/// `jfc` (`who`: `jfc run`, `jfc serve`) is ending on `signal`: every open record gets
/// what is pending of its console and ends ABORTED with exit status 128 + `signal` (as
/// `jfc` itself), and an error naming the signal. Waits a moment for each, no longer.
pub fn stop_all(signal: i32, who: &str) {
    let name = signal_hook::low_level::signal_name(signal).unwrap_or("a signal");
    for (_, tx) in open_writers().drain(..) {
        let (ack, acked) = crossbeam_channel::bounded(1);
        let why = format!("{who} was stopped by {name}");
        if tx
            .send(Update::Stop(128 + i64::from(signal), why, ack))
            .is_ok()
        {
            let _ = acked.recv_timeout(Duration::from_secs(2));
        }
    }
}

/// How a process ended, for its record. Values hold `Rc`s and stay on the VM's thread:
/// they cross to the writer encoded.
pub struct Ending {
    pub pid: i64,
    /// DONE or ABORTED.
    pub status: &'static str,
    pub exit_status: String,
    pub result: String,
    pub error: String,
}

impl Ending {
    pub fn new(
        pid: i64,
        status: &'static str,
        exit_status: &Value,
        result: &Value,
        error: &Value,
    ) -> Ending {
        let encoded = |v: &Value| {
            codec::encode(v)
                .unwrap_or_else(|_| codec::encode(&Value::str(&v.to_text())).unwrap_or_default())
        };
        Ending {
            pid,
            status,
            exit_status: encoded(exit_status),
            result: encoded(result),
            error: encoded(error),
        }
    }

    /// Close the record in `store`.
    pub fn write(&self, store: &mut Store) -> jfc_store::Result<()> {
        let decoded = |t: &str| codec::decode(t).unwrap_or(Value::Null);
        store.process_finish(
            self.pid,
            self.status,
            &decoded(&self.exit_status),
            &decoded(&self.result),
            &decoded(&self.error),
        )
    }
}

/// The writer of one process record (and of the ends of its children).
pub struct RecordWriter {
    pid: i64,
    tx: Option<Sender<Update>>,
    thread: Option<JoinHandle<()>>,
}

impl RecordWriter {
    /// Open a record for a run of `job` and start writing it, through a connection of
    /// its own to `store`'s file; the record's pid.
    pub fn open(store: &Store, job: &str) -> Result<(i64, RecordWriter), String> {
        let path = store.path();
        if path == std::path::Path::new(":memory:") {
            return Err("a process record is kept in a store file, not in memory".into());
        }
        let mut own = Store::open(path).map_err(|e| e.0)?;
        let pid = own.process_start(job, "root").map_err(|e| e.0)?;
        RecordWriter::start(own, pid, 0)
    }

    /// Write the record `pid` of a run taken up again (`jfc resume`) through a
    /// connection of its own to `store`'s file; the run had printed `console_pos` bytes.
    pub fn reopen(store: &Store, pid: i64, console_pos: u64) -> Result<RecordWriter, String> {
        let own = Store::open(store.path()).map_err(|e| e.0)?;
        RecordWriter::start(own, pid, console_pos).map(|(_, w)| w)
    }

    fn start(own: Store, pid: i64, console_pos: u64) -> Result<(i64, RecordWriter), String> {
        let (tx, rx) = crossbeam_channel::unbounded();
        let thread = std::thread::Builder::new()
            .name("jfc-record".into())
            .spawn(move || write_updates(own, pid, console_pos, &rx))
            .map_err(|e| format!("cannot start the process record writer: {e}"))?;
        open_writers().push((pid, tx.clone()));
        let writer = RecordWriter {
            pid,
            tx: Some(tx),
            thread: Some(thread),
        };
        Ok((pid, writer))
    }

    /// Console text (with its line ends) printed by the process.
    pub fn console(&self, text: String) {
        self.send(Update::Console(text));
    }

    /// The process's status now: RUNNING or WAITING.
    pub fn status(&self, status: &'static str) {
        self.send(Update::Status(status));
    }

    /// Keep `snapshot` as the run's checkpoint, with the console printed so far.
    pub fn checkpoint(&self, snapshot: Snapshot, about: CheckpointAbout) {
        self.send(Update::Checkpoint(Box::new(snapshot), about));
    }

    /// Run `f` once every update sent before is written.
    pub fn then(&self, f: Box<dyn FnOnce() + Send>) {
        self.send(Update::Then(f));
    }

    /// Close the record of a process of the run (this one's or a child's), waiting for
    /// other OS processes' writes on the writer's thread.
    pub fn end(&self, ending: Ending) {
        self.send(Update::End(ending));
    }

    fn send(&self, u: Update) {
        if let Some(tx) = &self.tx {
            let _ = tx.send(u);
        }
    }

    /// Write what is pending and stop.
    pub fn close(mut self) {
        open_writers().retain(|(pid, _)| *pid != self.pid);
        self.tx = None;
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// What is not yet in the record.
#[derive(Default)]
struct Pending {
    console: String,
    /// Bytes of console already written.
    pos: u64,
    status: Option<&'static str>,
    /// The latest checkpoint and the console length when it was taken.
    checkpoint: Option<(Box<Snapshot>, CheckpointAbout, u64)>,
    /// Whether a checkpoint of the run was written.
    checkpointed: bool,
}

fn write_updates(
    mut store: Store,
    pid: i64,
    console_pos: u64,
    rx: &crossbeam_channel::Receiver<Update>,
) {
    let mut pending = Pending {
        pos: console_pos,
        ..Pending::default()
    };
    let mut last = Instant::now() - FLUSH;
    loop {
        let dirty = !pending.console.is_empty() || pending.status.is_some();
        let got = if dirty {
            rx.recv_deadline(last + FLUSH)
        } else {
            rx.recv().map_err(|_| RecvTimeoutError::Disconnected)
        };
        match got {
            Ok(Update::Console(t)) => pending.console.push_str(&t),
            Ok(Update::Status(s)) => pending.status = Some(s),
            Ok(Update::End(ending)) => {
                if ending.pid == pid {
                    // Its last console lines first; its status is the end's.
                    pending.status = None;
                    write(&mut store, pid, &mut pending);
                }
                if let Err(e) = ending.write(&mut store) {
                    tracing::error!("cannot record the end of process {}: {e}", ending.pid);
                }
            }
            Ok(Update::Stop(exit, why, ack)) => {
                write(&mut store, pid, &mut pending);
                let (exit, why) = (Value::Int(exit), Value::str(&why));
                // A run with a checkpoint stays open: `jfc resume` takes it up.
                let ended = if pending.checkpointed {
                    store.process_stopped(pid, &exit, &why)
                } else {
                    store.process_finish(pid, "ABORTED", &exit, &Value::Null, &why)
                };
                if let Err(e) = ended {
                    tracing::error!("cannot record the end of process {pid}: {e}");
                }
                let _ = ack.send(());
                return;
            }
            Ok(Update::Checkpoint(snap, about)) => {
                let printed = pending.pos + pending.console.len() as u64;
                pending.checkpoint = Some((snap, about, printed));
            }
            Ok(Update::Then(f)) => {
                write(&mut store, pid, &mut pending);
                f();
            }
            Err(RecvTimeoutError::Timeout) => {}
            Err(RecvTimeoutError::Disconnected) => {
                write(&mut store, pid, &mut pending);
                return;
            }
        }
        // A flow printing fast is written at once past the tail's size: memory stays
        // bounded. A checkpoint is written as soon as no newer one is on its way.
        let big = pending.console.len() as u64 > CONSOLE_TAIL;
        let checkpoint = pending.checkpoint.is_some() && rx.is_empty();
        if big || checkpoint || Instant::now() >= last + FLUSH {
            write(&mut store, pid, &mut pending);
            last = Instant::now();
        }
    }
}

fn write(store: &mut Store, pid: i64, pending: &mut Pending) {
    if !pending.console.is_empty() {
        match store.process_console(pid, pending.pos, &pending.console) {
            Ok(()) => {
                pending.pos += pending.console.len() as u64;
                pending.console.clear();
            }
            Err(e) => tracing::error!("cannot write the console of process {pid}: {e}"),
        }
    }
    if let Some(s) = pending.status.take() {
        if let Err(e) = store.process_status(pid, s) {
            tracing::error!("cannot record the status of process {pid}: {e}");
        }
    }
    if let Some((snap, about, printed)) = pending.checkpoint.take() {
        match store.checkpoint_write(pid, &snap.to_bytes(), printed, &about) {
            Ok(()) => pending.checkpointed = true,
            Err(e) => tracing::error!("cannot write the checkpoint of process {pid}: {e}"),
        }
    }
}
