//! Tasks over the API (platform.md §5.1, §6.2): `GET /api/v1/tasks[?status=all|WAITING|...]`
//! and `GET /api/v1/tasks/<id>` (scope `read`); `POST /api/v1/tasks/<id>/submit` with
//! `{"result": TEXT}` (default "OK") and `POST /api/v1/tasks/<id>/cancel` (scope `run`):
//! the flow waiting on the task goes on with the text, or fails. A task already closed
//! answers 409.

use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::Json;
use jfc_store::tasks::{TaskError, TaskRecord};

use crate::{listing, ApiError, AppState};

#[derive(serde::Deserialize)]
pub(crate) struct Filter {
    /// A status, or `all`; default the open ones (WAITING, ONGOING).
    status: Option<String>,
}

pub(crate) async fn list(
    State(state): State<AppState>,
    Query(filter): Query<Filter>,
    headers: HeaderMap,
) -> Result<Json<serde_json::Value>, ApiError> {
    state
        .authorized(&headers, "read", move |s| {
            let all = s
                .tasks()
                .map_err(|e| ApiError::internal(format!("cannot read the tasks: {e}")))?;
            let status = filter.status.map(|st| st.to_ascii_uppercase());
            let picked: Vec<serde_json::Value> = all
                .iter()
                .rev()
                .filter(|t| match status.as_deref() {
                    None => t.is_open(),
                    Some("ALL") => true,
                    Some(st) => t.status == st,
                })
                .map(TaskRecord::to_json)
                .collect();
            Ok(listing(picked))
        })
        .await
}

pub(crate) async fn one(
    State(state): State<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Result<Json<serde_json::Value>, ApiError> {
    let id = task_id(&id)?;
    state
        .authorized(&headers, "read", move |s| match s.task(id) {
            Ok(Some(t)) => Ok(Json(t.to_json())),
            Ok(None) => Err(unknown(id)),
            Err(e) => Err(ApiError::internal(e.0)),
        })
        .await
}

#[derive(serde::Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub(crate) struct Submission {
    result: Option<String>,
}

pub(crate) async fn submit(
    State(state): State<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Result<Json<serde_json::Value>, ApiError> {
    let id = task_id(&id)?;
    let submission: Submission = if body.is_empty() {
        Submission::default()
    } else {
        crate::processes::json_object(&body).map_err(|e| {
            ApiError::new(
                StatusCode::BAD_REQUEST,
                "bad_body",
                format!("the body is not {{\"result\": TEXT}}: {e}"),
            )
        })?
    };
    let text = submission.result.unwrap_or_else(|| "OK".into());
    close(state, &headers, id, move |s| s.submit_task(id, &text)).await
}

pub(crate) async fn cancel(
    State(state): State<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Result<Json<serde_json::Value>, ApiError> {
    let id = task_id(&id)?;
    close(state, &headers, id, move |s| s.cancel_task(id)).await
}

/// Submit or cancel task `id` with `f` for a `run` token; the task as it is after.
async fn close(
    state: AppState,
    headers: &HeaderMap,
    id: i64,
    f: impl FnOnce(&mut jfc_store::Store) -> Result<TaskRecord, TaskError> + Send + 'static,
) -> Result<Json<serde_json::Value>, ApiError> {
    state
        .authorized(headers, "run", move |s| match f(s) {
            Ok(t) => Ok(Json(t.to_json())),
            Err(TaskError::Unknown(_)) => Err(unknown(id)),
            Err(e @ TaskError::Closed(_)) => {
                Err(
                    ApiError::new(StatusCode::CONFLICT, "task_closed", e.to_string())
                        .at(&format!("/task/id_{id}")),
                )
            }
            Err(TaskError::Store(e)) => Err(ApiError::internal(e.0)),
        })
        .await
}

fn unknown(id: i64) -> ApiError {
    ApiError::new(
        StatusCode::NOT_FOUND,
        "unknown_task",
        format!("there is no task {id}"),
    )
    .at(&format!("/task/id_{id}"))
}

/// `3` or `id_3`.
fn task_id(text: &str) -> Result<i64, ApiError> {
    crate::record_id(text).ok_or_else(|| {
        ApiError::new(
            StatusCode::NOT_FOUND,
            "unknown_task",
            format!("there is no task {text}: a task is /api/v1/tasks/<id>"),
        )
    })
}
