#!/usr/bin/env bash
# Parallel commands: N pfor children each running the command `sleep 1`, against
# `xargs -P N` running the same N commands. Every command should start as soon as its
# process reaches it, so both should take about 1 s whatever N (ideal: 1 s).
# Usage: bench/vm/pfor_sleep.sh [REPETITIONS=3]   (builds the release jfc)
set -euo pipefail
cd "$(dirname "$0")/../.."
reps=${1:-3}
cargo build --release -j2 --bin jfc >/dev/null 2>&1
jfc=${CARGO_TARGET_DIR:-$PWD/target}/release/jfc
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# median wall seconds of $reps runs of a command
median() {
    local times=()
    for _ in $(seq "$reps"); do
        local t0 t1
        t0=$(date +%s.%N)
        "$@" >/dev/null
        t1=$(date +%s.%N)
        times+=("$(python3 -c "print($t1 - $t0)")")
    done
    python3 -c "import statistics, sys; print(f'{statistics.median(map(float, sys.argv[1:])):.3f}')" "${times[@]}"
}
ratio() { python3 -c "print(f'{$1/$2:.2f}')"; }

echo "| N | jfc pfor | xargs -P N | jfc / xargs | jfc / ideal (1 s) |"
echo "|---:|---:|---:|---:|---:|"
for n in 8 64 512; do
    echo "{ pfor i in $n | ['sleep 1'] } -> print(length(\$RESULT), \$STATUS)" > "$work/sleep$n.jf"
    tj=$(median "$jfc" run "$work/sleep$n.jf")
    tx=$(median sh -c "seq $n | xargs -P $n -I{} bash -c 'sleep 1'")
    echo "| $n | $tj s | $tx s | $(ratio "$tj" "$tx") | $(ratio "$tj" 1) |"
done
