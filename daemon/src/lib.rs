//! `jfc serve`: the daemon. It takes events in over HTTP and runs flows without a
//! person at the keyboard (platform.md §2–§6): channel actions, schedules, starts
//! through the API. This crate alone has an async runtime (tokio, axum); the store's
//! blocking calls run on tokio's blocking threads, one connection at a time. The
//! engine thread (engine) finds the work, and each run has a thread and a VM of its
//! own (runner).

mod actions;
mod agents;
mod auth;
pub mod clock;
mod console;
mod engine;
mod error;
mod intake;
mod object_writes;
mod objects;
mod openapi;
mod processes;
mod receivers;
mod runner;
mod scheduler;
mod schedules;
mod tasks;
mod test_clock;
mod web;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use axum::routing::{get, post};
use axum::{Json, Router};
use jfc_store::Store;
use object_writes::{create, delete, replace, update};

pub use error::ApiError;

/// Bodies larger than this are refused (413) by default: an event is a few kilobytes.
pub const DEFAULT_MAX_BODY: usize = 1 << 20;

/// How `jfc serve` runs.
#[derive(Clone, Debug)]
pub struct ServeOptions {
    pub store: PathBuf,
    pub listen: SocketAddr,
    /// Listen on an address other than loopback without TLS (tokens then cross the
    /// network in clear).
    pub insecure_http: bool,
    /// HTTPS: the certificate chain and the private key, PEM files.
    pub tls: Option<(PathBuf, PathBuf)>,
    pub max_body: usize,
    /// The engine's options for the flows it runs.
    pub vm: jfc_vm::VmOptions,
    /// The zone schedules are read in.
    pub zone: Zone,
    /// The scheduler's clock starts at this time and moves only through
    /// `POST /api/v1/test/clock`.
    pub test_clock: Option<chrono::DateTime<chrono::Utc>>,
    /// The broker side of agent zones (`--broker`): the jobs of a zone go to its agents.
    pub zones: Option<Arc<dyn jfc_runtime::zones::Zones>>,
}

pub use scheduler::Zone;

/// What every request handler shares.
#[derive(Clone)]
pub(crate) struct AppState {
    store: Arc<Mutex<Store>>,
    max_body: usize,
    engine: engine::Engine,
    runner: runner::Runner,
    clock: clock::Clock,
    zone: Zone,
    /// The logins of the web page (/ui/).
    sessions: web::Sessions,
}

impl AppState {
    /// Run `f` on the store on a blocking thread (SQLite waits and fsyncs there, not on
    /// the threads that serve requests).
    pub(crate) async fn with_store<T: Send + 'static>(
        &self,
        f: impl FnOnce(&mut Store) -> Result<T, ApiError> + Send + 'static,
    ) -> Result<T, ApiError> {
        let store = self.store.clone();
        tokio::task::spawn_blocking(move || {
            let mut store = store.lock().unwrap_or_else(|e| e.into_inner());
            f(&mut store)
        })
        .await
        .map_err(|e| ApiError::internal(format!("the store task failed: {e}")))?
    }

    /// Run `f` on the store once the request's token is found to have `scope`; 401 or
    /// 403 and nothing done otherwise.
    pub(crate) async fn authorized<T: Send + 'static>(
        &self,
        headers: &axum::http::HeaderMap,
        scope: &'static str,
        f: impl FnOnce(&mut Store) -> Result<T, ApiError> + Send + 'static,
    ) -> Result<T, ApiError> {
        let secret = auth::secret(headers)?;
        self.with_store(move |s| {
            auth::check(s, &secret, scope)?;
            f(s)
        })
        .await
    }
}

/// The number of a record named in a URL: `12` or `id_12` (as its path `/…/id_12`).
pub(crate) fn record_id(text: &str) -> Option<i64> {
    text.trim_start_matches("id_").parse().ok()
}

/// A list as the API gives it: `{"count", "results"}`.
pub(crate) fn listing(results: Vec<serde_json::Value>) -> Json<serde_json::Value> {
    Json(serde_json::json!({ "count": results.len(), "results": results }))
}

