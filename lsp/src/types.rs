//! The type of a value where the flow makes it evident, for completion after `.`: a
//! literal, a built-in function or method whose result type is fixed (library.md §1.1,
//! §2), a variable every assignment of which gives the same such type, a `session`
//! variable. Anything else has no known type, and then nothing is offered.

use std::collections::HashMap;

use jfc_compiler::ast::visit::{self, Visitor};
use jfc_compiler::ast::{
    BinaryOp, Binding, Block, BlockKind, Expr, ExprKind, Job, JobKind, Param, Program,
};
use jfc_vm::builtins::methods as vm;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Type {
    String,
    Binary,
    Array,
    Dictionary,
    Pattern,
    Datetime,
    Date,
    Time,
    Timedelta,
    Channel,
    Process,
}

impl Type {
    /// Its name as `type()` gives it.
    pub fn name(self) -> &'static str {
        match self {
            Type::Process => "Object",
            t => TYPE_NAMES.iter().find(|(x, _)| *x == t).map_or("", |n| n.1),
        }
    }

    /// Its methods, as the VM defines them.
    pub fn methods(self) -> &'static [&'static str] {
        match self {
            Type::String => vm::STRING_METHODS,
            Type::Binary => vm::BINARY_METHODS,
            Type::Array => vm::ARRAY_METHODS,
            Type::Dictionary => vm::DICT_METHODS,
            Type::Pattern => vm::PATTERN_METHODS,
            Type::Datetime => vm::DATETIME_METHODS,
            Type::Date => vm::DATE_METHODS,
            Type::Time => vm::TIME_METHODS,
            Type::Timedelta => &[],
            Type::Channel => vm::CHANNEL_METHODS,
            Type::Process => vm::PROCESS_METHODS,
        }
    }

    /// Its read-only properties (library.md §2.5, §2.9–§2.12, §3.11, §5.1).
    pub fn properties(self) -> &'static [&'static str] {
        match self {
            Type::Datetime => &[
                "year",
                "month",
                "day",
                "hour",
                "minute",
                "second",
                "microsecond",
                "weekday",
                "date",
                "time",
                "utc",
            ],
            Type::Date => &["year", "month", "day", "weekday"],
            Type::Time => &["hour", "minute", "second", "microsecond"],
            Type::Timedelta => &["days", "seconds", "microseconds", "total_seconds"],
            Type::Pattern => &["type", "pattern", "mode"],
            Type::Channel => &["message_count", "event_count", "data"],
            Type::Process => jfc_vm::value::process::PROPERTIES,
            Type::String | Type::Binary | Type::Array | Type::Dictionary => &[],
        }
    }

    /// The type of member `name` (a property read, or a method's result).
    fn member(self, name: &str) -> Option<Type> {
        use Type::*;
        Some(match (self, name) {
            (String, "format" | "join" | "lower" | "upper" | "replace" | "strip") => String,
            (String, "split" | "rsplit" | "splitlines") => Array,
            (String, "encode") => Binary,
            (Binary, "decode" | "hex") => String,
            (Dictionary, "get_keys") => Array,
            (Datetime | Date | Time, "format") => String,
            (Datetime, "isoformat") => String,
            (Datetime, "astimezone" | "utc") => Datetime,
            (Datetime, "date") => Date,
            (Datetime, "time") => Time,
            (Pattern, "type" | "pattern" | "mode") => String,
            _ => return None,
        })
    }
}

const TYPE_NAMES: &[(Type, &str)] = &[
    (Type::String, "String"),
    (Type::Binary, "Binary"),
    (Type::Array, "Array"),
    (Type::Dictionary, "Dictionary"),
    (Type::Pattern, "Pattern"),
    (Type::Datetime, "Datetime"),
    (Type::Date, "Date"),
    (Type::Time, "Time"),
    (Type::Timedelta, "Timedelta"),
    (Type::Channel, "Channel"),
];

/// The result type of built-in function `name` (library.md §1.1), when it is one of
/// the types above.
fn returns(name: &str) -> Option<Type> {
    Some(match name {
        "string" | "type" | "decode" | "json_dump" => Type::String,
        "bytes" | "encode" => Type::Binary,
        "iprange" => Type::Array,
        "mail_parse" | "urlopen" => Type::Dictionary,
        "pattern" => Type::Pattern,
        "now" | "datetime" => Type::Datetime,
        "date" => Type::Date,
        "time" => Type::Time,
        "timedelta" => Type::Timedelta,
        "channel" => Type::Channel,
        "current" => Type::Process,
        _ => return None,
    })
}

