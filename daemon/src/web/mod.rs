//! The web page of the daemon (platform.md, What jfc adds): server-rendered HTML under
//! `/ui/` for an on-call engineer's phone — the open tasks with Approve and Reject, the
//! processes with their consoles, the channels with their message counts. Login with an
//! API token (session), every form with the session's CSRF token; no JavaScript.

mod channels;
mod layout;
mod login;
mod processes;
mod session;
mod tasks;

use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::Router;
use jfc_store::tokens::TokenInfo;
use jfc_store::Store;

use crate::{auth, ApiError, AppState};
use session::Session;
pub(crate) use session::Sessions;

/// The routes of the page; none is under /api/v1, which the OpenAPI document covers.
pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route("/", get(|| async { Redirect::to("/ui/") }))
        .route("/ui", get(|| async { Redirect::to("/ui/") }))
        .route("/ui/", get(|| async { Redirect::to("/ui/tasks") }))
        .route("/ui/login", get(login::form).post(login::submit))
        .route("/ui/logout", post(login::logout))
        .route("/ui/tasks", get(tasks::list))
        .route("/ui/tasks/{id}/approve", post(tasks::approve))
        .route("/ui/tasks/{id}/reject", post(tasks::reject))
        .route("/ui/processes", get(processes::list))
        .route("/ui/processes/{pid}", get(processes::one))
        .route("/ui/channels", get(channels::list))
        .layer(axum::middleware::map_response(guarded))
}

/// Every page: no script, no framing, no caching of what a token showed, no referrer.
async fn guarded(mut response: Response) -> Response {
    let h = response.headers_mut();
    let set = |h: &mut HeaderMap, name, value| {
        h.insert(name, HeaderValue::from_static(value));
    };
    set(
        h,
        header::CONTENT_SECURITY_POLICY,
        "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
    );
    set(h, header::X_CONTENT_TYPE_OPTIONS, "nosniff");
    set(h, header::REFERRER_POLICY, "no-referrer");
    set(h, header::CACHE_CONTROL, "no-store");
    response
}

/// Who looks at a page: the session and the token it logged in with.
struct Viewer {
    session: Session,
    token: TokenInfo,
}

impl Viewer {
    fn csrf(&self) -> &str {
        &self.session.csrf
    }

    fn may(&self, scope: &str) -> bool {
        self.token.allows(scope)
    }
}

/// Run `f` on the store for the logged-in viewer whose token allows `scope`. Without a
/// session, or with a token expired or removed since the login, the answer is the login
/// page; another refusal is an error page.
async fn as_viewer<T: Send + 'static>(
    state: &AppState,
    headers: &HeaderMap,
    scope: &'static str,
    f: impl FnOnce(&mut Store) -> Result<T, ApiError> + Send + 'static,
) -> Result<(Viewer, T), Response> {
    let Some((id, session)) = state.sessions.find(headers) else {
        return Err(to_login(""));
    };
    let Some(secret) = session.secret.clone() else {
        return Err(to_login(""));
    };
    let answer = state
        .with_store(move |s| {
            let token = auth::check(s, &secret, scope)?;
            Ok((token, f(s)?))
        })
        .await;
    match answer {
        Ok((token, value)) => Ok((Viewer { session, token }, value)),
        Err(e) if e.status == StatusCode::UNAUTHORIZED => {
            state.sessions.close(&id);
            let mut response = to_login("?expired=1");
            set_cookie(&mut response, &state.sessions.clear_cookie());
            Err(response)
        }
        Err(e) => Err(layout::error_page(&e)),
    }
}

/// 303 to the login page, with `query`.
fn to_login(query: &str) -> Response {
    Redirect::to(&format!("/ui/login{query}")).into_response()
}

fn set_cookie(response: &mut Response, value: &str) {
    if let Ok(v) = HeaderValue::from_str(value) {
        response.headers_mut().append(header::SET_COOKIE, v);
    }
}

/// The fields of a posted form (none when the body is not a form).
fn form_fields(body: &[u8]) -> Vec<(String, String)> {
    serde_urlencoded::from_bytes(body).unwrap_or_default()
}

/// The value of field `name`, "" when the form has none.
fn field<'a>(fields: &'a [(String, String)], name: &str) -> &'a str {
    fields
        .iter()
        .find(|(k, _)| k == name)
        .map_or("", |(_, v)| v.as_str())
}

/// A posted form must come with a session and carry that session's CSRF token: the
/// session's id.
fn check_form(
    state: &AppState,
    headers: &HeaderMap,
    fields: &[(String, String)],
) -> Result<String, Refused> {
    let Some((id, session)) = state.sessions.find(headers) else {
        return Err(Refused::NoSession);
    };
    if !session::csrf_matches(&session, field(fields, "csrf")) {
        return Err(Refused::Forged);
    }
    Ok(id)
}

/// Why a posted form was refused; nothing changed.
enum Refused {
    /// No session (or an expired one): to the login page.
    NoSession,
    /// Its CSRF token is not its session's.
    Forged,
}

impl IntoResponse for Refused {
    fn into_response(self) -> Response {
        match self {
            Refused::NoSession => to_login(""),
            Refused::Forged => layout::error_page(&ApiError::new(
                StatusCode::FORBIDDEN,
                "forbidden",
                "this form did not come from this session's page (its CSRF token is missing or wrong): open the page again and resubmit",
            )),
        }
    }
}
