//! The program and arguments a local command runs as (language.md §12, §13.2):
//! through `__shell__`, or split into words with shell rules when `__use_shell__` is
//! false; through sudo for `__sudo__` and for a `__user__` other than the one running jfc.

use std::process::Command;

use jfc_vm::host::CommandRequest;

/// The command to start for `req`, or why it cannot run (a class-B failure).
pub fn build(req: &CommandRequest) -> Result<Command, String> {
    let mut argv = sudo_prefix(req)?;
    argv.extend(words(req)?);
    let mut cmd = Command::new(&argv[0]);
    cmd.args(&argv[1..]);
    if let Some(dir) = &req.dir {
        if req.sudo && !req.use_shell {
            return Err(
                "__dir__ cannot be used with __sudo__ = true and __use_shell__ = false (language.md §12)"
                    .into(),
            );
        }
        // sudo keeps the working directory it is started in.
        cmd.current_dir(dir);
    }
    Ok(cmd)
}

fn words(req: &CommandRequest) -> Result<Vec<String>, String> {
    if req.use_shell {
        return Ok(vec![req.shell.clone(), "-c".into(), req.command.clone()]);
    }
    let words = shlex::split(&req.command).ok_or_else(|| {
        format!(
            "cannot split `{}` into words (__use_shell__ = false): a quote is not closed or a backslash ends it",
            req.command
        )
    })?;
    if words.is_empty() {
        return Err("the command line is empty".into());
    }
    Ok(words)
}

/// `sudo -n -u USER --` when the command runs as another user: root for `__sudo__`,
/// else `__user__` unless that is the user running jfc. `-n`: sudo never waits for a
/// password (it fails with its own message instead); a `__password__` for it is refused
/// rather than written where the command would read it as input.
fn sudo_prefix(req: &CommandRequest) -> Result<Vec<String>, String> {
    let user = req
        .user
        .as_deref()
        .filter(|u| !u.is_empty() && !is_current_user(u));
    let target = match (req.sudo, user) {
        (true, _) => "root",
        (false, Some(u)) => u,
        (false, None) => return Ok(Vec::new()),
    };
    if req.password.is_some() {
        return Err(format!(
            "a local command cannot be given a sudo password (__password__): let the user running jfc run it as {target} without one (sudoers NOPASSWD), or unset __password__"
        ));
    }
    Ok(["sudo", "-n", "-u", target, "--"]
        .map(String::from)
        .to_vec())
}

/// Whether `name` is the user this OS process runs as (by `/etc/passwd`).
fn is_current_user(name: &str) -> bool {
    let me = rustix::process::geteuid().as_raw();
    let Ok(passwd) = std::fs::read_to_string("/etc/passwd") else {
        return false;
    };
    passwd.lines().any(|line| {
        let mut f = line.split(':');
        f.next() == Some(name) && f.nth(1).and_then(|uid| uid.parse().ok()) == Some(me)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn req(cmd: &str) -> CommandRequest {
        CommandRequest {
            command: cmd.into(),
            stdin: None,
            shell: "/bin/sh".into(),
            use_shell: false,
            dir: None,
            timeout: None,
            host: None,
            user: None,
            sudo: false,
            password: None,
            ..CommandRequest::default()
        }
    }

    fn argv(r: &CommandRequest) -> Vec<String> {
        let c = build(r).unwrap();
        std::iter::once(c.get_program())
            .chain(c.get_args())
            .map(|s| s.to_string_lossy().into_owned())
            .collect()
    }

    #[test]
    fn words_follow_shell_quoting() {
        assert_eq!(
            argv(&req(r#"printf "%s|" "a b" c\ d 'e'"#)),
            ["printf", "%s|", "a b", "c d", "e"]
        );
    }

    #[test]
    fn an_open_quote_is_refused_by_name() {
        let e = build(&req("echo 'a")).unwrap_err();
        assert!(e.contains("quote is not closed"), "{e}");
    }

    #[test]
    fn sudo_runs_as_root_and_user_as_that_user() {
        let mut r = req("id");
        r.sudo = true;
        assert_eq!(argv(&r), ["sudo", "-n", "-u", "root", "--", "id"]);
        r.sudo = false;
        r.user = Some("nobody".into());
        assert_eq!(argv(&r), ["sudo", "-n", "-u", "nobody", "--", "id"]);
    }

    #[test]
    fn a_sudo_password_is_refused() {
        let mut r = req("id");
        r.sudo = true;
        r.password = Some("secret".into());
        let e = build(&r).unwrap_err();
        assert!(e.contains("__password__") && !e.contains("secret"), "{e}");
    }
}
