//! The channels of the store with the messages queued on each.

use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use jfc_store::objects::ROOT;
use jfc_store::query::Query;
use jfc_vm::value::Value;
use maud::html;

use super::as_viewer;
use super::layout::page;
use crate::{ApiError, AppState};

pub(crate) async fn list(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let read = as_viewer(&state, &headers, "read", |s| {
        let channels = Query::find(s, ROOT, &[("type_object".into(), Value::str("Channel"))])
            .and_then(|q| s.query_ids(&q))
            .and_then(|ids| {
                ids.into_iter()
                    .map(|id| Ok((s.abspath(id)?, s.message_count(id)?)))
                    .collect::<Result<Vec<_>, _>>()
            });
        let mut channels =
            channels.map_err(|e| ApiError::internal(format!("cannot read the channels: {e}")))?;
        channels.sort();
        Ok(channels)
    });
    let (viewer, channels) = match read.await {
        Ok(found) => found,
        Err(refused) => return refused,
    };
    let body = html! {
        @if channels.is_empty() { p { "The store has no Channel." } }
        table {
            tr { th { "Channel" } th { "Messages" } }
            @for (path, count) in &channels {
                tr { td { (path) } td { (count) } }
            }
        }
    };
    page("Channels", Some(viewer.csrf()), body).into_response()
}
