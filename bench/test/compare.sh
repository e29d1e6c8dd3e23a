#!/usr/bin/env bash
# `jfc test` on 1,000 small tests in one invocation, against pytest running 1,000
# equivalent tests in the same run (issue 13). Each jfc test mocks a command, calls a
# flow that reads its output and branches on it, and checks the result; each pytest
# test fakes the command runner, calls a Python function doing the same, and asserts.
# Prints the median wall time of each, tests per second and the ratio.
# Usage: bench/test/compare.sh [TESTS=1000] [REPETITIONS=3]  (JFC=path/to/jfc skips the build)
set -euo pipefail

TESTS=${1:-1000}
REPS=${2:-3}
source "$(dirname "$0")/../release_jfc.sh"
# The Python that has pytest: the one on the PATH, else Debian's (python3-pytest, installed
# when missing).
PY=python3
if ! "$PY" -c 'import pytest' 2>/dev/null; then
    PY=/usr/bin/python3
    if ! "$PY" -c 'import pytest' 2>/dev/null; then
        echo "installing pytest (Debian python3-pytest)" >&2
        apt-get install -y -qq python3-pytest >&2
    fi
fi

mkdir -p "$WORK/jf/flows" "$WORK/jf/tests" "$WORK/py"
touch "$WORK/jf/jfc.toml"
cat > "$WORK/jf/flows/uptime.jf" <<'JF'
|days_max = 30|
['uptime'] -> [days = int($RESULT.split()[2])]
-> { if days > days_max | then: return(result='reboot due') else: return(result='ok') }
JF
cat > "$WORK/py/uptime.py" <<'PY'
def check(run, days_max=30):
    days = int(run("uptime").split()[2])
    return "reboot due" if days > days_max else "ok"
PY
for i in $(seq 1 "$TESTS"); do
    want=$([ "$i" -gt 30 ] && echo "reboot due" || echo ok)
    cat > "$WORK/jf/tests/t$i.jf" <<JF
mock_command('uptime', stdout=' 10:00 up $i days, load 0.1')
-> [../flows/uptime]
-> assert_equal(\$RESULT, '$want')
JF
    cat > "$WORK/py/test_t$i.py" <<PY
from uptime import check

def test_t$i():
    assert check(lambda command: " 10:00 up $i days, load 0.1") == "$want"
PY
done

median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
time_of() { # command... → seconds
    local start end
    start=$(date +%s.%N)
    "$@" >/dev/null 2>&1 || { echo "failed: $*" >&2; exit 1; }
    end=$(date +%s.%N)
    echo "$end - $start" | bc -l
}
jfc1=() jfc2=() py=()
for _ in $(seq 1 "$REPS"); do
    jfc1+=("$(cd "$WORK/jf" && time_of "$JFC" test --jobs 1)")
    jfc2+=("$(cd "$WORK/jf" && time_of "$JFC" test --jobs 2)")
    py+=("$(cd "$WORK/py" && time_of "$PY" -m pytest -q -p no:cacheprovider)")
done
j1=$(printf '%s\n' "${jfc1[@]}" | median)
j2=$(printf '%s\n' "${jfc2[@]}" | median)
p=$(printf '%s\n' "${py[@]}" | median)
printf '%-26s %8s %12s\n' "" "wall s" "tests/s"
printf '%-26s %8.2f %12.0f\n' "jfc test --jobs 1" "$j1" "$(echo "$TESTS / $j1" | bc -l)"
printf '%-26s %8.2f %12.0f\n' "jfc test --jobs 2" "$j2" "$(echo "$TESTS / $j2" | bc -l)"
printf '%-26s %8.2f %12.0f\n' "pytest -q ($("$PY" -m pytest --version 2>&1 | tr -d '\n'))" "$p" "$(echo "$TESTS / $p" | bc -l)"
printf 'ratio jfc/pytest: %.2f (--jobs 1), %.2f (--jobs 2)\n' "$(echo "$j1 / $p" | bc -l)" "$(echo "$j2 / $p" | bc -l)"
