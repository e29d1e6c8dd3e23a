//! `reboot(wait)` against a host that reboots: an sshd of its own whose ForceCommand
//! stands in for the kernel (the test machine itself is never rebooted).

use std::path::PathBuf;
use std::time::{Duration, Instant};

use crate::common::{env, err, out};
use crate::sshd::*;

/// A server that `shutdown -r now` under sudo stops, and starts again `down` seconds
/// later ("never": it stays down). Stopped when dropped.
struct Rebooting {
    port: u16,
    pidfile: PathBuf,
}

impl Rebooting {
    fn start(name: &str, down: &str) -> Rebooting {
        let dir = &sshd().dir;
        let (pidfile, config, log) = (
            dir.join(format!("{name}.pid")),
            dir.join(format!("{name}_config")),
            dir.join(format!("{name}.log")),
        );
        let script = dir.join(format!("{name}.sh"));
        std::fs::write(
            &script,
            format!(
                "#!/bin/sh\n\
                 case \"$SSH_ORIGINAL_COMMAND\" in\n\
                 *sudo*'shutdown -r now'*)\n\
                 \tsetsid sh -c 'kill \"$(cat \"$1\")\"; [ \"$3\" = never ] && exit 0; sleep \"$3\"; exec timeout 120 /usr/sbin/sshd -D -e -f \"$2\" 2>>\"$4\"' \
                 reboot {} {} {down} {} </dev/null >/dev/null 2>&1 &\n\
                 \texit 0 ;;\n\
                 *) exec /bin/bash -c \"$SSH_ORIGINAL_COMMAND\" ;;\n\
                 esac\n",
                pidfile.display(),
                config.display(),
                log.display()
            ),
        )
        .expect("script");
        std::fs::set_permissions(&script, std::os::unix::fs::PermissionsExt::from_mode(0o755))
            .expect("mode");
        let port = free_port();
        let first = format!("ForceCommand {}\n", script.display());
        serve_with(dir, name, &[("127.0.0.1", port)], &first);
        Rebooting { port, pidfile }
    }

    fn pid(&self) -> String {
        std::fs::read_to_string(&self.pidfile).unwrap_or_default()
    }

    fn login(&self) -> String {
        format!(
            "[__host__ = '127.0.0.1', __port__ = {}, __user__ = 'root', __keyfile__ = '{}']",
            self.port,
            sshd().key()
        )
    }
}

impl Drop for Rebooting {
    /// The server started again by the script is no child of this binary.
    fn drop(&mut self) {
        if let Ok(pid) = self.pid().trim().parse::<i32>() {
            if let Some(pid) = rustix::process::Pid::from_raw(pid) {
                let _ = rustix::process::kill_process(pid, rustix::process::Signal::TERM);
            }
        }
    }
}

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
