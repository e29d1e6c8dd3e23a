#!/usr/bin/env bash
# What checkpoint mode costs (issue 12): a flow running 1,000 local `true` commands one
# after the other, with and without `--checkpoint`, each run on a fresh store, the two
# alternating in the same loop. Prints each pair, then the median overhead per command
# job: (time with - time without) / 1000. Target: at most 1 ms per job at the median.
# Usage: bench/checkpoint/overhead.sh [PAIRS=7]   (JFC=path/to/jfc skips the release build)
set -euo pipefail

PAIRS=${1:-7}
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
TARGET=${CARGO_TARGET_DIR:-$ROOT/target}
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

cd "$ROOT"
if [ -z "${JFC:-}" ]; then
    cargo build --release -j2 --bin jfc >&2
    JFC="$TARGET/release/jfc"
fi
JFC="$JFC" WORK="$WORK" PAIRS="$PAIRS" python3 - <<'PY'
import os, statistics, subprocess, time

jfc, work, pairs = os.environ["JFC"], os.environ["WORK"], int(os.environ["PAIRS"])
JOBS = 1000
flow = os.path.join(work, "many.jf")
with open(flow, "w") as f:
    f.write("[n = 0] -> { while n < %d | ['true'] -> [n = n + 1] } -> print(n)\n" % JOBS)

def run(tag, i, extra):
    store = os.path.join(work, "%s-%d.sqlite" % (tag, i))
    start = time.perf_counter()
    out = subprocess.run([jfc, "--store", store, "run", *extra, flow],
                         capture_output=True, text=True, check=True).stdout
    took = time.perf_counter() - start
    assert out.strip() == str(JOBS), out
    return took

overheads = []
print("pair  without (s)  with --checkpoint (s)  overhead per job (ms)")
for i in range(pairs):
    plain = run("plain", i, [])
    kept = run("kept", i, ["--checkpoint"])
    per_job = (kept - plain) / JOBS * 1000
    overheads.append(per_job)
    print("%4d  %11.3f  %21.3f  %21.3f" % (i + 1, plain, kept, per_job))
print("median overhead per job: %.3f ms (target: at most 1 ms)" % statistics.median(overheads))
PY
