//! The daemon's API against its OpenAPI 3.1 document, and the object writes: this binary
//! starts one `jfc serve` on a free loopback port with a store of its own. Every request
//! made here is checked against the document (its path, method and status must be there,
//! its body must match the schema given for that status), and the document against the
//! router's routes.

use std::path::PathBuf;
use std::sync::OnceLock;

use serde_json::{json, Value};

mod common;

use common::daemon::{agent, jfc, start_shared, token};
use common::openapi::{route_serves, router_routes, Document};
use common::{err, out};

/// The shared daemon: its base URL, its store, its document and tokens of each kind.
struct Daemon {
    url: String,
    store: PathBuf,
    read: String,
    send: String,
    admin: String,
    document: Document,
    /// The document as served, byte for byte.
    served: String,
    _dir: tempfile::TempDir,
}

fn daemon() -> &'static Daemon {
    static DAEMON: OnceLock<Daemon> = OnceLock::new();
    DAEMON.get_or_init(|| {
        let dir = tempfile::tempdir().expect("temp dir");
        let store = dir.path().join("store.sqlite");
        let read = token(&store, "reader", "read");
        let send = token(&store, "sender", "send");
        let admin = token(&store, "admin", "admin");
        for (path, kind) in [("/channels", "Directory"), ("/channels/api", "Channel")] {
            let o = jfc(&store, &["obj", "set", path, "--type", kind]);
            assert!(o.status.success(), "{}", err(&o));
        }
        let url = start_shared(&store, &["--max-body", "4096"]);
        let mut answer = agent()
            .get(&format!("{url}/api/v1/openapi.json"))
            .call()
            .expect("the daemon answers");
        let served = answer.body_mut().read_to_string().expect("a body");
        let document = Document(serde_json::from_str(&served).expect("the document is JSON"));
        assert!(
            document.0["openapi"].is_string(),
            "{} does not serve its document: {served:.300}",
            env!("CARGO_BIN_EXE_jfc")
        );
        Daemon {
            url,
            store,
            read,
            send,
            admin,
            document,
            served,
            _dir: dir,
        }
    })
}

/// What the daemon answered.
struct Answer {
    status: u16,
    body: Value,
    location: Option<String>,
}

/// `method path` (the query included) with `token` and a body of `content_type`; the
/// answer must be one the document describes.
fn request(
    method: &str,
    path: &str,
    token: Option<&str>,
    content_type: &str,
    body: Option<&[u8]>,
) -> Answer {
    let d = daemon();
    let url = format!("{}{path}", d.url);
    let agent = agent();
    let sent = match (method, body) {
        ("GET", _) => with_token(agent.get(&url), token).call(),
        ("DELETE", None) => with_token(agent.delete(&url), token).call(),
        (_, body) => {
            let builder = match method {
                "POST" => agent.post(&url),
                "PUT" => agent.put(&url),
                "PATCH" => agent.patch(&url),
                "DELETE" => agent.delete(&url).force_send_body(),
                other => panic!("no {other} here"),
            };
            with_token(builder, token)
                .header("Content-Type", content_type)
                .send(body.unwrap_or_default())
        }
    };
    let mut answer = sent.expect("the daemon answers");
    let status = answer.status().as_u16();
    let header = |name: &str| {
        answer
            .headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string)
    };
    let (kind, location) = (
        header("content-type").unwrap_or_default(),
        header("location"),
    );
    let text = answer.body_mut().read_to_string().expect("a body");
    let bare = path.split('?').next().unwrap_or_default();
    if let Err(e) = d.document.check(method, bare, status, &kind, &text) {
        panic!("{e}");
    }
    // What the daemon took must be what the document says it takes.
    let taken = std::str::from_utf8(body.unwrap_or_default()).unwrap_or_default();
    if (200..300).contains(&status) && !taken.is_empty() {
        if let Err(e) = d.document.check_request(method, bare, content_type, taken) {
            panic!("{e}");
        }
    }
    let body = serde_json::from_str(&text).unwrap_or(Value::String(text));
    Answer {
        status,
        body,
        location,
    }
}

