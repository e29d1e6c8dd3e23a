//! The values printed by the spec examples (/work/shared/spec/examples),
//! built with the value API and rendered the way `print` joins them: each
//! value's top-level text, separated by one space. Expected lines are copied
//! from the examples' `.out` files.

use std::rc::Rc;

use indexmap::IndexMap;
use jfc_vm::builtins::{call_function, call_method};
use jfc_vm::value::{
    add, case_match, compare, contains, div, equals, expand_dollar, get_attr, get_index, mul, neg,
    percent_format, pos, rem, set_attr, set_index, similar, sub, Args, Key, Pattern, PatternKind,
    Value,
};

fn s(x: &str) -> Value {
    Value::str(x)
}

fn i(n: i64) -> Value {
    Value::Int(n)
}

fn fl(f: f64) -> Value {
    Value::Float(f)
}

fn b(x: &[u8]) -> Value {
    Value::Bytes(Rc::from(x))
}

fn arr(items: Vec<Value>) -> Value {
    Value::array(items)
}

fn dict(pairs: Vec<(Value, Value)>) -> Value {
    let mut m = IndexMap::new();
    for (k, v) in pairs {
        m.insert(Key::new(k).unwrap(), v);
    }
    Value::dict(m)
}

fn args(pos: Vec<Value>, kw: Vec<(&str, Value)>) -> Args {
    Args {
        pos,
        kw: kw.into_iter().map(|(k, v)| (Rc::from(k), v)).collect(),
    }
}

fn func(name: &str, pos: Vec<Value>) -> Value {
    call_function(name, args(pos, vec![])).unwrap()
}

fn func_kw(name: &str, pos: Vec<Value>, kw: Vec<(&str, Value)>) -> Value {
    call_function(name, args(pos, kw)).unwrap()
}

fn meth(recv: &Value, name: &str, pos: Vec<Value>) -> Value {
    call_method(recv, name, args(pos, vec![])).unwrap()
}

fn attr(v: &Value, name: &str) -> Value {
    get_attr(v, name).unwrap()
}

fn pat(kind: PatternKind, text: &str, icase: bool) -> Value {
    Value::Pattern(Rc::new(Pattern::new(kind, text, icase).unwrap()))
}

fn boolean(x: bool) -> Value {
    Value::Bool(x)
}

/// What `print(a, b, ...)` writes (without the newline).
fn print(values: &[Value]) -> String {
    values
        .iter()
        .map(Value::to_text)
        .collect::<Vec<_>>()
        .join(" ")
}

#[test]
fn example_04_binary() {
    let bin = b(b"Kompira");
    assert_eq!(
        print(&[bin.clone(), meth(&bin, "hex", vec![])]),
        "b'Kompira' 4b6f6d70697261"
    );
    assert_eq!(print(&[b(b"\x00\x7f\xff"), b(b"")]), r"b'\x00\x7f\xff' b''");
    assert_eq!(
        print(&[
            meth(&b(b"\x4a\x46"), "decode", vec![]),
            meth(&s("caf\u{e9}"), "encode", vec![])
        ]),
        r"JF b'caf\xc3\xa9'"
    );
    assert_eq!(
        print(&[
            func("bytes", vec![arr(vec![i(104), i(105)])]),
            func("bytes", vec![i(3)]),
            func("bytes", vec![s("ok")])
        ]),
        r"b'hi' b'\x00\x00\x00' b'ok'"
    );
    assert_eq!(
        print(&[
            arr(vec![b(b"x")]),
            func("encode", vec![s("A")]),
            func("decode", vec![b(b"\x41\x42")])
        ]),
        "[b'x'] b'A' AB"
    );
}

