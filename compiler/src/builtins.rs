//! The table of the 40 built-in jobs and functions (library.md §1.1).
//!
//! One table read by everyone: the checker (unknown names, arity), the code
//! generator (a call of a built-in name always reaches the built-in, §18 D1),
//! the VM (dispatch by index) and, later, the language server (hover, completion).

/// Whether a built-in may be used inside an expression or only as a job.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BuiltinKind {
    /// A built-in job: `print(...)` written as a job of its own.
    Job,
    /// A built-in function: usable in expressions and as a job.
    Function,
}

/// One entry of the built-in table.
#[derive(Debug)]
pub struct Builtin {
    pub name: &'static str,
    pub kind: BuiltinKind,
    /// Parameter names in order; every parameter may also be passed by keyword.
    pub params: &'static [&'static str],
    /// How many leading parameters are required.
    pub required: usize,
    /// Accepts any number of extra positional arguments (`print`, `path`).
    pub variadic: bool,
    /// The keyword-only options it takes beyond `params` (`urlopen`, `mailto`).
    pub options: &'static [&'static str],
    /// One line for hover and `--help` listings.
    pub doc: &'static str,
}

const fn b(
    name: &'static str,
    kind: BuiltinKind,
    params: &'static [&'static str],
    required: usize,
    doc: &'static str,
) -> Builtin {
    Builtin {
        name,
        kind,
        params,
        required,
        variadic: false,
        options: &[],
        doc,
    }
}

const fn var(mut x: Builtin) -> Builtin {
    x.variadic = true;
    x
}

const fn opts(mut x: Builtin, options: &'static [&'static str]) -> Builtin {
    x.options = options;
    x
}

use BuiltinKind::{Function as F, Job as J};

/// Every built-in, in the order of library.md §1.1. The index is the id used by bytecode.
pub static BUILTINS: &[Builtin] = &[
    var(b(
        "print",
        J,
        &["message"],
        0,
        "print values joined by one space, then a newline",
    )),
    b(
        "self",
        J,
        &[],
        0,
        "restart the current jobflow from its first job",
    ),
    b(
        "exit",
        J,
        &["status", "result", "error"],
        0,
        "end the process",
    ),
    b(
        "return",
        J,
        &["result", "status", "error"],
        0,
        "return from the current jobflow",
    ),
    b(
        "abort",
        J,
        &["message"],
        0,
        "print the message and abort the process",
    ),
    b(
        "assert",
        J,
        &["value", "message"],
        1,
        "abort with `assertion failure: message` when value is false",
    ),
    b(
        "sleep",
        J,
        &["timeout"],
        1,
        "wait for seconds, or until a Datetime",
    ),
    b(
        "detach",
        J,
        &[],
        0,
        "detach this child process from its fork/pfor block",
    ),
    b("suspend", J, &[], 0, "pause the process"),
    b("int", F, &["x"], 0, "convert to Integer"),
    b("float", F, &["x"], 0, "convert to Float"),
    b("string", F, &["obj"], 1, "convert to String"),
    b("bytes", F, &["b", "encoding"], 0, "make a Binary"),
    b("type", F, &["obj"], 1, "name of the value's type"),
    b(
        "length",
        F,
        &["obj"],
        1,
        "length of a String, Binary, Array, Dictionary or LazyArray",
    ),
    b(
        "has_key",
        F,
        &["obj", "key"],
        2,
        "whether a Dictionary or object has the key or field",
    ),
    b(
        "encode",
        F,
        &["message", "encoding"],
        1,
        "encode a String to Binary",
    ),
    b(
        "decode",
        F,
        &["data", "encoding"],
        1,
        "decode a Binary to String",
    ),
    b("now", F, &[], 0, "the current Datetime"),
    b(
        "datetime",
        F,
        &["dt_str_or_date", "dt_fmt_or_time", "zone"],
        1,
        "make a Datetime",
    ),
    b("date", F, &["date_str", "dt_fmt"], 1, "make a Date"),
    b("time", F, &["time_str", "dt_fmt"], 1, "make a Time"),
    b(
        "timedelta",
        F,
        &["days", "hours", "minutes", "seconds", "microseconds"],
        0,
        "make a Timedelta",
    ),
    b(
        "pattern",
        F,
        &["pattern", "typ", "mode"],
        1,
        "make a Pattern",
    ),
    b(
        "iprange",
        F,
        &["address"],
        1,
        "the addresses of a network (deprecated)",
    ),
    b("json_parse", F, &["data", "strict"], 1, "parse JSON text"),
    b(
        "json_dump",
        F,
        &["obj", "ensure_ascii", "indent"],
        1,
        "serialise to JSON text",
    ),
    b("mail_parse", F, &["data"], 1, "parse a mail message"),
    opts(
        b("urlopen", J, &["url"], 1, "make an HTTP request"),
        &[
            "user",
            "password",
            "data",
            "params",
            "files",
            "timeout",
            "encode",
            "http_method",
            "verify",
            "quiet",
            "headers",
            "cookies",
            "charset",
            "binary",
            "proxies",
        ],
    ),
    // Every parameter of `mailto` may be left out: `from` has a default, `to` may come
    // from `parents`, `body` may be replaced by `html_content` (checked when it runs).
    opts(
        b(
            "mailto",
            J,
            &["to", "from", "subject", "body"],
            0,
            "send a mail",
        ),
        &[
            "cc",
            "bcc",
            "reply_to",
            "html_content",
            "attach_files",
            "parents",
            "headers",
            "charset",
            "reply_to_all",
            "inline_content",
            "placeholder",
            "as_string",
            "smtp_server",
        ],
    ),
    b("current", F, &[], 0, "the calling process"),
    b("channel", F, &[], 0, "a new in-memory channel"),
    var(b("path", F, &["str_or_obj"], 1, "the object at a path")),
    b("user", F, &["user"], 1, "a user by name or id"),
    b("group", F, &["group"], 1, "a group by name or id"),
    b(
        "download",
        J,
        &["from_file", "to_path"],
        2,
        "save an attachment to a file",
    ),
    b(
        "upload",
        J,
        &["from_path", "to_object", "to_field", "to_subscript"],
        3,
        "attach a file to an object field",
    ),
    b(
        "put",
        J,
        &["local_path", "remote_path"],
        2,
        "copy a file to the remote host",
    ),
    b(
        "get",
        J,
        &["remote_path", "local_path"],
        2,
        "copy a file from the remote host",
    ),
    b("reboot", J, &["wait"], 0, "reboot the remote host"),
];

