//! The methods and properties of each type of value, each with its signature and one
//! sentence on what it does (from library.md §2, §3.11 and §5.1, in our own words), for
//! hover and for the documentation of completion items after `.`. The names are the
//! VM's (types.rs lists them from it); a unit test keeps this table in step.

use crate::types::Type;

/// One method or property of a type.
pub struct Member {
    pub name: &'static str,
    /// `name(arguments) : Result` for a method, `name : Type` for a property.
    pub signature: &'static str,
    pub doc: &'static str,
}

const fn m(name: &'static str, signature: &'static str, doc: &'static str) -> Member {
    Member {
        name,
        signature,
        doc,
    }
}

const STRING: &[Member] = &[
    m("format", "format(*args, **kwargs) : String", "The string with its `{}`, `{0}` and `{name}` fields filled with the arguments, by position or by name."),
    m("join", "join(list) : String", "The strings of `list` joined into one, with this string between each two."),
    m("find", "find(sub, [start, [end]]) : Integer", "Where `sub` first occurs in the string (or in `s[start:end]`), or -1 when it does not."),
    m("rfind", "rfind(sub, [start, [end]]) : Integer", "Where `sub` last occurs in the string (or in `s[start:end]`), or -1 when it does not."),
    m("startswith", "startswith(prefix, [start, [end]]) : Boolean", "Whether the string begins with `prefix`, a string or an array of strings of which any may match."),
    m("endswith", "endswith(suffix, [start, [end]]) : Boolean", "Whether the string ends with `suffix`, a string or an array of strings of which any may match."),
    m("encode", "encode([encoding]) : Binary", "The bytes of the string in `encoding`, UTF-8 unless given."),
    m("lower", "lower() : String", "A copy of the string in lower case."),
    m("upper", "upper() : String", "A copy of the string in upper case."),
    m("replace", "replace(old, new, [count]) : String", "A copy with every `old`, or only the first `count` of them, replaced by `new`."),
    m("split", "split([sep, [maxsplit]]) : Array", "The pieces between each `sep` (without one, the words between runs of white space), cut at most `maxsplit` times from the left."),
    m("rsplit", "rsplit([sep, [maxsplit]]) : Array", "As `split`, with the `maxsplit` cuts counted from the right."),
    m("splitlines", "splitlines([keepends]) : Array", "The lines of the string, with their line ends when `keepends` is true."),
    m("strip", "strip([chars]) : String", "A copy without the white space (or the characters of `chars`) at either end."),
];

const BINARY: &[Member] = &[
    m("decode", "decode([encoding]) : String", "The text these bytes encode in `encoding`, UTF-8 unless given; bytes that are no such text are an error."),
    m("hex", "hex() : String", "The bytes written as two lower-case hexadecimal digits each."),
];

const ARRAY: &[Member] = &[
    m(
        "add_item",
        "add_item(value) : Null",
        "Appends `value` at the end of the array.",
    ),
    m(
        "del_item",
        "del_item(index) : Null",
        "Removes the item at `index` (negative counts from the end); an error past the end.",
    ),
    m(
        "pop_item",
        "pop_item([index]) : any",
        "Removes the item at `index`, the last unless given, and gives it.",
    ),
];

const DICTIONARY: &[Member] = &[
    m("del_item", "del_item(key) : Null", "Removes the entry of `key`; an error when there is none."),
    m("get_item", "get_item(key, [default]) : any", "The value of `key`, or `default` (null unless given) when the key is missing."),
    m("pop_item", "pop_item(key, [default]) : any", "Removes the entry of `key` and gives its value; `default` when it is missing, an error without one."),
    m("get_keys", "get_keys() : Array", "The keys, in the order they were added."),
];

const PATTERN: &[Member] = &[
    m("match", "match(s) : Boolean or Dictionary", "Matches `s`: a regular expression from its start (a Dictionary of the match, or false), a glob against the whole string, an `e` pattern by equality (true or false)."),
    m("type", "type : String", "The kind of pattern: `'r'`, `'g'` or `'e'`."),
    m("pattern", "pattern : String", "The text of the pattern as written."),
    m("mode", "mode : String", "`'i'` when the pattern ignores case, else `''`."),
];