/// The request with `Authorization: Bearer <token>`, or without the header.
fn with_token<B>(request: ureq::RequestBuilder<B>, token: Option<&str>) -> ureq::RequestBuilder<B> {
    match token {
        Some(t) => request.header("Authorization", &format!("Bearer {t}")),
        None => request,
    }
}

/// `method /api/v1/objects<object>` with a JSON body.
fn objects(method: &str, object: &str, token: Option<&str>, body: Option<Value>) -> Answer {
    let bytes = body.map(|b| b.to_string().into_bytes());
    request(
        method,
        &format!("/api/v1/objects{object}"),
        token,
        "application/json",
        bytes.as_deref(),
    )
}

/// The object at `path` as an admin reads it (null when there is none).
fn read(path: &str) -> Value {
    let a = objects("GET", path, Some(&daemon().admin), None);
    match a.status {
        200 => a.body,
        404 => Value::Null,
        other => panic!("GET {path}: {other} {}", a.body),
    }
}

/// A new Directory of the shared store, for one test alone.
fn directory(name: &str) -> String {
    let path = format!("/{name}");
    let a = objects(
        "POST",
        "",
        Some(&daemon().admin),
        Some(json!({"name": name, "type_object": "Directory"})),
    );
    assert_eq!(a.status, 201, "{}", a.body);
    path
}

/// The code and the field named by an error answer.
fn error_of(a: &Answer) -> (u16, &str, &str) {
    (
        a.status,
        a.body["error"]["code"].as_str().unwrap_or_default(),
        a.body["error"]["detail"]["field"]
            .as_str()
            .unwrap_or_default(),
    )
}

#[test]
fn the_document_is_openapi_3_1_and_describes_every_route_of_the_router() {
    let d = daemon();
    assert!(
        d.served == include_str!("../daemon/openapi.json"),
        "the daemon does not serve daemon/openapi.json: {:.300}",
        d.served
    );
    let problems = d.document.problems();
    assert!(problems.is_empty(), "{problems:#?}");
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("daemon/src");
    let mut routes = Vec::new();
    for entry in std::fs::read_dir(&dir).expect("daemon/src") {
        let path = entry.expect("an entry").path();
        if path.extension().is_some_and(|e| e == "rs") {
            routes.extend(router_routes(
                &std::fs::read_to_string(&path).expect("source"),
            ));
        }
    }
    assert!(routes.len() >= 12, "the routes were not found: {routes:?}");
    let operations = d.document.operations();
    for (method, route) in &routes {
        assert!(
            operations
                .iter()
                .any(|(m, t)| m == method && route_serves(route, t)),
            "{method} {route} is served but not in daemon/openapi.json"
        );
    }
    for (method, template) in &operations {
        assert!(
            routes
                .iter()
                .any(|(m, r)| m == method && route_serves(r, template)),
            "daemon/openapi.json describes {method} {template}, which the router does not serve"
        );
    }
}

