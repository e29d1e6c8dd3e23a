//! Objects of the store over the API, read-only (scope `read`): `GET
//! /api/v1/objects/<path>` gives an object as `jfc obj cat --format json` does, Password
//! fields masked, with the paths of its children when it has any.

use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::Json;
use jfc_store::export::ShowOptions;

use crate::{auth, ApiError, AppState};

pub(crate) async fn one(
    State(state): State<AppState>,
    path: Option<Path<String>>,
    headers: HeaderMap,
) -> Result<Json<serde_json::Value>, ApiError> {
    let secret = auth::secret(&headers)?;
    let path = format!(
        "/{}",
        path.map(|Path(p)| p).unwrap_or_default().trim_matches('/')
    );
    state
        .with_store(move |s| {
            auth::check(s, &secret, "read")?;
            let failed = |e: jfc_store::StoreError| ApiError::internal(format!("{path}: {e}"));
            let Some(id) = s.lookup(&path).map_err(failed)? else {
                return Err(ApiError::new(
                    StatusCode::NOT_FOUND,
                    "unknown_object",
                    format!("there is no object at {path}"),
                )
                .at(&path));
            };
            let shown = ShowOptions {
                secrets: false,
                invisible: false,
            };
            let mut object = s.object_json(id, &shown).map_err(failed)?;
            let children = s
                .children(id)
                .map_err(failed)?
                .into_iter()
                .map(|c| s.abspath(c))
                .collect::<Result<Vec<_>, _>>()
                .map_err(failed)?;
            if !children.is_empty() {
                object["children"] = serde_json::json!(children);
            }
            Ok(Json(object))
        })
        .await
}
