//! `GET /api/v1/processes/<pid>/console` (scope `read`): a process's console as
//! server-sent events while it runs — `console` events (`{"text": ...}`) as it prints,
//! then one `end` event with its finished record — so that a terminal or a page follows
//! a run without polling. A finished process gives its whole console and the `end`.

use std::convert::Infallible;
use std::time::Duration;

use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::sse::{Event, KeepAlive, Sse};
use futures_util::stream::{self, Stream};

use crate::processes::{process_number, unknown_process};
use crate::{auth, ApiError, AppState};

/// How often the stream looks at the record.
const LOOK: Duration = Duration::from_millis(100);

/// Where a stream is: the console bytes sent, and whether the end was sent.
struct Reading {
    state: AppState,
    pid: i64,
    pos: u64,
    ended: bool,
}

pub(crate) async fn follow(
    State(state): State<AppState>,
    Path(pid): Path<String>,
    headers: HeaderMap,
) -> Result<Sse<impl Stream<Item = Result<Event, Infallible>>>, ApiError> {
    let secret = auth::secret(&headers)?;
    let pid = process_number(&pid)?;
    state
        .with_store(move |s| {
            auth::check(s, &secret, "read")?;
            s.process(pid)
                .map(drop)
                .map_err(|_| unknown_process(&pid.to_string()))
        })
        .await?;
    let start = Reading {
        state,
        pid,
        pos: 0,
        ended: false,
    };
    let events = stream::unfold(start, |mut r| async move {
        if r.ended {
            return None;
        }
        loop {
            let (pid, pos) = (r.pid, r.pos);
            let looked = r
                .state
                .with_store(move |s| {
                    let (text, at) = s
                        .process_console_since(pid, pos)
                        .map_err(|e| ApiError::internal(e.0))?;
                    let rec = s.process(pid).map_err(|e| ApiError::internal(e.0))?;
                    Ok((text, at, rec.finished.is_some().then(|| rec.to_json())))
                })
                .await;
            let event = match looked {
                Ok((text, at, _)) if !text.is_empty() => {
                    r.pos = at;
                    Event::default()
                        .event("console")
                        .json_data(serde_json::json!({ "text": text }))
                }
                Ok((_, _, Some(record))) => {
                    r.ended = true;
                    Event::default().event("end").json_data(record)
                }
                Ok(_) => {
                    tokio::time::sleep(LOOK).await;
                    continue;
                }
                Err(e) => {
                    r.ended = true;
                    Event::default().event("error").json_data(e.body())
                }
            };
            let event = event.unwrap_or_else(|_| Event::default().event("error"));
            return Some((Ok(event), r));
        }
    });
    Ok(Sse::new(events).keep_alive(KeepAlive::default()))
}
