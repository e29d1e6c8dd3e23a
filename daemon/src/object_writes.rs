//! Writing objects over the API (scope `admin`): `POST /api/v1/objects/<container>`
//! creates a child, `PUT` replaces and `PATCH` updates an object's fields, display name
//! and description, `DELETE` removes it. Every write goes through the store functions
//! `jfc obj set` and `jfc obj rm` use (`Store::create_child`, `Store::assign`,
//! `Store::delete`), in one transaction: a refused write changes nothing.
//!
//! Password fields are write-only: they read back masked, and the mask written back (a
//! GET answer edited and sent again) keeps the stored secret.

use axum::body::Body;
use axum::extract::{Path, RawQuery, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use jfc_store::edit::CreateError;
use jfc_store::jobflow::Compiled;
use jfc_store::{ObjectId, Store, StoreError};
use jfc_vm::value::Value;
use serde_json::{Map, Value as JsonValue};

use crate::objects::{answer, failed, find, object_path};
use crate::{auth, ApiError, AppState};

/// The scope every write needs.
const SCOPE: &str = "admin";

/// Members of a GET answer that cannot be written: a GET answer sent back may keep them.
/// `name`, `type` and `owner` must then be unchanged; the others are ignored.
const READ_ONLY: &[&str] = &["id", "abspath", "created", "updated", "children"];
const FIXED: &[&str] = &["name", "type", "owner"];

/// What a write does to the fields not named: PUT clears them, PATCH keeps them.
#[derive(Clone, Copy, PartialEq)]
enum Mode {
    Create,
    Replace,
    Update,
}

fn bad(message: impl Into<String>) -> ApiError {
    ApiError::new(StatusCode::BAD_REQUEST, "bad_body", message)
}

pub(crate) async fn create(
    State(state): State<AppState>,
    path: Option<Path<String>>,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, ApiError> {
    let parent = object_path(path);
    let (secret, body) = request(&state, &headers, body, &parent).await?;
    let (object, compiled) = state
        .with_store(move |s| {
            auth::check(s, &secret, SCOPE)?;
            let members = members(body?, &parent)?;
            in_transaction(s, |s| {
                let parent_id = find(s, &parent)?;
                let name = text_member(&members, "name")?
                    .ok_or_else(|| bad("the body needs a `name`").field("name"))?;
                let type_name = text_member(&members, "type_object")?;
                let id = s
                    .create_child(parent_id, &name, type_name.as_deref(), "root")
                    .map_err(|e| refused(e, &parent))?;
                let compiled = apply(s, id, &members, Mode::Create)?;
                Ok((answer(s, id)?, compiled))
            })
            .map_err(|e| about(e, &parent))
        })
        .await?;
    let location = location(object["abspath"].as_str().unwrap_or_default());
    let mut response = (StatusCode::CREATED, Json(with_errors(object, compiled))).into_response();
    response.headers_mut().insert(header::LOCATION, location);
    Ok(response)
}

pub(crate) async fn replace(
    state: State<AppState>,
    path: Option<Path<String>>,
    headers: HeaderMap,
    body: Body,
) -> Result<Json<JsonValue>, ApiError> {
    change(state, path, headers, body, Mode::Replace).await
}

pub(crate) async fn update(
    state: State<AppState>,
    path: Option<Path<String>>,
    headers: HeaderMap,
    body: Body,
) -> Result<Json<JsonValue>, ApiError> {
    change(state, path, headers, body, Mode::Update).await
}

async fn change(
    State(state): State<AppState>,
    path: Option<Path<String>>,
    headers: HeaderMap,
    body: Body,
    mode: Mode,
) -> Result<Json<JsonValue>, ApiError> {
    let path = object_path(path);
    let (secret, body) = request(&state, &headers, body, &path).await?;
    state
        .with_store(move |s| {
            auth::check(s, &secret, SCOPE)?;
            let members = members(body?, &path)?;
            in_transaction(s, |s| {
                let id = find(s, &path)?;
                let compiled = apply(s, id, &members, mode)?;
                Ok(Json(with_errors(answer(s, id)?, compiled)))
            })
            .map_err(|e| about(e, &path))
        })
        .await
}

/// `DELETE`: 204. A container with objects in it needs `?recursive=true`, as `jfc obj rm`
/// needs `-r`.
pub(crate) async fn delete(
    State(state): State<AppState>,
    path: Option<Path<String>>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
) -> Result<StatusCode, ApiError> {
    let secret = auth::secret(&headers)?;
    let path = object_path(path);
    state
        .with_store(move |s| {
            auth::check(s, &secret, SCOPE)?;
            let recursive = recursive(query.as_deref())?;
            let id = find(s, &path)?;
            let conflict = |code, e: StoreError| {
                ApiError::new(StatusCode::CONFLICT, code, e.0).at(&path)
            };
            s.check_delete(id).map_err(|e| conflict("cannot_delete", e))?;
            let under = s.subtree_paths(id).map_err(failed(&path))?.len() - 1;
            if under > 0 && !recursive {
                return Err(conflict(
                    "not_empty",
                    StoreError(format!(
                        "{path} is not empty ({under} objects under it): DELETE with ?recursive=true deletes it with everything under it"
                    )),
                ));
            }
            s.delete(id).map_err(|e| conflict("cannot_delete", e))?;
            Ok(StatusCode::NO_CONTENT)
        })
        .await
}

/// `recursive=true|false` of the query (anything else is refused).
fn recursive(query: Option<&str>) -> Result<bool, ApiError> {
    let pairs: Vec<(String, String)> = serde_urlencoded::from_str(query.unwrap_or_default())
        .map_err(|e| bad(format!("the query is not valid: {e}")))?;
    let mut recursive = false;
    for (key, value) in pairs {
        recursive = match (key.as_str(), value.as_str()) {
            ("recursive", "true" | "1" | "") => true,
            ("recursive", "false" | "0") => false,
            ("recursive", other) => {
                return Err(ApiError::new(
                    StatusCode::BAD_REQUEST,
                    "bad_query",
                    format!("recursive is true or false, not `{other}`"),
                ))
            }
            (other, _) => {
                return Err(ApiError::new(
                    StatusCode::BAD_REQUEST,
                    "bad_query",
                    format!("unknown query parameter `{other}`: DELETE takes recursive=true"),
                ))
            }
        };
    }
    Ok(recursive)
}

/// The token's secret (401 before anything else) and the body as JSON (its error is
/// answered only after the token is checked).
async fn request(
    state: &AppState,
    headers: &HeaderMap,
    body: Body,
    path: &str,
) -> Result<(String, Result<JsonValue, ApiError>), ApiError> {
    let secret = auth::secret(headers)?;
    let bytes = axum::body::to_bytes(body, state.max_body)
        .await
        .map_err(|_| {
            ApiError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "body_too_large",
                format!("the body is larger than {} bytes", state.max_body),
            )
            .at(path)
        })?;
    let json = serde_json::from_slice(&bytes)
        .map_err(|e| bad(format!("the body is not valid JSON: {e}")).at(path));
    Ok((secret, json))
}

/// The members of a JSON object body.
fn members(body: JsonValue, path: &str) -> Result<Map<String, JsonValue>, ApiError> {
    match body {
        JsonValue::Object(m) => Ok(m),
        other => Err(bad(format!(
            "the body is a JSON object ({{\"fields\": {{...}}}}), not {}",
            json_kind(&other)
        ))
        .at(path)),
    }
}

fn json_kind(v: &JsonValue) -> &'static str {
    match v {
        JsonValue::Null => "null",
        JsonValue::Bool(_) => "a boolean",
        JsonValue::Number(_) => "a number",
        JsonValue::String(_) => "a string",
        JsonValue::Array(_) => "an array",
        JsonValue::Object(_) => "an object",
    }
}

