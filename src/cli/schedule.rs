//! `jfc schedule add|ls|rm|enable|disable|next`: the schedules of the store, and when
//! time fields fire (platform.md §4), to check an expression before trusting a runbook
//! to it. The daemon runs them (later).

use std::path::Path;
use std::process::ExitCode;

use clap::{Args, Subcommand};
use jfc_store::cron::Schedule;
use jfc_store::schedules::{ScheduleRecord, TIME_FIELDS};

use super::Failure;

#[derive(Args)]
pub struct ScheduleArgs {
    #[command(subcommand)]
    pub command: ScheduleCommand,
}

const FIELD_HELP: &str = "\
Each time field is a comma-separated list of `*`, `*/a`, `a-b`, `a-b/c` or a value
(day_of_week also mon..sun, month also jan..dec); --day also takes `1st mon` ... `5th sun`,
`last fri` and `last`. Fields after the last one given take their minimum (week and
day_of_week stay `*`); fields before it mean `*`. day and day_of_week must both match.";

/// The seven time fields as options.
#[derive(Args, Default)]
pub struct TimeFields {
    /// 4-digit year.
    #[arg(long)]
    year: Option<String>,
    /// 1-12, or jan..dec.
    #[arg(long)]
    month: Option<String>,
    /// Day of the month, or `1st mon`, `last fri`, `last`.
    #[arg(long)]
    day: Option<String>,
    /// ISO 8601 week number.
    #[arg(long)]
    week: Option<String>,
    /// 0 (Monday) to 6 (Sunday), or mon..sun.
    #[arg(long)]
    day_of_week: Option<String>,
    /// 0-23.
    #[arg(long)]
    hour: Option<String>,
    /// 0-59.
    #[arg(long)]
    minute: Option<String>,
}

impl TimeFields {
    fn values(&self) -> [Option<String>; 7] {
        [
            &self.year,
            &self.month,
            &self.day,
            &self.week,
            &self.day_of_week,
            &self.hour,
            &self.minute,
        ]
        .map(Clone::clone)
    }
}

#[derive(Subcommand)]
pub enum ScheduleCommand {
    /// Record a schedule that runs a Jobflow or ScriptJob of the store.
    #[command(after_help = FIELD_HELP)]
    Add {
        /// A name for it.
        name: String,
        /// The Jobflow or ScriptJob to run.
        #[arg(long, value_name = "PATH")]
        job: String,
        /// A parameter for the job: a jobflow expression (`"'web1'"`, `3`,
        /// `/servers/web1`), passed in order; `NAME=EXPR` passes it by name. Repeat for
        /// several. Computed each time the schedule fires.
        #[arg(long = "param", value_name = "EXPR")]
        parameters: Vec<String>,
        #[arg(long, default_value = "")]
        description: String,
        /// The user the job runs as.
        #[arg(long, default_value = "root")]
        user: String,
        /// Record it disabled: it never fires until enabled.
        #[arg(long)]
        disabled: bool,
        /// Firing times missed while no daemon ran: `skip` runs one missed by less
        /// than a minute, `once` runs the job once for all of them, `all` runs it for
        /// each (at most 100).
        #[arg(long, default_value = "skip", value_parser = ["skip", "once", "all"])]
        missed: String,
        #[command(flatten)]
        fields: TimeFields,
    },
    /// List the schedules with their next firing time.
    Ls {
        /// Print a JSON array of schedule records.
        #[arg(long)]
        json: bool,
    },
    /// Remove a schedule (by id, /scheduler/id_N, or name), naming it.
    Rm {
        schedule: String,
        /// Name the schedule that would be removed; remove nothing.
        #[arg(long)]
        dry_run: bool,
    },
    /// Let a disabled schedule fire again.
    Enable { schedule: String },
    /// Stop a schedule from firing, keeping it.
    Disable { schedule: String },
    /// Print the next times a schedule, or the given fields, fire.
    #[command(after_help = FIELD_HELP)]
    Next {
        /// A stored schedule (by id or name); else the fields given.
        schedule: Option<String>,
        #[command(flatten)]
        fields: TimeFields,
        /// How many firing times to print.
        #[arg(long, default_value_t = 5)]
        count: usize,
        /// Start after this time (RFC 3339; default: now).
        #[arg(long, value_name = "TIME")]
        after: Option<String>,
        /// Read the fields in UTC rather than the local time zone.
        #[arg(long)]
        utc: bool,
        /// Print a JSON array of RFC 3339 times.
        #[arg(long)]
        json: bool,
    },
}

pub fn run(args: ScheduleArgs, store: Option<&Path>) -> ExitCode {
    match schedule(args, store) {
        Ok(()) => ExitCode::SUCCESS,
        Err(failure) => failure.exit(),
    }
}

