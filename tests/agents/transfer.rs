//! `put`, `get`, `reboot` and session blocks of a zone go through its agent to the real
//! sshd. The files
//! of this side travel in the job and its replies, and what lands is what a direct
//! transfer writes.

use crate::common::{env, err, out};
use crate::rabbit::rabbit;
use crate::rebooting::Rebooting;
use crate::sshd::sshd;
use crate::{ok, run, Agent};

/// The zone `files` logging in to the shared sshd as root.
fn login() -> String {
    let s = sshd();
    format!(
        "__zone__ = 'files', __host__ = '127.0.0.1', __port__ = {}, __user__ = 'root', __keyfile__ = '{}'",
        s.port,
        s.key()
    )
}

#[test]
fn put_and_get_of_a_zone_carry_files_and_directories_through_the_agent() {
    let r = rabbit();
    let a = Agent::start(&r.url(), "files", "files-1");
    let e = env();
    let d = tempfile::tempdir().expect("temp dir");
    let d = d.path().display().to_string();
    std::fs::create_dir_all(format!("{d}/src/conf.d")).expect("dirs");
    for (f, text) in [("a.rpm", "A"), ("b.rpm", "B"), ("conf.d/app.ini", "x=1\n")] {
        std::fs::write(format!("{d}/src/{f}"), text).expect("file");
    }
    std::fs::write(format!("{d}/src/big.bin"), vec![7u8; 600 * 1024]).expect("big file");
    let said = ok(&run(
        &e,
        &r.url(),
        "20",
        &format!(
            "[{login}]\n\
             -> put('{d}/src/*.rpm', '{d}/remote/') -> print($RESULT)\n\
             -> put('{d}/src/conf.d', '{d}/remote/') -> print($RESULT)\n\
             -> put('{d}/src/big.bin', '{d}/remote/copy.bin') -> print($RESULT)\n\
             -> get('{d}/remote', '{d}/back') -> print(length($RESULT))\n\
             -> get('{d}/remote/nosuch', '{d}/back') =>> print($STATUS, $ERROR)\n\
             -> put('{d}/src/nosuch', '{d}/remote/') =>> print($STATUS, $ERROR)",
            login = login()
        ),
    ));
    assert_eq!(
        said,
        format!(
            "['{d}/remote/a.rpm', '{d}/remote/b.rpm']\n\
             ['{d}/remote/conf.d/app.ini']\n\
             ['{d}/remote/copy.bin']\n\
             4\n\
             1 {d}/remote/nosuch: no such file\n\
             1 {d}/src/nosuch: no such file\n"
        )
    );
    let read = |p: &str| std::fs::read(format!("{d}/{p}")).unwrap_or_default();
    assert_eq!(read("back/conf.d/app.ini"), b"x=1\n");
    assert_eq!(read("back/b.rpm"), b"B");
    assert_eq!(read("back/copy.bin"), vec![7u8; 600 * 1024]);
    let log = a.log();
    assert!(log.contains("runs `put of 2 files"), "{log}");
    assert!(log.contains(&format!("runs `get of {d}/remote`")), "{log}");
}

#[test]
fn reboot_of_a_zone_goes_through_the_agent_and_waits_for_the_host() {
    let r = rabbit();
    let a = Agent::start(&r.url(), "reboot", "reboot-1");
    let e = env();
    let host = Rebooting::start("sshd-reboot-agent", "1");
    let before = host.pid();
    let login = host.login().replacen('[', "[__zone__ = 'reboot', ", 1);
    let o = run(
        &e,
        &r.url(),
        "20",
        &format!("{login} -> reboot(wait=20) -> print($STATUS, $RESULT == null) -> ['echo back'] -> print($RESULT)"),
    );
    assert!(o.status.success(), "{}", err(&o));
    assert_eq!(out(&o), "0 true\nback\n");
    assert_ne!(host.pid(), before, "the server was started again");
    assert!(
        a.log().contains("runs `reboot of 127.0.0.1`"),
        "{}",
        a.log()
    );
}

#[test]
fn a_session_block_of_a_zone_talks_to_a_shell_the_agent_opened() {
    let r = rabbit();
    let a = Agent::start(&r.url(), "shell", "shell-1");
    let e = env();
    let login = login().replace("'files'", "'shell'");
    let flow = format!(
        "[{login}] -> {{ session s |
            [s.send: 'echo $$$$; echo one; printf \"Name: \"\\n'] ->
            <s : timeout=10> -> [pid = $RESULT] ->
            ['test -d /proc/$pid && echo alive || echo gone'] -> print('shell in the block', $RESULT) ->
            <s : timeout=10> -> print($RESULT) ->
            <s ?? 'Name: ' : timeout=10> -> print('prompt:', $RESULT) ->
            [s.send: 'read n; echo hello $n\\nops\\n'] ->
            <s ?? 'hello *' : timeout=10> -> print($RESULT)
        }} -> print('block status', $STATUS) ->
        sleep(0.5) -> ['test -d /proc/$pid && echo alive || echo gone'] -> print('shell', $RESULT)"
    );
    let said = ok(&run(&e, &r.url(), "20", &flow));
    assert_eq!(
        said,
        "shell in the block alive\none\nprompt: Name: \nhello ops\nblock status 0\nshell gone\n"
    );
    assert!(
        a.log().contains("runs `session on 127.0.0.1`"),
        "{}",
        a.log()
    );
}
