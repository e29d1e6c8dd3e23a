#!/usr/bin/env bash
# VM benchmarks, each a ratio against a reference measured in the same run:
#   1. arithmetic while loop, 10,000,000 iterations: jfc vs python3 and lua5.4
#   2. 100,000 pfor children that each sleep(1): wall time and peak memory (python asyncio as reference)
#   3. 10,000 pfor children each running ['true'] with 64 at a time: jfc vs xargs -P 64
# Usage: bench/vm/run.sh   (builds target/release/jfc; installs lua5.4 when missing and root)
set -euo pipefail
cd "$(dirname "$0")/../.."
need() { command -v "$1" >/dev/null 2>&1; }
if ! need lua5.4 && [ "$(id -u)" = 0 ]; then
    apt-get update -qq && apt-get install -y -qq lua5.4 >/dev/null
fi
cargo build --release -j2 --bin jfc >/dev/null 2>&1
jfc=$PWD/target/release/jfc
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# best (minimum) wall seconds of N runs of a command
best() {
    local n=$1; shift
    local b=""
    for _ in $(seq "$n"); do
        local t0 t1
        t0=$(date +%s.%N)
        "$@" >/dev/null
        t1=$(date +%s.%N)
        b=$(python3 -c "t=$t1-$t0; b='$b'; print(min(t, float(b)) if b else t)")
    done
    printf '%.3f' "$b"
}
ratio() { python3 -c "print(f'{$1/$2:.2f}')"; }

cat > "$work/loop.jf" <<'J'
[s = 0, i = 0] -> { while i < 10000000 | [s = (s + i * 7) % 1000003, i = i + 1] } -> print(s)
J
cat > "$work/loop.py" <<'P'
s = 0
i = 0
while i < 10000000:
    s = (s + i * 7) % 1000003
    i = i + 1
print(s)
P
cat > "$work/loop.lua" <<'L'
local s, i = 0, 0
while i < 10000000 do
  s = (s + i * 7) % 1000003
  i = i + 1
end
print(s)
L
echo "## 1. arithmetic loop (10,000,000 iterations), best of 3"
tj=$(best 3 "$jfc" run "$work/loop.jf")
tp=$(best 3 python3 "$work/loop.py")
echo "jfc $tj s | python3 $tp s | jfc/python3 $(ratio "$tj" "$tp")"
if need lua5.4; then
    tl=$(best 3 lua5.4 "$work/loop.lua")
    echo "lua5.4 $tl s | jfc/lua5.4 $(ratio "$tj" "$tl")"
fi

echo "## 2. 100,000 pfor children each sleep(1)"
echo '{ pfor i in 100000 | sleep(1) } -> print(length($RESULT), $STATUS)' > "$work/sleep.jf"
cat > "$work/sleep.py" <<'P'
import asyncio
async def main():
    await asyncio.gather(*(asyncio.sleep(1) for _ in range(100000)))
asyncio.run(main())
P
/usr/bin/time -f "jfc %e s wall, %M KiB peak" "$jfc" run --max-processes 200000 "$work/sleep.jf" >/dev/null
/usr/bin/time -f "python3 asyncio %e s wall, %M KiB peak" python3 "$work/sleep.py"

echo "## 3. 10,000 pfor children running a command, 64 at a time (parent + 64 children)"
echo "{ pfor i in 10000 | ['true'] } -> print(length(\$RESULT), \$STATUS)" > "$work/true.jf"
echo "[__shell__ = '/bin/sh'] -> { pfor i in 10000 | ['true'] } -> print(length(\$RESULT), \$STATUS)" > "$work/true_sh.jf"
t1=$(best 1 "$jfc" run --max-processes 65 "$work/true.jf")
t2=$(best 1 sh -c 'seq 10000 | xargs -P 64 -I{} bash -c true')
echo "jfc (default shell /bin/bash) $t1 s | xargs -P 64 bash -c true $t2 s | ratio $(ratio "$t1" "$t2")"
t3=$(best 1 "$jfc" run --max-processes 65 "$work/true_sh.jf")
t4=$(best 1 sh -c 'seq 10000 | xargs -P 64 -I{} sh -c true')
t5=$(best 1 sh -c 'seq 10000 | xargs -P 64 -I{} true')
echo "jfc (__shell__ = /bin/sh) $t3 s | xargs -P 64 sh -c true $t4 s | ratio $(ratio "$t3" "$t4")"
echo "xargs -P 64 true (no shell at all) $t5 s | jfc with /bin/sh against it $(ratio "$t3" "$t5")"
