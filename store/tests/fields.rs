//! Field types and the storage codec through the public API: every built-in type
//! string parses, and every converted value survives the codec exactly.

use std::rc::Rc;

use indexmap::IndexMap;
use jfc_store::codec::{decode, encode};
use jfc_store::fields::{FieldSpec, TYPE_NAMES};
use jfc_store::types::BUILTIN_TYPES;
use jfc_vm::value::{Key, ObjectRef, Value};

fn resolve(path: &str) -> Result<Value, String> {
    match path {
        "/" | "/home" => Ok(Value::Object(ObjectRef {
            id: 1,
            path: Rc::from(path),
        })),
        _ => Err(format!("'{path}' does not exist")),
    }
}

fn dict(entries: &[(&str, Value)]) -> Value {
    let mut m = IndexMap::new();
    for (k, v) in entries {
        m.insert(Key::str(k), v.clone());
    }
    Value::dict(m)
}

#[test]
fn every_builtin_field_type_parses() {
    for t in BUILTIN_TYPES {
        for (name, _, field_type) in t.fields {
            if let Err(e) = FieldSpec::parse(field_type) {
                panic!("{}.{name}: {field_type}: {e}", t.name);
            }
        }
    }
}

#[test]
fn builtin_defaults_convert() {
    let spec = FieldSpec::parse(
        r#"Enum {"enum": ["NOTHING", "MAIL", "ABORT_MAIL"], "default": "NOTHING"}"#,
    )
    .unwrap();
    assert_eq!(
        spec.default_value().map(|v| v.to_text()).as_deref(),
        Some("NOTHING")
    );
    let spec = FieldSpec::parse(r#"String {"default": "kompira.extends"}"#).unwrap();
    assert_eq!(
        spec.default_value().map(|v| v.to_text()).as_deref(),
        Some("kompira.extends")
    );
}

/// One accepted input per type; the converted value must come back from the codec as
/// the same text and type.
#[test]
fn converted_values_round_trip_through_the_codec() {
    let file = dict(&[
        ("name", Value::str("a.bin")),
        ("data", Value::Bytes(Rc::from(&b"\x00\x01\xff"[..]))),
    ]);
    let cases: Vec<(&str, Value)> = vec![
        ("String", Value::str("text")),
        ("Binary", Value::str("bin")),
        ("Integer", Value::str("-42")),
        ("Float", Value::Int(3)),
        ("Boolean", Value::str("true")),
        (r#"Enum {"enum": [["SV", "Server"]]}"#, Value::str("SV")),
        ("Text", Value::str("a\nb")),
        ("LargeText", Value::str("long")),
        ("Password", Value::str("secret")),
        ("File", file.clone()),
        ("Object", Value::str("/home")),
        ("Datetime", Value::str("2024-01-02T03:04:05+09:00")),
        ("Date", Value::str("2023-09-26")),
        ("Time", Value::str("17:43:01")),
        ("IPAddress", Value::str("192.168.0.1")),
        ("EMail", Value::str("a@example.com")),
        ("URL", Value::str("HTTP://example.com/x")),
        ("Array", Value::array(vec![Value::Int(1), Value::str("$t")])),
        (
            "Dictionary",
            dict(&[("$t", Value::str("dict")), ("b", Value::Int(2))]),
        ),
        (
            "Array<Float>",
            Value::array(vec![Value::str("1"), Value::Float(f64::NAN)]),
        ),
        ("Dictionary<File>", dict(&[("f", file)])),
    ];
    for (t, input) in cases {
        let spec = FieldSpec::parse(t).unwrap();
        let stored = spec
            .convert("f", input, &resolve)
            .unwrap_or_else(|e| panic!("{t}: {e}"));
        let text = encode(&stored).unwrap();
        let back = decode(&text).unwrap();
        assert_eq!(back.type_name(), stored.type_name(), "{t}");
        assert_eq!(
            back.to_nested_text(),
            stored.to_nested_text(),
            "{t}: {text}"
        );
    }
}

#[test]
fn errors_name_the_field_and_the_rule() {
    let port = FieldSpec::parse(r#"Integer {"min_value": 1, "max_value": 65535}"#).unwrap();
    assert_eq!(
        port.convert("port", Value::Int(70000), &resolve)
            .unwrap_err(),
        "field `port`: 70000 is above max_value 65535"
    );
    let mode = FieldSpec::parse(r#"Enum {"enum": ["a", "b"]}"#).unwrap();
    assert_eq!(
        mode.convert("mode", Value::str("x"), &resolve).unwrap_err(),
        "field `mode`: 'x' is not one of 'a', 'b'"
    );
    let address = FieldSpec::parse("IPAddress").unwrap();
    assert_eq!(
        address
            .convert("address", Value::str("1.2.3"), &resolve)
            .unwrap_err(),
        "field `address`: '1.2.3' is not an IPv4 address"
    );
    let target = FieldSpec::parse("Object").unwrap();
    assert_eq!(
        target
            .convert("target", Value::str("/nowhere"), &resolve)
            .unwrap_err(),
        "field `target`: '/nowhere' does not exist"
    );
}

#[test]
fn type_names_are_the_nineteen_of_the_spec() {
    assert_eq!(TYPE_NAMES.len(), 19);
    let e = FieldSpec::parse("Str").unwrap_err();
    for name in TYPE_NAMES {
        assert!(e.contains(name), "{e}");
    }
}

#[test]
fn stored_text_of_plain_values_is_plain_json() {
    let v = dict(&[
        ("host", Value::str("web1")),
        (
            "ports",
            Value::array(vec![Value::Int(22), Value::Float(1.0)]),
        ),
    ]);
    assert_eq!(encode(&v).unwrap(), r#"{"host":"web1","ports":[22,1.0]}"#);
    assert!(decode("{\"$t\":\"unknown\"}").is_err());
    assert!(decode("not json")
        .unwrap_err()
        .starts_with("corrupt stored value"));
}
