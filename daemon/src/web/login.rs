//! Login with an API token (scope `read` at least; approving needs `run`), and logout.
//! The login form has an anonymous session of its own, so that its POST carries a CSRF
//! token too; a successful login replaces it with a new session id.

use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use maud::html;

use super::layout::{error_page, page};
use super::{check_form, field, form_fields, set_cookie};
use crate::{auth, AppState};

#[derive(serde::Deserialize)]
pub(crate) struct Shown {
    /// Set when a token stopped working since the login.
    expired: Option<String>,
}

pub(crate) async fn form(
    State(state): State<AppState>,
    Query(shown): Query<Shown>,
    headers: HeaderMap,
) -> Response {
    // Logged in already: the tasks page checks the token (and comes back here if it
    // no longer works, the session gone).
    if state
        .sessions
        .find(&headers)
        .is_some_and(|(_, s)| s.secret.is_some())
    {
        return Redirect::to("/ui/tasks").into_response();
    }
    let note = shown.expired.map(|_| {
        "The token of your session is no longer valid (expired or removed): paste a token again."
    });
    login_page(&state, &headers, StatusCode::OK, note)
}

/// The form, on the request's anonymous session or a new one.
fn login_page(
    state: &AppState,
    headers: &HeaderMap,
    status: StatusCode,
    error: Option<&str>,
) -> Response {
    let (id, csrf) = match state.sessions.find(headers) {
        Some((id, s)) if s.secret.is_none() => (id, s.csrf),
        _ => match state.sessions.open(None) {
            Ok(opened) => opened,
            Err(e) => return error_page(&e),
        },
    };
    let body = html! {
        @if let Some(error) = error { p.error { (error) } }
        form.card method="post" action="/ui/login" {
            label for="token" { "API token" }
            input #token type="password" name="token" autocomplete="off" required;
            input type="hidden" name="csrf" value=(csrf);
            button.approve type="submit" { "Log in" }
        }
        p.meta {
            "Make one with " code { "jfc token create NAME --scope read --scope run" }
            ": read shows the pages, run answers the tasks."
        }
    };
    let mut response = (status, page("Log in", None, body)).into_response();
    set_cookie(&mut response, &state.sessions.set_cookie(&id));
    response
}

pub(crate) async fn submit(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Response {
    let fields = form_fields(&body);
    let anonymous = match check_form(&state, &headers, &fields) {
        Ok(id) => id,
        Err(refused) => return refused.into_response(),
    };
    let secret = field(&fields, "token").trim().to_string();
    let kept = secret.clone();
    let checked = state
        .with_store(move |s| auth::check(s, &kept, "read"))
        .await;
    if let Err(e) = checked {
        let status = if e.status.is_server_error() {
            e.status
        } else {
            StatusCode::UNAUTHORIZED
        };
        return login_page(&state, &headers, status, Some(&e.message));
    }
    state.sessions.close(&anonymous);
    match state.sessions.open(Some(secret)) {
        Ok((id, _)) => {
            let mut response = Redirect::to("/ui/tasks").into_response();
            set_cookie(&mut response, &state.sessions.set_cookie(&id));
            response
        }
        Err(e) => error_page(&e),
    }
}

pub(crate) async fn logout(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Response {
    let fields = form_fields(&body);
    let id = match check_form(&state, &headers, &fields) {
        Ok(id) => id,
        Err(refused) => return refused.into_response(),
    };
    state.sessions.close(&id);
    let mut response = Redirect::to("/ui/login").into_response();
    set_cookie(&mut response, &state.sessions.clear_cookie());
    response
}
