//! `jfc lsp` driven over its real stdio transport with JSON-RPC, as an editor drives it:
//! diagnostics as a document is opened and changed, hover, formatting. Answers are
//! snapshotted (tests/lsp/snapshots/).

mod client;
mod files;
mod fixes;
mod neovim;

use client::Client;
use serde_json::{json, Value};

const URI: &str = "file:///project/restart.jf";

fn open(c: &mut Client, text: &str) -> Value {
    c.notify(
        "textDocument/didOpen",
        json!({ "textDocument": { "uri": URI, "languageId": "jobflow", "version": 1, "text": text } }),
    );
    c.notification("textDocument/publishDiagnostics")
}

#[test]
fn initialize_says_what_the_server_does() {
    let (c, init) = Client::start();
    insta::assert_yaml_snapshot!(init["capabilities"]);
    assert_eq!(init["serverInfo"]["name"], "jfc lsp");
    assert!(c.stop().success());
}

/// `answer` with the links to explanations under `cache` made stable:
/// `file:///CACHE/jfc/explain/VERSION/E0015.md`.
fn stable_links(answer: &Value, cache: &std::path::Path) -> Value {
    // Scratch directories have plain names: the URL is the path as it is.
    let prefix = format!("file://{}/", cache.display());
    let version = format!("/{}/", env!("CARGO_PKG_VERSION"));
    match answer {
        Value::String(text) => match text.strip_prefix(&prefix) {
            Some(rest) => json!(format!(
                "file:///CACHE/{}",
                rest.replacen(&version, "/VERSION/", 1)
            )),
            None => answer.clone(),
        },
        Value::Array(items) => items.iter().map(|v| stable_links(v, cache)).collect(),
        Value::Object(fields) => fields
            .iter()
            .map(|(k, v)| (k.clone(), stable_links(v, cache)))
            .collect(),
        _ => answer.clone(),
    }
}

/// `answer` with the scratch directory `dir` written `/PROJECT` in every string, so
/// that a snapshot holds the same URIs on every run.
fn stable_dir(answer: &Value, dir: &std::path::Path) -> Value {
    let dir = dir.display().to_string();
    match answer {
        Value::String(text) => json!(text.replace(&dir, "/PROJECT")),
        Value::Array(items) => items
            .iter()
            .map(|v| stable_dir(v, std::path::Path::new(&dir)))
            .collect(),
        Value::Object(fields) => fields
            .iter()
            .map(|(k, v)| {
                (
                    k.replace(&dir, "/PROJECT"),
                    stable_dir(v, std::path::Path::new(&dir)),
                )
            })
            .collect(),
        _ => answer.clone(),
    }
}

#[test]
fn diagnostics_follow_the_text_as_it_is_opened_and_changed() {
    let (mut c, _) = Client::start();
    let published = open(&mut c, "|host|\n[x = 1] -> [x == 2] -> print(host, y)\n");
    assert_eq!(published["uri"], URI);
    assert_eq!(published["version"], 1);
    insta::assert_yaml_snapshot!(stable_links(&published["diagnostics"], c.cache()));
    // Fix both: the condition becomes an `if`, `y` becomes `x`.
    c.notify(
        "textDocument/didChange",
        json!({
            "textDocument": { "uri": URI, "version": 2 },
            "contentChanges": [
                { "range": { "start": { "line": 1, "character": 35 }, "end": { "line": 1, "character": 36 } }, "text": "x" },
                { "range": { "start": { "line": 1, "character": 11 }, "end": { "line": 1, "character": 19 } }, "text": "{ if x == 2 | print('two') }" }
            ]
        }),
    );
    let fixed = c.notification("textDocument/publishDiagnostics");
    assert_eq!(fixed["version"], 2);
    assert_eq!(fixed["diagnostics"], json!([]), "{fixed}");
    c.notify(
        "textDocument/didClose",
        json!({ "textDocument": { "uri": URI } }),
    );
    let closed = c.notification("textDocument/publishDiagnostics");
    assert_eq!(closed["diagnostics"], json!([]));
}

