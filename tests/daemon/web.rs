//! The daemon's web page (/ui/) in a real headless Chromium, driven over WebDriver by
//! chromedriver on a loopback port: log in with a token, answer the task a waiting
//! flow made, and see the flow go on (or fail its wait). What a browser would not send
//! (a form without its CSRF token) is checked over plain HTTP.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::{json, Value};

use crate::common::{spawn_kept, Kept};
use crate::harness::{token, Daemon};
use crate::shared;

/// A flow that asks `title` and prints how its wait ended.
const ASK: &str = "|title|
[t = /task.add(title, 'The disk of web1 is full', action_text='Restart')] ->
<t : 600> => print('status', $STATUS, 'result', $RESULT, 'task', t.status)";

/// Where the screenshot of the task list goes (the test's artifact):
/// `test-artifacts/web-tasks.png` in cargo's target directory.
fn screenshot_path() -> std::path::PathBuf {
    let tmp = std::path::Path::new(env!("CARGO_TARGET_TMPDIR"));
    tmp.parent()
        .unwrap_or(tmp)
        .join("test-artifacts/web-tasks.png")
}

/// Start the asking flow and wait until its task is open: the pid and the task's id.
fn ask(d: &Daemon, title: &str) -> (i64, i64) {
    static MADE: std::sync::Once = std::sync::Once::new();
    MADE.call_once(|| d.flow("/t/web_ask", ASK));
    let pid = d.start_flow("/t/web_ask", json!({ "title": title }));
    d.until_waiting(pid);
    let (status, list) = d.call("GET", "/api/v1/tasks", None);
    assert_eq!(status, 200, "{list}");
    let task = list["results"]
        .as_array()
        .expect("results")
        .iter()
        .find(|t| t["title"] == title && t["process"] == pid)
        .cloned()
        .unwrap_or_else(|| panic!("no open task `{title}`: {list}"));
    (pid, task["id"].as_i64().expect("an id"))
}

fn task_status(d: &Daemon, id: i64) -> Value {
    let (status, task) = d.call("GET", &format!("/api/v1/tasks/{id}"), None);
    assert_eq!(status, 200, "{task}");
    task["status"].clone()
}

/// The URL of chromedriver, started once for this test binary on a free loopback
/// port (it gets SIGKILL when the binary ends, see `spawn_kept`).
fn webdriver() -> &'static str {
    static URL: OnceLock<String> = OnceLock::new();
    URL.get_or_init(|| {
        let driver = ["/usr/bin/chromedriver", "/usr/lib/chromium/chromedriver"]
            .into_iter()
            .find(|p| std::path::Path::new(p).exists())
            .unwrap_or_else(|| {
                panic!(
                    "chromedriver is not installed: run ./test.sh, which installs the Debian packages chromium and chromium-driver (or apt-get install chromium chromium-driver)"
                )
            });
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port")
            .port();
        let mut cmd = Command::new(driver);
        cmd.arg(format!("--port={port}"))
            .arg("--allowed-ips=127.0.0.1")
            .stdout(Stdio::null());
        let Kept { stderr, .. } = spawn_kept(cmd);
        std::thread::spawn(move || {
            BufReader::new(stderr)
                .lines()
                .map_while(Result::ok)
                .for_each(|l| eprintln!("chromedriver: {l}"))
        });
        let url = format!("http://127.0.0.1:{port}");
        let deadline = Instant::now() + Duration::from_secs(20);
        while ureq::get(&format!("{url}/status")).call().is_err() {
            assert!(Instant::now() < deadline, "chromedriver did not answer on {url}");
            std::thread::sleep(Duration::from_millis(50));
        }
        url
    })
}

/// A headless Chromium with a phone-sized window and a profile of its own.
async fn browser() -> Client {
    let mut chrome = json!({ "args": [
        // CI runs as root, where Chromium's sandbox cannot start.
        "--no-sandbox", "--headless", "--disable-gpu", "--disable-dev-shm-usage",
        "--window-size=412,915",
    ]});
    if std::path::Path::new("/usr/bin/chromium").exists() {
        chrome["binary"] = json!("/usr/bin/chromium");
    }
    let mut caps = serde_json::Map::new();
    caps.insert("goog:chromeOptions".into(), chrome);
    let connector = hyper_util::client::legacy::connect::HttpConnector::new();
    ClientBuilder::new(connector)
        .capabilities(caps)
        .connect(webdriver())
        .await
        .unwrap_or_else(|e| {
            panic!("Chromium did not start (run ./test.sh, which installs chromium): {e}")
        })
}

