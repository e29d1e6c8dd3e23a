//! `jfc agent` against a real RabbitMQ that this binary starts on loopback ports: jobs of
//! a zone go through the broker to the zone's agents, which run them here or on the
//! shared real sshd, and every failure (no agent, a killed agent, a restarted broker)
//! ends the job as a remote-login failure, never a hang and never a second run.

#[path = "../common/mod.rs"]
mod common;
mod daemon;
mod rabbit;
#[path = "../ssh/rebooting.rs"]
mod rebooting;
mod segment;
#[allow(dead_code)] // the SSH tests' server; this binary uses a part of it
#[path = "../ssh/sshd.rs"]
mod sshd;
mod tls;
mod transfer;

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::{env, err, out, Env};
use rabbit::{rabbit, Rabbit};

/// A running `jfc agent`, stopped (SIGKILL) when dropped; what it logs is kept.
struct Agent {
    pid: u32,
    log: Arc<Mutex<String>>,
}

impl Agent {
    fn start(url: &str, zone: &str, name: &str) -> Agent {
        Agent::start_with(url, zone, name, &[])
    }

    /// Start an agent and wait until it takes jobs.
    fn start_with(url: &str, zone: &str, name: &str, extra: &[&str]) -> Agent {
        let mut args = agent_args(url, zone, name);
        // An interval of the test's own replaces the quick one.
        let quick = args.iter().position(|a| a == "--heartbeat");
        if let Some(at) = quick.filter(|_| extra.contains(&"--heartbeat")) {
            args.drain(at..at + 2);
        }
        let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_jfc"));
        cmd.args(args).args(extra);
        Agent::spawn(cmd, name)
    }

    /// Start `cmd`, a `jfc agent`, and wait until it takes jobs.
    fn spawn(mut cmd: std::process::Command, name: &str) -> Agent {
        cmd.env_remove("JFC_BROKER");
        let kept = common::spawn_kept(cmd);
        let log = Arc::new(Mutex::new(String::new()));
        let (ready_tx, ready) = std::sync::mpsc::channel();
        let kept_log = log.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(kept.stderr).lines().map_while(Result::ok) {
                if line.contains("takes the jobs of zone") {
                    let _ = ready_tx.send(());
                }
                let mut l = kept_log.lock().expect("log");
                l.push_str(&line);
                l.push('\n');
            }
        });
        let agent = Agent { pid: kept.pid, log };
        if ready.recv_timeout(Duration::from_secs(20)).is_err() {
            panic!("agent {name} did not start: {}", agent.log());
        }
        agent
    }

    fn log(&self) -> String {
        self.log.lock().expect("log").clone()
    }

    fn kill(&self) {
        let pid = rustix::process::Pid::from_raw(self.pid as i32).expect("pid");
        let _ = rustix::process::kill_process(pid, rustix::process::Signal::KILL);
    }
}

impl Drop for Agent {
    fn drop(&mut self) {
        self.kill();
    }
}

/// The arguments of `jfc agent` for `zone` as `name`, quick to beat and to reconnect.
fn agent_args(url: &str, zone: &str, name: &str) -> Vec<String> {
    let args = [
        "--log-level",
        "info",
        "agent",
        "--broker",
        url,
        "--zone",
        zone,
        "--name",
        name,
    ];
    let quick = ["--heartbeat", "0.5", "--retry-interval", "0.5"];
    // Host keys of this run's servers only: a key that an earlier run's server left on
    // the same port in the user's file would read as changed.
    let known = std::env::temp_dir().join(format!(
        "jfc-agents-{}-{name}-known_hosts",
        std::process::id()
    ));
    let known = ["--known-hosts".to_string(), known.display().to_string()];
    args.iter()
        .chain(&quick)
        .map(|a| a.to_string())
        .chain(known)
        .collect()
}

/// Run `flow` with the broker `url`, jobs waiting `wait` seconds for an agent.
fn run(e: &Env, url: &str, wait: &str, flow: &str) -> std::process::Output {
    e.flow("f.jf", flow);
    e.cmd(&["run", "--broker", url, "--agent-wait", wait, "f.jf"])
        .env_remove("JFC_BROKER")
        .output()
        .expect("jfc runs")
}

/// Start `flow` with the broker `url` in the background, and wait until its command has
/// made `mark` (a file with something in it).
fn start_flow(e: &Env, url: &str, wait: &str, flow: &str, mark: &Path) -> std::process::Child {
    e.flow("f.jf", flow);
    let child = e
        .cmd(&["run", "--broker", url, "--agent-wait", wait, "f.jf"])
        .env_remove("JFC_BROKER")
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("jfc runs");
    let deadline = Instant::now() + Duration::from_secs(20);
    while std::fs::metadata(mark).map_or(true, |m| m.len() == 0) {
        assert!(Instant::now() < deadline, "the command did not start");
        std::thread::sleep(Duration::from_millis(20));
    }
    child
}