#[test]
fn example_05_integers() {
    assert_eq!(
        print(&[
            i(0),
            i(42),
            neg(&i(17)).unwrap(),
            pos(&i(5)).unwrap(),
            neg(&neg(&i(3)).unwrap()).unwrap()
        ]),
        "0 42 -17 5 3"
    );
    let big = func("int", vec![s("123456789012345678901234567890")]);
    assert_eq!(
        print(&[add(&big, &i(1)).unwrap()]),
        "123456789012345678901234567891"
    );
    assert_eq!(
        print(&[mul(&i(99999999999), &i(99999999999)).unwrap()]),
        "9999999999800000000001"
    );
    let mut x = i(1);
    for _ in 0..100 {
        x = mul(&x, &i(2)).unwrap();
    }
    assert_eq!(x.to_text(), "1267650600228229401496703205376");
    assert_eq!(
        print(&[
            add(&neg(&x).unwrap(), &x).unwrap(),
            sub(&i(10), &i(20)).unwrap()
        ]),
        "0 -10"
    );
}

#[test]
fn example_06_floats() {
    assert_eq!(
        print(&[fl(3.25), fl(0.5e-3), fl(12.3e+2), fl(9.0e5)]),
        "3.25 0.0005 1230.0 900000.0"
    );
    assert_eq!(
        print(&[fl(1.0e16), fl(1.0e15), fl(2.5e-7), fl(7.0)]),
        "1e+16 1000000000000000.0 2.5e-07 7.0"
    );
    assert_eq!(
        print(&[add(&fl(0.1), &fl(0.2)).unwrap(), fl(100.0), fl(0.0)]),
        "0.30000000000000004 100.0 0.0"
    );
}

#[test]
fn example_07_arithmetic() {
    assert_eq!(
        print(&[rem(&i(17), &i(5)).unwrap(), add(&i(1), &fl(0.5)).unwrap()]),
        "2 1.5"
    );
    assert_eq!(
        print(&[
            div(&fl(7.0), &i(2)).unwrap(),
            div(&i(1), &fl(4.0)).unwrap(),
            mul(&fl(2.0), &i(3)).unwrap()
        ]),
        "3.5 0.25 6.0"
    );
}

#[test]
fn example_08_concat_repeat() {
    assert_eq!(
        print(&[
            add(&s("ab"), &s("cd")).unwrap(),
            mul(&s("-"), &i(5)).unwrap(),
            mul(&i(3), &s("xy")).unwrap()
        ]),
        "abcd ----- xyxyxy"
    );
    assert_eq!(
        print(&[
            add(&arr(vec![i(1), i(2)]), &arr(vec![i(3)])).unwrap(),
            mul(&arr(vec![i(0)]), &i(3)).unwrap(),
            mul(&i(2), &arr(vec![s("a")])).unwrap()
        ]),
        "[1, 2, 3] [0, 0, 0] ['a', 'a']"
    );
}

#[test]
fn example_09_comparisons() {
    use std::cmp::Ordering::*;
    let lt = |a: Value, b: Value| boolean(compare(&a, &b).unwrap() == Less);
    assert_eq!(
        print(&[
            lt(i(1), i(2)),
            boolean(compare(&i(2), &i(1)).unwrap() != Greater),
            boolean(equals(&i(3), &i(3))),
            boolean(!equals(&i(3), &i(3)))
        ]),
        "true false true false"
    );
    assert_eq!(
        print(&[
            lt(s("apple"), s("banana")),
            lt(s("Z"), s("a")),
            boolean(compare(&s("abc"), &s("abd")).unwrap() != Less)
        ]),
        "true true false"
    );
    assert_eq!(
        print(&[
            lt(arr(vec![i(1), i(2)]), arr(vec![i(1), i(3)])),
            boolean(equals(&arr(vec![i(1), i(2)]), &arr(vec![i(1), i(2)]))),
            boolean(compare(&arr(vec![i(2)]), &arr(vec![i(1), i(9)])).unwrap() == Greater)
        ]),
        "true true true"
    );
    let d1 = dict(vec![(s("a"), i(1)), (s("b"), i(2))]);
    let d2 = dict(vec![(s("b"), i(2)), (s("a"), i(1))]);
    assert_eq!(
        print(&[
            boolean(equals(&d1, &d1.deep_copy())),
            boolean(equals(&d1, &d2))
        ]),
        "true false"
    );
}

