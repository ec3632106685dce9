//! Binding and serving: the router, the middleware stack, plain HTTP or TLS.

use std::net::SocketAddr;

use axum::Router;
use axum::extract::Request;
use axum::extract::State;
use axum::http::{HeaderValue, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto;
use hyper_util::server::graceful::{GracefulShutdown, Watcher};
use hyper_util::service::TowerToHyperService;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{Notify, oneshot};

use crate::config::Config;
use crate::error::{CLIENT_REQUEST_ID, GraphError, REQUEST_ID};
use crate::state::AppState;

/// Every route of the emulator, with the middleware stack. From the outside in:
/// request-id (every response carries one, errors repeat it), stats (so that injected
/// faults are counted too), latency (a WAN round trip before anything happens), faults.
pub fn app(state: AppState) -> Router {
    Router::new()
        .merge(crate::identity::router())
        .merge(crate::graph::router())
        .merge(crate::transfer::router())
        .merge(crate::admin::router())
        .fallback(unknown_route)
        .layer(middleware::from_fn_with_state(
            state.clone(),
            crate::faults::layer,
        ))
        .layer(middleware::from_fn_with_state(state.clone(), latency))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            crate::stats::layer,
        ))
        .layer(middleware::from_fn(header_limits))
        .layer(middleware::from_fn(request_id))
        .with_state(state)
}

/// Front ends of the service refuse oversized headers (HTTP.sys: 16 KB per field by
/// default); hyper alone would accept megabytes. 431 with Graph's error body.
const MAX_HEADER_FIELD: usize = 16 * 1024;
const MAX_HEADERS_TOTAL: usize = 64 * 1024;

async fn header_limits(req: Request, next: Next) -> Response {
    let mut total = 0;
    for (name, value) in req.headers() {
        let n = name.as_str().len() + value.len();
        total += n;
        if n > MAX_HEADER_FIELD || total > MAX_HEADERS_TOTAL {
            return GraphError::new(
                StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
                "invalidRequest",
                "The request headers are too long.",
            )
            .into_response();
        }
    }
    next.run(req).await
}

/// Delays every response but the admin routes' by `config.latency` (`--latency-ms`).
async fn latency(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let delay = state.config.latency;
    if !delay.is_zero() && !req.uri().path().starts_with(crate::admin::PREFIX) {
        tokio::time::sleep(delay).await;
    }
    next.run(req).await
}

async fn unknown_route() -> GraphError {
    GraphError::new(
        StatusCode::BAD_REQUEST,
        "BadRequest",
        "Resource not found for the segment.",
    )
}

/// Gives every response a `request-id` header (Graph sends one on every response) and
/// makes the id available to error bodies through [`REQUEST_ID`].
async fn request_id(req: Request, next: Next) -> Response {
    // Graph's request ids are GUIDs.
    let id = crate::identity::tokens::random_guid();
    let client_id = req
        .headers()
        .get("client-request-id")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let mut resp = REQUEST_ID
        .scope(
            id.clone(),
            CLIENT_REQUEST_ID.scope(client_id.clone(), next.run(req)),
        )
        .await;
    if let Ok(v) = HeaderValue::from_str(&id) {
        resp.headers_mut().insert("request-id", v);
    }
    let cid = client_id.unwrap_or(id);
    if let Ok(v) = HeaderValue::from_str(&cid) {
        resp.headers_mut().insert("client-request-id", v);
    }
    resp
}

/// A running emulator.
pub struct Running {
    /// Base URL clients use (the `--public-url`, or `http://ADDR`).
    pub url: String,
    /// The bound address.
    pub addr: SocketAddr,
    pub state: AppState,
    shutdown: Option<oneshot::Sender<()>>,
    task: tokio::task::JoinHandle<std::io::Result<()>>,
}

impl Running {
    /// Stops accepting connections and waits for the server task to end.
    pub async fn shutdown(mut self) -> std::io::Result<()> {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        self.task.await.map_err(std::io::Error::other)?
    }

    /// Waits until the server stops (it only stops on error or shutdown).
    pub async fn wait(self) -> std::io::Result<()> {
        self.task.await.map_err(std::io::Error::other)?
    }
}

/// Binds `config.listen` and serves in a background task of the current runtime: plain
/// HTTP/1.1 and h2c, or HTTPS (HTTP/1.1 and h2 by ALPN) when `config.tls` is set.
pub async fn start(config: Config) -> std::io::Result<Running> {
    let listener = tokio::net::TcpListener::bind(config.listen).await?;
    let addr = listener.local_addr()?;
    // Loaded before anything is served so that a bad certificate fails start-up.
    let tls = match &config.tls {
        Some(files) => {
            let c = axum_server::tls_rustls::RustlsConfig::from_pem_file(&files.cert, &files.key)
                .await
                .map_err(|e| {
                    std::io::Error::new(
                        e.kind(),
                        format!(
                            "TLS certificate {} / key {}: {e}",
                            files.cert.display(),
                            files.key.display()
                        ),
                    )
                })?;
            Some(tokio_rustls::TlsAcceptor::from(c.get_inner()))
        }
        None => None,
    };
    let scheme = if config.tls.is_some() {
        "https"
    } else {
        "http"
    };
    let url = config
        .public_url
        .clone()
        .map(|u| u.trim_end_matches('/').to_owned())
        .unwrap_or_else(|| format!("{scheme}://{addr}"));
    let state = AppState::new(config, url.clone())?;
    let app = app(state.clone());
    let (tx, rx) = oneshot::channel::<()>();
    let task = tokio::spawn(accept_loop(listener, tls, app, rx));
    Ok(Running {
        url,
        addr,
        state,
        shutdown: Some(tx),
        task,
    })
}