#[test]
fn a_code_links_to_its_explanation_written_in_the_cache() {
    let (mut c, _) = Client::start();
    let published = open(&mut c, "print(coun)\n");
    let diagnostic = &published["diagnostics"][0];
    assert_eq!(diagnostic["code"], "E0015");
    let href = diagnostic["codeDescription"]["href"]
        .as_str()
        .expect("a link");
    let path = href.strip_prefix("file://").expect("a file URL");
    assert!(path.starts_with(&c.cache().display().to_string()), "{href}");
    let text = std::fs::read_to_string(path).expect("the linked file exists");
    assert!(text.starts_with("# E0015: "), "{text}");
}

#[test]
fn without_a_writable_cache_diagnostics_go_without_links() {
    let dir = tempfile::tempdir().expect("dir");
    let blocker = dir.path().join("not-a-directory");
    std::fs::write(&blocker, "").expect("a file");
    let (mut c, _) = Client::start_with_cache(Value::Null, Some(blocker.join("cache")));
    let published = open(&mut c, "print(coun)\n");
    let diagnostic = &published["diagnostics"][0];
    assert_eq!(diagnostic["code"], "E0015");
    assert!(diagnostic.get("codeDescription").is_none(), "{diagnostic}");
    assert!(c.stop().success());
}

#[test]
fn only_the_newest_version_is_published_last() {
    let (mut c, _) = Client::start();
    open(&mut c, "print(1)\n");
    for version in 2..=20 {
        c.notify(
            "textDocument/didChange",
            json!({
                "textDocument": { "uri": URI, "version": version },
                "contentChanges": [{ "text": format!("print({version}) -> [a == ]\n") }]
            }),
        );
    }
    let mut last = c.notification("textDocument/publishDiagnostics");
    while last["version"] != 20 {
        let next = c.notification("textDocument/publishDiagnostics");
        assert!(
            next["version"].as_i64() > last["version"].as_i64(),
            "an older version was published after a newer one"
        );
        last = next;
    }
    assert!(!last["diagnostics"]
        .as_array()
        .expect("diagnostics")
        .is_empty());
}

#[test]
fn hover_on_a_built_in_shows_its_signature() {
    let (mut c, _) = Client::start();
    open(&mut c, "urlopen(url='http://x') -> print($RESULT)\n");
    let at = |line: u32, character: u32| json!({ "textDocument": { "uri": URI }, "position": { "line": line, "character": character } });
    let hover = c.request("textDocument/hover", at(0, 3));
    insta::assert_yaml_snapshot!(hover);
    let status = c.request("textDocument/hover", at(0, 36));
    assert!(status["contents"]["value"]
        .as_str()
        .unwrap_or_default()
        .contains("status variable"));
    let nothing = c.request("textDocument/hover", at(0, 24));
    assert_eq!(nothing, Value::Null);
}

#[test]
fn formatting_gives_the_layout_of_jfc_fmt() {
    let (mut c, _) = Client::start();
    open(&mut c, "print( 'a' )->print('b')\n");
    let edits = c.request(
        "textDocument/formatting",
        json!({ "textDocument": { "uri": URI }, "options": { "tabSize": 4, "insertSpaces": true } }),
    );
    insta::assert_yaml_snapshot!(edits);
}

#[test]
fn completion_offers_status_variables_after_a_dollar_and_built_ins_at_a_job() {
    let (mut c, _) = Client::start();
    open(&mut c, "print($RE\n");
    let at = |line: u32, character: u32| json!({ "textDocument": { "uri": URI }, "position": { "line": line, "character": character } });
    let after_dollar = c.request("textDocument/completion", at(0, 9));
    let labels: Vec<&str> = after_dollar
        .as_array()
        .expect("items")
        .iter()
        .filter_map(|i| i["label"].as_str())
        .collect();
    assert_eq!(labels, ["$RESULT", "$STATUS", "$ERROR", "$DEBUG", "$ENV"]);
    let at_job = c.request("textDocument/completion", at(1, 0));
    // The keywords that are no blocks come as keywords, with what they do.
    let keyword = |label: &str| {
        at_job
            .as_array()
            .expect("items")
            .iter()
            .find(|i| i["label"] == label)
            .cloned()
            .unwrap_or_else(|| panic!("no `{label}` offered"))
    };
    for label in [
        "break", "continue", "true", "false", "null", "and", "or", "not", "in", "then", "elif",
        "else",
    ] {
        assert_eq!(keyword(label)["kind"], 14, "{label} is a keyword item");
    }
    assert_eq!(
        keyword("break")["documentation"]["value"],
        "ends the innermost loop"
    );
    assert!(keyword("__zone__")["documentation"]["value"]
        .as_str()
        .is_some_and(|d| d.contains("agent zone")));
    let pfor = at_job
        .as_array()
        .expect("items")
        .iter()
        .find(|i| i["label"] == "pfor")
        .expect("a pfor snippet");
    insta::assert_yaml_snapshot!(pfor);
}

