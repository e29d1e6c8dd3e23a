//! `jfc schedule next`: when a schedule's time fields fire (platform.md §4.2), to check
//! an expression before trusting a runbook to it.

use std::process::ExitCode;

use clap::{Args, Subcommand};
use jfc_daemon::schedule::Schedule;

#[derive(Args)]
pub struct ScheduleArgs {
    #[command(subcommand)]
    pub command: ScheduleCommand,
}

#[derive(Subcommand)]
pub enum ScheduleCommand {
    /// Print the next times the given fields fire.
    #[command(after_help = "\
Each field is a comma-separated list of `*`, `*/a`, `a-b`, `a-b/c` or a value
(day_of_week also mon..sun, month also jan..dec); --day also takes `1st mon` ... `5th sun`,
`last fri` and `last`. Fields after the last one given take their minimum (week and
day_of_week stay `*`); fields before it mean `*`. day and day_of_week must both match.

Examples:
  jfc schedule next --day-of-week mon-fri --hour 9 --minute 30
  jfc schedule next --month 12 --day '1st mon,last fri' --count 4 --utc")]
    Next {
        #[arg(long)]
        year: Option<String>,
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
        #[arg(long)]
        hour: Option<String>,
        #[arg(long)]
        minute: Option<String>,
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

pub fn run(args: ScheduleArgs) -> ExitCode {
    match schedule(args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(msg) => {
            eprintln!("error: {msg}");
            ExitCode::from(jfc_runtime::run::EXIT_USAGE)
        }
    }
}

fn schedule(args: ScheduleArgs) -> Result<(), String> {
    let ScheduleCommand::Next {
        year,
        month,
        day,
        week,
        day_of_week,
        hour,
        minute,
        count,
        after,
        utc,
        json,
    } = args.command;
    let fields = [&year, &month, &day, &week, &day_of_week, &hour, &minute].map(|f| f.as_deref());
    let schedule = Schedule::parse(fields)?;
    let after = match after {
        Some(t) => chrono::DateTime::parse_from_rfc3339(&t)
            .map_err(|e| format!("--after {t}: not an RFC 3339 time ({e})"))?
            .with_timezone(&chrono::Utc),
        None => chrono::Utc::now(),
    };
    let times = if utc {
        firings(&schedule, after, count)
    } else {
        firings(&schedule, after.with_timezone(&chrono::Local), count)
    };
    if json {
        println!("{}", serde_json::Value::from(times));
    } else {
        times.iter().for_each(|t| println!("{t}"));
    }
    Ok(())
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