#[test]
fn example_10_similar() {
    let sim = |a: Value, b: Value| boolean(similar(&a, &b).unwrap());
    assert_eq!(
        print(&[
            sim(i(42), s("42")),
            sim(s("3.5"), fl(3.5)),
            sim(s("x"), s("x"))
        ]),
        "true true true"
    );
    assert_eq!(
        print(&[
            sim(arr(vec![i(1), s("a")]), arr(vec![s("1"), s("a")])),
            sim(arr(vec![i(1), i(2)]), arr(vec![i(2), i(1)]))
        ]),
        "true false"
    );
    assert_eq!(
        print(&[sim(
            dict(vec![(s("a"), i(1)), (s("b"), s("2"))]),
            dict(vec![(s("b"), i(2)), (s("a"), s("1"))])
        )]),
        "true"
    );
    assert_eq!(
        print(&[
            boolean(!similar(&i(10), &s("10")).unwrap()),
            boolean(!similar(&i(10), &s("11")).unwrap())
        ]),
        "false true"
    );
}

#[test]
fn example_11_patterns() {
    use PatternKind::*;
    let sim = |a: Value, b: Value| boolean(similar(&a, &b).unwrap());
    assert_eq!(
        print(&[
            sim(s("report.txt"), pat(Glob, "*.txt", false)),
            sim(s("report.csv"), pat(Glob, "*.txt", false))
        ]),
        "true false"
    );
    assert_eq!(
        print(&[
            sim(s("KOMPIRA"), pat(Exact, "kompira", true)),
            sim(s("KOMPIRA"), pat(Exact, "kompira", false))
        ]),
        "true false"
    );
    assert_eq!(
        print(&[
            sim(s("server42"), pat(Regex, r"^server\d+$", false)),
            boolean(!similar(&s("Server42"), &pat(Regex, r"^server\d+$", false)).unwrap())
        ]),
        "true true"
    );
    assert_eq!(
        print(&[sim(s("Windows NT"), pat(Regex, r"^windows (95|nt)$", true))]),
        "true"
    );
    assert_eq!(
        print(&[
            pat(Glob, "file?.log", false),
            pat(Regex, r"\d+", true),
            pat(Exact, "x", false)
        ]),
        r"g'file?.log' r'\d+'i e'x'"
    );
}

#[test]
fn example_12_pattern_match() {
    let m = meth(
        &pat(PatternKind::Regex, r"(\w+)@(\w+)\.com", false),
        "match",
        vec![s("alice@example.com")],
    );
    assert_eq!(print(&[attr(&m, "group")]), "alice@example.com");
    assert_eq!(print(&[attr(&m, "groups")]), "['alice', 'example']");
    assert_eq!(print(&[attr(&m, "start"), attr(&m, "end")]), "0 17");
    let m2 = meth(
        &pat(PatternKind::Regex, r"(?P<user>\w+)@", false),
        "match",
        vec![s("bob@x")],
    );
    assert_eq!(print(&[attr(&m2, "groupdict")]), "{user='bob'}");
    assert_eq!(
        print(&[meth(
            &pat(PatternKind::Regex, r"\d+", false),
            "match",
            vec![s("abc")]
        )]),
        "false"
    );
    let p = func("pattern", vec![s("web*"), s("g")]);
    assert_eq!(
        print(&[
            p.clone(),
            boolean(similar(&s("web1"), &p).unwrap()),
            boolean(similar(&s("db1"), &p).unwrap())
        ]),
        "g'web*' true false"
    );
    // r'^${prefix}-\d+$' with prefix = 'db': the pattern text is interpolated first.
    let text = expand_dollar(
        r"^${prefix}-\d+$",
        &|n| (n == "prefix").then(|| s("db")),
        &|_| None,
    );
    assert_eq!(
        print(&[boolean(
            similar(&s("db-07"), &pat(PatternKind::Regex, &text, false)).unwrap()
        )]),
        "true"
    );
}

