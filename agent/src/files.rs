//! `put` and `get` through an agent. The files on the sender's side travel in the
//! job (`put`) or in its replies (`get`) as a list of [`FileEntry`], read into or
//! written from an in-memory bundle with the same copy as a direct transfer, so the
//! destination rules are the same: see `jfc_runtime::file_bundle`.

use jfc_runtime::exec::{copy_on_target, ExecOptions};
use jfc_runtime::file_bundle::Bundle;
use jfc_runtime::transfer::{self, copy, Local};
use jfc_vm::host::{CommandRequest, Completion};

use crate::protocol::{self, FileEntry, Reply};

/// What `from` names on this machine, to be put: or the job's failure saying why.
pub fn read_here(from: &str) -> Result<Vec<FileEntry>, Completion> {
    let bundle = Bundle::new();
    copy(&Local, from, &bundle, "/").map_err(|e| transfer::completion(Err(e)))?;
    Ok(entries(&bundle))
}

/// Write the files a `get` brought back (`json`, the agent's `Output`) to `to` here.
pub fn write_here(json: &[u8], to: &str) -> Completion {
    let written = serde_json::from_slice::<Vec<FileEntry>>(json)
        .map_err(|e| format!("the agent sent files that cannot be read: {e}"))
        .and_then(bundle_of)
        .and_then(|b| copy(&b, &b.source(), &Local, to));
    transfer::completion(written)
}

/// On the agent: copy the files of a `put` to `to` where `target` says.
pub fn put_there(
    files: Vec<FileEntry>,
    to: &str,
    target: &CommandRequest,
    exec: &ExecOptions,
) -> Completion {
    let bundle = match bundle_of(files) {
        Ok(b) => b,
        Err(e) => return transfer::completion(Err(e)),
    };
    copy_on_target(target, exec, |there| {
        copy(&bundle, &bundle.source(), there, to)
    })
}

/// On the agent: read what `from` names where `target` says, and the replies that
/// carry it back.
pub fn get_there(from: &str, target: &CommandRequest, exec: &ExecOptions) -> Vec<Reply> {
    let bundle = Bundle::new();
    let done = copy_on_target(target, exec, |there| copy(there, from, &bundle, "/"));
    let Completion::Transferred(paths) = done else {
        return protocol::replies(done);
    };
    match serde_json::to_vec(&entries(&bundle)) {
        Ok(json) => {
            let mut all = protocol::chunks(&json, false);
            all.push(Reply::Transferred(paths));
            all
        }
        Err(e) => vec![Reply::Failed(format!("cannot send the files: {e}"))],
    }
}

fn entries(bundle: &Bundle) -> Vec<FileEntry> {
    bundle
        .entries()
        .into_iter()
        .map(|(path, bytes)| FileEntry { path, bytes })
        .collect()
}

fn bundle_of(files: Vec<FileEntry>) -> Result<Bundle, String> {
    Bundle::from_entries(files.into_iter().map(|f| (f.path, f.bytes)).collect())
}
