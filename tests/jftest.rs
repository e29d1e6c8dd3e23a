//! `jfc test` end to end: each folder of `tests/jftest/` is run with `jfc test` from
//! inside it (with the arguments of its `args` file, one a line, if it has one) and must
//! print its `expected.out` (timings masked) and exit as it says.
//! `JFC_BLESS=1` writes the outputs instead.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const CASES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/jftest");
/// Where the virtual clock of every test starts: outputs do not depend on the date.
const CLOCK: &str = "2026-01-01T00:00:00Z";

fn jfc_test(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_jfc"))
        .arg("test")
        .args(["--jobs", "1", "--clock", CLOCK])
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .env_remove("JFC_LOG")
        .output()
        .expect("jfc runs")
}

/// `(12 ms` → `(N ms`, `(0.13s)` → `(Ns)`: wall times differ from run to run.
fn mask(text: &str) -> String {
    let mut out = String::new();
    let mut rest = text;
    while let Some(i) = rest.find('(') {
        out.push_str(&rest[..=i]);
        rest = &rest[i + 1..];
        let digits = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(rest.len());
        if digits > 0 && (rest[digits..].starts_with(" ms") || rest[digits..].starts_with("s)")) {
            out.push('N');
            rest = &rest[digits..];
        }
    }
    out.push_str(rest);
    out
}

fn shown(o: &Output) -> String {
    let mut text = format!("exit: {}\n", o.status.code().unwrap_or(-1));
    text.push_str(&mask(&String::from_utf8_lossy(&o.stdout)));
    let stderr = String::from_utf8_lossy(&o.stderr);
    if !stderr.is_empty() {
        text.push_str("--- stderr ---\n");
        text.push_str(&stderr);
    }
    text
}

fn cases() -> Vec<PathBuf> {
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(CASES)
        .unwrap_or_else(|e| panic!("{CASES}: {e}"))
        .map(|e| e.expect("entry").path())
        .filter(|p| p.is_dir())
        .collect();
    dirs.sort();
    assert!(dirs.len() >= 3, "the cases of {CASES} are missing");
    dirs
}

#[test]
fn each_case_prints_what_it_expects() {
    let mut differ = Vec::new();
    for dir in cases() {
        let args = std::fs::read_to_string(dir.join("args")).unwrap_or_default();
        let args: Vec<&str> = args.lines().filter(|l| !l.is_empty()).collect();
        let got = shown(&jfc_test(&dir, &args));
        let expected_file = dir.join("expected.out");
        if std::env::var_os("JFC_BLESS").is_some() {
            std::fs::write(&expected_file, &got).expect("write expected.out");
            continue;
        }
        let expected = std::fs::read_to_string(&expected_file)
            .unwrap_or_else(|e| panic!("{}: {e}", expected_file.display()));
        if got != expected {
            differ.push(format!(
                "{}:\n--- expected\n{expected}--- got\n{got}",
                dir.display()
            ));
        }
    }
    assert!(differ.is_empty(), "{}", differ.join("\n"));
}

#[test]
fn a_long_flow_gives_the_same_outcome_every_time() {
    let dir = Path::new(CASES).join("six_hours");
    let outcome = |o: &Output| -> Vec<serde_json::Value> {
        assert!(o.status.success(), "{}", shown(o));
        String::from_utf8_lossy(&o.stdout)
            .lines()
            .map(|l| {
                let mut v: serde_json::Value = serde_json::from_str(l).expect("a JSON line");
                let fields = v.as_object_mut().expect("an object");
                fields.remove("wall_ms");
                fields.remove("wall_s");
                v
            })
            .collect()
    };
    let mut first = None;
    for _ in 0..20 {
        let o = jfc_test(&dir, &["--format", "json"]);
        // The test's own wall time, as jfc reports it (not the process's start-up, nor
        // the making of the store all tests start from).
        let wall = test_wall_ms(&o);
        assert!(wall < 1000.0, "8 virtual hours took {wall} ms of wall time");
        let got = outcome(&o);
        match &first {
            None => {
                assert_eq!(got[0]["virtual_s"], 8.0 * 3600.0, "{got:?}");
                first = Some(got);
            }
            Some(first) => assert_eq!(&got, first),
        }
    }
}

/// The wall time of the (first) test of a `--format json` run, in milliseconds.
fn test_wall_ms(o: &Output) -> f64 {
    let first = String::from_utf8_lossy(&o.stdout)
        .lines()
        .next()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).expect("a JSON line"))
        .unwrap_or_else(|| panic!("no test ran: {}", shown(o)));
    first["wall_ms"]
        .as_f64()
        .unwrap_or_else(|| panic!("no wall_ms: {first}"))
}

