//! The mail and the tasks of `/lib` flows for real: `disk/cleanup` and `service/restart`
//! against the shared sshd send their mail to an aiosmtpd of the test (the system's SMTP
//! server given by `JFC_SMTP_SERVER`), and a person's answer to the approval task is
//! `jfc task submit` or `jfc task cancel` while the flow waits on it.

use std::path::Path;
use std::process::{Child, Output, Stdio};
use std::time::{Duration, Instant};

use crate::common::smtp::{body, mails, smtp_server, Smtp};
use crate::common::{env, err, out, Env};
use crate::stdlib::{fake_systemctl, junk_tree, node_with_own_bin};

/// A `jfc run` killed when the test ends, however it ends.
struct Running(Option<Child>);

impl Running {
    /// Its output once it has ended (at most 20 s from now).
    fn finish(mut self) -> Output {
        let mut child = self.0.take().expect("running");
        let start = Instant::now();
        while child.try_wait().expect("its state").is_none() {
            if start.elapsed() > Duration::from_secs(20) {
                let _ = child.kill();
                break;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        child.wait_with_output().expect("jfc run ends")
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        if let Some(mut c) = self.0.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

/// `flow` run by `jfc run` in the background, its mail going to the SMTP server on `port`.
fn start(e: &Env, flow: &str, port: u16) -> Running {
    e.flow("f.jf", flow);
    let child = e
        .cmd(&["run", "f.jf"])
        .env("JFC_SMTP_SERVER", format!("127.0.0.1:{port}"))
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("jfc run starts");
    Running(Some(child))
}

/// The open tasks of `e`'s store.
fn open_tasks(e: &Env) -> Vec<serde_json::Value> {
    let o = e.jfc(&["task", "ls", "--json"]);
    assert!(o.status.success(), "{}", err(&o));
    match serde_json::from_str(&out(&o)).expect("JSON") {
        serde_json::Value::Array(a) => a,
        other => panic!("not an array: {other}"),
    }
}

/// The one task `run` opens, once it is there (or the run's output when it ends first).
fn its_task(e: &Env, run: &mut Running) -> serde_json::Value {
    let start = Instant::now();
    loop {
        let tasks = open_tasks(e);
        if let [t] = tasks.as_slice() {
            return t.clone();
        }
        assert!(tasks.is_empty(), "more than one task: {tasks:?}");
        let child = run.0.as_mut().expect("running");
        if child.try_wait().expect("its state").is_some() {
            let o = run
                .0
                .take()
                .expect("ended")
                .wait_with_output()
                .expect("output");
            panic!("ended without a task: {}{}", out(&o), err(&o));
        }
        assert!(
            start.elapsed() < Duration::from_secs(15),
            "no task after 15 s"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// `disk/cleanup` of the old big logs of `junk` on /web, asking first, the list mailed
/// to ops@example.com; it prints state, approved, bytes freed, then each deleted file.
fn cleanup_asking(e: &Env, junk: &Path, port: u16) -> Running {
    start(
        e,
        &format!(
            "[/lib/disk/cleanup: '{}', pattern='*.log', days=30, min_size='10k', node=/web,\n\
             owner=['ops@example.com'], approve=true, approval_timeout=60]\n\
             -> [r = $RESULT] -> print(r.state, r.approved, r.bytes_freed)\n\
             -> {{ for f in r.deleted | print(f) }}",
            junk.display()
        ),
        port,
    )
}

const OLD_BIG: [&str; 2] = ["app/old-big.log", "old-big.log"];
const LEFT_ALONE: [&str; 3] = ["app/old-small.log", "new-big.log", "old-big.txt"];

/// The mail and the task of a cleanup that waits for its approval, with nothing deleted
/// yet; the task's id.
fn the_list_is_mailed_and_asked_about(
    e: &Env,
    run: &mut Running,
    junk: &Path,
    maildir: &Path,
) -> String {
    let task = its_task(e, run);
    assert_eq!(
        task["title"], "Delete 2 files, 50000 bytes, on /web?",
        "{task}"
    );
    let got = mails(maildir);
    assert_eq!(got.len(), 1, "{got:?}");
    let mail = &got[0];
    for want in [
        "To: ops@example.com",
        "Subject: disk/cleanup: 2 files, 50000 bytes, on /web to delete",
        "X-RcptTo: ops@example.com",
    ] {
        assert!(mail.contains(want), "{want:?} not in\n{mail}");
    }
    let text = body(mail);
    assert!(
        text.contains("will be deleted once the task is approved"),
        "{text}"
    );
    let listed: Vec<&str> = text.lines().filter(|l| l.starts_with('/')).collect();
    let mut want: Vec<String> = OLD_BIG
        .iter()
        .map(|f| junk.join(f).display().to_string())
        .collect();
    want.sort_unstable();
    let mut listed: Vec<String> = listed.into_iter().map(String::from).collect();
    listed.sort_unstable();
    assert_eq!(listed, want, "the mailed list:\n{text}");
    let mut asked: Vec<&str> = task["message"]
        .as_str()
        .unwrap_or_default()
        .lines()
        .collect();
    asked.sort_unstable();
    assert_eq!(asked, want, "the task lists the same files: {task}");
    for f in OLD_BIG.iter().chain(&LEFT_ALONE) {
        assert!(junk.join(f).exists(), "{f} is gone before the approval");
    }
    task["id"].to_string()
}

#[test]
fn disk_cleanup_mails_the_list_and_deletes_once_the_task_is_submitted() {
    let e = env();
    node_with_own_bin(&e);
    let junk = junk_tree(&e);
    let maildir = e.dir.join("maildir");
    let (_smtp, port): (Smtp, u16) = smtp_server(&maildir);
    let mut run = cleanup_asking(&e, &junk, port);
    let id = the_list_is_mailed_and_asked_about(&e, &mut run, &junk, &maildir);
    let o = e.jfc(&["task", "submit", &id]);
    assert!(o.status.success(), "{}", err(&o));
    let o = run.finish();
    assert!(o.status.success(), "{}{}", out(&o), err(&o));
    let said = out(&o);
    let mut lines: Vec<&str> = said.lines().collect();
    assert_eq!(lines.remove(0), "cleaned true 50000", "{said}");
    lines.sort_unstable();
    let j = junk.display();
    assert_eq!(lines, OLD_BIG.map(|f| format!("{j}/{f}")), "{said}");
    for gone in OLD_BIG {
        assert!(!junk.join(gone).exists(), "{gone} is still there");
    }
    for kept in LEFT_ALONE {
        assert!(junk.join(kept).exists(), "{kept} was deleted");
    }
    assert_eq!(mails(&maildir).len(), 1, "one mail: the list");
}

#[test]
fn disk_cleanup_deletes_nothing_when_the_task_is_canceled() {
    let e = env();
    node_with_own_bin(&e);
    let junk = junk_tree(&e);
    let maildir = e.dir.join("maildir");
    let (_smtp, port) = smtp_server(&maildir);
    let mut run = cleanup_asking(&e, &junk, port);
    let id = the_list_is_mailed_and_asked_about(&e, &mut run, &junk, &maildir);
    let o = e.jfc(&["task", "cancel", &id]);
    assert!(o.status.success(), "{}", err(&o));
    let o = run.finish();
    assert!(o.status.success(), "{}{}", out(&o), err(&o));
    assert_eq!(out(&o), "refused false 0\n");
    for f in OLD_BIG.iter().chain(&LEFT_ALONE) {
        assert!(junk.join(f).exists(), "{f} was deleted");
    }
}

#[test]
fn service_restart_escalates_by_mail_and_task_when_the_service_stays_down() {
    let e = env();
    node_with_own_bin(&e);
    fake_systemctl(&e, 100);
    let maildir = e.dir.join("maildir");
    let (_smtp, port) = smtp_server(&maildir);
    let o = start(
        &e,
        "[/lib/service/restart: 'fakesvc', node=/web, sudo=false, approve=false, tries=2, wait=1,\n\
         mail_to=['oncall@example.com'], escalate_task=true]\n\
         => print($STATUS, $RESULT.state, $RESULT.escalated)",
        port,
    )
    .finish();
    assert!(o.status.success(), "{}{}", out(&o), err(&o));
    assert_eq!(out(&o), "1 failed true\n");
    let got = mails(&maildir);
    assert_eq!(got.len(), 1, "{got:?}");
    let mail = &got[0];
    for want in [
        "To: oncall@example.com",
        "Subject: service/restart: fakesvc is down on /web",
        "X-RcptTo: oncall@example.com",
    ] {
        assert!(mail.contains(want), "{want:?} not in\n{mail}");
    }
    let text = body(mail);
    assert!(
        text.starts_with("fakesvc on /web did not recover after 2 looks 1 s apart"),
        "{text}"
    );
    let tasks = open_tasks(&e);
    let [task] = tasks.as_slice() else {
        panic!("not one task: {tasks:?}")
    };
    assert_eq!(task["title"], "fakesvc is down on /web", "{task}");
    assert_eq!(task["message"].as_str(), Some(text.trim_end()), "{task}");
    assert_eq!(task["status"], "WAITING", "{task}");
}
