//! `jfc obj ls|cat|set|rm`: look at and edit the object store from the shell.

use std::path::Path;
use std::process::ExitCode;

use clap::{Args, Subcommand, ValueEnum};
use jfc_store::export::ShowOptions;
use jfc_store::import::normalise_path;
use jfc_store::import::toml_value::parse_value_text;
use jfc_store::jobflow::Compiled;
use jfc_store::{ObjectId, Store, StoreError};
use jfc_vm::value::Value;

use super::Failure;

#[derive(Args)]
pub struct ObjArgs {
    #[command(subcommand)]
    pub command: ObjCommand,
}

#[derive(Subcommand)]
pub enum ObjCommand {
    /// List the children of a directory: name, type, last update.
    Ls(LsArgs),
    /// Print an object's common properties and fields (TOML or JSON).
    Cat(CatArgs),
    /// Write fields and properties of an object; with --type, create it when missing.
    Set(SetArgs),
    /// Delete an object (a non-empty directory only with -r), listing what goes.
    Rm(RmArgs),
}

#[derive(Args)]
pub struct LsArgs {
    /// The directory (or object) to list.
    #[arg(default_value = "/")]
    pub path: String,
    /// Print a JSON array of {name, path, type, display_name, updated}.
    #[arg(long)]
    pub json: bool,
}

#[derive(Clone, Copy, ValueEnum)]
pub enum CatFormat {
    Toml,
    Json,
}

#[derive(Args)]
pub struct CatArgs {
    /// The object to print.
    pub path: String,
    /// Output format.
    #[arg(long, value_enum, default_value = "toml")]
    pub format: CatFormat,
    /// Show Password fields (otherwise `********`).
    #[arg(long)]
    pub show_secrets: bool,
    /// Show invisible fields too (compiled code, errors, queues, ...).
    #[arg(long)]
    pub all: bool,
}

#[derive(Args)]
#[command(after_help = "\
VALUE is read as a TOML value: 22, 1.5, true, \"quoted text\", [1, 2], { a = 1 },
2024-05-01T09:30:00+09:00, 2024-05-01. Anything that is not TOML is taken as plain
text (host=web1). An empty VALUE (field=) clears the field. @FILE takes the text of FILE
(source=@deploy.jf). display_name and description set those properties.

Values are converted and checked against the field type (library.md §3.4, §4): a value
that does not fit is an error and nothing is written. Setting the `source` of a Jobflow
compiles it; with compile errors it is stored but not executable (exit status 1).

Examples:
  jfc obj set /nodes/web1 --type NodeInfo hostname=web1.example.com port=22
  jfc obj set /flows/deploy --type Jobflow source=@deploy.jf
  jfc obj set /nodes/web1 description=\"front end\" port=")]
pub struct SetArgs {
    /// The object to write.
    pub path: String,
    /// FIELD=VALUE assignments.
    #[arg(value_name = "FIELD=VALUE")]
    pub assignments: Vec<String>,
    /// Create the object with this type (a name such as NodeInfo, or a type path) when it
    /// does not exist; when it exists, it must be of this type.
    #[arg(long = "type", value_name = "TYPE")]
    pub type_name: Option<String>,
}

#[derive(Args)]
pub struct RmArgs {
    /// The object to delete.
    pub path: String,
    /// Delete a directory (or any object) with everything under it.
    #[arg(short, long)]
    pub recursive: bool,
    /// Only list what would be deleted.
    #[arg(long)]
    pub dry_run: bool,
}

pub fn run(args: ObjArgs, store: Option<&Path>) -> ExitCode {
    // Only `set` may create the store; looking and deleting need one.
    let opened = match args.command {
        ObjCommand::Set(_) => super::open_store(store).map_err(Failure::from),
        _ => super::open_existing_store(store),
    };
    let result = opened.and_then(|mut s| match args.command {
        ObjCommand::Ls(a) => ls(&s, a),
        ObjCommand::Cat(a) => cat(&s, a),
        ObjCommand::Set(a) => set(&mut s, a),
        ObjCommand::Rm(a) => rm(&mut s, a),
    });
    match result {
        Ok(code) => code,
        Err(failure) => failure.exit(),
    }
}

fn object_path(path: &str) -> Result<String, Failure> {
    normalise_path(path).map_err(|e| Failure::usage(e.0))
}

fn find(store: &Store, path: &str) -> Result<(String, ObjectId), Failure> {
    let path = object_path(path)?;
    let id = store.resolve(&path)?;
    Ok((path, id))
}

