//! The process record of a run kept up to date while it runs (platform.md §2.1–2.3):
//! its console grows as the flow prints and its status follows RUNNING ⇄ WAITING. A
//! thread of its own, with its own connection to the store, does the writing, so the
//! VM's thread never waits on the store for a line printed or a wait begun, and a
//! burst of them becomes one write.

use std::sync::Mutex;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use crossbeam_channel::{RecvTimeoutError, Sender};
use jfc_vm::value::Value;

use jfc_store::processes::CONSOLE_TAIL;
use jfc_store::Store;

/// Console text and status reach the record at most this long after they change, so
/// `jfc ps PID` shows them while the run goes on.
const FLUSH: Duration = Duration::from_millis(200);

enum Update {
    Console(String),
    Status(&'static str),
    /// `jfc` is ending on a signal: close the record ABORTED with this exit status and
    /// error, then say so.
    Stop(i64, String, Sender<()>),
}

/// The writers of the records open in this OS process, by record pid: a signal that
/// ends `jfc` closes them (see [`stop_all`]).
static OPEN: Mutex<Vec<(i64, Sender<Update>)>> = Mutex::new(Vec::new());

fn open_writers() -> std::sync::MutexGuard<'static, Vec<(i64, Sender<Update>)>> {
    OPEN.lock().unwrap_or_else(|e| e.into_inner())
}

/// `jfc` is ending on `signal`: every open record gets what is pending of its console
/// and ends ABORTED with exit status 128 + `signal` (as `jfc` itself), and an error
/// naming the signal. Waits a moment for each, no longer.
pub fn stop_all(signal: i32) {
    let name = signal_hook::low_level::signal_name(signal).unwrap_or("a signal");
    for (_, tx) in open_writers().drain(..) {
        let (ack, acked) = crossbeam_channel::bounded(1);
        let why = format!("jfc run was stopped by {name}");
        if tx
            .send(Update::Stop(128 + i64::from(signal), why, ack))
            .is_ok()
        {
            let _ = acked.recv_timeout(Duration::from_secs(2));
        }
    }
}

/// The writer of one process record.
pub struct RecordWriter {
    pid: i64,
    tx: Option<Sender<Update>>,
    thread: Option<JoinHandle<()>>,
}

impl RecordWriter {
    /// Start writing record `pid` through a connection of its own to `store`'s file.
    pub fn start(store: &Store, pid: i64) -> Result<RecordWriter, String> {
        let path = store.path();
        if path == std::path::Path::new(":memory:") {
            return Err("a process record is kept in a store file, not in memory".into());
        }
        let own = Store::open(path).map_err(|e| e.0)?;
        let (tx, rx) = crossbeam_channel::unbounded();
        let thread = std::thread::Builder::new()
            .name("jfc-record".into())
            .spawn(move || write_updates(own, pid, &rx))
            .map_err(|e| format!("cannot start the process record writer: {e}"))?;
        open_writers().push((pid, tx.clone()));
        Ok(RecordWriter {
            pid,
            tx: Some(tx),
            thread: Some(thread),
        })
    }

    /// Console text (with its line ends) printed by the process.
    pub fn console(&self, text: String) {
        self.send(Update::Console(text));
    }

    /// The process's status now: RUNNING or WAITING.
    pub fn status(&self, status: &'static str) {
        self.send(Update::Status(status));
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
}

fn write_updates(mut store: Store, pid: i64, rx: &crossbeam_channel::Receiver<Update>) {
    let mut pending = Pending::default();
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
            Ok(Update::Stop(exit, why, ack)) => {
                write(&mut store, pid, &mut pending);
                let ended = store.process_finish(
                    pid,
                    "ABORTED",
                    &Value::Int(exit),
                    &Value::Null,
                    &Value::str(&why),
                );
                if let Err(e) = ended {
                    eprintln!("jfc: cannot record the end of process {pid}: {e}");
                }
                let _ = ack.send(());
                return;
            }
            Err(RecvTimeoutError::Timeout) => {}
            Err(RecvTimeoutError::Disconnected) => {
                write(&mut store, pid, &mut pending);
                return;
            }
        }
        // A flow printing fast is written at once past the tail's size: memory stays bounded.
        let big = pending.console.len() as u64 > CONSOLE_TAIL;
        if big || Instant::now() >= last + FLUSH {
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
            Err(e) => eprintln!("jfc: cannot write the console of process {pid}: {e}"),
        }
    }
    if let Some(s) = pending.status.take() {
        if let Err(e) = store.process_status(pid, s) {
            eprintln!("jfc: cannot record the status of process {pid}: {e}");
        }
    }
}