#[test]
fn a_quick_fix_writes_what_the_diagnostic_suggests() {
    let (mut c, _) = Client::start();
    let published = open(&mut c, "urlopen(url='http://x', timout=3)\n");
    let diagnostic = published["diagnostics"][0].clone();
    assert_eq!(diagnostic["code"], "E0014");
    let actions = c.request(
        "textDocument/codeAction",
        json!({
            "textDocument": { "uri": URI },
            "range": diagnostic["range"],
            "context": { "diagnostics": [diagnostic] }
        }),
    );
    insta::assert_yaml_snapshot!(stable_links(&actions, c.cache()));
    let edit = &actions[0]["edit"]["changes"][URI][0];
    assert_eq!(edit["newText"], "timeout");
    let clean = c.request(
        "textDocument/codeAction",
        json!({
            "textDocument": { "uri": URI },
            "range": { "start": { "line": 0, "character": 0 }, "end": { "line": 0, "character": 3 } },
            "context": { "diagnostics": [] }
        }),
    );
    assert_eq!(clean, json!([]));
}

#[test]
fn a_missing_connector_is_fixed_by_inserting_one() {
    let (mut c, _) = Client::start();
    let published = open(&mut c, "[n = 1]\nprint(n)\n");
    let diagnostic = published["diagnostics"][0].clone();
    assert_eq!(diagnostic["code"], "E0001");
    let actions = c.request(
        "textDocument/codeAction",
        json!({
            "textDocument": { "uri": URI },
            "range": diagnostic["range"],
            "context": { "diagnostics": [diagnostic] }
        }),
    );
    // The diagnostic each action answers is the one sent (its rendering is not this test's).
    let mut fixes = actions.as_array().expect("actions").clone();
    for fix in &mut fixes {
        let answered = fix["diagnostics"][0]["range"].take();
        assert_eq!(answered, diagnostic["range"]);
        if let Some(fix) = fix.as_object_mut() {
            fix.remove("diagnostics");
        }
    }
    insta::assert_yaml_snapshot!(fixes);
    let edit = &actions[0]["edit"]["changes"][URI][0];
    assert_eq!(edit["newText"], " ->");
    assert_eq!(edit["range"]["start"], json!({ "line": 0, "character": 7 }));
    assert_eq!(actions[0]["isPreferred"], true);
    assert_eq!(actions[1]["edit"]["changes"][URI][0]["newText"], " ->>");
}

/// A project of two flows on disk: `main.jf` calls `./sub`.
fn project() -> (tempfile::TempDir, String, String) {
    let dir = tempfile::tempdir().expect("dir");
    let main = "|host|\n[tries = 3] ->\n{ while tries > 0 |\n    [./sub: host] -> [tries - 1 >> tries]\n} -> print(host, tries)\n";
    std::fs::write(dir.path().join("main.jf"), main).expect("main.jf");
    std::fs::write(dir.path().join("sub.jf"), "|target|\nprint(target)\n").expect("sub.jf");
    let uri = |name: &str| format!("file://{}", dir.path().join(name).display());
    let (main_uri, sub_uri) = (uri("main.jf"), uri("sub.jf"));
    (dir, main_uri, sub_uri)
}

fn at(uri: &str, line: u32, character: u32) -> Value {
    json!({ "textDocument": { "uri": uri }, "position": { "line": line, "character": character } })
}

#[test]
fn definition_goes_to_the_parameter_and_to_the_sibling_flow() {
    let (dir, main, sub) = project();
    let (mut c, _) = Client::start();
    let text = std::fs::read_to_string(dir.path().join("main.jf")).expect("main.jf");
    c.notify(
        "textDocument/didOpen",
        json!({ "textDocument": { "uri": main, "languageId": "jobflow", "version": 1, "text": text } }),
    );
    // `host` in print(host, tries) → the parameter on line 0.
    let param = c.request("textDocument/definition", at(&main, 4, 12));
    assert_eq!(param["uri"], main);
    assert_eq!(
        param["range"]["start"],
        json!({ "line": 0, "character": 1 })
    );
    // `./sub` → sub.jf.
    let file = c.request("textDocument/definition", at(&main, 3, 7));
    assert_eq!(file["uri"], sub);
    // `tries` → its first assignment.
    let var = c.request("textDocument/definition", at(&main, 2, 9));
    assert_eq!(var["range"]["start"], json!({ "line": 1, "character": 1 }));
    insta::assert_yaml_snapshot!(stable_dir(&json!([param, file, var]), dir.path()));
}

