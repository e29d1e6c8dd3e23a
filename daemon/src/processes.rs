//! Process records over the API (platform.md §2.2, §6.2), read-only (scope `read`):
//! `GET /api/v1/processes[?status=RUNNING&job=/flows/x&limit=N]`, newest first, and
//! `GET /api/v1/processes/<pid>` with its console.

use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::Json;

use crate::{auth, ApiError, AppState};

/// Records listed at most, by default.
const DEFAULT_LIMIT: usize = 100;

#[derive(serde::Deserialize)]
pub(crate) struct Filter {
    status: Option<String>,
    job: Option<String>,
    limit: Option<usize>,
}

pub(crate) async fn list(
    State(state): State<AppState>,
    Query(filter): Query<Filter>,
    headers: HeaderMap,
) -> Result<Json<serde_json::Value>, ApiError> {
    let secret = auth::secret(&headers)?;
    state
        .with_store(move |s| {
            auth::check(s, &secret, "read")?;
            let all = s
                .processes()
                .map_err(|e| ApiError::internal(format!("cannot read the processes: {e}")))?;
            let status = filter.status.map(|st| st.to_ascii_uppercase());
            let picked: Vec<serde_json::Value> = all
                .iter()
                .rev()
                .filter(|p| status.as_ref().is_none_or(|st| &p.status == st))
                .filter(|p| filter.job.as_ref().is_none_or(|j| &p.job == j))
                .take(filter.limit.unwrap_or(DEFAULT_LIMIT))
                .map(|p| {
                    let mut row = p.to_json();
                    // A list leaves consoles out: ask for the process for its console.
                    row.as_object_mut().map(|o| o.remove("console"));
                    row
                })
                .collect();
            Ok(Json(
                serde_json::json!({ "count": picked.len(), "results": picked }),
            ))
        })
        .await
}

pub(crate) async fn one(
    State(state): State<AppState>,
    Path(pid): Path<String>,
    headers: HeaderMap,
) -> Result<Json<serde_json::Value>, ApiError> {
    let secret = auth::secret(&headers)?;
    let not_found = move |what: &str| {
        ApiError::new(
            StatusCode::NOT_FOUND,
            "unknown_process",
            format!("there is no process {what}"),
        )
    };
    let Ok(number) = pid_number(&pid) else {
        return Err(not_found(&pid));
    };
    state
        .with_store(move |s| {
            auth::check(s, &secret, "read")?;
            let record = s
                .process(number)
                .map_err(|_| not_found(&number.to_string()).at(&format!("/process/id_{number}")))?;
            Ok(Json(record.to_json()))
        })
        .await
}

/// `12` or `id_12`.
fn pid_number(text: &str) -> Result<i64, std::num::ParseIntError> {
    text.trim_start_matches("id_").parse()
}