/// A member that must be a string, when present.
fn text_member(members: &Map<String, JsonValue>, name: &str) -> Result<Option<String>, ApiError> {
    match members.get(name) {
        None | Some(JsonValue::Null) => Ok(None),
        Some(JsonValue::String(s)) => Ok(Some(s.clone())),
        Some(other) => {
            Err(bad(format!("`{name}` is a string, not {}", json_kind(other))).field(name))
        }
    }
}

/// Write `members` to object `id`: the Jobflow compile result when a source was saved.
fn apply(
    s: &mut Store,
    id: ObjectId,
    members: &Map<String, JsonValue>,
    mode: Mode,
) -> Result<Option<Compiled>, ApiError> {
    let path = s.abspath(id).map_err(failed("an object"))?;
    let current = answer(s, id)?;
    check_members(members, &current, mode)?;
    let mut assignments = Vec::new();
    for property in ["display_name", "description"] {
        match text_member(members, property)? {
            Some(text) => assignments.push((property.to_string(), Value::str(&text))),
            None if mode == Mode::Replace => {
                // PUT without a display name: the name, as a new object has.
                let default = match property {
                    "display_name" => Value::str(current["name"].as_str().unwrap_or_default()),
                    _ => Value::Null,
                };
                assignments.push((property.to_string(), default));
            }
            None => {}
        }
    }
    let given = match members.get("fields") {
        None | Some(JsonValue::Null) => Map::new(),
        Some(JsonValue::Object(f)) => f.clone(),
        Some(other) => {
            return Err(
                bad(format!("`fields` is an object, not {}", json_kind(other))).field("fields"),
            )
        }
    };
    let type_id = s.get(id).map_err(failed(&path))?.type_id;
    let defs = s.type_fields(type_id).map_err(failed(&path))?;
    for (name, value) in &given {
        let password = defs.iter().any(|d| &d.name == name && d.spec.is_password());
        if password && current["fields"].get(name) == Some(value) && !value.is_null() {
            continue; // the mask sent back: the secret stays
        }
        assignments.push((name.clone(), json_value(value, name)?));
    }
    if mode == Mode::Replace {
        for def in defs.iter().filter(|d| !d.spec.is_invisible()) {
            if !given.contains_key(&def.name) {
                assignments.push((def.name.clone(), Value::Null));
            }
        }
    }
    s.check_writable(id, None)
        .map_err(|e| ApiError::new(StatusCode::BAD_REQUEST, "read_only", e.0))?;
    let mut compiled = None;
    for (field, value) in assignments {
        let at = match field.as_str() {
            "display_name" | "description" => field.clone(),
            _ => format!("fields.{field}"),
        };
        compiled = s
            .assign(id, &field, value)
            .map_err(|e| ApiError::new(StatusCode::BAD_REQUEST, "invalid_field", e.0).field(&at))?
            .or(compiled);
    }
    Ok(compiled)
}

