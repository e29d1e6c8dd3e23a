//! `jfc ps [PID]`: the process records of the store (platform.md §2.2).

use std::path::Path;
use std::process::ExitCode;

use clap::Args;
use jfc_store::checkpoints::CheckpointAbout;
use jfc_store::processes::ProcessRecord;
use jfc_store::Store;
use jfc_vm::value::Value;

#[derive(Args)]
#[command(after_help = "\
Every `jfc run` that uses a store records its process: the flow, how it ended and what
it printed. A record left RUNNING by a jfc that was killed shows as ABORTED.

CHECKPOINT says what `jfc resume` can do with a run in checkpoint mode: `saved` (it
runs), `resumable` (its jfc died: `jfc resume PID`; `N in doubt` when commands may have
run, listed by --json), `retry: N failed` (it ended on failed commands: `jfc resume PID
--retry`), `kept`; `-` for a run without checkpoint mode.

Examples:
  jfc ps                 list every process record
  jfc ps 12              print the console of process 12
  jfc ps 12 --json       the whole record of process 12 as JSON
  jfc ps --rm 12         delete the record of a finished process")]
pub struct PsArgs {
    /// A process id: print its console (with --json, its whole record).
    pub pid: Option<i64>,
    /// Print JSON (an array of records, or one record with PID).
    #[arg(long)]
    pub json: bool,
    /// Only processes with this status (a record is RUNNING, WAITING, DONE or ABORTED).
    #[arg(long, value_name = "STATUS", ignore_case = true,
          value_parser = clap::builder::PossibleValuesParser::new(["RUNNING", "WAITING", "DONE", "ABORTED"]))]
    pub status: Option<String>,
    /// Delete the record of the finished process PID.
    #[arg(long, requires = "pid")]
    pub rm: bool,
    /// With --rm: say what would be deleted, delete nothing.
    #[arg(long, requires = "rm")]
    pub dry_run: bool,
}

pub fn run(args: PsArgs, store: Option<&Path>) -> ExitCode {
    match ps(args, store) {
        Ok(code) => code,
        Err(failure) => failure.exit(),
    }
}

fn ps(args: PsArgs, store: Option<&Path>) -> Result<ExitCode, super::Failure> {
    let mut store = super::open_existing_store(store)?;
    if let Some(pid) = args.pid {
        if args.rm {
            return remove(&mut store, pid, args.dry_run);
        }
        let Some(rec) = store.find_process(pid).map_err(|e| e.0)? else {
            return Ok(no_record(pid));
        };
        if args.json {
            let about = store.checkpoint_about(pid).map_err(|e| e.0)?;
            outln!("{}", json(&rec, about.as_ref()));
        } else {
            out!("{}", rec.console);
        }
        return Ok(ExitCode::SUCCESS);
    }
    let wanted = args.status.map(|s| s.to_uppercase());
    let records: Vec<(ProcessRecord, Option<CheckpointAbout>)> = store
        .processes()
        .map_err(|e| e.0)?
        .into_iter()
        .filter(|r| wanted.as_ref().is_none_or(|w| *w == r.status))
        .map(|r| {
            let about = store.checkpoint_about(r.pid).map_err(|e| e.0)?;
            Ok((r, about))
        })
        .collect::<Result<_, String>>()?;
    if args.json {
        let all: Vec<serde_json::Value> =
            records.iter().map(|(r, c)| json(r, c.as_ref())).collect();
        outln!("{}", serde_json::Value::Array(all));
    } else {
        table(&records);
    }
    Ok(ExitCode::SUCCESS)
}

/// A PID with no record is missing input: exit 66, as every jfc command does for it.
fn no_record(pid: i64) -> ExitCode {
    eprintln!("error: no process with pid {pid}");
    ExitCode::from(66)
}

/// `jfc ps PID --rm [--dry-run]`: names the record it deletes (or would delete).
fn remove(store: &mut Store, pid: i64, dry_run: bool) -> Result<ExitCode, super::Failure> {
    let Some(rec) = store.find_process(pid).map_err(|e| e.0)? else {
        return Ok(no_record(pid));
    };
    let what = format!("process {pid} ({}, {})", rec.job, rec.status);
    if dry_run {
        if matches!(rec.status.as_str(), "RUNNING" | "WAITING") {
            return Err(format!("{what} is still running: it cannot be deleted").into());
        }
        outln!("would delete {what}");
    } else {
        store.delete_process(pid).map_err(|e| e.0)?;
        outln!("deleted {what}");
    }
    Ok(ExitCode::SUCCESS)
}

fn table(records: &[(ProcessRecord, Option<CheckpointAbout>)]) {
    outln!(
        "{:>6}  {:>6}  {:<8} {:>4}  {:<19}  {:<19}  {:<22}  JOB",
        "PID",
        "PARENT",
        "STATUS",
        "EXIT",
        "STARTED",
        "FINISHED",
        "CHECKPOINT"
    );
    for (r, about) in records {
        let exit = match &r.exit_status {
            Value::Null => "-".to_string(),
            v => v.to_text(),
        };
        let checkpoint = about
            .as_ref()
            .map_or("-".into(), |a| checkpoint_state(r, a));
        outln!(
            "{:>6}  {:>6}  {:<8} {:>4}  {:<19}  {:<19}  {:<22}  {}",
            r.pid,
            r.parent.map_or("-".into(), |p| p.to_string()),
            r.status,
            exit,
            short_time(&r.started),
            r.finished.as_deref().map_or("-".into(), short_time),
            checkpoint,
            r.job
        );
    }
}

/// What `jfc resume` can do with a run that has a checkpoint: `saved` (it runs),
/// `resumable` (its jfc died; `, 1 in doubt` when commands may have run), `retry: 3
/// failed` (it ended on failed commands), `kept`.
fn checkpoint_state(r: &ProcessRecord, about: &CheckpointAbout) -> String {
    let count = |text: &str| text.lines().filter(|l| !l.is_empty()).count();
    match (r.status.as_str(), &r.finished) {
        ("RUNNING" | "WAITING", _) => "saved".into(),
        ("ABORTED", None) => match count(&about.in_doubt) {
            0 => "resumable".into(),
            n => format!("resumable, {n} in doubt"),
        },
        _ => match count(&about.retry) {
            0 => "kept".into(),
            n => format!("retry: {n} failed"),
        },
    }
}

/// `2026-11-25T06:23:45.123456Z` → `2026-11-25 06:23:45` (UTC).
fn short_time(t: &str) -> String {
    t.get(..19).unwrap_or(t).replace('T', " ")
}

fn json(r: &ProcessRecord, checkpoint: Option<&CheckpointAbout>) -> serde_json::Value {
    let mut record = r.to_json();
    record["checkpoint"] = serde_json::json!(checkpoint.map(|c| {
        let lines = |t: &str| {
            t.lines()
                .filter(|l| !l.is_empty())
                .map(String::from)
                .collect::<Vec<_>>()
        };
        serde_json::json!({
            "state": checkpoint_state(r, c),
            "written": c.written,
            "in_doubt": lines(&c.in_doubt),
            "retry": lines(&c.retry),
        })
    }));
    record
}