/// The type of `e`, from its form and the types of `variables`.
fn of_expr(e: &Expr, variables: &HashMap<String, Type>) -> Option<Type> {
    let of_expr = |e: &Expr| of_expr(e, variables);
    match &e.kind {
        ExprKind::Var(name) => variables.get(name).copied(),
        ExprKind::Str(_) => Some(Type::String),
        ExprKind::Bytes(_) => Some(Type::Binary),
        ExprKind::Array(_) => Some(Type::Array),
        ExprKind::DictNamed(_) | ExprKind::DictPairs(_) => Some(Type::Dictionary),
        ExprKind::Pattern { .. } => Some(Type::Pattern),
        ExprKind::Paren(x) => of_expr(x),
        ExprKind::Attr(x, name) => of_expr(x)?.member(&name.name),
        ExprKind::Call(f, _) => match &f.kind {
            ExprKind::Var(name) => returns(name),
            ExprKind::Attr(x, name) => of_expr(x)?.member(&name.name),
            _ => None,
        },
        // `+` joins two strings or two arrays.
        ExprKind::Binary(BinaryOp::Add, a, b) => {
            let t = of_expr(a)?;
            (matches!(t, Type::String | Type::Array) && of_expr(b) == Some(t)).then_some(t)
        }
        _ => None,
    }
}

/// The variables of `program` whose type is known: every value given them has it.
/// A value may come from other variables (`[u = s.upper()]`): each round types the
/// values with the variables the round before found, until nothing changes (a chain
/// of n variables takes n rounds; a few are enough in practice).
pub fn of_variables(program: &Program) -> HashMap<String, Type> {
    const ROUNDS: usize = 4;
    let mut known = HashMap::new();
    for _ in 0..ROUNDS {
        let mut found = Found {
            given: HashMap::new(),
            known: &known,
        };
        visit::walk_program(&mut found, program);
        let next: HashMap<String, Type> = found
            .given
            .into_iter()
            .filter_map(|(name, t)| Some((name, t?)))
            .collect();
        if next == known {
            break;
        }
        known = next;
    }
    known
}

/// Each name given a value, with the type all its values share so far (`None`: not
/// one); `known`: the variables' types as the round before found them.
struct Found<'k> {
    given: HashMap<String, Option<Type>>,
    known: &'k HashMap<String, Type>,
}

impl Found<'_> {
    fn given(&mut self, name: &str, t: Option<Type>) {
        self.given
            .entry(name.to_string())
            .and_modify(|known| *known = known.filter(|k| Some(*k) == t))
            .or_insert(t);
    }

    fn bindings(&mut self, bindings: &[Binding]) {
        for b in bindings {
            self.given(&b.name.name, of_expr(&b.value, self.known));
        }
    }
}

impl<'a> Visitor<'a> for Found<'_> {
    /// A parameter has its default's type (a caller may pass another: the default
    /// says what the flow expects).
    fn visit_param(&mut self, p: &'a Param) {
        let t = p.default.as_ref().and_then(|d| of_expr(d, self.known));
        self.given(&p.name.name, t);
    }

    fn visit_job(&mut self, job: &'a Job) {
        match &job.kind {
            JobKind::Assign(bindings) => self.bindings(bindings),
            JobKind::Update { value, target } => {
                if let ExprKind::Var(name) = &target.kind {
                    self.given(name, of_expr(value, self.known));
                }
            }
            _ => {}
        }
        visit::walk_job(self, job);
    }

    fn visit_block(&mut self, block: &'a Block) {
        match &block.kind {
            BlockKind::Simple { bindings, .. } => self.bindings(bindings),
            BlockKind::For { var, .. } | BlockKind::Pfor { var, .. } => self.given(&var.name, None),
            BlockKind::Session { var, .. } => self.given(&var.name, Some(Type::Channel)),
            _ => {}
        }
        visit::walk_block(self, block);
    }

    /// Values are typed from their form; nothing inside them gives a name a value.
    fn visit_expr(&mut self, _: &'a Expr) {}
}

