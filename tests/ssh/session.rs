//! Session blocks `{ session s | ... }` against the shared sshd: a shell the flow talks
//! to line by line, on a terminal or not, closed when the block ends.

use crate::common::{env, err, out};
use crate::sshd::{login, run, sshd};

#[test]
fn a_session_on_a_terminal_answers_a_password_prompt() {
    let e = env();
    let password = &sshd().password;
    let flow = format!(
        "{} -> {{ session s |
            [s.send: 'sudo -k; LANG=C sudo -p \"Password: \" whoami\\n'] ->
            <s ?? g'*Password: ' : timeout=10> -> print('asked:', $RESULT) ->
            [s.send: '{password}\\n'] ->
            <s ?? 'root' : timeout=10> -> print('sudo said', $RESULT) ->
            [s.send: 'exit\\n']
        }} -> print('block status', $STATUS)",
        super::password_login(", __use_pty__ = true")
    );
    let o = run(&e, &flow);
    assert!(o.status.success(), "{}\n{}", out(&o), err(&o));
    assert_eq!(
        out(&o),
        "asked: Password: \nsudo said root\nblock status 0\n",
        "{}",
        err(&o)
    );
    assert!(!out(&o).contains(password.as_str()) && !err(&o).contains(password.as_str()));
}

#[test]
fn a_session_reads_lines_in_order_and_its_shell_goes_with_the_block() {
    let e = env();
    let key = sshd().key();
    let flow = format!(
        "{} -> {{ session s |
            [s.send: 'echo $$$$; for i in 1 2 3; do echo line $i; done; echo oops >&2\\n'] ->
            <s : timeout=10> -> [pid = $RESULT] ->
            ['test -d /proc/$pid && echo alive || echo gone'] -> print('shell in the block', $RESULT) ->
            <s : timeout=10> -> print($RESULT) ->
            <s ?? 'oops' : timeout=10> -> print('stderr too:', $RESULT) ->
            [s.send: 'echo left; echo over\\n'] -> sleep(1)
        }} -> [ch = $RESULT] -> print('unread:', ch.data) ->
        sleep(0.5) -> ['test -d /proc/$pid && echo alive || echo gone'] -> print('shell', $RESULT)",
        login(&format!(", __keyfile__ = '{key}'"))
    );
    let o = run(&e, &flow);
    assert!(o.status.success(), "{}\n{}", out(&o), err(&o));
    assert_eq!(
        out(&o),
        "shell in the block alive\nline 1\nstderr too: oops\nunread: left\nover\n\nshell gone\n",
        "{}",
        err(&o)
    );
}

#[test]
fn a_session_that_cannot_log_in_skips_its_block() {
    let e = env();
    let flow = format!(
        "{} -> {{ session s | print('never') }} ->> print($STATUS, $ERROR)",
        login(", __keyfile__ = '/nonexistent/key', __password__ = 'wrong'")
    );
    let o = run(&e, &flow);
    assert!(o.status.success(), "{}", err(&o));
    let said = out(&o);
    assert!(said.starts_with("-1 127.0.0.1:"), "{said}");
    assert!(said.contains("login as root refused"), "{said}");
    assert!(!said.contains("never"), "{said}");
}
