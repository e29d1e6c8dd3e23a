//! Errors of the API as JSON: `{"error": {"code", "message", "detail", "path"}}`, with
//! the HTTP status that says what kind of error it is.

use axum::http::{header, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::Json;

#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    /// Stable, for scripts: `unauthorized`, `unknown_channel`, `bad_body`...
    pub code: &'static str,
    /// For people: what is wrong and, where it helps, what to do.
    pub message: String,
    /// The object path the error is about, when there is one.
    pub path: Option<String>,
}

impl ApiError {
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> ApiError {
        ApiError {
            status,
            code,
            message: message.into(),
            path: None,
        }
    }

    pub fn at(mut self, path: &str) -> ApiError {
        self.path = Some(path.to_string());
        self
    }

    pub fn internal(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "internal", message)
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        if self.status.is_server_error() {
            tracing::error!("{}", self.message);
        }
        let body = serde_json::json!({ "error": {
            "code": self.code,
            "message": self.message,
            "path": self.path,
        }});
        let mut response = (self.status, Json(body)).into_response();
        if self.status == StatusCode::UNAUTHORIZED {
            response.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                header::HeaderValue::from_static("Bearer"),
            );
        }
        response
    }
}

/// Any route the API does not have.
pub(crate) async fn not_found(uri: Uri) -> ApiError {
    ApiError::new(
        StatusCode::NOT_FOUND,
        "not_found",
        format!("no API endpoint at {}", uri.path()),
    )
}
