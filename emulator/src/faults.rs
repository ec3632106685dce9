//! Seeded random and scripted transient faults.
//!
//! The service fails transiently and clients must cope: Graph answers 429 or 503 with
//! `Retry-After` when throttling, 500/504 now and then, and connections break mid-body
//! (a fragment whose bytes are then discarded, a download that stops short). Tests need
//! those failures on demand and reproducibly, so:
//! - `--fault-rate P` picks a fraction P of the eligible requests (Graph calls, upload
//!   fragments, downloads) with a ChaCha RNG seeded by `--seed`: the same seed and the
//!   same sequence of requests give the same faults;
//! - `POST /_emulator/faults` queues scripted faults that take precedence (and consume no
//!   randomness): "the next 3 fragment PUTs answer 503 with Retry-After: 1", "cut the next
//!   download after 1 MiB".
//!
//! A fault is decided before the handler runs: a failed request has no effect, like a
//! throttled call on the service. A cut request body reaches the handler truncated (so an
//! upload handler sees a broken body and discards it), and the client's connection is
//! then dropped.

use std::collections::VecDeque;
use std::future::Future as _;
use std::pin::Pin;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::task::{Context, Poll};

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use http_body::{Frame, SizeHint};
use rand::{Rng as _, SeedableRng as _};
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

use crate::config::Config;
use crate::error::GraphError;
use crate::server::ConnKill;
use crate::state::AppState;

/// Which requests a fault applies to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum FaultRoute {
    /// Any `/v1.0/...` request.
    Graph,
    /// `PUT {uploadUrl}`.
    Fragment,
    /// `GET {downloadUrl}`.
    Download,
    /// Any of the above.
    Any,
}

impl FaultRoute {
    /// The class of a request, `None` when faults never apply (identity, admin, upload
    /// session status and cancel).
    pub fn classify(method: &Method, path: &str) -> Option<Self> {
        if path == "/v1.0" || path.starts_with("/v1.0/") {
            Some(Self::Graph)
        } else if *method == Method::PUT && path.starts_with(crate::transfer::UPLOAD_PREFIX) {
            Some(Self::Fragment)
        } else if (*method == Method::GET || *method == Method::HEAD)
            && path.starts_with(crate::transfer::DOWNLOAD_PREFIX)
        {
            Some(Self::Download)
        } else {
            None
        }
    }

    fn matches(self, class: Self) -> bool {
        self == Self::Any || self == class
    }
}

/// A fault script entry (`POST /_emulator/faults` takes one or a list).
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScriptedFault {
    pub route: FaultRoute,
    /// How many matching requests fail (default 1).
    #[serde(default = "one")]
    pub count: u32,
    /// Answer this status (400..=599) instead of serving the request.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<u16>,
    /// `Retry-After` seconds to send with `status`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retry_after: Option<u64>,
    /// Cut the connection after this many body bytes (response body for downloads and
    /// other GETs, request body for uploads).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cut_after: Option<u64>,
    /// Only requests with this method.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub method: Option<String>,
    /// Only requests whose path contains this string.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path_contains: Option<String>,
}

fn one() -> u32 {
    1
}

impl ScriptedFault {
    pub fn validate(&self) -> Result<(), String> {
        match (self.status, self.cut_after) {
            (Some(s), None) if (400..=599).contains(&s) => Ok(()),
            (Some(_), None) => Err("status must be within 400..=599".into()),
            (None, Some(_)) => Ok(()),
            (None, None) => Err("give either status or cut_after".into()),
            (Some(_), Some(_)) => Err("give status or cut_after, not both".into()),
        }
    }

    fn applies(&self, class: FaultRoute, method: &Method, path: &str) -> bool {
        self.route.matches(class)
            && self
                .method
                .as_deref()
                .is_none_or(|m| m.eq_ignore_ascii_case(method.as_str()))
            && self
                .path_contains
                .as_deref()
                .is_none_or(|p| path.contains(p))
    }

    fn fault(&self) -> Fault {
        match (self.status, self.cut_after) {
            (Some(status), _) => Fault::Status {
                status,
                retry_after: self.retry_after,
            },
            (None, after) => Fault::Cut { after },
        }
    }
}

/// What happens to a request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fault {
    /// Answer `status` (Graph error body) without serving the request.
    Status {
        status: u16,
        retry_after: Option<u64>,
    },
    /// Break the connection after `after` body bytes (`None`: half of the body).
    Cut { after: Option<u64> },
}

pub struct Faults {
    rate: f64,
    rng: Mutex<ChaCha8Rng>,
    script: Mutex<VecDeque<ScriptedFault>>,
    injected: AtomicU64,
}

