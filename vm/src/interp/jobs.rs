//! Execution jobs, built-in jobs, returns and command completions.

use std::rc::Rc;
use std::time::Duration;

use jfc_compiler::builtins;
use jfc_compiler::bytecode::CONTROL_VARIABLES;

use super::{calls, pop, set_status, Step};
use crate::builtins::codec;
use crate::host::{CommandRequest, Completion, Host, Request, Ticket};
use crate::process::{CommandOptions, Frame, Outcome, Process, StatusVars, Wait};
use crate::scheduler::{deadline_from, Vm};
use crate::value::{Args, Error, ProcessState, Result, Value};

impl<H: Host> Vm<H> {
    /// `[target << input : args]` (language.md §4.2).
    pub(crate) fn exec(&mut self, p: &mut Process, i: usize) -> Result<Step> {
        let spec = p.frame().code.chunk.execs[i].clone();
        // A jobflow object that is full: wait with the job's operands still on the stack,
        // to run the job again when a place is free. Its code is read before the place
        // is taken: after that, no store request may be busy (store_wait).
        let below = spec.call.width() + usize::from(spec.has_input) + 1;
        let mut lock = None;
        let mut object_code = None;
        let target = p.stack.len().checked_sub(below).map(|i| p.stack[i].clone());
        if let Some(Value::Jobflow(f)) = &target {
            if f.path.extension().is_none_or(|e| e != "jf") {
                return self.script_file(p, &f.path.clone(), &spec);
            }
        }
        if let Some(Value::Object(o)) = &target {
            if self.is_script(o)? {
                return self.script_job(p, o, &spec);
            }
            object_code = Some(self.object_code(o)?);
            match self.enter_flow(p.pid, o)? {
                super::multiplicity::Entry::Enter(l) => lock = l,
                super::multiplicity::Entry::Wait => {
                    p.frame_mut().pc -= 1;
                    p.wait = Wait::Event;
                    self.park(p, None);
                    return Ok(Step::Park);
                }
            }
        }
        let args = calls::pop_args_spec(p, &spec.call)?;
        let input = if spec.has_input { Some(pop(p)?) } else { None };
        let target = pop(p)?;
        match &target {
            Value::Str(command) => {
                if !args.pos.is_empty() || !args.kw.is_empty() {
                    return Err(Error::new("a command job takes no arguments; put them in the command string"));
                }
                self.start_command(p, command, input, &spec.controls)
            }
            Value::Jobflow(flow) => {
                if input.is_some() {
                    return Err(Error::new("`<<` input cannot be given to a jobflow; pass it as a parameter"));
                }
                let code = self.load_code(&flow.path)?;
                let dir: Rc<str> = Rc::from(self.host.flow_dir(&flow.path).as_str());
                self.call_jobflow(p, code, dir, args)
            }
            Value::Object(o) => {
                if input.is_some() {
                    return Err(Error::new("`<<` input cannot be given to a jobflow; pass it as a parameter"));
                }
                let (code, dir) = match object_code {
                    Some(found) => found,
                    None => self.object_code(o)?,
                };
                let step = self.call_jobflow(p, code, dir, args);
                match (&step, lock) {
                    (Ok(_), Some(_)) => p.frame_mut().lock = lock,
                    (Err(_), Some(id)) => self.leave_flow(p.pid, id),
                    _ => {}
                }
                step
            }
            Value::Builtin(_) | Value::Method(_) => {
                if input.is_some() {
                    return Err(Error::new("`<<` input can only be given to a command or a script"));
                }
                let v = self.call_value(p, &target, args)?;
                job_result(p, v);
                Ok(Step::Next)
            }
            other => Err(Error::new(format!("cannot execute a {}: an execution job runs a command String, a jobflow or a method", other.type_name()))),
        }
    }

    /// Push a frame running `code` with `args` bound to its parameters (language.md §4.7).
    fn call_jobflow(
        &mut self,
        p: &mut Process,
        code: Rc<crate::code::Code>,
        dir: Rc<str>,
        args: Args,
    ) -> Result<Step> {
        if p.frames.len() >= self.opts.max_call_depth {
            return Err(Error::new(format!(
                "too many nested jobflow calls (more than {}): is the recursion endless?",
                self.opts.max_call_depth
            )));
        }
        let mut frame = Frame::new(code, dir, p.stack.len());
        calls::bind_params(&mut frame, args.pos, args.kw)?;
        p.frames.push(frame);
        Ok(Step::Next)
    }

