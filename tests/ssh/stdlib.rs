//! The standard library's flows of `/lib` against the real sshd, on a NodeInfo whose
//! shell puts a directory of the test first on the PATH: there a stand-in `systemctl`
//! the test controls answers, never the machine's own services.

use std::path::Path;

use crate::common::{env, err, out, Env};
use crate::obj_set;
use crate::sshd::*;

/// `/web`: this machine over the shared sshd as root, whose commands find the files of
/// `e.dir/bin` first.
pub(crate) fn node_with_own_bin(e: &Env) {
    let s = sshd();
    let bin = e.dir.join("bin");
    std::fs::create_dir_all(&bin).expect("bin");
    let shell = e.dir.join("shell");
    executable(
        &shell,
        &format!(
            "#!/bin/sh\nPATH={}:$PATH\nexport PATH\nexec /bin/sh \"$@\"\n",
            bin.display()
        ),
    );
    obj_set(
        e,
        &[
            "/ops",
            "--type",
            "AccountInfo",
            "user=root",
            &s.keyfile_field(),
        ],
    );
    obj_set(
        e,
        &[
            "/web",
            "--type",
            "NodeInfo",
            "hostname=127.0.0.1",
            &format!("port={}", s.port),
            "account=/ops",
            &format!("shell={}", shell.display()),
        ],
    );
}

fn executable(path: &Path, text: &str) {
    std::fs::write(path, text).expect("write");
    std::fs::set_permissions(path, std::os::unix::fs::PermissionsExt::from_mode(0o755))
        .expect("chmod");
}

/// A `systemctl` that knows every unit, logs each restart, and says `active` from the
/// look after `fails` failed ones on.
pub(crate) fn fake_systemctl(e: &Env, fails: u32) {
    let d = e.dir.display();
    executable(
        &e.dir.join("bin/systemctl"),
        &format!(
            "#!/bin/sh\ncase \"$1\" in\n\
             show) echo loaded ;;\n\
             restart) echo \"restart $2\" >> {d}/restarts ;;\n\
             is-active) n=$(( $(cat {d}/looks 2>/dev/null || echo 0) + 1 )); echo $n > {d}/looks\n\
               if [ $n -gt {fails} ]; then echo active; else echo activating; exit 3; fi ;;\n\
             *) echo \"unexpected: $*\" >&2; exit 1 ;;\nesac\n"
        ),
    );
}

#[test]
fn service_restart_waits_for_the_service_to_come_back() {
    let e = env();
    node_with_own_bin(&e);
    fake_systemctl(&e, 2);
    let o = run(
        &e,
        "[/lib/service/restart: 'fakesvc', node=/web, sudo=false, approve=false, tries=4, wait=1]\n\
         -> [r = $RESULT] -> print(r.state, r.restarted, r.active, r.tries, r.escalated)",
    );
    assert!(o.status.success(), "{}{}", out(&o), err(&o));
    assert_eq!(out(&o), "recovered true true 3 false\n");
    assert_eq!(e.read("restarts"), "restart fakesvc\n");
    assert_eq!(e.read("looks"), "3\n");
}

#[test]
fn service_restart_escalates_with_a_task_when_the_service_stays_down() {
    let e = env();
    node_with_own_bin(&e);
    fake_systemctl(&e, 100);
    let o = run(
        &e,
        "[/lib/service/restart: 'fakesvc', node=/web, sudo=false, approve=false, tries=2, wait=1]\n\
         => print($STATUS, $RESULT.state, $RESULT.tries, $RESULT.escalated)",
    );
    assert!(o.status.success(), "{}{}", out(&o), err(&o));
    assert_eq!(out(&o), "1 failed 2 true\n");
    let o = e.jfc(&["task", "ls", "--json"]);
    assert!(o.status.success(), "{}", err(&o));
    let tasks: serde_json::Value = serde_json::from_str(&out(&o)).expect("JSON");
    let titles: Vec<&str> = tasks
        .as_array()
        .expect("an array")
        .iter()
        .filter_map(|t| t["title"].as_str())
        .collect();
    assert_eq!(titles, ["fakesvc is down on /web"], "{tasks}");
}

/// Under `e.dir/junk`: old and new, big and small, .log and .txt files.
pub(crate) fn junk_tree(e: &Env) -> std::path::PathBuf {
    let junk = e.dir.join("junk");
    std::fs::create_dir_all(junk.join("app")).expect("mkdir");
    let day = std::time::Duration::from_secs(86400);
    for (name, days, size) in [
        ("app/old-big.log", 40, 20_000),
        ("old-big.log", 31, 30_000),
        ("app/old-small.log", 40, 10),
        ("new-big.log", 0, 20_000),
        ("old-big.txt", 40, 20_000),
    ] {
        let p = junk.join(name);
        std::fs::write(&p, vec![b'x'; size]).expect("write");
        std::fs::File::options()
            .write(true)
            .open(&p)
            .and_then(|f| f.set_modified(std::time::SystemTime::now() - day * days))
            .expect("age the file");
    }
    junk
}

