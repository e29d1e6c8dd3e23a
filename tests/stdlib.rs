//! The standard library of flows (`stdlib/`): its own tests pass under `jfc test`, it
//! checks clean, every store has it under `/lib`, where users cannot write, and a flow
//! of the store calls it.

mod common;

use std::path::Path;
use std::process::Command;

use common::daemon::{agent, json_answer, start, token};
use common::{env, err, out};

const STDLIB: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/stdlib");

/// The `*_test.jf` files under `dir`.
fn test_files(dir: &Path) -> usize {
    walkdir::WalkDir::new(dir)
        .into_iter()
        .map(|e| e.expect("walk stdlib"))
        .filter(|e| e.file_name().to_string_lossy().ends_with("_test.jf"))
        .count()
}

#[test]
fn every_test_of_the_stdlib_passes() {
    let started = std::time::Instant::now();
    let o = Command::new(env!("CARGO_BIN_EXE_jfc"))
        .args(["test", STDLIB])
        .env("NO_COLOR", "1")
        .output()
        .expect("jfc runs");
    let took = started.elapsed();
    // The issue's budget for CI: the whole library's tests in under a minute.
    assert!(
        took < std::time::Duration::from_secs(60),
        "jfc test stdlib/ took {took:?}"
    );
    let n = test_files(Path::new(STDLIB));
    assert!(n >= 8, "the stdlib has {n} tests");
    assert_eq!(o.status.code(), Some(0), "{}{}", out(&o), err(&o));
    assert!(
        out(&o).contains(&format!("{n} passed, 0 failed")),
        "{}",
        out(&o)
    );
}

/// The flows of the library (not their tests), by path.
fn flows() -> Vec<std::path::PathBuf> {
    let mut all: Vec<_> = walkdir::WalkDir::new(STDLIB)
        .into_iter()
        .map(|e| e.expect("walk stdlib").into_path())
        .filter(|p| {
            let name = p.file_name().unwrap_or_default().to_string_lossy();
            name.ends_with(".jf") && !name.ends_with("_test.jf")
        })
        .collect();
    all.sort();
    all
}

/// Every flow that asks for approval (`/task.add`) has a test of the refusal
/// (`<flow>_refused_test.jf`); a flow that is the engine of others in its folder (they
/// call `[./<flow>: ...]`) is covered by theirs, which each must have.
#[test]
fn every_flow_asking_for_approval_has_a_refused_test() {
    let text = |p: &Path| std::fs::read_to_string(p).expect("read a flow");
    let refused = |p: &Path| {
        p.with_file_name(format!(
            "{}_refused_test.jf",
            p.file_stem().unwrap_or_default().to_string_lossy()
        ))
    };
    let all = flows();
    let mut missing = Vec::new();
    for flow in all.iter().filter(|f| text(f).contains("/task.add(")) {
        if refused(flow).is_file() {
            continue;
        }
        let call = format!(
            "[./{}",
            flow.file_stem().unwrap_or_default().to_string_lossy()
        );
        let callers: Vec<_> = all
            .iter()
            .filter(|c| c.parent() == flow.parent() && text(c).contains(&call))
            .collect();
        if callers.is_empty() {
            missing.push(refused(flow));
        }
        missing.extend(
            callers
                .into_iter()
                .map(|c| refused(c))
                .filter(|r| !r.is_file()),
        );
    }
    assert!(all.len() >= 10, "the stdlib has {} flows", all.len());
    assert!(
        missing.is_empty(),
        "approval-refused tests missing: {missing:?}"
    );
}

#[test]
fn the_stdlib_checks_clean_with_deny_warnings() {
    let o = Command::new(env!("CARGO_BIN_EXE_jfc"))
        .args(["check", "--deny-warnings", STDLIB])
        .env("NO_COLOR", "1")
        .output()
        .expect("jfc runs");
    assert_eq!(o.status.code(), Some(0), "{}{}", out(&o), err(&o));
    let said = format!("{}{}", out(&o), err(&o));
    assert!(said.contains(" 0 errors, 0 warnings"), "{said}");
}

