//! `jfc agent` (a job manager of one zone) and `jfc agents` (who answers on the broker).

use std::process::ExitCode;
use std::time::Duration;

use clap::Args;

use super::broker::positive_seconds;

#[derive(Args)]
#[command(
    after_help = "The agent connects out to the broker (nothing connects to it), takes the \
jobs of its zone, and runs them here or over SSH from this machine. Several agents may serve one \
zone: they share its jobs. Flows choose the zone with `__zone__ = 'NAME'` or a NodeInfo's `zone` \
field; the daemon sends them with `jfc serve --broker URL`. SIGTERM or SIGINT stops the agent."
)]
pub struct AgentArgs {
    /// The AMQP broker (RabbitMQ): amqp://user:password@host:5672/%2f, or amqps:// for
    /// TLS (also JFC_BROKER).
    #[arg(long, value_name = "URL", env = "JFC_BROKER", hide_env_values = true)]
    pub broker: String,
    /// The zone whose jobs this agent takes (letters, digits, `._-`).
    #[arg(long, value_name = "NAME")]
    pub zone: String,
    /// The agent's name, as `jfc agents` shows it [default: HOSTNAME-PID]
    #[arg(long, value_name = "NAME")]
    pub name: Option<String>,
    /// Jobs at once at most.
    #[arg(long, value_name = "N", default_value_t = 8,
          value_parser = clap::value_parser!(u16).range(1..=1000))]
    pub concurrency: u16,
    /// Seconds between heartbeats; the daemon counts an agent lost after 3 missed.
    #[arg(long, value_name = "SECS", default_value_t = 5.0, value_parser = positive_seconds)]
    pub heartbeat: f64,
    /// Seconds to wait before connecting again when the broker is gone.
    #[arg(long, value_name = "SECS", default_value_t = 5.0, value_parser = positive_seconds)]
    pub retry_interval: f64,
    /// Bytes kept of each command's stdout and of its stderr.
    #[arg(long, value_name = "BYTES", default_value_t = jfc_runtime::exec::DEFAULT_MAX_OUTPUT)]
    pub max_output: usize,
    /// The SSH host keys this agent trusts and records [default: ~/.jfc/known_hosts]
    #[arg(long, value_name = "FILE")]
    pub known_hosts: Option<std::path::PathBuf>,
}

pub fn run(args: AgentArgs) -> ExitCode {
    let opts = jfc_agent::AgentOptions {
        url: args.broker,
        zone: args.zone,
        name: args
            .name
            .unwrap_or_else(|| format!("{}-{}", jfc_agent::hostname(), std::process::id())),
        concurrency: args.concurrency,
        heartbeat: Duration::from_secs_f64(args.heartbeat),
        retry: Duration::from_secs_f64(args.retry_interval),
        exec: jfc_runtime::exec::ExecOptions {
            max_workers: usize::from(args.concurrency),
            max_output: args.max_output,
            host_keys: jfc_runtime::ssh::HostKeys {
                file: args
                    .known_hosts
                    .unwrap_or_else(|| jfc_runtime::exec::known_hosts_for(None)),
                replace_changed: false,
            },
            ..jfc_runtime::exec::ExecOptions::default()
        },
    };
    match jfc_agent::serve::run(opts) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(1)
        }
    }
}

#[derive(Args)]
pub struct AgentsArgs {
    /// The AMQP broker the agents use (also JFC_BROKER).
    #[arg(long, value_name = "URL", env = "JFC_BROKER", hide_env_values = true)]
    pub broker: String,
    /// Seconds to listen for heartbeats (a little more than the agents' interval).
    #[arg(long, value_name = "SECS", default_value_t = 6.0, value_parser = positive_seconds)]
    pub wait: f64,
    /// One JSON array of the agents, for scripts.
    #[arg(long)]
    pub json: bool,
}

pub fn list(args: AgentsArgs) -> ExitCode {
    let agents = match jfc_agent::list_agents(&args.broker, Duration::from_secs_f64(args.wait)) {
        Ok(a) => a,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(1);
        }
    };
    if args.json {
        outln!("{agents}");
        return ExitCode::SUCCESS;
    }
    let rows = agents.as_array().cloned().unwrap_or_default();
    if rows.is_empty() {
        outln!("no agent sent a heartbeat within {}s", args.wait);
        return ExitCode::SUCCESS;
    }
    outln!("ZONE\tAGENT\tVERSION\tHOST\tPID\tLAST HEARTBEAT\tRUNNING");
    for a in rows {
        outln!(
            "{}\t{}\t{}\t{}\t{}\t{:.1}s ago\t{}/{}",
            text(&a["zone"]),
            text(&a["agent"]),
            text(&a["version"]),
            text(&a["hostname"]),
            a["pid"],
            a["last_heartbeat_ms"].as_f64().unwrap_or(0.0) / 1000.0,
            a["running"].as_array().map_or(0, Vec::len),
            a["concurrency"],
        );
    }
    ExitCode::SUCCESS
}

fn text(v: &serde_json::Value) -> &str {
    v.as_str().unwrap_or_default()
}