/// The type of the receiver that `text` ends with, as typed before a `.`: a literal
/// string, binary or pattern, a variable of `variables`, a call of a built-in function,
/// or one of them followed by `.property` or `.method(...)`.
pub fn of_receiver(text: &str, variables: &HashMap<String, Type>) -> Option<Type> {
    receiver(text, variables, MAX_CHAIN)
}

/// How many `.member`s a receiver may chain before its type is no longer looked for
/// (each is a level of recursion).
const MAX_CHAIN: usize = 16;

fn receiver(text: &str, variables: &HashMap<String, Type>, chain: usize) -> Option<Type> {
    let chain = chain.checked_sub(1)?;
    if let Some(quote) = text.chars().last().filter(|c| matches!(c, '\'' | '"')) {
        return literal(&text[..text.len() - 1], quote);
    }
    let (callee, call) = match text.strip_suffix(')') {
        Some(inner) => (&inner[..opening_paren(inner)?], true),
        None => (text, false),
    };
    let name = trailing_name(callee)?;
    let before = &callee[..callee.len() - name.len()];
    if before.ends_with(['\'', '"']) {
        // `r'x'i`: the mode letter of a pattern.
        return receiver(before, variables, chain).filter(|t| name == "i" && *t == Type::Pattern);
    }
    match before.strip_suffix('.') {
        Some(before) => receiver(before, variables, chain)?.member(name),
        None if call => returns(name),
        None => variables.get(name).copied(),
    }
}

/// The type of the quoted literal that `text` ends with (its closing `quote` cut off),
/// told by the letter before the opening quote.
fn literal(text: &str, quote: char) -> Option<Type> {
    let open = text.rfind(quote)?;
    let mut before = text[..open].chars().rev();
    let letter = before.next().filter(|c| c.is_alphanumeric() || *c == '_');
    let alone = !before
        .next()
        .is_some_and(|c| c.is_alphanumeric() || c == '_');
    match letter {
        None => Some(Type::String),
        Some('b') if alone => Some(Type::Binary),
        Some('r' | 'g' | 'e') if alone => Some(Type::Pattern),
        Some(_) => None,
    }
}

/// The name `text` ends with, if it ends with one.
fn trailing_name(text: &str) -> Option<&str> {
    let start = text
        .char_indices()
        .rev()
        .take_while(|(_, c)| c.is_alphanumeric() || *c == '_')
        .last()?
        .0;
    let name = &text[start..];
    (!name.starts_with(|c: char| c.is_ascii_digit())).then_some(name)
}

