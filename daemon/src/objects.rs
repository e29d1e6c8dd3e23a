//! Objects of the store over the API: `GET /api/v1/objects/<path>` (scope `read`) gives an
//! object as `jfc obj cat --format json` does, Password fields masked, with the paths of
//! its children when it has any. Writes are in `object_writes`.

use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::Json;
use jfc_store::export::ShowOptions;
use jfc_store::{ObjectId, Store};

use crate::{auth, ApiError, AppState};

pub(crate) async fn one(
    State(state): State<AppState>,
    path: Option<Path<String>>,
    headers: HeaderMap,
) -> Result<Json<serde_json::Value>, ApiError> {
    let secret = auth::secret(&headers)?;
    let path = object_path(path);
    state
        .with_store(move |s| {
            auth::check(s, &secret, "read")?;
            let id = find(s, &path)?;
            Ok(Json(answer(s, id)?))
        })
        .await
}

/// The object path a request names: `/` for `/api/v1/objects`.
pub(crate) fn object_path(path: Option<Path<String>>) -> String {
    format!(
        "/{}",
        path.map(|Path(p)| p).unwrap_or_default().trim_matches('/')
    )
}

pub(crate) fn failed(path: &str) -> impl Fn(jfc_store::StoreError) -> ApiError + '_ {
    move |e| ApiError::internal(format!("{path}: {e}"))
}

/// The object at `path`, or 404.
pub(crate) fn find(s: &Store, path: &str) -> Result<ObjectId, ApiError> {
    s.lookup(path).map_err(failed(path))?.ok_or_else(|| {
        ApiError::new(
            StatusCode::NOT_FOUND,
            "unknown_object",
            format!("there is no object at {path}"),
        )
        .at(path)
    })
}

/// An object as the API gives it: `jfc obj cat --format json` with Passwords masked,
/// and `children` (their paths) when it has any.
pub(crate) fn answer(s: &Store, id: ObjectId) -> Result<serde_json::Value, ApiError> {
    let path = s.abspath(id).map_err(failed("an object"))?;
    let failed = failed(&path);
    let shown = ShowOptions {
        secrets: false,
        invisible: false,
    };
    let mut object = s.object_json(id, &shown).map_err(&failed)?;
    let children = s
        .children(id)
        .map_err(&failed)?
        .into_iter()
        .map(|c| s.abspath(c))
        .collect::<Result<Vec<_>, _>>()
        .map_err(&failed)?;
    if !children.is_empty() {
        object["children"] = serde_json::json!(children);
    }
    Ok(object)
}
