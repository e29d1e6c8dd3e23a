//! The command line a job sends to the server, and the stdin it writes: the server's
//! login shell first announces its process group on stderr (to stop it all on a
//! timeout), goes into `__dir__`, then runs the command through `__shell__ -c` (unless
//! `__use_shell__` is false), under `sudo` with `__sudo__`.
//!
//! A sudo password never appears on the command line: it is the first line of stdin,
//! read by `sudo -S` when sudo asks for one, and skipped when it does not (a NOPASSWD
//! rule), so the command's own stdin starts after it either way.

use jfc_vm::host::CommandRequest;

/// The first line the remote side writes on stderr, before the command: the id of the
/// process group the command runs in. Taken off `$ERROR`.
pub const PGID_MARK: &[u8] = b"jfc-pgid:";

/// `s` as one word of a POSIX shell's command line.
pub fn quote(s: &str) -> String {
    shlex::try_quote(s).map_or_else(|_| "''".into(), |q| q.into_owned())
}

/// The line the login shell runs.
pub fn remote_line(req: &CommandRequest) -> String {
    let mut command = if req.use_shell {
        // The login shell has run the user's startup file already: a bash started by
        // sshd would run ~/.bashrc a second time (a slow one costs every job).
        let norc = if req.shell.rsplit('/').next() == Some("bash") {
            " --norc"
        } else {
            ""
        };
        format!("{}{norc} -c {}", quote(&req.shell), quote(&req.command))
    } else {
        req.command.clone()
    };
    if req.sudo {
        command = match req.password {
            Some(_) => format!(
                "if sudo -n true 2>/dev/null; then IFS= read -r _; exec sudo -- {command}; \
                 else exec sudo -S -p '' -- {command}; fi"
            ),
            None => format!("exec sudo -n -- {command}"),
        };
    }
    if let Some(dir) = &req.dir {
        command = format!("cd {} && {command}", quote(dir));
    }
    let mark = String::from_utf8_lossy(PGID_MARK);
    format!("printf '{mark}%s\\n' \"$$\" >&2; {command}")
}

/// What the job writes to the command's stdin: the sudo password's line first when
/// there is one, then the job's `<<` input.
pub fn stdin(req: &CommandRequest) -> Vec<u8> {
    let mut bytes = Vec::new();
    if let (true, Some(password)) = (req.sudo, &req.password) {
        bytes.extend_from_slice(password.as_bytes());
        bytes.push(b'\n');
    }
    if let Some(input) = &req.stdin {
        bytes.extend_from_slice(input);
    }
    bytes
}

#[cfg(test)]
mod tests {
    use super::*;

    fn req(command: &str) -> CommandRequest {
        CommandRequest {
            command: command.into(),
            shell: "/bin/bash".into(),
            use_shell: true,
            ..CommandRequest::default()
        }
    }

    #[test]
    fn the_command_is_quoted_for_the_login_shell() {
        let mut r = req("echo 'a b' $HOME");
        r.dir = Some("/var/my logs".into());
        let words = shlex::split(&remote_line(&r)).expect("shell words");
        let tail = &words[words.len() - 7..];
        assert_eq!(
            tail,
            [
                "cd",
                "/var/my logs",
                "&&",
                "/bin/bash",
                "--norc",
                "-c",
                "echo 'a b' $HOME"
            ]
        );
        r.shell = "/bin/sh".into();
        let words = shlex::split(&remote_line(&r)).expect("shell words");
        assert_eq!(
            &words[words.len() - 3..],
            ["/bin/sh", "-c", "echo 'a b' $HOME"]
        );
        assert!(remote_line(&r).starts_with("printf 'jfc-pgid:%s\\n' \"$$\" >&2; "));
    }

    #[test]
    fn a_sudo_password_is_a_line_of_stdin_never_of_the_command() {
        let mut r = req("id -un");
        r.sudo = true;
        r.password = Some("s3cret pass".into());
        r.stdin = Some(b"input".to_vec());
        assert!(!remote_line(&r).contains("s3cret"));
        assert!(remote_line(&r).contains("sudo -S -p ''"));
        assert_eq!(stdin(&r), b"s3cret pass\ninput");
        r.password = None;
        assert!(remote_line(&r).contains("exec sudo -n -- /bin/bash --norc -c 'id -un'"));
        assert_eq!(stdin(&r), b"input");
    }

    #[test]
    fn a_login_password_is_not_written_to_stdin() {
        let mut r = req("cat");
        r.password = Some("login only".into());
        assert!(stdin(&r).is_empty());
    }
}