#[test]
fn the_checks_refuse_what_the_document_does_not_describe() {
    let doc = &daemon().document;
    let json = "application/json";
    let ok = doc.check("GET", "/api/v1/health", 200, json, r#"{"status": "ok"}"#);
    assert_eq!(ok, Ok(()));
    let checks = [
        (
            "GET",
            "/api/v1/health",
            200,
            r#"{"status": 1}"#,
            "does not match",
        ),
        (
            "GET",
            "/api/v1/health",
            418,
            "{}",
            "does not document status 418",
        ),
        ("PUT", "/api/v1/health", 200, "{}", "has no put"),
        (
            "GET",
            "/api/v2/nothing",
            200,
            "{}",
            "no path of the document",
        ),
        (
            "GET",
            "/api/v1/objects/a/b",
            404,
            r#"{"error": {"code": "x"}}"#,
            "does not match",
        ),
        ("DELETE", "/api/v1/objects/a", 204, "{}", "has no body"),
    ];
    for (method, path, status, body, why) in checks {
        let e = doc
            .check(method, path, status, json, body)
            .expect_err(&format!("{method} {path} {status} {body} passed"));
        assert!(e.contains(why), "{method} {path}: {e}");
    }
    let create = "/api/v1/objects/x";
    let named = r#"{"name": "n", "type_object": "Directory"}"#;
    assert_eq!(doc.check_request("POST", create, json, named), Ok(()));
    let unnamed = r#"{"type_object": "Directory"}"#;
    let e = doc
        .check_request("POST", create, json, unnamed)
        .expect_err("no name");
    assert!(e.contains("\"name\" is a required property"), "{e}");
    let mut broken = Document(doc.0.clone());
    broken.0["openapi"] = json!("3.0.3");
    broken.0["paths"]["/api/v1/health"]["get"]["responses"]["200"] =
        json!({"$ref": "#/components/responses/Nothing"});
    let problems = broken.problems().join("\n");
    assert!(problems.contains("not 3.1.x"), "{problems}");
    assert!(
        problems.contains("Nothing` points at nothing"),
        "{problems}"
    );
    let route = "\n.route(\"/api/v1/x/{*rest}\", get(a::get_x).delete(delete))";
    assert_eq!(
        router_routes(route),
        [
            ("get".to_string(), "/api/v1/x/{*rest}".to_string()),
            ("delete".to_string(), "/api/v1/x/{*rest}".to_string())
        ]
    );
    assert!(route_serves("/api/v1/x/{*rest}", "/api/v1/x/{c}/messages"));
    assert!(!route_serves("/api/v1/x/{id}", "/api/v1/x/{c}/messages"));
}

#[test]
fn health_and_the_document_need_no_token() {
    let a = request("GET", "/api/v1/health", None, "", None);
    assert_eq!((a.status, &a.body), (200, &json!({"status": "ok"})));
    let a = request("GET", "/api/v1/openapi.json", None, "", None);
    assert_eq!(a.status, 200);
    assert!(a.body["paths"]["/api/v1/objects/{path}"]["post"].is_object());
}

#[test]
fn event_intake_answers_as_documented() {
    let d = daemon();
    let messages = "/api/v1/channels/channels/api/messages";
    let post = |path: &str, token: Option<&str>, body: &[u8]| {
        request("POST", path, token, "application/json", Some(body))
    };
    let a = post(messages, Some(&d.send), br#"{"host": "web1"}"#);
    assert_eq!(a.status, 202, "{}", a.body);
    assert_eq!(a.body["channel"], "/channels/api");
    assert_eq!(error_of(&post(messages, None, b"1")).1, "unauthorized");
    assert_eq!(error_of(&post(messages, Some(&d.read), b"1")).0, 403);
    assert_eq!(error_of(&post(messages, Some(&d.send), b"{")).1, "bad_body");
    let nowhere = "/api/v1/channels/channels/none/messages";
    assert_eq!(
        error_of(&post(nowhere, Some(&d.send), b"1")).1,
        "unknown_channel"
    );
    let big = vec![b'1'; 5000];
    assert_eq!(error_of(&post(messages, Some(&d.send), &big)).0, 413);
    let many = br#"{"items": [1, 2]}"#;
    let a = post(
        "/api/v1/receivers/json/channels/api?each=items",
        Some(&d.send),
        many,
    );
    assert_eq!(
        (a.status, a.body["message_ids"].as_array().map(Vec::len)),
        (202, Some(2))
    );
    let a = post(
        "/api/v1/receivers/json/channels/api?each=nope",
        Some(&d.send),
        many,
    );
    assert_eq!(error_of(&a).1, "bad_body");
    let alerts = br#"{"receiver": "jfc", "alerts": [{"status": "firing", "labels": {}}]}"#;
    let a = post(
        "/api/v1/receivers/alertmanager/channels/api",
        Some(&d.send),
        alerts,
    );
    assert_eq!(a.status, 202, "{}", a.body);
    let a = post("/api/v1/receivers/alertmanager/channels/api", None, alerts);
    assert_eq!(a.status, 401);
    let a = post(
        "/api/v1/receivers/alertmanager/channels/api",
        Some(&d.send),
        b"{}",
    );
    assert_eq!(error_of(&a).1, "bad_body");
}

#[test]
fn processes_answer_as_documented() {
    let d = daemon();
    let dir = tempfile::tempdir().expect("dir");
    let flow = dir.path().join("hello.jf");
    std::fs::write(&flow, "print('hello')").expect("flow");
    let o = jfc(&d.store, &["run", &flow.display().to_string()]);
    assert!(o.status.success(), "{}", err(&o));
    let a = request("GET", "/api/v1/processes?limit=5", Some(&d.read), "", None);
    assert_eq!(a.status, 200, "{}", a.body);
    let pid = a.body["results"][0]["pid"].as_i64().expect("a process");
    let a = request(
        "GET",
        &format!("/api/v1/processes/{pid}"),
        Some(&d.read),
        "",
        None,
    );
    assert_eq!(a.status, 200);
    assert!(
        a.body["console"]
            .as_str()
            .unwrap_or_default()
            .contains("hello"),
        "{}",
        a.body
    );
    let a = request(
        "GET",
        "/api/v1/processes/id_999999",
        Some(&d.read),
        "",
        None,
    );
    assert_eq!(error_of(&a).1, "unknown_process");
    assert_eq!(
        request("GET", "/api/v1/processes", None, "", None).status,
        401
    );
    assert_eq!(
        request("GET", "/api/v1/processes/1", Some(&d.send), "", None).status,
        403
    );
}

#[test]
fn objects_are_read_as_documented() {
    let d = daemon();
    let a = objects("GET", "", Some(&d.read), None);
    assert_eq!((a.status, &a.body["abspath"]), (200, &json!("/")));
    assert!(a.body["children"]
        .as_array()
        .is_some_and(|c| c.contains(&json!("/system"))));
    let a = objects("GET", "/system/types/NodeInfo", Some(&d.read), None);
    assert_eq!(a.status, 200);
    assert_eq!(
        error_of(&objects("GET", "/no/such", Some(&d.read), None)).1,
        "unknown_object"
    );
    assert_eq!(objects("GET", "/system", None, None).status, 401);
    assert_eq!(objects("GET", "/system", Some(&d.send), None).status, 403);
}

#[test]
fn an_object_is_created_read_updated_replaced_and_deleted() {
    let d = daemon();
    let nodes = directory("crud");
    let created = objects(
        "POST",
        &nodes,
        Some(&d.admin),
        Some(json!({
            "name": "web1",
            "type_object": "/system/types/NodeInfo",
            "display_name": "Web 1",
            "fields": {"hostname": "web1.example.com", "port": 22, "shell": "bash"},
        })),
    );
    assert_eq!(created.status, 201, "{}", created.body);
    assert_eq!(
        created.location.as_deref(),
        Some("/api/v1/objects/crud/web1")
    );
    let path = "/crud/web1";
    let got = read(path);
    assert_eq!(got, created.body);
    assert_eq!(got["type"], "/system/types/NodeInfo");
    assert_eq!(got["display_name"], "Web 1");
    assert_eq!(got["fields"]["port"], 22);
    assert_eq!(read(&nodes)["children"], json!([path]));

    let patched = objects(
        "PATCH",
        path,
        Some(&d.admin),
        Some(json!({"fields": {"port": "2222", "shell": null}, "description": "front"})),
    );
    assert_eq!(patched.status, 200, "{}", patched.body);
    assert_eq!(
        patched.body["fields"]["port"], 2222,
        "a String that is a number"
    );
    assert_eq!(patched.body["fields"]["shell"], Value::Null, "null clears");
    assert_eq!(
        patched.body["fields"]["hostname"], "web1.example.com",
        "kept"
    );
    assert_eq!(patched.body["description"], "front");
    assert_eq!(read(path), patched.body);

    // A GET answer edited and sent back replaces the object.
    let mut edited = patched.body.clone();
    edited["fields"] = json!({"hostname": "web2.example.com"});
    for member in ["display_name", "description"] {
        edited.as_object_mut().map(|o| o.remove(member));
    }
    let replaced = objects("PUT", path, Some(&d.admin), Some(edited));
    assert_eq!(replaced.status, 200, "{}", replaced.body);
    assert_eq!(replaced.body["fields"]["hostname"], "web2.example.com");
    assert_eq!(
        replaced.body["fields"]["port"],
        Value::Null,
        "left out: cleared"
    );
    assert_eq!(replaced.body["display_name"], "web1", "left out: the name");
    assert_eq!(replaced.body["description"], "", "left out: empty");
    assert_eq!(read(path), replaced.body);

    let deleted = objects("DELETE", path, Some(&d.admin), None);
    assert_eq!((deleted.status, &deleted.body), (204, &json!("")));
    assert_eq!(read(path), Value::Null);
    assert_eq!(
        error_of(&objects("DELETE", path, Some(&d.admin), None)).0,
        404
    );
}

#[test]
fn a_refused_create_names_the_member_and_writes_nothing() {
    let d = daemon();
    let dir = directory("refused");
    let o = jfc(
        &d.store,
        &["obj", "set", "/refused/taken", "--type", "Directory"],
    );
    assert!(o.status.success(), "{}", err(&o));
    let node = |name: &str, fields: Value| json!({"name": name, "type_object": "NodeInfo", "fields": fields});
    let cases = [
        (
            node("n1", json!({"port": "abc"})),
            (400, "invalid_field", "fields.port"),
        ),
        (
            node("n2", json!({"port": 70000})),
            (400, "invalid_field", "fields.port"),
        ),
        (
            node("n3", json!({"nosuch": 1})),
            (400, "invalid_field", "fields.nosuch"),
        ),
        (
            node("n4", json!({"ipaddr": "999.1.1.1"})),
            (400, "invalid_field", "fields.ipaddr"),
        ),
        (node("1abc", json!({})), (400, "invalid_name", "name")),
        (node("a-b", json!({})), (400, "invalid_name", "name")),
        (node("taken", json!({})), (409, "name_taken", "name")),
        (
            json!({"name": "n5", "type_object": "NoSuchType"}),
            (400, "invalid_type", "type_object"),
        ),
        (
            json!({"name": "n6", "type_object": "/refused"}),
            (400, "invalid_type", "type_object"),
        ),
        (json!({"name": "n7"}), (400, "invalid_type", "type_object")),
        (
            json!({"type_object": "Directory"}),
            (400, "bad_body", "name"),
        ),
        (
            json!({"name": 7, "type_object": "Directory"}),
            (400, "bad_body", "name"),
        ),
        (
            json!({"name": "n8", "type_object": "Directory", "owner": "x"}),
            (400, "bad_body", "owner"),
        ),
        (
            json!({"name": "n9", "type_object": "Directory", "fields": [1]}),
            (400, "bad_body", "fields"),
        ),
        (json!(["n10"]), (400, "bad_body", "")),
    ];
    for (body, expected) in cases {
        let a = objects("POST", &dir, Some(&d.admin), Some(body.clone()));
        assert_eq!(error_of(&a), expected, "{body}: {}", a.body);
        assert_eq!(a.body["error"]["path"], dir.as_str(), "{}", a.body);
    }
    let a = request(
        "POST",
        "/api/v1/objects/refused",
        Some(&d.admin),
        "application/json",
        Some(b"{"),
    );
    assert_eq!(error_of(&a), (400, "bad_body", ""));
    let a = objects(
        "POST",
        "/refused/taken/deeper",
        Some(&d.admin),
        Some(node("x", json!({}))),
    );
    assert_eq!(error_of(&a), (404, "unknown_object", ""));
    assert_eq!(
        read("/refused")["children"],
        json!(["/refused/taken"]),
        "nothing was made"
    );

    // A failing field after a good one undoes the create and the good field.
    let a = objects(
        "POST",
        &dir,
        Some(&d.admin),
        Some(node("half", json!({"hostname": "h", "port": -1}))),
    );
    assert_eq!(error_of(&a), (400, "invalid_field", "fields.port"));
    assert_eq!(read("/refused/half"), Value::Null);
}

#[test]
fn only_a_directory_or_a_table_holds_objects_and_a_table_its_own_type() {
    let d = daemon();
    let dir = directory("containers");
    let admin = Some(d.admin.as_str());
    let make = |parent: &str, body: Value| objects("POST", parent, admin, Some(body));
    let a = make(&dir, json!({"name": "flow", "type_object": "Jobflow"}));
    assert_eq!(a.status, 201, "{}", a.body);
    let a = make(
        "/containers/flow",
        json!({"name": "x", "type_object": "Directory"}),
    );
    assert_eq!(error_of(&a), (400, "not_a_container", ""));
    assert!(a.body["error"]["message"]
        .as_str()
        .unwrap_or_default()
        .contains("is a Jobflow"));
    let a = make(&dir, json!({"name": "hosts", "type_object": "Table"}));
    assert_eq!(a.status, 201, "{}", a.body);
    let a = make(
        "/containers/hosts",
        json!({"name": "h1", "type_object": "NodeInfo"}),
    );
    assert_eq!(
        error_of(&a),
        (400, "not_a_container", ""),
        "a Table without its type"
    );
    let a = objects(
        "PATCH",
        "/containers/hosts",
        admin,
        Some(json!({"fields": {"typeObject": "/system/types/NodeInfo"}})),
    );
    assert_eq!(a.status, 200, "{}", a.body);
    // An Object field reads as a path, and the path written back is the same object.
    let table = read("/containers/hosts");
    assert_eq!(table["fields"]["typeObject"], "/system/types/NodeInfo");
    let a = objects("PUT", "/containers/hosts", admin, Some(table.clone()));
    assert_eq!(
        (a.status, &a.body["fields"]),
        (200, &table["fields"]),
        "{}",
        a.body
    );
    let a = make(
        "/containers/hosts",
        json!({"name": "h1", "fields": {"port": 22}}),
    );
    assert_eq!(
        a.status, 201,
        "the Table's type need not be said: {}",
        a.body
    );
    assert_eq!(a.body["type"], "/system/types/NodeInfo");
    let a = make(
        "/containers/hosts",
        json!({"name": "h2", "type_object": "Directory"}),
    );
    assert_eq!(error_of(&a), (400, "invalid_type", "type_object"));
}

#[test]
fn writes_need_an_admin_token_and_a_refused_one_changes_nothing() {
    let d = daemon();
    let dir = directory("guarded");
    let o = jfc(
        &d.store,
        &["obj", "set", "/guarded/n", "--type", "NodeInfo", "port=22"],
    );
    assert!(o.status.success(), "{}", err(&o));
    let before = read("/guarded/n");
    let create = json!({"name": "m", "type_object": "Directory"});
    let change = json!({"fields": {"port": 80}});
    let writes = [
        ("POST", dir.as_str(), Some(create)),
        ("PUT", "/guarded/n", Some(change.clone())),
        ("PATCH", "/guarded/n", Some(change)),
        ("DELETE", "/guarded/n", None),
    ];
    let tokens = [
        (None, 401, "unauthorized"),
        (Some("jfc_not_a_token"), 401, "unauthorized"),
        (Some(d.read.as_str()), 403, "forbidden"),
        (Some(d.send.as_str()), 403, "forbidden"),
    ];
    for (method, path, body) in &writes {
        for (token, status, code) in tokens {
            let a = objects(method, path, token, body.clone());
            assert_eq!(
                (a.status, error_of(&a).1),
                (status, code),
                "{method} {path} {token:?}"
            );
        }
    }
    // A bad body is refused for the token first: no hint to a caller without one.
    let a = request(
        "POST",
        "/api/v1/objects/guarded",
        None,
        "application/json",
        Some(b"{"),
    );
    assert_eq!(a.status, 401);
    assert_eq!(
        read("/guarded/n"),
        before,
        "a refused write changed the object"
    );
    assert_eq!(
        read("/guarded")["children"],
        json!(["/guarded/n"]),
        "a refused write made one"
    );
}

#[test]
fn passwords_are_write_only() {
    let d = daemon();
    let dir = directory("secrets");
    let a = objects(
        "POST",
        &dir,
        Some(&d.admin),
        Some(json!({"name": "acct", "type_object": "AccountInfo",
                    "fields": {"user": "ops", "password": "s3cret"}})),
    );
    assert_eq!(a.status, 201, "{}", a.body);
    assert_eq!(a.body["fields"]["password"], "********");
    assert!(!a.body.to_string().contains("s3cret"));
    let shown = || {
        let o = jfc(
            &d.store,
            &[
                "obj",
                "cat",
                "/secrets/acct",
                "--show-secrets",
                "--format",
                "json",
            ],
        );
        assert!(o.status.success(), "{}", err(&o));
        let v: Value = serde_json::from_str(&out(&o)).expect("JSON");
        v["fields"]["password"].clone()
    };
    assert_eq!(shown(), "s3cret");
    // The GET answer sent back: the mask keeps the secret.
    let mut back = read("/secrets/acct");
    back["fields"]["user"] = json!("ops2");
    let a = objects("PUT", "/secrets/acct", Some(&d.admin), Some(back));
    assert_eq!(a.status, 200, "{}", a.body);
    assert_eq!(
        (shown(), &a.body["fields"]["user"]),
        (json!("s3cret"), &json!("ops2"))
    );
    let a = objects(
        "PATCH",
        "/secrets/acct",
        Some(&d.admin),
        Some(json!({"fields": {"password": "n3w"}})),
    );
    assert_eq!(
        (a.status, &a.body["fields"]["password"]),
        (200, &json!("********"))
    );
    assert_eq!(shown(), "n3w");
}

#[test]
fn the_api_refuses_with_the_words_of_jfc_obj_set() {
    let d = daemon();
    let dir = directory("same");
    let cases = [
        ("n1", "NodeInfo", "port", json!(70000), "port=70000"),
        ("n2", "NodeInfo", "ipaddr", json!("1.2.3"), "ipaddr=1.2.3"),
        ("n3", "NodeInfo", "nosuch", json!(1), "nosuch=1"),
    ];
    for (name, kind, field, value, assignment) in cases {
        let o = jfc(
            &d.store,
            &[
                "obj",
                "set",
                &format!("/same/{name}"),
                "--type",
                kind,
                assignment,
            ],
        );
        assert!(!o.status.success(), "jfc obj set {assignment} was accepted");
        let cli = err(&o).trim().trim_start_matches("error: ").to_string();
        let body = json!({"name": name, "type_object": kind, "fields": {field: value}});
        let a = objects("POST", &dir, Some(&d.admin), Some(body));
        assert_eq!(a.status, 400);
        assert_eq!(a.body["error"]["message"], cli.as_str(), "{assignment}");
    }
    let o = jfc(
        &d.store,
        &["obj", "set", "/same/x/y", "--type", "Directory"],
    );
    let o2 = jfc(&d.store, &["obj", "set", "/same/j", "--type", "Jobflow"]);
    assert!(o2.status.success(), "{}", err(&o2));
    let o3 = jfc(
        &d.store,
        &["obj", "set", "/same/j/k", "--type", "Directory"],
    );
    assert!(!o.status.success() && !o3.status.success(), "{}", err(&o3));
    let a = objects(
        "POST",
        "/same/j",
        Some(&d.admin),
        Some(json!({"name": "k", "type_object": "Directory"})),
    );
    assert_eq!(
        a.body["error"]["message"],
        err(&o3).trim().trim_start_matches("error: "),
        "a Jobflow holds no objects, for both"
    );
}

#[test]
fn a_jobflow_source_is_compiled_when_written() {
    let d = daemon();
    let dir = directory("flows");
    let body = json!({"name": "f", "type_object": "Jobflow", "fields": {"source": "print(("}});
    let a = objects("POST", &dir, Some(&d.admin), Some(body));
    assert_eq!(
        a.status, 201,
        "stored though it does not compile: {}",
        a.body
    );
    assert!(a.body["compile_errors"][0]["line"].is_u64(), "{}", a.body);
    let a = objects(
        "PATCH",
        "/flows/f",
        Some(&d.admin),
        Some(json!({"fields": {"source": "print('ok')"}})),
    );
    assert_eq!(a.status, 200);
    assert!(a.body.get("compile_errors").is_none(), "{}", a.body);
    let o = jfc(&d.store, &["run", "/flows/f"]);
    assert_eq!(out(&o), "ok\n", "{}", err(&o));
}

#[test]
fn delete_refuses_built_in_and_non_empty_objects() {
    let d = daemon();
    let dir = directory("deleting");
    let o = jfc(
        &d.store,
        &["obj", "set", "/deleting/inner", "--type", "Directory"],
    );
    assert!(o.status.success(), "{}", err(&o));
    let admin = Some(d.admin.as_str());
    let a = objects("DELETE", "/system/types", admin, None);
    assert_eq!(error_of(&a), (409, "cannot_delete", ""));
    let a = objects("DELETE", "", admin, None);
    assert_eq!(error_of(&a), (409, "cannot_delete", ""));
    let a = objects("DELETE", &dir, admin, None);
    assert_eq!(error_of(&a), (409, "not_empty", ""));
    let a = objects("DELETE", "/deleting?recursive=maybe", admin, None);
    assert_eq!(error_of(&a), (400, "bad_query", ""));
    assert_eq!(
        read("/deleting/inner")["name"],
        "inner",
        "nothing was deleted"
    );
    let a = objects("DELETE", "/deleting?recursive=true", admin, None);
    assert_eq!(a.status, 204);
    assert_eq!(read("/deleting/inner"), Value::Null);
    assert_eq!(read(&dir), Value::Null);
}

#[test]
fn a_write_refuses_members_it_does_not_take() {
    let d = daemon();
    directory("members");
    let o = jfc(
        &d.store,
        &["obj", "set", "/members/n", "--type", "NodeInfo"],
    );
    assert!(o.status.success(), "{}", err(&o));
    let admin = Some(d.admin.as_str());
    let cases = [
        (json!({"name": "other"}), (400, "read_only", "name")),
        (
            json!({"type": "/system/types/Directory"}),
            (400, "read_only", "type"),
        ),
        (json!({"colour": "red"}), (400, "bad_body", "colour")),
        (
            json!({"display_name": 3}),
            (400, "bad_body", "display_name"),
        ),
        (
            json!({"fields": {"port": [1]}}),
            (400, "invalid_field", "fields.port"),
        ),
    ];
    let before = read("/members/n");
    for (body, expected) in cases {
        for method in ["PUT", "PATCH"] {
            let a = objects(method, "/members/n", admin, Some(body.clone()));
            assert_eq!(error_of(&a), expected, "{method} {body}: {}", a.body);
        }
    }
    assert_eq!(read("/members/n"), before);
    let a = objects("PATCH", "/no/such", admin, Some(json!({})));
    assert_eq!(error_of(&a), (404, "unknown_object", ""));
}

#[test]
fn a_method_an_endpoint_does_not_take_gets_a_json_405() {
    let d = daemon();
    for (method, path) in [("PUT", "/api/v1/health"), ("DELETE", "/api/v1/processes")] {
        let request = ureq::http::Request::builder()
            .method(method)
            .uri(format!("{}{path}", d.url))
            .header("Authorization", format!("Bearer {}", d.admin))
            .body(b"{}".to_vec())
            .expect("a request");
        let answer = agent().run(request).expect("the daemon answers");
        assert!(
            answer.headers().get("allow").is_some(),
            "{method} {path}: no Allow"
        );
        let (status, body) = common::daemon::json_answer(answer);
        assert_eq!(status, 405, "{method} {path}: {body}");
        assert_eq!(body["error"]["code"], "method_not_allowed", "{body}");
        let problem = d
            .document
            .check(method, path, status, "application/json", &body.to_string());
        assert!(problem.is_err(), "{method} {path} is not in the document");
    }
}

#[test]
fn a_name_in_any_script_gets_a_percent_encoded_location() {
    let d = daemon();
    let dir = directory("scripts");
    let body = json!({"name": "ホスト_1", "type_object": "Directory"});
    let a = objects("POST", &dir, Some(&d.admin), Some(body));
    assert_eq!(a.status, 201, "{}", a.body);
    let location = a.location.expect("a Location");
    assert_eq!(
        location,
        "/api/v1/objects/scripts/%E3%83%9B%E3%82%B9%E3%83%88_1"
    );
    let again = request("GET", &location, Some(&d.read), "", None);
    assert_eq!(again.body["abspath"], "/scripts/ホスト_1");
}
