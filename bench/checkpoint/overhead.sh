#!/usr/bin/env bash
# What checkpoint mode costs (issue 12): a flow running 1,000 local `true` commands one
# after the other, with and without `--checkpoint`, each run on a fresh store, the two
# alternating in the same loop; then the same 1,000 commands run by 50 pfor children.
# Prints each pair, then the median overhead per command job: (time with - time
# without) / 1000. Target: at most 1 ms per job at the median (the sequential flow).
# Usage: bench/checkpoint/overhead.sh [PAIRS=7]   (JFC=path/to/jfc skips the release build)
set -euo pipefail

PAIRS=${1:-7}
source "$(dirname "$0")/../release_jfc.sh"
JFC="$JFC" WORK="$WORK" PAIRS="$PAIRS" python3 - <<'PY'
import os, statistics, subprocess, time

jfc, work, pairs = os.environ["JFC"], os.environ["WORK"], int(os.environ["PAIRS"])
JOBS = 1000
FLOWS = {
    # One process, one command after the other: the target's case.
    "sequential": "[n = 0] -> { while n < %d | ['true'] -> [n = n + 1] } -> print(n)" % JOBS,
    # Fifty processes at once, twenty commands each: every checkpoint holds them all.
    "pfor 50 x 20": "{ pfor i in 50 | [n = 0] -> { while n < 20 | ['true'] -> [n = n + 1] } } -> print(%d)" % JOBS,
}

def run(flow, tag, i, extra):
    store = os.path.join(work, "%s-%d.sqlite" % (tag, i))
    start = time.perf_counter()
    out = subprocess.run([jfc, "--store", store, "run", *extra, flow],
                         capture_output=True, text=True, check=True).stdout
    took = time.perf_counter() - start
    assert out.strip() == str(JOBS), out
    return took

for name, text in FLOWS.items():
    flow = os.path.join(work, name.replace(" ", "-") + ".jf")
    with open(flow, "w") as f:
        f.write(text + "\n")
    overheads = []
    print("%s: %d commands" % (name, JOBS))
    print("pair  without (s)  with --checkpoint (s)  overhead per job (ms)")
    for i in range(pairs):
        plain = run(flow, "plain", i, [])
        kept = run(flow, "kept", i, ["--checkpoint"])
        per_job = (kept - plain) / JOBS * 1000
        overheads.append(per_job)
        print("%4d  %11.3f  %21.3f  %21.3f" % (i + 1, plain, kept, per_job))
    print("%s: median overhead per job %.3f ms (target: at most 1 ms)\n"
          % (name, statistics.median(overheads)))
PY
