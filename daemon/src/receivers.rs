//! Ready-made receivers for monitoring tools that post their own payloads: each turns
//! one request into the messages a flow wants, and queues them as event intake does
//! (token with the send scope, durable before 202, idempotency key).
//!
//! - Any JSON webhook: `POST /api/v1/receivers/json/<channel path>?each=<key.key>` queues
//!   one message per element of the Array at that place of the body (Grafana's `alerts`,
//!   a batch's `data.items`...); without `each`, the whole body as one message.
//! - Prometheus Alertmanager (`webhook_configs`, payload version 4):
//!   `POST /api/v1/receivers/alertmanager/<channel path>` queues one message per alert:
//!   a Dictionary with the alert's `status`, `labels`, `annotations`, `startsAt`,
//!   `endsAt`, `generatorURL` and `fingerprint`, plus the notification's `receiver`,
//!   `groupKey` and `externalURL`.

use axum::body::{Body, Bytes};
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use jfc_vm::value::Value;

use crate::intake::{accept, parse_json};
use crate::{ApiError, AppState};

/// The fields of an alert a message keeps, and those of the notification it adds.
const ALERT_FIELDS: &[&str] = &[
    "status",
    "labels",
    "annotations",
    "startsAt",
    "endsAt",
    "generatorURL",
    "fingerprint",
];
const NOTIFICATION_FIELDS: &[&str] = &["receiver", "groupKey", "externalURL"];

pub(crate) async fn alertmanager(
    State(state): State<AppState>,
    Path(channel): Path<String>,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, ApiError> {
    let channel = format!("/{}", channel.trim_start_matches('/'));
    let (ids, duplicate) = accept(&state, &headers, &channel, body, alerts).await?;
    let body =
        serde_json::json!({ "channel": channel, "message_ids": ids, "duplicate": duplicate });
    Ok((StatusCode::ACCEPTED, Json(body)).into_response())
}

#[derive(serde::Deserialize)]
pub(crate) struct JsonQuery {
    each: Option<String>,
}

pub(crate) async fn json(
    State(state): State<AppState>,
    Path(channel): Path<String>,
    Query(query): Query<JsonQuery>,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, ApiError> {
    let channel = format!("/{}", channel.trim_start_matches('/'));
    let each = query.each.filter(|e| !e.is_empty());
    let split = move |bytes: &Bytes| elements(bytes, each.as_deref());
    let (ids, duplicate) = accept(&state, &headers, &channel, body, split).await?;
    let body =
        serde_json::json!({ "channel": channel, "message_ids": ids, "duplicate": duplicate });
    Ok((StatusCode::ACCEPTED, Json(body)).into_response())
}

/// The body as one message, or one message per element of the Array at `each` (keys
/// joined by dots).
fn elements(bytes: &Bytes, each: Option<&str>) -> Result<Vec<Value>, ApiError> {
    let bad = |m: String| ApiError::new(StatusCode::BAD_REQUEST, "bad_body", m);
    let payload: serde_json::Value = serde_json::from_slice(bytes)
        .map_err(|e| bad(format!("the body is not valid JSON: {e}")))?;
    let parts: Vec<serde_json::Value> = match each {
        None => vec![payload],
        Some(path) => {
            let found = path
                .split('.')
                .try_fold(&payload, |at, key| at.get(key))
                .ok_or_else(|| bad(format!("the body has nothing at `{path}` (each={path})")))?;
            found
                .as_array()
                .ok_or_else(|| {
                    bad(format!(
                        "`{path}` in the body is not an Array (each={path})"
                    ))
                })?
                .clone()
        }
    };
    parts
        .iter()
        .map(|part| parse_json(&part.to_string(), false).map_err(|e| bad(e.message.to_string())))
        .collect()
}

/// One message per alert of an Alertmanager notification.
fn alerts(bytes: &Bytes) -> Result<Vec<Value>, ApiError> {
    let bad = |m: String| ApiError::new(StatusCode::BAD_REQUEST, "bad_body", m);
    let payload: serde_json::Value = serde_json::from_slice(bytes)
        .map_err(|e| bad(format!("the body is not valid JSON: {e}")))?;
    let Some(alerts) = payload.get("alerts").and_then(|a| a.as_array()) else {
        return Err(bad(
            "not an Alertmanager notification: it has no `alerts` array".into(),
        ));
    };
    alerts
        .iter()
        .enumerate()
        .map(|(i, alert)| {
            if !alert.is_object() {
                return Err(bad(format!("alert {i} is not an object")));
            }
            let mut message = serde_json::Map::new();
            for field in ALERT_FIELDS {
                message.insert(
                    field.to_string(),
                    alert.get(field).cloned().unwrap_or_default(),
                );
            }
            for field in NOTIFICATION_FIELDS {
                message.insert(
                    field.to_string(),
                    payload.get(field).cloned().unwrap_or_default(),
                );
            }
            let text = serde_json::Value::Object(message).to_string();
            parse_json(&text, false).map_err(|e| bad(format!("alert {i}: {}", e.message)))
        })
        .collect()
}
