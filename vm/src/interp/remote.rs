//! Jobs that reach the host the control variables choose, as command jobs do: remote
//! built-ins (library.md §1.11: `put`, `get`, `reboot`) and script jobs (language.md
//! §4.2).

use std::time::Duration;

use std::path::{Path, PathBuf};

use jfc_compiler::builtins;
use jfc_compiler::bytecode::ExecSpec;

use super::jobs::bind;
use super::{calls, pop, Step};
use crate::host::{Host, RebootRequest, Request, ScriptRequest, StoreRequest, TransferRequest};
use crate::process::Process;
use crate::scheduler::Vm;
use crate::value::{Args, Error, ObjectRef, Result, Value};

impl<H: Host> Vm<H> {
    /// Run remote built-in job `id` with the arguments and control variables of
    /// `execs[i]`: the process waits for the host, as for a command.
    pub(crate) fn remote_job(&mut self, p: &mut Process, id: u16, i: usize) -> Result<Step> {
        let spec = p.frame().code.chunk.execs[i].clone();
        let args = self.materialize_args(calls::pop_args_spec(p, &spec.call)?)?;
        let name = builtins::get(id).name;
        let (from, to) = match name {
            "put" => ("local_path", "remote_path"),
            "get" => ("remote_path", "local_path"),
            "reboot" => return self.reboot(p, args, &spec.controls),
            other => {
                return Err(Error::new(format!(
                    "`{other}` is not available in this version of jfc yet"
                )))
            }
        };
        let mut bound = bind(name, args, &[from, to])?.into_iter();
        let mut path = |what: &str| match &bound.next().flatten() {
            Some(Value::Str(s)) if !s.is_empty() => Ok(s.to_string()),
            Some(other) => Err(Error::new(format!(
                "{name}: {what} must be a non-empty String, not {}",
                other.type_name()
            ))),
            None => Err(Error::new(format!("{name}: {what} is missing"))),
        };
        let (from, to) = (path(from)?, path(to)?);
        let (target, options, _) = self.command_request(p, "", None, &spec.controls)?;
        let request = TransferRequest {
            put: name == "put",
            from,
            to,
            target,
        };
        self.wait_on_host(p, options, Request::Transfer(request))
    }

    /// `reboot(wait=120)`: the host reboots as with `__sudo__ = true`, and the process
    /// waits until it accepts a login again, `wait` seconds at most.
    fn reboot(&mut self, p: &mut Process, args: Args, controls: &[(u8, u16)]) -> Result<Step> {
        let wait = match bind("reboot", args, &["wait"])?.pop().flatten() {
            None | Some(Value::Null) => 120.0,
            Some(Value::Int(n)) if n >= 0 => n as f64,
            Some(Value::Float(f)) if f >= 0.0 && f.is_finite() => f.min(1e9),
            Some(other) => {
                return Err(Error::new(format!(
                    "reboot: wait must be a number of seconds, 0 or more, not {}",
                    other.to_text()
                )))
            }
        };
        let (mut target, options, _) = self.command_request(p, "", None, controls)?;
        target.sudo = true;
        let request = RebootRequest {
            wait: Duration::from_secs_f64(wait),
            target,
        };
        self.wait_on_host(p, options, Request::Reboot(request))
    }

    /// Whether `o` is a ScriptJob (else a Jobflow is expected).
    pub(crate) fn is_script(&mut self, o: &ObjectRef) -> Result<bool> {
        if let Some(known) = self.script_kinds.get(&o.id) {
            return Ok(*known);
        }
        let kind = match self.store_value(StoreRequest::Attr(o, "type_name")) {
            Ok(kind) => kind,
            Err(e) if self.store_busy.get() => return Err(e),
            // A host that cannot say: the object is taken for a Jobflow, as before.
            Err(_) => return Ok(false),
        };
        let script = matches!(&kind, Value::Str(t) if &**t == "ScriptJob");
        self.script_kinds.insert(o.id, script);
        Ok(script)
    }

    /// Run ScriptJob `o` with the arguments, input and control variables of `spec`.
    pub(crate) fn script_job(
        &mut self,
        p: &mut Process,
        o: &ObjectRef,
        spec: &ExecSpec,
    ) -> Result<Step> {
        // Read before the operands are taken: a busy store runs the job again whole.
        let source = self.store_value(StoreRequest::Attr(o, "source"))?.to_text();
        let ext = match self.store_value(StoreRequest::Attr(o, "ext"))? {
            Value::Null => String::new(),
            v => v.to_text(),
        };
        self.run_script(p, &o.path, (source, None), ext, spec)
    }

    /// Run the script file at `path` (a sibling of the flow, resolved by the host) with
    /// the arguments, input and control variables of `spec`: the host reads it.
    pub(crate) fn script_file(
        &mut self,
        p: &mut Process,
        path: &Path,
        spec: &ExecSpec,
    ) -> Result<Step> {
        let ext = path
            .extension()
            .map_or(String::new(), |e| e.to_string_lossy().into_owned());
        let label = path.display().to_string();
        self.run_script(
            p,
            &label,
            (String::new(), Some(path.to_path_buf())),
            ext,
            spec,
        )
    }

    /// Pop a script job's operands and start it: the script's text is `source`, or that
    /// of `file` when there is one.
    fn run_script(
        &mut self,
        p: &mut Process,
        label: &str,
        (source, file): (String, Option<PathBuf>),
        ext: String,
        spec: &ExecSpec,
    ) -> Result<Step> {
        let args = self.materialize_args(calls::pop_args_spec(p, &spec.call)?)?;
        if !args.kw.is_empty() {
            return Err(Error::new(format!(
                "{label}: a script takes its arguments in order, not by name"
            )));
        }
        let input = if spec.has_input { Some(pop(p)?) } else { None };
        pop(p)?;
        let (target, options, _) = self.command_request(p, label, input, &spec.controls)?;
        let request = ScriptRequest {
            source,
            file,
            ext,
            args: args.pos.iter().map(Value::to_text).collect(),
            target,
        };
        self.wait_on_host(p, options, Request::Script(request))
    }
}
