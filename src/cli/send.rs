//! `jfc send`: post one event to a channel of `jfc serve`, for Zabbix, Nagios, cron and
//! mail aliases. Exit status: 0 sent, 1 failed after the retries, 2 usage, 3 refused
//! (bad token, unknown channel, a body the daemon does not take).

use std::io::Read;
use std::process::ExitCode;
use std::time::Duration;

use clap::Args;

/// `jfc send`'s own usage errors (a KEY=VALUE without `=`, stdin that is not JSON).
pub const EXIT_SEND_USAGE: u8 = 2;
const EXIT_FAILED: u8 = 1;
const EXIT_REFUSED: u8 = 3;

#[derive(Args)]
#[command(after_help = "\
With KEY=VALUE pairs the message is a Dictionary of Strings; without, standard input is
the message: text (a String), or with --json a JSON document (a Dictionary, an Array...).

Examples:
  jfc send --channel /system/channels/Alert host=web1 severity=4
  echo '{\"alerts\": 3}' | jfc send --json --channel /channels/monitoring
  mail-alias: |jfc send --channel /system/channels/Mail")]
pub struct SendArgs {
    /// The daemon's address; also JFC_SERVER.
    #[arg(
        long,
        env = "JFC_SERVER",
        default_value = "http://127.0.0.1:8080",
        value_name = "URL"
    )]
    pub server: String,
    /// An API token with the send scope (`jfc token create`); also JFC_TOKEN. On a
    /// shared machine prefer --token-file or JFC_TOKEN: any user sees a command line.
    #[arg(
        long,
        env = "JFC_TOKEN",
        hide_env_values = true,
        value_name = "TOKEN",
        required_unless_present = "token_file",
        conflicts_with = "token_file"
    )]
    pub token: Option<String>,
    /// Read the token from this file (its first line).
    #[arg(long, value_name = "FILE")]
    pub token_file: Option<std::path::PathBuf>,
    /// The channel's path.
    #[arg(long, default_value = "/system/channels/Alert", value_name = "PATH")]
    pub channel: String,
    /// Standard input is a JSON document, sent as such.
    #[arg(long)]
    pub json: bool,
    /// Attempts after the first when the daemon cannot be reached or fails (5xx).
    #[arg(long, default_value_t = 3, value_name = "N")]
    pub max_retry: u32,
    /// Seconds between attempts.
    #[arg(long, default_value_t = 5.0, value_name = "SECS")]
    pub retry_interval: f64,
    /// Trust this CA certificate (PEM), and only it, for an https daemon with a
    /// certificate of its own.
    #[arg(long, value_name = "FILE")]
    pub cacert: Option<std::path::PathBuf>,
    /// The key that makes retries safe (one is made for each `jfc send` otherwise).
    #[arg(long, value_name = "KEY")]
    pub idempotency_key: Option<String>,
    /// KEY=VALUE pairs of the message (split at the first `=`).
    #[arg(value_name = "KEY=VALUE")]
    pub pairs: Vec<String>,
}

pub fn run(args: SendArgs) -> ExitCode {
    let (content_type, body) = match body(&args) {
        Ok(b) => b,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(EXIT_SEND_USAGE);
        }
    };
    let url = format!(
        "{}/api/v1/channels/{}/messages",
        args.server.trim_end_matches('/'),
        args.channel.trim_start_matches('/')
    );
    let token = match token(&args) {
        Ok(t) => t,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(EXIT_SEND_USAGE);
        }
    };
    let key = args.idempotency_key.clone().unwrap_or_else(new_key);
    let agent = match agent(&args) {
        Ok(a) => a,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(EXIT_SEND_USAGE);
        }
    };
    let mut attempt = 0;
    loop {
        let sent = agent
            .post(&url)
            .header("Authorization", &format!("Bearer {token}"))
            .header("Content-Type", content_type)
            .header("Idempotency-Key", &key)
            .send(&body[..]);
        let why = match sent {
            Ok(mut answer) => {
                let status = answer.status().as_u16();
                let text = answer.body_mut().read_to_string().unwrap_or_default();
                if status == 202 {
                    tracing::info!("sent to {}: {text}", args.channel);
                    return ExitCode::SUCCESS;
                }
                let reason = reason(&text);
                if status < 500 && status != 429 {
                    eprintln!(
                        "error: {} refused the message ({status}): {reason}",
                        args.server
                    );
                    return ExitCode::from(EXIT_REFUSED);
                }
                format!("the daemon answered {status}: {reason}")
            }
            Err(e) => format!("cannot reach {}: {e}", args.server),
        };
        if attempt >= args.max_retry || args.retry_interval < 0.0 {
            eprintln!("error: {why} (after {} attempts)", attempt + 1);
            return ExitCode::from(EXIT_FAILED);
        }
        attempt += 1;
        eprintln!(
            "warning: {why}; trying again in {}s ({attempt} of {})",
            args.retry_interval, args.max_retry
        );
        std::thread::sleep(Duration::from_secs_f64(args.retry_interval));
    }
}

