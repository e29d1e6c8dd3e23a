//! `jfc user ls|set`: the users of the store and the Environment each runs flows with.

use std::path::Path;
use std::process::ExitCode;

use clap::{Args, Subcommand};
use jfc_store::import::normalise_path;

#[derive(Args)]
pub struct UserArgs {
    #[command(subcommand)]
    pub command: UserCommand,
}

#[derive(Subcommand)]
pub enum UserCommand {
    /// List the users and their Environment objects.
    Ls {
        /// Print a JSON array of {name, environment}.
        #[arg(long)]
        json: bool,
    },
    /// Set what a user runs flows with.
    #[command(after_help = "\
The `environment` Dictionary of the Environment object is `$ENV` in every flow the user
runs (`jfc run` runs as root).

Example:
  jfc obj set /home/prod_env --type Environment 'environment={ region = \"eu\" }'
  jfc user set root --environment /home/prod_env")]
    Set {
        /// The user (root, guest, ...).
        name: String,
        /// An Environment object path; an empty value clears it.
        #[arg(long, value_name = "PATH")]
        environment: String,
    },
}

pub fn run(args: UserArgs, store: Option<&Path>) -> ExitCode {
    match user(args, store) {
        Ok(()) => ExitCode::SUCCESS,
        Err(failure) => failure.exit(),
    }
}

fn user(args: UserArgs, store: Option<&Path>) -> Result<(), super::Failure> {
    // An empty store has no Environment to set: neither subcommand creates one.
    let mut store = super::open_existing_store(store)?;
    match args.command {
        UserCommand::Ls { json } => {
            let users = store.users().map_err(|e| e.0)?;
            if json {
                let all: Vec<serde_json::Value> = users
                    .iter()
                    .map(|(n, e)| serde_json::json!({ "name": n, "environment": e }))
                    .collect();
                outln!("{}", serde_json::Value::Array(all));
            } else {
                for (name, env) in users {
                    outln!("{name:<30} {}", env.as_deref().unwrap_or("-"));
                }
            }
        }
        UserCommand::Set { name, environment } => {
            let env = if environment.is_empty() {
                None
            } else {
                let path = normalise_path(&environment).map_err(|e| e.0)?;
                Some(store.resolve(&path).map_err(|e| e.0)?)
            };
            store.set_user_environment(&name, env).map_err(|e| e.0)?;
        }
    }
    Ok(())
}
