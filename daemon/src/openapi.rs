//! `GET /api/v1/openapi.json`: the OpenAPI 3.1 document of every route the daemon serves
//! (daemon/openapi.json; tests/serve_api.rs checks that it lists every route of the
//! router and that real answers match it). No token: it describes, it holds nothing.

use axum::http::header;
use axum::response::IntoResponse;

const DOCUMENT: &str = include_str!("../openapi.json");

pub(crate) async fn document() -> impl IntoResponse {
    ([(header::CONTENT_TYPE, "application/json")], DOCUMENT)
}