/// Where the `(` is that the `)` after `text` closes (strings not looked into).
fn opening_paren(text: &str) -> Option<usize> {
    let mut depth = 0usize;
    for (i, c) in text.char_indices().rev() {
        match c {
            ')' => depth += 1,
            '(' if depth == 0 => return Some(i),
            '(' => depth -= 1,
            _ => {}
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use jfc_vm::value::{Args, Value};

    fn variables(text: &str) -> HashMap<String, Type> {
        of_variables(&jfc_compiler::analyze(text).program)
    }

    #[test]
    fn a_variable_has_the_type_every_value_given_it_has() {
        let text = "|p = 'x'|\n|q|\n[s = 'a', xs = [1, 2], d = {a = 1}, t = now()] \
                    -> [u = s.upper(), ws = s.split(','), day = t.date, n = 1] \
                    -> [m = 'a'] -> [[1] >> m] -> { session sh | [k = xs + [3]] } \
                    -> { for x in xs | print(x) }";
        let found = variables(text);
        let want = [
            ("p", Type::String),
            ("s", Type::String),
            ("xs", Type::Array),
            ("d", Type::Dictionary),
            ("t", Type::Datetime),
            ("u", Type::String),
            ("ws", Type::Array),
            ("day", Type::Date),
            ("sh", Type::Channel),
            ("k", Type::Array),
        ];
        let mut got: Vec<(&str, Type)> = found.iter().map(|(n, t)| (n.as_str(), *t)).collect();
        got.sort_by_key(|(n, _)| want.iter().position(|(w, _)| w == n));
        assert_eq!(got, want, "q, n, m (two types) and x are not known");
    }

    #[test]
    fn the_receiver_before_a_dot_is_typed_from_its_text() {
        let vars = variables("[s = 'a', t = now(), xs = [1]]");
        let ty = |text: &str| of_receiver(text, &vars);
        assert_eq!(ty("print('a,b'"), Some(Type::String));
        assert_eq!(ty("[x = b'\\x00'"), Some(Type::Binary));
        assert_eq!(ty("[x = r'^a'"), Some(Type::Pattern));
        assert_eq!(ty("[x = r'^a'i"), Some(Type::Pattern));
        assert_eq!(ty("[x = s"), Some(Type::String));
        assert_eq!(ty("[x = s.replace('(', ')').split(',')"), Some(Type::Array));
        assert_eq!(ty("print(t"), Some(Type::Datetime));
        assert_eq!(ty("print(t.date"), Some(Type::Date));
        assert_eq!(ty("print(now().time"), Some(Type::Time));
        assert_eq!(ty("[c = channel()"), Some(Type::Channel));
        assert_eq!(ty("[x = xs"), Some(Type::Array));
        for unknown in [
            "[x = y",
            "[x = s.find('a')",
            "[x = 1",
            "[x = xs[0]",
            "print(f'a'",
        ] {
            assert_eq!(ty(unknown), None, "{unknown}");
        }
    }

    #[test]
    fn the_members_listed_are_those_the_vm_has() {
        let make = |f: &str, arg: &str| {
            let args = Args {
                pos: vec![Value::str(arg)],
                kw: Vec::new(),
            };
            jfc_vm::builtins::functions::call_function(f, args).expect(f)
        };
        let samples = [
            (Type::String, Value::str("a")),
            (Type::Datetime, make("datetime", "2024-01-02 03:04:05")),
            (Type::Date, make("date", "2024-01-02")),
            (Type::Time, make("time", "03:04:05")),
            (Type::Pattern, make("pattern", "a")),
        ];
        for (t, v) in samples {
            for m in t.methods().iter().chain(t.properties()) {
                let got = jfc_vm::value::index::get_attr(&v, m);
                assert!(got.is_ok(), "{} has no `{m}`", t.name());
            }
        }
    }
}

/// The variables of `program` that always hold the same absolute object path
/// (`[node = /nodes/web1]`): their members are the object's.
pub fn object_paths(program: &Program) -> HashMap<String, String> {
    let mut found = Paths::default();
    visit::walk_program(&mut found, program);
    found
        .given
        .into_iter()
        .filter_map(|(name, p)| Some((name, p?)))
        .collect()
}

#[derive(Default)]
struct Paths {
    given: HashMap<String, Option<String>>,
}

impl Paths {
    fn given(&mut self, name: &str, value: Option<&Expr>) {
        let path = value.and_then(|v| match &v.kind {
            ExprKind::Path(p) if p.starts_with('/') => Some(p.clone()),
            _ => None,
        });
        self.given
            .entry(name.to_string())
            .and_modify(|known| {
                if *known != path {
                    *known = None;
                }
            })
            .or_insert(path);
    }
}

impl<'a> Visitor<'a> for Paths {
    fn visit_param(&mut self, p: &'a Param) {
        self.given(&p.name.name, p.default.as_ref());
    }

    fn visit_job(&mut self, job: &'a Job) {
        match &job.kind {
            JobKind::Assign(bindings) => {
                for b in bindings {
                    self.given(&b.name.name, Some(&b.value));
                }
            }
            JobKind::Update { target, .. } => {
                if let ExprKind::Var(name) = &target.kind {
                    self.given(name, None);
                }
            }
            _ => {}
        }
        visit::walk_job(self, job);
    }

    fn visit_block(&mut self, block: &'a Block) {
        match &block.kind {
            BlockKind::Simple { bindings, .. } => {
                for b in bindings {
                    self.given(&b.name.name, Some(&b.value));
                }
            }
            BlockKind::For { var, .. }
            | BlockKind::Pfor { var, .. }
            | BlockKind::Session { var, .. } => self.given(&var.name, None),
            _ => {}
        }
        visit::walk_block(self, block);
    }

    fn visit_expr(&mut self, _: &'a Expr) {}
}

/// The object path the receiver `before` a `.` names: a path literal (`/nodes/web1`)
/// or a variable of `variables` that always holds one.
pub fn object_path(before: &str, variables: &HashMap<String, String>) -> Option<String> {
    let start = before
        .char_indices()
        .rev()
        .take_while(|(_, c)| c.is_alphanumeric() || matches!(c, '_' | '/' | '-'))
        .last()?
        .0;
    let tail = &before[start..];
    if tail.starts_with('/') {
        return Some(tail.to_string());
    }
    variables.get(tail).cloned()
}