#[test]
fn example_13_logic_membership() {
    let t = |v: Value| boolean(!v.truthy());
    assert_eq!(
        print(&[
            t(i(0)),
            t(s("")),
            t(arr(vec![])),
            t(dict(vec![])),
            t(Value::Null),
            t(s("false"))
        ]),
        "true true true true true false"
    );
    let a = arr(vec![i(1), i(2), i(3)]);
    let c = |x: &Value, y: Value| boolean(contains(x, &y).unwrap());
    assert_eq!(
        print(&[
            c(&a, i(2)),
            c(&a, i(5)),
            boolean(!contains(&a, &i(5)).unwrap())
        ]),
        "true false true"
    );
    assert_eq!(
        print(&[c(&s("hello"), s("ell")), c(&s("hello"), s("xyz"))]),
        "true false"
    );
    let d = dict(vec![(s("a"), i(1))]);
    assert_eq!(
        print(&[
            c(&d, s("a")),
            c(&d, i(1)),
            boolean(!contains(&d, &s("b")).unwrap())
        ]),
        "true false true"
    );
    assert_eq!(
        print(&[
            c(&arr(vec![i(2)]), add(&i(1), &i(1)).unwrap()),
            boolean(!contains(&arr(vec![i(1)]), &i(1)).unwrap())
        ]),
        "true false"
    );
}

#[test]
fn example_14_template_dollar() {
    let vars = |n: &str| match n {
        "host" => Some(s("web1")),
        "port" => Some(i(8080)),
        "tags" => Some(arr(vec![s("a"), s("b")])),
        _ => None,
    };
    let x = |t: &str| expand_dollar(t, &vars, &|_| None);
    assert_eq!(x("connect to $host:$port"), "connect to web1:8080");
    assert_eq!(x("${host}_backup"), "web1_backup");
    assert_eq!(x("tags=$tags"), "tags=['a', 'b']");
    assert_eq!(
        x("$missing and ${missing} stay"),
        "$missing and ${missing} stay"
    );
    assert_eq!(x("price: $$5"), "price: $5");
}

#[test]
fn example_15_template_percent() {
    let ctx = dict(vec![(s("user"), s("ops")), (s("n"), i(3))]);
    assert_eq!(
        percent_format("%user has %n alerts", &ctx).unwrap(),
        "ops has 3 alerts"
    );
    assert_eq!(percent_format("%{user}_home", &ctx).unwrap(), "ops_home");
    assert_eq!(
        percent_format("%user %unknown", &ctx).unwrap(),
        "ops %unknown"
    );
    let d = dict(vec![(s("cpu"), i(90)), (s("mem"), i(40))]);
    let mut lines = Vec::new();
    for k in meth(&d, "get_keys", vec![])
        .to_text()
        .trim_matches(['[', ']'])
        .split(", ")
    {
        let k = k.trim_matches('\'');
        let text = expand_dollar("$k=%{$k}", &|n| (n == "k").then(|| s(k)), &|_| None);
        lines.push(percent_format(&text, &d).unwrap());
    }
    assert_eq!(lines, ["cpu=90", "mem=40"]);
}