/// Lets a handler or middleware drop the connection its request came on, without an
/// answer: the "connection cut" fault. Present in every request's extensions.
#[derive(Clone, Debug)]
pub struct ConnKill(Arc<Notify>);

impl ConnKill {
    /// Closes the connection as soon as the current poll returns. The caller should
    /// then never complete (e.g. await `std::future::pending()`), so that no response
    /// gets out first.
    pub fn kill(&self) {
        self.0.notify_one();
    }
}

/// Our own accept loop (rather than `axum::serve`) so that a connection can be cut on
/// purpose ([`ConnKill`]), with the same code for plain TCP and TLS.
async fn accept_loop(
    listener: tokio::net::TcpListener,
    tls: Option<tokio_rustls::TlsAcceptor>,
    app: Router,
    mut stop: oneshot::Receiver<()>,
) -> std::io::Result<()> {
    let graceful = GracefulShutdown::new();
    loop {
        let (tcp, _peer) = tokio::select! {
            r = listener.accept() => match r {
                Ok(c) => c,
                // Out of file descriptors and the like: wait, don't die.
                Err(_) => {
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            _ = &mut stop => break,
        };
        // Small JSON replies must not wait for Nagle + delayed ACK (40 ms each).
        let _ = tcp.set_nodelay(true);
        let app = app.clone();
        let watcher = graceful.watcher();
        let tls = tls.clone();
        tokio::spawn(async move {
            match tls {
                None => serve_connection(tcp, app, watcher).await,
                Some(acceptor) => {
                    let handshake =
                        tokio::time::timeout(Duration::from_secs(10), acceptor.accept(tcp)).await;
                    if let Ok(Ok(stream)) = handshake {
                        serve_connection(stream, app, watcher).await;
                    }
                }
            }
        });
    }
    drop(listener);
    // Open connections get a few seconds to finish their requests.
    let _ = tokio::time::timeout(Duration::from_secs(5), graceful.shutdown()).await;
    Ok(())
}

async fn serve_connection<I>(io: I, app: Router, watcher: Watcher)
where
    I: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static,
{
    let kill = ConnKill(Arc::new(Notify::new()));
    let k = kill.clone();
    let svc = tower::service_fn(move |mut req: Request<hyper::body::Incoming>| {
        req.extensions_mut().insert(k.clone());
        let mut app = app.clone();
        async move { tower::Service::call(&mut app, req).await }
    });
    let mut builder = auto::Builder::new(TokioExecutor::new());
    // Bigger reads for multi-MB bodies (hyper's adaptive buffer stops at ~400 KB).
    // hyper refuses more than 100 header fields with a bare 431; allow more so that
    // `header_limits` answers oversized header sets with Graph's error body.
    builder
        .http1()
        .timer(TokioTimer::new())
        .max_buf_size(4 << 20)
        .max_headers(1000);
    let conn = builder.serve_connection(TokioIo::new(io), TowerToHyperService::new(svc));
    let conn = watcher.watch(conn.into_owned());
    tokio::select! {
        _ = conn => {}
        _ = kill.0.notified() => {}
    }
}

/// An emulator served by its own runtime on its own thread, for synchronous callers
/// (integration tests that drive a binary). Stops when dropped.
pub struct BackgroundEmulator {
    pub url: String,
    pub addr: SocketAddr,
    pub state: AppState,
    stop: Option<oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Drop for BackgroundEmulator {
    fn drop(&mut self) {
        if let Some(tx) = self.stop.take() {
            let _ = tx.send(());
        }
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// Starts an emulator on a dedicated thread with a 2-worker runtime.
pub fn start_in_thread(config: Config) -> std::io::Result<BackgroundEmulator> {
    let (ready_tx, ready_rx) = std::sync::mpsc::channel();
    let (stop_tx, stop_rx) = oneshot::channel::<()>();
    let thread = std::thread::Builder::new()
        .name("onedrive-emulator".into())
        .spawn(move || {
            let rt = match tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .build()
            {
                Ok(rt) => rt,
                Err(e) => {
                    let _ = ready_tx.send(Err(e));
                    return;
                }
            };
            rt.block_on(async move {
                match start(config).await {
                    Ok(running) => {
                        let info = (running.url.clone(), running.addr, running.state.clone());
                        let _ = ready_tx.send(Ok(info));
                        let _ = stop_rx.await;
                        let _ = running.shutdown().await;
                    }
                    Err(e) => {
                        let _ = ready_tx.send(Err(e));
                    }
                }
            });
        })?;
    let (url, addr, state) = ready_rx.recv().map_err(std::io::Error::other)??;
    Ok(BackgroundEmulator {
        url,
        addr,
        state,
        stop: Some(stop_tx),
        thread: Some(thread),
    })
}
