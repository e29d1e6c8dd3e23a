//! The built-ins of tests (compiler::builtins::TEST_BUILTINS), run by the test's host.

use std::cell::Cell;
use std::collections::HashMap;
use std::sync::OnceLock;
use std::time::Duration;

use jfc_compiler::builtins::TEST_BUILTINS;
use jfc_store::import::ImportOptions;
use jfc_vm::builtins::args::{bind, Bound};
use jfc_vm::value::compare::equals;
use jfc_vm::value::{Args, Value};

use crate::clock::Event;
use crate::host::TestHost;
use crate::mocks::{Answer, HttpAnswer, LoginFailure, Matcher, MockCommand, MockHttp, TaskAnswer};

pub fn call(host: &TestHost<'_>, name: &str, args: Args) -> Result<Value, String> {
    let b = bound(name, args)?;
    match name {
        "mock_command" => mock_command(host, &b),
        "mock_login" => {
            let hosts = Matcher::from_value(b.req(0), "mock_login: host")?;
            let failure = LoginFailure::parse(b.req(1))?;
            host.mocks.borrow_mut().add_login(hosts, failure);
            Ok(Value::Null)
        }
        "mock_http" => mock_http(host, &b),
        "mock_task" => {
            let title = Matcher::from_value(b.req(0), "mock_task: title")?;
            let after = seconds(b.opt_nonnull(2), "mock_task: after")?.unwrap_or_default();
            let submit = if b.opt_nonnull(3).is_some_and(Value::truthy) {
                None
            } else {
                Some(
                    b.opt_nonnull(1)
                        .map_or_else(|| "OK".to_string(), Value::to_text),
                )
            };
            host.mocks
                .borrow_mut()
                .add_task(title, TaskAnswer { after, submit });
            Ok(Value::Null)
        }
        "mock_message" => {
            let channel = channel_id(host, b.req(0))?;
            let at = match b.opt_nonnull(2) {
                Some(Value::Datetime(t)) => {
                    let from = host.clock.now().fixed_offset();
                    (*t - from).to_std().unwrap_or_default() + host.clock.elapsed()
                }
                other => seconds(other, "mock_message: at")?.unwrap_or_default(),
            };
            let message = b.req(1).clone();
            host.clock.at(at, Event::Message { channel, message });
            Ok(Value::Null)
        }
        "fixture" => fixture(host, &b),
        "add_schedule" => host.add_schedule(&b).map(|()| Value::Null),
        "http_requests" => {
            let only = match b.opt_nonnull(0) {
                Some(u) => Some(Matcher::from_value(u, "http_requests: url")?),
                None => None,
            };
            let sent = host.effects.requests.borrow();
            Ok(Value::array(
                sent.iter()
                    .filter(|r| only.as_ref().is_none_or(|m| m.matches(&r.url)))
                    .map(|r| r.to_value())
                    .collect(),
            ))
        }
        "objects_written" => {
            let only = matcher(b.opt_nonnull(0), "objects_written: path")?;
            let written = host.effects.written.borrow();
            Ok(Value::array(
                written
                    .iter()
                    .filter(|w| only.as_ref().is_none_or(|m| m.matches(&w.path)))
                    .map(|w| w.to_value())
                    .collect(),
            ))
        }
        "messages_sent" => {
            let only = matcher(b.opt_nonnull(0), "messages_sent: channel")?;
            let sent = host.effects.messages.borrow();
            Ok(Value::array(
                sent.iter()
                    .filter(|m| only.as_ref().is_none_or(|p| p.matches(&m.channel)))
                    .map(|m| m.to_value())
                    .collect(),
            ))
        }
        "mails_sent" => {
            let sent = host.effects.mails.borrow();
            Ok(Value::array(sent.iter().map(|m| m.to_value()).collect()))
        }
        "commands_run" => {
            let only = match b.opt_nonnull(0) {
                Some(h) => Some(Matcher::from_value(h, "commands_run: host")?),
                None => None,
            };
            let ran = host.effects.ran.borrow();
            let each = ran
                .iter()
                .filter(|r| only.as_ref().is_none_or(|m| m.matches(&r.host)))
                .map(|r| r.to_value())
                .collect();
            Ok(Value::array(each))
        }
        "assert_equal" => {
            let (actual, expected) = (b.req(0), b.req(1));
            if equals(actual, expected) {
                return Ok(Value::Null);
            }
            failed(
                host,
                &b,
                2,
                format!(
                    "expected {}, got {}",
                    expected.to_nested_text(),
                    actual.to_nested_text()
                ),
            )
        }
        "assert_match" => {
            let pattern = Matcher::from_value(b.req(1), "assert_match: pattern")?;
            let text = b.req(0).to_text();
            if pattern.matches(&text) {
                return Ok(Value::Null);
            }
            failed(
                host,
                &b,
                2,
                format!(
                    "{} does not match {}",
                    b.req(0).to_nested_text(),
                    b.req(1).to_nested_text()
                ),
            )
        }
        other => Err(format!("`{other}` is not a built-in of tests")),
    }
}

