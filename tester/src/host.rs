//! The host of a test: the store, flows and processes as `jfc run` has them (a
//! [`LocalHost`] on the test's own store), but every command, script, transfer and
//! reboot answered by the test's mocks and recorded, on a virtual clock. Nothing
//! reaches a real machine: a command no mock answers fails the test, naming it.

use std::cell::RefCell;
use std::path::Path;
use std::time::{Duration, Instant};

use crossbeam_channel::Sender;
use jfc_compiler::bytecode::Chunk;
use jfc_runtime::local_jobs::files;
use jfc_runtime::LocalHost;
use jfc_store::Store;
use jfc_vm::host::{CommandRequest, HostError, LazyOp, StoreAnswer, StoreRequest, StoreResult};
use jfc_vm::value::{Args, LazyArray, ProcessInfo, Value};
use jfc_vm::{Completion, Host, Request, Ticket};

use crate::clock::{Event, VirtualClock};
use crate::effects::{Effects, Ran};
use crate::mocks::{Answer, Mocks};

/// What `localhost` commands (no `__host__`) are called in mocks and effects.
const LOCAL: &str = "localhost";

pub struct TestHost<'r> {
    pub(crate) inner: LocalHost,
    /// The flows compiled for the whole run.
    pub(crate) chunks: &'r crate::chunks::Chunks,
    pub(crate) clock: VirtualClock,
    pub(crate) mocks: RefCell<Mocks>,
    pub(crate) effects: Effects,
    /// A message or a task answer the test arranged was written since the VM last
    /// asked: the store changed under the processes waiting on it (the VM's own
    /// connection wrote it, which the store's change token does not count).
    pub(crate) arranged: std::cell::Cell<bool>,
    /// The directory of the test file: fixtures are found from it.
    pub(crate) test_dir: std::path::PathBuf,
    /// What the flow printed, and the VM's reports (errors): shown when the test fails.
    pub(crate) console: RefCell<Vec<String>>,
    /// The schedules the test added (`add_schedule`), fired with the store's.
    pub(crate) schedules: RefCell<Vec<jfc_store::schedules::ScheduleRecord>>,
    /// Up to when (virtual time since the start) the schedules have fired.
    pub(crate) schedules_fired: std::cell::Cell<Duration>,
    /// The runs of schedules fired, for the VM to start.
    pub(crate) starts: RefCell<Vec<jfc_vm::host::Start>>,
}

/// Where and as whom a request runs, and the command line mocks match.
struct Target {
    host: String,
    user: String,
    sudo: bool,
}

