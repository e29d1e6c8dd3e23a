//! `jfc serve`: the daemon (the `jfc-daemon` crate).

use std::net::SocketAddr;
use std::path::Path;
use std::process::ExitCode;

use clap::Args;
use jfc_runtime::run::EXIT_USAGE;

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
    /// Address and port to listen on (a non-loopback address needs --insecure-http).
    #[arg(long, value_name = "ADDR:PORT", default_value = "127.0.0.1:8080")]
    pub listen: SocketAddr,
    /// Listen on a non-loopback address without TLS (for a TLS proxy in front).
    #[arg(long)]
    pub insecure_http: bool,
    /// Serve HTTPS with this certificate chain (PEM); needs --tls-key.
    #[arg(long, value_name = "FILE", requires = "tls_key")]
    pub tls_cert: Option<std::path::PathBuf>,
    /// The private key of --tls-cert (PEM).
    #[arg(long, value_name = "FILE", requires = "tls_cert")]
    pub tls_key: Option<std::path::PathBuf>,
    /// Largest request body taken, in bytes; larger ones get 413.
    #[arg(long, value_name = "BYTES", default_value_t = jfc_daemon::DEFAULT_MAX_BODY)]
    pub max_body: usize,
    /// The time zone schedules are read in (an IANA name, e.g. Asia/Tokyo); default
    /// the host's local zone.
    #[arg(long, value_name = "ZONE")]
    pub timezone: Option<chrono_tz::Tz>,
    /// Tests: the scheduler's clock starts at this time (RFC 3339) and stands still
    /// until moved with POST /api/v1/test/clock.
    #[arg(long, hide = true, value_name = "TIME")]
    pub test_clock: Option<chrono::DateTime<chrono::Utc>>,
    /// Live processes at most in each run; fork/pfor wait for room.
    #[arg(long, default_value_t = 1000, value_name = "N",
          value_parser = clap::value_parser!(u32).range(1..))]
    pub max_processes: u32,
}

pub fn run(args: ServeArgs, store: Option<&Path>) -> ExitCode {
    let Ok(cwd) = std::env::current_dir() else {
        eprintln!("error: no current directory");
        return ExitCode::from(1);
    };
    let opts = jfc_daemon::ServeOptions {
        store: jfc_store::resolve_path(store, &cwd),
        listen: args.listen,
        insecure_http: args.insecure_http,
        tls: args.tls_cert.zip(args.tls_key),
        max_body: args.max_body,
        vm: jfc_vm::VmOptions {
            max_processes: args.max_processes as usize,
            ..jfc_vm::VmOptions::default()
        },
        zone: args
            .timezone
            .map_or(jfc_daemon::Zone::Local, jfc_daemon::Zone::Named),
        test_clock: args.test_clock,
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
