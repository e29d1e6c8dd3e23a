//! Schedules over the API (platform.md §4.1, §6.2): `GET /api/v1/schedules` and `GET
//! /api/v1/schedules/<id>` (scope `read`), each with its next firing time in the
//! daemon's zone; `POST /api/v1/schedules` records one, `PATCH .../<id>` with
//! `{"disabled": bool}` disables or enables it, `DELETE .../<id>` removes it (scope
//! `run`: a schedule starts flows). The same checks as `jfc schedule add`.

use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use jfc_store::cron::Schedule;
use jfc_store::schedules::{ScheduleRecord, MISSED_POLICIES};

use crate::processes::json_object;
use crate::scheduler::Zone;
use crate::{listing, ApiError, AppState};

/// A schedule as the API gives it, its next firing time in `zone`.
fn json(s: &ScheduleRecord, zone: Zone) -> serde_json::Value {
    let next = match zone {
        Zone::Local => s.next_after(&chrono::Local::now()).map(|t| t.to_rfc3339()),
        Zone::Named(tz) => s
            .next_after(&chrono::Utc::now().with_timezone(&tz))
            .map(|t| t.to_rfc3339()),
    };
    s.to_json(next)
}

pub(crate) async fn list(
    State(state): State<AppState>,
    headers: HeaderMap,
) -> Result<Json<serde_json::Value>, ApiError> {
    let zone = state.zone;
    state
        .authorized(&headers, "read", move |s| {
            let all = s
                .schedules()
                .map_err(|e| ApiError::internal(format!("cannot read the schedules: {e}")))?;
            Ok(listing(all.iter().map(|r| json(r, zone)).collect()))
        })
        .await
}

pub(crate) async fn one(
    State(state): State<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Result<Json<serde_json::Value>, ApiError> {
    let id = schedule_id(&id)?;
    let zone = state.zone;
    state
        .authorized(&headers, "read", move |s| {
            Ok(Json(json(&find(s, id)?, zone)))
        })
        .await
}

/// The body of `POST /api/v1/schedules`.
#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct NewSchedule {
    name: String,
    job: String,
    #[serde(default)]
    parameters: Vec<String>,
    #[serde(default)]
    description: String,
    user: Option<String>,
    year: Option<String>,
    month: Option<String>,
    day: Option<String>,
    week: Option<String>,
    day_of_week: Option<String>,
    hour: Option<String>,
    minute: Option<String>,
    #[serde(default)]
    disabled: bool,
    missed: Option<String>,
}

pub(crate) async fn create(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Result<Response, ApiError> {
    let new: NewSchedule = json_object(&body)
        .map_err(|e| bad("bad_body", format!("the body is not a schedule: {e}")))?;
    let fields = [
        new.year,
        new.month,
        new.day,
        new.week,
        new.day_of_week,
        new.hour,
        new.minute,
    ];
    Schedule::parse(fields.each_ref().map(|f| f.as_deref()))
        .map_err(|e| bad("invalid_field", e))?;
    let missed = new.missed.unwrap_or_else(|| "skip".into());
    if !MISSED_POLICIES.contains(&missed.as_str()) {
        return Err(bad(
            "invalid_field",
            format!(
                "missed `{missed}`: it is one of {}",
                MISSED_POLICIES.join(", ")
            ),
        ));
    }
    let record = ScheduleRecord {
        id: 0,
        name: new.name,
        description: new.description,
        user: new.user.unwrap_or_else(|| "root".into()),
        job: new.job,
        parameters: new.parameters,
        fields,
        disabled: new.disabled,
        created: String::new(),
        missed,
    };
    let zone = state.zone;
    let made = state
        .authorized(&headers, "run", move |s| {
            let id = s
                .add_schedule(&record)
                .map_err(|e| bad("invalid_schedule", e.0))?;
            Ok(json(&find(s, id)?, zone))
        })
        .await?;
    let place = format!("/api/v1/schedules/{}", made["id"]);
    Ok((StatusCode::CREATED, [(header::LOCATION, place)], Json(made)).into_response())
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Change {
    disabled: bool,
}

pub(crate) async fn update(
    State(state): State<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Result<Json<serde_json::Value>, ApiError> {
    let id = schedule_id(&id)?;
    let change: Change = json_object(&body).map_err(|e| {
        bad(
            "bad_body",
            format!("the body is not {{\"disabled\": BOOL}}: {e}"),
        )
    })?;
    let zone = state.zone;
    let updated = state
        .authorized(&headers, "run", move |s| {
            find(s, id)?;
            s.set_schedule_disabled(id, change.disabled)
                .map_err(|e| ApiError::internal(e.0))?;
            Ok(json(&find(s, id)?, zone))
        })
        .await?;
    // A schedule enabled now may be due at once.
    state.engine.wake();
    Ok(Json(updated))
}

pub(crate) async fn delete(
    State(state): State<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Result<StatusCode, ApiError> {
    let id = schedule_id(&id)?;
    state
        .authorized(&headers, "run", move |s| {
            find(s, id)?;
            s.remove_schedule(id).map_err(|e| ApiError::internal(e.0))?;
            Ok(StatusCode::NO_CONTENT)
        })
        .await
}

fn find(s: &jfc_store::Store, id: i64) -> Result<ScheduleRecord, ApiError> {
    s.find_schedule(&id.to_string())
        .map_err(|_| unknown(&id.to_string()))
}

fn bad(code: &'static str, message: String) -> ApiError {
    ApiError::new(StatusCode::BAD_REQUEST, code, message)
}

fn unknown(id: &str) -> ApiError {
    ApiError::new(
        StatusCode::NOT_FOUND,
        "unknown_schedule",
        format!("there is no schedule {id}: a schedule is /api/v1/schedules/<id>"),
    )
    .at(&format!("/scheduler/id_{id}"))
}

/// `3` or `id_3`.
fn schedule_id(text: &str) -> Result<i64, ApiError> {
    crate::record_id(text).ok_or_else(|| unknown(text))
}