#[test]
fn references_rename_symbols_and_folding_know_the_variables_and_blocks() {
    let (dir, main, _) = project();
    let (mut c, _) = Client::start();
    let text = std::fs::read_to_string(dir.path().join("main.jf")).expect("main.jf");
    c.notify(
        "textDocument/didOpen",
        json!({ "textDocument": { "uri": main, "languageId": "jobflow", "version": 1, "text": text } }),
    );
    let mut refs = at(&main, 1, 2);
    refs["context"] = json!({ "includeDeclaration": true });
    let found = c.request("textDocument/references", refs);
    assert_eq!(found.as_array().map(Vec::len), Some(5), "{found}");
    let mut rename = at(&main, 1, 2);
    rename["newName"] = json!("attempts");
    let edit = c.request("textDocument/rename", rename.clone());
    let edits = edit["changes"][&main].as_array().expect("edits");
    assert_eq!(edits.len(), 5);
    assert!(edits.iter().all(|e| e["newText"] == "attempts"));
    insta::assert_yaml_snapshot!("rename", stable_dir(&edit, dir.path()));
    // A name that would read as something else is refused, saying why.
    for (name, why) in [
        ("2nd", "a name is a letter or `_`"),
        ("for", "it is a keyword"),
        ("__host__", "it is a control variable"),
        ("__mine__", "kept for control variables"),
        ("print", "the name of a built-in"),
    ] {
        rename["newName"] = json!(name);
        let refused = c.answer("textDocument/rename", rename.clone());
        assert_eq!(refused["error"]["code"], -32602, "{refused}");
        let message = refused["error"]["message"].as_str().unwrap_or_default();
        assert!(
            message.starts_with(&format!("cannot rename to `{name}`")) && message.contains(why),
            "{message}"
        );
    }
    let symbols = c.request(
        "textDocument/documentSymbol",
        json!({ "textDocument": { "uri": main } }),
    );
    insta::assert_yaml_snapshot!("symbols", symbols);
    let folding = c.request(
        "textDocument/foldingRange",
        json!({ "textDocument": { "uri": main } }),
    );
    assert_eq!(folding, json!([{ "startLine": 2, "endLine": 4 }]));
}

#[test]
fn hover_says_where_a_variable_comes_from_and_what_a_called_flow_takes() {
    let (dir, main, _) = project();
    std::fs::write(
        dir.path().join("sub.jf"),
        "|target|\n|count = 3|\nprint(target, count)\n",
    )
    .expect("sub.jf");
    let (mut c, _) = Client::start();
    let text = std::fs::read_to_string(dir.path().join("main.jf")).expect("main.jf");
    c.notify(
        "textDocument/didOpen",
        json!({ "textDocument": { "uri": main, "languageId": "jobflow", "version": 1, "text": text } }),
    );
    let value = |h: Value| {
        h["contents"]["value"]
            .as_str()
            .unwrap_or_default()
            .to_string()
    };
    assert_eq!(
        value(c.request("textDocument/hover", at(&main, 4, 18))),
        "variable `tries`, first assigned on line 2 (5 uses in this flow)"
    );
    assert_eq!(
        value(c.request("textDocument/hover", at(&main, 4, 12))),
        "parameter `host`, declared on line 1 (3 uses in this flow)"
    );
    assert_eq!(
        value(c.request("textDocument/hover", at(&main, 3, 7))),
        "flow `./sub`\n```jobflow\n[./sub: target, count = 3]\n```"
    );
}

