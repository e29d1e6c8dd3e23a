//! `__timeout__` under `__sudo__`: what the command started belongs to root, so it is
//! stopped through sudo as well, with the password on stdin.

use std::process::Command;
use std::time::{Duration, Instant};

use crate::common::{env, err, out};
use crate::sshd::*;

#[test]
fn a_timeout_under_sudo_stops_roots_processes_too() {
    let e = env();
    let s = sshd();
    let marker = format!("jfc-sudo-timeout-{}", std::process::id());
    let o = run(
        &e,
        &format!(
            "[__host__ = '127.0.0.1', __port__ = {}, __user__ = '{USER}', __password__ = '{}', __sudo__ = true, __timeout__ = 1]\n\
             -> ['sleep 600 && echo {marker}; echo x'] ->> print($STATUS, $ERROR)",
            s.port, s.password
        ),
    );
    assert!(o.status.success(), "{}", err(&o));
    assert!(
        out(&o).starts_with("-1 the command did not finish within __timeout__ = 1s"),
        "{}",
        out(&o)
    );
    // The server is this machine: nothing of the command is left on it.
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let left = Command::new("pgrep")
            .args(["-a", "-f", &marker])
            .output()
            .expect("pgrep");
        if left.stdout.is_empty() {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "left running: {}",
            String::from_utf8_lossy(&left.stdout)
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}