/// An optional filter: a glob String or a Pattern.
fn matcher(v: Option<&Value>, what: &str) -> Result<Option<Matcher>, String> {
    v.map(|v| Matcher::from_value(v, what)).transpose()
}

/// A failed assertion: the test fails even if the flow catches the error.
fn failed(
    host: &TestHost<'_>,
    b: &Bound,
    message_at: usize,
    what: String,
) -> Result<Value, String> {
    let why = match b.opt_nonnull(message_at) {
        Some(m) => format!("assertion failed: {}: {what}", m.to_text()),
        None => format!("assertion failed: {what}"),
    };
    host.effects.fail(why.clone());
    Err(why)
}

/// The arguments bound to the parameters and options of test built-in `name`.
fn bound(name: &str, args: Args) -> Result<Bound, String> {
    static PARAMS: OnceLock<HashMap<&'static str, (&'static [&'static str], usize)>> =
        OnceLock::new();
    let table = PARAMS.get_or_init(|| {
        TEST_BUILTINS
            .iter()
            .map(|b| {
                let all: &'static [&'static str] =
                    Box::leak([b.params, b.options].concat().into_boxed_slice());
                (b.name, (all, b.required))
            })
            .collect()
    });
    let (params, required) = table
        .get(name)
        .ok_or_else(|| format!("`{name}` is not a built-in of tests"))?;
    bind(name, args, params, *required).map_err(|e| e.message)
}

/// `mock_http(url, method=, status=, body=, headers=, delay=, failure=)`.
fn mock_http(host: &TestHost<'_>, b: &Bound) -> Result<Value, String> {
    let url = Matcher::from_value(b.req(0), "mock_http: url")?;
    let headers = match b.opt_nonnull(4) {
        None => Vec::new(),
        Some(Value::Dict(d)) => d
            .borrow()
            .iter()
            .map(|(k, v)| (k.value().to_text(), v.to_text()))
            .collect(),
        Some(other) => {
            return Err(format!(
                "mock_http: headers must be a Dictionary, not {}",
                other.type_name()
            ))
        }
    };
    let answer = HttpAnswer {
        status: integer(b.opt_nonnull(2), "mock_http: status")?.unwrap_or(200),
        body: b.opt_nonnull(3).map(Value::to_text).unwrap_or_default(),
        headers,
        delay: seconds(b.opt_nonnull(5), "mock_http: delay")?.unwrap_or_default(),
        failure: b.opt_nonnull(6).map(Value::to_text),
    };
    host.mocks.borrow_mut().add_http(MockHttp {
        url,
        method: b.opt_nonnull(1).map(Value::to_text),
        answer,
    });
    Ok(Value::Null)
}

/// `fixture(dir, to='/')`: the objects of `dir` (beside the test) imported into the test's
/// store; the number of objects created or updated.
fn fixture(host: &TestHost<'_>, b: &Bound) -> Result<Value, String> {
    let dir = host.test_dir.join(b.req(0).to_text());
    let to = b
        .opt_nonnull(1)
        .map_or_else(|| "/".to_string(), Value::to_text);
    let report = host
        .db()?
        .import_dir(&dir, &to, &ImportOptions::default())
        .map_err(|e| format!("fixture {}: {}", dir.display(), e.0))?;
    if !report.ok() {
        let problems: Vec<String> = report.messages.iter().map(ToString::to_string).collect();
        return Err(format!(
            "fixture {}: {}",
            dir.display(),
            problems.join("; ")
        ));
    }
    Ok(Value::Int((report.created + report.updated) as i64))
}

/// The id of a stored channel, named by its path or given as its object.
fn channel_id(host: &TestHost<'_>, v: &Value) -> Result<i64, String> {
    match v {
        Value::Object(o) => Ok(o.id),
        Value::Str(path) => host
            .db()?
            .resolve(path)
            .map_err(|e| format!("mock_message: no channel {path}: {}", e.0)),
        other => Err(format!(
            "mock_message: channel must be a stored channel or its path, not {}",
            other.type_name()
        )),
    }
}