impl TestHost<'_> {
    /// The test's store (the VM's connection, free between its requests): to read
    /// `__node__` objects, import fixtures, send the messages and answer the tasks the
    /// test arranged.
    pub(crate) fn db(&self) -> Result<std::cell::RefMut<'_, Store>, String> {
        self.inner
            .store_connection()
            .ok_or_else(|| "the test's store is in use".to_string())
    }

    /// The type of a stored object, for `objects_written`; empty for the objects
    /// that are not rows of the store (tasks, schedules, processes).
    fn type_of(&self, obj: &jfc_vm::value::ObjectRef) -> String {
        self.db()
            .ok()
            .and_then(|db| db.type_name(obj.id).ok())
            .unwrap_or_default()
    }

    fn target(&self, req: &CommandRequest) -> Result<Target, String> {
        let req = if req.node.is_some() || req.account.is_some() {
            jfc_runtime::ssh::target::resolve_in(&*self.db()?, req)?
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
    /// matches and the request may go unmocked), recording it; a mock slower than the
    /// request's `__timeout__` is stopped at the timeout, as a real command is.
    fn answer(
        &self,
        target: &CommandRequest,
        line: String,
        default: Option<Completion>,
    ) -> (Completion, Duration) {
        let (done, delay, _) = self.answer_mocked(target, line, default);
        (done, delay)
    }

    /// [`TestHost::answer`], with the mock's answer when one matched.
    fn answer_mocked(
        &self,
        target: &CommandRequest,
        line: String,
        default: Option<Completion>,
    ) -> (Completion, Duration, Option<Answer>) {
        let to = match self.target(target) {
            Ok(t) => t,
            Err(e) => return (Completion::ConnectionFailed(e), Duration::ZERO, None),
        };
        let (done, delay, answer) = self.mocked(&to, &line, default);
        let (done, delay) = within_timeout(target, done, delay);
        self.effects.ran.borrow_mut().push(Ran {
            host: to.host,
            user: to.user,
            sudo: to.sudo,
            command: line,
            status: match &done {
                Completion::Command { status, .. } => *status,
                Completion::ConnectionFailed(_) => -1,
                Completion::Failed(_) => 1,
                _ => 0,
            },
        });
        (done, delay, answer)
    }

    /// What the mocks say to `line` on `to`; an unmocked line fails the test.
    fn mocked(
        &self,
        to: &Target,
        line: &str,
        default: Option<Completion>,
    ) -> (Completion, Duration, Option<Answer>) {
        let mocks = self.mocks.borrow();
        if let Some(failure) = mocks.login_failure(&to.host) {
            let (error, delay) = failure.error(&to.user, &to.host);
            return (Completion::ConnectionFailed(error), delay, None);
        }
        match (mocks.answer(&to.host, &to.user, line), default) {
            (Some(a), _) => (
                Completion::Command {
                    stdout: a.stdout.clone().into_bytes(),
                    stderr: a.stderr.clone().into_bytes(),
                    status: a.status,
                },
                a.delay,
                Some(a),
            ),
            (None, Some(done)) => (done, Duration::ZERO, None),
            (None, None) => {
                let sudo = if to.sudo { ", with sudo" } else { "" };
                let why = format!(
                    "no mock answers `{line}` on {} (as {}{sudo}): declare one with mock_command",
                    to.host, to.user
                );
                self.effects.fail(why.clone());
                (Completion::ConnectionFailed(why), Duration::ZERO, None)
            }
        }
    }

    /// `download` and `upload` run for real: they move files between this machine and
    /// the test's own store, as under `jfc run`.
    fn local_file_job(
        &self,
        job: &str,
        run: impl FnOnce() -> Result<jfc_vm::host::Data, String>,
    ) -> Completion {
        match run() {
            Ok(data) => Completion::Data(data),
            Err(why) => Completion::Failed(format!("'{job}' failed: {why}")),
        }
    }
}

impl Host for TestHost<'_> {
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
            Request::Transfer(t) => self.transfer(t),
            Request::Reboot(r) => self.answer(&r.target, "reboot".into(), Some(Completion::Done)),
            Request::Session(s) => self.session(s),
            Request::Http(h) => self.http(h),
            Request::Mail(m) => (self.mail(m), Duration::ZERO),
            Request::Download(d) => (
                self.local_file_job("download", || files::download(d)),
                Duration::ZERO,
            ),
            Request::Upload(u) => {
                let done = self.db().and_then(|mut db| files::upload_into(&mut db, u));
                (self.local_file_job("upload", || done), Duration::ZERO)
            }
        };
        self.clock.answer(delay, ticket, completion, done);
    }

    fn load_jobflow(&self, path: &Path) -> Result<Chunk, String> {
        self.chunks.get(path, || self.inner.load_jobflow(path))
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
        // A schedule that fires before what is due comes first: the clock stops there.
        let fires = self
            .clock
            .target(until)
            .and_then(|target| self.next_schedules(target));
        let until = fires
            .as_ref()
            .map_or(until, |(at, _)| Some(self.clock.instant_at(*at)));
        let Some(events) = self.clock.advance(until) else {
            return false;
        };
        self.schedules_fired.set(self.clock.elapsed());
        if let Some((_, due)) = fires {
            self.fire(due);
        }
        for e in events {
            self.happen(e);
        }
        true
    }

    fn due_starts(&self) -> Vec<jfc_vm::host::Start> {
        self.starts.take()
    }

    /// A schedule that fires a flow which cannot start fails the test, as one that
    /// cannot fire does.
    fn start_failed(&self, what: &str, why: &str) {
        self.effects.fail(format!("{what} did not start: {why}"));
    }

    fn test_call(&self, name: &str, args: Args) -> Result<Value, String> {
        crate::calls::call(self, name, args)
    }

    fn user_name(&self) -> String {
        self.inner.user_name()
    }

    fn store(&self, request: StoreRequest<'_>) -> StoreResult<StoreAnswer> {
        let adds_task = matches!(&request,
            StoreRequest::Call(obj, "add", _) if &*obj.path == jfc_runtime::task_list::LIST);
        let pending = match &request {
            StoreRequest::Lazy(la, LazyOp::Delete) => {
                match self.inner.store(StoreRequest::Lazy(la, LazyOp::Items))? {
                    StoreAnswer::Value(matches) => {
                        Some(crate::writes::lazy_deletes(&matches, |o| self.type_of(o)))
                    }
                    _ => None,
                }
            }
            _ => crate::writes::pending(&request, |o| self.type_of(o)),
        };
        let answer = self.inner.store(request)?;
        if let Some(p) = pending {
            let (written, sent) = crate::writes::done(p, &answer, |o| self.type_of(o));
            self.effects.written.borrow_mut().extend(written);
            self.effects.messages.borrow_mut().extend(sent);
        }
        if adds_task {
            self.answer_new_tasks();
        }
        Ok(answer)
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
        self.arranged.replace(false) | self.inner.store_changed()
    }
}

