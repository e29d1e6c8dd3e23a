//! store::edit: the rules `jfc obj set` and the daemon's object writes share.

use jfc_store::edit::CreateError;
use jfc_store::jobflow::Compiled;
use jfc_store::Store;
use jfc_vm::value::Value;

fn fresh() -> Store {
    let mut s = Store::open_in_memory().expect("store");
    let root = s.resolve("/").expect("root");
    s.create_child(root, "d", Some("Directory"), "root")
        .expect("a directory");
    s
}

#[test]
fn create_child_refuses_by_kind() {
    let mut s = fresh();
    let d = s.resolve("/d").expect("d");
    let flow = s.create_child(d, "f", Some("Jobflow"), "root").expect("f");
    let table = s
        .create_child(d, "t", Some("/system/types/Table"), "root")
        .expect("t");
    let kind = |r: Result<i64, CreateError>| match r {
        Ok(_) => "created".to_string(),
        Err(e) => format!("{e:?}")
            .split('(')
            .next()
            .unwrap_or_default()
            .to_string(),
    };
    let cases: [(i64, &str, Option<&str>, &str); 9] = [
        (d, "1x", Some("Directory"), "Name"),
        (d, "a.b", Some("Directory"), "Name"),
        (d, "f", Some("Directory"), "Taken"),
        (d, "n", Some("NoSuchType"), "Type"),
        (d, "n", Some("/d"), "Type"),
        (d, "n", None, "Type"),
        (flow, "n", Some("Directory"), "Parent"),
        (table, "n", Some("NodeInfo"), "Parent"),
        (
            s.resolve("/").expect("root"),
            "process",
            Some("Directory"),
            "Name",
        ),
    ];
    for (parent, name, type_name, expected) in cases {
        let got = kind(s.create_child(parent, name, type_name, "root"));
        assert_eq!(got, expected, "{name} {type_name:?}");
    }
    let node_type = s
        .object_value(s.type_id("NodeInfo").expect("type"))
        .expect("value");
    s.write_field(table, "typeObject", node_type)
        .expect("typeObject");
    assert_eq!(
        kind(s.create_child(table, "h", Some("Directory"), "root")),
        "Type"
    );
    let h = s
        .create_child(table, "h", None, "root")
        .expect("the Table's own type");
    assert_eq!(s.type_name(h).expect("type"), "NodeInfo");
    assert_eq!(
        s.children(d).expect("children").len(),
        2,
        "refusals made nothing"
    );
}

#[test]
fn assign_sets_properties_compiles_sources_clears_and_checks_fields() {
    let mut s = fresh();
    let d = s.resolve("/d").expect("d");
    let n = s.create_child(d, "n", Some("NodeInfo"), "root").expect("n");
    assert_eq!(s.assign(n, "display_name", Value::str("Web")), Ok(None));
    assert_eq!(s.get(n).expect("n").display_name, "Web");
    assert_eq!(s.assign(n, "port", Value::str("22")), Ok(None));
    assert!(matches!(s.read_field(n, "port"), Ok(Value::Int(22))));
    assert_eq!(s.assign(n, "port", Value::Null), Ok(None));
    assert!(matches!(s.read_field(n, "port"), Ok(Value::Null)));
    let refused = s
        .assign(n, "port", Value::Int(70000))
        .expect_err("above max");
    assert!(refused.0.starts_with("/d/n: field `port`"), "{}", refused.0);
    let f = s.create_child(d, "f", Some("Jobflow"), "root").expect("f");
    let compiled = s
        .assign(f, "source", Value::str("print(("))
        .expect("stored");
    assert!(
        matches!(compiled, Some(Compiled::Errors(_))),
        "{compiled:?}"
    );
    assert_eq!(
        s.assign(f, "source", Value::str("print(1)")),
        Ok(Some(Compiled::Ok))
    );
}