fn ok(o: &std::process::Output) -> String {
    assert!(o.status.success(), "{}\n{}", out(o), err(o));
    out(o)
}

#[test]
fn a_command_of_a_zone_runs_on_the_real_sshd_through_the_agent() {
    let r = rabbit();
    let a = Agent::start(&r.url(), "ssh", "ssh-1");
    let e = env();
    let s = sshd::sshd();
    let said = ok(&run(
        &e,
        &r.url(),
        "20",
        &format!(
            "[__zone__ = 'ssh', __host__ = '127.0.0.1', __port__ = {}, __user__ = 'root', __keyfile__ = '{}']\n\
             -> ['echo over ssh; echo \"$SSH_CONNECTION\" | cut -d\" \" -f3; exit 4'] => print($STATUS, $RESULT)",
            s.port,
            s.key()
        ),
    ));
    assert_eq!(said, "4 over ssh\n127.0.0.1\n");
    assert!(a.log().contains("runs `echo over ssh"), "{}", a.log());
}

#[test]
fn a_node_with_a_zone_sends_its_commands_to_the_zone_through_its_jump_host() {
    let r = rabbit();
    let a = Agent::start(&r.url(), "nodes", "nodes-1");
    let e = env();
    let s = sshd::sshd();
    let port = format!("port={}", s.port);
    let jump_port = format!("port={}", sshd::jump_host());
    for args in [
        vec![
            "/ops",
            "--type",
            "AccountInfo",
            "user=root",
            &s.keyfile_field(),
        ],
        vec![
            "/n1",
            "--type",
            "NodeInfo",
            "hostname=127.0.0.1",
            &port,
            "account=/ops",
            "zone='nodes'",
        ],
        // A NodeInfo jump host: the sender reads it, the agent goes through it.
        vec![
            "/jump",
            "--type",
            "NodeInfo",
            "hostname=127.0.0.1",
            &jump_port,
            "account=/ops",
        ],
        vec!["/n2", "--type", "NodeInfo", "hostname=127.0.0.1", &port],
        vec!["/n2", "account=/ops", "zone='nodes'", "proxy=/jump"],
    ] {
        let set = e.jfc(&[&["obj", "set"], &args[..]].concat());
        assert!(set.status.success(), "{}", err(&set));
    }
    let before = sshd::tunnels_to(s.port);
    let said = ok(&run(
        &e,
        &r.url(),
        "20",
        "[__node__ = /n1] -> ['echo node $USER'] => print($RESULT)\n\
         -> [__node__ = /n2] -> ['echo jumped'] => print($RESULT)",
    ));
    assert_eq!(said, "node root\njumped\n");
    assert!(a.log().contains("runs `echo node $USER`"), "{}", a.log());
    assert!(a.log().contains("runs `echo jumped`"), "{}", a.log());
    assert_eq!(sshd::tunnels_to(s.port) - before, 1, "through /jump to /n2");
}

#[test]
fn two_agents_of_one_zone_share_forty_jobs() {
    let r = rabbit();
    let a = Agent::start_with(&r.url(), "pool", "pool-1", &["--concurrency", "4"]);
    let b = Agent::start_with(&r.url(), "pool", "pool-2", &["--concurrency", "4"]);
    let e = env();
    let ran = e.dir.join("ran");
    ok(&run(
        &e,
        &r.url(),
        "30",
        &format!(
            "[__zone__ = 'pool'] -> {{ pfor i in 40 | ['sleep 0.1; echo $PPID >> {}'] }}",
            ran.display()
        ),
    ));
    let ran = std::fs::read_to_string(&ran).expect("the jobs ran");
    let by = |pid: u32| ran.lines().filter(|l| *l == pid.to_string()).count();
    assert_eq!(ran.lines().count(), 40, "{ran}");
    assert_eq!(by(a.pid) + by(b.pid), 40, "{ran}");
    assert!(
        by(a.pid) > 0 && by(b.pid) > 0,
        "both agents took jobs: {ran}"
    );
}

