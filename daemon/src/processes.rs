//! Processes over the API (platform.md §2.2, §6.2): records (scope `read`),
//! `GET /api/v1/processes[?status=RUNNING&job=/flows/x&limit=N]`, newest first,
//! `GET /api/v1/processes/<pid>` with its console, and `POST .../<pid>/wait`; starting
//! a flow (scope `run`), `POST /api/v1/processes`.

use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::Json;

use jfc_store::starts::{NewProcess, StartArgs};

use crate::{auth, ApiError, AppState};

/// Records listed at most, by default.
const DEFAULT_LIMIT: usize = 100;

#[derive(serde::Deserialize)]
pub(crate) struct Filter {
    status: Option<String>,
    job: Option<String>,
    limit: Option<usize>,
}

pub(crate) async fn list(
    State(state): State<AppState>,
    filter: Result<Query<Filter>, QueryRejection>,
    headers: HeaderMap,
) -> Result<Json<serde_json::Value>, ApiError> {
    let secret = auth::secret(&headers)?;
    let Query(filter) =
        filter.map_err(|e| ApiError::new(StatusCode::BAD_REQUEST, "bad_query", e.body_text()))?;
    state
        .with_store(move |s| {
            auth::check(s, &secret, "read")?;
            let all = s
                .processes()
                .map_err(|e| ApiError::internal(format!("cannot read the processes: {e}")))?;
            let status = filter.status.map(|st| st.to_ascii_uppercase());
            let picked: Vec<serde_json::Value> = all
                .iter()
                .rev()
                .filter(|p| status.as_ref().is_none_or(|st| &p.status == st))
                .filter(|p| filter.job.as_ref().is_none_or(|j| &p.job == j))
                .take(filter.limit.unwrap_or(DEFAULT_LIMIT))
                .map(|p| {
                    let mut row = p.to_json();
                    // A list leaves consoles out: ask for the process for its console.
                    row.as_object_mut().map(|o| o.remove("console"));
                    row
                })
                .collect();
            Ok(crate::listing(picked))
        })
        .await
}

pub(crate) async fn one(
    State(state): State<AppState>,
    Path(pid): Path<String>,
    headers: HeaderMap,
) -> Result<Json<serde_json::Value>, ApiError> {
    let secret = auth::secret(&headers)?;
    let number = process_number(&pid)?;
    state
        .with_store(move |s| {
            auth::check(s, &secret, "read")?;
            let record = s.process(number).map_err(|_| {
                unknown_process(&number.to_string()).at(&format!("/process/id_{number}"))
            })?;
            Ok(Json(record.to_json()))
        })
        .await
}

/// The pid a URL names (`12` or `id_12`); 404 for anything else.
pub(crate) fn process_number(text: &str) -> Result<i64, ApiError> {
    crate::record_id(text).ok_or_else(|| unknown_process(text))
}

/// 404: there is no process `what`.
pub(crate) fn unknown_process(what: &str) -> ApiError {
    ApiError::new(
        StatusCode::NOT_FOUND,
        "unknown_process",
        format!("there is no process {what}"),
    )
}

/// The body of `POST /api/v1/processes`.
#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct StartBody {
    /// The path of the Jobflow to run.
    job: String,
    /// Its parameters by name, JSON values (strings are Strings: platform.md Q6).
    #[serde(default)]
    parameters: serde_json::Map<String, serde_json::Value>,
}

/// `POST /api/v1/processes` (scope `run`): start a Jobflow of the store with
/// parameters; 201 with the new process's record once it is durable, and its place.
pub(crate) async fn start(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Result<axum::response::Response, ApiError> {
    use axum::response::IntoResponse;
    let body: StartBody = json_object(&body).map_err(|e| {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            "bad_body",
            format!(
                "the body is not a start request ({{\"job\": PATH, \"parameters\": {{...}}}}): {e}"
            ),
        )
    })?;
    let record = state
        .authorized(&headers, "run", move |s| {
            let args = start_args(&body)?;
            check_jobflow(s, &body.job)?;
            let pid = s
                .process_new(&NewProcess {
                    job: &body.job,
                    user: "root",
                    args: &args,
                    invoker: None,
                    schedule: None,
                })
                .map_err(|e| ApiError::internal(format!("cannot record the process: {e}")))?;
            s.process(pid)
                .map(|r| (pid, r.to_json()))
                .map_err(|e| ApiError::internal(format!("cannot read process {pid}: {e}")))
        })
        .await?;
    let (pid, record) = record;
    state.runner.start(pid);
    let place = format!("/api/v1/processes/{pid}");
    Ok((
        StatusCode::CREATED,
        [(axum::http::header::LOCATION, place)],
        Json(record),
    )
        .into_response())
}

/// A body that must be a JSON object of the shape of `T` (serde would also take a
/// struct from an array of its fields, which no client means).
pub(crate) fn json_object<T: serde::de::DeserializeOwned>(body: &[u8]) -> Result<T, String> {
    match serde_json::from_slice(body).map_err(|e| e.to_string())? {
        v @ serde_json::Value::Object(_) => serde_json::from_value(v).map_err(|e| e.to_string()),
        _ => Err("it is not a JSON object".into()),
    }
}