fn ls(store: &Store, args: LsArgs) -> Result<ExitCode, Failure> {
    let (_, id) = find(store, &args.path)?;
    let children = store.children(id)?;
    let ids = if children.is_empty() && store.type_name(id)? != "Directory" {
        vec![id]
    } else {
        children
    };
    let mut rows = Vec::new();
    for c in ids {
        let o = store.get(c)?;
        let is_container = store.type_name(c)? == "Directory" || !store.children(c)?.is_empty();
        rows.push((o, store.type_name(c)?, store.abspath(c)?, is_container));
    }
    if args.json {
        let out: Vec<_> = rows
            .iter()
            .map(|(o, t, p, _)| {
                serde_json::json!({
                    "name": o.name,
                    "path": p,
                    "type": t,
                    "display_name": o.display_name,
                    "updated": o.updated,
                })
            })
            .collect();
        outln!("{}", serde_json::Value::Array(out));
        return Ok(ExitCode::SUCCESS);
    }
    let names: Vec<String> = rows
        .iter()
        .map(|(o, _, _, dir)| format!("{}{}", o.name, if *dir { "/" } else { "" }))
        .collect();
    let width = names.iter().map(|n| n.chars().count()).max().unwrap_or(0);
    let twidth = rows.iter().map(|(_, t, _, _)| t.len()).max().unwrap_or(0);
    for (name, (o, t, _, _)) in names.iter().zip(&rows) {
        outln!("{name:<width$}  {t:<twidth$}  {}", o.updated);
    }
    Ok(ExitCode::SUCCESS)
}

fn cat(store: &Store, args: CatArgs) -> Result<ExitCode, Failure> {
    let (_, id) = find(store, &args.path)?;
    let opts = ShowOptions {
        secrets: args.show_secrets,
        invisible: args.all,
    };
    match args.format {
        CatFormat::Toml => out!("{}", store.object_toml(id, &opts)?),
        CatFormat::Json => {
            let v = store.object_json(id, &opts)?;
            outln!(
                "{}",
                serde_json::to_string_pretty(&v).map_err(|e| Failure::from(e.to_string()))?
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn set(store: &mut Store, args: SetArgs) -> Result<ExitCode, Failure> {
    let path = object_path(&args.path)?;
    if args.assignments.is_empty() && args.type_name.is_none() {
        return Err(Failure::usage(
            "nothing to set: give FIELD=VALUE assignments (or --type TYPE to create the object)",
        ));
    }
    let mut assignments = Vec::new();
    for a in &args.assignments {
        let Some((field, value)) = a.split_once('=') else {
            return Err(Failure::usage(format!(
                "`{a}`: expected FIELD=VALUE, e.g. port=22 or host=web1"
            )));
        };
        let field = field.trim();
        if field.is_empty() {
            return Err(Failure::usage(format!("`{a}`: the field name is missing")));
        }
        let value =
            match value.strip_prefix('@') {
                Some(file) => Value::str(&std::fs::read_to_string(file).map_err(|e| {
                    Failure::from(format!("{field}=@{file}: cannot read {file}: {e}"))
                })?),
                None => parse_value_text(value, store)
                    .map_err(|e| Failure::from(format!("{field}: {e}")))?,
            };
        assignments.push((field.to_string(), value));
    }
    let type_name = args.type_name.clone();
    let compiled = store.transaction(|s| {
        let id = match (s.lookup(&path)?, &type_name) {
            (Some(id), None) => id,
            (Some(id), Some(t)) => {
                let wanted = s.type_id(t)?;
                let actual = s.get(id)?.type_id;
                if actual != wanted {
                    return Err(StoreError(format!(
                        "{path} exists and is a {}, not a {}",
                        s.abspath(actual)?,
                        s.abspath(wanted)?
                    )));
                }
                id
            }
            (None, Some(t)) => {
                let (parent, name) = match path.rsplit_once('/') {
                    Some(("", n)) => ("/", n),
                    Some((p, n)) => (p, n),
                    None => return Err(StoreError("the root directory exists".into())),
                };
                let parent_id = s.lookup(parent)?.ok_or_else(|| {
                    StoreError(format!("no directory {parent} to create {name} in"))
                })?;
                s.create_child(parent_id, name, Some(t), "root")?
            }
            (None, None) => {
                return Err(StoreError(format!(
                    "no object at {path} (--type TYPE creates it)"
                )))
            }
        };
        let mut compiled = None;
        for (field, value) in assignments {
            compiled = s.assign(id, &field, value)?.or(compiled);
        }
        Ok(compiled)
    })?;
    if let Some(Compiled::Errors(errors)) = compiled {
        for (line, msg) in &errors {
            eprintln!("error: {path}: line {line}: {msg}");
        }
        eprintln!("{path}: the source is stored but does not compile: the flow is not executable");
        return Ok(ExitCode::from(1));
    }
    Ok(ExitCode::SUCCESS)
}

fn rm(store: &mut Store, args: RmArgs) -> Result<ExitCode, Failure> {
    let (path, id) = find(store, &args.path)?;
    store.check_delete(id)?;
    let paths = store.subtree_paths(id)?;
    if paths.len() > 1 && !args.recursive {
        return Err(format!(
            "{path} is not empty ({} objects under it): use -r to delete it with everything under it",
            paths.len() - 1
        )
        .into());
    }
    if !args.dry_run {
        store.delete(id)?;
    }
    let verb = if args.dry_run {
        "would delete"
    } else {
        "deleted"
    };
    for p in &paths {
        outln!("{verb} {p}");
    }
    Ok(ExitCode::SUCCESS)
}
