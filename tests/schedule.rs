//! `jfc schedule next` against Python's dateutil.rrule: for each expression, the firing
//! times over a year (in UTC) must be the ones rrule computes for the same rule.

use std::process::Command;

/// The times `jfc schedule next` prints for `fields`, `count` of them after `after`.
fn jfc_next(fields: &[(&str, &str)], after: &str, count: usize) -> Vec<String> {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_jfc"));
    cmd.args(["schedule", "next", "--utc", "--json", "--after", after]);
    cmd.args(["--count", &count.to_string()]);
    for (field, value) in fields {
        cmd.arg(format!("--{}", field.replace('_', "-"))).arg(value);
    }
    let o = cmd.output().expect("jfc runs");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    serde_json::from_slice(&o.stdout).expect("a JSON array")
}

/// The times the dateutil rule `rule` (Python, with `rrule`, the weekday constants and
/// `S` the start in scope) gives, as RFC 3339 in UTC.
fn rrule(rule: &str) -> Vec<String> {
    let program = format!(
        "import json, datetime as dt\n\
         from dateutil.rrule import *\n\
         S = dt.datetime(2027, 1, 1, tzinfo=dt.timezone.utc)\n\
         E = dt.datetime(2027, 12, 31, 23, 59, tzinfo=dt.timezone.utc)\n\
         print(json.dumps([t.isoformat() for t in {rule}]))"
    );
    let o = Command::new("python3")
        .args(["-c", &program])
        .output()
        .expect("python3 runs (test.sh installs it with dateutil)");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    serde_json::from_slice(&o.stdout).expect("a JSON array")
}

#[test]
fn firing_times_over_a_year_match_dateutil() {
    let cases: &[(&[(&str, &str)], &str)] = &[
        (&[("day", "1st mon")], "rrule(MONTHLY, byweekday=MO(+1), dtstart=S, until=E)"),
        (&[("day", "last fri")], "rrule(MONTHLY, byweekday=FR(-1), dtstart=S, until=E)"),
        (
            &[("day", "1st mon,last fri")],
            "sorted(set(rrule(MONTHLY, byweekday=MO(+1), dtstart=S, until=E)) | set(rrule(MONTHLY, byweekday=FR(-1), dtstart=S, until=E)))",
        ),
        (&[("day", "3rd wed"), ("hour", "14")], "rrule(MONTHLY, byweekday=WE(+3), byhour=14, dtstart=S, until=E)"),
        (&[("day", "5th sun")], "rrule(MONTHLY, byweekday=SU(+5), dtstart=S, until=E)"),
        (&[("day", "last")], "rrule(MONTHLY, bymonthday=-1, dtstart=S, until=E)"),
        (
            &[("month", "jan-mar"), ("day_of_week", "mon-fri"), ("hour", "9"), ("minute", "30")],
            "rrule(DAILY, bymonth=(1, 2, 3), byweekday=(MO, TU, WE, TH, FR), byhour=9, byminute=30, dtstart=S, until=E)",
        ),
        (
            &[("week", "*/2"), ("day_of_week", "sat"), ("hour", "0-23/6")],
            "[t for t in rrule(HOURLY, byweekday=SA, byhour=(0, 6, 12, 18), byminute=0, dtstart=S, until=E) if t.isocalendar()[1] % 2 == 1]",
        ),
    ];
    for (fields, rule) in cases {
        let want = rrule(rule);
        assert!(!want.is_empty(), "{rule} gives nothing");
        let got = jfc_next(fields, "2026-12-31T23:59:00Z", want.len() + 1);
        let within: Vec<String> = got.into_iter().filter(|t| t.as_str() < "2028").collect();
        assert_eq!(within, want, "{fields:?} against {rule}");
    }
}

#[test]
fn a_bad_field_is_a_usage_error_naming_it() {
    let o = Command::new(env!("CARGO_BIN_EXE_jfc"))
        .args(["schedule", "next", "--day", "6th mon"])
        .output()
        .expect("jfc runs");
    assert_eq!(o.status.code(), Some(64));
    assert_eq!(
        String::from_utf8_lossy(&o.stderr),
        "error: day `6th mon`: `6th` is not 1st–5th or last\n"
    );
}

fn jfc(store: &std::path::Path, args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_jfc"))
        .arg("--store")
        .arg(store)
        .args(args)
        .env_remove("JFC_STORE")
        .output()
        .expect("jfc runs")
}

