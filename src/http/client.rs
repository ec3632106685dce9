//! The HTTP client: request building, sending, retrying, tracing.
//!
//! One connection pool serves every host (Graph, the identity platform, download and
//! upload hosts), with HTTP/2 negotiated by ALPN and keep-alive. Redirects are **never
//! followed automatically**: reqwest has no per-request switch, and every redirect this
//! client meets needs a decision of its own: `GET …/content` answers 302 to a
//! pre-authenticated URL that must be fetched *without* `Authorization` and with the
//! caller's `Range`; a copy monitor may answer 303, which must be read, not followed.
//! So the Graph client in `graph` handles those explicitly, and there is no need for a
//! second connection pool: whether a request carries the bearer token is decided per
//! request by [`Auth`].

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use futures_util::future::BoxFuture;
use reqwest::header::{self, HeaderMap, HeaderName, HeaderValue};
use reqwest::{Method, StatusCode};
use serde::Serialize;
use serde::de::DeserializeOwned;
use tracing::Level;
use url::Url;

use super::error::{Error, decode_error, parse_retry_after};
use super::redact;
use super::retry::{Governor, RetryPolicy, is_idempotent};
use super::timeout::{IdleBody, SendActivity, Timeouts, timed_out, until_answer};

/// Error of a [`Transport`]: anything that kept a response from arriving.
pub type TransportError = Box<dyn std::error::Error + Send + Sync>;

/// What actually moves bytes. [`reqwest::Client`] implements it; a library user can plug
/// in another (a proxying or recording transport, an in-memory fake).
pub trait Transport: Send + Sync + 'static {
    fn execute(
        &self,
        request: reqwest::Request,
    ) -> BoxFuture<'static, Result<reqwest::Response, TransportError>>;
}

impl Transport for reqwest::Client {
    fn execute(
        &self,
        request: reqwest::Request,
    ) -> BoxFuture<'static, Result<reqwest::Response, TransportError>> {
        let fut = reqwest::Client::execute(self, request);
        Box::pin(async move {
            // reqwest puts the URL into its error text; URLs may hold secrets, and the
            // caller reports the (redacted) URL itself.
            fut.await
                .map_err(|e| Box::new(e.without_url()) as TransportError)
        })
    }
}

/// Supplies access tokens for [`Auth::Bearer`] requests (implemented by
/// `auth::TokenManager`).
pub trait TokenSource: Send + Sync + 'static {
    /// A currently valid access token. `rejected` is a token the service has just refused
    /// with 401: the source must then refresh and return a different one, or fail.
    fn access_token<'a>(
        &'a self,
        rejected: Option<&'a str>,
    ) -> BoxFuture<'a, Result<String, Error>>;
}

/// Whether a request carries `Authorization: Bearer`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Auth {
    /// Graph API calls.
    Bearer,
    /// Token endpoints and pre-authenticated URLs (download, upload session, monitor):
    /// Graph says sending the token there "may result in" 401, and it would leak the
    /// token to another host.
    None,
}

/// A request body.
pub enum Body {
    Empty,
    /// In memory: can be re-sent on retry.
    Bytes {
        data: Bytes,
        content_type: Option<HeaderValue>,
    },
    /// Streamed once; a request with a stream body is never retried.
    Stream {
        body: Option<reqwest::Body>,
        length: Option<u64>,
        content_type: Option<HeaderValue>,
    },
}

impl Body {
    fn is_replayable(&self) -> bool {
        !matches!(self, Body::Stream { .. })
    }

    /// A copy for a second sending (`None` for a stream).
    fn try_clone(&self) -> Option<Body> {
        match self {
            Body::Empty => Some(Body::Empty),
            Body::Bytes { data, content_type } => Some(Body::Bytes {
                data: data.clone(),
                content_type: content_type.clone(),
            }),
            Body::Stream { .. } => None,
        }
    }
}

