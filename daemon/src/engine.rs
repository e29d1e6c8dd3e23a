//! The daemon's engine thread: it takes up what a previous daemon left, then looks
//! for work in a loop — channel messages for actions, schedules due — and hands the
//! processes it records to the runner. The HTTP side wakes it when a message arrives;
//! otherwise it looks a few times a second (flows and other OS processes send too).

use std::path::PathBuf;
use std::thread::JoinHandle;
use std::time::Duration;

use crossbeam_channel::{Receiver, RecvTimeoutError, Sender};

use crate::actions::Actions;
use crate::clock::Clock;
use crate::runner::Runner;
use crate::scheduler::{Scheduler, Zone};

/// How often the engine looks without being woken.
const LOOK: Duration = Duration::from_millis(100);

enum Wake {
    /// Something was sent, or the clock moved.
    Look,
    Stop,
}

/// The handle of the engine thread; cheap to clone.
#[derive(Clone)]
pub(crate) struct Engine {
    tx: Sender<Wake>,
}

impl Engine {
    /// Start the engine thread on `store`.
    pub(crate) fn start(
        store: PathBuf,
        runner: Runner,
        clock: Clock,
        zone: Zone,
    ) -> Result<(Engine, JoinHandle<()>), String> {
        let mut conn = jfc_store::Store::open(&store).map_err(|e| e.0)?;
        // Before the API answers: a clock moved by a request is then always a move
        // after the scheduler's first look.
        let scheduler = Scheduler::new(clock, zone, store, &mut conn)?;
        let (tx, rx) = crossbeam_channel::unbounded();
        let thread = std::thread::Builder::new()
            .name("jfc-engine".into())
            .spawn(move || {
                match runner.recover() {
                    Ok(pids) if !pids.is_empty() => {
                        tracing::info!("taken up from the last run of the daemon: {pids:?}")
                    }
                    Ok(_) => {}
                    Err(e) => tracing::error!("cannot take up what the daemon left: {e}"),
                }
                run(&mut conn, &runner, scheduler, &rx);
            })
            .map_err(|e| format!("cannot start the engine thread: {e}"))?;
        Ok((Engine { tx }, thread))
    }

    /// Look for work now.
    pub(crate) fn wake(&self) {
        let _ = self.tx.send(Wake::Look);
    }

    /// Stop looking for work (runs under way go on).
    pub(crate) fn stop(&self) {
        let _ = self.tx.send(Wake::Stop);
    }
}

fn run(
    store: &mut jfc_store::Store,
    runner: &Runner,
    mut scheduler: Scheduler,
    rx: &Receiver<Wake>,
) {
    let mut actions = Actions::default();
    loop {
        let woken = match rx.recv_timeout(LOOK) {
            Ok(Wake::Stop) | Err(RecvTimeoutError::Disconnected) => return,
            Ok(Wake::Look) => true,
            Err(RecvTimeoutError::Timeout) => false,
        };
        actions.act(store, runner, woken);
        scheduler.tick(store, runner);
    }
}