    /// The command job `command` of `p` as a host request, with the control variables
    /// `controls` read: the request, how to read its output, and the path of `__node__`.
    pub(crate) fn command_request(
        &self,
        p: &Process,
        command: &str,
        input: Option<Value>,
        controls: &[(u8, u16)],
    ) -> Result<(CommandRequest, CommandOptions, Option<Rc<str>>)> {
        let frame = p.frame();
        let control = |name: &str| -> Option<Value> {
            let idx = CONTROL_VARIABLES.iter().position(|c| *c == name)? as u8;
            let &(_, slot) = controls.iter().find(|(c, _)| *c == idx)?;
            frame.slots[slot as usize]
                .clone()
                .filter(|v| !matches!(v, Value::Null))
        };
        let text = |name: &str| control(name).map(|v| v.to_text());
        let flag = |name: &str, default: bool| control(name).map_or(default, |v| v.truthy());
        let encoding = text("__encoding__").unwrap_or_else(|| "utf-8".into());
        let stdin = match input {
            Some(v) => Some(codec::encode(&v.to_text(), &encoding)?),
            None => None,
        };
        let timeout = match control("__timeout__") {
            Some(Value::Int(n)) if n > 0 => Some(Duration::from_secs(n as u64)),
            Some(Value::Float(f)) if f > 0.0 && f.is_finite() => {
                Some(Duration::from_secs_f64(f.min(1e9)))
            }
            _ => None,
        };
        let object = |name: &str| match &control(name) {
            Some(Value::Object(o)) => Some(o.clone()),
            _ => None,
        };
        let node = object("__node__");
        let host = text("__host__").or_else(|| match (&node, control("__node__")) {
            (None, Some(v)) => Some(v.to_text()),
            _ => None,
        });
        let request = CommandRequest {
            command: command.to_string(),
            stdin,
            shell: text("__shell__").unwrap_or_else(|| "/bin/bash".into()),
            use_shell: flag("__use_shell__", true),
            shell_set: control("__shell__").is_some(),
            use_shell_set: control("__use_shell__").is_some(),
            dir: text("__dir__"),
            timeout,
            host,
            user: text("__user__"),
            sudo: flag("__sudo__", false),
            password: text("__password__"),
            port: match control("__port__") {
                Some(Value::Int(n)) => u16::try_from(n).ok(),
                Some(v) => v.to_text().trim().parse().ok(),
                None => None,
            },
            keyfile: text("__keyfile__"),
            passphrase: text("__passphrase__"),
            fresh_connection: !flag("__use_cache__", true),
            node: node.as_ref().map(|o| o.id),
            account: object("__account__").map(|o| o.id),
            key: None,
            pty: flag("__use_pty__", false),
            proxy: control("__proxy__")
                .filter(|v| !matches!(v, Value::Object(_)))
                .map(|v| v.to_text()),
            proxy_node: object("__proxy__").map(|o| o.id),
            proxy_via: None,
            zone: text("__zone__").filter(|z| !z.is_empty()),
            idempotent: flag("__idempotent__", false),
        };
        let options = CommandOptions {
            encoding,
            raw_stdout: flag("__raw_stdout__", false),
            raw_stderr: flag("__raw_stderr__", false),
            request: Some(request.clone()),
            session: None,
        };
        Ok((request, options, node.map(|o| o.path)))
    }

    fn start_command(
        &mut self,
        p: &mut Process,
        command: &str,
        input: Option<Value>,
        controls: &[(u8, u16)],
    ) -> Result<Step> {
        let (request, options, node) = self.command_request(p, command, input, controls)?;
        self.echo_command(&request, node.as_deref(), command);
        self.wait_on_host(p, options, Request::Command(request))
    }

    /// The command echo (platform.md §2.3), when it is on: `[root@web1]$ uptime`.
    pub(super) fn echo_command(&self, request: &CommandRequest, node: Option<&str>, command: &str) {
        let Some(format) = &self.opts.command_echo else {
            return;
        };
        let user = request
            .user
            .clone()
            .unwrap_or_else(|| self.host.user_name());
        let host = request
            .host
            .clone()
            .or_else(|| node.map(str::to_string))
            .unwrap_or_else(|| "localhost".into());
        // `#` when the command runs through sudo, else `$`.
        let sudo = if request.sudo { "#" } else { "$" };
        let line = format
            .replace("{username}", &user)
            .replace("{hostname}", &host)
            .replace("{sudomark}", sudo)
            .replace("{command}", command);
        self.host.report(&line);
    }

    /// Park `p` on `request`, which reads its output as `options` say. Only a command
    /// can be started again after a restart: any other job in doubt is reported.
    pub(super) fn wait_on_host(
        &mut self,
        p: &mut Process,
        mut options: CommandOptions,
        request: Request,
    ) -> Result<Step> {
        if !matches!(request, Request::Command(_)) {
            options.request = None;
        }
        p.command = Some(options);
        p.wait = Wait::Host;
        self.park(p, None);
        let ticket = Ticket {
            pid: p.pid,
            seq: p.seq,
        };
        self.start_request(ticket, request);
        Ok(Step::Park)
    }

