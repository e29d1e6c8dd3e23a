//! `jfc test`: run the tests of flows offline (mocked hosts, a virtual clock, a store of
//! their own). Exit status: 0 every test passed, 1 a test failed, 64 a usage error,
//! 66 a path is missing or no test was found under the paths.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use clap::{Args, ValueEnum};
use jfc_runtime::run::{EXIT_NOINPUT, EXIT_USAGE};
use jfc_tester::discover::{find_tests, TestFile};
use jfc_tester::Outcome;

#[derive(Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum Format {
    Human,
    /// One JSON object a line per test, then one with the totals.
    Json,
}

#[derive(Args)]
#[command(after_help = "\
Tests are `*_test.jf` files, and every flow under a project's `tests/` folder. A test is a
jobflow: it declares mocks (mock_command, mock_login), runs the flow under test, and checks
what happened (assert_equal, assert_match, commands_run). Commands are answered by the mocks,
never run; sleeps, timeouts and delays pass on a virtual clock.")]
pub struct TestArgs {
    /// Test files, or directories searched for tests [default: .]
    pub paths: Vec<PathBuf>,
    /// Run only the tests whose name contains this text.
    #[arg(long, value_name = "TEXT")]
    pub filter: Option<String>,
    /// Tests run at once [default: the number of CPUs]
    #[arg(long, short = 'j', value_name = "N", value_parser = clap::value_parser!(u32).range(1..))]
    pub jobs: Option<u32>,
    /// Also write the outcomes as JUnit XML to FILE (for CI systems).
    #[arg(long, value_name = "FILE")]
    pub junit: Option<PathBuf>,
    /// Output: a line per test and the totals, or JSON lines.
    #[arg(long, value_enum, default_value = "human")]
    pub format: Format,
    /// Where the virtual clock of each test starts (RFC 3339) [default: now]
    #[arg(long, value_name = "TIME")]
    pub clock: Option<chrono::DateTime<chrono::Utc>>,
    /// After the tests, report which jobs and branches of the flows under test ran.
    #[arg(long)]
    pub coverage: bool,
    /// Write that coverage as an lcov tracefile to FILE (genhtml, editors' gutters).
    #[arg(long, value_name = "FILE")]
    pub lcov: Option<PathBuf>,
    /// Wall-clock seconds a test may run before it is ended and failed.
    #[arg(long, value_name = "SECONDS", default_value_t = 60.0)]
    pub timeout: f64,
}

pub fn run(args: TestArgs) -> ExitCode {
    if !(args.timeout.is_finite() && args.timeout > 0.0) {
        eprintln!("error: --timeout must be a positive number of seconds");
        return ExitCode::from(EXIT_USAGE);
    }
    let paths = if args.paths.is_empty() {
        vec![PathBuf::from(".")]
    } else {
        args.paths.clone()
    };
    let tests: Vec<TestFile> = match find_tests(&paths) {
        Ok(found) => found
            .into_iter()
            .filter(|t| {
                args.filter
                    .as_ref()
                    .is_none_or(|f| t.name.contains(f.as_str()))
            })
            .collect(),
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(EXIT_NOINPUT);
        }
    };
    if tests.is_empty() {
        eprintln!(
            "error: no test found under {} (tests are `*_test.jf` files, or flows under a project's `tests/` folder){}",
            paths.iter().map(|p| p.display().to_string()).collect::<Vec<_>>().join(", "),
            if args.filter.is_some() { " matching --filter" } else { "" }
        );
        return ExitCode::from(EXIT_NOINPUT);
    }
    let opts = jfc_tester::Options {
        jobs: args.jobs.map_or_else(
            || std::thread::available_parallelism().map_or(1, usize::from),
            |n| n as usize,
        ),
        clock: args.clock.unwrap_or_else(chrono::Utc::now),
        timeout: Duration::from_secs_f64(args.timeout),
        coverage: args.coverage || args.lcov.is_some(),
    };
    let started = Instant::now();
    let ran = match jfc_tester::run_all(&tests, &opts, |o| show(o, args.format)) {
        Ok(o) => o,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(1);
        }
    };
    let outcomes = &ran.outcomes;
    let failed = outcomes.iter().filter(|o| !o.passed()).count();
    let passed = outcomes.len() - failed;
    let wall = started.elapsed().as_secs_f64();
    // A closed stdout (`| head`) loses the rest of the output, and nothing else.
    let mut out = std::io::stdout().lock();
    let _ = match args.format {
        Format::Human => writeln!(out, "{passed} passed, {failed} failed ({wall:.2}s)"),
        Format::Json => writeln!(
            out,
            "{}",
            serde_json::json!({"passed": passed, "failed": failed, "wall_s": wall})
        ),
    };
    if let Some(file) = &args.junit {
        let written = std::fs::File::create(file)
            .and_then(|f| jfc_tester::junit::write(std::io::BufWriter::new(f), outcomes));
        if let Err(e) = written {
            eprintln!("error: cannot write {}: {e}", file.display());
            return ExitCode::from(1);
        }
    }
    if opts.coverage {
        let tested: Vec<PathBuf> = tests
            .iter()
            .filter_map(|t| std::fs::canonicalize(&t.path).ok())
            .collect();
        let flows = jfc_tester::coverage::report(&ran.coverage, &tested);
        if args.coverage {
            let _ = jfc_tester::coverage::write_text(&mut out, &flows);
        }
        if let Some(file) = &args.lcov {
            let written = std::fs::File::create(file).and_then(|f| {
                let mut w = std::io::BufWriter::new(f);
                jfc_tester::coverage::write_lcov(&mut w, &flows)?;
                w.flush()
            });
            if let Err(e) = written {
                eprintln!("error: cannot write {}: {e}", file.display());
                return ExitCode::from(1);
            }
        }
    }
    if failed > 0 {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}

/// One test's line as it finishes; a failed one with why, and what its flow printed.
fn show(o: &Outcome, format: Format) {
    let mut out = std::io::stdout().lock();
    if format == Format::Json {
        let _ = writeln!(out, "{}", o.to_json());
        return;
    }
    let virtual_time = if o.virtual_time >= Duration::from_secs(1) {
        format!(", {} virtual", human(o.virtual_time))
    } else {
        String::new()
    };
    let verdict = if o.passed() { "ok  " } else { "FAIL" };
    let ms = o.wall.as_secs_f64() * 1000.0;
    let _ = writeln!(out, "{verdict} {} ({ms:.0} ms{virtual_time})", o.name);
    for f in &o.failures {
        for (i, line) in f.lines().enumerate() {
            let _ = writeln!(out, "{}{line}", if i == 0 { "     - " } else { "       " });
        }
    }
    if !o.passed() && !o.console.is_empty() {
        let _ = writeln!(out, "     console:");
        for line in &o.console {
            let _ = writeln!(out, "       | {line}");
        }
    }
}

/// `1h 30m 5s`.
fn human(d: Duration) -> String {
    let s = d.as_secs();
    let (h, m, s) = (s / 3600, s / 60 % 60, s % 60);
    match (h, m) {
        (0, 0) => format!("{s}s"),
        (0, _) => format!("{m}m {s}s"),
        _ => format!("{h}h {m}m {s}s"),
    }
}