#[test]
fn commands_of_two_zones_in_one_flow_go_to_their_own_agents() {
    let r = rabbit();
    let east = Agent::start(&r.url(), "east", "east-1");
    let west = Agent::start(&r.url(), "west", "west-1");
    let e = env();
    let said = ok(&run(
        &e,
        &r.url(),
        "20",
        "[__zone__ = 'east'] -> ['echo $PPID'] -> [a = $RESULT.strip()]\n\
         -> [__zone__ = 'west'] -> ['echo $PPID'] -> [b = $RESULT.strip()]\n\
         -> [__zone__ = null] -> ['echo here'] -> print(a, b, $RESULT)",
    ));
    assert_eq!(said, format!("{} {} here\n", east.pid, west.pid));
}

#[test]
fn a_zone_without_an_agent_fails_the_job_after_the_wait() {
    let r = rabbit();
    let e = env();
    let started = Instant::now();
    let said = ok(&run(
        &e,
        &r.url(),
        "1",
        "[__zone__ = 'empty'] -> ['echo never'] ->> print($STATUS, $ERROR) -> print('went on')",
    ));
    assert!(
        said.starts_with("-1 no agent of zone `empty` took the job within 1s"),
        "{said}"
    );
    assert!(said.ends_with("went on\n"), "{said}");
    assert!(started.elapsed() < Duration::from_secs(20));
    // `->` aborts on it, as on any failed login.
    let o = run(
        &e,
        &r.url(),
        "1",
        "[__zone__ = 'empty'] -> ['echo never'] -> print('not here')",
    );
    assert!(!o.status.success());
    assert!(!out(&o).contains("not here"));
}

#[test]
fn an_agent_killed_mid_command_fails_the_job_and_nothing_runs_twice() {
    let r = rabbit();
    let first = Agent::start(&r.url(), "fragile", "fragile-1");
    let e = env();
    let marks = e.dir.join("marks");
    let flow = start_flow(
        &e,
        &r.url(),
        "20",
        &format!(
            "[__zone__ = 'fragile'] -> ['echo $PPID >> {m}; sleep 4'] ->> print($STATUS, $ERROR)",
            m = marks.display()
        ),
        &marks,
    );
    // A second agent joins, then the first dies with the job unacknowledged: the broker
    // gives the job to the second, which must not run it again.
    let second = Agent::start(&r.url(), "fragile", "fragile-2");
    first.kill();
    let o = flow.wait_with_output().expect("the flow ends");
    let said = out(&o);
    assert!(said.starts_with("-1 zone `fragile`"), "{said}");
    assert!(
        said.contains("may have run")
            && (said.contains("not run again") || said.contains("went silent")),
        "{said}"
    );
    std::thread::sleep(Duration::from_secs(1));
    let runs = std::fs::read_to_string(&marks).unwrap_or_default();
    assert_eq!(runs.lines().count(), 1, "the command ran once only: {runs}");
    assert_eq!(runs.trim(), first.pid.to_string());
    drop(second);
}

#[test]
fn an_agent_alone_killed_mid_command_is_found_silent() {
    let r = rabbit();
    let a = Agent::start(&r.url(), "alone", "alone-1");
    let e = env();
    let marks = e.dir.join("marks");
    let flow = start_flow(
        &e,
        &r.url(),
        "20",
        &format!(
            "[__zone__ = 'alone'] -> ['echo x >> {}; sleep 30'] ->> print($STATUS, $ERROR)",
            marks.display()
        ),
        &marks,
    );
    let killed = Instant::now();
    a.kill();
    let o = flow.wait_with_output().expect("the flow ends");
    let said = out(&o);
    assert!(
        said.contains("agent alone-1 of zone `alone` went silent"),
        "{said}"
    );
    // Three missed heartbeats of 0.5s, not the command's 30s.
    assert!(
        killed.elapsed() < Duration::from_secs(10),
        "{:?}",
        killed.elapsed()
    );
}

