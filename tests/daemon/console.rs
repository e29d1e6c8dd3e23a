//! A process's console as server-sent events (`GET /api/v1/processes/<pid>/console`).

use std::io::{BufRead, BufReader};

use serde_json::{json, Value};

use crate::shared;

/// The events of a stream, `(name, data)`, read until `end`.
struct Events<R> {
    lines: std::io::Lines<BufReader<R>>,
}

impl<R: std::io::Read> Events<R> {
    fn next_event(&mut self) -> (String, Value) {
        let (mut name, mut data) = (String::new(), String::new());
        for line in self.lines.by_ref() {
            let line = line.expect("a line of the stream");
            if line.is_empty() && !name.is_empty() {
                return (name, serde_json::from_str(&data).expect("JSON data"));
            }
            if let Some(n) = line.strip_prefix("event: ") {
                name = n.to_string();
            } else if let Some(d) = line.strip_prefix("data: ") {
                data.push_str(d);
            }
        }
        panic!("the stream ended before an event");
    }
}

#[test]
fn a_console_streams_as_server_sent_events_until_the_run_ends() {
    let d = shared();
    d.obj(&["/t/go", "--type", "Channel"]);
    d.flow(
        "/t/chatty",
        "print('first line') -> [ch = /t/go] -> <ch> -> print('got', $RESULT) -> print('last line')",
    );
    let pid = d.start_flow("/t/chatty", json!({}));
    d.until_waiting(pid);
    let answer = ureq::get(&format!("{}/api/v1/processes/{pid}/console", d.url))
        .header("Authorization", &format!("Bearer {}", d.admin))
        .call()
        .expect("the stream opens");
    let media = answer
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok());
    assert_eq!(media, Some("text/event-stream"));
    let mut events = Events {
        lines: BufReader::new(answer.into_body().into_reader()).lines(),
    };
    assert_eq!(
        events.next_event(),
        ("console".into(), json!({ "text": "first line\n" }))
    );
    d.send("/t/go", json!("go"));
    let mut text = String::new();
    let end = loop {
        match events.next_event() {
            (name, data) if name == "console" => text += data["text"].as_str().expect("text"),
            (name, record) if name == "end" => break record,
            other => panic!("an unexpected event: {other:?}"),
        }
    };
    assert_eq!(text, "got go\nlast line\n");
    assert_eq!(end["status"], "DONE", "{end}");
    assert_eq!(end["pid"], pid);
}

#[test]
fn the_console_of_an_unknown_process_is_a_404() {
    let d = shared();
    let (status, body) = d.call("GET", "/api/v1/processes/99999/console", None);
    assert_eq!(
        (status, body["error"]["code"].clone()),
        (404, json!("unknown_process"))
    );
}