impl Faults {
    pub fn new(config: &Config) -> Self {
        Self {
            rate: if config.fault_rate.is_finite() {
                config.fault_rate.clamp(0.0, 1.0)
            } else {
                0.0
            },
            rng: Mutex::new(ChaCha8Rng::seed_from_u64(config.seed)),
            script: Mutex::new(VecDeque::new()),
            injected: AtomicU64::new(0),
        }
    }

    /// Queues scripted faults (after validating every one).
    pub fn add_script(&self, faults: Vec<ScriptedFault>) -> Result<(), String> {
        for f in &faults {
            f.validate()?;
        }
        let mut q = lock(&self.script);
        q.extend(faults.into_iter().filter(|f| f.count > 0));
        Ok(())
    }

    /// Scripted faults not yet used up.
    pub fn pending(&self) -> Vec<ScriptedFault> {
        lock(&self.script).iter().cloned().collect()
    }

    pub fn clear_script(&self) {
        lock(&self.script).clear();
    }

    /// How many faults have been injected so far.
    pub fn injected(&self) -> u64 {
        self.injected.load(Ordering::Relaxed)
    }

    /// Decides the fate of one eligible request. The first matching script entry wins;
    /// otherwise one draw of the seeded RNG (two when it hits), in arrival order.
    pub fn decide(&self, class: FaultRoute, method: &Method, path: &str) -> Option<Fault> {
        let scripted = {
            let mut q = lock(&self.script);
            match q.iter().position(|f| f.applies(class, method, path)) {
                Some(i) => {
                    let fault = q[i].fault();
                    q[i].count -= 1;
                    if q[i].count == 0 {
                        q.remove(i);
                    }
                    Some(fault)
                }
                None => None,
            }
        };
        let fault = scripted.or_else(|| self.random(class));
        if fault.is_some() {
            self.injected.fetch_add(1, Ordering::Relaxed);
        }
        fault
    }