/// A request to send through [`HttpClient::send`].
pub struct Request {
    pub method: Method,
    pub url: Url,
    pub headers: HeaderMap,
    pub body: Body,
    pub auth: Auth,
    /// The URL itself is a credential (pre-authenticated): traces and errors show its
    /// host only.
    pub secret_url: bool,
    /// Whether a transport failure (connection cut, reset, timeout) is retried here.
    /// Off for uploads: a connection that breaks while the body is being sent may be
    /// the service answering early (409, 413, 507, …) and closing, and re-sending the
    /// same body would only meet the same answer unread. The upload code asks a
    /// body-less request (session status, session creation) what the service thinks.
    pub retry_transport: bool,
    /// Whether sending this request twice has the effect of sending it once, so that a
    /// 500/502/504 (which may come after the work was done) or a cut connection can be
    /// retried. Set from the method (RFC 9110 §9.2.2); [`Request::idempotent`] marks a
    /// POST that is idempotent in effect.
    pub idempotent: bool,
}

impl Request {
    /// A Graph request (bearer token attached).
    pub fn new(method: Method, url: Url) -> Self {
        Self {
            url,
            headers: HeaderMap::new(),
            body: Body::Empty,
            auth: Auth::Bearer,
            secret_url: false,
            retry_transport: true,
            idempotent: is_idempotent(&method),
            method,
        }
    }

    /// A request without `Authorization` (token endpoints).
    pub fn unauthenticated(method: Method, url: Url) -> Self {
        Self {
            auth: Auth::None,
            ..Self::new(method, url)
        }
    }

    /// A request to a pre-authenticated URL: no `Authorization`, URL hidden in traces.
    pub fn preauthenticated(method: Method, url: Url) -> Self {
        Self {
            auth: Auth::None,
            secret_url: true,
            ..Self::new(method, url)
        }
    }

    /// Marks a request whose repetition changes nothing more than its first sending
    /// (see [`Request::idempotent`]): e.g. `createUploadSession` (a second session; the
    /// unused one expires) or `createLink` (Graph returns the existing link).
    pub fn idempotent(mut self) -> Self {
        self.idempotent = true;
        self
    }

    /// A copy for a second sending, when the body can be sent again.
    fn try_clone(&self) -> Option<Request> {
        Some(Request {
            method: self.method.clone(),
            url: self.url.clone(),
            headers: self.headers.clone(),
            body: self.body.try_clone()?,
            auth: self.auth,
            secret_url: self.secret_url,
            retry_transport: self.retry_transport,
            idempotent: self.idempotent,
        })
    }

    /// Transport failures are returned at once instead of retried (see
    /// [`Request::retry_transport`]).
    pub fn no_transport_retry(mut self) -> Self {
        self.retry_transport = false;
        self
    }

    /// Adds a header.
    pub fn header(mut self, name: HeaderName, value: HeaderValue) -> Self {
        self.headers.insert(name, value);
        self
    }

    /// Adds a header from strings; fails on values that are not valid header text.
    pub fn header_str(self, name: HeaderName, value: &str) -> Result<Self, Error> {
        let v = HeaderValue::from_str(value)
            .map_err(|_| Error::InvalidInput(format!("invalid {name} header value")))?;
        Ok(self.header(name, v))
    }

    /// A JSON body.
    pub fn json<T: Serialize + ?Sized>(mut self, value: &T) -> Result<Self, Error> {
        let data = serde_json::to_vec(value)
            .map_err(|e| Error::InvalidInput(format!("cannot encode JSON body: {e}")))?;
        self.body = Body::Bytes {
            data: data.into(),
            content_type: Some(HeaderValue::from_static("application/json")),
        };
        Ok(self)
    }

    /// An `application/x-www-form-urlencoded` body.
    pub fn form(mut self, pairs: &[(&str, &str)]) -> Self {
        let mut ser = url::form_urlencoded::Serializer::new(String::new());
        for (k, v) in pairs {
            ser.append_pair(k, v);
        }
        self.body = Body::Bytes {
            data: ser.finish().into_bytes().into(),
            content_type: Some(HeaderValue::from_static(
                "application/x-www-form-urlencoded",
            )),
        };
        self
    }