#[test]
fn example_16_arrays() {
    let a = arr(vec![i(10), s("x"), arr(vec![i(1), i(2)]), Value::Null]);
    let len = |v: &Value| func("length", vec![v.clone()]);
    let a2 = get_index(&a, &i(2)).unwrap();
    assert_eq!(
        print(&[
            get_index(&a, &i(0)).unwrap(),
            get_index(&a, &i(-1)).unwrap(),
            get_index(&a2, &i(1)).unwrap(),
            len(&a)
        ]),
        "10 null 2 4"
    );
    set_index(&a, i(0), i(99)).unwrap();
    set_index(&a2, i(0), s("y")).unwrap();
    assert_eq!(a.to_text(), "[99, 'x', ['y', 2], null]");
    let a = add(&a, &arr(vec![boolean(true)])).unwrap();
    assert_eq!(print(&[get_index(&a, &i(-1)).unwrap(), len(&a)]), "true 5");
    meth(&a, "add_item", vec![s("z")]);
    assert_eq!(a.to_text(), "[99, 'x', ['y', 2], null, true, 'z']");
    meth(&a, "del_item", vec![i(1)]);
    assert_eq!(a.to_text(), "[99, ['y', 2], null, true, 'z']");
    meth(&a, "pop_item", vec![]);
    assert_eq!(a.to_text(), "[99, ['y', 2], null, true]");
    meth(&a, "pop_item", vec![i(0)]);
    assert_eq!(
        print(&[a, arr(vec![]), arr(vec![arr(vec![])])]),
        "[['y', 2], null, true] [] [[]]"
    );
}

#[test]
fn example_17_dicts() {
    let d = dict(vec![(s("name"), s("web1")), (s("port"), i(80))]);
    assert_eq!(
        print(&[attr(&d, "name"), get_index(&d, &s("port")).unwrap()]),
        "web1 80"
    );
    set_attr(&d, "port", i(443)).unwrap();
    set_index(&d, s("env"), s("prod")).unwrap();
    assert_eq!(d.to_text(), "{name='web1', port=443, env='prod'}");
    assert_eq!(
        print(&[
            meth(&d, "get_keys", vec![]),
            func("has_key", vec![d.clone(), s("env")]),
            func("has_key", vec![d.clone(), s("x")]),
            func("length", vec![d.clone()])
        ]),
        "['name', 'port', 'env'] true false 3"
    );
    assert_eq!(
        print(&[
            meth(&d, "get_item", vec![s("port")]),
            meth(&d, "get_item", vec![s("x")]),
            meth(&d, "get_item", vec![s("x"), i(0)])
        ]),
        "443 null 0"
    );
    assert_eq!(
        print(&[
            meth(&d, "pop_item", vec![s("name")]),
            meth(&d, "pop_item", vec![s("x"), s("none")])
        ]),
        "web1 none"
    );
    meth(&d, "del_item", vec![s("env")]);
    assert_eq!(print(&[d]), "{port=443}");
    let e = dict(vec![(i(1), s("one")), (s("two words"), i(2))]);
    assert_eq!(
        print(&[
            get_index(&e, &i(1)).unwrap(),
            get_index(&e, &s("two words")).unwrap(),
            e.clone(),
            dict(vec![])
        ]),
        "one 2 {1='one', 'two words'=2} {}"
    );
}

