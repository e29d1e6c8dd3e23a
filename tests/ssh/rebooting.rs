//! A host that reboots for the tests of `reboot(wait)`: an sshd of its own whose
//! ForceCommand stands in for the kernel (the test machine itself is never rebooted).

use std::path::PathBuf;

use crate::sshd::*;

/// A server that `shutdown -r now` under sudo stops, and starts again `down` seconds
/// later ("never": it stays down). Stopped when dropped.
pub struct Rebooting {
    pub port: u16,
    pidfile: PathBuf,
}

impl Rebooting {
    pub fn start(name: &str, down: &str) -> Rebooting {
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

    pub fn pid(&self) -> String {
        std::fs::read_to_string(&self.pidfile).unwrap_or_default()
    }

    pub fn login(&self) -> String {
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