/// An agent killed before the sender heard any of its heartbeats (it beats every 3 s,
/// and the job starts and the agent dies between two beats) is still found silent: by
/// the interval it said in its `Started` reply.
#[test]
fn an_agent_killed_before_its_first_heartbeat_reached_the_sender_is_found_silent() {
    let r = rabbit();
    let a = Agent::start_with(&r.url(), "unheard", "unheard-1", &["--heartbeat", "3"]);
    let e = env();
    let marks = e.dir.join("marks");
    let mut flow = start_flow(
        &e,
        &r.url(),
        "20",
        &format!(
            "[__zone__ = 'unheard'] -> ['echo x >> {}; sleep 60'] ->> print($STATUS, $ERROR)",
            marks.display()
        ),
        &marks,
    );
    a.kill();
    let deadline = Instant::now() + Duration::from_secs(40);
    while flow.try_wait().expect("wait").is_none() {
        if Instant::now() > deadline {
            let _ = flow.kill();
            panic!("the sender still waits for a dead agent");
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    let said = out(&flow.wait_with_output().expect("the flow's output"));
    assert!(
        said.contains("agent unheard-1 of zone `unheard` went silent"),
        "{said}"
    );
}

#[test]
fn a_broker_restart_fails_the_job_under_way_and_later_jobs_run() {
    let r = Rabbit::start();
    let _a = Agent::start(&r.url(), "bounce", "bounce-1");
    let e = env();
    let started = e.dir.join("started");
    let flow = start_flow(
        &e,
        &r.url(),
        "60",
        &format!(
            "[__zone__ = 'bounce'] -> ['echo x > {}; sleep 5'] ->> print('first', $STATUS, $ERROR)\n\
             -> ['echo after'] ->> print('second', $STATUS, $RESULT)",
            started.display()
        ),
        &started,
    );
    r.stop();
    r.boot();
    let o = flow.wait_with_output().expect("the flow ends");
    let said = out(&o);
    assert!(
        said.starts_with("first -1 zone `bounce`: lost the broker"),
        "{said}"
    );
    assert!(said.ends_with("second 0 after\n"), "{said}");
}

#[test]
fn a_stopped_agent_finishes_the_job_under_way() {
    let r = rabbit();
    let a = Agent::start(&r.url(), "calm", "calm-1");
    let e = env();
    let started = e.dir.join("started");
    let flow = start_flow(
        &e,
        &r.url(),
        "20",
        &format!(
            "[__zone__ = 'calm'] -> ['echo x > {}; sleep 1; echo done'] => print($STATUS, $RESULT)",
            started.display()
        ),
        &started,
    );
    let pid = rustix::process::Pid::from_raw(a.pid as i32).expect("pid");
    rustix::process::kill_process(pid, rustix::process::Signal::TERM).expect("SIGTERM");
    let o = flow.wait_with_output().expect("the flow ends");
    assert_eq!(out(&o), "0 done\n");
    let deadline = Instant::now() + Duration::from_secs(10);
    while !a.log().contains("agent calm-1 stops") {
        assert!(
            Instant::now() < deadline,
            "the agent did not stop: {}",
            a.log()
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    assert!(
        a.log().contains("waiting for 1 job(s) to end"),
        "{}",
        a.log()
    );
}

#[test]
fn jfc_agents_lists_the_zones_agents() {
    let r = rabbit();
    let a = Agent::start(&r.url(), "listed", "listed-1");
    let e = env();
    let o = e
        .cmd(&["agents", "--broker", &r.url(), "--wait", "1.5", "--json"])
        .output()
        .expect("jfc agents");
    let all: serde_json::Value = serde_json::from_str(&ok(&o)).expect("JSON");
    let me = all
        .as_array()
        .expect("array")
        .iter()
        .find(|x| x["agent"] == "listed-1")
        .unwrap_or_else(|| panic!("listed-1 is not in {all}"));
    assert_eq!(me["zone"], "listed");
    assert_eq!(me["pid"], a.pid);
    assert_eq!(me["alive"], true);
    assert_eq!(me["version"], env!("CARGO_PKG_VERSION"));
}

#[test]
fn a_zone_without_a_broker_says_what_is_missing() {
    let e = env();
    e.flow(
        "f.jf",
        "[__zone__ = 'dmz'] -> ['echo never'] ->> print($STATUS, $ERROR)",
    );
    let o = e
        .cmd(&["run", "f.jf"])
        .env_remove("JFC_BROKER")
        .output()
        .expect("jfc runs");
    assert_eq!(
        ok(&o),
        "-1 the job runs from agent zone `dmz`, and this jfc has no broker: give --broker URL (or JFC_BROKER) to jfc run or jfc serve\n"
    );
}

#[test]
fn an_unreachable_broker_is_said_before_anything_runs() {
    let e = env();
    let port = sshd::free_port();
    e.flow("f.jf", "['touch ran']");
    let o = e
        .cmd(&[
            "run",
            "--broker",
            &format!("amqp://u:secret@127.0.0.1:{port}"),
            "f.jf",
        ])
        .output()
        .expect("jfc runs");
    assert_eq!(o.status.code(), Some(1));
    let said = err(&o);
    assert!(
        said.contains(&format!(
            "cannot reach the broker at amqp://u:***@127.0.0.1:{port}"
        )),
        "{said}"
    );
    assert!(!said.contains("secret"));
    assert!(!e.dir.join("ran").exists());
}