#[test]
fn signature_help_marks_the_argument_being_written() {
    let (dir, main, _) = project();
    std::fs::write(
        dir.path().join("sub.jf"),
        "|target|\n|count = 3|\nprint(target)\n",
    )
    .expect("sub.jf");
    let (mut c, _) = Client::start();
    let text = "print('a', \n[./sub: 'web1', \n";
    c.notify(
        "textDocument/didOpen",
        json!({ "textDocument": { "uri": main, "languageId": "jobflow", "version": 1, "text": text } }),
    );
    let builtin = c.request("textDocument/signatureHelp", at(&main, 0, 11));
    insta::assert_yaml_snapshot!("signature_builtin", builtin);
    let flow = c.request("textDocument/signatureHelp", at(&main, 1, 16));
    assert_eq!(flow["signatures"][0]["label"], "[./sub: target, count = 3]");
    assert_eq!(flow["activeParameter"], 1);
}

#[test]
fn completion_knows_paths_string_methods_and_a_called_flows_parameters() {
    let (dir, main, _) = project();
    std::fs::create_dir(dir.path().join("lib")).expect("lib");
    let (mut c, _) = Client::start();
    let text = "[./\n['a,b'.\n[./sub: \n";
    c.notify(
        "textDocument/didOpen",
        json!({ "textDocument": { "uri": main, "languageId": "jobflow", "version": 1, "text": text } }),
    );
    let labels = |c: &mut Client, line: u32, character: u32| -> Vec<String> {
        let found = c.request("textDocument/completion", at(&main, line, character));
        found
            .as_array()
            .expect("items")
            .iter()
            .filter_map(|i| i["label"].as_str().map(String::from))
            .collect()
    };
    assert_eq!(labels(&mut c, 0, 3), ["lib", "main", "sub"]);
    let methods = labels(&mut c, 1, 7);
    assert!(methods.contains(&"upper".to_string()) && methods.contains(&"split".to_string()));
    assert!(!methods.contains(&"print".to_string()), "{methods:?}");
    assert_eq!(labels(&mut c, 2, 8), ["target"]);
    // The whole answers: kinds, details and what each member does.
    let paths = c.request("textDocument/completion", at(&main, 0, 3));
    insta::assert_yaml_snapshot!("completion_after_dot_slash", paths);
    let string = c.request("textDocument/completion", at(&main, 1, 7));
    insta::assert_yaml_snapshot!("completion_string_members", string);
    let arguments = c.request("textDocument/completion", at(&main, 2, 8));
    insta::assert_yaml_snapshot!("completion_flow_arguments", arguments);
    let hover = c.request("textDocument/hover", at(&main, 1, 3));
    assert_eq!(
        hover,
        Value::Null,
        "a string's text is not a word to describe"
    );
}

#[test]
fn completion_after_a_dot_follows_the_type_of_a_variable_through_the_flow() {
    let (mut c, _) = Client::start();
    let text = "|p = 'x'|\n[s = 'a', xs = [1, 2], d = {a = 1}, t = now()]\n\
                -> print(p.)\n-> print(xs.)\n-> print(d.)\n-> print(t.)\n-> print(q.)\n";
    open(&mut c, text);
    // Just after the `.` of line `line`.
    let mut labels = |line: u32| -> Vec<String> {
        let dot = text.lines().nth(line as usize).and_then(|l| l.find('.'));
        let character = dot.expect("a dot") as u32 + 1;
        let found = c.request("textDocument/completion", at(URI, line, character));
        found
            .as_array()
            .expect("items")
            .iter()
            .filter_map(|i| i["label"].as_str().map(String::from))
            .collect()
    };
    let has = |found: &[String], all: &[&str]| all.iter().all(|m| found.iter().any(|f| f == m));
    let string = labels(2);
    assert!(has(&string, &["upper", "split", "format"]), "{string:?}");
    assert!(!has(&string, &["print"]), "{string:?}");
    let array = labels(3);
    assert!(
        has(&array, &["add_item", "pop_item"]) && !has(&array, &["upper"]),
        "{array:?}"
    );
    let dict = labels(4);
    assert!(has(&dict, &["get_keys", "get_item"]), "{dict:?}");
    insta::assert_yaml_snapshot!("datetime_members", labels(5));
    assert_eq!(
        labels(6),
        Vec::<String>::new(),
        "an unknown type offers nothing"
    );
    let hover = c.request("textDocument/hover", at(URI, 1, 11));
    assert_eq!(
        hover["contents"]["value"],
        "variable `xs`, first assigned on line 2 (1 uses in this flow); every value given it is of type Array"
    );
}