#[test]
fn example_18_string_methods() {
    let sp = s("  Web Server  ");
    let st = meth(&sp, "strip", vec![]);
    let bracket = add(&add(&s("["), &st).unwrap(), &s("]")).unwrap();
    assert_eq!(
        print(&[
            bracket,
            meth(&st, "lower", vec![]),
            meth(&st, "upper", vec![])
        ]),
        "[Web Server] web server WEB SERVER"
    );
    assert_eq!(
        print(&[
            meth(&s("a,b,,c"), "split", vec![s(",")]),
            meth(&s("a,b,c"), "split", vec![s(","), i(1)]),
            meth(&s("a.b.c"), "rsplit", vec![s("."), i(1)])
        ]),
        "['a', 'b', '', 'c'] ['a', 'b,c'] ['a.b', 'c']"
    );
    assert_eq!(
        print(&[
            meth(&s("-"), "join", vec![arr(vec![s("x"), s("y"), s("z")])]),
            meth(&s("xxhixx"), "strip", vec![s("x")])
        ]),
        "x-y-z hi"
    );
    assert_eq!(
        print(&[
            meth(&s("hello"), "find", vec![s("l")]),
            meth(&s("hello"), "rfind", vec![s("l")]),
            meth(&s("hello"), "find", vec![s("z")])
        ]),
        "2 3 -1"
    );
    assert_eq!(
        print(&[
            meth(&s("log.txt"), "startswith", vec![s("log")]),
            meth(&s("log.txt"), "endswith", vec![s(".csv")])
        ]),
        "true false"
    );
    assert_eq!(
        print(&[
            meth(&s("a-a-a"), "replace", vec![s("-"), s("+")]),
            meth(&s("a-a-a"), "replace", vec![s("-"), s("+"), i(1)])
        ]),
        "a+a+a a+a-a"
    );
    assert_eq!(
        print(&[meth(&s("one\ntwo"), "splitlines", vec![])]),
        "['one', 'two']"
    );
    let f = call_method(
        &s("{0} of {1} {unit}"),
        "format",
        args(vec![i(3), i(10)], vec![("unit", s("GB"))]),
    )
    .unwrap();
    assert_eq!(print(&[f]), "3 of 10 GB");
    // format(*args, **opts): the interpreter spreads them into Args.
    let f = call_method(
        &s("{user}@{0}:{1}"),
        "format",
        args(vec![s("web1"), i(22)], vec![("user", s("root"))]),
    )
    .unwrap();
    assert_eq!(print(&[f]), "root@web1:22");
}

#[test]
fn example_19_conversions() {
    assert_eq!(
        print(&[
            add(&func("int", vec![s("42")]), &i(1)).unwrap(),
            func("int", vec![s("-7")]),
            func("int", vec![])
        ]),
        "43 -7 0"
    );
    assert_eq!(
        print(&[
            mul(&func("float", vec![s("2.5")]), &i(2)).unwrap(),
            func("float", vec![i(3)]),
            func("float", vec![])
        ]),
        "5.0 3.0 0.0"
    );
    assert_eq!(
        print(&[
            add(&func("string", vec![i(12)]), &func("string", vec![fl(3.0)])).unwrap(),
            func("string", vec![Value::Null]),
            func("string", vec![boolean(true)])
        ]),
        "123.0 null true"
    );
    assert_eq!(
        print(&[
            func(
                "string",
                vec![arr(vec![i(1), s("two"), Value::Null, fl(2.5)])]
            ),
            func("string", vec![dict(vec![(s("k"), s("it's"))])])
        ]),
        r"[1, 'two', null, 2.5] {k='it\'s'}"
    );
    assert_eq!(
        print(&[
            func("length", vec![func("string", vec![i(123456)])]),
            func("length", vec![s("héllo")])
        ]),
        "6 5"
    );
}

#[test]
fn example_20_type_names() {
    let t = |v: Value| func("type", vec![v]);
    assert_eq!(
        print(&[t(i(1)), t(fl(1.5)), t(s("s")), t(b(b"s"))]),
        "Integer Float String Binary"
    );
    assert_eq!(
        print(&[
            t(boolean(true)),
            t(Value::Null),
            t(arr(vec![])),
            t(dict(vec![]))
        ]),
        "Boolean Null Array Dictionary"
    );
    let td = func_kw("timedelta", vec![], vec![("days", i(1))]);
    assert_eq!(
        print(&[t(pat(PatternKind::Regex, "x", false)), t(td)]),
        "Pattern Timedelta"
    );
}