    /// A console line of `p`: to the host, and kept for `Process.console`.
    fn console(&self, p: &Process, line: &str) {
        self.host.console(p.pid, line);
        p.info.borrow_mut().keep_console(line);
    }

    /// A built-in job such as `print(...)` or `exit(...)` (library.md §1.2).
    pub(crate) fn builtin_job(&mut self, p: &mut Process, id: u16, c: usize) -> Result<Step> {
        let args = self.materialize_args(calls::pop_args(p, c)?)?;
        let name = builtins::get(id).name;
        match name {
            "print" => {
                let line: Vec<String> = args.pos.iter().map(Value::to_text).collect();
                self.console(p, &line.join(" "));
                job_result(p, Value::Null);
            }
            "exit" => {
                let b = bind(name, args, &["status", "result", "error"])?;
                return Ok(Step::End {
                    state: ProcessState::Done,
                    exit_status: b.first().cloned().flatten().unwrap_or(Value::Int(0)),
                    result: b
                        .get(1)
                        .cloned()
                        .flatten()
                        .unwrap_or_else(|| Value::str("")),
                    error: b
                        .get(2)
                        .cloned()
                        .flatten()
                        .unwrap_or_else(|| Value::str("")),
                });
            }
            "return" => {
                let b = bind(name, args, &["result", "status", "error"])?;
                let vars = StatusVars {
                    result: b
                        .first()
                        .cloned()
                        .flatten()
                        .unwrap_or_else(|| Value::str("")),
                    status: b.get(1).cloned().flatten().unwrap_or(Value::Int(0)),
                    error: b
                        .get(2)
                        .cloned()
                        .flatten()
                        .unwrap_or_else(|| Value::str("")),
                    debug: Value::Null,
                };
                return Ok(self.return_from(p, Some(vars)));
            }
            "abort" => {
                let msg = args.pos.first().map(Value::to_text);
                if let Some(m) = &msg {
                    self.console(p, m);
                }
                return Err(Error::new(msg.unwrap_or_else(|| "aborted".into())));
            }
            "assert" => {
                let b = bind(name, args, &["value", "message"])?;
                if !b.first().cloned().flatten().is_some_and(|v| v.truthy()) {
                    let msg = format!(
                        "assertion failure: {}",
                        b.get(1)
                            .cloned()
                            .flatten()
                            .map_or(String::new(), |m| m.to_text())
                    );
                    self.console(p, &msg);
                    return Err(Error::new(msg));
                }
                job_result(p, Value::Null);
            }
            "sleep" => {
                let b = bind(name, args, &["timeout"])?;
                let timeout = b.first().cloned().flatten().unwrap_or(Value::Null);
                let now = self.host.instant();
                let deadline = deadline_from(&timeout, self.host.now(), now)?;
                job_result(p, Value::Null);
                p.wait = Wait::Sleep;
                self.park(p, deadline.or(Some(now)));
                return Ok(Step::Park);
            }
            "detach" => {
                p.info.borrow_mut().detached = true;
                if let Some(parent) = p.parent.take() {
                    self.child_gone(parent);
                }
                job_result(p, Value::Null);
            }
            "suspend" => {
                job_result(p, Value::Null);
                p.wait = Wait::Suspended;
                p.info.borrow_mut().suspended = true;
                self.park(p, None);
                return Ok(Step::Park);
            }
            "self" => {
                let frame = p.frame_mut();
                let params: Vec<u16> = frame.code.chunk.params.iter().map(|p| p.slot).collect();
                for (i, slot) in frame.slots.iter_mut().enumerate() {
                    if !params.contains(&(i as u16)) {
                        *slot = None;
                    }
                }
                frame.iters.clear();
                frame.pc = 0;
                let (base, depth) = (frame.stack_base, p.frames.len() - 1);
                p.stack.truncate(base);
                p.handlers.retain(|h| h.frame < depth);
                self.leave_session(p, depth, usize::MAX);
            }
            "urlopen" | "mailto" | "download" | "upload" => {
                return self.local_io_job(p, name, args);
            }
            other => {
                // The compiler's table of built-in jobs and this match are kept alike.
                return Err(Error::new(format!(
                    "internal error: `{other}` is a built-in job this VM does not run"
                )));
            }
        }
        Ok(Step::Next)
    }

