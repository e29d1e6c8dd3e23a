//! Script jobs (language.md §4.2): the ScriptJob's text written to a temporary file on
//! the host the job goes to (here, or over SFTP), run with each argument quoted and the
//! job's input on stdin, and the file deleted afterwards, whether the script succeeded,
//! failed or was stopped by `__timeout__`.

use std::sync::atomic::{AtomicU64, Ordering};

use jfc_vm::host::{Completion, ScriptRequest};

use crate::exec::{run_command, ExecOptions};

/// A name for the temporary file no other script of any jfc uses.
pub fn temp_name(ext: &str) -> String {
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    let ext = ext.trim_start_matches('.');
    let dot = if ext.is_empty() { "" } else { "." };
    format!("jfc-script-{}-{n}-{nanos}{dot}{ext}", std::process::id())
}

/// The command line that runs the script at `path` with `args`, each quoted.
pub fn command_line(path: &str, args: &[String]) -> String {
    std::iter::once(path)
        .chain(args.iter().map(String::as_str))
        .map(crate::ssh::quote)
        .collect::<Vec<_>>()
        .join(" ")
}

/// Run script job `s` here, or on its host.
pub fn run_script(s: &ScriptRequest, opts: &ExecOptions) -> Completion {
    if opts.dry_run {
        let line = command_line(&s.target.command, &s.args);
        let mut shown = s.target.clone();
        shown.command = format!("(script) {line}");
        eprintln!(
            "[dry-run] {}",
            crate::ssh::describe(&shown, opts.store.as_deref())
        );
        return Completion::Command {
            stdout: Vec::new(),
            stderr: Vec::new(),
            status: 0,
        };
    }
    let read;
    let s = match &s.file {
        Some(file) => match std::fs::read_to_string(file) {
            Ok(source) => {
                read = ScriptRequest {
                    source,
                    file: None,
                    ..s.clone()
                };
                &read
            }
            Err(e) => {
                return Completion::ConnectionFailed(format!(
                    "cannot read the script {}: {e}",
                    file.display()
                ))
            }
        },
        None => s,
    };
    let zones = opts.zones.as_deref();
    let job = |target| {
        crate::zones::ZoneJob::Script(ScriptRequest {
            target,
            ..s.clone()
        })
    };
    if let Some(c) = crate::zones::route(&s.target, job, zones, opts.store.as_deref()) {
        return c;
    }
    let name = temp_name(&s.ext);
    if s.target.host.is_some() || s.target.node.is_some() {
        let path = format!("/tmp/{name}");
        let mut req = s.target.clone();
        req.command = command_line(&path, &s.args);
        return crate::ssh::script(&req, &s.source, &path, opts);
    }
    let path = std::env::temp_dir().join(name);
    let written = std::fs::write(&path, &s.source).and_then(|()| {
        std::fs::set_permissions(&path, std::os::unix::fs::PermissionsExt::from_mode(0o700))
    });
    if let Err(e) = written {
        let _ = std::fs::remove_file(&path);
        return Completion::ConnectionFailed(format!(
            "cannot write the script {} to {}: {e}",
            s.target.command,
            path.display()
        ));
    }
    let mut req = s.target.clone();
    req.command = command_line(&path.display().to_string(), &s.args);
    let done = run_command(&req, opts);
    let _ = std::fs::remove_file(&path);
    done
}

#[cfg(test)]
mod tests {
    use super::*;
    use jfc_vm::host::CommandRequest;

    fn script(source: &str, args: &[&str]) -> ScriptRequest {
        ScriptRequest {
            source: source.into(),
            file: None,
            ext: "sh".into(),
            args: args.iter().map(|a| a.to_string()).collect(),
            target: CommandRequest {
                command: "/scripts/t".into(),
                shell: "/bin/bash".into(),
                use_shell: true,
                stdin: Some(b"piped".to_vec()),
                ..CommandRequest::default()
            },
        }
    }

    #[test]
    fn a_local_script_gets_its_arguments_and_input_and_leaves_no_file() {
        let before = leftovers();
        let c = run_script(
            &script(
                "#!/bin/sh\nprintf '%s|' \"$@\"; cat; exit 4\n",
                &["a b", "$HOME", "'q'"],
            ),
            &ExecOptions::default(),
        );
        let Completion::Command { stdout, status, .. } = c else {
            panic!("{c:?}");
        };
        assert_eq!(String::from_utf8_lossy(&stdout), "a b|$HOME|'q'|piped");
        assert_eq!(status, 4);
        assert_eq!(leftovers(), before, "the temporary file is deleted");
    }

    fn leftovers() -> usize {
        let mine = format!("jfc-script-{}-", std::process::id());
        std::fs::read_dir(std::env::temp_dir())
            .map(|d| {
                d.filter_map(Result::ok)
                    .filter(|e| e.file_name().to_string_lossy().starts_with(&mine))
                    .count()
            })
            .unwrap_or(0)
    }
}
