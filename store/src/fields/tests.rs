//! Unit tests of field types and qualifiers: every type with accepted and refused
//! values, every qualifier, Array<T>/Dictionary<T> elements, defaults.

use std::rc::Rc;

use chrono::{Datelike, NaiveDate, NaiveTime, Timelike};
use indexmap::IndexMap;
use jfc_vm::value::{Key, ObjectRef, Value};

use super::*;

fn spec(text: &str) -> FieldSpec {
    FieldSpec::parse(text).unwrap_or_else(|e| panic!("{text}: {e}"))
}

fn no_objects(path: &str) -> Result<Value, String> {
    Err(format!("no object at '{path}'"))
}

fn conv(t: &str, v: Value) -> Result<Value, String> {
    spec(t).convert("f", v, &no_objects)
}

fn ok(t: &str, v: Value) -> Value {
    conv(t, v.clone()).unwrap_or_else(|e| panic!("{t} refused {}: {e}", v.to_nested_text()))
}

fn err(t: &str, v: Value) -> String {
    match conv(t, v.clone()) {
        Ok(got) => panic!(
            "{t} accepted {} as {}",
            v.to_nested_text(),
            got.to_nested_text()
        ),
        Err(e) => e,
    }
}

/// The nested text of the converted value, with its type: compact and exact enough.
fn shown(t: &str, v: Value) -> String {
    let got = ok(t, v);
    format!("{} {}", got.type_name(), got.to_nested_text())
}

fn s(x: &str) -> Value {
    Value::str(x)
}

fn arr(items: Vec<Value>) -> Value {
    Value::array(items)
}

fn dict(entries: Vec<(Value, Value)>) -> Value {
    let mut m = IndexMap::new();
    for (k, v) in entries {
        m.insert(Key::new(k).unwrap(), v);
    }
    Value::dict(m)
}

fn bytes(b: &[u8]) -> Value {
    Value::Bytes(Rc::from(b))
}

fn object(id: i64, path: &str) -> Value {
    Value::Object(ObjectRef {
        id,
        path: Rc::from(path),
    })
}

// ---------------------------------------------------------------- parsing

#[test]
fn all_nineteen_type_names_parse() {
    for name in TYPE_NAMES {
        let f = spec(name);
        let expected = match name {
            "Array" => "Array<String>".to_string(),
            "Dictionary" => "Dictionary<String>".to_string(),
            other => other.to_string(),
        };
        assert_eq!(f.type_name(), expected);
    }
    assert_eq!(TYPE_NAMES.len(), 19);
}

#[test]
fn generic_forms_parse() {
    assert_eq!(spec("Array").kind, FieldKind::Array(ScalarType::String));
    assert_eq!(
        spec("Dictionary").kind,
        FieldKind::Dictionary(ScalarType::String)
    );
    assert_eq!(
        spec("Array<Integer>").kind,
        FieldKind::Array(ScalarType::Integer)
    );
    assert_eq!(
        spec(" Array < File > ").kind,
        FieldKind::Array(ScalarType::File)
    );
    assert_eq!(
        spec("Dictionary<Password>").kind,
        FieldKind::Dictionary(ScalarType::Password)
    );
    for t in [
        "String",
        "Binary",
        "Integer",
        "Float",
        "Boolean",
        "Enum",
        "Password",
        "File",
        "Object",
        "Datetime",
        "Date",
        "Time",
        "IPAddress",
        "EMail",
        "URL",
    ] {
        assert_eq!(
            spec(&format!("Array<{t}>")).type_name(),
            format!("Array<{t}>")
        );
        assert_eq!(
            spec(&format!("Dictionary<{t}>")).type_name(),
            format!("Dictionary<{t}>")
        );
    }
}

