#!/usr/bin/env bash
# The interpreter while another OS process holds the store's write lock (issue 12): a
# pfor child prints a tick every 100 ms while its sibling writes to the store, and a
# python3 process holds a write transaction on the store file for 3 s. Prints, per run,
# the largest gap between two ticks and how long after the lock went the write went
# through; then the median and the worst largest gap. Target: no gap above 300 ms.
# Usage: bench/store/lock.sh [REPETITIONS=5]   (JFC=path/to/jfc skips the release build)
set -euo pipefail

REPS=${1:-5}
source "$(dirname "$0")/../release_jfc.sh"
JFC="$JFC" WORK="$WORK" REPS="$REPS" python3 - <<'PY'
import os, statistics, subprocess, sys, threading, time

jfc, work, reps = os.environ["JFC"], os.environ["WORK"], int(os.environ["REPS"])
FLOW = """{ pfor i in 2 |
  { if i == 0 |
    then: [n = 0] -> { while n < 45 | print('tick', now().isoformat()) -> sleep(0.1) -> [n = n + 1] }
    else: sleep(1) -> ['written' >> /node.hostname] -> print('wrote', now().isoformat())
  }
}"""
LOCKER = """
import sqlite3, sys, time
c = sqlite3.connect(sys.argv[1], isolation_level=None, timeout=30)
c.execute('BEGIN IMMEDIATE')
c.execute('CREATE TABLE lock_probe (x)')
c.execute('INSERT INTO lock_probe VALUES (1)')
print('locked', time.time(), flush=True)
time.sleep(3)
print('released', time.time(), flush=True)
c.execute('ROLLBACK')
"""

def epoch(iso):
    from datetime import datetime
    return datetime.fromisoformat(iso.replace("Z", "+00:00")).timestamp()

def once(k):
    d = os.path.join(work, f"run{k}")
    os.makedirs(d)
    store = os.path.join(d, "store.sqlite")
    with open(os.path.join(d, "lock.jf"), "w") as f:
        f.write(FLOW)
    subprocess.run([jfc, "--store", store, "obj", "set", "/node", "--type", "NodeInfo",
                    "hostname=old"], check=True, cwd=d, stdout=subprocess.DEVNULL)
    run = subprocess.Popen([jfc, "--store", store, "run", "lock.jf"], cwd=d,
                           stdout=subprocess.PIPE, text=True)
    lines = [run.stdout.readline().strip()]
    locker = subprocess.Popen([sys.executable, "-c", LOCKER, store], stdout=subprocess.PIPE,
                              text=True)
    held = dict(l.split() for l in locker.stdout.read().splitlines())
    lines += [l.strip() for l in run.stdout]
    run.wait(); locker.wait()
    ticks = [epoch(l.split()[1]) for l in lines if l.startswith("tick ")]
    wrote = [epoch(l.split()[1]) for l in lines if l.startswith("wrote ")]
    gap = max(b - a for a, b in zip(ticks, ticks[1:]))
    after = wrote[0] - float(held["released"]) if wrote else float("nan")
    print(f"run {k + 1}: largest tick gap {gap * 1000:.0f} ms, {len(ticks)} ticks, "
          f"write went through {after * 1000:.0f} ms after the lock went")
    return gap

gaps = [once(k) for k in range(reps)]
print(f"largest tick gap: median {statistics.median(gaps) * 1000:.0f} ms, "
      f"worst {max(gaps) * 1000:.0f} ms over {reps} runs (target: at most 300 ms)")
PY