/// The HTTP client: a 30 s limit per attempt, statuses as answers, `--cacert` trusted.
fn agent(args: &SendArgs) -> Result<ureq::Agent, String> {
    let mut config = ureq::Agent::config_builder()
        .timeout_global(Some(Duration::from_secs(30)))
        .http_status_as_error(false);
    if let Some(file) = &args.cacert {
        let pem = std::fs::read(file)
            .map_err(|e| format!("cannot read --cacert {}: {e}", file.display()))?;
        let cert = ureq::tls::Certificate::from_pem(&pem)
            .map_err(|e| format!("--cacert {}: not a PEM certificate: {e}", file.display()))?
            .to_owned();
        let roots = ureq::tls::RootCerts::new_with_certs(&[cert]);
        config = config.tls_config(ureq::tls::TlsConfig::builder().root_certs(roots).build());
    }
    Ok(config.build().into())
}

/// The token of --token (or JFC_TOKEN), or the first line of --token-file.
fn token(args: &SendArgs) -> Result<String, String> {
    match (&args.token, &args.token_file) {
        (Some(t), _) => Ok(t.clone()),
        (None, Some(file)) => std::fs::read_to_string(file)
            .map(|text| text.lines().next().unwrap_or_default().trim().to_string())
            .map_err(|e| format!("cannot read --token-file {}: {e}", file.display())),
        (None, None) => Err("give --token, --token-file or JFC_TOKEN".into()),
    }
}

/// The content type and body: the pairs as a JSON object, else standard input.
fn body(args: &SendArgs) -> Result<(&'static str, Vec<u8>), String> {
    if !args.pairs.is_empty() {
        let mut map = serde_json::Map::new();
        for pair in &args.pairs {
            let Some((k, v)) = pair.split_once('=') else {
                return Err(format!("`{pair}` is not KEY=VALUE"));
            };
            map.insert(k.to_string(), serde_json::Value::String(v.to_string()));
        }
        return Ok((
            "application/json",
            serde_json::Value::Object(map).to_string().into_bytes(),
        ));
    }
    let mut input = Vec::new();
    std::io::stdin()
        .read_to_end(&mut input)
        .map_err(|e| format!("cannot read standard input: {e}"))?;
    if args.json {
        serde_json::from_slice::<serde_json::Value>(&input)
            .map_err(|e| format!("standard input is not JSON: {e}"))?;
        return Ok(("application/json", input));
    }
    match std::str::from_utf8(&input) {
        Ok(_) => Ok(("text/plain; charset=utf-8", input)),
        Err(_) => Ok(("application/octet-stream", input)),
    }
}

/// The daemon's reason from its JSON error, else the body as it is.
fn reason(text: &str) -> String {
    serde_json::from_str::<serde_json::Value>(text)
        .ok()
        .and_then(|v| v["error"]["message"].as_str().map(str::to_string))
        .unwrap_or_else(|| text.trim().to_string())
}

/// A key no other `jfc send` makes: this process, the time, and the OS's randomness
/// through the hasher's seed.
fn new_key() -> String {
    use std::hash::{BuildHasher, RandomState};
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    let noise = RandomState::new().hash_one(nanos);
    format!("jfc-send-{}-{nanos}-{noise:016x}", std::process::id())
}