#[test]
fn the_flows_of_the_workspace_folder_are_checked_without_being_opened() {
    let (dir, _, _) = project();
    std::fs::write(dir.path().join("broken.jf"), "[./missing: 1]\n").expect("broken.jf");
    std::fs::create_dir(dir.path().join(".hidden")).expect(".hidden");
    std::fs::write(dir.path().join(".hidden/skip.jf"), "[a == ]\n").expect("skip.jf");
    let root = format!("file://{}", dir.path().display());
    let (mut c, _) = Client::start_in(json!(root));
    let mut published = std::collections::BTreeMap::new();
    while published.len() < 3 {
        let p = c.notification("textDocument/publishDiagnostics");
        let name = p["uri"]
            .as_str()
            .unwrap_or_default()
            .rsplit('/')
            .next()
            .unwrap_or_default()
            .to_string();
        let codes: Vec<Value> = p["diagnostics"]
            .as_array()
            .expect("diagnostics")
            .iter()
            .map(|d| d["code"].clone())
            .collect();
        published.insert(name, codes);
    }
    assert_eq!(published["broken.jf"], [json!("E0016")], "{published:?}");
    assert_eq!(published["main.jf"], Vec::<Value>::new());
    assert_eq!(published["sub.jf"], Vec::<Value>::new());
    assert!(!published.contains_key("skip.jf"));
}

#[test]
fn semantic_tokens_tell_built_ins_parameters_and_variables_apart() {
    let (mut c, init) = Client::start();
    let legend = init["capabilities"]["semanticTokensProvider"]["legend"]["tokenTypes"].clone();
    open(&mut c, "|host|\nprint(host, count)\n");
    let tokens = c.request(
        "textDocument/semanticTokens/full",
        json!({ "textDocument": { "uri": URI } }),
    );
    let data: Vec<u64> = tokens["data"]
        .as_array()
        .expect("data")
        .iter()
        .filter_map(Value::as_u64)
        .collect();
    let kinds: Vec<&str> = data
        .chunks(5)
        .map(|t| legend[t[3] as usize].as_str().unwrap_or_default())
        .collect();
    assert_eq!(kinds, ["parameter", "function", "parameter", "variable"]);
}

#[test]
fn object_paths_are_completed_and_described_from_the_projects_store() {
    let dir = tempfile::tempdir().expect("dir");
    std::fs::write(dir.path().join("jfc.toml"), "").expect("jfc.toml");
    let store = dir.path().join(".jfc/store.sqlite");
    for args in [
        vec!["obj", "set", "/servers", "--type", "Directory"],
        vec![
            "obj",
            "set",
            "/servers/web1",
            "--type",
            "NodeInfo",
            "hostname=web1.example.com",
        ],
    ] {
        let o = std::process::Command::new(env!("CARGO_BIN_EXE_jfc"))
            .arg("--store")
            .arg(&store)
            .args(&args)
            .output()
            .expect("jfc runs");
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    }
    let root = format!("file://{}", dir.path().display());
    let uri = format!("{root}/main.jf");
    let (mut c, _) = Client::start_in(json!(root));
    let text = "print(/servers/web1.hostname) -> print(/servers/\n";
    c.notify(
        "textDocument/didOpen",
        json!({ "textDocument": { "uri": uri, "languageId": "jobflow", "version": 1, "text": text } }),
    );
    let found = c.request("textDocument/completion", at(&uri, 0, 48));
    let labels: Vec<&str> = found
        .as_array()
        .expect("items")
        .iter()
        .filter_map(|i| i["label"].as_str())
        .collect();
    assert_eq!(labels, ["web1"]);
    assert_eq!(found[0]["detail"], "NodeInfo");
    let hover = c.request("textDocument/hover", at(&uri, 0, 10));
    let value = hover["contents"]["value"].as_str().unwrap_or_default();
    assert!(value.starts_with("`/servers/web1`: NodeInfo"), "{value}");
    assert!(value.contains("hostname"), "{value}");
    // After `.`, an object's fields, properties and methods: by its path, or through a
    // variable that holds it.
    let nodes = format!("{root}/nodes.jf");
    let text = "[node = /servers/web1] -> print(node.) -> print(/servers/web1.)\n";
    c.notify(
        "textDocument/didOpen",
        json!({ "textDocument": { "uri": nodes, "languageId": "jobflow", "version": 1, "text": text } }),
    );
    for place in [at(&nodes, 0, 37), at(&nodes, 0, 62)] {
        let found = c.request("textDocument/completion", place);
        let labels: Vec<&str> = found
            .as_array()
            .expect("items")
            .iter()
            .filter_map(|i| i["label"].as_str())
            .collect();
        for member in ["hostname", "abspath", "delete"] {
            assert!(labels.contains(&member), "{member} not in {labels:?}");
        }
        assert!(
            !labels.contains(&"find"),
            "a NodeInfo is no container: {labels:?}"
        );
    }
}