/// A request that runs longer than its `__timeout__` is stopped then, with the
/// failure the real executors give (runtime::exec for this machine, runtime::ssh for
/// a host): the virtual clock moves only as far as the timeout.
fn within_timeout(
    target: &CommandRequest,
    done: Completion,
    delay: Duration,
) -> (Completion, Duration) {
    match target.timeout {
        Some(limit) if delay > limit => {
            let secs = limit.as_secs_f64();
            let why = if target.host.is_some() || target.node.is_some() {
                format!("the command did not finish within __timeout__ = {secs}s and was stopped, with what it started")
            } else {
                format!("the command did not finish within __timeout__ = {secs}s and was killed")
            };
            (Completion::ConnectionFailed(why), limit)
        }
        _ => (done, delay),
    }
}

impl TestHost<'_> {
    /// `put` and `get`: they succeed unless a mock says otherwise; a `get` mock's
    /// `content` is written at the local destination, as the file fetched.
    fn transfer(&self, t: &jfc_vm::host::TransferRequest) -> (Completion, Duration) {
        let verb = if t.put { "put" } else { "get" };
        let copied = Completion::Transferred(vec![t.to.clone()]);
        let line = format!("{verb} {} {}", t.from, t.to);
        let (done, delay, answer) = self.answer_mocked(&t.target, line, Some(copied));
        let content = answer.and_then(|a| a.content.filter(|_| a.status == 0));
        match content {
            Some(text) if !t.put => match write_fetched(&t.from, &t.to, &text) {
                Ok(file) => (Completion::Transferred(vec![file]), delay),
                Err(why) => (Completion::Failed(format!("'get' failed: {why}")), delay),
            },
            _ => (done, delay),
        }
    }

    /// A session block cannot be mocked: the test fails, naming the host the session
    /// would have opened, and the block fails as an unreachable host does.
    fn session(&self, s: &jfc_vm::host::SessionRequest) -> (Completion, Duration) {
        let host = self
            .target(&s.target)
            .map_or_else(|e| e, |t| format!("{} (as {})", t.host, t.user));
        let why = format!("a session block would open a shell on {host}: session blocks cannot be mocked in a test");
        self.effects.fail(why.clone());
        (Completion::ConnectionFailed(why), Duration::ZERO)
    }
}