#[test]
fn stored_schedules_are_added_listed_disabled_and_removed() {
    let dir = tempfile::tempdir().expect("dir");
    let store = dir.path().join("s.db");
    let flow = dir.path().join("report.jf");
    std::fs::write(&flow, "|target| print(target)").expect("flow");
    let source = format!("source=@{}", flow.display());
    assert!(
        jfc(&store, &["obj", "set", "/flows", "--type", "Directory"])
            .status
            .success()
    );
    let made = jfc(
        &store,
        &["obj", "set", "/flows/report", "--type", "Jobflow", &source],
    );
    assert!(
        made.status.success(),
        "{}",
        String::from_utf8_lossy(&made.stderr)
    );
    let add = jfc(
        &store,
        &[
            "schedule",
            "add",
            "weekly report",
            "--job",
            "/flows/report",
            "--param",
            "'web1'",
        ]
        .iter()
        .copied()
        .chain(["--day-of-week", "mon", "--hour", "9"])
        .collect::<Vec<_>>(),
    );
    assert!(
        add.status.success(),
        "{}",
        String::from_utf8_lossy(&add.stderr)
    );
    assert_eq!(String::from_utf8_lossy(&add.stdout), "/scheduler/id_1\n");
    let next = jfc(
        &store,
        &[
            "schedule",
            "next",
            "weekly report",
            "--utc",
            "--count",
            "2",
            "--after",
            "2027-01-01T00:00:00Z",
        ],
    );
    assert_eq!(
        String::from_utf8_lossy(&next.stdout),
        "2027-01-04T09:00:00+00:00\n2027-01-11T09:00:00+00:00\n",
        "{}",
        String::from_utf8_lossy(&next.stderr)
    );
    let listed = jfc(&store, &["schedule", "ls", "--json"]);
    let all: serde_json::Value = serde_json::from_slice(&listed.stdout).expect("json");
    assert_eq!(all[0]["abspath"], "/scheduler/id_1");
    assert_eq!(all[0]["parameters"], serde_json::json!(["'web1'"]));
    assert_eq!(all[0]["fields"]["day_of_week"], "mon");
    assert_eq!(all[0]["fields"]["minute"], serde_json::Value::Null);
    assert!(all[0]["next_run_time"].is_string(), "{all}");
    assert!(jfc(&store, &["schedule", "disable", "1"]).status.success());
    let listed = jfc(&store, &["schedule", "ls", "--json"]);
    let all: serde_json::Value = serde_json::from_slice(&listed.stdout).expect("json");
    assert_eq!(
        (&all[0]["disabled"], &all[0]["next_run_time"]),
        (&serde_json::json!(true), &serde_json::Value::Null)
    );
    let bad_job = jfc(
        &store,
        &["schedule", "add", "x", "--job", "/system", "--hour", "1"],
    );
    assert_eq!(bad_job.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&bad_job.stderr)
        .contains("a schedule runs a Jobflow or a ScriptJob"));
    let bad_field = jfc(
        &store,
        &[
            "schedule",
            "add",
            "x",
            "--job",
            "/flows/report",
            "--hour",
            "25",
        ],
    );
    assert_eq!(bad_field.status.code(), Some(64));
    // A dry run names the schedule and keeps it; the removal names it too.
    let dry = jfc(&store, &["schedule", "rm", "--dry-run", "weekly report"]);
    assert_eq!(
        String::from_utf8_lossy(&dry.stdout),
        "would delete schedule 1 (weekly report → /flows/report)\n",
        "{}",
        String::from_utf8_lossy(&dry.stderr)
    );
    let listed = jfc(&store, &["schedule", "ls", "--json"]);
    let all: serde_json::Value = serde_json::from_slice(&listed.stdout).expect("json");
    assert_eq!(all.as_array().map(Vec::len), Some(1), "kept: {all}");
    let rm = jfc(&store, &["schedule", "rm", "/scheduler/id_1"]);
    assert!(rm.status.success());
    assert_eq!(
        String::from_utf8_lossy(&rm.stdout),
        "deleted schedule 1 (weekly report → /flows/report)\n"
    );
    let gone = jfc(&store, &["schedule", "rm", "weekly report"]);
    assert!(String::from_utf8_lossy(&gone.stderr)
        .contains("there is no schedule named `weekly report`"));
}
