//! The local built-in jobs of library.md §1.8 and §1.10, run on a command worker:
//! `urlopen` (HTTP), `mailto` (SMTP), `download` and `upload` (attachments of store
//! objects and files of this machine). A failure is a job failure (§0.4 kind 2):
//! `$STATUS` 1 and `'<job>' failed: <why>` in `$ERROR`.

pub mod files;
mod http;
pub mod http_answer;
mod mail;
mod mail_message;
mod multipart;

use std::cell::RefCell;
use std::path::Path;

use jfc_store::Store;
use jfc_vm::host::{Completion, Request};

use crate::exec::ExecOptions;

/// Run `req`, one of the local jobs; under `--dry-run`, only say what it would do.
pub fn run(req: &Request, opts: &ExecOptions) -> Completion {
    if opts.dry_run {
        eprintln!("[dry-run] {}", describe(req));
        return Completion::Data(jfc_vm::host::Data::Null);
    }
    let (job, done) = match req {
        Request::Http(h) => ("urlopen", http::run(h)),
        Request::Mail(m) => ("mailto", mail::run(m, opts.store.as_deref())),
        Request::Download(d) => ("download", files::download(d)),
        Request::Upload(u) => ("upload", files::upload(u, opts.store.as_deref())),
        _ => ("local job", Err("this request is not a local job".into())),
    };
    match done {
        Ok(data) => Completion::Data(data),
        Err(why) => Completion::Failed(format!("'{job}' failed: {why}")),
    }
}

/// One line saying what `req` would do.
fn describe(req: &Request) -> String {
    match req {
        Request::Http(h) => format!("urlopen {} {}", h.method, h.url),
        Request::Mail(m) => format!(
            "mailto {} subject {:?}",
            [&m.to[..], &m.cc[..], &m.bcc[..]].concat().join(", "),
            m.subject
        ),
        Request::Download(d) => format!("download {} file(s) to {}", d.files.len(), d.to),
        Request::Upload(u) => format!("upload {} to {}.{}", u.from, u.object_path, u.field),
        _ => "a request that is not a local job".into(),
    }
}

thread_local! {
    /// Each worker's connection to the store, opened at its first use: a worker may
    /// wait for another writer, the interpreter may not (as runtime::ssh::target).
    static STORE: RefCell<Option<Store>> = const { RefCell::new(None) };
}

/// Run `f` on this worker's connection to the store at `path`.
fn with_store<T>(
    path: &Path,
    f: impl FnOnce(&mut Store) -> Result<T, String>,
) -> Result<T, String> {
    STORE.with(|cell| {
        let mut cell = cell.borrow_mut();
        let store = match cell.as_mut() {
            Some(store) => store,
            None => {
                cell.insert(Store::open(path).map_err(|e| format!("cannot open the store: {e}"))?)
            }
        };
        f(store)
    })
}
