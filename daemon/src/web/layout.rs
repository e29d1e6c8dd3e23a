//! The frame of every page: a phone-sized layout with large buttons, the navigation,
//! and the error page. maud escapes every value inserted with `(...)`.

use axum::response::{IntoResponse, Response};
use maud::{html, Markup, PreEscaped, DOCTYPE};

use crate::ApiError;

/// Small, readable on a phone; buttons a thumb can hit.
const CSS: &str = "
body{font-family:system-ui,sans-serif;margin:0;background:#f4f5f7;color:#1d2430;font-size:17px}
nav{display:flex;flex-wrap:wrap;gap:.3em;align-items:center;background:#1d2430;padding:.5em}
nav a{color:#fff;text-decoration:none;padding:.5em .55em}
nav form{margin-left:auto}
main{max-width:48em;margin:0 auto;padding:.8em}
h1{font-size:1.4em}
.card{background:#fff;border-radius:8px;padding:.8em 1em;margin:.8em 0;box-shadow:0 1px 3px #0002}
.card h2{font-size:1.15em;margin:.2em 0;overflow-wrap:anywhere}
.meta{color:#5a6372;font-size:.9em}
.message{white-space:pre-wrap;overflow-wrap:anywhere}
.actions{display:flex;gap:.6em;flex-wrap:wrap;margin-top:.6em}
.actions form{flex:1}
button{font-size:1.05em;padding:.8em 1.2em;border:0;border-radius:6px;width:100%;cursor:pointer}
.approve{background:#1f7a3a;color:#fff}
.reject{background:#b3261e;color:#fff}
nav button{background:#3a4558;color:#fff;padding:.5em .8em;width:auto}
input{font-size:1.05em;padding:.7em;width:100%;box-sizing:border-box;margin:.4em 0 .8em}
.error{background:#fde8e7;color:#8c1d18;padding:.7em;border-radius:6px;overflow-wrap:anywhere}
pre{background:#10141b;color:#e8eaed;padding:.8em;border-radius:6px;overflow-x:auto;white-space:pre-wrap;overflow-wrap:anywhere}
table{width:100%;border-collapse:collapse;background:#fff}
td,th{text-align:left;padding:.5em;border-bottom:1px solid #e1e4e8}
td a{display:block;padding:.3em 0}
.status{font-weight:600}
";

/// A page titled `title`; the navigation (with the logout form) when `csrf` is given.
pub(super) fn page(title: &str, csrf: Option<&str>, body: Markup) -> Markup {
    html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { "jfc — " (title) }
                style { (PreEscaped(CSS)) }
            }
            body {
                @if let Some(csrf) = csrf {
                    nav {
                        a href="/ui/tasks" { "Tasks" }
                        a href="/ui/processes" { "Processes" }
                        a href="/ui/channels" { "Channels" }
                        form method="post" action="/ui/logout" {
                            input type="hidden" name="csrf" value=(csrf);
                            button type="submit" { "Log out" }
                        }
                    }
                }
                main {
                    h1 { (title) }
                    (body)
                }
            }
        }
    }
}

/// A time of the store (`2026-12-04T17:42:59.574240Z`) as a person reads it:
/// `2026-12-04 17:42:59 UTC`.
pub(super) fn when(stamp: &str) -> String {
    match chrono::DateTime::parse_from_rfc3339(stamp) {
        Ok(t) => t.format("%Y-%m-%d %H:%M:%S UTC").to_string(),
        Err(_) => stamp.to_string(),
    }
}

/// An error as a page, with its HTTP status.
pub(super) fn error_page(e: &ApiError) -> Response {
    if e.status.is_server_error() {
        tracing::error!("{}", e.message);
    }
    let body = html! {
        p.error { (e.message) }
        p { a href="/ui/tasks" { "Back to the tasks" } }
    };
    let title = e.status.canonical_reason().unwrap_or("Error");
    (e.status, page(title, None, body)).into_response()
}
