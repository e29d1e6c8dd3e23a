//! `--junit FILE`: the outcomes as the JUnit XML that CI systems (GitLab, Jenkins,
//! GitHub actions) show test by test.

use std::io::Write;

use quick_xml::events::{BytesCData, BytesDecl, BytesEnd, BytesStart, BytesText, Event};
use quick_xml::Writer;

use crate::outcome::Outcome;

pub fn write(out: impl Write, outcomes: &[Outcome]) -> std::io::Result<()> {
    let mut w = Writer::new_with_indent(out, b' ', 2);
    let failures = outcomes.iter().filter(|o| !o.passed()).count();
    let time: f64 = outcomes.iter().map(|o| o.wall.as_secs_f64()).sum();
    w.write_event(Event::Decl(BytesDecl::new("1.0", Some("UTF-8"), None)))?;
    let (tests, failures, time) = (
        outcomes.len().to_string(),
        failures.to_string(),
        format!("{time:.3}"),
    );
    let suite = [
        ("name", "jfc test"),
        ("tests", tests.as_str()),
        ("failures", failures.as_str()),
        ("errors", "0"),
        ("time", time.as_str()),
    ];
    w.write_event(Event::Start(BytesStart::new("testsuites")))?;
    w.write_event(Event::Start(
        BytesStart::new("testsuite").with_attributes(suite),
    ))?;
    for o in outcomes {
        case(&mut w, o)?;
    }
    w.write_event(Event::End(BytesEnd::new("testsuite")))?;
    w.write_event(Event::End(BytesEnd::new("testsuites")))?;
    w.into_inner().write_all(b"\n")
}

fn case(w: &mut Writer<impl Write>, o: &Outcome) -> std::io::Result<()> {
    let time = format!("{:.3}", o.wall.as_secs_f64());
    let attrs = [
        ("name", o.name.as_str()),
        ("classname", "jfc"),
        ("time", time.as_str()),
    ];
    w.write_event(Event::Start(
        BytesStart::new("testcase").with_attributes(attrs),
    ))?;
    if let Some(first) = o.failures.first() {
        let failure = BytesStart::new("failure").with_attributes([("message", first.as_str())]);
        w.write_event(Event::Start(failure))?;
        w.write_event(Event::Text(BytesText::new(&o.failures.join("\n"))))?;
        w.write_event(Event::End(BytesEnd::new("failure")))?;
    }
    if !o.console.is_empty() {
        w.write_event(Event::Start(BytesStart::new("system-out")))?;
        let text = o.console.join("\n").replace("]]>", "]]]]><![CDATA[>");
        w.write_event(Event::CData(BytesCData::new(text)))?;
        w.write_event(Event::End(BytesEnd::new("system-out")))?;
    }
    w.write_event(Event::End(BytesEnd::new("testcase")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use quick_xml::events::Event;
    use quick_xml::Reader;
    use std::time::Duration;

    #[test]
    fn the_report_is_well_formed_xml_with_one_case_per_test() {
        let outcomes = [
            Outcome {
                name: "a_test.jf".into(),
                wall: Duration::from_millis(12),
                ..Outcome::default()
            },
            Outcome {
                name: "b <&> \"quoted\"_test.jf".into(),
                failures: vec!["no mock answers `ls` on web1".into()],
                console: vec!["printed ]]> and <tags>".into()],
                ..Outcome::default()
            },
        ];
        let mut xml = Vec::new();
        write(&mut xml, &outcomes).unwrap();
        let mut reader = Reader::from_reader(xml.as_slice());
        let (mut cases, mut failures, mut text) = (Vec::new(), 0, String::new());
        let mut buf = Vec::new();
        loop {
            match reader.read_event_into(&mut buf).expect("well-formed") {
                Event::Start(e) if e.name().as_ref() == b"testcase" => {
                    let name = e.try_get_attribute("name").unwrap().unwrap();
                    cases.push(name.unescape_value().unwrap().into_owned());
                }
                Event::Start(e) if e.name().as_ref() == b"failure" => failures += 1,
                Event::CData(c) => text.push_str(&String::from_utf8_lossy(&c)),
                Event::Eof => break,
                _ => {}
            }
            buf.clear();
        }
        assert_eq!(cases, ["a_test.jf", "b <&> \"quoted\"_test.jf"]);
        assert_eq!(failures, 1);
        assert!(
            text.contains("printed ]]") && text.contains("<tags>"),
            "{text}"
        );
    }
}
