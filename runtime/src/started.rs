//! Runs the daemon starts: a process recorded NEW in the store (by a channel's action,
//! a schedule or the API, store::starts) taken up and run to its end in this OS
//! process, with the arguments recorded.

use std::cell::RefCell;
use std::path::Path;
use std::rc::Rc;

use jfc_vm::value::{ProcessInfo, Value};

use crate::run::{
    default_checkpoint_mode, exec_options, launch, open_store, stored_flow, RunError, RunOptions,
    Start,
};
use crate::LocalHost;

/// Run NEW record `pid` of the store of `opts` to its end; the main process's record,
/// or None when the record is not NEW (another start took it). A run that cannot start
/// (its flow is gone or does not compile, an argument it does not take) closes its
/// record ABORTED with the reason, which is also returned.
pub fn run_started(
    pid: i64,
    opts: RunOptions,
) -> Result<Option<Rc<RefCell<ProcessInfo>>>, RunError> {
    let path = opts
        .store
        .clone()
        .ok_or_else(|| RunError::Setup("a recorded start needs its store".into()))?;
    let mut store = open_store(&path)?;
    let taken = store
        .process_adopt(pid)
        .map_err(|e| RunError::Setup(format!("process {pid}: {e}")))?;
    let Some(start) = taken else {
        return Ok(None);
    };
    let begun = stored_flow(&mut store, Path::new(&start.job)).map(|flow| {
        let checkpoint = opts
            .checkpoint
            .unwrap_or_else(|| default_checkpoint_mode(Some(&store), &flow.value));
        (flow, checkpoint)
    });
    let (flow, checkpoint) = match begun {
        Ok(b) => b,
        Err(e) => return Err(abort(&mut store, pid, e)),
    };
    let host = LocalHost::with_store(exec_options(&opts), store);
    if let Err(e) = host.adopt_record(pid, &flow.job) {
        return Err(RunError::Setup(format!("process {pid}: {e}")));
    }
    let run = Start {
        pos: start.args.pos,
        kw: start.args.kw,
        user: Value::str(&start.user),
        checkpoint,
    };
    match launch(host, flow, run, opts) {
        Ok(info) => Ok(Some(info)),
        Err(e) => {
            let mut store = open_store(&path)?;
            Err(abort(&mut store, pid, e))
        }
    }
}

/// Close record `pid` ABORTED with why its run could not start.
fn abort(store: &mut jfc_store::Store, pid: i64, e: RunError) -> RunError {
    let why = Value::str(&e.message());
    if let Err(w) = store.process_finish(pid, "ABORTED", &Value::Int(1), &Value::Null, &why) {
        tracing::error!("cannot record why process {pid} did not start: {w}");
    }
    e
}
