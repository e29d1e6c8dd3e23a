//! Remote built-in jobs (library.md §1.11): `put` and `get` copy files to and from the
//! host that the control variables choose, as command jobs reach it.

use super::jobs::bind;
use super::{calls, Step};
use crate::host::{Host, Request, Ticket, TransferRequest};
use crate::process::{Process, Wait};
use crate::scheduler::Vm;
use crate::value::{Error, Result, Value};
use jfc_compiler::builtins;

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
        let (target, mut options, _) = self.command_request(p, "", None, &spec.controls)?;
        // Nothing to start again after a restart: a transfer in doubt is reported.
        options.request = None;
        p.command = Some(options);
        p.wait = Wait::Host;
        self.park(p, None);
        let ticket = Ticket {
            pid: p.pid,
            seq: p.seq,
        };
        let request = TransferRequest {
            put: name == "put",
            from,
            to,
            target,
        };
        self.start_request(ticket, Request::Transfer(request));
        Ok(Step::Park)
    }
}
