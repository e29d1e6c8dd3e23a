//! A script file beside the flow (`./name` is `name.sh`, `name.py`...) runs on the host
//! as a ScriptJob object does: uploaded to a temporary file, run, and deleted.

use crate::common::{env, err, out};
use crate::sshd::{login, run, sshd};

#[test]
fn a_script_file_beside_the_flow_runs_on_the_host() {
    let e = env();
    let key = sshd().key();
    std::fs::write(
        e.dir.join("report.sh"),
        "echo \"on $(hostname) as $(whoami) in $0 with $1\"; cat; exit 5\n",
    )
    .expect("script");
    let flow = format!(
        "{} -> [./report << 'from stdin': 'an arg'] =>> print($STATUS, $RESULT)",
        login(&format!(", __keyfile__ = '{key}'"))
    );
    let o = run(&e, &flow);
    assert!(o.status.success(), "{}", err(&o));
    let host = std::process::Command::new("hostname")
        .output()
        .expect("hostname")
        .stdout;
    let host = String::from_utf8_lossy(&host).trim().to_string();
    let said = out(&o);
    let prefix = format!("5 on {host} as root in /tmp/jfc-script-");
    assert!(said.starts_with(&prefix), "{said}");
    assert!(said.ends_with(".sh with an arg\nfrom stdin\n"), "{said}");
    let temp = said[prefix.len() - "/tmp/jfc-script-".len()..]
        .split(' ')
        .next()
        .expect("path")
        .to_string();
    assert!(!std::path::Path::new(&temp).exists(), "{temp} left behind");
}