/// Run a browser test on a runtime of its own. The browser is closed whether the test
/// passes or panics (a Chromium left open would outlive chromedriver).
fn in_browser<F>(test: impl FnOnce(Client) -> F)
where
    F: std::future::Future<Output = ()> + Send + 'static,
{
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a runtime")
        .block_on(async {
            let c = browser().await;
            let outcome = tokio::spawn(test(c.clone())).await;
            let _ = c.close().await;
            if let Err(e) = outcome {
                std::panic::resume_unwind(e.into_panic());
            }
        });
}

/// Open the daemon's page, which asks for a token, and log in with `secret`.
async fn log_in(c: &Client, d: &Daemon, secret: &str) {
    c.goto(&format!("{}/", d.url))
        .await
        .expect("the page opens");
    let url = c.current_url().await.expect("a URL");
    assert_eq!(
        url.path(),
        "/ui/login",
        "/ without a session asks for a token"
    );
    let field = element(c, "input[name=token]").await;
    field.send_keys(secret).await.expect("typed");
    element(c, "button[type=submit]")
        .await
        .click()
        .await
        .expect("clicked");
}

/// The element `css`, waiting for it to appear (a click's page may still be loading).
async fn element(c: &Client, css: &str) -> fantoccini::elements::Element {
    c.wait()
        .at_most(Duration::from_secs(10))
        .for_element(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("no `{css}` on the page: {e}"))
}

async fn text(c: &Client, css: &str) -> String {
    element(c, css).await.text().await.expect("its text")
}

async fn path(c: &Client) -> String {
    c.current_url().await.expect("a URL").path().to_string()
}

#[test]
fn approve_in_the_browser_lets_the_waiting_flow_go_on_with_the_action_text() {
    let d = shared();
    let title = "Restart web1? <script>document.title='owned'</script>";
    let (pid, id) = ask(d, title);
    let oncall = token(&d.store, "web-oncall", &["read", "run"]);
    in_browser(|c| async move {
        log_in(&c, d, &oncall).await;
        let card = format!("#task-{id}");
        // The title shows as the text it is: the page escaped it, no script ran.
        assert_eq!(text(&c, &format!("{card} h2")).await, title);
        assert_eq!(path(&c).await, "/ui/tasks");
        assert_eq!(c.title().await.expect("a title"), "jfc — Tasks");
        assert!(text(&c, &format!("{card} .meta"))
            .await
            .contains(&format!("by process {pid}")));
        let shot = c.screenshot().await.expect("a screenshot");
        let file = screenshot_path();
        std::fs::create_dir_all(file.parent().expect("a dir")).expect("the artifact dir");
        std::fs::write(&file, shot).expect("the screenshot is saved");
        let approve = element(&c, &format!("{card} button.approve")).await;
        assert_eq!(approve.text().await.expect("its label"), "Restart");
        approve.click().await.expect("clicked");
        assert_eq!(text(&c, &format!("{card} .status")).await, "DONE");
        assert_eq!(path(&c).await, "/ui/tasks");
        let done = d.wait(pid);
        assert_eq!(done["status"], "DONE", "{done}");
        assert_eq!(done["console"], "status 0 result Restart task DONE\n");
        c.goto(&format!("{}/ui/processes/{pid}", d.url))
            .await
            .expect("the process page");
        assert_eq!(text(&c, "#status").await, "DONE");
        assert_eq!(
            text(&c, "#console").await,
            "status 0 result Restart task DONE"
        );
    });
}

#[test]
fn reject_in_the_browser_makes_the_waiting_flow_fail_its_wait() {
    let d = shared();
    let (pid, id) = ask(d, "drop the old logs?");
    let oncall = token(&d.store, "web-rejecter", &["read", "run"]);
    in_browser(|c| async move {
        log_in(&c, d, &oncall).await;
        element(&c, &format!("#task-{id} button.reject"))
            .await
            .click()
            .await
            .expect("clicked");
        assert_eq!(text(&c, &format!("#task-{id} .status")).await, "CANCELED");
        let done = d.wait(pid);
        assert_eq!(
            done["console"], "status 1 result null task CANCELED\n",
            "{done}"
        );
        // The processes and channels pages list what the store has.
        c.goto(&format!("{}/ui/processes", d.url))
            .await
            .expect("the list");
        let link = format!("a[href='/ui/processes/{pid}']");
        assert_eq!(text(&c, &link).await, pid.to_string());
        d.obj(&["/t/web_alerts", "--type", "Channel"]);
        d.send("/t/web_alerts", json!({ "alert": "disk" }));
        c.goto(&format!("{}/ui/channels", d.url))
            .await
            .expect("the channels");
        let rows = c.find_all(Locator::Css("tr")).await.expect("rows");
        let mut found = Vec::new();
        for r in rows {
            found.push(r.text().await.expect("a row"));
        }
        let row = found
            .iter()
            .map(|r| r.split_whitespace().collect::<Vec<_>>())
            .find(|cells| cells.first() == Some(&"/t/web_alerts"));
        assert_eq!(
            row,
            Some(vec!["/t/web_alerts", "1"]),
            "the channel and its queued message: {found:?}"
        );
    });
}

