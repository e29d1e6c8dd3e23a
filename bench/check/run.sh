#!/usr/bin/env bash
# jfc check on a 60,000-line flow vs CPython's py_compile on a Python file of the
# same shape and size. Usage: bench/check/run.sh [LINES] [REPETITIONS]
# Prints the median wall time of each (whole process, as a user runs it), the
# ratio jfc/python, and the split of jfc's time by phase.
set -euo pipefail

LINES=${1:-60000}
REPS=${2:-5}
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

cd "$ROOT"
cargo build --release -j2 --bin jfc >&2
JFC="$ROOT/target/release/jfc"
python3 bench/check/gen.py "$LINES" "$WORK"

# Median of REPS runs of a command, in milliseconds (wall time).
median_ms() {
    local times=()
    for _ in $(seq "$REPS"); do
        local t0 t1
        t0=$(date +%s%N)
        "$@" >/dev/null 2>&1 || true   # jfc exits 0 here (warnings only); never abort the bench
        t1=$(date +%s%N)
        times+=($(( (t1 - t0) / 1000 )))
    done
    printf '%s\n' "${times[@]}" | sort -n | awk '{a[NR]=$1} END {printf "%.1f", a[int((NR+1)/2)]/1000}'
}

echo "flow:   $(wc -l <"$WORK/flow.jf") lines, $(wc -c <"$WORK/flow.jf") bytes"
echo "python: $(wc -l <"$WORK/flow.py") lines, $(wc -c <"$WORK/flow.py") bytes ($(python3 --version))"
"$JFC" check "$WORK/flow.jf" 2>&1 | tail -1 || true

# Warm the page cache once, then measure alternately in the same run.
"$JFC" check --format json "$WORK/flow.jf" >/dev/null 2>&1 || true
python3 -m py_compile "$WORK/flow.py"
jfc_ms=$(median_ms "$JFC" check "$WORK/flow.jf")
py_ms=$(median_ms python3 -m py_compile "$WORK/flow.py")
jfc_json_ms=$(median_ms "$JFC" check --format json "$WORK/flow.jf")
py_in_ms=$(python3 - "$WORK/flow.py" "$REPS" <<'PY'
import statistics, sys, time
src = open(sys.argv[1]).read()
ts = []
for _ in range(int(sys.argv[2])):
    t = time.perf_counter(); compile(src, sys.argv[1], "exec"); ts.append(time.perf_counter() - t)
print(f"{statistics.median(ts) * 1e3:.1f}")
PY
)
echo
echo "median of $REPS runs (wall time, whole process):"
printf '  jfc check                     %10s ms\n' "$jfc_ms"
printf '  jfc check --format json       %10s ms\n' "$jfc_json_ms"
printf '  python3 -m py_compile         %10s ms\n' "$py_ms"
printf '  python3 compile() in-process  %10s ms\n' "$py_in_ms"
awk -v j="$jfc_ms" -v p="$py_ms" 'BEGIN {printf "ratio jfc/python: %.2f (target <= 0.25)\n", j / p}'

echo
echo "phases (bench/check/src/main.rs, release):"
cargo build --release -j2 --quiet --manifest-path bench/check/Cargo.toml --target-dir "$ROOT/target" >&2
"$ROOT/target/release/jfc-bench-check" "$WORK/flow.jf" "$REPS"