/// The routes of the API.
pub(crate) fn router(state: AppState) -> Router {
    Router::new()
        .route("/api/v1/health", get(health))
        .route("/api/v1/channels/{*rest}", post(intake::post_message))
        .route(
            "/api/v1/receivers/alertmanager/{*channel}",
            post(receivers::alertmanager),
        )
        .route("/api/v1/receivers/json/{*channel}", post(receivers::json))
        .route("/api/v1/openapi.json", get(openapi::document))
        .route(
            "/api/v1/objects",
            get(objects::one)
                .post(create)
                .put(replace)
                .patch(update)
                .delete(delete),
        )
        .route(
            "/api/v1/objects/{*path}",
            get(objects::one)
                .post(create)
                .put(replace)
                .patch(update)
                .delete(delete),
        )
        .route(
            "/api/v1/processes",
            get(processes::list).post(processes::start),
        )
        .route("/api/v1/processes/{pid}", get(processes::one))
        .route("/api/v1/processes/{pid}/wait", post(processes::wait))
        .route("/api/v1/processes/{pid}/console", get(console::follow))
        .route(
            "/api/v1/processes/{pid}/terminate",
            post(processes::terminate),
        )
        .route("/api/v1/processes/{pid}/suspend", post(processes::suspend))
        .route("/api/v1/processes/{pid}/resume", post(processes::resume))
        .route(
            "/api/v1/schedules",
            get(schedules::list).post(schedules::create),
        )
        .route(
            "/api/v1/schedules/{id}",
            get(schedules::one)
                .patch(schedules::update)
                .delete(schedules::delete),
        )
        .route("/api/v1/tasks", get(tasks::list))
        .route("/api/v1/tasks/{id}", get(tasks::one))
        .route("/api/v1/tasks/{id}/submit", post(tasks::submit))
        .route("/api/v1/tasks/{id}/cancel", post(tasks::cancel))
        .route("/api/v1/test/clock", post(test_clock::set))
        .route("/api/v1/agents", get(agents::list))
        .merge(web::routes())
        .method_not_allowed_fallback(error::method_not_allowed)
        .fallback(error::not_found)
        .with_state(state)
}

async fn health() -> Json<serde_json::Value> {
    Json(serde_json::json!({ "status": "ok" }))
}

/// Why `jfc serve` could not start or stopped.
#[derive(Debug)]
pub enum ServeError {
    /// The options cannot work (exit 64).
    Usage(String),
    /// The store, the address or the runtime failed (exit 1).
    Failed(String),
}

impl std::fmt::Display for ServeError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ServeError::Usage(m) | ServeError::Failed(m) => f.write_str(m),
        }
    }
}