const DATETIME: &[Member] = &[
    m("format", "format(dt_fmt) : String", "The date and time written with strftime directives (`%Y-%m-%d %H:%M`), in the value's own time zone."),
    m("isoformat", "isoformat() : String", "The instant in UTC, as `YYYY-MM-DDTHH:MM:SSZ`."),
    m("astimezone", "astimezone([zone]) : Datetime", "The same instant in the time zone `zone` (such as `'Asia/Tokyo'`), the local one unless given."),
    m("year", "year : Integer", "The year."),
    m("month", "month : Integer", "The month, 1 to 12."),
    m("day", "day : Integer", "The day of the month, 1 to 31."),
    m("hour", "hour : Integer", "The hour, 0 to 23."),
    m("minute", "minute : Integer", "The minute, 0 to 59."),
    m("second", "second : Integer", "The second, 0 to 59."),
    m("microsecond", "microsecond : Integer", "The microseconds past the second, 0 to 999999."),
    m("weekday", "weekday : Integer", "The day of the week: 0 for Monday to 6 for Sunday."),
    m("date", "date : Date", "The calendar date alone."),
    m("time", "time : Time", "The time of day alone, without its zone."),
    m("utc", "utc : Datetime", "The same instant in UTC."),
];

const DATE: &[Member] = &[
    m(
        "format",
        "format(dt_fmt) : String",
        "The date written with strftime directives (`%Y-%m-%d`); the time directives give zeros.",
    ),
    m("year", "year : Integer", "The year."),
    m("month", "month : Integer", "The month, 1 to 12."),
    m("day", "day : Integer", "The day of the month, 1 to 31."),
    m(
        "weekday",
        "weekday : Integer",
        "The day of the week: 0 for Monday to 6 for Sunday.",
    ),
];

const TIME: &[Member] = &[
    m("format", "format(dt_fmt) : String", "The time written with strftime directives (`%H:%M:%S`); the date directives give 1900-01-01."),
    m("hour", "hour : Integer", "The hour, 0 to 23."),
    m("minute", "minute : Integer", "The minute, 0 to 59."),
    m("second", "second : Integer", "The second, 0 to 59."),
    m("microsecond", "microsecond : Integer", "The microseconds past the second, 0 to 999999."),
];

const TIMEDELTA: &[Member] = &[
    m(
        "days",
        "days : Integer",
        "The whole days of the duration, which may be negative.",
    ),
    m(
        "seconds",
        "seconds : Integer",
        "The seconds beyond the whole days, 0 to 86399.",
    ),
    m(
        "microseconds",
        "microseconds : Integer",
        "The microseconds beyond the seconds, 0 to 999999.",
    ),
    m(
        "total_seconds",
        "total_seconds : Float",
        "The whole duration in seconds (a property: no parentheses).",
    ),
];

const CHANNEL: &[Member] = &[
    m("send", "send(message) : Null", "Delivers `message`: to the process that has waited longest on the channel, else to the end of its queue."),
    m("pop_message", "pop_message([index]) : any", "Removes the queued message at `index` (the first unless given) and gives it; an error when there is none, for it never waits."),
    m("peek_message", "peek_message([index]) : Array", "`[id, message]` of the queued message at `index` (the first unless given), left in the queue."),
    m("delete_message", "delete_message(*ids) : Null", "Removes the queued messages of these ids; an unknown id is an error."),
    m("clear_messages", "clear_messages() : Null", "Empties the queue."),
    m("message_count", "message_count : Integer", "How many messages wait in the queue."),
    m("event_count", "event_count : Integer", "How many processes wait for a message."),
    m("data", "data : String", "Of a session's channel: the output not read yet, as one string."),
];

