//! The tasks: the open ones with Approve (submits the task's `action_text`, or "OK"
//! when it has none) and Reject (cancels it: the waiting flow's wait fails); the
//! closed ones below with their result.

use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use jfc_store::tasks::{TaskError, TaskRecord};
use maud::{html, Markup};

use super::layout::{page, when};
use super::{as_viewer, check_form, form_fields, Viewer};
use crate::{ApiError, AppState};

/// How many closed tasks the page lists, newest first.
const CLOSED_SHOWN: usize = 50;

pub(crate) async fn list(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let read = as_viewer(&state, &headers, "read", |s| {
        s.tasks()
            .map_err(|e| ApiError::internal(format!("cannot read the tasks: {e}")))
    });
    let (viewer, mut all) = match read.await {
        Ok(found) => found,
        Err(refused) => return refused,
    };
    all.reverse();
    let (open, closed): (Vec<_>, Vec<_>) = all.into_iter().partition(TaskRecord::is_open);
    let body = html! {
        @if open.is_empty() { p { "No task waits for an answer." } }
        @for t in &open { (open_task(t, &viewer)) }
        @if !viewer.may("run") && !open.is_empty() {
            p.meta { "Your token may read only: answering a task needs the run scope." }
        }
        h2 { "Closed" }
        @if closed.is_empty() { p.meta { "None yet." } }
        @for t in closed.iter().take(CLOSED_SHOWN) { (closed_task(t)) }
    };
    page("Tasks", Some(viewer.csrf()), body).into_response()
}

fn open_task(t: &TaskRecord, viewer: &Viewer) -> Markup {
    let approve = if t.action_text.is_empty() {
        "Approve"
    } else {
        t.action_text.as_str()
    };
    html! {
        section.card.task id={ "task-" (t.id) } {
            h2 { (t.title) }
            @if !t.message.is_empty() { p.message { (t.message) } }
            p.meta {
                "Task " (t.id) ", asked "
                @if let Some(pid) = t.process {
                    "by process " a href={ "/ui/processes/" (pid) } { (pid) } " "
                }
                "at " (when(&t.created))
            }
            @if viewer.may("run") {
                div.actions {
                    form method="post" action={ "/ui/tasks/" (t.id) "/approve" } {
                        input type="hidden" name="csrf" value=(viewer.csrf());
                        button.approve type="submit" name="approve" { (approve) }
                    }
                    form method="post" action={ "/ui/tasks/" (t.id) "/reject" } {
                        input type="hidden" name="csrf" value=(viewer.csrf());
                        button.reject type="submit" name="reject" { "Reject" }
                    }
                }
            }
        }
    }
}

fn closed_task(t: &TaskRecord) -> Markup {
    html! {
        section.card.closed id={ "task-" (t.id) } {
            h2 { (t.title) }
            p.meta {
                span.status { (t.status) }
                @if let Some(result) = &t.result { ": " (result) }
                @if let Some(closed) = &t.closed { " at " (when(closed)) }
            }
        }
    }
}

pub(crate) async fn approve(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Response {
    answer(state, id, headers, body, |s, id| {
        let task = s.task(id).map_err(TaskError::Store)?;
        let text = match task {
            Some(t) if !t.action_text.is_empty() => t.action_text,
            _ => "OK".to_string(),
        };
        s.submit_task(id, &text)
    })
    .await
}

pub(crate) async fn reject(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Response {
    answer(state, id, headers, body, |s, id| s.cancel_task(id)).await
}

/// Close task `id` with `close` for a form of the session whose token allows `run`;
/// back to the task list.
async fn answer(
    state: AppState,
    id: i64,
    headers: HeaderMap,
    body: axum::body::Bytes,
    close: impl FnOnce(&mut jfc_store::Store, i64) -> Result<TaskRecord, TaskError> + Send + 'static,
) -> Response {
    if let Err(refused) = check_form(&state, &headers, &form_fields(&body)) {
        return refused.into_response();
    }
    let closed = as_viewer(&state, &headers, "run", move |s| {
        close(s, id).map_err(|e| match e {
            TaskError::Unknown(_) => ApiError::new(
                StatusCode::NOT_FOUND,
                "unknown_task",
                format!("there is no task {id}"),
            ),
            e @ TaskError::Closed(_) => {
                ApiError::new(StatusCode::CONFLICT, "task_closed", e.to_string())
            }
            TaskError::Store(e) => ApiError::internal(e.0),
        })
    });
    match closed.await {
        Ok(_) => Redirect::to("/ui/tasks").into_response(),
        Err(refused) => refused,
    }
}