/// Serve until SIGTERM or SIGINT, then finish the requests under way and return.
pub fn serve(opts: ServeOptions) -> Result<(), ServeError> {
    if !opts.listen.ip().is_loopback() && !opts.insecure_http && opts.tls.is_none() {
        return Err(ServeError::Usage(format!(
            "{} is not a loopback address, and without TLS every API token would cross the network in clear: give --tls-cert and --tls-key, listen on 127.0.0.1, or say --insecure-http if a proxy in front adds TLS",
            opts.listen
        )));
    }
    let store = Store::open(&opts.store)
        .and_then(|mut s| s.ensure_stdlib().map(|_| s))
        .map_err(|e| {
            ServeError::Failed(format!(
                "cannot open the store {}: {e}",
                opts.store.display()
            ))
        })?;
    let clock = opts
        .test_clock
        .map_or(clock::Clock::System, clock::Clock::manual);
    let runner = runner::Runner::new(opts.store.clone(), opts.vm.clone(), opts.zones.clone());
    let (engine, engine_thread) =
        engine::Engine::start(opts.store.clone(), runner.clone(), clock.clone(), opts.zone)
            .map_err(ServeError::Failed)?;
    let state = AppState {
        store: Arc::new(Mutex::new(store)),
        max_body: opts.max_body,
        engine: engine.clone(),
        runner: runner.clone(),
        clock,
        zone: opts.zone,
        sessions: web::Sessions::new(opts.tls.is_some()),
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .thread_name("jfc-serve")
        .build()
        .map_err(|e| ServeError::Failed(format!("cannot start the async runtime: {e}")))?;
    runtime.block_on(async move {
        let listener = std::net::TcpListener::bind(opts.listen)
            .map_err(|e| ServeError::Failed(format!("cannot listen on {}: {e}", opts.listen)))?;
        let local = listener
            .local_addr()
            .map_err(|e| ServeError::Failed(e.to_string()))?;
        // tokio takes only a non-blocking socket.
        listener
            .set_nonblocking(true)
            .map_err(|e| ServeError::Failed(format!("cannot listen on {local}: {e}")))?;
        let app = router(state).into_make_service();
        let handle = axum_server::Handle::new();
        let stopping = handle.clone();
        // The handlers are in place before the daemon says it listens: a SIGTERM right
        // after that line must stop it cleanly, not kill it.
        let stop = stop_signal();
        tokio::spawn(async move {
            stop.await;
            stopping.graceful_shutdown(Some(std::time::Duration::from_secs(30)));
        });
        let cannot =
            |e: std::io::Error| ServeError::Failed(format!("cannot listen on {local}: {e}"));
        let served = match &opts.tls {
            Some((cert, key)) => {
                let config = tls_config(cert, key).await?;
                announce("https", local, &opts);
                axum_server::from_tcp_rustls(listener, config)
                    .map_err(cannot)?
                    .handle(handle)
                    .serve(app)
                    .await
            }
            None => {
                announce("http", local, &opts);
                axum_server::from_tcp(listener)
                    .map_err(cannot)?
                    .handle(handle)
                    .serve(app)
                    .await
            }
        };
        served.map_err(|e| ServeError::Failed(format!("the server failed: {e}")))
    })?;
    engine.stop();
    let _ = engine_thread.join();
    stop_runs(&runner);
    tracing::info!("jfc serve: stopped");
    Ok(())
}

/// The daemon is stopping: the commands of its runs are ended, and each run's record
/// says why (a run in checkpoint mode keeps its checkpoint, and the next daemon
/// resumes it).
fn stop_runs(runner: &runner::Runner) {
    if runner.live() == 0 {
        return;
    }
    tracing::info!("jfc serve: stopping {} runs", runner.live());
    jfc_runtime::exec::children::stop_all();
    jfc_runtime::record::stop_all(15, "jfc serve");
}

/// The line a supervisor or a test waits for.
fn announce(scheme: &str, local: SocketAddr, opts: &ServeOptions) {
    eprintln!(
        "jfc serve: listening on {scheme}://{local} (store {})",
        opts.store.display()
    );
}

/// The TLS settings of `--tls-cert` and `--tls-key`, with rustls on ring.
async fn tls_config(
    cert: &std::path::Path,
    key: &std::path::Path,
) -> Result<axum_server::tls_rustls::RustlsConfig, ServeError> {
    // Only the first call installs it; a second finds it there.
    let _ = rustls::crypto::ring::default_provider().install_default();
    axum_server::tls_rustls::RustlsConfig::from_pem_file(cert, key)
        .await
        .map_err(|e| {
            ServeError::Usage(format!(
                "cannot use --tls-cert {} and --tls-key {}: {e}",
                cert.display(),
                key.display()
            ))
        })
}

/// SIGTERM or SIGINT: the handlers are installed when this is called, the future waits.
fn stop_signal() -> impl std::future::Future<Output = ()> {
    use tokio::signal::unix::{signal, SignalKind};
    let handlers = (
        signal(SignalKind::terminate()),
        signal(SignalKind::interrupt()),
    );
    async move {
        let (Ok(mut term), Ok(mut int)) = handlers else {
            return std::future::pending().await;
        };
        tokio::select! {
            _ = term.recv() => {}
            _ = int.recv() => {}
        }
        tracing::info!("jfc serve: stopping, the requests under way finish first");
    }
}
