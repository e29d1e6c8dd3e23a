#!/usr/bin/env bash
# Two builds of jfc side by side on the interpreter's hot loops, alternating runs so both
# see the same machine: integer arithmetic, and attribute/index reads of a Dictionary
# (instructions that may reach the store, which a stored-object operand would send there).
# Prints the best of N runs of each and the ratio B/A.
# Usage: bench/vm/ab.sh path/to/jfc-A path/to/jfc-B [RUNS=7]
set -euo pipefail
A=$1 B=$2 RUNS=${3:-7}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cat > "$work/loop.jf" <<'JF'
[i = 0] -> [s = 0] -> { while i < 3000000 | [s = s + i % 7] -> [i = i + 1] } -> print(s)
JF
cat > "$work/attr.jf" <<'JF'
[d = {a = 1, b = [1, 2, 3]}] -> [i = 0] -> [s = 0] -> { while i < 1000000 | [s = s + d.a + d['a'] + length(d.b)] -> [i = i + 1] } -> print(s)
JF
A="$A" B="$B" RUNS="$RUNS" WORK="$work" python3 - <<'PY'
import os, subprocess, time
a, b, runs, work = os.environ["A"], os.environ["B"], int(os.environ["RUNS"]), os.environ["WORK"]
for flow in ("loop.jf", "attr.jf"):
    best = {a: float("inf"), b: float("inf")}
    outs = {}
    for _ in range(runs):
        for jfc in (a, b):
            t = time.perf_counter()
            r = subprocess.run([jfc, "run", os.path.join(work, flow)], capture_output=True, text=True, check=True)
            best[jfc] = min(best[jfc], time.perf_counter() - t)
            outs[jfc] = r.stdout
    assert outs[a] == outs[b], f"{flow}: the two builds print different results"
    print(f"{flow}: A {best[a]*1000:.0f} ms, B {best[b]*1000:.0f} ms, B/A {best[b]/best[a]:.2f}")
PY
