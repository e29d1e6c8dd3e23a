//! The interpreter keeps going while another OS process holds the store's write lock
//! (issue 12): a `pfor` child ticks every 100 ms while its sibling's write waits for the
//! lock, which a second OS process (python3's sqlite3) holds for 3 s.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc::{self, Receiver};
use std::time::Duration;

/// The flow: child 0 ticks with the time, child 1 writes to the store after a second
/// (when the lock is taken) and says when its write went through.
const FLOW: &str = "{ pfor i in 2 |
  { if i == 0 |
    then: [n = 0] -> { while n < 45 | print('tick', now().isoformat()) -> sleep(0.1) -> [n = n + 1] }
    else: sleep(1) -> ['written' >> /node.hostname] -> print('wrote', now().isoformat())
  }
}";

/// Holds a write transaction on the store file for 3 s; prints the time (seconds of
/// the UTC day) it has the lock, and the time just before it lets it go.
const LOCKER: &str = "
import sqlite3, sys, time
c = sqlite3.connect(sys.argv[1], isolation_level=None, timeout=30)
c.execute('BEGIN IMMEDIATE')
c.execute('CREATE TABLE lock_probe (x)')
c.execute('INSERT INTO lock_probe VALUES (1)')
print('locked', time.time() % 86400, flush=True)
time.sleep(3)
print('released', time.time() % 86400, flush=True)
c.execute('ROLLBACK')
";

fn jfc(store: &Path, dir: &Path) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_jfc"));
    c.arg("--store")
        .arg(store)
        .current_dir(dir)
        .env_remove("JFC_STORE")
        .env_remove("JFC_LOG");
    c
}

/// The lines `child` prints, as they come.
fn lines(child: &mut Child) -> Receiver<String> {
    let out = child.stdout.take().expect("piped stdout");
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(out).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                return;
            }
        }
    });
    rx
}

fn next_line(rx: &Receiver<String>, what: &str) -> String {
    rx.recv_timeout(Duration::from_secs(30))
        .unwrap_or_else(|_| panic!("no {what} line within 30 s"))
}

/// Seconds of the UTC day of `YYYY-MM-DDTHH:MM:SS[.ffffff]Z`.
fn seconds_of_day(iso: &str) -> f64 {
    let time = iso
        .split('T')
        .nth(1)
        .and_then(|t| t.strip_suffix('Z'))
        .unwrap_or_else(|| panic!("not an isoformat() time: {iso}"));
    let parts: Vec<f64> = time
        .split(':')
        .map(|p| p.parse().expect("a number"))
        .collect();
    parts[0] * 3600.0 + parts[1] * 60.0 + parts[2]
}

/// The time at the end of a line `word time`, in seconds of the UTC day.
fn stamp(line: &str) -> f64 {
    let t = line.rsplit(' ').next().unwrap_or_default();
    t.parse().unwrap_or_else(|_| seconds_of_day(t))
}

#[test]
fn a_pfor_sibling_ticks_while_another_process_holds_the_store_lock() {
    let dir = tempfile::tempdir().expect("temp dir");
    let store: PathBuf = dir.path().join("store.sqlite");
    let made = jfc(&store, dir.path())
        .args(["obj", "set", "/node", "--type", "NodeInfo", "hostname=old"])
        .output()
        .expect("jfc runs");
    assert!(
        made.status.success(),
        "{}",
        String::from_utf8_lossy(&made.stderr)
    );
    std::fs::write(dir.path().join("lock.jf"), FLOW).expect("write flow");

    let mut run = jfc(&store, dir.path())
        .args(["run", "lock.jf"])
        .stdout(Stdio::piped())
        .spawn()
        .expect("jfc run starts");
    let out = lines(&mut run);
    // The run has opened its store and started: take the lock now.
    let first = next_line(&out, "first tick");
    let mut locker = Command::new("python3")
        .args(["-c", LOCKER])
        .arg(&store)
        .stdout(Stdio::piped())
        .spawn()
        .expect("python3 runs");
    let lock = lines(&mut locker);
    let locked = stamp(&next_line(&lock, "locked"));
    let released = stamp(&next_line(&lock, "released"));
    assert!(locker.wait().expect("python3 ends").success());
    assert!(run.wait().expect("jfc run ends").success());

    let printed: Vec<String> = std::iter::once(first).chain(out.try_iter()).collect();
    let ticks: Vec<f64> = printed
        .iter()
        .filter(|l| l.starts_with("tick "))
        .map(|l| stamp(l))
        .collect();
    assert_eq!(ticks.len(), 45, "{printed:?}");
    assert!(
        ticks[0] < locked && *ticks.last().unwrap() > released,
        "the ticks do not span the lock ({locked}..{released}): {printed:?}"
    );
    let gap = ticks
        .windows(2)
        .map(|w| (w[1] - w[0]).rem_euclid(86400.0))
        .fold(0.0, f64::max);
    assert!(gap <= 0.3, "a gap of {gap:.3} s between ticks: {printed:?}");
    let wrote = printed
        .iter()
        .find(|l| l.starts_with("wrote "))
        .unwrap_or_else(|| panic!("the writing child did not finish: {printed:?}"));
    assert!(
        stamp(wrote) >= released,
        "the write went through at {} while the lock was held until {released}",
        stamp(wrote)
    );

    std::fs::write(dir.path().join("check.jf"), "print(/node.hostname)").expect("write flow");
    let check = jfc(&store, dir.path())
        .args(["run", "check.jf"])
        .output()
        .expect("jfc runs");
    assert_eq!(String::from_utf8_lossy(&check.stdout), "written\n");
}