const PROCESS: &[Member] = &[
    m(
        "delete",
        "delete() : Null",
        "Deletes the record of the process.",
    ),
    m("pid", "pid : Integer", "The number of the process."),
    m("id", "id : Integer", "The unique id of the process."),
    m("abspath", "abspath : String", "Its path under `/process`."),
    m("name", "name : String", "The name of the process."),
    m(
        "status",
        "status : String",
        "Where it is: `NEW`, `READY`, `RUNNING`, `WAITING`, `ABORTED` or `DONE`.",
    ),
    m("user", "user : Object", "The user it runs as."),
    m(
        "job",
        "job : Object",
        "The flow or script job that started it.",
    ),
    m(
        "current_job",
        "current_job : Object",
        "The flow or script job it runs now, which a call changes.",
    ),
    m(
        "parent",
        "parent : Object",
        "The process that started it, or null.",
    ),
    m("children", "children : LazyArray", "Its child processes."),
    m("console", "console : String", "What it has printed."),
    m(
        "started_time",
        "started_time : Datetime",
        "When it started.",
    ),
    m(
        "finished_time",
        "finished_time : Datetime",
        "When it ended; null while it runs.",
    ),
    m(
        "elapsed_time",
        "elapsed_time : Timedelta",
        "How long it has run.",
    ),
    m(
        "exit_status",
        "exit_status : Integer",
        "The status it ended with.",
    ),
    m("result", "result : any", "Its `$RESULT` when it ended."),
    m("error", "error : any", "Its `$ERROR` when it ended."),
    m(
        "schedule",
        "schedule : Object",
        "The schedule that started it, or null.",
    ),
    m(
        "invoker",
        "invoker : Object",
        "The object that started it (a Form, a Table, a Channel...), or null.",
    ),
    m(
        "checkpoint_mode",
        "checkpoint_mode : Boolean",
        "Whether it runs in checkpoint mode; writable.",
    ),
    m(
        "step_mode",
        "step_mode : Boolean",
        "Whether it runs one step at a time; writable.",
    ),
    m(
        "monitoring_mode",
        "monitoring_mode : String",
        "The mail its end sends: `NOTHING`, `MAIL` or `ABORT_MAIL`; writable.",
    ),
    m(
        "suspended",
        "suspended : Boolean",
        "Whether it is suspended; writable.",
    ),
    m(
        "lineno",
        "lineno : Integer",
        "The line of `current_job` it runs now.",
    ),
];

/// The methods and properties of `t` that the table describes.
fn of(t: Type) -> &'static [Member] {
    match t {
        Type::String => STRING,
        Type::Binary => BINARY,
        Type::Array => ARRAY,
        Type::Dictionary => DICTIONARY,
        Type::Pattern => PATTERN,
        Type::Datetime => DATETIME,
        Type::Date => DATE,
        Type::Time => TIME,
        Type::Timedelta => TIMEDELTA,
        Type::Channel => CHANNEL,
        Type::Process => PROCESS,
    }
}

/// Member `name` of a value of type `t`.
pub fn lookup(t: Type, name: &str) -> Option<&'static Member> {
    of(t).iter().find(|m| m.name == name)
}

#[cfg(test)]
mod tests {
    use super::*;

    const ALL: [Type; 11] = [
        Type::String,
        Type::Binary,
        Type::Array,
        Type::Dictionary,
        Type::Pattern,
        Type::Datetime,
        Type::Date,
        Type::Time,
        Type::Timedelta,
        Type::Channel,
        Type::Process,
    ];

    #[test]
    fn every_member_the_vm_has_is_described_and_nothing_else() {
        for t in ALL {
            let known: Vec<&str> = t.methods().iter().chain(t.properties()).copied().collect();
            for name in &known {
                let member = lookup(t, name);
                assert!(member.is_some(), "{}.{name} is not described", t.name());
                let member = member.into_iter().next().expect("described");
                assert!(
                    member.signature.starts_with(name) && member.doc.ends_with('.'),
                    "{}.{name}",
                    t.name()
                );
                // A method's signature has its parentheses; a property's has none.
                let is_method = t.methods().contains(name);
                assert_eq!(
                    member.signature.starts_with(&format!("{name}(")),
                    is_method,
                    "{}.{name}",
                    t.name()
                );
            }
            for member in of(t) {
                assert!(
                    known.contains(&member.name),
                    "{}.{} is described but the VM has no such member",
                    t.name(),
                    member.name
                );
            }
        }
    }
}