    /// A raw in-memory body (retryable).
    pub fn bytes(mut self, data: Bytes, content_type: Option<HeaderValue>) -> Self {
        self.body = Body::Bytes { data, content_type };
        self
    }

    /// A streamed body of `length` bytes when known (sent as `Content-Length`, which
    /// Graph's upload endpoints require). Not retried.
    pub fn stream(
        mut self,
        body: reqwest::Body,
        length: Option<u64>,
        content_type: Option<HeaderValue>,
    ) -> Self {
        self.body = Body::Stream {
            body: Some(body),
            length,
            content_type,
        };
        self
    }

    /// Method and URL as they may be shown.
    /// The URL as traces and errors show it (a pre-authenticated one by host only).
    pub fn shown_url(&self) -> String {
        if self.secret_url {
            redact::preauthenticated_url(&self.url)
        } else {
            redact::url(&self.url)
        }
    }
}

struct Inner {
    transport: Arc<dyn Transport>,
    base_headers: HeaderMap,
    retry: RetryPolicy,
    timeouts: Timeouts,
    governor: Governor,
}

/// The HTTP client. Cheap to clone (shared connection pool).
#[derive(Clone)]
pub struct HttpClient {
    inner: Arc<Inner>,
    tokens: Option<Arc<dyn TokenSource>>,
}

impl std::fmt::Debug for HttpClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HttpClient")
            .field("retry", &self.inner.retry)
            .field("has_tokens", &self.tokens.is_some())
            .finish()
    }
}

/// The network settings of one invocation: retry bounds and transport limits
/// (`--retries`, `--retry-max-time`, `--connect-timeout`, `--read-timeout`).
#[derive(Clone, Debug, Default)]
pub struct Network {
    /// How often and how long one request is retried.
    pub retry: RetryPolicy,
    /// Connect and idle limits.
    pub timeouts: Timeouts,
}

/// Builds an [`HttpClient`].
pub struct HttpClientBuilder {
    transport: Option<Arc<dyn Transport>>,
    base_headers: HeaderMap,
    retry: RetryPolicy,
    timeouts: Timeouts,
    user_agent: String,
}

impl Default for HttpClientBuilder {
    fn default() -> Self {
        Self {
            transport: None,
            base_headers: HeaderMap::new(),
            retry: RetryPolicy::default(),
            timeouts: Timeouts::default(),
            // Microsoft asks for a decorated User-Agent to identify the application.
            user_agent: concat!("onedrive-cli/", env!("CARGO_PKG_VERSION")).to_owned(),
        }
    }
}

impl HttpClientBuilder {
    /// Uses `transport` instead of the default reqwest client.
    pub fn transport(mut self, transport: Arc<dyn Transport>) -> Self {
        self.transport = Some(transport);
        self
    }

    /// Retry settings.
    pub fn retry(mut self, retry: RetryPolicy) -> Self {
        self.retry = retry;
        self
    }

    /// Retry bounds and transport limits together.
    pub fn network(self, network: &Network) -> Self {
        self.retry(network.retry.clone()).timeouts(network.timeouts)
    }

    /// Connect and idle limits (`--connect-timeout`, `--read-timeout`).
    pub fn timeouts(mut self, timeouts: Timeouts) -> Self {
        self.timeouts = timeouts;
        self
    }