/// Which built-ins a flow sees: a test file (`*_test.jf`, or a flow under a `tests/`
/// folder of a project) also has the built-ins that mock hosts and check outcomes.
/// Ordinary flows never see them, so a variable of an existing flow called
/// `assert_equal` keeps working (§18 D1 would otherwise send its calls to the built-in).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Dialect {
    #[default]
    Flow,
    Test,
}

impl Dialect {
    /// The dialect of the flow file at `path` inside the project at `root` (if any):
    /// a test when its name ends in `_test.jf` or it is under the project's `tests/`.
    pub fn of(path: &std::path::Path, root: Option<&std::path::Path>) -> Dialect {
        let stem_is_test = path
            .file_stem()
            .and_then(|s| s.to_str())
            .is_some_and(|s| s.ends_with("_test"));
        let in_tests = root
            .and_then(|r| path.strip_prefix(r).ok())
            .is_some_and(|rel| rel.starts_with("tests"));
        if stem_is_test || in_tests {
            Dialect::Test
        } else {
            Dialect::Flow
        }
    }
}

/// The built-ins of test files (`jfc test`): mocks of what a flow reaches outside, and
/// checks of its outcome. All are functions: usable in expressions and as jobs.
pub static TEST_BUILTINS: &[Builtin] = &[
    opts(
        b(
            "mock_command",
            F,
            &["command"],
            1,
            "answer the commands that match (a glob String or a regular expression) instead of running them",
        ),
        &[
            "host", "user", "stdout", "stderr", "status", "delay", "answers", "content",
        ],
    ),
    b(
        "mock_login",
        F,
        &["host", "failure"],
        2,
        "make logins to the hosts that match fail: 'refused', 'password' or 'timeout'",
    ),
    opts(
        b(
            "mock_http",
            F,
            &["url"],
            1,
            "answer the urlopen requests whose URL matches instead of sending them",
        ),
        &["method", "status", "body", "headers", "delay", "failure"],
    ),
    opts(
        b(
            "mock_task",
            F,
            &["title"],
            1,
            "answer the tasks whose title matches: submit `answer` (or cancel) after a virtual delay",
        ),
        &["answer", "after", "cancel"],
    ),
    opts(
        b(
            "mock_message",
            F,
            &["channel", "message"],
            2,
            "send a message to a stored channel at a virtual time (seconds after the start, or a Datetime)",
        ),
        &["at"],
    ),
    b(
        "fixture",
        F,
        &["dir", "to"],
        1,
        "import a directory of objects (beside the test) into the test's store, as jfc import does",
    ),
    opts(
        b(
            "add_schedule",
            F,
            &["job"],
            1,
            "a schedule of the test, fired on its virtual clock: its job starts as a new process each time the time fields match",
        ),
        &[
            "name", "parameters", "year", "month", "day", "week", "day_of_week", "hour", "minute",
        ],
    ),
    b(
        "http_requests",
        F,
        &["url"],
        0,
        "the urlopen requests the test made so far (matching url): dictionaries of method, url and body",
    ),
    b(
        "mails_sent",
        F,
        &[],
        0,
        "the mails the test sent so far: dictionaries of from, to, cc, subject and body",
    ),
    b(
        "commands_run",
        F,
        &["host"],
        0,
        "the commands the test ran so far (on the hosts that match): dictionaries of host, user, sudo and command",
    ),
    b(
        "objects_written",
        F,
        &["path"],
        0,
        "the objects the test wrote so far (path matching): dictionaries of path, action (add, set, delete, rename, move, copy), type, field and to",
    ),
    b(
        "messages_sent",
        F,
        &["channel"],
        0,
        "the messages the test sent so far to stored channels (path matching): dictionaries of channel and message",
    ),
    b(
        "assert_equal",
        F,
        &["actual", "expected", "message"],
        2,
        "fail the test unless the two values are equal, showing both",
    ),
    b(
        "assert_match",
        F,
        &["text", "pattern", "message"],
        2,
        "fail the test unless the text matches the pattern (a glob String or a regular expression)",
    ),
];