#[test]
fn example_21_json() {
    let obj = func(
        "json_parse",
        vec![s(
            r#"{"host": "db1", "ports": [5432, 6432], "tls": true, "note": null, "load": 0.75}"#,
        )],
    );
    assert_eq!(
        obj.to_text(),
        "{host='db1', ports=[5432, 6432], tls=true, note=null, load=0.75}"
    );
    assert_eq!(
        print(&[
            get_index(&attr(&obj, "ports"), &i(1)).unwrap(),
            get_index(&obj, &s("tls")).unwrap()
        ]),
        "6432 true"
    );
    let d = dict(vec![
        (s("name"), s("x")),
        (
            s("list"),
            arr(vec![i(1), fl(2.5), boolean(false), Value::Null]),
        ),
    ]);
    assert_eq!(
        print(&[func("json_dump", vec![d])]),
        r#"{"name": "x", "list": [1, 2.5, false, null]}"#
    );
    assert_eq!(
        print(&[
            func("json_dump", vec![s("café")]),
            func_kw(
                "json_dump",
                vec![s("café")],
                vec![("ensure_ascii", boolean(false))]
            )
        ]),
        r#""caf\u00e9" "café""#
    );
    assert_eq!(
        print(&[func("json_dump", vec![arr(vec![i(1), s("a")])])]),
        r#"[1, "a"]"#
    );
    let d = dict(vec![(s("a"), arr(vec![i(1)]))]);
    assert_eq!(
        print(&[func_kw("json_dump", vec![d], vec![("indent", i(2))])]),
        "{\n  \"a\": [\n    1\n  ]\n}"
    );
}

#[test]
fn example_22_date_time() {
    let d = func("date", vec![s("2024-02-29")]);
    assert_eq!(
        print(&[
            d.clone(),
            attr(&d, "year"),
            attr(&d, "month"),
            attr(&d, "day"),
            attr(&d, "weekday")
        ]),
        "2024-02-29 2024 2 29 3"
    );
    assert_eq!(
        print(&[
            meth(&d, "format", vec![s("%d/%m/%Y")]),
            func("date", vec![s("03/15/2023"), s("%m/%d/%Y")])
        ]),
        "29/02/2024 2023-03-15"
    );
    let t = func("time", vec![s("07:05:09")]);
    assert_eq!(
        print(&[
            t.clone(),
            attr(&t, "hour"),
            attr(&t, "minute"),
            attr(&t, "second")
        ]),
        "07:05:09 7 5 9"
    );
    assert_eq!(
        print(&[
            func("time", vec![s("2330"), s("%H%M")]),
            meth(&t, "format", vec![s("%H.%M")])
        ]),
        "23:30:00 07.05"
    );
}

#[test]
fn example_23_datetime() {
    let a = func("datetime", vec![s("2024-02-28T22:30:00+09:00")]);
    assert_eq!(a.to_text(), "2024-02-28 22:30:00+09:00");
    assert_eq!(
        print(&[meth(&a, "isoformat", vec![])]),
        "2024-02-28T13:30:00Z"
    );
    let parts: Vec<Value> = [
        "year", "month", "day", "hour", "minute", "second", "weekday",
    ]
    .iter()
    .map(|n| attr(&a, n))
    .collect();
    assert_eq!(print(&parts), "2024 2 28 22 30 0 2");
    assert_eq!(
        print(&[
            meth(&a, "format", vec![s("%Y/%m/%d %H:%M")]),
            attr(&a, "date"),
            attr(&a, "time")
        ]),
        "2024/02/28 22:30 2024-02-28 22:30:00"
    );
    let bb = add(&a, &func_kw("timedelta", vec![], vec![("hours", i(3))])).unwrap();
    assert_eq!(
        print(&[meth(&bb, "isoformat", vec![]), attr(&bb, "day")]),
        "2024-02-28T16:30:00Z 29"
    );
    let c = func(
        "datetime",
        vec![s("2024-01-01 09:00"), s("%Y-%m-%d %H:%M"), s("Asia/Tokyo")],
    );
    assert_eq!(
        print(&[meth(&c, "isoformat", vec![])]),
        "2024-01-01T00:00:00Z"
    );
}

