//! The local built-in jobs that wait on this machine's network or file system
//! (library.md §1.8 `urlopen`, `mailto`; §1.10 `download`, `upload`): their arguments
//! become a plain request for the host, and the process waits for the answer as for a
//! command (in checkpoint mode a checkpoint comes before each one starts).
//!
//! Arguments of the wrong type or an unknown option are runtime errors (§0.4 kind 1);
//! what fails while the job runs is a job failure (kind 2), answered by the host.

use super::{file_args, http_args, mail_args, Step};
use crate::builtins::args::bind;
use crate::host::{Completion, Request, UploadRequest};
use crate::process::{CommandOptions, Process};
use crate::requests::Subscript;
use crate::scheduler::Vm;
use crate::value::{Args, Error, Result, Value};
use crate::Host;

impl<H: Host> Vm<H> {
    /// Start local built-in job `name`, or fail it at once when its arguments say it
    /// cannot run (`download` of an empty field, `mailto` with no recipient).
    pub(crate) fn local_io_job(&mut self, p: &mut Process, name: &str, args: Args) -> Result<Step> {
        let request = match name {
            "urlopen" => Ok(Request::Http(http_args::request(args)?)),
            "mailto" => mail_args::request(args)?.map(Request::Mail),
            "download" => file_args::download(args)?.map(Request::Download),
            "upload" => Ok(Request::Upload(upload(args)?)),
            other => return Err(Error::new(format!("`{other}` is not a local job"))),
        };
        match request {
            Ok(request) => {
                let options = CommandOptions {
                    encoding: "utf-8".into(),
                    raw_stdout: false,
                    raw_stderr: false,
                    request: None,
                    session: None,
                };
                self.wait_on_host(p, options, request)
            }
            Err(why) => {
                super::finish_command(p, Completion::Failed(format!("'{name}' failed: {why}")))?;
                Ok(Step::Next)
            }
        }
    }
}

/// `upload(from_path, to_object, to_field, [to_subscript])`.
fn upload(args: Args) -> Result<UploadRequest> {
    static PARAMS: std::sync::OnceLock<Vec<&'static str>> = std::sync::OnceLock::new();
    let params = PARAMS.get_or_init(|| table_params("upload"));
    let b = bind("upload", args, params, 3)?;
    let from = match b.req(0) {
        Value::Str(s) if !s.is_empty() => s.to_string(),
        _ => return Err(b.type_error(0, "a non-empty String (a file path)")),
    };
    let Value::Object(object) = b.req(1) else {
        return Err(b.type_error(1, "an object of the store"));
    };
    let field = match b.req(2) {
        Value::Str(s) if !s.is_empty() => s.to_string(),
        _ => return Err(b.type_error(2, "a field name (a String)")),
    };
    let subscript = match b.opt_nonnull(3) {
        None => None,
        Some(Value::Int(i)) => Some(Subscript::Index(*i)),
        Some(Value::Str(k)) => Some(Subscript::Key(k.to_string())),
        Some(_) => return Err(b.type_error(3, "an Integer index or a String key")),
    };
    Ok(UploadRequest {
        from,
        object: object.id,
        object_path: object.path.to_string(),
        field,
        subscript,
    })
}

/// The parameters and then the options of built-in job `name` in the compiler's table.
pub(super) fn table_params(name: &str) -> Vec<&'static str> {
    jfc_compiler::builtins::lookup(name)
        .map(jfc_compiler::builtins::get)
        .map_or_else(Vec::new, |b| [b.params, b.options].concat())
}
