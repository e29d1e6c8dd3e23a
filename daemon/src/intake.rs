//! Event intake: `POST /api/v1/channels/<path>/messages` queues the body on the Channel
//! at `<path>` and answers 202 only once the message is committed and fsync'ed, so an
//! acknowledged event survives a crash. An `Idempotency-Key` header makes a retry safe:
//! the same key on the same channel queues the message once.
//!
//! The body becomes the message as a flow receives it: JSON (`application/json`) the
//! value `json_parse` gives; a form (`application/x-www-form-urlencoded`) a Dictionary of
//! Strings in order; text (`text/*`, or no content type) a String; anything else Binary.

use axum::body::{Body, Bytes};
use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use indexmap::IndexMap;
use jfc_vm::value::{Key, Value};

use crate::{auth, ApiError, AppState};

pub(crate) use jfc_vm::builtins::json::parse as parse_json;

/// Longest idempotency key taken.
const MAX_KEY: usize = 200;

pub(crate) async fn post_message(
    State(state): State<AppState>,
    Path(rest): Path<String>,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, ApiError> {
    let Some(channel) = rest.strip_suffix("/messages") else {
        return Err(ApiError::new(
            StatusCode::NOT_FOUND,
            "not_found",
            format!("no API endpoint at /api/v1/channels/{rest}: messages go to /api/v1/channels/<channel path>/messages"),
        ));
    };
    let channel = format!("/{}", channel.trim_start_matches('/'));
    let kind = content_type(&headers);
    let make = move |bytes: &Bytes| message(&kind, bytes).map(|m| vec![m]);
    let (ids, duplicate) = accept(&state, &headers, &channel, body, make).await?;
    let id = ids.first().copied().unwrap_or_default();
    let body = serde_json::json!({ "channel": channel, "message_id": id, "duplicate": duplicate });
    Ok((StatusCode::ACCEPTED, Json(body)).into_response())
}

/// What every intake endpoint does: check the token (scope send) and the idempotency
/// key, read the body (up to the limit), make the messages of it with `make`, and queue
/// them on `channel` in one durable transaction: their ids, and whether the key had
/// queued them before.
pub(crate) async fn accept(
    state: &AppState,
    headers: &HeaderMap,
    channel: &str,
    body: Body,
    make: impl FnOnce(&Bytes) -> Result<Vec<Value>, ApiError> + Send + 'static,
) -> Result<(Vec<i64>, bool), ApiError> {
    let secret = auth::secret(headers)?;
    let key = idempotency_key(headers)?;
    let bytes = axum::body::to_bytes(body, state.max_body)
        .await
        .map_err(|_| {
            ApiError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "body_too_large",
                format!("the body is larger than {} bytes", state.max_body),
            )
            .at(channel)
        })?;
    let path = channel.to_string();
    let accepted = state
        .with_store(move |s| {
            auth::check(s, &secret, "send")?;
            let messages = make(&bytes).map_err(|e| e.at(&path))?;
            let Ok(Some(target)) = s.lookup(&path) else {
                return Err(ApiError::new(
                    StatusCode::NOT_FOUND,
                    "unknown_channel",
                    format!("there is no object at {path}"),
                )
                .at(&path));
            };
            if !s.is_channel(target).unwrap_or(false) {
                return Err(ApiError::new(
                    StatusCode::NOT_FOUND,
                    "not_a_channel",
                    format!("{path} is not a Channel: events can only go to a Channel"),
                )
                .at(&path));
            }
            s.send_all_once(target, &messages, key.as_deref())
                .map_err(|e| ApiError::internal(format!("cannot queue the message on {path}: {e}")))
        })
        .await?;
    // The channel may have an action to start.
    state.engine.wake();
    Ok(accepted)
}

fn idempotency_key(headers: &HeaderMap) -> Result<Option<String>, ApiError> {
    let Some(v) = headers.get("idempotency-key") else {
        return Ok(None);
    };
    match v.to_str() {
        Ok(k) if !k.is_empty() && k.len() <= MAX_KEY => Ok(Some(k.to_string())),
        _ => Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "bad_idempotency_key",
            format!("an Idempotency-Key is 1 to {MAX_KEY} visible ASCII characters"),
        )),
    }
}

/// The media type of the body, lower case, without parameters.
fn content_type(headers: &HeaderMap) -> String {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .map(|v| v.trim().to_ascii_lowercase())
        .unwrap_or_default()
}

/// The message a body of media type `kind` makes.
fn message(kind: &str, bytes: &Bytes) -> Result<Value, ApiError> {
    let bad = |m: String| ApiError::new(StatusCode::BAD_REQUEST, "bad_body", m);
    let text =
        || std::str::from_utf8(bytes).map_err(|e| bad(format!("the body is not UTF-8 text: {e}")));
    match kind {
        "application/json" => jfc_vm::builtins::json::parse(text()?, false).map_err(|e| {
            let why = e.message.trim_start_matches("json_parse: ");
            bad(format!("the body is not valid JSON: {why}"))
        }),
        "application/x-www-form-urlencoded" => {
            let pairs: Vec<(String, String)> = serde_urlencoded::from_bytes(bytes)
                .map_err(|e| bad(format!("the body is not a valid form: {e}")))?;
            let map: IndexMap<Key, Value> = pairs
                .into_iter()
                .map(|(k, v)| (Key::str(&k), Value::str(&v)))
                .collect();
            Ok(Value::dict(map))
        }
        "" => Ok(Value::str(text()?)),
        t if t.starts_with("text/") => Ok(Value::str(text()?)),
        _ => Ok(Value::Bytes(bytes.to_vec().into())),
    }
}
