#!/usr/bin/env bash
# Commands over SSH (issue 8), side by side in one run against the same local sshd (key
# login, 127.0.0.x loopback addresses):
#   (a) `uptime` on 20 endpoints at once: a jfc pfor, 20 parallel `ssh` processes, and
#       `ansible all -m command -a uptime -f 20`;
#   (b) 100 sequential `true` on one host: jfc, 100 `ssh` over one ControlMaster
#       connection, and an Ansible playbook of 100 command tasks with pipelining.
# Prints the median of each over REPETITIONS runs, and jfc's ratios to the others.
# Target: jfc no slower than the OpenSSH clients, at least 5x faster than Ansible.
# Every side logs in as BENCH_USER (default `jfcbench`, made with a stock home when
# missing, so that no site's shell start-up files weigh on the figures; BENCH_USER=root
# measures root's). Needs root, sshd (openssh-server) and ssh; installs ansible-core
# with pip when missing.
# Usage: bench/ssh/compare.sh [REPETITIONS=3]   (JFC=path/to/jfc skips the release build)
set -euo pipefail

REPS=${1:-3}
BENCH_USER=${BENCH_USER:-jfcbench}
if ! id "$BENCH_USER" >/dev/null 2>&1; then
    # Password `*`: no password login, but not locked (sshd refuses locked accounts).
    useradd -m -s /bin/bash -p '*' "$BENCH_USER"
fi
source "$(dirname "$0")/../release_jfc.sh"
if ! command -v ansible >/dev/null 2>&1; then
    python3 -m pip install -q ansible-core >&2
fi
JFC="$JFC" WORK="$WORK" REPS="$REPS" BENCH_USER="$BENCH_USER" python3 - <<'PY'
import os, socket, statistics, subprocess, sys, time

jfc, work, reps = os.environ["JFC"], os.environ["WORK"], int(os.environ["REPS"])
user = os.environ["BENCH_USER"]

def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]

for name in ("host", "client"):
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", f"{work}/{name}"], check=True)
os.rename(f"{work}/client.pub", f"{work}/authorized_keys")
os.makedirs("/run/sshd", exist_ok=True)
targets = [(f"127.0.0.{i}", free_port()) for i in range(2, 22)]
servers = []
for n, group in enumerate([targets[:15], targets[15:]]):
    listen = "".join(f"ListenAddress {h}:{p}\n" for h, p in group)
    config = f"{work}/sshd{n}_config"
    with open(config, "w") as f:
        f.write(listen + f"HostKey {work}/host\nAuthorizedKeysFile {work}/authorized_keys\n"
                f"PidFile {work}/sshd{n}.pid\nPermitRootLogin yes\nStrictModes no\nUsePAM no\n"
                "MaxStartups 100\nMaxSessions 100\nLogLevel ERROR\n")
    servers.append(subprocess.Popen(["/usr/sbin/sshd", "-D", "-e", "-f", config]))
for h, p in targets:
    for _ in range(200):
        try:
            socket.create_connection((h, p), timeout=1).close()
            break
        except OSError:
            time.sleep(0.02)

key = f"{work}/client"
ssh = ["ssh", "-q", "-i", key, "-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null",
       "-o", "BatchMode=yes"]
store = f"{work}/store.sqlite"
env = dict(os.environ, ANSIBLE_HOST_KEY_CHECKING="False", ANSIBLE_PIPELINING="True",
           ANSIBLE_PRIVATE_KEY_FILE=key, ANSIBLE_FORKS="20", ANSIBLE_NOCOLOR="1")
with open(f"{work}/inventory", "w") as f:
    for i, (h, p) in enumerate(targets):
        f.write(f"t{i} ansible_host={h} ansible_port={p} ansible_user={user} "
                "ansible_python_interpreter=/usr/bin/python3\n")
pfor = "[__user__ = '%s', __keyfile__ = '%s', targets = [%s]] -> { pfor t in targets | " \
       "[__host__ = t[0], __port__ = t[1]] -> ['uptime'] }" % (
           user, key, ", ".join(f"['{h}', {p}]" for h, p in targets))
(h0, p0) = targets[0]
seq = ("[__host__ = '%s', __port__ = %d, __user__ = '%s', __keyfile__ = '%s'] -> [n = 0] -> "
       "{ while n < 100 | ['true'] -> [n = n + 1] }") % (h0, p0, user, key)
for name, text in (("pfor.jf", pfor), ("seq.jf", seq)):
    with open(f"{work}/{name}", "w") as f:
        f.write(text + "\n")
with open(f"{work}/play.yml", "w") as f:
    f.write("- hosts: t0\n  gather_facts: false\n  tasks:\n")
    for i in range(100):
        f.write(f"    - command: \"true\"\n")

def timed(run):
    start = time.perf_counter()
    run()
    return time.perf_counter() - start

def quiet(cmd, **kw):
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, **kw)

def parallel_ssh():
    procs = [subprocess.Popen(ssh + ["-p", str(p), f"{user}@{h}", "uptime"], stdout=subprocess.DEVNULL)
             for h, p in targets]
    assert all(pr.wait() == 0 for pr in procs)

mux = f"{work}/mux"
def controlmaster():
    for _ in range(100):
        quiet(ssh + ["-o", f"ControlPath={mux}", "-p", str(p0), f"{user}@{h0}", "true"], check=True)

runs = {
    "a: jfc pfor": lambda: quiet([jfc, "--store", store, "run", f"{work}/pfor.jf"]),
    "a: 20 x ssh": parallel_ssh,
    "a: ansible -f 20": lambda: quiet(["ansible", "all", "-i", f"{work}/inventory", "-m", "command",
                                       "-a", "uptime"], env=env),
    "b: jfc 100 jobs": lambda: quiet([jfc, "--store", store, "run", f"{work}/seq.jf"]),
    "b: ssh ControlMaster": controlmaster,
    "b: ansible playbook": lambda: quiet(["ansible-playbook", "-i", f"{work}/inventory",
                                          f"{work}/play.yml"], env=env),
}
# Warm up: host keys recorded, the master connection opened.
quiet([jfc, "--store", store, "run", f"{work}/pfor.jf"])
subprocess.run(ssh[:1] + ["-v"] + ssh[2:] + ["-o", f"ControlPath={mux}", "-o", "ControlMaster=yes", "-o", "ControlPersist=600",
             "-p", str(p0), f"{user}@{h0}", "true"], check=True)
times = {k: [] for k in runs}
for _ in range(reps):
    for name, run in runs.items():
        times[name].append(timed(run))
med = {k: statistics.median(v) for k, v in times.items()}
for name, t in med.items():
    print(f"{name:24} {t:7.3f} s   (runs: {', '.join(f'{x:.3f}' for x in times[name])})")
for part, mine, others in (("a", "a: jfc pfor", ("a: 20 x ssh", "a: ansible -f 20")),
                           ("b", "b: jfc 100 jobs", ("b: ssh ControlMaster", "b: ansible playbook"))):
    for other in others:
        print(f"({part}) {other} / jfc = {med[other] / med[mine]:.2f}")
quiet(ssh + ["-o", f"ControlPath={mux}", "-O", "exit", "-p", str(p0), f"{user}@{h0}"])
for s in servers:
    s.kill()
PY
