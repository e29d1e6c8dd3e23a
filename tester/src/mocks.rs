//! The mocks a test declares: answers for the commands that match a pattern on the
//! hosts that match another, and login failures per host.

use std::cell::Cell;
use std::rc::Rc;
use std::time::Duration;

use jfc_runtime::local_jobs::http_answer;
use jfc_vm::host::Data;
use jfc_vm::value::{Pattern, PatternKind, Value};
use jfc_vm::Completion;

/// A String is a glob (`'systemctl * nginx'`), a Pattern value is itself (`r'...'`
/// matches at the start, `e'...'` exactly).
#[derive(Clone)]
pub struct Matcher(Rc<Pattern>);

impl Matcher {
    pub fn from_value(v: &Value, what: &str) -> Result<Matcher, String> {
        match v {
            Value::Str(s) => Pattern::new(PatternKind::Glob, s, false)
                .map(|p| Matcher(Rc::new(p)))
                .map_err(|e| e.to_string()),
            Value::Pattern(p) => Ok(Matcher(p.clone())),
            other => Err(format!(
                "{what} must be a String (a glob) or a Pattern, not {}",
                other.type_name()
            )),
        }
    }

    /// Matches everything.
    pub fn any() -> Matcher {
        Matcher(Rc::new(
            Pattern::new(PatternKind::Glob, "*", false).expect("`*` is a glob"),
        ))
    }

    pub fn matches(&self, text: &str) -> bool {
        self.0.is_match(&Value::str(text))
    }
}

/// One answer of a mocked command.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Answer {
    pub stdout: String,
    pub stderr: String,
    pub status: i64,
    /// Virtual time the command takes.
    pub delay: Duration,
    /// What a mocked `get` writes at its local destination.
    pub content: Option<String>,
}

pub struct MockCommand {
    pub command: Matcher,
    pub host: Matcher,
    pub user: Option<Matcher>,
    /// Successive calls get successive answers; the last one repeats.
    pub answers: Vec<Answer>,
    pub calls: Cell<usize>,
}

impl MockCommand {
    fn matches(&self, host: &str, user: &str, command: &str) -> bool {
        self.command.matches(command)
            && self.host.matches(host)
            && self.user.as_ref().is_none_or(|u| u.matches(user))
    }

    /// The answer of the next call.
    fn next_answer(&self) -> Answer {
        let n = self.calls.get();
        self.calls.set(n + 1);
        let last = self.answers.len().saturating_sub(1);
        self.answers.get(n.min(last)).cloned().unwrap_or_default()
    }
}

/// How a login to a mocked host fails.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LoginFailure {
    Refused,
    Password,
    Timeout,
}

/// How long a login that times out waits, as a connection attempt of the SSH executor does.
const LOGIN_TIMEOUT: Duration = Duration::from_secs(30);

impl LoginFailure {
    pub fn parse(v: &Value) -> Result<LoginFailure, String> {
        match v.to_text().as_str() {
            "refused" => Ok(LoginFailure::Refused),
            "password" => Ok(LoginFailure::Password),
            "timeout" => Ok(LoginFailure::Timeout),
            other => Err(format!(
                "mock_login: failure must be 'refused', 'password' or 'timeout', not '{other}'"
            )),
        }
    }

    /// The `$ERROR` of a job whose login fails so, and the virtual time it takes.
    pub fn error(self, user: &str, host: &str) -> (String, Duration) {
        match self {
            LoginFailure::Refused => (
                format!("{host}:22: Connection refused (os error 111)"),
                Duration::ZERO,
            ),
            LoginFailure::Password => (
                format!("{user}@{host}:22: authentication failed (mock_login)"),
                Duration::ZERO,
            ),
            LoginFailure::Timeout => (format!("{host}:22: connection timed out"), LOGIN_TIMEOUT),
        }
    }
}

/// The answer of a mocked `urlopen`.
#[derive(Clone)]
pub struct HttpAnswer {
    pub status: i64,
    pub body: String,
    pub headers: Vec<(String, String)>,
    pub delay: Duration,
    /// The request fails (no answer at all): why.
    pub failure: Option<String>,
}

impl HttpAnswer {
    /// The result Dictionary `urlopen` gives (runtime::local_jobs::http_answer), or its
    /// failure.
    pub fn completion(&self, url: &str) -> Completion {
        if let Some(why) = &self.failure {
            return Completion::Failed(format!("'urlopen' failed: {url}: {why}"));
        }
        Completion::Data(http_answer::result(http_answer::Parts {
            url: url.to_string(),
            code: self.status,
            version: 11,
            text: self.body.clone(),
            content: self.body.clone().into_bytes(),
            encoding: Some("utf-8".into()),
            headers: Data::str_dict(self.headers.clone()),
            cookies: Data::Dict(Vec::new()),
            history: Vec::new(),
            binary: false,
        }))
    }
}

