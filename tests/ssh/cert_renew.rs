//! `/lib/cert/renew` end to end: a CA the test makes with openssl issues the certificate
//! on this machine, the shared sshd is the host it is deployed to, and an
//! `openssl s_server` on a loopback port is the service: the flow's `reload` is a script
//! of the test that restarts that server on the files in place, so "the endpoint serves
//! the new certificate" is read from a real TLS handshake. The ACME issuers are covered
//! by the mocks of `stdlib/cert/renew_acme_test.jf` only (no ACME server here).

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use serde_json::Value;

use crate::common::{env, Env};
use crate::obj_set;
use crate::sshd::{free_port, sshd, USER};
use crate::stdlib_flows::{nodes, run_json, self_signed, until_listening};

/// The endpoint of a test: `openssl s_server` on `port`, (re)started by `dir/serve.sh`
/// (on `dir/tls/site.pem` and `site.key`, or the files given as its arguments), its pid in
/// `dir/s_server.pid`. The server is killed when this is dropped.
struct Endpoint {
    port: u16,
    dir: PathBuf,
}

impl Endpoint {
    fn cert(&self) -> PathBuf {
        self.dir.join("tls/site.pem")
    }

    fn key(&self) -> PathBuf {
        self.dir.join("tls/site.key")
    }

    /// The reload script the flow runs: restart the server on the files in place.
    fn serve_script(&self) -> PathBuf {
        self.dir.join("serve.sh")
    }

    fn start(e: &Env) -> Endpoint {
        let dir = e.dir.clone();
        let tls = dir.join("tls");
        std::fs::create_dir_all(&tls).expect("tls dir");
        // The certificate in service before the renewal: self-signed, for www.test.
        let (key, cert) = self_signed(&tls, "www.test", 30);
        std::fs::rename(key, tls.join("site.key")).expect("site.key");
        std::fs::rename(cert, tls.join("site.pem")).expect("site.pem");
        let endpoint = Endpoint {
            port: free_port(),
            dir,
        };
        let d = endpoint.dir.display();
        let port = endpoint.port;
        // Stop the old server (and wait until it is gone, so the port is free), start
        // the new one detached from the SSH session, and wait until it listens.
        executable(
            &endpoint.serve_script(),
            &format!(
                "#!/bin/bash\n\
                 old=$(cat {d}/s_server.pid 2>/dev/null)\n\
                 if [ -n \"$old\" ]; then kill \"$old\"; while kill -0 \"$old\" 2>/dev/null; do sleep 0.05; done; fi\n\
                 setsid openssl s_server -quiet -accept 127.0.0.1:{port} -cert \"${{1:-{d}/tls/site.pem}}\" -key \"${{2:-{d}/tls/site.key}}\" < /dev/null > /dev/null 2>&1 &\n\
                 echo $! > {d}/s_server.pid\n\
                 for i in $(seq 100); do (exec 3<>/dev/tcp/127.0.0.1/{port}) 2>/dev/null && exit 0; sleep 0.1; done\n\
                 echo 's_server did not listen' >&2; exit 1\n"
            ),
        );
        let started = Command::new(endpoint.serve_script())
            .status()
            .expect("serve.sh runs");
        assert!(started.success());
        until_listening(port);
        endpoint
    }

    /// The SHA-256 fingerprint of the certificate the server hands out now.
    fn served(&self) -> String {
        fingerprint(&format!(
            "openssl s_client -connect 127.0.0.1:{} -servername www.test < /dev/null 2> /dev/null | openssl x509 -noout -fingerprint -sha256",
            self.port
        ))
    }
}

impl Drop for Endpoint {
    fn drop(&mut self) {
        let pid = std::fs::read_to_string(self.dir.join("s_server.pid")).unwrap_or_default();
        if let Ok(pid) = pid.trim().parse::<i32>() {
            let _ = Command::new("kill").arg(pid.to_string()).status();
        }
    }
}

