//! `GET /api/v1/agents`: the job managers (`jfc agent`) of every zone that this daemon
//! has heard from through its broker, with their last heartbeat and the jobs they run.

use axum::extract::State;
use axum::http::HeaderMap;
use axum::Json;

use crate::{ApiError, AppState};

pub(crate) async fn list(
    State(state): State<AppState>,
    headers: HeaderMap,
) -> Result<Json<serde_json::Value>, ApiError> {
    let zones = state.runner.zones().cloned();
    state
        .authorized(&headers, "read", move |_| {
            let (broker, agents) = match &zones {
                Some(z) => (true, z.agents()),
                None => (false, serde_json::json!([])),
            };
            let count = agents.as_array().map_or(0, Vec::len);
            Ok(Json(serde_json::json!({
                "broker": broker,
                "count": count,
                "results": agents,
            })))
        })
        .await
}