/// Write a mocked `get`'s `content` where the real one puts the file: into `to` when it
/// is a directory (under the source's name), else at `to`. The path written.
fn write_fetched(from: &str, to: &str, content: &str) -> Result<String, String> {
    let dest = Path::new(to);
    let file = if dest.is_dir() {
        let name = Path::new(from)
            .file_name()
            .ok_or_else(|| format!("{from} names no file to write into {to}"))?;
        dest.join(name)
    } else {
        dest.to_path_buf()
    };
    std::fs::write(&file, content).map_err(|e| format!("{}: {e}", file.display()))?;
    Ok(file.display().to_string())
}

impl TestHost<'_> {
    /// What the test arranged for now: a message arrives, a task is answered.
    fn happen(&self, e: Event) {
        let mut store = match self.db() {
            Ok(s) => s,
            Err(why) => return self.effects.fail(why),
        };
        let done = match e {
            Event::Message { channel, message } => {
                store.send(channel, &message).map(drop).map_err(|e| e.0)
            }
            Event::Task {
                id,
                submit: Some(text),
            } => store
                .submit_task(id, &text)
                .map(drop)
                .map_err(|e| e.to_string()),
            Event::Task { id, submit: None } => {
                store.cancel_task(id).map(drop).map_err(|e| e.to_string())
            }
        };
        match done {
            Ok(()) => self.arranged.set(true),
            Err(why) => self
                .effects
                .fail(format!("what the test arranged could not happen: {why}")),
        }
    }

    /// The tasks the flow just made: each answered as its mock says, after its delay;
    /// one no mock answers fails the test and is canceled.
    fn answer_new_tasks(&self) {
        let tasks = match self.db().and_then(|db| db.tasks().map_err(|e| e.0)) {
            Ok(t) => t,
            Err(e) => return self.effects.fail(format!("cannot read the tasks: {e}")),
        };
        for task in tasks.into_iter().filter(|t| t.is_open()) {
            if !self.effects.tasks_seen.borrow_mut().insert(task.id) {
                continue;
            }
            let answer = self.mocks.borrow().task_answer(&task.title);
            let (after, submit) = match answer {
                Some(a) => (a.after, a.submit),
                None => {
                    self.effects.fail(format!(
                        "no mock answers the task `{}`: declare one with mock_task",
                        task.title
                    ));
                    (Duration::ZERO, None)
                }
            };
            let at = self.clock.elapsed() + after;
            self.clock.at(
                at,
                Event::Task {
                    id: task.id,
                    submit,
                },
            );
        }
    }

    /// `urlopen`: the answer of the mock that matches, recorded; none fails the test.
    fn http(&self, h: &jfc_vm::requests::HttpRequest) -> (Completion, Duration) {
        self.effects
            .requests
            .borrow_mut()
            .push(crate::effects::HttpSent::of(h));
        match self.mocks.borrow().http_answer(&h.method, &h.url) {
            // A server slower than the request's timeout: urlopen gives up then.
            Some(a) if h.timeout.is_some_and(|t| a.delay > t) => {
                let limit = h.timeout.unwrap_or_default();
                let why = format!("'urlopen' failed: {}: timed out (per read)", h.url);
                (Completion::Failed(why), limit)
            }
            Some(a) => (a.completion(&h.url), a.delay),
            None => {
                let why = format!(
                    "no mock answers urlopen {} {}: declare one with mock_http",
                    h.method, h.url
                );
                self.effects.fail(why.clone());
                (
                    Completion::Failed(format!("'urlopen' failed: {why}")),
                    Duration::ZERO,
                )
            }
        }
    }

    /// `mailto`: recorded, never sent; the message's text when the flow asks for it.
    fn mail(&self, m: &jfc_vm::requests::MailRequest) -> Completion {
        self.effects
            .mails
            .borrow_mut()
            .push(crate::effects::MailSent::of(m));
        if m.as_string {
            return Completion::Data(jfc_vm::host::Data::Str(format!(
                "Subject: {}\n\n{}",
                m.subject,
                m.body.clone().unwrap_or_default()
            )));
        }
        Completion::Data(jfc_vm::host::Data::Null)
    }
}