/// Refuse members a write does not take; those of a GET answer may come back unchanged.
fn check_members(
    members: &Map<String, JsonValue>,
    current: &JsonValue,
    mode: Mode,
) -> Result<(), ApiError> {
    let writable: &[&str] = match mode {
        Mode::Create => &[
            "name",
            "type_object",
            "fields",
            "display_name",
            "description",
        ],
        Mode::Replace | Mode::Update => &["fields", "display_name", "description"],
    };
    for (name, value) in members {
        if writable.contains(&name.as_str()) {
            continue;
        }
        if mode != Mode::Create && READ_ONLY.contains(&name.as_str()) {
            continue;
        }
        if mode != Mode::Create && FIXED.contains(&name.as_str()) {
            if current.get(name) == Some(value) {
                continue;
            }
            return Err(ApiError::new(
                StatusCode::BAD_REQUEST,
                "read_only",
                format!(
                    "`{name}` cannot be changed by a write (it is {})",
                    current[name]
                ),
            )
            .field(name));
        }
        let takes = writable.join(", ");
        return Err(bad(format!("unknown member `{name}`: the body takes {takes}")).field(name));
    }
    Ok(())
}

/// A JSON value as the store takes it: what `json_parse` makes of it (null clears).
fn json_value(value: &JsonValue, field: &str) -> Result<Value, ApiError> {
    jfc_vm::builtins::json::parse(&value.to_string(), false).map_err(|e| {
        bad(format!("field `{field}`: {}", e.message)).field(&format!("fields.{field}"))
    })
}

/// Why a create was refused, with its status: a taken name is a conflict, the rest bad
/// requests naming the member at fault.
fn refused(e: CreateError, parent: &str) -> ApiError {
    let (status, code, field) = match &e {
        CreateError::Name(_) => (StatusCode::BAD_REQUEST, "invalid_name", Some("name")),
        CreateError::Taken(_) => (StatusCode::CONFLICT, "name_taken", Some("name")),
        CreateError::Type(_) => (StatusCode::BAD_REQUEST, "invalid_type", Some("type_object")),
        CreateError::Parent(_) => (StatusCode::BAD_REQUEST, "not_a_container", None),
        CreateError::ReadOnly(_) => (StatusCode::BAD_REQUEST, "read_only", None),
        CreateError::Store(_) => (StatusCode::INTERNAL_SERVER_ERROR, "internal", None),
    };
    let error = ApiError::new(status, code, e.to_string()).at(parent);
    match field {
        Some(f) => error.field(f),
        None => error,
    }
}

/// An error about the object a request names, unless it names another.
fn about(e: ApiError, path: &str) -> ApiError {
    match e.path {
        Some(_) => e,
        None => e.at(path),
    }
}

/// Run `f` in one store transaction: a refusal undoes everything it wrote.
fn in_transaction<T>(
    s: &mut Store,
    f: impl FnOnce(&mut Store) -> Result<T, ApiError>,
) -> Result<T, ApiError> {
    let mut refusal = None;
    let done = s.transaction(|s| {
        f(s).map_err(|e| {
            let message = StoreError(e.message.clone());
            refusal = Some(e);
            message
        })
    });
    done.map_err(|e| refusal.unwrap_or_else(|| ApiError::internal(e.0)))
}

/// The object with, when its Jobflow source did not compile, `compile_errors` (the
/// source is stored; the flow is not executable, as with `jfc obj set`).
fn with_errors(mut object: JsonValue, compiled: Option<Compiled>) -> JsonValue {
    if let Some(Compiled::Errors(errors)) = compiled {
        object["compile_errors"] = errors
            .into_iter()
            .map(|(line, message)| serde_json::json!({ "line": line, "message": message }))
            .collect();
    }
    object
}

/// The URL of an object (non-ASCII names percent-encoded).
fn location(abspath: &str) -> HeaderValue {
    let encoded: String =
        percent_encoding::utf8_percent_encode(abspath, percent_encoding::CONTROLS).collect();
    HeaderValue::from_str(&format!("/api/v1/objects{encoded}"))
        .unwrap_or_else(|_| HeaderValue::from_static("/api/v1/objects"))
}