fn executable(path: &Path, text: &str) {
    std::fs::write(path, text).expect("write");
    std::fs::set_permissions(path, std::os::unix::fs::PermissionsExt::from_mode(0o755))
        .expect("chmod");
}

/// What `sh -c line` says after `Fingerprint=`, panicking when it says nothing of the kind.
fn fingerprint(line: &str) -> String {
    let o = Command::new("sh")
        .args(["-c", line])
        .stderr(Stdio::null())
        .output()
        .expect("sh runs");
    let said = String::from_utf8_lossy(&o.stdout).trim().to_string();
    said.split_once('=')
        .map(|(_, f)| f.to_string())
        .unwrap_or_else(|| panic!("no fingerprint from `{line}`: {said}"))
}

fn file_fingerprint(path: &Path) -> String {
    fingerprint(&format!(
        "openssl x509 -noout -fingerprint -sha256 -in '{}'",
        path.display()
    ))
}

/// A CA of the test: `dir/ca.pem` and `dir/ca.key`.
fn make_ca(dir: &Path) -> (PathBuf, PathBuf) {
    let (key, cert) = (dir.join("ca.key"), dir.join("ca.pem"));
    let made = Command::new("openssl")
        .args([
            "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
        ])
        .args(["-subj", "/CN=jfc test CA", "-keyout"])
        .arg(&key)
        .arg("-out")
        .arg(&cert)
        .stderr(Stdio::null())
        .status()
        .expect("openssl runs");
    assert!(made.success());
    (cert, key)
}

/// `/lib/cert/renew` for www.test with the test's CA, `extra` parameters added; what
/// it returned, with its status and error.
fn renew(e: &Env, endpoint: &Endpoint, extra: &str) -> Value {
    let (ca, ca_key) = make_ca(&e.dir);
    let (r, _) = run_json(
        e,
        &format!(
            "[/lib/cert/renew: 'www.test', '{}', '{}', ca_cert='{}', ca_key='{}', issuer='openssl', days=7, verify='127.0.0.1:{}', approve=false{extra}]\n\
             =>> print(json_dump({{status=$STATUS, error=$ERROR, result=$RESULT}}))",
            endpoint.cert().display(),
            endpoint.key().display(),
            ca.display(),
            ca_key.display(),
            endpoint.port
        ),
    );
    r
}

fn mode(path: &Path) -> u32 {
    std::os::unix::fs::PermissionsExt::mode(&std::fs::metadata(path).expect("there").permissions())
        & 0o777
}

