#!/usr/bin/env bash
# Latency of `jfc lsp` on a 5,000-line flow (issue 9): the time from a didChange (one
# character typed on a line in the middle) to the publishDiagnostics of that version,
# and of a completion request, each repeated; prints the median and p95 of both.
# Targets: diagnostics under 50 ms, completion under 20 ms.
# Usage: bench/lsp/latency.sh [ROUNDS=50]   (JFC=path/to/jfc skips the build)
set -euo pipefail

ROUNDS=${1:-50}
source "$(dirname "$0")/../release_jfc.sh"
JFC="$JFC" ROUNDS="$ROUNDS" python3 - <<'PY'
import json, os, statistics, subprocess, time

rounds = int(os.environ["ROUNDS"])
# 5,000 lines: a parameter, then jobs with variables, calls and blocks.
lines = ["|host = 'web1'|", "[count = 0] ->"]
while len(lines) < 4999:
    i = len(lines)
    lines.append(f"[v{i} = count + {i}] -> print('line', v{i}, host) ->")
    lines.append(f"{{ if v{i} > 10 | [count = count + 1] }} ->")
lines.append("print(count)")
text = "\n".join(lines) + "\n"
uri = "file:///bench/big.jf"

p = subprocess.Popen([os.environ["JFC"], "lsp"], stdin=subprocess.PIPE, stdout=subprocess.PIPE)

def send(message):
    body = json.dumps(message).encode()
    p.stdin.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
    p.stdin.flush()

def receive():
    length = None
    while True:
        line = p.stdout.readline().strip()
        if not line:
            break
        if line.startswith(b"Content-Length: "):
            length = int(line.split(b": ")[1])
    return json.loads(p.stdout.read(length))

def wait(pred):
    while True:
        m = receive()
        if pred(m):
            return m

send({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {"processId": None, "rootUri": None, "capabilities": {}}})
wait(lambda m: m.get("id") == 1)
send({"jsonrpc": "2.0", "method": "initialized", "params": {}})
send({"jsonrpc": "2.0", "method": "textDocument/didOpen", "params": {"textDocument": {"uri": uri, "languageId": "jobflow", "version": 1, "text": text}}})
wait(lambda m: m.get("method") == "textDocument/publishDiagnostics")

middle = len(lines) // 2
diag, comp = [], []
for r in range(rounds):
    version = r + 2
    # Type one character in a comment at the end of the middle line, then take it away
    # on the next round: the text stays valid, every round analyses the whole flow.
    change = {"range": {"start": {"line": middle, "character": 0}, "end": {"line": middle, "character": 0}}, "text": "#\n" if r % 2 == 0 else ""}
    if r % 2 == 1:
        change = {"range": {"start": {"line": middle, "character": 0}, "end": {"line": middle + 1, "character": 0}}, "text": ""}
    start = time.perf_counter()
    send({"jsonrpc": "2.0", "method": "textDocument/didChange", "params": {"textDocument": {"uri": uri, "version": version}, "contentChanges": [change]}})
    wait(lambda m: m.get("method") == "textDocument/publishDiagnostics" and m["params"].get("version") == version)
    diag.append((time.perf_counter() - start) * 1000)
    start = time.perf_counter()
    rid = 100 + r
    send({"jsonrpc": "2.0", "id": rid, "method": "textDocument/completion", "params": {"textDocument": {"uri": uri}, "position": {"line": middle + 2, "character": 0}}})
    answer = wait(lambda m: m.get("id") == rid)
    comp.append((time.perf_counter() - start) * 1000)
    assert answer["result"], "no completion items"

def p95(xs):
    return sorted(xs)[int(len(xs) * 0.95) - 1]

print(f"flow: {len(lines)} lines, {len(text)} bytes; {rounds} rounds")
print(f"didChange -> publishDiagnostics: median {statistics.median(diag):.1f} ms, p95 {p95(diag):.1f} ms   (target < 50 ms)")
print(f"completion:                      median {statistics.median(comp):.1f} ms, p95 {p95(comp):.1f} ms   (target < 20 ms)")
send({"jsonrpc": "2.0", "id": 9999, "method": "shutdown"})
wait(lambda m: m.get("id") == 9999)
send({"jsonrpc": "2.0", "method": "exit"})
p.wait(timeout=10)
PY