    /// Headers sent with every request (the state file's `request.base_headers`).
    /// `Authorization` is refused: the token is managed by the client.
    pub fn base_headers<'a>(
        mut self,
        headers: impl IntoIterator<Item = (&'a str, &'a str)>,
    ) -> Result<Self, Error> {
        for (k, v) in headers {
            let name = HeaderName::from_bytes(k.as_bytes())
                .map_err(|_| Error::InvalidInput(format!("invalid header name {k:?}")))?;
            if name == header::AUTHORIZATION {
                return Err(Error::InvalidInput(
                    "base_headers may not set Authorization".into(),
                ));
            }
            let value = HeaderValue::from_str(v)
                .map_err(|_| Error::InvalidInput(format!("invalid value for header {k}")))?;
            self.base_headers.insert(name, value);
        }
        Ok(self)
    }

    pub fn build(self) -> Result<HttpClient, Error> {
        let transport: Arc<dyn Transport> = match self.transport {
            Some(t) => t,
            None => Arc::new(reqwest_client(&self.user_agent, &self.timeouts)?),
        };
        Ok(HttpClient {
            inner: Arc::new(Inner {
                transport,
                base_headers: self.base_headers,
                retry: self.retry,
                timeouts: self.timeouts,
                governor: Governor::default(),
            }),
            tokens: None,
        })
    }
}

/// The default reqwest client: rustls, HTTP/2 via ALPN, keep-alive, gzip, no redirects.
pub fn default_reqwest_client(user_agent: &str) -> Result<reqwest::Client, Error> {
    reqwest_client(user_agent, &Timeouts::default())
}

/// Makes ring the process's rustls crypto provider (once; a provider installed earlier
/// by the embedding program is kept). ring draws its randomness from the OS; aws-lc-rs,
/// reqwest's default, spends about 37 ms of CPU seeding a jitter-entropy generator at
/// every process start, which a one-shot command pays on each run.
pub fn install_crypto_provider() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let _ = rustls::crypto::ring::default_provider().install_default();
    });
}

/// The reqwest client with `timeouts.connect` (the idle limit is [`HttpClient`]'s own:
/// see [`super::timeout`]).
fn reqwest_client(user_agent: &str, timeouts: &Timeouts) -> Result<reqwest::Client, Error> {
    install_crypto_provider();
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .user_agent(user_agent)
        .connect_timeout(timeouts.connect)
        .pool_idle_timeout(Duration::from_secs(90))
        .tcp_keepalive(Duration::from_secs(60))
        .build()
        .map_err(|e| Error::InvalidInput(format!("cannot initialise the HTTP client: {e}")))
}

impl HttpClient {
    pub fn builder() -> HttpClientBuilder {
        HttpClientBuilder::default()
    }

    /// A client with default settings.
    pub fn new() -> Result<Self, Error> {
        Self::builder().build()
    }

    /// A client sharing this one's connections and settings, attaching tokens from
    /// `tokens` to [`Auth::Bearer`] requests.
    pub fn with_token_source(&self, tokens: Arc<dyn TokenSource>) -> Self {
        Self {
            inner: self.inner.clone(),
            tokens: Some(tokens),
        }
    }

    /// The retry settings.
    pub fn retry_policy(&self) -> &RetryPolicy {
        &self.inner.retry
    }

    /// The throttle state shared by every clone of this client.
    pub fn governor(&self) -> &Governor {
        &self.inner.governor
    }

    /// Sends `req`, retrying throttled and transient failures, and refreshing the token
    /// once on a 401. Success is any 1xx/2xx/3xx status (redirects are returned, not
    /// followed); 4xx/5xx become [`Error::Api`] or [`Error::OAuth`].
    pub async fn send(&self, req: Request) -> Result<reqwest::Response, Error> {
        let mut backoff = self.inner.retry.backoff();
        self.send_with(req, &mut backoff).await
    }

