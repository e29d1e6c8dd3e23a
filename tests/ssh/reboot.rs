//! `reboot(wait)` against a host that reboots (crate::rebooting).

use std::time::{Duration, Instant};

use crate::common::{env, err, out};
use crate::rebooting::Rebooting;
use crate::sshd::*;

#[test]
fn reboot_waits_until_the_host_is_back() {
    let e = env();
    let host = Rebooting::start("sshd-reboot", "2");
    let before = host.pid();
    let started = Instant::now();
    let o = run(
        &e,
        &format!(
            "{} -> ['echo up'] -> reboot(wait=20) -> print($STATUS, $RESULT == null)\n\
             -> ['echo back'] -> print($RESULT)",
            host.login()
        ),
    );
    let took = started.elapsed();
    assert!(o.status.success(), "{}", err(&o));
    assert_eq!(out(&o), "0 true\nback\n");
    assert!(
        took >= Duration::from_secs(2),
        "back before it was up: {took:?}"
    );
    assert_ne!(host.pid(), before, "the server was started again");
}

#[test]
fn a_host_that_stays_down_fails_the_reboot() {
    let e = env();
    let host = Rebooting::start("sshd-reboot-never", "never");
    let o = run(
        &e,
        &format!(
            "{} -> reboot(wait=1) =>> print($STATUS, $ERROR)",
            host.login()
        ),
    );
    assert!(o.status.success(), "{}", err(&o));
    assert!(
        out(&o).starts_with(&format!(
            "-1 127.0.0.1:{}: reboot: the host went down and did not accept a login again within wait = 1s (last try: cannot connect",
            host.port
        )),
        "{}",
        out(&o)
    );
}

#[test]
fn reboot_needs_a_host_and_a_dry_run_only_says_it() {
    let e = env();
    let o = run(&e, "reboot(wait=5) =>> print($STATUS, $ERROR)");
    assert_eq!(
        out(&o),
        "-1 reboot needs a host (__host__ or __node__): jfc does not reboot the machine it runs on\n",
        "{}",
        err(&o)
    );
    e.flow(
        "walk.jf",
        "[__host__ = 'web1', __user__ = 'ops'] -> reboot() -> print($STATUS, $RESULT == null)",
    );
    let o = e.jfc(&["run", "--dry-run", "walk.jf"]);
    assert_eq!(out(&o), "0 true\n", "{}", err(&o));
    assert!(
        err(&o).contains(
            "[dry-run] ops@web1:22 # shutdown -r now (reboot: then wait up to 120s for the host to come back)"
        ),
        "{}",
        err(&o)
    );
}