#[test]
fn a_wrong_token_stays_on_the_login_page_and_a_read_token_cannot_answer() {
    let d = shared();
    let (pid, id) = ask(d, "rotate the keys?");
    let reader = token(&d.store, "web-reader", &["read"]);
    in_browser(|c| async move {
        log_in(&c, d, "jfc_not_a_token").await;
        assert!(text(&c, ".error").await.contains("not known"));
        assert_eq!(path(&c).await, "/ui/login");
        let field = element(&c, "input[name=token]").await;
        field.send_keys(&reader).await.expect("typed");
        element(&c, "button[type=submit]")
            .await
            .click()
            .await
            .expect("clicked");
        let card = format!("#task-{id}");
        assert_eq!(text(&c, &format!("{card} h2")).await, "rotate the keys?");
        assert_eq!(path(&c).await, "/ui/tasks");
        let buttons = c
            .find_all(Locator::Css(&format!("{card} button")))
            .await
            .expect("a search");
        assert!(buttons.is_empty(), "a read token sees no Approve/Reject");
    });
    assert_eq!(task_status(d, id), "WAITING");
    d.call("POST", &format!("/api/v1/tasks/{id}/cancel"), None);
    d.wait(pid);
}

/// A client that shows redirects and error statuses as they are.
fn plain() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .max_redirects(0)
        .timeout_global(Some(Duration::from_secs(30)))
        .build()
        .into()
}

/// Status, the session cookie it sets (name=value), Location, and the body.
fn answer(
    r: Result<ureq::http::Response<ureq::Body>, ureq::Error>,
) -> (u16, Option<String>, String, String) {
    let mut r = r.expect("the daemon answers");
    let header = |name: &str| {
        r.headers()
            .get_all(name)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .map(str::to_string)
            .collect::<Vec<_>>()
    };
    let cookie = header("set-cookie").first().cloned();
    let location = header("location").first().cloned().unwrap_or_default();
    let body = r.body_mut().read_to_string().unwrap_or_default();
    (r.status().as_u16(), cookie, location, body)
}

/// The value of the page's first `name="csrf"` field.
fn csrf_of(page: &str) -> String {
    let at =
        page.find(r#"name="csrf" value=""#).expect("a csrf field") + r#"name="csrf" value=""#.len();
    page[at..].split('"').next().expect("its value").to_string()
}

/// Log in over plain HTTP: the logged-in session's cookie (`name=value`).
fn session(d: &Daemon, secret: &str) -> String {
    let (status, cookie, _, page) = answer(plain().get(&format!("{}/ui/login", d.url)).call());
    assert_eq!(status, 200, "{page}");
    let anonymous = cookie.expect("the login form sets a cookie");
    let anonymous = anonymous.split(';').next().expect("name=value").to_string();
    let form = format!("token={secret}&csrf={}", csrf_of(&page));
    let (status, cookie, location, body) = answer(
        plain()
            .post(&format!("{}/ui/login", d.url))
            .header("Cookie", &anonymous)
            .header("Content-Type", "application/x-www-form-urlencoded")
            .send(form.as_bytes()),
    );
    assert_eq!((status, location.as_str()), (303, "/ui/tasks"), "{body}");
    let cookie = cookie.expect("a login sets the session cookie");
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"),
        "{cookie}"
    );
    assert!(
        !cookie.contains(secret),
        "the cookie holds the token: {cookie}"
    );
    let cookie = cookie.split(';').next().expect("name=value").to_string();
    assert_ne!(cookie, anonymous, "a login gets a new session id");
    cookie
}

fn post(d: &Daemon, path: &str, cookie: Option<&str>, form: &str) -> (u16, String, String) {
    let mut r = plain()
        .post(&format!("{}{path}", d.url))
        .header("Content-Type", "application/x-www-form-urlencoded");
    if let Some(c) = cookie {
        r = r.header("Cookie", c);
    }
    let (status, _, location, body) = answer(r.send(form.as_bytes()));
    (status, location, body)
}

