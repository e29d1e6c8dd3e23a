//! The messages between the daemon's side and the agents, JSON on the broker. Every
//! message carries the protocol version `v`: a peer of another version is answered
//! with an error naming both, never misread. Bytes (stdin, output) travel as base64.
//!
//! - A job goes to the queue of its zone ([`zone_queue`]) with `reply_to` the sender's
//!   own queue and `correlation_id` the job's id.
//! - The agent that takes it answers `Started` as the job starts, the output in chunks
//!   of at most [`CHUNK`] bytes, then how it ended (see [`Reply`]).
//! - Agents send a [`Heartbeat`] to the fanout exchange [`HEARTBEATS`] every interval.
//!
//! Secrets (passwords, passphrases, keys) travel only inside a job and never in a
//! heartbeat; no type here implements `Debug`, so none is logged by accident.

use jfc_runtime::zones::ZoneJob;
use jfc_vm::host::{CommandRequest, Completion};
use serde::{Deserialize, Serialize};

/// The version of this protocol.
pub const VERSION: u32 = 1;

/// The fanout exchange of agents' heartbeats.
pub const HEARTBEATS: &str = "jfc.heartbeats";

/// The fanout exchange of cancels of jobs no agent said it took: every agent's inbox
/// hears them, so the one that takes such a job later drops it unrun.
pub const WITHDRAWN: &str = "jfc.withdrawn";

/// Output bytes in one reply at most.
pub const CHUNK: usize = 256 * 1024;

/// The queue the jobs of `zone` wait in for an agent.
pub fn zone_queue(zone: &str) -> String {
    format!("jfc.zone.{zone}")
}

/// Whether `zone` is a name a zone can have: letters, digits and `._-`, at most 100.
pub fn valid_zone(zone: &str) -> bool {
    !zone.is_empty()
        && zone.len() <= 100
        && zone
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))
}

/// A job for an agent of `zone`.
#[derive(Serialize, Deserialize)]
pub struct JobMessage {
    pub v: u32,
    pub id: String,
    pub zone: String,
    /// Whether the job may run again when the agent that took it was lost
    /// (`__idempotent__`); commands are not, by default.
    pub idempotent: bool,
    /// Milliseconds since the epoch after which the sender no longer waits for an
    /// agent to take the job: an agent that gets it later drops it.
    pub deadline_ms: u64,
    pub job: Job,
}

#[derive(Serialize, Deserialize)]
pub enum Job {
    Command(Target),
    Script {
        source: String,
        ext: String,
        args: Vec<String>,
        target: Target,
    },
    /// `put`: `files`, what its source named on the sender's side (see
    /// [`crate::files`]), copied to `to` where `target` says.
    Put {
        files: Vec<FileEntry>,
        to: String,
        target: Target,
    },
    /// `get`: what `from` names where `target` says, sent back as files.
    Get {
        from: String,
        target: Target,
    },
    /// `reboot(wait)` of the host `target` chooses.
    Reboot {
        wait_ms: u64,
        target: Target,
    },
    /// A session block: a shell on the host `target` chooses, which the flow talks to
    /// through [`JobNotice`]s for as long as the block runs.
    Session {
        target: Target,
    },
}

/// A file (its bytes) or a directory (None) carried by a `put` or a `get`, at a path
/// under `/`.
#[derive(Serialize, Deserialize)]
pub struct FileEntry {
    pub path: String,
    #[serde(with = "b64_opt")]
    pub bytes: Option<Vec<u8>>,
}

/// A command and where it runs, as the sender resolved it: its NodeInfo and
/// AccountInfo are already read into these fields.
#[derive(Serialize, Deserialize, Default)]
#[serde(default)]
pub struct Target {
    pub command: String,
    #[serde(with = "b64_opt")]
    pub stdin: Option<Vec<u8>>,
    pub shell: String,
    pub use_shell: bool,
    pub dir: Option<String>,
    pub timeout_ms: Option<u64>,
    pub host: Option<String>,
    pub user: Option<String>,
    pub sudo: bool,
    pub password: Option<String>,
    pub port: Option<u16>,
    pub keyfile: Option<String>,
    pub key: Option<String>,
    pub passphrase: Option<String>,
    pub fresh_connection: bool,
    pub pty: bool,
    pub proxy: Option<String>,
    /// A NodeInfo jump host, read by the sender.
    pub proxy_via: Option<Box<Target>>,
}

/// A reply to job `id` from agent `agent`.
#[derive(Serialize, Deserialize)]
pub struct ReplyMessage {
    pub v: u32,
    pub id: String,
    pub agent: String,
    pub reply: Reply,
}

