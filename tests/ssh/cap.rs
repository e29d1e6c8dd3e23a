//! The cap on SSH connections open at once (`--max-connections`), counted by the
//! server.

use crate::common::{env, err, out};
use crate::sshd::*;

/// The connections logged in on `port` of the capped server so far (those that only
/// knocked, as the harness does to see it listen, are not counted).
fn connections_on(port: u16) -> usize {
    let log = std::fs::read_to_string(sshd().dir.join("sshd-capped.log")).unwrap_or_default();
    let on_port = format!(" on 127.0.0.1 port {port} ");
    let clients: Vec<&str> = log
        .lines()
        .filter(|l| l.starts_with("Connection from ") && l.contains(&on_port))
        .filter_map(|l| l.split_whitespace().nth(4))
        .collect();
    clients
        .iter()
        .filter(|c| {
            log.contains(&format!(
                "Accepted publickey for root from 127.0.0.1 port {c} "
            ))
        })
        .count()
}

/// A `pfor` of `n` jobs on `port`, each checking its answer; prints the failures.
fn pfor_flow(port: u16, n: usize) -> String {
    format!(
        "[__host__ = '127.0.0.1', __port__ = {port}, __user__ = 'root', __keyfile__ = '{}']\n\
         -> {{ pfor i in {n} | ['sleep 0.2; echo $i'] -> {{ if $RESULT != string(i) | abort('wrong answer') }} }}\n\
         -> print('failed:', $STATUS)",
        sshd().key()
    )
}

#[test]
fn jobs_past_the_connection_cap_wait_for_a_connection() {
    let e = env();
    let port = capped();
    let before = connections_on(port);
    e.flow("f.jf", &pfor_flow(port, 10));
    let o = e.jfc(&["run", "--max-connections", "2", "f.jf"]);
    assert!(o.status.success(), "{}", err(&o));
    assert_eq!(out(&o), "failed: 0\n", "{}", err(&o));
    assert_eq!(
        connections_on(port) - before,
        2,
        "ten jobs on two connections, taken in turn"
    );
}

#[test]
fn max_connections_of_run_and_resume_must_be_positive() {
    let e = env();
    e.flow("f.jf", "print(1)");
    for args in [&["run", "f.jf"][..], &["resume", "1"]] {
        let mut all = vec![args[0], "--max-connections", "0"];
        all.extend_from_slice(&args[1..]);
        let o = e.jfc(&all);
        assert_eq!(o.status.code(), Some(64), "{}", err(&o));
        assert!(
            err(&o).contains("invalid value '0' for '--max-connections <N>'"),
            "{}",
            err(&o)
        );
    }
}

#[test]
fn at_the_cap_a_kept_connection_to_another_host_is_closed_to_make_room() {
    let e = env();
    let s = sshd();
    let (a, b) = (&s.hosts[3], &s.hosts[4]);
    e.flow(
        "f.jf",
        &format!(
            "[__user__ = 'root', __keyfile__ = '{}']\n\
             -> {{ for t in [['{}', {}], ['{}', {}], ['{}', {}]] | [__host__ = t[0], __port__ = t[1]] -> ['echo $SSH_CONNECTION'] -> print(t[0], $RESULT) }}",
            s.key(),
            a.0, a.1, b.0, b.1, a.0, a.1
        ),
    );
    let o = e.jfc(&["run", "--max-connections", "1", "f.jf"]);
    assert!(o.status.success(), "{}", err(&o));
    let text = out(&o);
    let hosts: Vec<&str> = text
        .lines()
        .map(|l| l.split(' ').next().unwrap_or_default())
        .collect();
    assert_eq!(hosts, [a.0.as_str(), &b.0, &a.0], "{text}");
}