#[test]
fn qualifiers_parse_after_the_name() {
    let f = spec(r#"Integer {"min_value": 1, "max_value": 65535}"#);
    assert_eq!(f.kind, FieldKind::Scalar(ScalarType::Integer));
    assert_eq!(f.qualifiers.min_value, Some(Bound::Int(1)));
    assert_eq!(f.qualifiers.max_value, Some(Bound::Int(65535)));
    let f = spec(r#"Array<Enum> {"enum": ["a", "b"]}"#);
    assert_eq!(f.kind, FieldKind::Array(ScalarType::Enum));
    assert_eq!(
        f.qualifiers.choices,
        EnumChoices::List(vec![("a".into(), "a".into()), ("b".into(), "b".into())])
    );
    // No space before the JSON is fine too.
    assert!(spec(r#"String{"strip": true}"#).qualifiers.strip);
    let f = spec(
        r#"Object {"object": "/system/types/NodeInfo", "directory": "~", "no_empty": true, "help_text": "pick one"}"#,
    );
    assert_eq!(f.qualifiers.help_text.as_deref(), Some("pick one"));
    let names: Vec<&str> = f.qualifiers.form.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(names, ["object", "directory", "no_empty"]);
    assert_eq!(f.qualifiers.form[0].1, "\"/system/types/NodeInfo\"");
    assert_eq!(
        f.source,
        r#"Object {"object": "/system/types/NodeInfo", "directory": "~", "no_empty": true, "help_text": "pick one"}"#
    );
}

#[test]
fn unknown_type_names_are_errors_listing_the_valid_ones() {
    for bad in [
        "Int",
        "string",
        "",
        "Array<>",
        "Array<Foo>",
        "ArrayString",
        "Array<Integer",
        "Foo {}",
    ] {
        let e = FieldSpec::parse(bad).unwrap_err();
        assert!(
            e.contains("valid types: String, Binary, Integer")
                || e.contains("cannot be an element type"),
            "{bad}: {e}"
        );
    }
    let e = FieldSpec::parse("Number").unwrap_err();
    assert_eq!(
        e,
        "unknown field type 'Number' (valid types: String, Binary, Integer, Float, Boolean, Enum, \
         Text, LargeText, Password, File, Object, Datetime, Date, Time, IPAddress, EMail, URL, \
         Array, Dictionary, Array<T>, Dictionary<T>)"
    );
}

#[test]
fn text_and_nested_generics_are_not_element_types() {
    for bad in [
        "Array<Text>",
        "Array<LargeText>",
        "Dictionary<Text>",
        "Array<Array>",
        "Array<Dictionary<String>>",
        "Dictionary<Array<String>>",
    ] {
        let e = FieldSpec::parse(bad).unwrap_err();
        assert!(
            e.contains("element type") || e.contains("unknown field type"),
            "{bad}: {e}"
        );
    }
    assert!(FieldSpec::parse("Array<Text>")
        .unwrap_err()
        .contains("Text cannot be an element type"));
}

#[test]
fn invalid_qualifier_json_is_an_error() {
    for bad in [
        r#"Integer {"min_value": }"#,
        "Integer {",
        r#"Integer {"a": 1} x"#,
        "String {'strip': true}",
    ] {
        assert!(
            FieldSpec::parse(bad)
                .unwrap_err()
                .contains("invalid qualifier JSON"),
            "{bad}"
        );
    }
    assert!(FieldSpec::parse("Integer {}").is_ok());
}

#[test]
fn invalid_pattern_is_an_error() {
    let e = FieldSpec::parse(r#"String {"pattern": "("}"#).unwrap_err();
    assert!(e.starts_with("qualifier `pattern`:"), "{e}");
    // A text that would escape a naive wrapper is refused, not silently changed.
    assert!(FieldSpec::parse(r#"String {"pattern": "a)|(b"}"#).is_err());
    assert!(FieldSpec::parse(r#"String {"pattern": "(a"}"#).is_err());
    // Parentheses inside sets or escaped are not groups.
    for good in [
        r#"[)(]"#,
        r#"\\(x\\)"#,
        r#"[]a)]"#,
        r#"[^]()]"#,
        r#"(a)(b(c))"#,
        r#"[\\]()]"#,
    ] {
        let text = format!(r#"String {{"pattern": "{good}"}}"#);
        assert!(FieldSpec::parse(&text).is_ok(), "{text}");
    }
}

#[test]
fn unknown_and_mistyped_qualifiers_are_ignored() {
    let f = spec(r#"Integer {"colour": "red", "min_value": "1", "max_length": 2, "enum": ["a"]}"#);
    assert_eq!(f.qualifiers.min_value, None);
    assert_eq!(ok(&f.source, Value::Int(-5)).to_text(), "-5");
    assert_eq!(ok(&f.source, Value::Int(12345)).to_text(), "12345");
    let f = spec(r#"String {"min_length": "x", "pattern": 5, "strip": 0}"#);
    assert!(
        f.qualifiers.pattern.is_none() && f.qualifiers.min_length.is_none() && !f.qualifiers.strip
    );
}

#[test]
fn field_spec_is_send_and_sync() {
    fn check<T: Send + Sync + Clone>() {}
    check::<FieldSpec>();
}

// ---------------------------------------------------------------- null

#[test]
fn null_unsets_every_type_and_skips_every_rule() {
    let all = [
        "String",
        "Binary",
        "Integer",
        "Float",
        "Boolean",
        "Enum",
        "Text",
        "LargeText",
        "Password",
        "File",
        "Object",
        "Datetime",
        "Date",
        "Time",
        "IPAddress",
        "EMail",
        "URL",
        "Array",
        "Dictionary",
        r#"String {"min_length": 3, "pattern": "^x$"}"#,
        r#"Integer {"min_value": 1}"#,
        r#"Enum {"enum": ["a"]}"#,
        "Array<Integer>",
        "Dictionary<File>",
    ];
    for t in all {
        assert!(matches!(ok(t, Value::Null), Value::Null), "{t}");
    }
    // Null elements stay null.
    assert_eq!(
        shown("Array<Integer>", arr(vec![Value::Int(1), Value::Null])),
        "Array [1, null]"
    );
}

// ---------------------------------------------------------------- text types

#[test]
fn string_takes_any_value_as_its_text() {
    assert_eq!(shown("String", s("abc")), "String 'abc'");
    assert_eq!(shown("String", Value::Int(12)), "String '12'");
    assert_eq!(shown("String", Value::Float(1.5)), "String '1.5'");
    assert_eq!(shown("String", Value::Bool(true)), "String 'true'");
    assert_eq!(
        shown("String", arr(vec![Value::Int(1), s("a")])),
        "String '[1, \\'a\\']'"
    );
    assert_eq!(shown("String", object(3, "/a/b")), "String '/a/b'");
    assert_eq!(shown("String", s("  keep  ")), "String '  keep  '");
    // Multi-line text is not refused: the single-line rule is the form's.
    assert_eq!(shown("String", s("a\nb")), "String 'a\\nb'");
}

#[test]
fn text_largetext_password_are_strings() {
    for t in ["Text", "LargeText", "Password"] {
        assert_eq!(shown(t, s("x\ny")), "String 'x\\ny'");
        assert_eq!(shown(t, Value::Int(7)), "String '7'");
    }
}

#[test]
fn strip_applies_to_the_text_types_before_validation() {
    for t in ["String", "Text", "LargeText", "Password"] {
        let q = format!(r#"{t} {{"strip": true}}"#);
        assert_eq!(ok(&q, s(" \t a b \n")).to_text(), "a b");
    }
    // Stripped before max_length and pattern are checked.
    assert_eq!(
        ok(
            r#"String {"strip": true, "max_length": 3, "pattern": "^abc$"}"#,
            s("  abc  ")
        )
        .to_text(),
        "abc"
    );
    assert!(err(r#"String {"max_length": 3}"#, s("  abc  ")).contains("max_length"));
    // Not a qualifier of Integer/Enum: ignored there.
    assert!(err(r#"Enum {"strip": true, "enum": ["a"]}"#, s(" a ")).contains("is not one of"));
    assert_eq!(ok(r#"Integer {"strip": true}"#, s(" 5 ")).to_text(), "5");
}

#[test]
fn pattern_searches_the_value() {
    let t = r#"String {"pattern": "^[a-z]+$"}"#;
    assert_eq!(ok(t, s("abc")).to_text(), "abc");
    assert_eq!(
        err(t, s("abc1")),
        "field `f`: 'abc1' does not match pattern '^[a-z]+$'"
    );
    // Unanchored patterns match anywhere, as Django's RegexValidator searches.
    let t = r#"String {"pattern": "[0-9]"}"#;
    assert_eq!(ok(t, s("ab3cd")).to_text(), "ab3cd");
    assert!(err(t, s("abcd")).contains("does not match pattern '[0-9]'"));
    // Python syntax: \d, (?i), named groups.
    assert!(conv(
        r#"String {"pattern": "^(?P<n>\\d{3})-\\d{4}$"}"#,
        s("123-4567")
    )
    .is_ok());
    assert!(conv(r#"String {"pattern": "(?i)^abc$"}"#, s("ABC")).is_ok());
    // The empty string is checked too.
    assert!(err(r#"String {"pattern": "."}"#, s("")).contains("does not match"));
    // Only String has a pattern rule.
    assert!(conv(r#"Text {"pattern": "^x$"}"#, s("y")).is_ok());
}

#[test]
fn min_and_max_length_count_characters() {
    let t = r#"String {"min_length": 2, "max_length": 4}"#;
    assert!(conv(t, s("ab")).is_ok());
    assert!(conv(t, s("日本語か")).is_ok());
    assert_eq!(
        err(t, s("a")),
        "field `f`: 'a' is shorter than min_length 2"
    );
    assert_eq!(err(t, s("")), "field `f`: '' is shorter than min_length 2");
    assert_eq!(
        err(t, s("abcde")),
        "field `f`: 'abcde' is longer than max_length 4"
    );
    assert!(err(t, s("日本語かな")).contains("longer than max_length 4"));
    // Checked on the text of a converted value.
    assert!(err(t, Value::Int(12345)).contains("'12345' is longer than max_length 4"));
    // Long values are cut in messages.
    let long = "x".repeat(500);
    let e = err(t, s(&long));
    assert!(e.len() < 150 && e.contains("..."), "{e}");
}

// ---------------------------------------------------------------- Binary

#[test]
fn binary_takes_binary_and_strings_as_utf8() {
    assert_eq!(shown("Binary", bytes(b"\x00\xff")), "Binary b'\\x00\\xff'");
    assert_eq!(ok("Binary", s("é")).to_nested_text(), "b'\\xc3\\xa9'");
    assert_eq!(
        err("Binary", Value::Int(1)),
        "field `f`: cannot convert Integer 1 to Binary"
    );
    assert!(err("Binary", arr(vec![])).contains("cannot convert Array [] to Binary"));
}

// ---------------------------------------------------------------- numbers

#[test]
fn integer_conversions() {
    assert_eq!(shown("Integer", Value::Int(42)), "Integer 42");
    assert_eq!(shown("Integer", s("123")), "Integer 123");
    assert_eq!(shown("Integer", s("-9")), "Integer -9");
    assert_eq!(shown("Integer", s(" 7 ")), "Integer 7");
    assert_eq!(shown("Integer", Value::Bool(true)), "Integer 1");
    assert_eq!(
        shown("Integer", Value::Int(i64::MIN)),
        format!("Integer {}", i64::MIN)
    );
    assert_eq!(
        shown("Integer", s("9223372036854775807")),
        "Integer 9223372036854775807"
    );
    assert_eq!(
        err("Integer", s("abc")),
        "field `f`: cannot convert String 'abc' to Integer"
    );
    assert!(err("Integer", s("1.5")).contains("cannot convert String '1.5' to Integer"));
    assert!(err("Integer", s("")).contains("to Integer"));
    assert!(err("Integer", Value::Float(1.5)).contains("cannot convert Float 1.5 to Integer"));
    assert!(err("Integer", arr(vec![])).contains("to Integer"));
    assert!(err("Integer", object(1, "/x")).contains("to Integer"));
}

#[test]
fn integer_range_is_64_bit_signed() {
    assert_eq!(
        err("Integer", s("9223372036854775808")),
        "field `f`: '9223372036854775808' is out of the Integer range (64-bit signed)"
    );
    let big = jfc_vm::builtins::functions::to_int(&s("-99999999999999999999")).unwrap();
    assert!(matches!(big, Value::BigInt(_)));
    assert_eq!(
        err("Integer", big),
        "field `f`: -99999999999999999999 is out of the Integer range (64-bit signed)"
    );
}

#[test]
fn integer_min_and_max_value() {
    let t = r#"Integer {"min_value": 1, "max_value": 65535}"#;
    assert!(conv(t, Value::Int(1)).is_ok());
    assert!(conv(t, Value::Int(65535)).is_ok());
    assert!(conv(t, s("80")).is_ok());
    let e = spec(t)
        .convert("port", Value::Int(70000), &no_objects)
        .unwrap_err();
    assert_eq!(e, "field `port`: 70000 is above max_value 65535");
    assert_eq!(err(t, Value::Int(0)), "field `f`: 0 is below min_value 1");
    assert_eq!(err(t, s("-3")), "field `f`: -3 is below min_value 1");
    // Float bounds on an Integer field compare numerically.
    assert!(err(r#"Integer {"max_value": 1.5}"#, Value::Int(2)).contains("above max_value 1.5"));
}

#[test]
fn float_conversions() {
    assert_eq!(shown("Float", Value::Float(1.5)), "Float 1.5");
    assert_eq!(shown("Float", Value::Int(2)), "Float 2.0");
    assert_eq!(shown("Float", s("2.5e3")), "Float 2500.0");
    assert_eq!(shown("Float", s("-7")), "Float -7.0");
    assert_eq!(shown("Float", Value::Bool(false)), "Float 0.0");
    assert!(matches!(ok("Float", s("nan")), Value::Float(f) if f.is_nan()));
    assert_eq!(
        err("Float", s("abc")),
        "field `f`: cannot convert String 'abc' to Float"
    );
    assert!(err("Float", arr(vec![])).contains("to Float"));
    assert!(err(
        "Float",
        Value::Date(NaiveDate::from_ymd_opt(2020, 1, 1).unwrap())
    )
    .contains("cannot convert Date"));
}

#[test]
fn float_min_and_max_value() {
    let t = r#"Float {"min_value": 0, "max_value": 1.5}"#;
    assert!(conv(t, Value::Float(0.0)).is_ok());
    assert!(conv(t, Value::Float(1.5)).is_ok());
    assert!(conv(t, Value::Int(1)).is_ok());
    assert_eq!(
        err(t, Value::Float(1.75)),
        "field `f`: 1.75 is above max_value 1.5"
    );
    assert_eq!(
        err(t, Value::Float(-0.5)),
        "field `f`: -0.5 is below min_value 0"
    );
    assert!(err(t, Value::Float(f64::INFINITY)).contains("above max_value"));
    // NaN compares with nothing: as in Python, the bounds do not refuse it.
    assert!(conv(t, Value::Float(f64::NAN)).is_ok());
    // min/max do not apply to String.
    assert!(conv(r#"String {"max_value": 1}"#, s("99")).is_ok());
}

// ---------------------------------------------------------------- Boolean

#[test]
fn boolean_follows_q23() {
    assert_eq!(shown("Boolean", Value::Bool(true)), "Boolean true");
    assert_eq!(shown("Boolean", Value::Bool(false)), "Boolean false");
    assert_eq!(shown("Boolean", Value::Int(1)), "Boolean true");
    assert_eq!(shown("Boolean", Value::Int(0)), "Boolean false");
    assert_eq!(shown("Boolean", s("TRUE")), "Boolean true");
    assert_eq!(shown("Boolean", s("false")), "Boolean false");
    assert_eq!(shown("Boolean", s("False")), "Boolean false");
    for bad in [
        Value::Int(2),
        Value::Int(-1),
        s("yes"),
        s(""),
        s("1"),
        Value::Float(1.0),
        arr(vec![]),
    ] {
        let e = err("Boolean", bad);
        assert!(
            e.starts_with("field `f`: cannot convert") && e.contains("to Boolean"),
            "{e}"
        );
    }
}

// ---------------------------------------------------------------- Enum

#[test]
fn enum_membership_with_a_plain_list() {
    let t = r#"Enum {"enum": ["a", "b"]}"#;
    assert_eq!(shown(t, s("a")), "String 'a'");
    let e = spec(t).convert("mode", s("x"), &no_objects).unwrap_err();
    assert_eq!(e, "field `mode`: 'x' is not one of 'a', 'b'");
    assert!(err(t, s("A")).contains("is not one of"));
    assert!(err(t, s("")).contains("is not one of"));
    assert!(err(t, arr(vec![s("a")])).contains("cannot convert Array"));
}

#[test]
fn enum_membership_with_value_display_pairs() {
    let t = r#"Enum {"enum": [["SV", "Server"], ["NW", "Network"]]}"#;
    assert_eq!(ok(t, s("SV")).to_text(), "SV");
    assert_eq!(
        err(t, s("Server")),
        "field `f`: 'Server' is not one of 'SV', 'NW'"
    );
}

#[test]
fn enum_scalar_choices_compare_as_text() {
    let t = r#"Enum {"enum": [1, 2]}"#;
    assert_eq!(shown(t, Value::Int(2)), "String '2'");
    assert_eq!(shown(t, s("1")), "String '1'");
    assert!(err(t, Value::Int(3)).contains("'3' is not one of '1', '2'"));
}

#[test]
fn enum_message_lists_at_most_ten_choices() {
    let list: Vec<String> = (0..15).map(|i| format!("\"c{i}\"")).collect();
    let t = format!(r#"Enum {{"enum": [{}]}}"#, list.join(", "));
    let e = err(&t, s("x"));
    assert!(e.ends_with("'c8', 'c9', ..."), "{e}");
    assert_eq!(
        err(r#"Enum {"enum": []}"#, s("x")),
        "field `f`: 'x' is not one of (no choices)"
    );
}

#[test]
fn enum_without_a_list_is_not_restricted_yet() {
    // No `enum`, and the reference / switch forms of §4.5, are not evaluated yet.
    for t in [
        "Enum",
        r#"Enum {"enum": "/config/choices[list]"}"#,
        r#"Enum {"enum": {"switch": "$[kind]", "case": {"a*": ["x"]}}}"#,
    ] {
        assert_eq!(ok(t, s("anything")).to_text(), "anything", "{t}");
    }
}

// ---------------------------------------------------------------- File

#[test]
fn file_takes_a_name_and_data_dictionary() {
    let v = dict(vec![
        (s("name"), s("a.bin")),
        (s("data"), bytes(b"\x00\x01")),
    ]);
    assert_eq!(
        shown("File", v),
        "Dictionary {name='a.bin', data=b'\\x00\\x01'}"
    );
    // String data is stored UTF-8 encoded; read-only and unknown keys are dropped.
    let v = dict(vec![
        (s("data"), s("text")),
        (s("size"), Value::Int(4)),
        (s("url"), s("/files/1")),
        (s("name"), s("t.txt")),
    ]);
    assert_eq!(
        ok("File", v).to_nested_text(),
        "{name='t.txt', data=b'text'}"
    );
}

#[test]
fn file_refusals() {
    assert_eq!(
        err("File", s("a.txt")),
        "field `f`: cannot convert String 'a.txt' to File (a Dictionary {name, data})"
    );
    assert_eq!(
        err("File", dict(vec![(s("name"), s("a"))])),
        "field `f`: a File needs 'name' and 'data'"
    );
    assert_eq!(
        err("File", dict(vec![(s("data"), s("a"))])),
        "field `f`: a File needs 'name' and 'data'"
    );
    assert!(
        err("File", dict(vec![(s("name"), s("")), (s("data"), s("a"))]))
            .contains("non-empty 'name'")
    );
    assert!(err(
        "File",
        dict(vec![(s("name"), Value::Int(1)), (s("data"), s("a"))])
    )
    .contains("'name' must be a String"));
    assert!(err(
        "File",
        dict(vec![(s("name"), s("a")), (s("data"), Value::Int(1))])
    )
    .contains("'data' must be a Binary or String"));
}

// ---------------------------------------------------------------- Object

#[test]
fn object_takes_objects_and_resolves_paths() {
    assert_eq!(ok("Object", object(7, "/a")).to_text(), "/a");
    let resolve = |p: &str| -> Result<Value, String> {
        match p {
            "/home/x" => Ok(object(12, "/home/x")),
            "/num" => Ok(Value::Int(1)),
            _ => Err(format!("'{p}' does not exist")),
        }
    };
    let f = spec("Object");
    match f.convert("target", s("/home/x"), &resolve).unwrap() {
        Value::Object(ref o) => assert_eq!((o.id, &*o.path), (12, "/home/x")),
        other => panic!("{}", other.to_nested_text()),
    }
    assert_eq!(
        f.convert("target", s("/nope"), &resolve).unwrap_err(),
        "field `target`: '/nope' does not exist"
    );
    assert!(f
        .convert("target", s("/num"), &resolve)
        .unwrap_err()
        .contains("is not a store object"));
    assert!(f
        .convert("target", Value::Int(5), &resolve)
        .unwrap_err()
        .contains("cannot convert Integer 5 to Object"));
}

// ---------------------------------------------------------------- time types

#[test]
fn datetime_accepts_the_nine_table_forms() {
    let forms = [
        ("2006-10-25 14:30:59", (2006, 10, 25, 14, 30, 59)),
        ("2006-10-25 14:30", (2006, 10, 25, 14, 30, 0)),
        ("2006-10-25", (2006, 10, 25, 0, 0, 0)),
        ("10/25/2006 14:30:59", (2006, 10, 25, 14, 30, 59)),
        ("10/25/2006 14:30", (2006, 10, 25, 14, 30, 0)),
        ("10/25/2006", (2006, 10, 25, 0, 0, 0)),
        ("10/25/06 14:30:59", (2006, 10, 25, 14, 30, 59)),
        ("10/25/06 14:30", (2006, 10, 25, 14, 30, 0)),
        ("10/25/06", (2006, 10, 25, 0, 0, 0)),
        ("10/25/69", (1969, 10, 25, 0, 0, 0)),
        ("1/2/68 1:02:03", (2068, 1, 2, 1, 2, 3)),
    ];
    for (text, (y, mo, d, h, mi, sec)) in forms {
        let Value::Datetime(dt) = ok("Datetime", s(text)) else {
            panic!("{text}")
        };
        let l = dt.naive_local();
        let got = (
            l.year(),
            l.month(),
            l.day(),
            l.hour(),
            l.minute(),
            l.second(),
        );
        assert_eq!(got, (y, mo, d, h, mi, sec), "{text}");
    }
}

#[test]
fn datetime_accepts_iso_text_datetimes_and_dates() {
    let Value::Datetime(dt) = ok("Datetime", s("2024-01-02T03:04:05+09:00")) else {
        panic!()
    };
    assert_eq!(dt.to_rfc3339(), "2024-01-02T03:04:05+09:00");
    // string() of a Datetime converts back to the same instant and offset.
    let Value::Datetime(back) = ok("Datetime", s(&Value::Datetime(dt).to_text())) else {
        panic!()
    };
    assert_eq!((back, back.offset()), (dt, dt.offset()));
    assert_eq!(
        ok("Datetime", Value::Datetime(dt)).to_text(),
        Value::Datetime(dt).to_text()
    );
    let Value::Datetime(midnight) = ok(
        "Datetime",
        Value::Date(NaiveDate::from_ymd_opt(2020, 2, 29).unwrap()),
    ) else {
        panic!()
    };
    assert_eq!(midnight.naive_local().to_string(), "2020-02-29 00:00:00");
}

#[test]
fn datetime_refusals() {
    for bad in [
        "2006-13-01",
        "2006-02-30 10:00",
        "25/10/2006",
        "10/25/6",
        "10/25/006",
        "2006-10-25 25:00",
        "2006-10-25 14:30:59 x",
        "yesterday",
        "",
        "20061025",
    ] {
        let e = err("Datetime", s(bad));
        assert!(
            e.contains("is not a Datetime (expected YYYY-MM-DD, MM/DD/YYYY or MM/DD/YY"),
            "{bad}: {e}"
        );
    }
    assert!(err("Datetime", Value::Int(0)).contains("cannot convert Integer 0 to Datetime"));
    assert!(err("Datetime", Value::Time(NaiveTime::MIN)).contains("to Datetime"));
}

#[test]
fn date_conversions() {
    assert_eq!(shown("Date", s("2023-09-26")), "Date 2023-09-26");
    let d = Value::Date(NaiveDate::from_ymd_opt(1999, 12, 31).unwrap());
    assert_eq!(shown("Date", d), "Date 1999-12-31");
    assert_eq!(
        err("Date", s("2023-02-30")),
        "field `f`: '2023-02-30' is not a Date (expected YYYY-MM-DD)"
    );
    assert!(err("Date", s("09/26/2023")).contains("is not a Date"));
    assert!(err("Date", s("2023-09-26 10:00")).contains("is not a Date"));
    assert!(err("Date", Value::Int(1)).contains("cannot convert Integer 1 to Date"));
}

#[test]
fn time_conversions() {
    assert_eq!(shown("Time", s("17:43")), "Time 17:43:00");
    assert_eq!(shown("Time", s("17:43:01")), "Time 17:43:01");
    assert_eq!(
        shown(
            "Time",
            Value::Time(NaiveTime::from_hms_opt(1, 2, 3).unwrap())
        ),
        "Time 01:02:03"
    );
    assert_eq!(
        err("Time", s("25:00")),
        "field `f`: '25:00' is not a Time (expected HH:MM[:SS])"
    );
    assert!(err("Time", s("17")).contains("is not a Time"));
    assert!(err("Time", s("17:61")).contains("is not a Time"));
    assert!(err("Time", Value::Float(1.0)).contains("cannot convert Float 1.0 to Time"));
}

// ---------------------------------------------------------------- formats

#[test]
fn ipaddress_is_an_ipv4_dotted_quad() {
    for good in ["0.0.0.0", "127.0.0.1", "255.255.255.255", "10.1.20.3"] {
        assert_eq!(ok("IPAddress", s(good)).to_text(), good);
    }
    let e = spec("IPAddress")
        .convert("address", s("1.2.3"), &no_objects)
        .unwrap_err();
    assert_eq!(e, "field `address`: '1.2.3' is not an IPv4 address");
    for bad in [
        "1.2.3.4.5",
        "256.1.1.1",
        "1.2.3.-4",
        "01.2.3.4",
        "1.2.3.4 ",
        "a.b.c.d",
        "1..2.3",
        "::1",
        "1.2.3.4/24",
        "１.2.3.4",
    ] {
        assert!(
            err("IPAddress", s(bad)).contains("is not an IPv4 address"),
            "{bad}"
        );
    }
    assert_eq!(ok("IPAddress", s("")).to_text(), "");
    assert!(err("IPAddress", Value::Int(1)).contains("cannot convert Integer 1 to IPAddress"));
}

#[test]
fn email_addresses() {
    for good in [
        "user@example.com",
        "first.last+tag@sub.example.co.jp",
        "o'brien@example.org",
        "\"quoted..name\"@example.com",
        "root@localhost",
        "a@[192.168.0.1]",
        "a@[IPv6:::1]",
        "user@例え.jp",
        "x@xn--80ak6aa92e.com",
    ] {
        assert_eq!(ok("EMail", s(good)).to_text(), good, "{good}");
    }
    for bad in [
        "plain",
        "@example.com",
        "user@",
        "user@example",
        "user@@example.com",
        "a b@example.com",
        ".a@example.com",
        "a.@example.com",
        "a..b@example.com",
        "a@-example.com",
        "a@example.c",
        "a@example.com-",
        "a@[300.1.1.1]",
        "a@exa_mple.com",
        "ユーザ@example.jp",
        "\"quoted name\"@example.com",
    ] {
        assert_eq!(
            err("EMail", s(bad)),
            format!(
                "field `f`: {} is not an e-mail address",
                s(bad).to_nested_text()
            ),
            "{bad}"
        );
    }
    assert_eq!(ok("EMail", s("")).to_text(), "");
}

#[test]
fn urls_and_schemes() {
    for good in [
        "http://example.com",
        "https://www.example.com:8443/a/b?x=1#frag",
        "ftp://user:pass@ftp.example.org/pub",
        "ftps://10.0.0.1:21",
        "http://localhost:8000/",
        "http://[::1]:80/x",
        "http://例え.テスト/",
        "http://example.com.",
        "https://xn--80ak6aa92e.com/",
    ] {
        assert_eq!(ok("URL", s(good)).to_text(), good, "{good}");
    }
    // The scheme is lower-cased on save, the rest is kept.
    assert_eq!(
        ok("URL", s("HTTPS://Example.COM/Path")).to_text(),
        "https://Example.COM/Path"
    );
    for bad in [
        "example.com",
        "http://",
        "http:/x.com",
        "http://exa mple.com",
        "http://-a.com",
        "http://a",
        "http://a.com:123456",
        "http://a.com:x",
        "http://@a.com",
        "http://a@b@c.com",
        "://a.com",
        "ht tp://a.com",
        "http://[::zz]/",
    ] {
        assert_eq!(
            err("URL", s(bad)),
            format!("field `f`: {} is not a URL", s(bad).to_nested_text()),
            "{bad}"
        );
    }
    assert_eq!(
        err("URL", s("gopher://a.com")),
        "field `f`: the scheme of 'gopher://a.com' is not one of 'http', 'https', 'ftp', 'ftps'"
    );
    assert_eq!(ok("URL", s("")).to_text(), "");
    assert!(err("URL", Value::Int(1)).contains("cannot convert Integer 1 to URL"));
}

#[test]
fn schemes_qualifier_as_string_or_array() {
    let t = r#"URL {"schemes": ["SSH", "git"]}"#;
    assert_eq!(
        ok(t, s("Git://host.example.com/repo")).to_text(),
        "git://host.example.com/repo"
    );
    assert_eq!(
        ok(t, s("ssh://host.example.com")).to_text(),
        "ssh://host.example.com"
    );
    assert_eq!(
        err(t, s("http://host.example.com")),
        "field `f`: the scheme of 'http://host.example.com' is not one of 'ssh', 'git'"
    );
    let t = r#"URL {"schemes": "https"}"#;
    assert!(conv(t, s("https://a.example.com")).is_ok());
    assert!(err(t, s("http://a.example.com")).contains("is not one of 'https'"));
}

// ---------------------------------------------------------------- Array<T>, Dictionary<T>

#[test]
fn array_elements_convert_to_t() {
    assert_eq!(
        shown("Array<Integer>", arr(vec![s("1"), Value::Int(2)])),
        "Array [1, 2]"
    );
    assert_eq!(
        shown("Array", arr(vec![Value::Int(1), s("a")])),
        "Array ['1', 'a']"
    );
    assert_eq!(
        shown("Array<Boolean>", arr(vec![Value::Int(0), s("true")])),
        "Array [false, true]"
    );
    assert_eq!(shown("Array<Binary>", arr(vec![s("a")])), "Array [b'a']");
    assert_eq!(
        shown("Array<Date>", arr(vec![s("2020-01-02")])),
        "Array [2020-01-02]"
    );
    assert_eq!(shown("Array<Float>", arr(vec![])), "Array []");
    let e = spec("Array<Integer>")
        .convert("ports", arr(vec![Value::Int(1), s("x")]), &no_objects)
        .unwrap_err();
    assert_eq!(e, "field `ports[1]`: cannot convert String 'x' to Integer");
    assert!(
        err("Array<Integer>", Value::Int(1)).contains("cannot convert Integer 1 to Array<Integer>")
    );
    assert!(err("Array", s("a")).contains("to Array<String>"));
}

#[test]
fn array_qualifiers_apply_to_each_element() {
    let t = r#"Array<Integer> {"max_value": 65535}"#;
    let e = spec(t)
        .convert(
            "ports",
            arr(vec![Value::Int(22), Value::Int(70000)]),
            &no_objects,
        )
        .unwrap_err();
    assert_eq!(e, "field `ports[1]`: 70000 is above max_value 65535");
    let t = r#"Array<Enum> {"enum": ["a", "b"]}"#;
    assert_eq!(shown(t, arr(vec![s("b"), s("a")])), "Array ['b', 'a']");
    assert_eq!(
        err(t, arr(vec![s("c")])),
        "field `f[0]`: 'c' is not one of 'a', 'b'"
    );
    let t = r#"Array<String> {"strip": true, "min_length": 1}"#;
    assert_eq!(shown(t, arr(vec![s(" a ")])), "Array ['a']");
    assert!(err(t, arr(vec![s("  ")])).contains("`f[0]`: '' is shorter than min_length 1"));
    let t = r#"Array<URL> {"schemes": ["ssh"]}"#;
    assert_eq!(
        shown(t, arr(vec![s("SSH://a.example.com")])),
        "Array ['ssh://a.example.com']"
    );
}

#[test]
fn array_conversion_makes_a_new_array() {
    let input = arr(vec![s("1")]);
    let out = ok("Array<Integer>", input.clone());
    assert_eq!(input.to_nested_text(), "['1']");
    assert_eq!(out.to_nested_text(), "[1]");
    if let (Value::Array(a), Value::Array(b)) = (&input, &out) {
        assert!(!Rc::ptr_eq(a, b));
    }
}

#[test]
fn array_of_objects_and_files() {
    let resolve = |p: &str| -> Result<Value, String> { Ok(object(1, p)) };
    let out = spec("Array<Object>")
        .convert("o", arr(vec![s("/a"), object(2, "/b")]), &resolve)
        .unwrap();
    let Value::Array(ref items) = out else {
        panic!()
    };
    assert!(items.borrow().iter().all(|v| matches!(v, Value::Object(_))));
    let file = dict(vec![(s("name"), s("a")), (s("data"), s("x"))]);
    assert_eq!(
        shown("Array<File>", arr(vec![file])),
        "Array [{name='a', data=b'x'}]"
    );
    assert!(
        err("Array<File>", arr(vec![s("a")])).starts_with("field `f[0]`: cannot convert String")
    );
}

#[test]
fn dictionary_values_convert_to_t() {
    let v = dict(vec![(s("a"), Value::Int(1)), (s("b"), s("x"))]);
    assert_eq!(shown("Dictionary", v), "Dictionary {a='1', b='x'}");
    let v = dict(vec![(s("http"), s("80")), (s("ssh"), Value::Int(22))]);
    assert_eq!(
        shown("Dictionary<Integer>", v),
        "Dictionary {http=80, ssh=22}"
    );
    let t = r#"Dictionary<Integer> {"min_value": 1}"#;
    let e = spec(t)
        .convert("ports", dict(vec![(s("x"), Value::Int(0))]), &no_objects)
        .unwrap_err();
    assert_eq!(e, "field `ports['x']`: 0 is below min_value 1");
    assert!(err("Dictionary", s("a")).contains("cannot convert String 'a' to Dictionary<String>"));
    assert!(err("Dictionary", arr(vec![])).contains("to Dictionary<String>"));
}

#[test]
fn dictionary_keys_must_be_strings() {
    let v = dict(vec![(Value::Int(1), s("a"))]);
    assert_eq!(err("Dictionary", v), "field `f`: key 1 is not a String");
}

#[test]
fn key_strip_strips_the_keys_only() {
    let v = dict(vec![(s(" a "), s(" v ")), (s("b"), s("w"))]);
    assert_eq!(
        shown(r#"Dictionary {"key_strip": true}"#, v.clone()),
        "Dictionary {a=' v ', b='w'}"
    );
    assert_eq!(
        shown("Dictionary", v.clone()),
        "Dictionary {' a '=' v ', b='w'}"
    );
    assert_eq!(
        shown(r#"Dictionary {"key_strip": true, "strip": true}"#, v),
        "Dictionary {a='v', b='w'}"
    );
    // Two keys that strip to the same text: the later value wins, in the first place.
    let v = dict(vec![(s("k"), s("1")), (s("z"), s("2")), (s(" k"), s("3"))]);
    assert_eq!(
        shown(r#"Dictionary {"key_strip": true}"#, v),
        "Dictionary {k='3', z='2'}"
    );
}

// ---------------------------------------------------------------- defaults

#[test]
fn defaults_in_the_json_form_of_the_type() {
    let d = |t: &str| {
        spec(t)
            .default_value()
            .map(|v| format!("{} {}", v.type_name(), v.to_nested_text()))
    };
    assert_eq!(
        d(r#"String {"default": "kompira.extends"}"#).as_deref(),
        Some("String 'kompira.extends'")
    );
    assert_eq!(d(r#"Integer {"default": 0}"#).as_deref(), Some("Integer 0"));
    assert_eq!(d(r#"Float {"default": 1}"#).as_deref(), Some("Float 1.0"));
    assert_eq!(d(r#"Float {"default": 1.5}"#).as_deref(), Some("Float 1.5"));
    assert_eq!(
        d(r#"Boolean {"default": false}"#).as_deref(),
        Some("Boolean false")
    );
    assert_eq!(
        d(r#"Enum {"enum": ["NOTHING", "MAIL"], "default": "NOTHING"}"#).as_deref(),
        Some("String 'NOTHING'")
    );
    assert_eq!(
        d(r#"Date {"default": "2023-09-26"}"#).as_deref(),
        Some("Date 2023-09-26")
    );
    assert_eq!(
        d(r#"Time {"default": "17:43:01"}"#).as_deref(),
        Some("Time 17:43:01")
    );
    assert_eq!(
        d(r#"Array<Integer> {"default": [1, "2"]}"#).as_deref(),
        Some("Array [1, 2]")
    );
    assert_eq!(
        d(r#"Dictionary {"default": {"k": "v", "n": 1}}"#).as_deref(),
        Some("Dictionary {k='v', n='1'}")
    );
    assert_eq!(
        d(r#"Password {"default": "secret"}"#).as_deref(),
        Some("String 'secret'")
    );
    let Some(Value::Datetime(dt)) =
        spec(r#"Datetime {"default": "2023-05-12 23:21:45"}"#).default_value()
    else {
        panic!()
    };
    assert_eq!(dt.naive_local().to_string(), "2023-05-12 23:21:45");
}

#[test]
fn incompatible_or_missing_defaults_are_ignored() {
    for t in [
        "Integer",
        r#"Integer {"default": "abc"}"#,
        r#"Integer {"default": 70000, "max_value": 65535}"#,
        r#"Enum {"enum": ["a"], "default": "b"}"#,
        r#"Date {"default": "tomorrow"}"#,
        r#"Array<Integer> {"default": 5}"#,
        r#"Dictionary {"default": [1]}"#,
        r#"File {"default": {"name": "a", "data": "b"}}"#,
        r#"Array<File> {"default": []}"#,
        r#"IPAddress {"default": "1.2.3"}"#,
        r#"Object {"default": "/some/path"}"#,
    ] {
        assert!(spec(t).default_value().is_none(), "{t}");
    }
    // An explicit null default is "no value".
    assert!(matches!(
        spec(r#"String {"default": null}"#).default_value(),
        Some(Value::Null)
    ));
}

#[test]
fn object_default_resolves_with_the_store() {
    let f = spec(r#"Object {"default": "/home/admin"}"#);
    let resolve = |p: &str| -> Result<Value, String> { Ok(object(9, p)) };
    assert!(matches!(f.default_value_with(&resolve), Some(Value::Object(ref o)) if o.id == 9));
}

#[test]
fn defaults_are_fresh_values() {
    let f = spec(r#"Array {"default": ["a"]}"#);
    let (Some(Value::Array(ref a)), Some(Value::Array(ref b))) =
        (f.default_value(), f.default_value())
    else {
        panic!()
    };
    assert!(!Rc::ptr_eq(a, b));
    a.borrow_mut().push(s("changed"));
    assert_eq!(b.borrow().len(), 1);
}

// ---------------------------------------------------------------- flags

#[test]
fn invisible_and_password_flags() {
    assert!(spec(r#"Boolean {"invisible": true}"#).is_invisible());
    assert!(!spec(r#"Boolean {"invisible": false}"#).is_invisible());
    assert!(!spec("Boolean").is_invisible());
    assert!(spec(r#"Array<Binary> {"invisible": true}"#).is_invisible());
    for t in ["Password", "Array<Password>", "Dictionary<Password>"] {
        assert!(spec(t).is_password(), "{t}");
    }
    for t in ["String", "Text", "Array", "Dictionary", "Array<String>"] {
        assert!(!spec(t).is_password(), "{t}");
    }
}

#[test]
fn help_text_and_form_qualifiers_do_not_restrict_writes() {
    let t = r#"Object {"object": "/system/types/NodeInfo", "filter": {"abspath__contains": "x"}, "order_by": "-abspath", "no_empty": true}"#;
    assert!(spec(t)
        .convert("o", object(1, "/anything"), &no_objects)
        .is_ok());
    let t = r#"File {"file_accept": [".png"], "help_text": "an image"}"#;
    assert!(conv(t, dict(vec![(s("name"), s("a.txt")), (s("data"), s(""))])).is_ok());
}
