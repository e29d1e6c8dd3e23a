//! Errors of the API as JSON: `{"error": {"code", "message", "detail", "path"}}`, with
//! the HTTP status that says what kind of error it is.

use axum::http::{header, Method, StatusCode, Uri};
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
    /// What a script needs to point at the problem (`{"field": "fields.port"}`), when
    /// there is something to say.
    pub detail: Option<serde_json::Value>,
}

impl ApiError {
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> ApiError {
        ApiError {
            status,
            code,
            message: message.into(),
            path: None,
            detail: None,
        }
    }

    pub fn at(mut self, path: &str) -> ApiError {
        self.path = Some(path.to_string());
        self
    }

    /// The member of the request body at fault (`name`, `fields.port`).
    pub fn field(mut self, field: &str) -> ApiError {
        self.detail = Some(serde_json::json!({ "field": field }));
        self
    }

    pub fn internal(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "internal", message)
    }

    /// The JSON body: `{"error": {"code", "message", "path", "detail"?}}`.
    pub(crate) fn body(&self) -> serde_json::Value {
        let mut body = serde_json::json!({ "error": {
            "code": self.code,
            "message": self.message,
            "path": self.path,
        }});
        if let Some(detail) = &self.detail {
            body["error"]["detail"] = detail.clone();
        }
        body
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        if self.status.is_server_error() {
            tracing::error!("{}", self.message);
        }
        let mut response = (self.status, Json(self.body())).into_response();
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

/// A method an endpoint does not take (axum's own answer has no body).
pub(crate) async fn method_not_allowed(method: Method, uri: Uri) -> ApiError {
    ApiError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        "method_not_allowed",
        format!("{} does not take {method}", uri.path()),
    )
}
