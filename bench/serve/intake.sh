#!/usr/bin/env bash
# Event intake of `jfc serve` (issue 16): events accepted durably per second with 8
# concurrent senders over HTTP (keep-alive connections, text bodies), against raw SQLite
# inserts with the same durability (WAL, synchronous=FULL, one transaction a message, 8
# threads: daemon/examples/raw_inserts.rs), measured in the same run. Prints both rates,
# their ratio and the latency percentiles of the HTTP side. Target: at least half the
# raw rate.
# Usage: bench/serve/intake.sh [EVENTS_PER_SENDER=250]   (JFC=path/to/jfc skips the build)
set -euo pipefail

PER=${1:-250}
source "$(dirname "$0")/../release_jfc.sh"
cargo build --release -j2 -p jfc-daemon --example raw_inserts >&2
RAW="$TARGET/release/examples/raw_inserts"
STORE="$WORK/store.sqlite"
TOKEN=$("$JFC" --store "$STORE" token create bench --scope send 2>/dev/null)
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
"$JFC" --store "$STORE" serve --listen "127.0.0.1:$PORT" 2>"$WORK/serve.log" &
SERVE=$!
trap 'kill $SERVE 2>/dev/null; rm -rf "$WORK"' EXIT
for _ in $(seq 100); do grep -q listening "$WORK/serve.log" && break; sleep 0.05; done

raw_rate=$("$RAW" "$WORK/raw.sqlite" 8 "$PER")
PORT="$PORT" TOKEN="$TOKEN" PER="$PER" RAW_RATE="$raw_rate" python3 - <<'PY'
import http.client, os, statistics, threading, time

port, token, per = int(os.environ["PORT"]), os.environ["TOKEN"], int(os.environ["PER"])
raw = float(os.environ["RAW_RATE"])
path = "/api/v1/channels/system/channels/Alert/messages"
latencies, lock = [], threading.Lock()

def sender(i):
    conn = http.client.HTTPConnection("127.0.0.1", port)
    mine = []
    for n in range(per):
        start = time.perf_counter()
        conn.request("POST", path, body=f"s{i}-{n}", headers={
            "Authorization": f"Bearer {token}", "Content-Type": "text/plain",
            "Idempotency-Key": f"s{i}-{n}"})
        answer = conn.getresponse()
        answer.read()
        assert answer.status == 202, answer.status
        mine.append(time.perf_counter() - start)
    with lock:
        latencies.extend(mine)

start = time.perf_counter()
threads = [threading.Thread(target=sender, args=(i,)) for i in range(8)]
for t in threads: t.start()
for t in threads: t.join()
secs = time.perf_counter() - start
rate = len(latencies) / secs
q = statistics.quantiles(latencies, n=100)
print(f"raw SQLite inserts (8 threads, FULL): {raw:9.1f} /s")
print(f"jfc serve intake (8 senders):         {rate:9.1f} /s   ({len(latencies)} events, {secs:.2f} s)")
print(f"intake / raw = {rate / raw:.2f}   (target >= 0.5)")
print(f"latency p50 {q[49] * 1000:.1f} ms, p99 {q[98] * 1000:.1f} ms")
PY
