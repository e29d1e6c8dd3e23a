#!/usr/bin/env bash
# The broker hop of agent zones (issue 11), side by side in one run:
#   (a) 1,000 sequential `true` commands run by jfc itself, then through one agent
#       (`__zone__`): each command's time measured inside the flow; the median hop is the
#       difference of the medians. Target: at most 2 ms.
#   (b) 200 remote commands (`sleep 0.05` over SSH to a local sshd) from a pfor, through
#       1 agent and through 4 agents of one zone (8 jobs at once each): wall time.
#       Target: throughput grows with the agents.
# Starts its own rabbitmq-server (loopback ports, a scratch data directory) and sshd, and
# logs in as BENCH_USER (default `jfcbench`, made with a stock home when missing: root's
# shell start-up files here cost ~100 ms a command, as bench/ssh/compare.sh says).
# Needs root, rabbitmq-server, openssh-server.
# Usage: bench/agents/compare.sh [REPETITIONS=3]   (JFC=path/to/jfc skips the release build)
set -euo pipefail

REPS=${1:-3}
BENCH_USER=${BENCH_USER:-jfcbench}
if ! id "$BENCH_USER" >/dev/null 2>&1; then
    # Password `*`: no password login, but not locked (sshd refuses locked accounts).
    useradd -m -s /bin/bash -p '*' "$BENCH_USER"
fi
source "$(dirname "$0")/../release_jfc.sh"
JFC="$JFC" WORK="$WORK" REPS="$REPS" BENCH_USER="$BENCH_USER" python3 -u - <<'PY'
import json, os, signal, socket, statistics, subprocess, time

jfc, work, reps = os.environ["JFC"], os.environ["WORK"], int(os.environ["REPS"])
user = os.environ["BENCH_USER"]

def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]

def wait_port(port, seconds):
    deadline = time.time() + seconds
    while time.time() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.1)
    raise SystemExit(f"nothing listens on {port}")

# The broker, in a process group of its own with its own epmd.
amqp, epmd, dist = free_port(), free_port(), free_port()
with open(f"{work}/enabled_plugins", "w") as f:
    f.write("[].\n")
env = dict(os.environ, HOME=work, RABBITMQ_NODENAME=f"bench{amqp}@localhost",
           RABBITMQ_NODE_IP_ADDRESS="127.0.0.1", RABBITMQ_NODE_PORT=str(amqp),
           RABBITMQ_DIST_PORT=str(dist), ERL_EPMD_ADDRESS="127.0.0.1", ERL_EPMD_PORT=str(epmd),
           RABBITMQ_MNESIA_BASE=f"{work}/mnesia", RABBITMQ_LOG_BASE=f"{work}/log", RABBITMQ_LOGS="-",
           RABBITMQ_ENABLED_PLUGINS_FILE=f"{work}/enabled_plugins",
           RABBITMQ_CONFIG_FILE=f"{work}/rabbitmq",
           RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS="-kernel inet_dist_use_interface {127,0,0,1}")
broker = subprocess.Popen(
    ["bash", "-c", f"epmd -port {epmd} -address 127.0.0.1 & exec /usr/lib/rabbitmq/bin/rabbitmq-server"],
    env=env, cwd=work, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
url = f"amqp://guest:guest@127.0.0.1:{amqp}/%2f"

# An sshd on loopback, logged in to with a new key.
for name in ("host", "client"):
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", f"{work}/{name}"], check=True)
# sshd reads the keys as the user logging in: the scratch directory must let it.
os.chmod(work, 0o755)
os.chmod(f"{work}/client.pub", 0o644)
ssh_port = free_port()
with open(f"{work}/sshd_config", "w") as f:
    f.write(f"ListenAddress 127.0.0.1:{ssh_port}\nHostKey {work}/host\n"
            f"AuthorizedKeysFile {work}/client.pub\nPidFile {work}/sshd.pid\nPermitRootLogin yes\n"
            "StrictModes no\nUsePAM no\nMaxStartups 100\nMaxSessions 100\nLogLevel ERROR\n")
os.makedirs("/run/sshd", exist_ok=True)
sshd = subprocess.Popen(["/usr/sbin/sshd", "-D", "-e", "-f", f"{work}/sshd_config"])
wait_port(ssh_port, 10)
wait_port(amqp, 90)

agents = []
def start_agents(n):
    for a in agents:
        a.send_signal(signal.SIGKILL)
        a.wait()
    agents.clear()
    for i in range(n):
        agents.append(subprocess.Popen(
            [jfc, "agent", "--broker", url, "--zone", "bench", "--name", f"bench-{i}",
             "--concurrency", "8", "--known-hosts", f"{work}/known_hosts"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
    time.sleep(1)

store = f"{work}/store.sqlite"
def run(flow, zone, *extra):
    text = flow.replace("ZONE", f"__zone__ = '{zone}', " if zone else "")
    with open(f"{work}/f.jf", "w") as f:
        f.write(text)
    start = time.perf_counter()
    done = subprocess.run([jfc, "--store", store, "run", "--broker", url, "--agent-wait", "30",
                           *extra, f"{work}/f.jf"], capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"the flow failed: {done.stderr}")
    return time.perf_counter() - start, done.stdout

hop = ("[ZONE times = []]\n-> { for i in 1000 | [t0 = now()] -> ['true'] "
       "-> [times.add_item: (now() - t0).total_seconds * 1000] }\n-> print(json_dump(times))\n")
login = f"__host__ = '127.0.0.1', __port__ = {ssh_port}, __user__ = '{user}', __keyfile__ = '{work}/client'"
fan = f"[ZONE {login}]\n-> {{ pfor i in 200 | ['sleep 0.05'] }}\n"

def measure():
    start_agents(1)
    run(hop, "bench")  # warm up: the queue declared, the agent's first job
    direct, through = [], []
    for _ in range(reps):
        direct += json.loads(run(hop, None)[1])
        through += json.loads(run(hop, "bench")[1])
    md, mt = statistics.median(direct), statistics.median(through)
    print(f"(a) 1,000 x `true`: median per command: jfc itself {md:.3f} ms, through 1 agent {mt:.3f} ms;"
          f" hop {mt - md:.3f} ms; ratio {mt / md:.1f}x")
    walls = {}
    run(fan, None)
    direct = statistics.median(run(fan, None)[0] for _ in range(reps))
    print(f"(b) 200 x `sleep 0.05` over SSH, jfc itself: {direct:.3f} s")
    # At most 8 commands at once (the pfor's parent is the 9th process), as one agent.
    capped = statistics.median(run(fan, None, "--max-processes", "9")[0] for _ in range(reps))
    print(f"(b) 200 x `sleep 0.05` over SSH, jfc itself, 8 at a time: {capped:.3f} s")
    for n in (1, 4):
        start_agents(n)
        run(fan, "bench")  # warm up: host key recorded, connections opened
        walls[n] = statistics.median(run(fan, "bench")[0] for _ in range(reps))
        print(f"(b) 200 x `sleep 0.05` over SSH, {n} agent(s): {walls[n]:.3f} s")
    print(f"(b) 4 agents / 1 agent throughput = {walls[1] / walls[4]:.2f}x")

try:
    measure()
finally:
    for a in agents:
        a.kill()
    sshd.kill()
    os.killpg(broker.pid, signal.SIGKILL)
PY
