//! `jfc serve`: the daemon (the `jfc-daemon` crate).

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::Args;
use jfc_runtime::run::EXIT_USAGE;

use super::serve_config::Config;

#[derive(Args)]
#[command(after_help = "\
Every API call but GET /api/v1/health needs a token: `jfc token create NAME --scope send`.

Events: POST /api/v1/channels/<channel path>/messages with a JSON, form or text body
answers 202 once the message is durable in the store (an Idempotency-Key header makes
retries safe). `jfc send` is a client for it.

Example:
  jfc serve --listen 127.0.0.1:8080
  curl -H \"Authorization: Bearer $TOKEN\" -H 'Content-Type: application/json' \\
       -d '{\"host\": \"web1\", \"severity\": 4}' \\
       http://127.0.0.1:8080/api/v1/channels/system/channels/Alert/messages")]
pub struct ServeArgs {
    /// Settings in a TOML file ([serve] listen, tls_cert, tls_key, insecure_http,
    /// max_body; [scheduler] timezone; [engine] max_processes); flags win over it.
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Address and port to listen on (a non-loopback address needs TLS or
    /// --insecure-http) [default: 127.0.0.1:8080]
    #[arg(long, value_name = "ADDR:PORT")]
    pub listen: Option<SocketAddr>,
    /// Listen on a non-loopback address without TLS (for a TLS proxy in front).
    #[arg(long)]
    pub insecure_http: bool,
    /// Serve HTTPS with this certificate chain (PEM); needs --tls-key.
    #[arg(long, value_name = "FILE", requires = "tls_key")]
    pub tls_cert: Option<PathBuf>,
    /// The private key of --tls-cert (PEM).
    #[arg(long, value_name = "FILE", requires = "tls_cert")]
    pub tls_key: Option<PathBuf>,
    /// Largest request body taken, in bytes; larger ones get 413 [default: 1048576]
    #[arg(long, value_name = "BYTES")]
    pub max_body: Option<usize>,
    /// The time zone schedules are read in (an IANA name, e.g. Asia/Tokyo); default
    /// the host's local zone.
    #[arg(long, value_name = "ZONE")]
    pub timezone: Option<chrono_tz::Tz>,
    /// Tests: the scheduler's clock starts at this time (RFC 3339) and stands still
    /// until moved with POST /api/v1/test/clock.
    #[arg(long, hide = true, value_name = "TIME")]
    pub test_clock: Option<chrono::DateTime<chrono::Utc>>,
    /// Live processes at most in each run; fork/pfor wait for room [default: 1000]
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..))]
    pub max_processes: Option<u32>,
    #[command(flatten)]
    pub broker: super::broker::BrokerArgs,
}

pub fn run(args: ServeArgs, store: Option<&Path>) -> ExitCode {
    let Ok(cwd) = std::env::current_dir() else {
        eprintln!("error: no current directory");
        return ExitCode::from(1);
    };
    let opts = match options(args, jfc_store::resolve_path(store, &cwd)) {
        Ok(o) => o,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(EXIT_USAGE);
        }
    };
    match jfc_daemon::serve(opts) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(match e {
                jfc_daemon::ServeError::Usage(_) => EXIT_USAGE,
                jfc_daemon::ServeError::Failed(_) => 1,
            })
        }
    }
}

/// The daemon's options: each flag, else its setting in --config, else its default.
fn options(args: ServeArgs, store: PathBuf) -> Result<jfc_daemon::ServeOptions, String> {
    let config = match &args.config {
        Some(file) => Config::read(file)?,
        None => Config::default(),
    };
    let zone = match args.timezone {
        Some(tz) => Some(tz),
        None => config.timezone()?,
    };
    let tls = match (args.tls_cert, args.tls_key) {
        (Some(cert), Some(key)) => Some((cert, key)),
        _ => match (config.serve.tls_cert, config.serve.tls_key) {
            (Some(cert), Some(key)) => Some((cert, key)),
            (None, None) => None,
            _ => {
                return Err("[serve] tls_cert and tls_key go together: give both or neither".into())
            }
        },
    };
    let max_processes = args
        .max_processes
        .or(config.engine.max_processes)
        .unwrap_or(1000);
    Ok(jfc_daemon::ServeOptions {
        store,
        listen: args
            .listen
            .or(config.serve.listen)
            .unwrap_or_else(|| SocketAddr::from(([127, 0, 0, 1], 8080))),
        insecure_http: args.insecure_http || config.serve.insecure_http.unwrap_or(false),
        tls,
        max_body: args
            .max_body
            .or(config.serve.max_body)
            .unwrap_or(jfc_daemon::DEFAULT_MAX_BODY),
        vm: jfc_vm::VmOptions {
            max_processes: max_processes as usize,
            ..jfc_vm::VmOptions::default()
        },
        zone: zone.map_or(jfc_daemon::Zone::Local, jfc_daemon::Zone::Named),
        test_clock: args.test_clock,
        zones: args.broker.zones()?,
    })
}