fn schedule(args: ScheduleArgs, store: Option<&Path>) -> Result<(), Failure> {
    match args.command {
        ScheduleCommand::Add {
            name,
            job,
            parameters,
            description,
            user,
            disabled,
            missed,
            fields,
        } => {
            let fields = fields.values();
            parse(&fields)?;
            let mut store = super::open_store(store)?;
            let record = ScheduleRecord {
                id: 0,
                name,
                description,
                user,
                job,
                parameters,
                fields,
                disabled,
                created: String::new(),
                missed,
            };
            let id = store.add_schedule(&record).map_err(|e| e.0)?;
            outln!("/scheduler/id_{id}");
        }
        ScheduleCommand::Ls { json } => {
            let store = super::open_existing_store(store)?;
            list(&store.schedules().map_err(|e| e.0)?, json);
        }
        ScheduleCommand::Rm { schedule, dry_run } => {
            let mut store = super::open_existing_store(store)?;
            let s = store.find_schedule(&schedule).map_err(|e| e.0)?;
            let what = describe(&s);
            if dry_run {
                outln!("would delete {what}");
            } else {
                store.remove_schedule(s.id).map_err(|e| e.0)?;
                outln!("deleted {what}");
            }
        }
        ScheduleCommand::Enable { schedule } => set_disabled(store, &schedule, false)?,
        ScheduleCommand::Disable { schedule } => set_disabled(store, &schedule, true)?,
        ScheduleCommand::Next {
            schedule,
            fields,
            count,
            after,
            utc,
            json,
        } => {
            let fields = match schedule {
                Some(which) => {
                    if fields.values().iter().any(Option::is_some) {
                        return Err(Failure::usage(
                            "give a stored schedule or time fields, not both",
                        ));
                    }
                    let store = super::open_existing_store(store)?;
                    let s = store.find_schedule(&which).map_err(|e| e.0)?;
                    if s.disabled {
                        eprintln!("{} is disabled: it does not fire", s.abspath());
                        return Ok(());
                    }
                    s.fields
                }
                None => fields.values(),
            };
            let schedule = parse(&fields)?;
            let after = match after {
                Some(t) => chrono::DateTime::parse_from_rfc3339(&t)
                    .map_err(|e| {
                        Failure::usage(format!("--after {t}: not an RFC 3339 time ({e})"))
                    })?
                    .with_timezone(&chrono::Utc),
                None => chrono::Utc::now(),
            };
            let times = if utc {
                firings(&schedule, after, count)
            } else {
                firings(&schedule, after.with_timezone(&chrono::Local), count)
            };
            if json {
                outln!("{}", serde_json::Value::from(times));
            } else {
                times.iter().for_each(|t| outln!("{t}"));
            }
        }
    }
    Ok(())
}

/// `schedule 3 (nightly → /jobs/backup)`: which schedule a deleting command means.
fn describe(s: &ScheduleRecord) -> String {
    if s.name.is_empty() {
        format!("schedule {} (→ {})", s.id, s.job)
    } else {
        format!("schedule {} ({} → {})", s.id, s.name, s.job)
    }
}

fn set_disabled(store: Option<&Path>, which: &str, disabled: bool) -> Result<(), Failure> {
    let mut store = super::open_existing_store(store)?;
    let s = store.find_schedule(which).map_err(|e| e.0)?;
    Ok(store
        .set_schedule_disabled(s.id, disabled)
        .map_err(|e| e.0)?)
}

fn parse(fields: &[Option<String>; 7]) -> Result<Schedule, Failure> {
    Schedule::parse(fields.each_ref().map(|f| f.as_deref())).map_err(Failure::usage)
}

/// `jfc schedule ls`: each schedule with its next firing time (local zone).
fn list(schedules: &[ScheduleRecord], json: bool) {
    let next = |s: &ScheduleRecord| s.next_after(&chrono::Local::now()).map(|t| t.to_rfc3339());
    if json {
        let all: Vec<serde_json::Value> = schedules.iter().map(|s| s.to_json(next(s))).collect();
        outln!("{}", serde_json::Value::Array(all));
        return;
    }
    for s in schedules {
        let given: Vec<String> = TIME_FIELDS
            .iter()
            .zip(&s.fields)
            .filter_map(|(k, v)| v.as_ref().map(|v| format!("{k}={v}")))
            .collect();
        let when = next(s).unwrap_or_else(|| "disabled".into());
        outln!(
            "{:<5} {:<20} {:<28} {:<32} {when}",
            s.id,
            s.name,
            s.job,
            given.join(" ")
        );
    }
}

/// Up to `count` firing times after `after`, as RFC 3339 text in its zone.
fn firings<Tz: chrono::TimeZone>(
    schedule: &Schedule,
    after: chrono::DateTime<Tz>,
    count: usize,
) -> Vec<String>
where
    Tz::Offset: std::fmt::Display,
{
    let mut out = Vec::new();
    let mut t = after;
    while out.len() < count {
        let Some(next) = schedule.next_after(&t) else {
            break;
        };
        out.push(next.to_rfc3339());
        t = next;
    }
    out
}
