//! Bearer tokens: every API call but the health check names a token
//! (`Authorization: Bearer jfc_...`, made with `jfc token create`) whose scopes allow it.
//! Without one the answer is 401 and nothing changes.

use axum::http::{header, HeaderMap, StatusCode};
use jfc_store::tokens::TokenInfo;

use crate::{ApiError, AppState};

/// The token of the request, if it is valid and allows `scope`.
pub(crate) async fn require(
    state: &AppState,
    headers: &HeaderMap,
    scope: &'static str,
) -> Result<TokenInfo, ApiError> {
    let unauthorized = |m: &str| ApiError::new(StatusCode::UNAUTHORIZED, "unauthorized", m);
    let Some(value) = headers.get(header::AUTHORIZATION) else {
        return Err(unauthorized(
            "this endpoint needs a token: Authorization: Bearer <token> (jfc token create NAME makes one)",
        ));
    };
    let value = value.to_str().unwrap_or_default().trim();
    // `Token <key>` is what the original API takes (platform.md §6.1).
    let secret = value
        .strip_prefix("Bearer ")
        .or_else(|| value.strip_prefix("Token "))
        .map(str::trim)
        .ok_or_else(|| unauthorized("the Authorization header must be `Bearer <token>`"))?
        .to_string();
    let token = state
        .with_store(move |s| {
            s.check_token(&secret)
                .map_err(|e| ApiError::internal(format!("cannot check the token: {e}")))
        })
        .await?
        .ok_or_else(|| unauthorized("the token is not known (it may have been removed)"))?;
    if !token.allows(scope) {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "forbidden",
            format!(
                "token `{}` may {}, not {scope}",
                token.name,
                token.scopes.join(", ")
            ),
        ));
    }
    Ok(token)
}
