//! `GET /api/v1/openapi.json`: the OpenAPI 3.1 document of every route the daemon serves
//! (daemon/openapi.json; tests/serve_api.rs checks that it lists every route of the
//! router and that real answers match it). No token: it describes, it holds nothing.
//!
//! A new route is one more entry under `paths` in daemon/openapi.json: its parameters,
//! request body, and one response per status it answers, the errors as `$ref`s to
//! `#/components/responses/...` (their body is the `Error` schema). The test fails until
//! the route and the entry agree.

use axum::http::header;
use axum::response::IntoResponse;

const DOCUMENT: &str = include_str!("../openapi.json");

pub(crate) async fn document() -> impl IntoResponse {
    ([(header::CONTENT_TYPE, "application/json")], DOCUMENT)
}
