//! NodeInfo's `shell` and `use_shell` fill in what `__shell__` and `__use_shell__`
//! leave unset (library.md §3.19, Q19, Q20).

use crate::common::{env, err, out};
use crate::obj_set;
use crate::sshd::*;

#[test]
fn a_nodes_shell_settings_apply_unless_the_control_variables_say_otherwise() {
    let e = env();
    let s = sshd();
    let keyfile = s.keyfile_field();
    let port = format!("port={}", s.port);
    obj_set(
        &e,
        &["/ops", "--type", "AccountInfo", "user=root", &keyfile],
    );
    let node = |name: &str, extra: &[&str]| {
        let mut args = vec![
            name,
            "--type",
            "NodeInfo",
            "hostname=127.0.0.1",
            &port,
            "account=/ops",
        ];
        args.extend_from_slice(extra);
        obj_set(&e, &args);
    };
    node("/plain", &[]);
    node("/sh", &["shell=/bin/sh"]);
    node("/bare", &["shell=/bin/sh", "use_shell=false"]);
    // `$0` names the shell that ran the command: `__shell__`'s, or without one the
    // login shell's (bash, started by sshd as `bash -c`).
    e.flow(
        "f.jf",
        "[__node__ = /plain] -> ['echo $0'] -> print('plain', $RESULT)\n\
         -> [__node__ = /sh] -> ['echo $0'] -> print('sh', $RESULT)\n\
         -> [__node__ = /bare] -> ['echo $0'] -> print('bare', $RESULT)\n\
         -> [__use_shell__ = true] -> ['echo $0'] -> print('use_shell set', $RESULT)\n\
         -> [__shell__ = '/bin/bash'] -> ['echo $0'] -> print('shell set', $RESULT)",
    );
    let o = e.jfc(&["run", "f.jf"]);
    assert!(o.status.success(), "{}", err(&o));
    assert_eq!(
        out(&o),
        "plain /bin/bash\nsh /bin/sh\nbare bash\nuse_shell set /bin/sh\nshell set /bin/bash\n"
    );
}