pub struct MockHttp {
    pub url: Matcher,
    /// Any method when None.
    pub method: Option<String>,
    pub answer: HttpAnswer,
}

/// How a mocked task is answered.
#[derive(Clone)]
pub struct TaskAnswer {
    /// Virtual time until the answer.
    pub after: Duration,
    /// The submitted text; None cancels the task.
    pub submit: Option<String>,
}

/// Every mock of one test.
#[derive(Default)]
pub struct Mocks {
    commands: Vec<MockCommand>,
    logins: Vec<(Matcher, LoginFailure)>,
    http: Vec<MockHttp>,
    tasks: Vec<(Matcher, TaskAnswer)>,
}

impl Mocks {
    pub fn add_command(&mut self, m: MockCommand) {
        self.commands.push(m);
    }

    pub fn add_login(&mut self, host: Matcher, failure: LoginFailure) {
        self.logins.push((host, failure));
    }

    /// The answer for `command` run by `user` on `host`: the mock declared last that
    /// matches, so a test can narrow a general mock with a later, specific one.
    pub fn answer(&self, host: &str, user: &str, command: &str) -> Option<Answer> {
        self.commands
            .iter()
            .rev()
            .find(|m| m.matches(host, user, command))
            .map(MockCommand::next_answer)
    }

    pub fn add_http(&mut self, m: MockHttp) {
        self.http.push(m);
    }

    pub fn add_task(&mut self, title: Matcher, answer: TaskAnswer) {
        self.tasks.push((title, answer));
    }

    /// The answer to `method url`: the mock declared last that matches.
    pub fn http_answer(&self, method: &str, url: &str) -> Option<HttpAnswer> {
        self.http
            .iter()
            .rev()
            .find(|m| {
                m.url.matches(url)
                    && m.method
                        .as_ref()
                        .is_none_or(|x| x.eq_ignore_ascii_case(method))
            })
            .map(|m| m.answer.clone())
    }

    /// The answer to a task titled `title`.
    pub fn task_answer(&self, title: &str) -> Option<TaskAnswer> {
        self.tasks
            .iter()
            .rev()
            .find(|(m, _)| m.matches(title))
            .map(|(_, a)| a.clone())
    }

    pub fn login_failure(&self, host: &str) -> Option<LoginFailure> {
        self.logins
            .iter()
            .rev()
            .find(|(h, _)| h.matches(host))
            .map(|(_, f)| *f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mock(command: &str, host: &str, answers: &[i64]) -> MockCommand {
        MockCommand {
            command: Matcher::from_value(&Value::str(command), "command").unwrap(),
            host: Matcher::from_value(&Value::str(host), "host").unwrap(),
            user: None,
            answers: answers
                .iter()
                .map(|&status| Answer {
                    status,
                    ..Answer::default()
                })
                .collect(),
            calls: Cell::new(0),
        }
    }

    #[test]
    fn successive_calls_get_successive_answers_then_the_last() {
        let mut mocks = Mocks::default();
        mocks.add_command(mock("curl *", "*", &[7, 7, 0]));
        let status = |m: &Mocks| {
            m.answer("web1", "root", "curl -f http://x")
                .map(|a| a.status)
        };
        assert_eq!(
            [
                status(&mocks),
                status(&mocks),
                status(&mocks),
                status(&mocks)
            ],
            [Some(7), Some(7), Some(0), Some(0)]
        );
        assert_eq!(mocks.answer("web1", "root", "wget x"), None);
    }

    #[test]
    fn the_last_matching_mock_wins_and_hosts_are_globs() {
        let mut mocks = Mocks::default();
        mocks.add_command(mock("systemctl *", "*", &[0]));
        mocks.add_command(mock("systemctl restart *", "db*", &[1]));
        let status = |h: &str| {
            mocks
                .answer(h, "root", "systemctl restart x")
                .map(|a| a.status)
        };
        assert_eq!(status("db1"), Some(1));
        assert_eq!(status("web1"), Some(0));
        let regex = Matcher::from_value(
            &Value::Pattern(Rc::new(
                Pattern::new(PatternKind::Regex, "web[0-9]+$", false).unwrap(),
            )),
            "host",
        )
        .unwrap();
        assert!(regex.matches("web12") && !regex.matches("web1x"));
    }
}
