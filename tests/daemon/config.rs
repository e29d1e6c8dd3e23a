//! `jfc serve --config FILE`: settings from a TOML file, flags winning over it, and a
//! key it does not know refused by name.

use serde_json::json;

use crate::harness::{err, Daemon, EPOCH};

#[test]
fn the_daemon_takes_its_settings_from_the_config_file() {
    let dir = tempfile::tempdir().expect("dir");
    let file = dir.path().join("serve.toml");
    std::fs::write(
        &file,
        "[serve]\nmax_body = 300\n\n[scheduler]\ntimezone = \"Asia/Tokyo\"\n\n[engine]\nmax_processes = 50\n",
    )
    .expect("config");
    let config = file.display().to_string();
    let d = Daemon::with(EPOCH, &["--config", &config]);
    d.obj(&["/c", "--type", "Directory"]);
    d.obj(&["/c/in", "--type", "Channel"]);
    d.flow("/c/job", "print(1)");
    let (status, body) = d.call(
        "POST",
        "/api/v1/channels/c/in/messages",
        Some(json!("x".repeat(400))),
    );
    assert_eq!(
        (status, body["error"]["code"].clone()),
        (413, json!("body_too_large"))
    );
    d.send("/c/in", json!("small"));
    let (status, made) = d.call(
        "POST",
        "/api/v1/schedules",
        Some(json!({ "name": "nine", "job": "/c/job", "hour": "9", "minute": "0" })),
    );
    assert_eq!(status, 201, "{made}");
    let next = made["next_run_time"].as_str().unwrap_or_default();
    assert!(
        next.ends_with("T09:00:00+09:00"),
        "not read in Asia/Tokyo: {next}"
    );

    // A flag wins over the file.
    let d = Daemon::with(EPOCH, &["--config", &config, "--max-body", "1000"]);
    d.obj(&["/in", "--type", "Channel"]);
    d.send("/in", json!("x".repeat(400)));
}

#[test]
fn a_config_file_with_an_unknown_key_or_a_bad_zone_is_refused_by_name() {
    let dir = tempfile::tempdir().expect("dir");
    for (text, expected) in [
        ("[serve]\nlistn = \"127.0.0.1:9\"\n", "listn"),
        ("[scheduler]\ntimezone = \"Mars/Olympus\"\n", "Mars/Olympus"),
        ("[serve]\ntls_cert = \"c.pem\"\n", "tls_key"),
    ] {
        let file = dir.path().join("bad.toml");
        std::fs::write(&file, text).expect("config");
        let o = std::process::Command::new(env!("CARGO_BIN_EXE_jfc"))
            .arg("--store")
            .arg(dir.path().join("s.sqlite"))
            .args(["serve", "--listen", "127.0.0.1:0", "--config"])
            .arg(&file)
            .output()
            .expect("jfc runs");
        assert_eq!(o.status.code(), Some(64), "{text}: {}", err(&o));
        assert!(err(&o).contains(expected), "{text}: {}", err(&o));
    }
}
