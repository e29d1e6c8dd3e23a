//! `jfc test`'s run: the tests spread over `jobs` threads, each test a VM of its own on
//! its own store copy; a watchdog ends a test that runs longer than the wall-time
//! limit (a flow waiting on a channel nothing will ever send to).

use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use crossbeam_channel::Sender;
use jfc_vm::control::Control;
use jfc_vm::coverage::FlowHits;

use crate::discover::TestFile;
use crate::outcome::Outcome;
use crate::seed::Seed;
use crate::single::{run_test, Run};

pub struct Options {
    /// Tests run at once.
    pub jobs: usize,
    /// Where the virtual clock of every test starts.
    pub clock: chrono::DateTime<chrono::Utc>,
    /// Wall time a test may take before it is terminated and failed.
    pub timeout: Duration,
    /// Record which jobs and branches of the flows ran.
    pub coverage: bool,
}

/// What a run gives: each test's outcome, in the order of the tests, and what ran of
/// each flow file (when coverage is recorded).
pub struct Ran {
    pub outcomes: Vec<Outcome>,
    pub coverage: BTreeMap<PathBuf, FlowHits>,
}

/// The running tests the watchdog looks at: when each started, and how to end it.
type Running = Mutex<HashMap<usize, (Instant, Sender<Control>, Option<u64>)>>;

/// Run `tests`, calling `done` with each outcome as it comes; the outcomes in the
/// order of `tests`. A project whose store cannot be made is an error.
pub fn run_all(
    tests: &[TestFile],
    opts: &Options,
    mut done: impl FnMut(&Outcome),
) -> Result<Ran, String> {
    let mut seeds: BTreeMap<Option<PathBuf>, Seed> = BTreeMap::new();
    for t in tests {
        if !seeds.contains_key(&t.project) {
            let seed = Seed::new(t.project.as_deref())?;
            for p in &seed.problems {
                tracing::warn!("importing the project for its tests: {p}");
            }
            seeds.insert(t.project.clone(), seed);
        }
    }
    let next = AtomicUsize::new(0);
    let chunks = crate::chunks::Chunks::default();
    let running: Running = Mutex::new(HashMap::new());
    let finished = std::sync::atomic::AtomicBool::new(false);
    let (tx, rx) = crossbeam_channel::unbounded::<(usize, Outcome)>();
    let mut outcomes: Vec<Option<Outcome>> = vec![None; tests.len()];
    let mut coverage = BTreeMap::new();
    std::thread::scope(|s| {
        s.spawn(|| watchdog(&running, &finished, opts.timeout));
        for _ in 0..opts.jobs.max(1).min(tests.len().max(1)) {
            let tx = tx.clone();
            let (next, running, seeds, chunks) = (&next, &running, &seeds, &chunks);
            s.spawn(move || loop {
                let i = next.fetch_add(1, Ordering::SeqCst);
                let Some(test) = tests.get(i) else { break };
                let (ctl_tx, ctl_rx) = crossbeam_channel::unbounded();
                lock(running).insert(i, (Instant::now(), ctl_tx, None));
                let on_pid = |pid: u64| {
                    if let Some(entry) = lock(running).get_mut(&i) {
                        entry.2 = Some(pid);
                    }
                };
                let run = Run {
                    seed: &seeds[&test.project],
                    chunks,
                    n: i,
                    clock: opts.clock,
                    controls: ctl_rx,
                    on_pid: &on_pid,
                    coverage: opts.coverage,
                };
                let outcome =
                    std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| run_test(test, run)))
                        .unwrap_or_else(|_| {
                            Outcome::broken(
                                &test.name,
                                "jfc test panicked while running this test (a bug of jfc)".into(),
                            )
                        });
                let late = lock(running).remove(&i).is_none();
                let mut outcome = outcome;
                if late {
                    outcome.failures.push(format!(
                        "the test ran longer than {}s of wall time and was terminated",
                        opts.timeout.as_secs_f64()
                    ));
                }
                let _ = tx.send((i, outcome));
            });
        }
        drop(tx);
        for (i, mut outcome) in rx {
            done(&outcome);
            crate::coverage::by_file(std::mem::take(&mut outcome.coverage), &mut coverage);
            outcomes[i] = Some(outcome);
        }
        finished.store(true, Ordering::SeqCst);
    });
    Ok(Ran {
        outcomes: outcomes.into_iter().flatten().collect(),
        coverage,
    })
}

/// End the tests that run past `limit`: terminate their main process (the entry is
/// taken out, which tells the worker the test was late).
fn watchdog(running: &Running, finished: &std::sync::atomic::AtomicBool, limit: Duration) {
    while !finished.load(Ordering::SeqCst) {
        std::thread::sleep(Duration::from_millis(50));
        let mut running = lock(running);
        let late: Vec<usize> = running
            .iter()
            .filter(|(_, (since, _, pid))| pid.is_some() && since.elapsed() > limit)
            .map(|(i, _)| *i)
            .collect();
        for i in late {
            if let Some((_, ctl, Some(pid))) = running.remove(&i) {
                let _ = ctl.send(Control::Terminate(pid));
            }
        }
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}