    /// [`send`](Self::send) counting retries in `backoff`, so that a caller that repeats
    /// the request itself (a body cut while read) stays within one request's bounds.
    async fn send_with(
        &self,
        mut req: Request,
        backoff: &mut super::retry::Backoff<'_>,
    ) -> Result<reqwest::Response, Error> {
        let method_s = req.method.to_string();
        let shown = req.shown_url();
        let policy = &self.inner.retry;
        // Graph echoes `client-request-id` in responses and error bodies; one id per
        // logical request (kept across retries) ties a failure to its attempts.
        if req.auth == Auth::Bearer
            && !req.headers.contains_key("client-request-id")
            && let Ok(v) = HeaderValue::from_str(&new_request_id())
        {
            req.headers
                .insert(HeaderName::from_static("client-request-id"), v);
        }
        let mut rejected: Option<String> = None;
        let mut reauthenticated = false;
        loop {
            let token = match req.auth {
                Auth::Bearer => {
                    let source = self.tokens.as_ref().ok_or_else(|| {
                        Error::AuthRequired("no credentials configured; run `auth`".into())
                    })?;
                    Some(source.access_token(rejected.as_deref()).await?)
                }
                Auth::None => None,
            };
            let replayable = req.body.is_replayable();
            self.inner.governor.ready().await;
            let activity = SendActivity::new();
            let r = self.build_attempt(&mut req, token.as_deref(), &activity)?;
            self.trace_request(&r, &shown, &req.body);
            let idle = self.inner.timeouts.idle;
            let answer = until_answer(self.inner.transport.execute(r), &activity, idle)
                .await
                .unwrap_or_else(|()| Err(Box::new(timed_out(idle))))
                .map(|resp| IdleBody::wrap(resp, idle));
            match answer {
                Err(source) => {
                    let delay = (replayable && req.retry_transport && req.idempotent)
                        .then(|| backoff.next(None))
                        .flatten();
                    match delay {
                        Some(d) => {
                            tracing::info!(target: "onedrive_cli::http",
                                "{method_s} {shown}: {source}; retrying in {d:.1?}");
                            tokio::time::sleep(d).await;
                            continue;
                        }
                        None => {
                            return Err(Error::Transport {
                                method: method_s,
                                url: shown,
                                source,
                            });
                        }
                    }
                }
                Ok(resp) => {
                    let status = resp.status();
                    self.trace_response(&resp, &method_s, &shown);
                    if status == StatusCode::UNAUTHORIZED
                        && token.is_some()
                        && !reauthenticated
                        && replayable
                    {
                        // Graph: 401 InvalidAuthenticationToken when the token expired
                        // early or was revoked; refresh once, then give up.
                        reauthenticated = true;
                        rejected = token;
                        continue;
                    }
                    if replayable && policy.is_retryable_status(req.idempotent, status) {
                        let retry_after = parse_retry_after(resp.headers());
                        if let Some(d) = backoff.next(retry_after) {
                            if retry_after.is_some() {
                                self.inner.governor.throttled(d);
                                tracing::info!(target: crate::http::WAIT_TARGET,
                                    "the service asked to wait {d:.1?} (HTTP {} to {method_s} {shown}); waiting",
                                    status.as_u16());
                            } else {
                                tracing::info!(target: "onedrive_cli::http",
                                    "{method_s} {shown}: HTTP {}; retrying in {d:.1?}", status.as_u16());
                            }
                            drop(resp);
                            tokio::time::sleep(d).await;
                            continue;
                        }
                    }
                    if status.is_client_error() || status.is_server_error() {
                        let headers = resp.headers().clone();
                        let body = resp.bytes().await.unwrap_or_default();
                        if tracing::enabled!(target: "onedrive_cli::http", Level::DEBUG) {
                            tracing::debug!(target: "onedrive_cli::http",
                                "<- body {}", redact::json(&body));
                        }
                        let mut err = decode_error(status, &headers, &body, &method_s, &shown);
                        if let Error::Api(api) = &mut err {
                            api.preauthenticated = req.secret_url;
                        }
                        return Err(err);
                    }
                    return Ok(resp);
                }
            }
        }
    }

    /// Sends `req` and decodes a JSON response body.
    pub async fn send_json<T: DeserializeOwned>(&self, req: Request) -> Result<T, Error> {
        let method = req.method.to_string();
        let shown = req.shown_url();
        let body = self.send_read(req).await?;
        parse_json(&body, &method, &shown)
    }

