//! `jfc task ls|show|submit|cancel`: the tasks flows put to people (platform.md §5.1).

use std::path::Path;
use std::process::ExitCode;

use clap::{Args, Subcommand};
use jfc_store::tasks::{TaskError, TaskRecord};

#[derive(Args)]
#[command(after_help = "\
A flow makes a task and waits for its answer:
  [t = /task.add('Restart web1?', 'The disk is full', action_text='Restart')] ->
  <t : 3600> => { if $STATUS == 0 | print('answer:', $RESULT) }

Examples:
  jfc task ls
  jfc task submit 3 yes
  jfc task cancel 3")]
pub struct TaskArgs {
    #[command(subcommand)]
    pub command: TaskCommand,
}

#[derive(Subcommand)]
pub enum TaskCommand {
    /// List the open tasks (WAITING, ONGOING); --all lists the closed ones too.
    Ls {
        #[arg(long)]
        all: bool,
        /// Print a JSON array of task records.
        #[arg(long)]
        json: bool,
    },
    /// Print a task: title, message, status, result.
    Show {
        /// Its id (or /task/id_N).
        task: String,
        #[arg(long)]
        json: bool,
    },
    /// Answer an open task: the flow waiting on it receives TEXT (default OK).
    Submit {
        task: String,
        #[arg(default_value = "OK")]
        text: String,
    },
    /// Cancel an open task: the flow waiting on it fails ($STATUS 1).
    Cancel { task: String },
}

/// Exit statuses past 0: 1 for a task already closed, 64 for a bad id, 66 for none.
pub fn run(args: TaskArgs, store: Option<&Path>) -> ExitCode {
    match task(args, store) {
        Ok(()) => ExitCode::SUCCESS,
        Err((code, msg)) => {
            eprintln!("error: {msg}");
            ExitCode::from(code)
        }
    }
}

type Failure = (u8, String);

fn task(args: TaskArgs, store: Option<&Path>) -> Result<(), Failure> {
    let mut store = super::open_existing_store(store).map_err(|e| (e.code, e.message))?;
    match args.command {
        TaskCommand::Ls { all, json } => {
            let tasks: Vec<TaskRecord> = store
                .tasks()
                .map_err(|e| (1, e.0))?
                .into_iter()
                .filter(|t| all || t.is_open())
                .collect();
            if json {
                let all: Vec<_> = tasks.iter().map(TaskRecord::to_json).collect();
                outln!("{}", serde_json::Value::Array(all));
            } else {
                outln!("{:>5}  {:<9} {:<20} TITLE", "ID", "STATUS", "CREATED");
                for t in &tasks {
                    outln!(
                        "{:>5}  {:<9} {:<20} {}",
                        t.id,
                        t.status,
                        short_time(&t.created),
                        t.title
                    );
                }
            }
        }
        TaskCommand::Show { task, json } => {
            let id = task_id(&task)?;
            let t = store
                .task(id)
                .map_err(|e| (1, e.0))?
                .ok_or_else(|| (66, format!("there is no task {id}")))?;
            if json {
                outln!("{}", t.to_json());
            } else {
                out!("{}", describe(&t));
            }
        }
        TaskCommand::Submit { task, text } => {
            let id = task_id(&task)?;
            let t = store.submit_task(id, &text).map_err(failure)?;
            outln!("task {} is DONE: {}", t.id, text);
        }
        TaskCommand::Cancel { task } => {
            let id = task_id(&task)?;
            let t = store.cancel_task(id).map_err(failure)?;
            outln!("task {} is CANCELED", t.id);
        }
    }
    Ok(())
}

fn failure(e: TaskError) -> Failure {
    let code = match e {
        TaskError::Unknown(_) => 66,
        TaskError::Closed(_) | TaskError::Store(_) => 1,
    };
    (code, e.to_string())
}

/// `3`, `id_3` or `/task/id_3`.
fn task_id(text: &str) -> Result<i64, Failure> {
    text.trim_start_matches("/task/")
        .trim_start_matches("id_")
        .parse()
        .map_err(|_| {
            (
                64,
                format!("`{text}` is not a task id (3, id_3 or /task/id_3)"),
            )
        })
}

fn short_time(t: &str) -> String {
    t.get(..19).unwrap_or(t).replace('T', " ")
}

fn describe(t: &TaskRecord) -> String {
    let mut s = format!("task {}  {}\n", t.id, t.status);
    s += &format!("title:    {}\n", t.title);
    if !t.message.is_empty() {
        s += &format!("message:  {}\n", t.message.replace('\n', "\n          "));
    }
    s += &format!("created:  {}\n", short_time(&t.created));
    if let Some(c) = &t.closed {
        s += &format!("closed:   {}\n", short_time(c));
    }
    if let Some(r) = &t.result {
        s += &format!("result:   {r}\n");
    }
    if let Some(p) = t.process {
        s += &format!("process:  {p}\n");
    }
    s
}