#[test]
fn cert_renew_deploys_through_sudo_and_the_endpoint_serves_the_new_certificate() {
    let e = env();
    nodes(&e);
    // A login that is not root: the files are installed, and the server restarted,
    // through sudo with the account's password.
    let password = format!("password={}", sshd().password);
    obj_set(
        &e,
        &[
            "/tester",
            "--type",
            "AccountInfo",
            &format!("user={USER}"),
            &password,
        ],
    );
    obj_set(
        &e,
        &[
            "/nodes/t1",
            "--type",
            "NodeInfo",
            "hostname=127.0.0.1",
            &format!("port={}", sshd().port),
            "account=/tester",
        ],
    );
    let endpoint = Endpoint::start(&e);
    let (old_cert, old_key) = (
        std::fs::read_to_string(endpoint.cert()).expect("old cert"),
        std::fs::read_to_string(endpoint.key()).expect("old key"),
    );
    let old = endpoint.served();
    let r = renew(
        &e,
        &endpoint,
        &format!(
            ", hosts=/nodes/t1, sudo=true, reload='{}'",
            endpoint.serve_script().display()
        ),
    );
    assert_eq!(r["status"], 0, "{r}");
    let result = &r["result"];
    assert_eq!(result["state"], "renewed", "{r}");
    assert_eq!(result["issuer"], "openssl");
    assert_eq!(result["deployed"], serde_json::json!(["t1"]));
    let new = result["fingerprint"]
        .as_str()
        .expect("fingerprint")
        .to_string();
    assert_ne!(new, old);
    // What is on disk, and what the endpoint hands out, is the new certificate.
    assert_eq!(file_fingerprint(&endpoint.cert()), new);
    assert_eq!(endpoint.served(), new);
    assert_eq!(
        result["served"]["127.0.0.1:".to_string() + &endpoint.port.to_string()],
        new
    );
    // Issued by the test's CA for www.test, for 7 days, with its own key.
    let checked = Command::new("openssl")
        .args(["verify", "-CAfile"])
        .arg(e.dir.join("ca.pem"))
        .args(["-verify_hostname", "www.test"])
        .arg(endpoint.cert())
        .output()
        .expect("openssl verify");
    assert!(
        checked.status.success(),
        "{}",
        String::from_utf8_lossy(&checked.stdout)
    );
    let days = Command::new("openssl")
        .args([
            "x509",
            "-noout",
            "-checkend",
            &(6 * 86400).to_string(),
            "-in",
        ])
        .arg(endpoint.cert())
        .stdout(Stdio::null())
        .status()
        .expect("openssl x509");
    assert!(days.success(), "valid for at least 6 more days");
    // Installed by root (through sudo), the key readable by root only.
    use std::os::unix::fs::MetadataExt;
    assert_eq!(std::fs::metadata(endpoint.key()).expect("key").uid(), 0);
    assert_eq!(mode(&endpoint.key()), 0o600);
    assert_eq!(mode(&endpoint.cert()), 0o644);
    // The old files are kept beside them.
    let backups: Vec<String> = result["backups"]
        .as_array()
        .expect("backups")
        .iter()
        .map(|b| {
            b.as_str()
                .expect("text")
                .trim_start_matches("t1:")
                .to_string()
        })
        .collect();
    assert_eq!(backups.len(), 2, "{r}");
    assert_eq!(
        std::fs::read_to_string(&backups[0]).expect("cert backup"),
        old_cert
    );
    assert_eq!(
        std::fs::read_to_string(&backups[1]).expect("key backup"),
        old_key
    );
}

#[test]
fn cert_renew_rolls_back_when_the_reload_serves_another_certificate() {
    let e = env();
    nodes(&e);
    let endpoint = Endpoint::start(&e);
    let old_cert = std::fs::read_to_string(endpoint.cert()).expect("old cert");
    let old = endpoint.served();
    // The first reload puts a wrong certificate in service; later ones serve the files.
    let (wrong_key, wrong_cert) = self_signed(&e.dir, "wrong", 30);
    let reload = e.dir.join("reload-wrong.sh");
    let d = e.dir.display();
    executable(
        &reload,
        &format!(
            "#!/bin/bash\n\
             if [ ! -f {d}/reloaded ]; then touch {d}/reloaded; exec {d}/serve.sh '{}' '{}'; fi\n\
             exec {d}/serve.sh\n",
            wrong_cert.display(),
            wrong_key.display()
        ),
    );
    let r = renew(
        &e,
        &endpoint,
        &format!(
            ", hosts=[/nodes/n1], sudo=false, reload='{}', verify_tries=2, verify_wait=1",
            reload.display()
        ),
    );
    assert_eq!(r["status"], 1, "{r}");
    let result = &r["result"];
    assert_eq!(result["state"], "rolled_back", "{r}");
    assert_eq!(result["rolled_back"], true);
    assert_eq!(result["deployed"], serde_json::json!([]));
    let new = result["fingerprint"].as_str().expect("fingerprint");
    let wrong = file_fingerprint(&wrong_cert);
    assert_eq!(
        r["error"],
        format!(
            "cert/renew: 127.0.0.1:{} serves the certificate {wrong}, not the new one {new}; the old files are back on n1",
            endpoint.port
        )
    );
    // The old certificate is back on disk and in service (restarted on it by the
    // second reload), the wrong one gone.
    assert_eq!(
        std::fs::read_to_string(endpoint.cert()).expect("cert"),
        old_cert
    );
    assert_eq!(endpoint.served(), old);
    assert!(e.dir.join("reloaded").exists(), "the reload ran");
}