/// `mock_command(command, host=, user=, stdout=, stderr=, status=, delay=, answers=,
/// content=)`.
fn mock_command(host: &TestHost<'_>, b: &Bound) -> Result<Value, String> {
    let command = Matcher::from_value(b.req(0), "mock_command: command")?;
    let hosts = match b.opt_nonnull(1) {
        Some(h) => Matcher::from_value(h, "mock_command: host")?,
        None => Matcher::any(),
    };
    let user = match b.opt_nonnull(2) {
        Some(u) => Some(Matcher::from_value(u, "mock_command: user")?),
        None => None,
    };
    let base = Answer {
        stdout: b.opt_nonnull(3).map(Value::to_text).unwrap_or_default(),
        stderr: b.opt_nonnull(4).map(Value::to_text).unwrap_or_default(),
        status: integer(b.opt_nonnull(5), "mock_command: status")?.unwrap_or(0),
        delay: seconds(b.opt_nonnull(6), "mock_command: delay")?.unwrap_or_default(),
        content: b.opt_nonnull(8).map(Value::to_text),
    };
    let answers = match b.opt_nonnull(7) {
        None => vec![base],
        Some(Value::Array(items)) => {
            let items = items.borrow();
            if items.is_empty() {
                return Err("mock_command: answers must not be empty".into());
            }
            items
                .iter()
                .map(|a| answer(a, &base))
                .collect::<Result<_, _>>()?
        }
        Some(other) => {
            return Err(format!(
                "mock_command: answers must be an Array of Dictionaries, not {}",
                other.type_name()
            ))
        }
    };
    host.mocks.borrow_mut().add_command(MockCommand {
        command,
        host: hosts,
        user,
        answers,
        calls: Cell::new(0),
    });
    Ok(Value::Null)
}

/// One entry of `answers`: what it leaves out comes from the mock's own arguments.
fn answer(v: &Value, base: &Answer) -> Result<Answer, String> {
    let Value::Dict(d) = v else {
        return Err(format!(
            "mock_command: each answer must be a Dictionary (stdout, stderr, status, delay), not {}",
            v.type_name()
        ));
    };
    let d = d.borrow();
    let get = |k: &str| {
        d.get(&jfc_vm::value::Key::str(k))
            .filter(|v| !matches!(v, Value::Null))
    };
    if let Some(k) = d.keys().map(|k| k.value().to_text()).find(|k| {
        !matches!(
            k.as_str(),
            "stdout" | "stderr" | "status" | "delay" | "content"
        )
    }) {
        return Err(format!(
            "mock_command: an answer has no `{k}`: it takes stdout, stderr, status, delay and content"
        ));
    }
    Ok(Answer {
        stdout: get("stdout").map_or_else(|| base.stdout.clone(), Value::to_text),
        stderr: get("stderr").map_or_else(|| base.stderr.clone(), Value::to_text),
        status: integer(get("status"), "mock_command: status")?.unwrap_or(base.status),
        delay: seconds(get("delay"), "mock_command: delay")?.unwrap_or(base.delay),
        content: get("content")
            .map(Value::to_text)
            .or_else(|| base.content.clone()),
    })
}

fn integer(v: Option<&Value>, what: &str) -> Result<Option<i64>, String> {
    match v {
        None => Ok(None),
        Some(Value::Int(i)) => Ok(Some(*i)),
        Some(other) => Err(format!(
            "{what} must be an Integer, not {}",
            other.type_name()
        )),
    }
}

/// A delay: seconds (Integer or Float) or a Timedelta.
fn seconds(v: Option<&Value>, what: &str) -> Result<Option<Duration>, String> {
    let secs = match v {
        None => return Ok(None),
        Some(Value::Int(i)) => *i as f64,
        Some(Value::Float(f)) => *f,
        Some(Value::Timedelta(t)) => t.num_milliseconds() as f64 / 1000.0,
        Some(other) => {
            return Err(format!(
                "{what} must be seconds or a Timedelta, not {}",
                other.type_name()
            ))
        }
    };
    if !secs.is_finite() || secs < 0.0 {
        return Err(format!(
            "mock_command: delay must be 0 seconds or more, not {secs}"
        ));
    }
    Ok(Some(Duration::from_secs_f64(secs)))
}