    /// Sends `req` and reads the whole answer. A body cut while being read (the
    /// connection broke mid-answer) is retried like a cut connection, under the same
    /// policy, when the request may be repeated (idempotent, replayable, transport
    /// retries allowed): a listing page cut short is asked for again, never returned
    /// short.
    pub async fn send_read(&self, req: Request) -> Result<Bytes, Error> {
        let method = req.method.to_string();
        let shown = req.shown_url();
        let repeatable = req.idempotent && req.retry_transport;
        let mut next = req;
        let mut backoff = self.inner.retry.backoff();
        loop {
            let again = if repeatable { next.try_clone() } else { None };
            let resp = self.send_with(next, &mut backoff).await?;
            match read_body(resp, &method, &shown).await {
                Err(e @ Error::Transport { .. }) => match (again, backoff.next(None)) {
                    (Some(r), Some(d)) => {
                        tracing::info!(target: "onedrive_cli::http",
                                "{method} {shown}: answer cut ({e}); retrying in {d:.1?}");
                        tokio::time::sleep(d).await;
                        next = r;
                    }
                    _ => return Err(e),
                },
                other => return other,
            }
        }
    }

    fn build_attempt(
        &self,
        req: &mut Request,
        token: Option<&str>,
        activity: &SendActivity,
    ) -> Result<reqwest::Request, Error> {
        let mut r = reqwest::Request::new(req.method.clone(), req.url.clone());
        let h = r.headers_mut();
        for (k, v) in &self.inner.base_headers {
            h.insert(k, v.clone());
        }
        for (k, v) in &req.headers {
            h.insert(k, v.clone());
        }
        if let Some(t) = token {
            let mut v = HeaderValue::from_str(&format!("Bearer {t}")).map_err(|_| {
                Error::AuthRequired("the stored access token is not valid header text".into())
            })?;
            v.set_sensitive(true);
            h.insert(header::AUTHORIZATION, v);
        }
        match &mut req.body {
            Body::Empty => {
                // Graph answers 411 to a body-less POST/PUT without Content-Length.
                if matches!(req.method, Method::POST | Method::PUT | Method::PATCH) {
                    h.insert(header::CONTENT_LENGTH, HeaderValue::from_static("0"));
                }
            }
            Body::Bytes { data, content_type } => {
                if let Some(ct) = content_type {
                    h.entry(header::CONTENT_TYPE).or_insert(ct.clone());
                }
                // A large in-memory body (a simple upload) is handed over in pieces so
                // that the idle limit sees its progress; small ones (JSON) go whole.
                *r.body_mut() = Some(if data.len() > TRACKED_BODY_CHUNK {
                    activity.track(chunked_body(data.clone()))
                } else {
                    reqwest::Body::from(data.clone())
                });
            }
            Body::Stream {
                body,
                length,
                content_type,
            } => {
                if let Some(ct) = content_type {
                    h.entry(header::CONTENT_TYPE).or_insert(ct.clone());
                }
                if let Some(len) = length {
                    h.insert(header::CONTENT_LENGTH, HeaderValue::from(*len));
                }
                let b = body.take().ok_or_else(|| {
                    Error::InvalidInput("a streamed request body can only be sent once".into())
                })?;
                *r.body_mut() = Some(activity.track(b));
            }
        }
        Ok(r)
    }

    fn trace_request(&self, r: &reqwest::Request, shown: &str, body: &Body) {
        if !tracing::enabled!(target: "onedrive_cli::http", Level::DEBUG) {
            return;
        }
        let headers = format_headers(r.headers());
        let body_s = match body {
            Body::Empty => String::new(),
            Body::Bytes { data, content_type } => {
                let ct = content_type
                    .as_ref()
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or("");
                if ct.starts_with("application/x-www-form-urlencoded") {
                    format!(" body {}", redact::form(data))
                } else if ct.starts_with("application/json") {
                    format!(" body {}", redact::json(data))
                } else {
                    format!(" body <{} bytes>", data.len())
                }
            }
            Body::Stream { length, .. } => match length {
                Some(n) => format!(" body <stream, {n} bytes>"),
                None => " body <stream>".to_owned(),
            },
        };
        tracing::debug!(target: "onedrive_cli::http", "-> {} {shown} {headers}{body_s}", r.method());
    }

