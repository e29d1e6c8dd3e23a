//! Quick fixes as the editor uses them: offered for what the published diagnostics say
//! (a test file's built-ins included), applied as an edit the editor sends back, and the
//! related information of a diagnostic.

use serde_json::{json, Value};

use crate::client::Client;
use crate::stable_links;

/// Open `uri` with `text` and give its first diagnostics.
fn open_at(c: &mut Client, uri: &str, text: &str) -> Value {
    c.notify(
        "textDocument/didOpen",
        json!({ "textDocument": { "uri": uri, "languageId": "jobflow", "version": 1, "text": text } }),
    );
    c.notification("textDocument/publishDiagnostics")
}

/// The quick fixes offered for `diagnostic` of `uri`.
fn actions_for(c: &mut Client, uri: &str, diagnostic: &Value) -> Vec<Value> {
    let actions = c.request(
        "textDocument/codeAction",
        json!({
            "textDocument": { "uri": uri },
            "range": diagnostic["range"],
            "context": { "diagnostics": [diagnostic] }
        }),
    );
    actions.as_array().cloned().unwrap_or_default()
}

/// Apply the edits of `action` to `uri` as the editor does, with a didChange of
/// `version`; the diagnostics published for it.
fn apply(c: &mut Client, uri: &str, action: &Value, version: i64) -> Value {
    let edits = action["edit"]["changes"][uri].as_array().cloned();
    let changes: Vec<Value> = edits
        .expect("the action edits the document")
        .iter()
        .map(|e| json!({ "range": e["range"], "text": e["newText"] }))
        .collect();
    c.notify(
        "textDocument/didChange",
        json!({ "textDocument": { "uri": uri, "version": version }, "contentChanges": changes }),
    );
    c.notification_where("textDocument/publishDiagnostics", |p| {
        p["version"] == version
    })
}

#[test]
fn a_test_file_gets_the_fixes_of_its_own_built_ins_and_the_fix_clears_it() {
    let dir = tempfile::tempdir().expect("dir");
    let file = dir.path().join("g_test.jf");
    let text = "mock_comand('uptime', stdout='up')\n-> assert_equal(1, 1)\n";
    std::fs::write(&file, text).expect("g_test.jf");
    let uri = format!("file://{}", file.display());
    let (mut c, _) = Client::start();
    let published = open_at(&mut c, &uri, text);
    let diagnostic = published["diagnostics"][0].clone();
    assert_eq!(diagnostic["code"], "E0006", "{published}");
    assert!(
        diagnostic["message"]
            .as_str()
            .is_some_and(|m| m.contains("did you mean `mock_command`?")),
        "{diagnostic}"
    );
    let actions = actions_for(&mut c, &uri, &diagnostic);
    let titles: Vec<&str> = actions.iter().filter_map(|a| a["title"].as_str()).collect();
    assert_eq!(titles, ["Write `mock_command`"], "{actions:?}");
    let fixed = apply(&mut c, &uri, &actions[0], 2);
    assert_eq!(fixed["diagnostics"], json!([]), "{fixed}");
}

#[test]
fn each_fix_offered_for_a_missing_connector_applied_leaves_no_diagnostic() {
    let (mut c, _) = Client::start();
    let uri = "file:///project/joined.jf";
    let published = open_at(&mut c, uri, "[n = 1] -> print(n)\nprint(n + 1)\n");
    let diagnostic = published["diagnostics"][0].clone();
    assert_eq!(diagnostic["code"], "E0001", "{published}");
    let actions = actions_for(&mut c, uri, &diagnostic);
    assert_eq!(actions.len(), 2, "{actions:?}");
    let fixed = apply(&mut c, uri, &actions[0], 2);
    assert_eq!(fixed["diagnostics"], json!([]), "{fixed}");
}

#[test]
fn an_unreachable_job_points_at_the_job_that_ends_the_process() {
    let (mut c, _) = Client::start();
    let uri = "file:///project/ends.jf";
    let published = open_at(&mut c, uri, "print('a')\n-> exit()\n-> print('never')\n");
    let diagnostics = stable_links(&published["diagnostics"], c.cache());
    assert_eq!(diagnostics[0]["code"], "W0003", "{diagnostics}");
    let related = &diagnostics[0]["relatedInformation"][0];
    assert_eq!(related["location"]["uri"], uri);
    assert_eq!(
        related["location"]["range"],
        json!({ "start": { "line": 1, "character": 3 }, "end": { "line": 1, "character": 9 } })
    );
    insta::assert_yaml_snapshot!(diagnostics);
}
