//! The processes: the latest records with their status, and one process with its
//! console.

use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use jfc_store::processes::ProcessRecord;
use jfc_store::query::Query;
use jfc_vm::value::Value;
use maud::html;

use super::as_viewer;
use super::layout::{page, when};
use crate::{ApiError, AppState};

/// How many records the list shows, newest first.
const SHOWN: i64 = 100;

/// What the pages show of a record (a record's values stay on the store's thread).
struct Shown {
    pid: i64,
    job: String,
    status: String,
    started: String,
    finished: Option<String>,
    invoker: Option<String>,
    exit_status: Option<String>,
    error: Option<String>,
    console: String,
}

impl From<ProcessRecord> for Shown {
    fn from(r: ProcessRecord) -> Shown {
        Shown {
            exit_status: text(&r.exit_status),
            error: text(&r.error),
            pid: r.pid,
            job: r.job,
            status: r.status,
            started: r.started,
            finished: r.finished,
            invoker: r.invoker,
            console: r.console,
        }
    }
}

/// A value of the record as text; None when it is null or empty.
fn text(v: &Value) -> Option<String> {
    let t = v.to_text();
    (!matches!(v, Value::Null) && !t.is_empty()).then_some(t)
}

pub(crate) async fn list(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let read = as_viewer(&state, &headers, "read", |s| {
        let newest = Query::find_processes(&[
            ("order_by".into(), Value::str("-pid")),
            ("limit".into(), Value::Int(SHOWN)),
        ])
        .and_then(|q| s.query_ids(&q))
        .and_then(|pids| {
            pids.into_iter()
                .map(|pid| s.process(pid).map(Shown::from))
                .collect()
        });
        newest.map_err(|e| ApiError::internal(format!("cannot read the processes: {e}")))
    });
    let (viewer, records): (_, Vec<Shown>) = match read.await {
        Ok(found) => found,
        Err(refused) => return refused,
    };
    let body = html! {
        @if records.is_empty() { p { "No process has run yet." } }
        table {
            @for r in &records {
                tr {
                    td { a href={ "/ui/processes/" (r.pid) } { (r.pid) } }
                    td { (r.job) }
                    td.status { (r.status) }
                    td.meta { (when(&r.started)) }
                }
            }
        }
    };
    page("Processes", Some(viewer.csrf()), body).into_response()
}

pub(crate) async fn one(
    State(state): State<AppState>,
    Path(pid): Path<i64>,
    headers: HeaderMap,
) -> Response {
    let read = as_viewer(&state, &headers, "read", move |s| {
        s.process(pid).map(Shown::from).map_err(|e| {
            ApiError::new(StatusCode::NOT_FOUND, "unknown_process", e.0)
                .at(&format!("/process/id_{pid}"))
        })
    });
    let (viewer, r) = match read.await {
        Ok(found) => found,
        Err(refused) => return refused,
    };
    let body = html! {
        section.card {
            p { "Job " b { (r.job) } }
            p {
                "Status " span.status #status { (r.status) }
                @if let Some(exit) = &r.exit_status { ", exit status " (exit) }
            }
            p.meta {
                "Started " (when(&r.started))
                @if let Some(f) = &r.finished { ", finished " (when(f)) }
                @if let Some(from) = &r.invoker { ", started by " (from) }
            }
            @if let Some(error) = &r.error { p.error { (error) } }
        }
        h2 { "Console" }
        pre #console { (r.console) }
    };
    page(&format!("Process {pid}"), Some(viewer.csrf()), body).into_response()
}
