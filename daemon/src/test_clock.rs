//! `POST /api/v1/test/clock` (scope `admin`), only under `jfc serve --test-clock TIME`: set
//! the scheduler's clock (`{"set": "2027-01-04T08:59:30Z"}`) or move it
//! (`{"advance": SECONDS}`), so that a test sees a schedule fire without waiting.

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::Json;
use chrono::{DateTime, Utc};

use crate::{auth, ApiError, AppState};

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Move {
    set: Option<DateTime<Utc>>,
    advance: Option<f64>,
}

pub(crate) async fn set(
    State(state): State<AppState>,
    headers: HeaderMap,
    Json(to): Json<Move>,
) -> Result<Json<serde_json::Value>, ApiError> {
    let secret = auth::secret(&headers)?;
    state
        .with_store(move |s| auth::check(s, &secret, "admin").map(drop))
        .await?;
    let now = state.clock.now();
    let at = match (to.set, to.advance) {
        (Some(at), None) => at,
        (None, Some(secs)) => {
            let by = chrono::Duration::try_milliseconds((secs * 1000.0) as i64)
                .filter(|d| *d >= chrono::Duration::zero())
                .ok_or_else(|| bad(format!("advance {secs}: a clock only moves forward")))?;
            now + by
        }
        _ => {
            return Err(bad(
                "give one of `set` (a time) and `advance` (seconds)".into()
            ))
        }
    };
    if !state.clock.set(at) {
        return Err(ApiError::new(
            StatusCode::NOT_FOUND,
            "not_found",
            "the clock is the system's: start the daemon with --test-clock TIME to set it",
        ));
    }
    state.engine.wake();
    Ok(Json(serde_json::json!({ "now": at.to_rfc3339() })))
}

fn bad(message: String) -> ApiError {
    ApiError::new(StatusCode::BAD_REQUEST, "bad_clock", message)
}