#[test]
fn a_lens_over_a_test_runs_it_and_tells_the_outcome() {
    let (dir, main, _) = project();
    let test = "mock_command('uptime')\n-> [./sub: target='web1']\n-> assert_equal(length(commands_run()), 0)\n";
    std::fs::write(dir.path().join("sub_test.jf"), test).expect("sub_test.jf");
    let test_uri = format!("file://{}", dir.path().join("sub_test.jf").display());
    let (mut c, _) = Client::start();
    c.notify(
        "textDocument/didOpen",
        json!({ "textDocument": { "uri": test_uri, "languageId": "jobflow", "version": 1, "text": test } }),
    );
    // A test sees the built-ins of tests: no diagnostic, and they are completed.
    let published = c.notification("textDocument/publishDiagnostics");
    assert_eq!(published["diagnostics"], json!([]), "{published}");
    let items = c.request("textDocument/completion", at(&test_uri, 2, 3));
    let labels: Vec<&str> = items
        .as_array()
        .expect("items")
        .iter()
        .filter_map(|i| i["label"].as_str())
        .collect();
    assert!(labels.contains(&"mock_http"), "{labels:?}");
    // An ordinary flow has no lens; a test has one, and running it tells the outcome.
    let none = c.request(
        "textDocument/codeLens",
        json!({ "textDocument": { "uri": main } }),
    );
    assert_eq!(none, json!([]));
    let lenses = c.request(
        "textDocument/codeLens",
        json!({ "textDocument": { "uri": test_uri } }),
    );
    let command = &lenses[0]["command"];
    assert_eq!(command["command"], "jfc.runTest", "{lenses}");
    let outcome = c.request(
        "workspace/executeCommand",
        json!({ "command": command["command"], "arguments": command["arguments"] }),
    );
    let shown = c.notification("window/showMessage");
    assert_eq!(shown["type"], 3, "{shown}");
    assert!(
        shown["message"]
            .as_str()
            .is_some_and(|m| m.contains("sub_test.jf passed")),
        "{shown}"
    );
    assert_eq!(outcome[0]["passed"], true, "{outcome}");
    // A failing test says why.
    std::fs::write(
        dir.path().join("sub_test.jf"),
        "[./sub: target='web1'] -> assert_equal(1, 2)\n",
    )
    .expect("write");
    c.request(
        "workspace/executeCommand",
        json!({ "command": "jfc.runTest", "arguments": command["arguments"] }),
    );
    let shown = c.notification("window/showMessage");
    assert_eq!(shown["type"], 1, "{shown}");
    assert!(
        shown["message"]
            .as_str()
            .is_some_and(|m| m.contains("expected 2, got 1")),
        "{shown}"
    );
}

#[test]
fn hover_tells_what_a_method_and_a_control_variable_do() {
    let (mut c, _) = Client::start();
    let text = "[s = 'a'] -> print(s.upper()) -> [__host__ = 'web1', __mine__ = 1]\n";
    open(&mut c, text);
    let value = |c: &mut Client, word: &str| {
        let character = text.find(word).expect("the word") as u32 + 1;
        let hover = c.request(
            "textDocument/hover",
            json!({ "textDocument": { "uri": URI }, "position": { "line": 0, "character": character } }),
        );
        hover["contents"]["value"].as_str().map(String::from)
    };
    assert_eq!(
        value(&mut c, "upper").as_deref(),
        Some("```jobflow\nupper() : String\n```\nmethod of String: A copy of the string in upper case.")
    );
    let host = value(&mut c, "__host__").unwrap_or_default();
    assert!(
        host.starts_with("`__host__`: control variable: the host"),
        "{host}"
    );
    // An unknown `__name__` is an ordinary variable: its hover says where it is set.
    let mine = value(&mut c, "__mine__").unwrap_or_default();
    assert!(mine.starts_with("variable `__mine__`"), "{mine}");
}