/// The parameters of a start request as values.
fn start_args(body: &StartBody) -> Result<StartArgs, ApiError> {
    let kw = body
        .parameters
        .iter()
        .map(|(name, v)| {
            jfc_vm::builtins::json::parse(&v.to_string(), false)
                .map(|v| (name.clone(), v))
                .map_err(|e| {
                    ApiError::new(
                        StatusCode::BAD_REQUEST,
                        "bad_parameter",
                        format!("parameter `{name}`: {}", e.message),
                    )
                })
        })
        .collect::<Result<_, _>>()?;
    Ok(StartArgs {
        pos: Vec::new(),
        kw,
    })
}

/// 404 unless `job` is a Jobflow of the store.
fn check_jobflow(s: &jfc_store::Store, job: &str) -> Result<(), ApiError> {
    let missing = |why: String| ApiError::new(StatusCode::NOT_FOUND, "unknown_job", why).at(job);
    let Ok(Some(id)) = s.lookup(job) else {
        return Err(missing(format!("there is no object at {job}")));
    };
    match s.type_name(id) {
        Ok(t) if t == "Jobflow" => Ok(()),
        Ok(t) => Err(missing(format!("{job} is a {t}, not a Jobflow"))),
        Err(e) => Err(ApiError::internal(e.0)),
    }
}

/// The body of `POST /api/v1/processes/<pid>/wait`.
#[derive(serde::Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub(crate) struct WaitBody {
    /// Seconds to wait at most (default 30, at most 3600).
    timeout: Option<f64>,
}

/// How often a wait looks at the record.
const WAIT_LOOK: std::time::Duration = std::time::Duration::from_millis(50);

/// `POST /api/v1/processes/<pid>/wait` (scope `read`): the record once the process
/// has finished, or 408 when it has not within the timeout.
pub(crate) async fn wait(
    State(state): State<AppState>,
    Path(pid): Path<String>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Result<Json<serde_json::Value>, ApiError> {
    let body: WaitBody = if body.is_empty() {
        WaitBody::default()
    } else {
        json_object(&body).map_err(|e| {
            ApiError::new(
                StatusCode::BAD_REQUEST,
                "bad_body",
                format!("the body is not {{\"timeout\": SECONDS}}: {e}"),
            )
        })?
    };
    let timeout = body.timeout.unwrap_or(30.0);
    if !(0.0..=3600.0).contains(&timeout) {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "bad_timeout",
            format!("timeout {timeout}: it is between 0 and 3600 seconds"),
        ));
    }
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs_f64(timeout);
    loop {
        let Json(record) = one(State(state.clone()), Path(pid.clone()), headers.clone()).await?;
        if !record["finished"].is_null() {
            return Ok(Json(record));
        }
        if tokio::time::Instant::now() >= deadline {
            return Err(ApiError::new(
                StatusCode::REQUEST_TIMEOUT,
                "still_running",
                format!("process {pid} has not finished within {timeout} s"),
            ));
        }
        tokio::time::sleep(WAIT_LOOK).await;
    }
}

/// `POST /api/v1/processes/<pid>/terminate` (scope `run`): the process and those it
/// started end ABORTED, their local commands stopped. 202: it is under way (`wait`
/// gives the record once it has ended).
pub(crate) async fn terminate(
    state: State<AppState>,
    pid: Path<String>,
    headers: HeaderMap,
) -> Result<(StatusCode, Json<serde_json::Value>), ApiError> {
    control(state, pid, headers, "terminate").await
}

/// `POST /api/v1/processes/<pid>/suspend` (scope `run`): the process and those it
/// started run no further job until resumed.
pub(crate) async fn suspend(
    state: State<AppState>,
    pid: Path<String>,
    headers: HeaderMap,
) -> Result<(StatusCode, Json<serde_json::Value>), ApiError> {
    control(state, pid, headers, "suspend").await
}

/// `POST /api/v1/processes/<pid>/resume` (scope `run`): a suspended process goes on.
pub(crate) async fn resume(
    state: State<AppState>,
    pid: Path<String>,
    headers: HeaderMap,
) -> Result<(StatusCode, Json<serde_json::Value>), ApiError> {
    control(state, pid, headers, "resume").await
}

async fn control(
    State(state): State<AppState>,
    Path(pid): Path<String>,
    headers: HeaderMap,
    action: &'static str,
) -> Result<(StatusCode, Json<serde_json::Value>), ApiError> {
    use jfc_vm::control::Control;
    let number = process_number(&pid)?;
    let run = state
        .authorized(&headers, "run", move |s| {
            let rec = s
                .process(number)
                .map_err(|_| unknown_process(&number.to_string()))?;
            if rec.finished.is_some() {
                return Err(conflict(format!(
                    "process {number} has ended {}: there is nothing to {action}",
                    rec.status
                )));
            }
            // The run a child belongs to: the main process at the top of its parents.
            let mut top = rec;
            while let Some(parent) = top.parent {
                top = s.process(parent).map_err(|e| ApiError::internal(e.0))?;
            }
            Ok(top.pid)
        })
        .await?;
    let vm_pid = number as u64;
    let control = match action {
        "terminate" => Control::Terminate(vm_pid),
        "suspend" => Control::Suspend(vm_pid),
        _ => Control::Resume(vm_pid),
    };
    if !state.runner.control(run, control) {
        return Err(conflict(format!(
            "process {number} is not run by this daemon (`jfc run` runs it, or it is ending): it cannot {action} it"
        )));
    }
    let body = serde_json::json!({ "pid": number, "action": action });
    Ok((StatusCode::ACCEPTED, Json(body)))
}

fn conflict(message: String) -> ApiError {
    ApiError::new(StatusCode::CONFLICT, "not_running", message)
}
