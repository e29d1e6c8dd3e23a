//! `jfc serve --broker`: the daemon sends its runs' commands to their zones, lists the
//! agents it hears, and stops an agent's command when its process is terminated.

use std::path::Path;
use std::time::{Duration, Instant};

use crate::common::{self, env, err, Env};
use crate::rabbit::rabbit;
use crate::Agent;

/// A daemon with a broker, and an admin's way to call its API.
struct Daemon {
    serve: std::process::Child,
    base: String,
    token: String,
    http: ureq::Agent,
}

impl Daemon {
    /// Import `flows` (name, text) into `e`'s store as /flows/NAME, and start the daemon.
    fn start(e: &Env, url: &str, flows: &[(&str, &str)]) -> Daemon {
        std::fs::create_dir_all(e.dir.join("project/flows")).expect("dir");
        for (name, text) in flows {
            std::fs::write(e.dir.join(format!("project/flows/{name}.jf")), text).expect("flow");
        }
        let imported = e.jfc(&["import", "project"]);
        assert!(imported.status.success(), "{}", err(&imported));
        let token = common::daemon::token(&e.store, "ops", "admin");
        let (serve, base) =
            common::daemon::start(&e.store, &["--broker", url, "--agent-wait", "20"]);
        Daemon {
            serve,
            base,
            token,
            http: common::daemon::agent(),
        }
    }

    fn call(
        &self,
        method: &str,
        path: &str,
        body: Option<serde_json::Value>,
    ) -> (u16, serde_json::Value) {
        let req = ureq::http::Request::builder()
            .method(method)
            .uri(format!("{}{path}", self.base))
            .header("Authorization", format!("Bearer {}", self.token))
            .header("Content-Type", "application/json")
            .body(body.map(|b| b.to_string()).unwrap_or_default())
            .expect("request");
        common::daemon::json_answer(self.http.run(req).expect("the daemon answers"))
    }

    /// Start flow `job`: its pid.
    fn start_flow(&self, job: &str) -> i64 {
        let body = serde_json::json!({ "job": job });
        let (status, started) = self.call("POST", "/api/v1/processes", Some(body));
        assert_eq!(status, 201, "{started}");
        started["pid"].as_i64().expect("pid")
    }

    /// Wait for process `pid` to end: its record.
    fn wait(&self, pid: i64) -> serde_json::Value {
        let wait = serde_json::json!({ "timeout": 20 });
        let path = format!("/api/v1/processes/{pid}/wait");
        let (status, record) = self.call("POST", &path, Some(wait));
        assert_eq!(status, 200, "{record}");
        record
    }
}

impl Drop for Daemon {
    fn drop(&mut self) {
        let _ = self.serve.kill();
        let _ = self.serve.wait();
    }
}

#[test]
fn the_daemon_sends_a_flows_commands_to_the_zone_and_lists_its_agents() {
    let r = rabbit();
    let a = Agent::start(&r.url(), "served", "served-1");
    let e = env();
    let flow = "[__zone__ = 'served'] -> ['echo $PPID'] => print($RESULT.strip())\n";
    let d = Daemon::start(&e, &r.url(), &[("zoned", flow)]);
    let record = d.wait(d.start_flow("/flows/zoned"));
    assert_eq!(record["status"], "DONE", "{record}");
    assert_eq!(record["console"], format!("{}\n", a.pid), "{record}");
    // Heartbeats come every half second: the agent is listed after one.
    std::thread::sleep(Duration::from_secs(1));
    let (status, agents) = d.call("GET", "/api/v1/agents", None);
    assert_eq!(status, 200, "{agents}");
    assert_eq!(agents["broker"], true);
    let listed = agents["results"]
        .as_array()
        .expect("results")
        .iter()
        .any(|x| x["agent"] == "served-1" && x["zone"] == "served" && x["pid"] == a.pid);
    assert!(listed, "{agents}");
}

/// Whether process `pid` is there (and not a zombie).
fn alive(pid: &str) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/stat")).is_ok_and(|stat| !stat.contains(") Z "))
}

#[test]
fn a_terminated_process_stops_its_command_on_the_agent() {
    let r = rabbit();
    let a = Agent::start(&r.url(), "stoppable", "stoppable-1");
    let e = env();
    let mark = e.dir.join("mark");
    let flow = format!(
        "[__zone__ = 'stoppable'] -> ['echo $$$$ > {}; exec sleep 60'] -> print('not stopped')\n",
        mark.display()
    );
    let d = Daemon::start(&e, &r.url(), &[("long", &flow)]);
    let pid = d.start_flow("/flows/long");
    let command = wait_for_pid(&mark);
    assert!(
        alive(&command),
        "the command runs on the agent: {command} {}",
        a.log()
    );
    let (status, said) = d.call("POST", &format!("/api/v1/processes/{pid}/terminate"), None);
    assert_eq!(status, 202, "{said}");
    let record = d.wait(pid);
    assert_eq!(record["status"], "ABORTED", "{record}");
    let deadline = Instant::now() + Duration::from_secs(10);
    while alive(&command) {
        assert!(
            Instant::now() < deadline,
            "the agent's command outlived its process"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    assert!(
        a.log().contains("is cancelled by its sender"),
        "{}",
        a.log()
    );
}

#[test]
fn a_job_cancelled_before_an_agent_took_it_never_runs() {
    let r = rabbit();
    // One job at a time: the second flow's job waits in the zone's queue behind the first.
    let a = Agent::start_with(&r.url(), "busy", "busy-1", &["--concurrency", "1"]);
    let e = env();
    let (first, second) = (e.dir.join("first"), e.dir.join("second"));
    let long = format!(
        "[__zone__ = 'busy'] -> ['echo $$$$ > {}; exec sleep 60']\n",
        first.display()
    );
    let queued = format!(
        "[__zone__ = 'busy'] -> ['echo ran > {}']\n",
        second.display()
    );
    let d = Daemon::start(&e, &r.url(), &[("long", &long), ("queued", &queued)]);
    let running = d.start_flow("/flows/long");
    let command = wait_for_pid(&first);
    let waiting = d.start_flow("/flows/queued");
    // WAITING on its command: the job is on its way to the queue (a moment more for it).
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let (_, record) = d.call("GET", &format!("/api/v1/processes/{waiting}"), None);
        if record["status"] == "WAITING" {
            break;
        }
        assert!(Instant::now() < deadline, "never WAITING: {record}");
        std::thread::sleep(Duration::from_millis(20));
    }
    std::thread::sleep(Duration::from_millis(300));
    for pid in [waiting, running] {
        let (status, said) = d.call("POST", &format!("/api/v1/processes/{pid}/terminate"), None);
        assert_eq!(status, 202, "{said}");
        assert_eq!(d.wait(pid)["status"], "ABORTED");
    }
    // The agent, free again, takes the withdrawn job from the queue and drops it.
    let deadline = Instant::now() + Duration::from_secs(10);
    while !a.log().contains("before it started: not run") {
        assert!(Instant::now() < deadline, "{}", a.log());
        std::thread::sleep(Duration::from_millis(50));
    }
    assert!(!second.exists(), "the cancelled job ran: {}", a.log());
    assert!(!alive(&command), "the first command was stopped");
}

/// The pid a command wrote to `mark`, once it has.
fn wait_for_pid(mark: &Path) -> String {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let text = std::fs::read_to_string(mark).unwrap_or_default();
        if text.ends_with('\n') {
            return text.trim().to_string();
        }
        assert!(Instant::now() < deadline, "the command did not start");
        std::thread::sleep(Duration::from_millis(20));
    }
}