fn get(d: &Daemon, path: &str, cookie: &str) -> (u16, String, String) {
    let r = plain()
        .get(&format!("{}{path}", d.url))
        .header("Cookie", cookie);
    let (status, _, location, body) = answer(r.call());
    (status, location, body)
}

#[test]
fn a_form_without_its_csrf_token_is_refused_and_changes_nothing() {
    let d = shared();
    let title = "<script>alert(1)</script> & more";
    let (pid, id) = ask(d, title);
    let secret = token(&d.store, "web-csrf", &["read", "run"]);
    let cookie = session(d, &secret);
    let (status, _, page) = get(d, "/ui/tasks", &cookie);
    assert_eq!(status, 200);
    assert!(
        page.contains("&lt;script&gt;alert(1)&lt;/script&gt; &amp; more"),
        "{page}"
    );
    assert!(
        !page.contains("<script>"),
        "a title reached the page unescaped: {page}"
    );
    let csrf = csrf_of(&page);
    let approve = format!("/ui/tasks/{id}/approve");
    let (status, _, body) = post(d, &approve, Some(&cookie), "");
    assert_eq!(status, 403, "{body}");
    assert!(body.contains("CSRF token is missing or wrong"), "{body}");
    let (status, _, _) = post(
        d,
        &approve,
        Some(&cookie),
        "csrf=0123456789abcdef0123456789abcdef",
    );
    assert_eq!(status, 403);
    let other = session(d, &secret);
    let (status, _, _) = post(d, &approve, Some(&other), &format!("csrf={csrf}"));
    assert_eq!(status, 403, "another session's token");
    let (status, location, _) = post(d, &approve, None, &format!("csrf={csrf}"));
    assert_eq!(
        (status, location.as_str()),
        (303, "/ui/login"),
        "no session"
    );
    let reader = session(d, &token(&d.store, "web-csrf-reader", &["read"]));
    let (_, _, page) = get(d, "/ui/tasks", &reader);
    let form = format!("csrf={}", csrf_of(&page));
    let (status, _, body) = post(d, &approve, Some(&reader), &form);
    assert_eq!(status, 403, "a read token answered a task: {body}");
    assert!(body.contains("may read, not run"), "{body}");
    assert_eq!(
        task_status(d, id),
        "WAITING",
        "a refused form changed the task"
    );
    let (status, location, _) = post(
        d,
        &format!("/ui/tasks/{id}/reject"),
        Some(&cookie),
        &format!("csrf={csrf}"),
    );
    assert_eq!((status, location.as_str()), (303, "/ui/tasks"));
    assert_eq!(task_status(d, id), "CANCELED");
    let (status, _, body) = post(d, &approve, Some(&cookie), &format!("csrf={csrf}"));
    assert_eq!(status, 409, "a task answered twice: {body}");
    assert!(body.contains("CANCELED"), "{body}");
    d.wait(pid);
}

#[test]
fn logging_out_or_removing_the_token_ends_the_session() {
    let d = shared();
    let secret = token(&d.store, "web-leaving", &["read"]);
    let cookie = session(d, &secret);
    let (status, _, page) = get(d, "/ui/processes", &cookie);
    assert_eq!(status, 200, "{page}");
    let (status, location, _) = post(d, "/ui/logout", Some(&cookie), "");
    assert_eq!(
        (status, location.as_str()),
        (403, ""),
        "a logout needs its CSRF token too"
    );
    let (status, location, _) = post(
        d,
        "/ui/logout",
        Some(&cookie),
        &format!("csrf={}", csrf_of(&page)),
    );
    assert_eq!((status, location.as_str()), (303, "/ui/login"));
    let (status, location, _) = get(d, "/ui/tasks", &cookie);
    assert_eq!((status, location.as_str()), (303, "/ui/login"));
    let cookie = session(d, &secret);
    let (status, location, _) = get(d, "/ui/login", &cookie);
    assert_eq!(
        (status, location.as_str()),
        (303, "/ui/tasks"),
        "logged in already"
    );
    let o = d.jfc(&["token", "rm", "web-leaving"]);
    assert!(o.status.success(), "{}", crate::harness::err(&o));
    let (status, location, _) = get(d, "/ui/channels", &cookie);
    assert_eq!((status, location.as_str()), (303, "/ui/login?expired=1"));
    let (_, _, page) = get(d, "/ui/login?expired=1", &cookie);
    assert!(page.contains("no longer valid"), "{page}");
}
