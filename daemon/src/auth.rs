//! Bearer tokens: every API call but the health check names a token
//! (`Authorization: Bearer jfc_...`, made with `jfc token create`) whose scopes allow it.
//! Without one the answer is 401 and nothing changes.

use axum::http::{header, HeaderMap, StatusCode};
use jfc_store::tokens::TokenInfo;
use jfc_store::Store;

use crate::ApiError;

fn unauthorized(message: &str) -> ApiError {
    ApiError::new(StatusCode::UNAUTHORIZED, "unauthorized", message)
}

/// The secret the request presents (`Bearer <token>`, or `Token <token>` as the original
/// API takes it, platform.md §6.1).
pub(crate) fn secret(headers: &HeaderMap) -> Result<String, ApiError> {
    let Some(value) = headers.get(header::AUTHORIZATION) else {
        return Err(unauthorized(
            "this endpoint needs a token: Authorization: Bearer <token> (jfc token create NAME makes one)",
        ));
    };
    let value = value.to_str().unwrap_or_default().trim();
    value
        .strip_prefix("Bearer ")
        .or_else(|| value.strip_prefix("Token "))
        .map(|s| s.trim().to_string())
        .ok_or_else(|| unauthorized("the Authorization header must be `Bearer <token>`"))
}

/// The token whose secret is `secret`, if it is known and allows `scope`. Called on the
/// store's thread with the request's own work, so that a request takes the store once.
pub(crate) fn check(store: &Store, secret: &str, scope: &str) -> Result<TokenInfo, ApiError> {
    let token = store
        .check_token(secret)
        .map_err(|e| ApiError::internal(format!("cannot check the token: {e}")))?
        .ok_or_else(|| unauthorized("the token is not known (it may have been removed)"))?;
    if token.expired() {
        return Err(unauthorized(&format!(
            "token `{}` expired at {}",
            token.name,
            token.expires.as_deref().unwrap_or_default()
        )));
    }
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