    fn random(&self, class: FaultRoute) -> Option<Fault> {
        if self.rate <= 0.0 {
            return None;
        }
        let mut rng = lock(&self.rng);
        if rng.random::<f64>() >= self.rate {
            return None;
        }
        // Graph calls fail with a status; fragments and downloads may also be cut.
        let kinds = if class == FaultRoute::Graph { 4 } else { 5 };
        Some(match rng.random_range(0..kinds) {
            0 => Fault::Status {
                status: 429,
                retry_after: Some(1),
            },
            1 => Fault::Status {
                status: 503,
                retry_after: Some(1),
            },
            2 => Fault::Status {
                status: 500,
                retry_after: None,
            },
            3 => Fault::Status {
                status: 504,
                retry_after: None,
            },
            _ => Fault::Cut { after: None },
        })
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// The Graph error a status fault answers with (codes as the service uses them for
/// throttling and outages; clients should key on the status, not the code).
pub fn fault_error(status: u16, retry_after: Option<u64>) -> GraphError {
    let st = StatusCode::from_u16(status).unwrap_or(StatusCode::SERVICE_UNAVAILABLE);
    let (code, message) = match status {
        429 => (
            "activityLimitReached",
            "The request has been throttled (emulated fault).",
        ),
        503 => (
            "serviceNotAvailable",
            "The service is temporarily unavailable (emulated fault).",
        ),
        504 => ("gatewayTimeout", "The gateway timed out (emulated fault)."),
        500 => (
            "generalException",
            "An unspecified error has occurred (emulated fault).",
        ),
        _ => ("generalException", "Emulated fault."),
    };
    let mut e = GraphError::new(st, code, message);
    if let Some(s) = retry_after {
        e = e.header(header::RETRY_AFTER, &s.to_string());
    }
    e
}

/// Middleware: applies faults to Graph calls, fragments and downloads.
pub async fn layer(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let Some(class) = FaultRoute::classify(req.method(), req.uri().path()) else {
        return next.run(req).await;
    };
    let Some(fault) = state.faults.decide(class, req.method(), req.uri().path()) else {
        return next.run(req).await;
    };
    match fault {
        Fault::Status {
            status,
            retry_after,
        } => fault_error(status, retry_after).into_response(),
        Fault::Cut { after } => {
            let has_body = req
                .headers()
                .get(header::CONTENT_LENGTH)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.parse::<u64>().ok())
                .is_some_and(|n| n > 0)
                || req.headers().contains_key(header::TRANSFER_ENCODING);
            if has_body {
                // An upload breaks mid-body: the handler sees the truncated body fail
                // (and must discard it), the client sees its connection dropped with no
                // answer at all.
                let kill = req.extensions().get::<ConnKill>().cloned();
                let (parts, body) = req.into_parts();
                let req = Request::from_parts(parts, Body::new(CutBody::new(body, after)));
                let _ = next.run(req).await;
                match kill {
                    Some(k) => {
                        k.kill();
                        std::future::pending::<Response>().await
                    }
                    None => aborted_response(),
                }
            } else {
                let resp = next.run(req).await;
                let (parts, body) = resp.into_parts();
                Response::from_parts(parts, Body::new(CutBody::new(body, after)))
            }
        }
    }
}

/// Without a [`ConnKill`] (a router served by other means): a 500 whose announced body
/// never comes, so that the peer at least sees a broken response.
pub fn aborted_response() -> Response {
    let mut resp = Response::new(Body::new(CutBody::new(Body::from("x"), Some(0))));
    *resp.status_mut() = StatusCode::INTERNAL_SERVER_ERROR;
    resp
}

/// Wraps a body and fails it after `after` bytes (`None`: half its announced length),
/// keeping the announced length so that the peer sees a short body.
pub struct CutBody<B> {
    inner: B,
    left: u64,
    /// Whether any byte went out; then the cut waits for [`CUT_GRACE`] first.
    sent: bool,
    /// Before failing, give the server time to flush what was already sent (it buffers
    /// writes and would otherwise drop them with the connection): the peer must really
    /// receive `after` bytes, then see the connection break.
    grace: Option<Pin<Box<tokio::time::Sleep>>>,
}

const CUT_GRACE: std::time::Duration = std::time::Duration::from_millis(100);

impl<B: http_body::Body> CutBody<B> {
    pub fn new(inner: B, after: Option<u64>) -> Self {
        let left = after.unwrap_or_else(|| inner.size_hint().exact().map_or(0, |n| n / 2));
        Self {
            inner,
            left,
            sent: false,
            grace: None,
        }
    }
}

/// The error a cut body yields.
#[derive(Debug, thiserror::Error)]
#[error("connection cut by an emulated fault")]
pub struct CutError;

impl<B> http_body::Body for CutBody<B>
where
    B: http_body::Body<Data = Bytes> + Unpin,
    B::Error: Into<axum::BoxError>,
{
    type Data = Bytes;
    type Error = axum::BoxError;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Self::Error>>> {
        if self.left == 0 {
            if self.sent {
                let grace = self
                    .grace
                    .get_or_insert_with(|| Box::pin(tokio::time::sleep(CUT_GRACE)));
                if grace.as_mut().poll(cx).is_pending() {
                    return Poll::Pending;
                }
            }
            return Poll::Ready(Some(Err(Box::new(CutError))));
        }
        match Pin::new(&mut self.inner).poll_frame(cx) {
            Poll::Ready(Some(Ok(frame))) => match frame.into_data() {
                Ok(mut data) => {
                    if data.len() as u64 > self.left {
                        data.truncate(self.left as usize);
                    }
                    self.left -= data.len() as u64;
                    self.sent |= !data.is_empty();
                    Poll::Ready(Some(Ok(Frame::data(data))))
                }
                Err(frame) => Poll::Ready(Some(Ok(frame))),
            },
            Poll::Ready(Some(Err(e))) => Poll::Ready(Some(Err(e.into()))),
            Poll::Ready(None) => Poll::Ready(None),
            Poll::Pending => Poll::Pending,
        }
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn faults(rate: f64, seed: u64) -> Faults {
        Faults::new(&Config {
            fault_rate: rate,
            seed,
            ..Config::default()
        })
    }

    #[test]
    fn same_seed_same_faults() {
        let run = |seed| {
            let f = faults(0.3, seed);
            (0..200)
                .map(|i| {
                    let class = if i % 3 == 0 {
                        FaultRoute::Download
                    } else {
                        FaultRoute::Graph
                    };
                    f.decide(class, &Method::GET, "/v1.0/me")
                })
                .collect::<Vec<_>>()
        };
        let a = run(7);
        assert_eq!(a, run(7));
        assert_ne!(a, run(8));
        let hits = a.iter().filter(|f| f.is_some()).count();
        assert!(hits > 20 && hits < 120, "{hits}");
    }

    #[test]
    fn script_precedes_and_runs_out() {
        let f = faults(0.0, 0);
        f.add_script(vec![ScriptedFault {
            route: FaultRoute::Fragment,
            count: 2,
            status: Some(503),
            retry_after: Some(1),
            cut_after: None,
            method: None,
            path_contains: None,
        }])
        .unwrap_or_default();
        assert_eq!(f.decide(FaultRoute::Graph, &Method::GET, "/v1.0/me"), None);
        let want = Some(Fault::Status {
            status: 503,
            retry_after: Some(1),
        });
        assert_eq!(f.decide(FaultRoute::Fragment, &Method::PUT, "/_up/x"), want);
        assert_eq!(f.decide(FaultRoute::Fragment, &Method::PUT, "/_up/x"), want);
        assert_eq!(f.decide(FaultRoute::Fragment, &Method::PUT, "/_up/x"), None);
        assert_eq!(f.injected(), 2);
        assert!(f.pending().is_empty());
    }
}