#[test]
fn example_24_timedelta() {
    let start = func("datetime", vec![s("2024-03-01T08:00:00Z")]);
    let stop = func("datetime", vec![s("2024-03-03T09:30:15Z")]);
    let d = sub(&stop, &start).unwrap();
    assert_eq!(d.to_text(), "2 days, 1:30:15");
    let parts: Vec<Value> = ["days", "seconds", "microseconds", "total_seconds"]
        .iter()
        .map(|n| attr(&d, n))
        .collect();
    assert_eq!(print(&parts), "2 5415 0 178215.0");
    let td = |kw: Vec<(&str, Value)>| func_kw("timedelta", vec![], kw);
    assert_eq!(
        print(&[
            td(vec![("days", i(1)), ("hours", i(2)), ("minutes", i(3))]),
            td(vec![("minutes", i(90))])
        ]),
        "1 day, 2:03:00 1:30:00"
    );
    assert_eq!(
        print(&[td(vec![("microseconds", i(250))]), td(vec![])]),
        "0:00:00.000250 0:00:00"
    );
    let later = add(&start, &td(vec![("days", i(30))])).unwrap();
    assert_eq!(
        print(&[meth(&later, "isoformat", vec![])]),
        "2024-03-31T08:00:00Z"
    );
    let earlier = sub(&stop, &td(vec![("days", i(3))])).unwrap();
    assert_eq!(
        print(&[meth(&earlier, "isoformat", vec![])]),
        "2024-02-29T09:30:15Z"
    );
}

#[test]
fn examples_28_29_case() {
    let hosts = ["web01", "db1", "WEB02", "cache"];
    let kinds: Vec<&str> = hosts
        .iter()
        .map(|h| {
            let h = s(h);
            if case_match(&h, &s("web*")).unwrap() {
                "web"
            } else if case_match(&h, &s("db?")).unwrap() || case_match(&h, &s("sql*")).unwrap() {
                "database"
            } else {
                "other"
            }
        })
        .collect();
    assert_eq!(kinds, ["web", "database", "other", "other"]);
    let vals = [s("42"), s("YES"), i(7), s("no")];
    let kinds: Vec<&str> = vals
        .iter()
        .map(|v| {
            if case_match(v, &pat(PatternKind::Regex, r"^\d+$", false)).unwrap() {
                "digits"
            } else if case_match(v, &pat(PatternKind::Exact, "yes", true)).unwrap() {
                "affirmative"
            } else if case_match(v, &i(7)).unwrap() {
                "seven"
            } else {
                "unmatched"
            }
        })
        .collect();
    assert_eq!(kinds, ["digits", "affirmative", "seven", "unmatched"]);
}

#[test]
fn example_54_rendering() {
    let v = arr(vec![
        i(1),
        s("two"),
        fl(3.0),
        boolean(true),
        Value::Null,
        arr(vec![b(b"\x01")]),
        dict(vec![(s("k"), s("v"))]),
    ]);
    assert_eq!(
        print(&[v]),
        r"[1, 'two', 3.0, true, null, [b'\x01'], {k='v'}]"
    );
    let d = dict(vec![
        (s("quote"), s("it's")),
        (s("nl"), s("a\nb")),
        (s("tab"), s("\t")),
        (s("bs"), s("\\")),
    ]);
    assert_eq!(
        print(&[d]),
        r"{quote='it\'s', nl='a\nb', tab='\t', bs='\\'}"
    );
    let ps = arr(vec![
        pat(PatternKind::Regex, r"\d", true),
        pat(PatternKind::Glob, "*", false),
        pat(PatternKind::Exact, "x", false),
    ]);
    assert_eq!(
        print(&[ps, s("top\\level")]),
        r"[r'\d'i, g'*', e'x'] top\level"
    );
    let big = func("int", vec![s("123456789012345678901234567890")]);
    assert_eq!(
        print(&[arr(vec![fl(1.5e-7), big])]),
        "[1.5e-07, 123456789012345678901234567890]"
    );
}