    /// End the current jobflow invocation; `vars` from `return(...)`, else its status variables.
    pub(crate) fn return_from(&mut self, p: &mut Process, vars: Option<StatusVars>) -> Step {
        let vars = vars.unwrap_or_else(|| p.frame().status.clone());
        if p.frames.len() == 1 {
            return Step::End {
                state: ProcessState::Done,
                exit_status: vars.status,
                result: vars.result,
                error: vars.error,
            };
        }
        let callee = p.frames.pop();
        let depth = p.frames.len();
        p.handlers.retain(|h| h.frame < depth);
        self.leave_session(p, depth, usize::MAX);
        if let Some(f) = callee {
            p.stack.truncate(f.stack_base);
            if let Some(id) = f.lock {
                self.leave_flow(p.pid, id);
            }
        }
        let failed = !matches!(vars.status, Value::Int(0));
        let st = &mut p.frame_mut().status;
        st.result = vars.result;
        st.error = vars.error;
        set_status(
            p,
            vars.status,
            if failed {
                Outcome::JobFailure
            } else {
                Outcome::Success
            },
        );
        Step::Next
    }
}

/// A job that returned a value: `$RESULT = v`, `$STATUS = 0`, `$ERROR = ''`.
pub(crate) fn job_result(p: &mut Process, v: Value) {
    let st = &mut p.frame_mut().status;
    st.result = v;
    st.error = Value::str("");
    set_status(p, Value::Int(0), Outcome::Success);
}

/// Bind the arguments of a control built-in by position or keyword.
pub(super) fn bind(name: &str, args: Args, params: &[&str]) -> Result<Vec<Option<Value>>> {
    let mut out: Vec<Option<Value>> = vec![None; params.len()];
    if args.pos.len() > params.len() {
        return Err(Error::new(format!(
            "{name}() takes at most {} arguments",
            params.len()
        )));
    }
    for (i, v) in args.pos.into_iter().enumerate() {
        out[i] = Some(v);
    }
    for (k, v) in args.kw {
        let i = params
            .iter()
            .position(|p| **p == *k)
            .ok_or_else(|| Error::new(format!("{name}() has no parameter `{k}`")))?;
        out[i] = Some(v);
    }
    Ok(out)
}

/// Apply a command's completion to the process that waited for it (language.md §13.3).
pub(crate) fn finish_command(p: &mut Process, c: Completion) -> Result<()> {
    let opts = p.command.take().unwrap_or(CommandOptions {
        encoding: "utf-8".into(),
        raw_stdout: false,
        raw_stderr: false,
        request: None,
        session: None,
    });
    match c {
        Completion::Command {
            stdout,
            stderr,
            status,
        } => {
            let out = output(stdout, opts.raw_stdout, &opts.encoding);
            let err = output(stderr, opts.raw_stderr, &opts.encoding);
            match (out, err) {
                (Ok(out), Ok(err)) => {
                    let st = &mut p.frame_mut().status;
                    st.result = out;
                    st.error = err;
                    set_status(
                        p,
                        Value::Int(status),
                        if status == 0 {
                            Outcome::Success
                        } else {
                            Outcome::JobFailure
                        },
                    );
                }
                (Err(e), _) | (_, Err(e)) => conn_failure(
                    p,
                    format!("cannot decode the command output as {}: {e}", opts.encoding),
                ),
            }
        }
        Completion::ConnectionFailed(msg) => conn_failure(p, msg),
        Completion::Done => job_result(p, Value::Null),
        Completion::Data(d) => job_result(p, d.into_value()),
        Completion::Failed(msg) => {
            let st = &mut p.frame_mut().status;
            st.result = Value::Null;
            st.error = Value::Str(Rc::from(msg));
            set_status(p, Value::Int(1), Outcome::JobFailure);
        }
        Completion::Transferred(paths) => {
            let st = &mut p.frame_mut().status;
            st.result = Value::array(paths.iter().map(|t| Value::str(t)).collect());
            st.error = Value::str("");
            set_status(p, Value::Int(0), Outcome::Success);
        }
        // Sessions are answered by the VM (interp::session); none comes here.
        Completion::SessionOpened { .. }
        | Completion::SessionOutput { .. }
        | Completion::SessionEnded { .. } => {
            return Err(Error::new("a session's answer reached a command job"))
        }
    }
    Ok(())
}

pub(super) fn conn_failure(p: &mut Process, msg: String) {
    let st = &mut p.frame_mut().status;
    st.result = Value::str("");
    st.error = Value::Str(Rc::from(msg));
    set_status(p, Value::Int(-1), Outcome::ConnFailure);
}

/// Decode command output and drop one final line terminator (Q26).
fn output(bytes: Vec<u8>, raw: bool, encoding: &str) -> Result<Value> {
    if raw {
        return Ok(Value::Bytes(Rc::from(bytes)));
    }
    let mut text = codec::decode(&bytes, encoding)?;
    if text.ends_with('\n') {
        text.pop();
        if text.ends_with('\r') {
            text.pop();
        }
    }
    Ok(Value::Str(Rc::from(text)))
}