#[test]
fn disk_cleanup_deletes_old_big_logs_only() {
    let e = env();
    node_with_own_bin(&e);
    let junk = junk_tree(&e);
    let o = run(
        &e,
        &format!(
            "[/lib/disk/cleanup: '{}', pattern='*.log', days=30, min_size='10k', node=/web, approve=false]\n\
             -> [r = $RESULT] -> print(r.state, r.bytes_found, r.bytes_freed, length(r.kept))\n\
             -> {{ for f in r.deleted | print(f) }}",
            junk.display()
        ),
    );
    assert!(o.status.success(), "{}{}", out(&o), err(&o));
    let said = out(&o);
    let mut lines: Vec<&str> = said.lines().collect();
    assert_eq!(lines.remove(0), "cleaned 50000 50000 0");
    lines.sort_unstable();
    let j = junk.display();
    assert_eq!(
        lines,
        [format!("{j}/app/old-big.log"), format!("{j}/old-big.log")]
    );
    for gone in ["app/old-big.log", "old-big.log"] {
        assert!(!junk.join(gone).exists(), "{gone} is still there");
    }
    for kept in ["app/old-small.log", "new-big.log", "old-big.txt"] {
        assert!(junk.join(kept).exists(), "{kept} was deleted");
    }
}

#[test]
fn disk_cleanup_reports_every_file_it_could_not_delete() {
    let e = env();
    node_with_own_bin(&e);
    let junk = junk_tree(&e);
    executable(
        &e.dir.join("bin/rm"),
        "#!/bin/sh\necho \"rm: refused\" >&2\nexit 1\n",
    );
    let o = run(
        &e,
        &format!(
            "[/lib/disk/cleanup: '{}', pattern='*.log', days=30, min_size='10k', node=/web, approve=false]\n\
             => print($STATUS, $RESULT.state, length($RESULT.deleted), length($RESULT.kept), $RESULT.bytes_freed)",
            junk.display()
        ),
    );
    assert!(o.status.success(), "{}{}", out(&o), err(&o));
    assert_eq!(out(&o), "1 partial 0 2 0\n");
    assert!(junk.join("old-big.log").exists() && junk.join("app/old-big.log").exists());
}

/// Under `e.dir`: the new site in `build/site` and the old one in `www/site`, which
/// also holds a page the new one no longer has.
fn two_sites(e: &Env) -> (std::path::PathBuf, std::path::PathBuf) {
    let build = e.dir.join("build/site");
    let www = e.dir.join("www/site");
    for (dir, text) in [(&build, "new\n"), (&www, "old\n")] {
        std::fs::create_dir_all(dir.join("css")).expect("mkdir");
        std::fs::write(dir.join("index.html"), text).expect("write");
        std::fs::write(dir.join("css/site.css"), text).expect("write");
    }
    std::fs::write(www.join("gone.html"), "old\n").expect("write");
    (build, www)
}

#[test]
fn deploy_content_publishes_and_keeps_the_old_content_as_backup() {
    let e = env();
    node_with_own_bin(&e);
    let (build, www) = two_sites(&e);
    let stage = e.dir.join("stage");
    let o = run(
        &e,
        &format!(
            "[/lib/deploy/content: '{}', '{}', staging='{}', node=/web, approve=false,\n\
             verify='test -s {}/index.html']\n\
             -> [r = $RESULT] -> print(r.state, r.published, r.rolled_back, r.staged) -> print(r.backup)",
            build.display(),
            www.display(),
            stage.display(),
            www.display()
        ),
    );
    assert!(o.status.success(), "{}{}", out(&o), err(&o));
    let said = out(&o);
    let lines: Vec<&str> = said.lines().collect();
    assert_eq!(
        lines[0],
        format!("published true false {}/site", stage.display())
    );
    let backup = std::path::PathBuf::from(lines[1]);
    assert!(
        lines[1].starts_with(&format!("{}.backup-", www.display())),
        "{said}"
    );
    let read = |p: std::path::PathBuf| std::fs::read_to_string(&p).expect("read");
    assert_eq!(read(www.join("index.html")), "new\n");
    assert_eq!(read(www.join("css/site.css")), "new\n");
    assert!(
        !www.join("gone.html").exists(),
        "production still has the old page"
    );
    assert_eq!(read(backup.join("index.html")), "old\n");
    assert_eq!(read(backup.join("gone.html")), "old\n");
    assert!(!stage.exists(), "staging is left after a success");
}

#[test]
fn deploy_content_restores_production_when_the_verify_command_fails() {
    let e = env();
    node_with_own_bin(&e);
    let (build, www) = two_sites(&e);
    let o = run(
        &e,
        &format!(
            "[/lib/deploy/content: '{}', '{}', node=/web, approve=false,\n\
             verify='grep -q healthy {}/index.html']\n\
             => [st = $STATUS, r = $RESULT, e = $ERROR]\n\
             -> print(st, r.state, r.published, r.rolled_back) -> print(e)",
            build.display(),
            www.display(),
            www.display()
        ),
    );
    assert!(o.status.success(), "{}{}", out(&o), err(&o));
    let said = out(&o);
    let lines: Vec<&str> = said.lines().collect();
    assert_eq!(lines[0], "1 rolled_back false true", "{said}");
    assert!(
        lines[1].ends_with(&format!("{} on /web is restored", www.display())),
        "{said}"
    );
    let read = |p: std::path::PathBuf| std::fs::read_to_string(&p).expect("read");
    assert_eq!(read(www.join("index.html")), "old\n");
    assert_eq!(read(www.join("css/site.css")), "old\n");
    assert_eq!(read(www.join("gone.html")), "old\n");
}