#[derive(Serialize, Deserialize)]
pub enum Reply {
    /// The agent took the job and runs it; what the sender has to tell the job while it
    /// runs ([`JobNotice`]) goes to `inbox`, the agent's own queue. `heartbeat_ms` is
    /// its heartbeat interval: a sender that has heard none of its heartbeats yet counts
    /// it lost after [`MISSED`](crate::registry::MISSED) of them from here (0: not said).
    Started {
        inbox: String,
        #[serde(default)]
        heartbeat_ms: u64,
    },
    /// A chunk of the job's output.
    Output {
        stderr: bool,
        #[serde(with = "b64")]
        bytes: Vec<u8>,
    },
    /// The job ended: the command's exit status.
    Status(i64),
    /// The job could not run, or was lost: a remote-login failure (`$STATUS` -1).
    Failed(String),
    /// A `put` or `get` ended well, having written these paths. A `get` first sends
    /// the files it read, as the JSON of a list of [`FileEntry`] in `Output` chunks.
    Transferred(Vec<String>),
    /// A `reboot` ended well.
    Done,
    /// The session's shell is there; what the flow sends it goes to `inbox`, the
    /// agent's own queue, as [`JobNotice`]s.
    SessionOpened { inbox: String },
    /// A line the session's shell printed (without its terminator), or a prompt.
    Line(#[serde(with = "b64")] Vec<u8>),
    /// The session's shell is gone, for this reason.
    SessionEnded(String),
}

/// What the sender tells job `id` while it runs, at the inbox of the agent running it.
#[derive(Serialize, Deserialize)]
pub struct JobNotice {
    pub v: u32,
    pub id: String,
    pub notice: Notice,
}

#[derive(Serialize, Deserialize)]
pub enum Notice {
    /// Bytes for a session's shell.
    Data(#[serde(with = "b64")] Vec<u8>),
    /// The session block ended: close its shell.
    Close,
    /// The flow's process was terminated: stop the job's command.
    Cancel,
}

/// An agent says it is alive, and what it runs.
#[derive(Serialize, Deserialize, Clone)]
pub struct Heartbeat {
    pub v: u32,
    pub agent: String,
    pub zone: String,
    /// The agent's jfc version.
    pub version: String,
    pub hostname: String,
    pub pid: u32,
    pub concurrency: u16,
    /// The ids of the jobs it runs now.
    pub running: Vec<String>,
    pub interval_ms: u64,
}

impl Target {
    pub fn of(req: &CommandRequest) -> Target {
        Target {
            command: req.command.clone(),
            stdin: req.stdin.clone(),
            shell: req.shell.clone(),
            use_shell: req.use_shell,
            dir: req.dir.clone(),
            timeout_ms: req.timeout.map(|t| t.as_millis() as u64),
            host: req.host.clone(),
            user: req.user.clone(),
            sudo: req.sudo,
            password: req.password.clone(),
            port: req.port,
            keyfile: req.keyfile.clone(),
            key: req.key.clone(),
            passphrase: req.passphrase.clone(),
            fresh_connection: req.fresh_connection,
            pty: req.pty,
            proxy: req.proxy.clone(),
            proxy_via: req.proxy_via.as_deref().map(|v| Box::new(Target::of(v))),
        }
    }

    /// The host the job goes to, for logs.
    fn place(&self) -> &str {
        self.host.as_deref().unwrap_or("this machine")
    }

    /// The request an agent runs: from its own machine, in no zone.
    pub fn request(self) -> CommandRequest {
        CommandRequest {
            command: self.command,
            stdin: self.stdin,
            shell: self.shell,
            use_shell: self.use_shell,
            shell_set: true,
            use_shell_set: true,
            dir: self.dir,
            timeout: self.timeout_ms.map(std::time::Duration::from_millis),
            host: self.host,
            user: self.user,
            sudo: self.sudo,
            password: self.password,
            port: self.port,
            keyfile: self.keyfile,
            key: self.key,
            passphrase: self.passphrase,
            fresh_connection: self.fresh_connection,
            pty: self.pty,
            proxy: self.proxy,
            proxy_via: self.proxy_via.map(|v| Box::new(v.request())),
            ..CommandRequest::default()
        }
    }
}

impl Job {
    /// The job on the wire; a `put` reads its files here, and a failure to (a missing
    /// source, too much to carry) is the job's failure as a direct `put` gives it.
    pub fn of(job: &ZoneJob) -> Result<Job, Completion> {
        Ok(match job {
            ZoneJob::Command(c) => Job::Command(Target::of(c)),
            ZoneJob::Script(s) => Job::Script {
                source: s.source.clone(),
                ext: s.ext.clone(),
                args: s.args.clone(),
                target: Target::of(&s.target),
            },
            ZoneJob::Transfer(t) if t.put => Job::Put {
                files: crate::files::read_here(&t.from)?,
                to: t.to.clone(),
                target: Target::of(&t.target),
            },
            ZoneJob::Transfer(t) => Job::Get {
                from: t.from.clone(),
                target: Target::of(&t.target),
            },
            ZoneJob::Reboot(r) => Job::Reboot {
                wait_ms: r.wait.as_millis() as u64,
                target: Target::of(&r.target),
            },
        })
    }