    fn trace_response(&self, resp: &reqwest::Response, method: &str, shown: &str) {
        if !tracing::enabled!(target: "onedrive_cli::http", Level::DEBUG) {
            return;
        }
        tracing::debug!(target: "onedrive_cli::http",
            "<- {} {method} {shown} {:?} {}",
            resp.status().as_u16(),
            resp.version(),
            format_headers(resp.headers()));
    }
}

/// Pieces a large in-memory body is handed to the connection in (see `build_attempt`).
const TRACKED_BODY_CHUNK: usize = 64 * 1024;

/// `data` as a body of [`TRACKED_BODY_CHUNK`] pieces with its exact length known (so it
/// is sent with `Content-Length`, never chunked).
fn chunked_body(data: Bytes) -> reqwest::Body {
    struct Pieces(Bytes);
    impl http_body::Body for Pieces {
        type Data = Bytes;
        type Error = std::convert::Infallible;
        fn poll_frame(
            mut self: std::pin::Pin<&mut Self>,
            _: &mut std::task::Context<'_>,
        ) -> std::task::Poll<Option<Result<http_body::Frame<Bytes>, Self::Error>>> {
            let n = self.0.len().min(TRACKED_BODY_CHUNK);
            if n == 0 {
                return std::task::Poll::Ready(None);
            }
            let piece = self.0.split_to(n);
            std::task::Poll::Ready(Some(Ok(http_body::Frame::data(piece))))
        }
        fn is_end_stream(&self) -> bool {
            self.0.is_empty()
        }
        fn size_hint(&self) -> http_body::SizeHint {
            http_body::SizeHint::with_exact(self.0.len() as u64)
        }
    }
    reqwest::Body::wrap(Pieces(data))
}

/// A random GUID-shaped id.
fn new_request_id() -> String {
    let v: u128 = rand::random();
    let h = format!("{v:032x}");
    format!(
        "{}-{}-{}-{}-{}",
        &h[0..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..32]
    )
}

fn format_headers(h: &HeaderMap) -> String {
    let parts: Vec<String> = h
        .iter()
        .map(|(k, v)| format!("{k}: {}", redact::header_value(k.as_str(), v.as_bytes())))
        .collect();
    format!("[{}]", parts.join(", "))
}

/// Reads and decodes a JSON response body (traced, redacted, at debug level).
pub async fn read_json<T: DeserializeOwned>(
    resp: reqwest::Response,
    method: &str,
    shown_url: &str,
) -> Result<T, Error> {
    let body = read_body(resp, method, shown_url).await?;
    parse_json(&body, method, shown_url)
}

/// The whole body of a response (traced, redacted, at debug level).
pub async fn read_body(
    resp: reqwest::Response,
    method: &str,
    shown_url: &str,
) -> Result<bytes::Bytes, Error> {
    let body = resp.bytes().await.map_err(|e| Error::Transport {
        method: method.to_owned(),
        url: shown_url.to_owned(),
        source: Box::new(e.without_url()),
    })?;
    if tracing::enabled!(target: "onedrive_cli::http", Level::DEBUG) {
        tracing::debug!(target: "onedrive_cli::http", "<- body {}", redact::json(&body));
    }
    Ok(body)
}

/// A JSON body read by [`read_body`] as `T`; a body that is not `T` is
/// [`Error::Unexpected`] naming the request.
pub fn parse_json<T: DeserializeOwned>(
    body: &[u8],
    method: &str,
    shown_url: &str,
) -> Result<T, Error> {
    serde_json::from_slice(body).map_err(|e| Error::Unexpected {
        method: method.to_owned(),
        url: shown_url.to_owned(),
        detail: format!("invalid JSON body: {e}"),
    })
}
