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
        /// Print {name, scopes, token} as JSON.
        #[arg(long)]
        json: bool,
    },
    /// List the tokens (never their secrets).
    Ls {
        /// Print a JSON array of {name, scopes, created}.
        #[arg(long)]
        json: bool,
    },
    /// Remove a token: it stops working at once.
    Rm { name: String },
}

pub fn run(args: TokenArgs, store: Option<&Path>) -> ExitCode {
    match token(args, store) {
        Ok(()) => ExitCode::SUCCESS,
        Err(msg) => {
            eprintln!("error: {msg}");
            ExitCode::from(1)
        }
    }
}

fn token(args: TokenArgs, store: Option<&Path>) -> Result<(), String> {
    match args.command {
        TokenCommand::Create { name, scopes, json } => {
            let mut store = super::open_store(store)?;
            let secret = store.create_token(&name, &scopes).map_err(|e| e.0)?;
            if json {
                let made = serde_json::json!({ "name": name, "scopes": scopes, "token": secret });
                println!("{made}");
            } else {
                println!("{secret}");
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
                    .map(|t| serde_json::json!({ "name": t.name, "scopes": t.scopes, "created": t.created }))
                    .collect();
                println!("{}", serde_json::Value::Array(all));
            } else {
                for t in tokens {
                    println!("{:<24} {:<20} {}", t.name, t.scopes.join(","), t.created);
                }
            }
        }
        TokenCommand::Rm { name } => {
            let mut store = super::open_existing_store(store)?;
            if !store.remove_token(&name).map_err(|e| e.0)? {
                return Err(format!("there is no token named `{name}`"));
            }
        }
    }
    Ok(())
}
