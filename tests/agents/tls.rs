//! A broker that takes only TLS (`amqps://`): agents and senders check its certificate
//! against the CA that `SSL_CERT_FILE` names (OpenSSL's own variable), and a certificate
//! they cannot check is refused, said before anything runs.

use std::path::Path;
use std::process::Command;

use crate::common::{env, err, out};
use crate::rabbit::Rabbit;
use crate::sshd::free_port;
use crate::{agent_args, ok, Agent};

/// A CA and a certificate for `localhost` and 127.0.0.1 signed by it, in `dir`.
fn certificates(dir: &Path) {
    let openssl = |args: &[&str]| {
        let s = Command::new("openssl")
            .args(args)
            .current_dir(dir)
            .output()
            .expect("openssl runs");
        assert!(
            s.status.success(),
            "openssl {args:?}: {}",
            String::from_utf8_lossy(&s.stderr)
        );
    };
    openssl(&[
        "req",
        "-x509",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-keyout",
        "ca.key",
        "-out",
        "ca.pem",
        "-days",
        "2",
        "-subj",
        "/CN=jfc test CA",
    ]);
    openssl(&[
        "req",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-keyout",
        "server.key",
        "-out",
        "server.csr",
        "-subj",
        "/CN=localhost",
    ]);
    std::fs::write(
        dir.join("san.ext"),
        "subjectAltName=DNS:localhost,IP:127.0.0.1\n",
    )
    .expect("ext");
    openssl(&[
        "x509",
        "-req",
        "-in",
        "server.csr",
        "-CA",
        "ca.pem",
        "-CAkey",
        "ca.key",
        "-CAcreateserial",
        "-out",
        "server.pem",
        "-days",
        "2",
        "-extfile",
        "san.ext",
    ]);
    // The broker runs as root here, but reads its key as any user would.
    for f in ["server.key", "server.pem", "ca.pem"] {
        std::fs::set_permissions(
            dir.join(f),
            std::os::unix::fs::PermissionsExt::from_mode(0o644),
        )
        .expect("mode");
    }
}

#[test]
fn agents_and_senders_reach_a_tls_broker_whose_ca_they_are_given() {
    let tls_port = free_port();
    let r = Rabbit::start_with(|dir| {
        certificates(dir);
        let d = dir.display();
        format!(
            "listeners.ssl.default = 127.0.0.1:{tls_port}\n\
             ssl_options.cacertfile = {d}/ca.pem\nssl_options.certfile = {d}/server.pem\n\
             ssl_options.keyfile = {d}/server.key\nssl_options.verify = verify_none\n\
             ssl_options.fail_if_no_peer_cert = false\n"
        )
    });
    let ca = r.dir().join("ca.pem");
    let url = format!("amqps://guest:guest@localhost:{tls_port}/%2f");
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_jfc"));
    cmd.args(agent_args(&url, "secure", "secure-1"))
        .env("SSL_CERT_FILE", &ca);
    let agent = Agent::spawn(cmd, "secure-1");
    let e = env();
    e.flow(
        "f.jf",
        "[__zone__ = 'secure'] -> ['echo $PPID'] => print($RESULT)",
    );
    let run = |with_ca: bool| {
        let mut c = e.cmd(&["run", "--broker", &url, "--agent-wait", "20", "f.jf"]);
        c.env_remove("JFC_BROKER").env_remove("SSL_CERT_FILE");
        if with_ca {
            c.env("SSL_CERT_FILE", &ca);
        }
        c.output().expect("jfc runs")
    };
    assert_eq!(ok(&run(true)).trim(), agent.pid.to_string());
    // Without the CA the broker's certificate cannot be checked: refused, nothing runs.
    let refused = run(false);
    assert_eq!(refused.status.code(), Some(1), "{}", out(&refused));
    let said = err(&refused);
    assert!(
        said.contains(&format!(
            "cannot reach the broker at amqps://guest:***@localhost:{tls_port}"
        )),
        "{said}"
    );
    assert!(said.contains("certificate"), "{said}");
}
