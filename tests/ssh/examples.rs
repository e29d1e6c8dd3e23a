//! The examples that log in to hosts, run for real with the shared sshd as their hosts:
//! `examples/remote_command.jf`, and the node loop of `examples/ops`
//! (`flows/uptime_all.jf`) over the project's imported nodes, pointed at the server.

use std::path::PathBuf;
use std::process::{Command, Output};

use crate::common::{env, err, out, Env};
use crate::obj_set;
use crate::sshd::{free_port, sshd};

fn example(rel: &str) -> String {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("examples")
        .join(rel)
        .display()
        .to_string()
}

/// `jfc run examples/remote_command.jf` against the shared server, as root with its key.
fn remote_command(e: &Env, host: &str, port: u16, extra: &[&str]) -> Output {
    let (host, port, key) = (
        format!("host='{host}'"),
        format!("port={port}"),
        format!("keyfile='{}'", sshd().key()),
    );
    let mut args = vec!["run".to_string(), example("remote_command.jf")];
    for p in [host.as_str(), port.as_str(), "user='root'", key.as_str()]
        .into_iter()
        .chain(extra.iter().copied())
    {
        args.push("-p".into());
        args.push(p.into());
    }
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    e.jfc(&args)
}

/// All a run wrote, stdout then stderr (an abort's message is on one of them).
fn said(o: &Output) -> String {
    format!("{}{}", out(o), err(o))
}

#[test]
fn the_remote_command_example_runs_on_the_host() {
    let e = env();
    let s = sshd();
    // `uname -a` there is this machine's: the server runs here.
    let local = Command::new("uname").arg("-a").output().expect("uname");
    let o = remote_command(&e, "127.0.0.1", s.port, &[]);
    assert!(o.status.success(), "{}", err(&o));
    assert_eq!(
        out(&o),
        format!("127.0.0.1: {}", String::from_utf8_lossy(&local.stdout))
    );
    // Another of the server's addresses, and a command of one's own.
    let (host, port) = &s.hosts[0];
    let o = remote_command(
        &e,
        host,
        *port,
        &["command='echo $SSH_CONNECTION | cut -d\" \" -f3; id -un'"],
    );
    assert!(o.status.success(), "{}", err(&o));
    assert_eq!(out(&o), format!("{host}: {host}\nroot\n"));
    // A command that fails, and a host where nothing listens: the example aborts, naming it.
    let o = remote_command(&e, "127.0.0.1", s.port, &["command='echo no >&2; exit 4'"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        said(&o).contains("127.0.0.1 failed (status 4): no"),
        "{}",
        said(&o)
    );
    let o = remote_command(&e, "127.0.0.1", free_port(), &[]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        said(&o).contains("127.0.0.1 failed (status -1): cannot connect to 127.0.0.1:"),
        "{}",
        said(&o)
    );
}

#[test]
fn the_ops_node_loop_asks_every_imported_node() {
    let e = env();
    let s = sshd();
    let o = e.jfc(&["import", &example("ops")]);
    assert!(o.status.success(), "{}", err(&o));
    // The project's web1 and db1, on two addresses of the shared server, as root.
    obj_set(
        &e,
        &[
            "/ops",
            "--type",
            "AccountInfo",
            "user=root",
            &s.keyfile_field(),
        ],
    );
    let (db_host, db_port) = &s.hosts[1];
    for (node, host, port) in [
        ("/nodes/web1", "127.0.0.1", s.port),
        ("/nodes/db1", db_host.as_str(), *db_port),
    ] {
        obj_set(
            &e,
            &[
                node,
                &format!("hostname={host}"),
                &format!("port={port}"),
                "account=/ops",
            ],
        );
    }
    let o = e.jfc(&["run", "/flows/uptime_all"]);
    assert!(o.status.success(), "{}", err(&o));
    let text = out(&o);
    let mut lines: Vec<&str> = text.lines().collect();
    lines.sort_unstable();
    assert_eq!(lines.len(), 2, "{text}");
    for (line, node) in lines.iter().zip(["db1", "web1"]) {
        assert!(
            line.starts_with(&format!("{node}: ")) && line.contains("load average"),
            "{text}"
        );
    }
    // A third node nothing answers: reported, and the flow aborts counting it.
    obj_set(
        &e,
        &[
            "/nodes/gone",
            "--type",
            "NodeInfo",
            "hostname=127.0.0.1",
            &format!("port={}", free_port()),
            "account=/ops",
        ],
    );
    let o = e.jfc(&["run", "/flows/uptime_all"]);
    assert_eq!(o.status.code(), Some(1), "{}", out(&o));
    assert!(
        out(&o).contains("gone: unreachable: cannot connect to 127.0.0.1:"),
        "{}",
        out(&o)
    );
    assert_eq!(
        out(&o)
            .lines()
            .filter(|l| l.contains("load average"))
            .count(),
        2
    );
    assert!(
        said(&o).contains("1 of 3 nodes unreachable"),
        "{}",
        said(&o)
    );
}
