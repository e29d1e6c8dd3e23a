//! The `jfc` command line: exit statuses, the stdout/stderr split, JSON diagnostics.

use std::path::PathBuf;
use std::process::{Command, Output};

/// Run `jfc ARGS FILE` where FILE holds `flow`, each call in a directory of its own
/// (tests run in parallel), removed when the call returns.
fn jfc(args: &[&str], flow: &str) -> Output {
    let dir = temp_dir();
    let file: PathBuf = dir.path().join("flow.jf");
    std::fs::write(&file, flow).expect("write flow");
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_jfc"));
    cmd.args(args)
        .arg(&file)
        .current_dir(dir.path())
        .env_remove("JFC_STORE");
    cmd.output().expect("jfc runs")
}

/// A fresh directory, removed when the returned value is dropped.
fn temp_dir() -> tempfile::TempDir {
    tempfile::Builder::new()
        .prefix("jfc-cli-")
        .tempdir()
        .expect("temp dir")
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

#[test]
fn trace_goes_to_stderr_and_print_to_stdout() {
    let out = jfc(&["run", "--trace"], "['echo hi'] -> print($RESULT)\n");
    assert_eq!(text(&out.stdout), "hi\n");
    let err = text(&out.stderr);
    assert!(err.contains("@localhost]$ echo hi"), "{err}");
    assert!(err.contains("[trace]"), "{err}");
    assert_eq!(out.status.code(), Some(0));
}

#[test]
fn echo_format_is_configurable() {
    let out = jfc(
        &["run", "--echo-format", "+ {command}"],
        "['true'] -> print('x')\n",
    );
    assert_eq!(text(&out.stderr), "+ true\n");
    assert_eq!(text(&out.stdout), "x\n");
}

#[test]
fn runtime_error_report_names_flow_line_column_and_job() {
    let out = jfc(&["run"], "print('a')\n-> print(1 / 0)\n");
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(text(&out.stdout), "a\n");
    let err = text(&out.stderr);
    assert!(
        err.contains("division by zero") || err.contains("divide"),
        "{err}"
    );
    assert!(err.contains("flow.jf:2:10"), "{err}");
    assert!(err.contains("in job: print(1 / 0)"), "{err}");
}

#[test]
fn exit_status_of_exit_n() {
    assert_eq!(jfc(&["run"], "exit(42)\n").status.code(), Some(42));
}

#[test]
fn parameters_are_expressions() {
    let out = jfc(
        &["run", "-p", "host='web1'", "-p", "n=2 * 3"],
        "|host|\n|n = 1|\nprint(host, n)\n",
    );
    assert_eq!(text(&out.stdout), "web1 6\n");
    let out = jfc(&["run", "-p", "host=web1 +"], "|host|\nprint(host)\n");
    assert_eq!(out.status.code(), Some(64));
    assert!(
        text(&out.stderr).contains("-p host"),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn check_json_lines_and_exit_status() {
    let out = jfc(
        &["check", "--format", "json"],
        "print('x') -> { if true | break }\n",
    );
    assert_eq!(out.status.code(), Some(2));
    let line = text(&out.stdout);
    let v: serde_json::Value = serde_json::from_str(line.trim()).expect("one JSON object");
    assert_eq!(v["code"], "E0003");
    assert_eq!(v["severity"], "error");
    assert_eq!(
        (v["line"].as_u64(), v["column"].as_u64()),
        (Some(1), Some(27))
    );
    assert_eq!(
        (v["end_line"].as_u64(), v["end_column"].as_u64()),
        (Some(1), Some(32))
    );
}

#[test]
fn warnings_pass_unless_denied() {
    let flow = "[unused = 1] -> print('x')\n";
    assert_eq!(jfc(&["check"], flow).status.code(), Some(0));
    assert_eq!(
        jfc(&["check", "--deny-warnings"], flow).status.code(),
        Some(2)
    );
}

#[test]
fn fmt_check_reports_unformatted_files() {
    let out = jfc(&["fmt", "--check"], "print( 'x' )->print('y')\n");
    assert_eq!(out.status.code(), Some(1));
    let out = jfc(&["fmt", "--check"], "print('x')\n-> print('y')\n");
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stdout));
}

#[test]
fn help_is_everywhere() {
    for sub in ["run", "check", "fmt", "disasm"] {
        let out = Command::new(env!("CARGO_BIN_EXE_jfc"))
            .args([sub, "--help"])
            .output()
            .expect("runs");
        assert_eq!(out.status.code(), Some(0), "{sub}");
        assert!(text(&out.stdout).contains("Usage"), "{sub}");
    }
}

#[test]
fn run_with_a_store_reaches_objects_by_absolute_path() {
    let dir = temp_dir();
    let store = dir.path().join("s.sqlite");
    let flow = "[n = /.add('web1', /system/types/NodeInfo)] -> [22 >> n.port] -> print(n, n.port, n.type_name)
-> [/system/channels/Alert.send: {msg = 'disk full'}] -> </system/channels/Alert> -> print($RESULT.msg)
-> [70000 >> n.port] => print('not reached')
";
    let out = jfc(
        &["--store", store.to_str().expect("utf-8 path"), "run"],
        flow,
    );
    assert_eq!(text(&out.stdout), "/web1 22 NodeInfo\ndisk full\n");
    assert_eq!(
        out.status.code(),
        Some(1),
        "a field write that breaks max_value aborts"
    );
    assert!(
        text(&out.stderr).contains("max_value 65535"),
        "{}",
        text(&out.stderr)
    );
    // The object stays in the store file for the next run.
    let out = jfc(
        &["--store", store.to_str().expect("utf-8 path"), "run"],
        "print(/web1.port)\n",
    );
    assert_eq!(text(&out.stdout), "22\n");
}

#[test]
fn a_project_flow_runs_as_its_store_object() {
    let tmp = temp_dir();
    let root = tmp.path();
    for d in ["flows", "nodes"] {
        std::fs::create_dir_all(root.join(d)).expect("dirs");
    }
    std::fs::write(root.join("jfc.toml"), "").expect("write");
    std::fs::write(root.join("flows/helper.jf"), "|h|\nreturn('hello ' + h)\n").expect("write");
    std::fs::write(
        root.join("nodes/web1.toml"),
        "type = \"NodeInfo\"\nhostname = \"web1.example\"\nport = 2222\n",
    )
    .expect("write");
    let main = root.join("flows/main.jf");
    std::fs::write(
        &main,
        "[./helper: ../nodes/web1.hostname] -> print($RESULT, path('/nodes/web1').port)\n",
    )
    .expect("write");
    let store = root.join(".jfc/store.sqlite");
    let run = || {
        Command::new(env!("CARGO_BIN_EXE_jfc"))
            .current_dir(root)
            .args([
                "--store",
                store.to_str().expect("utf-8"),
                "run",
                "flows/main.jf",
            ])
            .output()
            .expect("runs")
    };
    let out = run();
    assert_eq!(
        text(&out.stdout),
        "hello web1.example 2222\n",
        "{}",
        text(&out.stderr)
    );
    // A changed file is imported again before the next run.
    std::fs::write(root.join("flows/helper.jf"), "|h|\nreturn('hi ' + h)\n").expect("write");
    assert_eq!(text(&run().stdout), "hi web1.example 2222\n");
}

#[test]
fn a_bare_word_parameter_names_the_parameter_and_the_fix() {
    let out = jfc(&["run", "-p", "host=web1"], "|host|\nprint(host)\n");
    assert_eq!(out.status.code(), Some(64));
    let err = text(&out.stderr);
    assert!(err.contains("-p host=web1"), "{err}");
    assert!(err.contains(r#"-p host="'web1'""#), "{err}");
    assert!(!err.contains("return"), "the internal wrapper leaks: {err}");
    assert_eq!(err.lines().count(), 1, "{err}");
    // An incomplete expression: the problem, not the wrapper's closing parenthesis.
    let out = jfc(&["run", "-p", "n=1 +"], "|n|\nprint(n)\n");
    let err = text(&out.stderr);
    assert!(!err.contains("`)`") && !err.contains("return"), "{err}");
}

#[test]
fn another_languages_literal_as_a_parameter_names_the_jobflow_one() {
    let out = jfc(&["run", "-p", "on=True"], "|on|\nprint(on)\n");
    assert_eq!(out.status.code(), Some(64));
    let err = text(&out.stderr);
    assert!(err.contains("-p on=true"), "{err}");
    assert!(
        !err.contains("'True'"),
        "a String is not what was meant: {err}"
    );
    let out = jfc(&["run", "-p", "x=None"], "|x|\nprint(x)\n");
    assert!(
        text(&out.stderr).contains("-p x=null"),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn exit_statuses_tell_usage_and_missing_input_from_flow_errors() {
    let flow = "|host|\nprint(host)\n";
    // A parameter missing or unknown, a -p without `=`: usage errors.
    assert_eq!(jfc(&["run"], flow).status.code(), Some(64));
    let unknown = jfc(&["run", "-p", "host=1", "-p", "port=2"], flow);
    assert_eq!(unknown.status.code(), Some(64));
    assert_eq!(jfc(&["run", "-p", "host"], flow).status.code(), Some(64));
    // A bad option value or an unknown option: clap's usage errors, 64 too.
    assert_eq!(jfc(&["run", "--bogus"], flow).status.code(), Some(64));
    let zero = jfc(&["run", "--max-processes", "0"], flow);
    assert_eq!(zero.status.code(), Some(64));
    // The flow does not compile: 2; it aborts: 1.
    assert_eq!(jfc(&["run"], "print(\n").status.code(), Some(2));
    assert_eq!(jfc(&["run"], "abort('x')\n").status.code(), Some(1));
    // No such file: 66.
    let out = Command::new(env!("CARGO_BIN_EXE_jfc"))
        .args(["run", "/nonexistent/jfc/flow.jf"])
        .env_remove("JFC_STORE")
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(66));
    assert!(text(&out.stderr).contains("/nonexistent/jfc/flow.jf"));
}

#[test]
fn bad_option_values_are_refused_with_the_choices() {
    for (args, choices) in [
        (
            &["ps", "--status", "bogus"][..],
            "RUNNING, WAITING, DONE, ABORTED",
        ),
        (
            &["--log-level", "loud", "ps"][..],
            "error, warn, info, debug, trace",
        ),
        (&["check", "--format", "xml", "x.jf"][..], "human, json"),
    ] {
        let out = Command::new(env!("CARGO_BIN_EXE_jfc"))
            .args(args)
            .output()
            .expect("runs");
        assert_eq!(out.status.code(), Some(64), "{args:?}");
        let err = text(&out.stderr);
        assert!(err.contains(choices), "{args:?}: {err}");
    }
}

#[test]
fn a_process_prints_as_its_path_and_children_have_their_own_pid() {
    let out = jfc(
        &["run"],
        "print(current(), current().parent, current().user) ->\n\
         {fork | print(current().pid, current().parent.pid)  print(current().pid, current().parent)}\n\
         -> print(current().children, type(current().started_time), current().console)\n",
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(
        text(&out.stdout),
        "/process/id_1 null null\n2 1\n3 /process/id_1\n\
         [/process/id_2, /process/id_3] Datetime /process/id_1 null null\n\n"
    );
}

#[test]
fn log_level_controls_the_runtime_logs() {
    let flow = "print('x')\n";
    let quiet = jfc(&["run"], flow);
    assert_eq!(text(&quiet.stderr), "");
    let out = jfc(&["--log-level", "info", "run"], flow);
    assert!(
        text(&out.stderr).contains("process 1 runs"),
        "{}",
        text(&out.stderr)
    );
    let dir = temp_dir();
    std::fs::write(dir.path().join("f.jf"), flow).expect("write flow");
    let env = Command::new(env!("CARGO_BIN_EXE_jfc"))
        .args(["run", "f.jf"])
        .current_dir(dir.path())
        .env("JFC_LOG", "jfc_runtime=info")
        .env_remove("JFC_STORE")
        .output()
        .expect("runs");
    assert!(
        text(&env.stderr).contains("process 1 runs"),
        "{}",
        text(&env.stderr)
    );
    assert_eq!(text(&env.stdout), "x\n");
}