impl Builtin {
    /// The call form, optional parameters in brackets: `sleep(seconds)`, `print([message], ...)`.
    pub fn signature(&self) -> String {
        let params: Vec<String> = self
            .params
            .iter()
            .enumerate()
            .map(|(i, p)| {
                if i < self.required {
                    p.to_string()
                } else {
                    format!("[{p}]")
                }
            })
            .collect();
        let mut all = params.join(", ");
        if self.variadic {
            all.push_str(if all.is_empty() { "..." } else { ", ..." });
        }
        if !self.options.is_empty() {
            all.push_str(if all.is_empty() {
                "**options"
            } else {
                ", **options"
            });
        }
        format!("{}({all})", self.name)
    }
}

/// Index of a built-in by name.
pub fn lookup(name: &str) -> Option<u16> {
    BUILTINS
        .iter()
        .position(|b| b.name == name)
        .map(|i| i as u16)
}

/// Index of a built-in by name in a flow of `dialect`: a test also has the test
/// built-ins, numbered after the others.
pub fn lookup_in(name: &str, dialect: Dialect) -> Option<u16> {
    lookup(name).or_else(|| match dialect {
        Dialect::Flow => None,
        Dialect::Test => TEST_BUILTINS
            .iter()
            .position(|b| b.name == name)
            .map(|i| (BUILTINS.len() + i) as u16),
    })
}

/// The entry for an index returned by [`lookup`] or [`lookup_in`].
pub fn get(id: u16) -> &'static Builtin {
    let id = id as usize;
    BUILTINS
        .get(id)
        .unwrap_or_else(|| &TEST_BUILTINS[id - BUILTINS.len()])
}

/// Whether `id` numbers a built-in of either table (bytecode and snapshots are checked
/// with it before they run).
pub fn exists(id: u16) -> bool {
    (id as usize) < BUILTINS.len() + TEST_BUILTINS.len()
}

/// Whether `id` numbers a test built-in, which only `jfc test` runs.
pub fn is_test(id: u16) -> bool {
    (id as usize) >= BUILTINS.len() && exists(id)
}

/// The test built-in called `name`, for the message that says where it may be used.
pub fn test_builtin(name: &str) -> Option<&'static Builtin> {
    TEST_BUILTINS.iter().find(|b| b.name == name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forty_builtins_with_unique_names() {
        assert_eq!(BUILTINS.len(), 40);
        for (i, b) in BUILTINS.iter().enumerate() {
            assert_eq!(lookup(b.name), Some(i as u16), "{}", b.name);
            assert!(b.required <= b.params.len(), "{}", b.name);
        }
    }

    #[test]
    fn test_builtins_only_in_tests() {
        use std::path::Path;
        assert_eq!(lookup_in("assert_equal", Dialect::Flow), None);
        let id = lookup_in("assert_equal", Dialect::Test).expect("a test built-in");
        assert!(is_test(id) && exists(id));
        assert_eq!(get(id).name, "assert_equal");
        assert_eq!(lookup_in("print", Dialect::Test), lookup("print"));
        assert!(!is_test(lookup("print").unwrap()));
        let root = Path::new("/p");
        assert_eq!(
            Dialect::of(Path::new("/a/restart_test.jf"), None),
            Dialect::Test
        );
        assert_eq!(
            Dialect::of(Path::new("/p/tests/restart.jf"), Some(root)),
            Dialect::Test
        );
        assert_eq!(
            Dialect::of(Path::new("/p/flows/restart.jf"), Some(root)),
            Dialect::Flow
        );
        // A `tests/` folder outside a project is an ordinary folder.
        assert_eq!(
            Dialect::of(Path::new("/p/tests/restart.jf"), None),
            Dialect::Flow
        );
        for b in TEST_BUILTINS {
            assert_eq!(
                lookup(b.name),
                None,
                "{} shadows a built-in of flows",
                b.name
            );
        }
    }

    #[test]
    fn signatures() {
        let sig = |n: &str| get(lookup(n).unwrap()).signature();
        assert_eq!(sig("print"), "print([message], ...)");
        assert_eq!(sig("self"), "self()");
        assert!(
            sig("urlopen").ends_with(", **options)"),
            "{}",
            sig("urlopen")
        );
    }
}
