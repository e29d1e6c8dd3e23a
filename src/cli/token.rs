//! `jfc token create|ls|rm`: the API tokens of `jfc serve`.

use std::path::Path;
use std::process::ExitCode;

use clap::{Args, Subcommand};

#[derive(Args)]
pub struct TokenArgs {
    #[command(subcommand)]
    pub command: TokenCommand,
}

#[derive(Subcommand)]
pub enum TokenCommand {
    /// Make a token and print its secret, which is shown this once only.
    #[command(after_help = "\
Scopes: read (objects, processes), run (start flows), send (post events), admin (all).

Example:
  jfc token create zabbix --scope send")]
    Create {
        /// A name to know it by (and remove it with).
        name: String,
        /// What it may do; repeat for several (default: send).
        #[arg(long = "scope", value_name = "SCOPE", default_values_t = ["send".to_string()])]
        scopes: Vec<String>,
        /// Stop working after this many days (default: until removed).
        #[arg(long, value_name = "DAYS")]
        expires_in: Option<u32>,
        /// Print {name, scopes, expires, token} as JSON.
        #[arg(long)]
        json: bool,
    },
    /// List the tokens (never their secrets).
    Ls {
        /// Print a JSON array of {name, scopes, created, expires, expired}.
        #[arg(long)]
        json: bool,
    },
    /// Remove a token, naming it: it stops working at once.
    Rm {
        name: String,
        /// Name the token that would be removed; remove nothing.
        #[arg(long)]
        dry_run: bool,
    },
}

pub fn run(args: TokenArgs, store: Option<&Path>) -> ExitCode {
    match token(args, store) {
        Ok(()) => ExitCode::SUCCESS,
        Err(failure) => failure.exit(),
    }
}

fn token(args: TokenArgs, store: Option<&Path>) -> Result<(), super::Failure> {
    match args.command {
        TokenCommand::Create {
            name,
            scopes,
            expires_in,
            json,
        } => {
            let mut store = super::open_store(store)?;
            let expires = expires_in.map(|days| {
                (chrono::Utc::now() + chrono::Duration::days(i64::from(days)))
                    .format("%Y-%m-%dT%H:%M:%S%.6fZ")
                    .to_string()
            });
            let secret = store
                .create_token(&name, &scopes, expires.as_deref())
                .map_err(|e| e.0)?;
            if json {
                let made = serde_json::json!({ "name": name, "scopes": scopes, "expires": expires, "token": secret });
                outln!("{made}");
            } else {
                outln!("{secret}");
                eprintln!(
                    "token `{name}` ({}): keep it now, it is not shown again",
                    scopes.join(", ")
                );
            }
        }
        TokenCommand::Ls { json } => {
            let store = super::open_existing_store(store)?;
            let tokens = store.tokens().map_err(|e| e.0)?;
            if json {
                let all: Vec<serde_json::Value> = tokens
                    .iter()
                    .map(|t| serde_json::json!({ "name": t.name, "scopes": t.scopes, "created": t.created, "expires": t.expires, "expired": t.expired() }))
                    .collect();
                outln!("{}", serde_json::Value::Array(all));
            } else {
                for t in tokens {
                    let expires = match (&t.expires, t.expired()) {
                        (Some(e), true) => format!("expired {e}"),
                        (Some(e), false) => format!("expires {e}"),
                        (None, _) => "no expiry".into(),
                    };
                    outln!(
                        "{:<24} {:<20} {} {expires}",
                        t.name,
                        t.scopes.join(","),
                        t.created
                    );
                }
            }
        }
        TokenCommand::Rm { name, dry_run } => {
            let mut store = super::open_existing_store(store)?;
            let Some(found) = store
                .tokens()
                .map_err(|e| e.0)?
                .into_iter()
                .find(|t| t.name == name)
            else {
                return Err(super::Failure::new(
                    format!("there is no token named `{name}`"),
                    jfc_runtime::run::EXIT_NOINPUT,
                ));
            };
            let what = format!("token {name} (scopes {})", found.scopes.join(","));
            if dry_run {
                outln!("would delete {what}");
            } else {
                if !store.remove_token(&name).map_err(|e| e.0)? {
                    return Err(super::Failure::new(
                        format!("there is no token named `{name}`"),
                        jfc_runtime::run::EXIT_NOINPUT,
                    ));
                }
                outln!("deleted {what}");
            }
        }
    }
    Ok(())
}
