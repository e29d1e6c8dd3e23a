//! The host of a test: the store, flows and processes as `jfc run` has them (a
//! [`LocalHost`] on the test's own store), but every command, script, transfer and
//! reboot answered by the test's mocks and recorded, on a virtual clock. Nothing
//! reaches a real machine: a command no mock answers fails the test, naming it.

use std::cell::RefCell;
use std::path::Path;
use std::time::{Duration, Instant};

use crossbeam_channel::Sender;
use jfc_compiler::bytecode::Chunk;
use jfc_runtime::LocalHost;
use jfc_store::Store;
use jfc_vm::host::{CommandRequest, HostError, StoreAnswer, StoreRequest, StoreResult};
use jfc_vm::value::{Args, LazyArray, ProcessInfo, Value};
use jfc_vm::{Completion, Host, Request, Ticket};

use crate::clock::VirtualClock;
use crate::effects::{Effects, Ran};
use crate::mocks::Mocks;

/// What `localhost` commands (no `__host__`) are called in mocks and effects.
const LOCAL: &str = "localhost";

pub struct TestHost {
    pub(crate) inner: LocalHost,
    /// A connection of its own to the test's store, to read `__node__` objects.
    pub(crate) nodes: Store,
    pub(crate) clock: VirtualClock,
    pub(crate) mocks: RefCell<Mocks>,
    pub(crate) effects: Effects,
    /// What the flow printed, and the VM's reports (errors): shown when the test fails.
    pub(crate) console: RefCell<Vec<String>>,
}

/// Where and as whom a request runs, and the command line mocks match.
struct Target {
    host: String,
    user: String,
    sudo: bool,
}

impl TestHost {
    fn target(&self, req: &CommandRequest) -> Result<Target, String> {
        let req = if req.node.is_some() || req.account.is_some() {
            jfc_runtime::ssh::target::resolve_in(&self.nodes, req)?
        } else {
            req.clone()
        };
        Ok(Target {
            host: req.host.clone().unwrap_or_else(|| LOCAL.into()),
            user: req.user.clone().unwrap_or_else(|| self.inner.user_name()),
            sudo: req.sudo,
        })
    }

    /// Answer a command line run on `target` from the mocks (`default` when none
    /// matches and the request may go unmocked), recording it.
    fn answer(
        &self,
        target: &CommandRequest,
        line: String,
        default: Option<Completion>,
    ) -> (Completion, Duration) {
        let to = match self.target(target) {
            Ok(t) => t,
            Err(e) => return (Completion::ConnectionFailed(e), Duration::ZERO),
        };
        self.effects.ran.borrow_mut().push(Ran {
            host: to.host.clone(),
            user: to.user.clone(),
            sudo: to.sudo,
            command: line.clone(),
        });
        let mocks = self.mocks.borrow();
        if let Some(failure) = mocks.login_failure(&to.host) {
            let (error, delay) = failure.error(&to.user, &to.host);
            return (Completion::ConnectionFailed(error), delay);
        }
        match (mocks.answer(&to.host, &to.user, &line), default) {
            (Some(a), _) => (
                Completion::Command {
                    stdout: a.stdout.into_bytes(),
                    stderr: a.stderr.into_bytes(),
                    status: a.status,
                },
                a.delay,
            ),
            (None, Some(done)) => (done, Duration::ZERO),
            (None, None) => {
                let sudo = if to.sudo { ", with sudo" } else { "" };
                let why = format!(
                    "no mock answers `{line}` on {} (as {}{sudo}): declare one with mock_command",
                    to.host, to.user
                );
                self.effects.fail(why.clone());
                (Completion::ConnectionFailed(why), Duration::ZERO)
            }
        }
    }

    /// A request of a kind no mock can answer yet: the test fails, naming it.
    fn unmockable(&self, what: String) -> Completion {
        let why = format!("{what} cannot be mocked by this version of jfc test");
        self.effects.fail(why.clone());
        Completion::Failed(why)
    }
}

impl Host for TestHost {
    fn start(&self, ticket: Ticket, request: Request, done: Sender<(Ticket, Completion)>) {
        let (completion, delay) = match &request {
            Request::Command(c) => self.answer(c, c.command.clone(), None),
            Request::Script(s) => {
                let line = std::iter::once(s.target.command.clone())
                    .chain(s.args.iter().cloned())
                    .collect::<Vec<_>>()
                    .join(" ");
                self.answer(&s.target, line, None)
            }
            Request::Transfer(t) => {
                let verb = if t.put { "put" } else { "get" };
                let copied = Completion::Transferred(vec![t.to.clone()]);
                self.answer(
                    &t.target,
                    format!("{verb} {} {}", t.from, t.to),
                    Some(copied),
                )
            }
            Request::Reboot(r) => self.answer(&r.target, "reboot".into(), Some(Completion::Done)),
            Request::Session(s) => (
                Completion::ConnectionFailed(format!(
                    "no session can be opened in a test (session {})",
                    s.id
                )),
                Duration::ZERO,
            ),
            Request::Http(h) => (
                self.unmockable(format!("urlopen of {}", h.url)),
                Duration::ZERO,
            ),
            Request::Mail(m) => (
                self.unmockable(format!("mailto to {}", m.to.join(", "))),
                Duration::ZERO,
            ),
            Request::Download(_) | Request::Upload(_) => {
                (self.unmockable("download/upload".into()), Duration::ZERO)
            }
        };
        self.clock.answer(delay, ticket, completion, done);
    }

    fn load_jobflow(&self, path: &Path) -> Result<Chunk, String> {
        self.inner.load_jobflow(path)
    }

    fn cancel(&self, pid: u64) {
        self.clock.cancel(pid);
    }

    fn console(&self, _pid: u64, line: &str) {
        self.console.borrow_mut().push(line.to_string());
    }

    fn report(&self, text: &str) {
        let mut console = self.console.borrow_mut();
        console.extend(text.lines().map(str::to_string));
    }

    fn flow_dir(&self, path: &Path) -> String {
        self.inner.flow_dir(path)
    }

    fn now(&self) -> chrono::DateTime<chrono::Utc> {
        self.clock.now()
    }

    fn instant(&self) -> Instant {
        self.clock.instant()
    }

    fn advance_clock(&self, until: Option<Instant>) -> bool {
        self.clock.advance(until)
    }

    fn test_call(&self, name: &str, args: Args) -> Result<Value, String> {
        crate::calls::call(self, name, args)
    }

    fn user_name(&self) -> String {
        self.inner.user_name()
    }

    fn store(&self, request: StoreRequest<'_>) -> StoreResult<StoreAnswer> {
        self.inner.store(request)
    }

    fn lazy_save(&self, la: &LazyArray) -> Result<serde_json::Value, String> {
        self.inner.lazy_save(la)
    }

    fn lazy_load(
        &self,
        data: &serde_json::Value,
    ) -> Result<std::rc::Rc<dyn std::any::Any>, String> {
        self.inner.lazy_load(data)
    }

    fn process_started(&self, parent: Option<u64>) -> Result<Option<u64>, HostError> {
        self.inner.process_started(parent)
    }

    fn process_ended(&self, info: &ProcessInfo) {
        self.inner.process_ended(info)
    }

    fn store_changed(&self) -> bool {
        self.inner.store_changed()
    }
}