    /// A session block's shell on `target`.
    pub fn session(target: &CommandRequest) -> Job {
        Job::Session {
            target: Target::of(target),
        }
    }

    /// The command line, for logs (no secrets: those are in other fields).
    pub fn describe(&self) -> String {
        match self {
            Job::Command(t) | Job::Script { target: t, .. } => t.command.clone(),
            Job::Put { files, to, .. } => format!("put of {} files to {to}", files.len()),
            Job::Get { from, .. } => format!("get of {from}"),
            Job::Reboot { target, .. } => format!("reboot of {}", target.place()),
            Job::Session { target } => format!("session on {}", target.place()),
        }
    }
}

/// The replies that carry `c`: its output in chunks, then its end.
pub fn replies(c: Completion) -> Vec<Reply> {
    let (stdout, stderr, end) = match c {
        Completion::Command {
            stdout,
            stderr,
            status,
        } => (stdout, stderr, Reply::Status(status)),
        Completion::ConnectionFailed(why) | Completion::Failed(why) => {
            (Vec::new(), Vec::new(), Reply::Failed(why))
        }
        Completion::Transferred(paths) => (Vec::new(), Vec::new(), Reply::Transferred(paths)),
        Completion::Done => (Vec::new(), Vec::new(), Reply::Done),
        other => (
            Vec::new(),
            Vec::new(),
            Reply::Failed(format!("the agent's job ended unexpectedly: {other:?}")),
        ),
    };
    let mut all = chunks(&stdout, false);
    all.extend(chunks(&stderr, true));
    all.push(end);
    all
}

/// `bytes` as `Output` replies of at most [`CHUNK`] bytes each.
pub fn chunks(bytes: &[u8], stderr: bool) -> Vec<Reply> {
    bytes
        .chunks(CHUNK)
        .map(|c| Reply::Output {
            stderr,
            bytes: c.to_vec(),
        })
        .collect()
}

mod b64 {
    use base64::Engine;
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(bytes: &[u8], s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&base64::engine::general_purpose::STANDARD.encode(bytes))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<u8>, D::Error> {
        let text = String::deserialize(d)?;
        base64::engine::general_purpose::STANDARD
            .decode(text)
            .map_err(serde::de::Error::custom)
    }
}

mod b64_opt {
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(bytes: &Option<Vec<u8>>, s: S) -> Result<S::Ok, S::Error> {
        match bytes {
            Some(b) => super::b64::serialize(b, s),
            None => s.serialize_none(),
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Vec<u8>>, D::Error> {
        #[derive(Deserialize)]
        struct Wrapped(#[serde(with = "super::b64")] Vec<u8>);
        Ok(Option::<Wrapped>::deserialize(d)?.map(|w| w.0))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_command_survives_the_wire_with_its_secrets_and_stdin() {
        let req = CommandRequest {
            command: "uptime".into(),
            stdin: Some(vec![0, 1, 255]),
            host: Some("web1".into()),
            password: Some("s3cret".into()),
            timeout: Some(std::time::Duration::from_millis(1500)),
            zone: Some("dmz".into()),
            ..CommandRequest::default()
        };
        let Ok(job) = Job::of(&ZoneJob::Command(req)) else {
            panic!("a command goes on the wire");
        };
        let text = serde_json::to_string(&job).unwrap();
        let Job::Command(t) = serde_json::from_str(&text).unwrap() else {
            panic!("a command comes back a command");
        };
        let r = t.request();
        assert_eq!(r.stdin, Some(vec![0, 1, 255]));
        assert_eq!(r.password.as_deref(), Some("s3cret"));
        assert_eq!(r.timeout, Some(std::time::Duration::from_millis(1500)));
        // The agent runs it from its own machine, in no zone.
        assert_eq!(r.zone, None);
    }

    #[test]
    fn output_is_cut_in_chunks_and_ends_with_the_status() {
        let c = Completion::Command {
            stdout: vec![b'x'; CHUNK * 2 + 1],
            stderr: b"err".to_vec(),
            status: 3,
        };
        let r = replies(c);
        let sizes: Vec<usize> = r
            .iter()
            .map(|r| match r {
                Reply::Output { bytes, .. } => bytes.len(),
                _ => 0,
            })
            .collect();
        assert_eq!(sizes, [CHUNK, CHUNK, 1, 3, 0]);
        assert!(matches!(r.last(), Some(Reply::Status(3))));
    }

    #[test]
    fn zone_names_are_checked() {
        assert!(valid_zone("dmz-1.tokyo_a"));
        assert!(!valid_zone(""));
        assert!(!valid_zone("a b"));
        assert!(!valid_zone("x/y"));
    }
}