#[test]
fn six_hours_of_hourly_schedules_fire_six_times_in_well_under_a_second() {
    let dir = Path::new(CASES).join("schedules");
    let o = jfc_test(&dir, &["--format", "json", "--filter", "hourly"]);
    assert!(o.status.success(), "{}", shown(&o));
    let wall = test_wall_ms(&o);
    assert!(wall < 1000.0, "6 hourly runs took {wall} ms of wall time");
}

#[test]
fn a_get_mock_writes_its_content_at_the_local_destination() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let into = tmp.path().join("fetched");
    std::fs::create_dir(&into).expect("mkdir");
    let named = tmp.path().join("motd.copy");
    let test = format!(
        "mock_command('get /etc/hosts *', content='127.0.0.1 localhost\\n')\n\
         -> mock_command('get /etc/motd *', content='welcome')\n\
         -> [__host__ = 'web1']\n\
         -> get('/etc/hosts', '{}')\n\
         -> get('/etc/motd', '{}')\n\
         -> assert_equal($RESULT, ['{}'])\n",
        into.display(),
        named.display(),
        named.display()
    );
    std::fs::write(tmp.path().join("fetch_test.jf"), test).expect("write the test");
    let o = jfc_test(tmp.path(), &[]);
    assert!(o.status.success(), "{}", shown(&o));
    let read =
        |p: &Path| std::fs::read_to_string(p).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
    assert_eq!(read(&into.join("hosts")), "127.0.0.1 localhost\n");
    assert_eq!(read(&named), "welcome");
}

#[test]
fn filter_picks_tests_and_junit_reports_them() {
    let dir = Path::new(CASES).join("project");
    let tmp = tempfile::tempdir().expect("temp dir");
    let junit = tmp.path().join("report.xml");
    let o = jfc_test(
        &dir,
        &[
            "--filter",
            "a_mock",
            "--junit",
            junit.to_str().expect("utf-8"),
        ],
    );
    assert_eq!(o.status.code(), Some(1), "{}", shown(&o));
    let xml = std::fs::read_to_string(&junit).expect("the JUnit file");
    assert!(
        xml.contains(r#"<testsuite name="jfc test" tests="1" failures="1""#),
        "{xml}"
    );
    assert!(
        xml.contains(r#"<testcase name="tests/forgot_a_mock.jf""#),
        "{xml}"
    );
    assert!(
        xml.contains("no mock answers `systemctl restart nginx` on db1"),
        "{xml}"
    );
    let none = jfc_test(&dir, &["--filter", "no such test"]);
    assert_eq!(none.status.code(), Some(66), "{}", shown(&none));
}

#[test]
fn a_test_built_in_in_a_flow_is_refused_before_it_runs() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let flow = tmp.path().join("cleanup.jf");
    std::fs::write(&flow, "print('started') -> mock_command('rm -rf /tmp/x')\n").expect("write");
    let o = Command::new(env!("CARGO_BIN_EXE_jfc"))
        .arg("run")
        .arg(&flow)
        .env("NO_COLOR", "1")
        .output()
        .expect("jfc runs");
    assert_eq!(o.status.code(), Some(2));
    assert!(o.stdout.is_empty(), "nothing ran");
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(stderr.contains("a built-in of tests"), "{stderr}");
}

#[test]
fn genhtml_reads_the_lcov_file() {
    let dir = Path::new(CASES).join("coverage");
    let tmp = tempfile::tempdir().expect("temp dir");
    let lcov = tmp.path().join("coverage.info");
    let o = jfc_test(&dir, &["--lcov", lcov.to_str().expect("utf-8")]);
    assert!(o.status.success(), "{}", shown(&o));
    let info = std::fs::read_to_string(&lcov).expect("the lcov file");
    // Checked by hand against coverage/triage.jf: the case's 3 arms, the `->` in its
    // first arm, the 2 arms of the first `if`, the `->>` (after a success, after a
    // failure) and its `if` (then, no arm), the `->` after each of the 4 top-level
    // blocks, the `for` body and the `while` body: 16; the 5 missed are those
    // coverage/expected.out lists.
    assert!(info.contains("BRF:16\nBRH:11\n"), "{info}");
    let html = tmp.path().join("html");
    let genhtml = Command::new("genhtml")
        .arg("--branch-coverage")
        .arg("--output-directory")
        .arg(&html)
        .arg(&lcov)
        .output()
        .expect("genhtml runs (Debian lcov; ./test.sh installs it)");
    assert!(
        genhtml.status.success(),
        "{}{}",
        String::from_utf8_lossy(&genhtml.stdout),
        String::from_utf8_lossy(&genhtml.stderr)
    );
    assert!(html.join("index.html").is_file());
}