#[test]
fn the_whole_library_is_in_the_canonical_layout() {
    let o = Command::new(env!("CARGO_BIN_EXE_jfc"))
        .args(["fmt", "--check", STDLIB])
        .env("NO_COLOR", "1")
        .output()
        .expect("jfc runs");
    assert_eq!(
        o.status.code(),
        Some(0),
        "would change: {}{}",
        out(&o),
        err(&o)
    );
}

#[test]
fn a_new_store_has_the_stdlib_and_users_cannot_change_it() {
    let e = env();
    let o = e.jfc(&["obj", "ls", "/lib/service"]);
    assert_eq!(o.status.code(), Some(66), "no store is made by a look");
    let o = e.jfc(&["obj", "set", "/data", "--type", "Directory"]);
    assert!(o.status.success(), "{}", err(&o));
    let o = e.jfc(&["obj", "cat", "/lib/service/restart"]);
    assert!(o.status.success(), "{}", err(&o));
    assert!(out(&o).contains("systemctl restart"), "{}", out(&o));
    let o = e.jfc(&["obj", "cat", "/lib"]);
    assert!(
        out(&o).contains("description = \"jfc standard library 0.1.0 "),
        "{}",
        out(&o)
    );

    let read_only = ": /lib is the standard library of jfc and is read-only (copy a flow out of it to change it)\n";
    for (args, path) in [
        (
            &["obj", "set", "/lib/service/restart", "description='mine'"][..],
            "/lib/service/restart",
        ),
        (
            &["obj", "set", "/lib/mine", "--type", "Directory"][..],
            "/lib/mine",
        ),
        (&["obj", "rm", "-r", "/lib"][..], "/lib"),
    ] {
        let o = e.jfc(args);
        assert_eq!(o.status.code(), Some(1), "{args:?}: {}", out(&o));
        assert_eq!(err(&o), format!("error: {path}{read_only}"), "{args:?}");
    }
    let flow = e.flow("w.jf", "['mine' >> /lib/disk/cleanup.description]\n");
    let o = e.jfc(&["run", flow.to_str().expect("utf-8")]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        err(&o).contains(&format!("error: /lib/disk/cleanup{read_only}")),
        "{}",
        err(&o)
    );
}

#[test]
fn a_flow_calls_disk_cleanup_of_the_store_on_real_files() {
    let e = env();
    let junk = e.dir.join("junk");
    std::fs::create_dir_all(junk.join("deep")).expect("mkdir");
    for (name, age_days) in [
        ("old.log", 40),
        ("deep/older.log", 90),
        ("new.log", 0),
        ("old.txt", 40),
    ] {
        let p = junk.join(name);
        std::fs::write(&p, "x".repeat(1000)).expect("write");
        let t = std::time::SystemTime::now() - std::time::Duration::from_secs(age_days * 86400);
        std::fs::File::options()
            .write(true)
            .open(&p)
            .and_then(|f| f.set_modified(t))
            .expect("age the file");
    }
    let flow = e.flow(
        "clean.jf",
        &format!(
            "[/lib/disk/cleanup: '{}', pattern='*.log', days=30, approve=false] -> print($RESULT.state, $RESULT.bytes_freed, length($RESULT.deleted))\n",
            junk.display()
        ),
    );
    let o = e.jfc(&["run", flow.to_str().expect("utf-8")]);
    assert_eq!(o.status.code(), Some(0), "{}{}", out(&o), err(&o));
    assert_eq!(out(&o), "cleaned 2000 2\n");
    assert!(!junk.join("old.log").exists() && !junk.join("deep/older.log").exists());
    assert!(junk.join("new.log").exists() && junk.join("old.txt").exists());
}

#[test]
fn the_api_refuses_writes_under_lib_naming_it() {
    let e = env();
    let admin = token(&e.store, "admin", "admin");
    let (mut daemon, base) = start(&e.store, &[]);
    let auth = format!("Bearer {admin}");
    let url = |path: &str| format!("{base}/api/v1/objects{path}");
    let a = agent();
    let answers = [
        a.post(&url("/lib/service"))
            .header("Authorization", &auth)
            .header("Content-Type", "application/json")
            .send(r#"{"name": "mine", "type_object": "Directory"}"#),
        a.patch(&url("/lib/service/restart"))
            .header("Authorization", &auth)
            .header("Content-Type", "application/json")
            .send(r#"{"description": "mine"}"#),
        a.delete(&url("/lib/disk/cleanup"))
            .header("Authorization", &auth)
            .call(),
    ];
    let _ = daemon.kill();
    let _ = daemon.wait();
    let want = [
        (400, "read_only", "/lib/service/mine"),
        (400, "read_only", "/lib/service/restart"),
        (409, "cannot_delete", "/lib/disk/cleanup"),
    ];
    for (answer, (status, code, path)) in answers.into_iter().zip(want) {
        let (got, body) = json_answer(answer.expect("an answer"));
        assert_eq!(
            (got, body["error"]["code"].as_str()),
            (status, Some(code)),
            "{body}"
        );
        let message = body["error"]["message"].as_str().unwrap_or_default();
        assert_eq!(
            message,
            format!("{path}: /lib is the standard library of jfc and is read-only (copy a flow out of it to change it)")
        );
    }
}

#[test]
fn export_of_the_whole_store_leaves_lib_out_and_imports_back() {
    let e = env();
    let o = e.jfc(&["obj", "set", "/data", "--type", "Directory"]);
    assert!(o.status.success(), "{}", err(&o));
    let tree = e.dir.join("tree");
    let o = e.jfc(&["export", "/", tree.to_str().expect("utf-8")]);
    assert!(o.status.success(), "{}", err(&o));
    assert!(
        tree.join("data").is_dir(),
        "the user's objects are exported"
    );
    assert!(!tree.join("lib").exists(), "/lib is exported");
    let o = e.jfc(&["import", tree.to_str().expect("utf-8")]);
    assert!(o.status.success(), "{}{}", out(&o), err(&o));
}

/// An HTTP server on a free loopback port that answers `statuses` in turn (the last
/// one for ever after): its URL.
fn health_server(statuses: &'static [u16]) -> String {
    use std::io::{BufRead, BufReader, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let url = format!("http://{}/health", listener.local_addr().expect("address"));
    std::thread::spawn(move || {
        for (n, stream) in listener.incoming().enumerate() {
            let Ok(mut stream) = stream else { continue };
            let mut request = BufReader::new(stream.try_clone().expect("clone"));
            let mut line = String::new();
            while request.read_line(&mut line).is_ok_and(|read| read > 2) {
                line.clear();
            }
            let status = statuses[n.min(statuses.len() - 1)];
            let _ = write!(
                stream,
                "HTTP/1.1 {status} X\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok"
            );
        }
    });
    url
}

#[test]
fn service_restart_runs_here_and_waits_for_the_health_url() {
    let e = env();
    let bin = e.dir.join("bin");
    std::fs::create_dir_all(&bin).expect("bin");
    let systemctl = bin.join("systemctl");
    std::fs::write(
        &systemctl,
        format!(
            "#!/bin/sh\ncase \"$1\" in\nshow) echo loaded ;;\nrestart) echo \"$2\" >> {}/restarts ;;\nis-active) echo active ;;\n*) exit 1 ;;\nesac\n",
            e.dir.display()
        ),
    )
    .expect("systemctl");
    std::fs::set_permissions(
        &systemctl,
        std::os::unix::fs::PermissionsExt::from_mode(0o755),
    )
    .expect("chmod");
    let url = health_server(&[503, 200]);
    let flow = e.flow(
        "r.jf",
        &format!(
            "[/lib/service/restart: 'fakesvc', sudo=false, approve=false, wait=1, health_url='{url}']\n\
             -> [r = $RESULT] -> print(r.host, r.state, r.healthy, r.tries)\n"
        ),
    );
    let path = format!(
        "{}:{}",
        bin.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let o = e
        .cmd(&["run", flow.to_str().expect("utf-8")])
        .env("PATH", path)
        .output()
        .expect("jfc runs");
    assert_eq!(o.status.code(), Some(0), "{}{}", out(&o), err(&o));
    assert_eq!(out(&o), "localhost recovered true 2\n");
    assert_eq!(e.read("restarts"), "fakesvc\n");
}
