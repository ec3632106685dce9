//! Request and byte counters (`GET /_emulator/stats`).
//!
//! Benchmarks compare clients by what they cost the service: how many requests of each
//! kind, and how many bytes each way. Handlers name the route they served with a
//! [`RouteLabel`] response extension; other requests are counted under their path with
//! ids and names replaced by placeholders, so that counts aggregate per route.

use std::collections::BTreeMap;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};

use axum::body::Body;
use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::Response;
use bytes::Bytes;
use http_body::{Frame, SizeHint};
use serde_json::{Value, json};

use crate::config::Config;
use crate::state::AppState;

/// Set by a handler as a response extension to name the route it served in `stats`
/// (e.g. `GET /items/{id}/children`); requests without one are counted by raw path shape.
#[derive(Clone, Debug)]
pub struct RouteLabel(pub String);

pub struct Stats {
    counts: Mutex<Counts>,
    bytes_in: Arc<AtomicU64>,
    bytes_out: Arc<AtomicU64>,
}

#[derive(Default)]
struct Counts {
    total: u64,
    by_route: BTreeMap<(String, String), u64>,
    by_method: BTreeMap<String, u64>,
    by_status: BTreeMap<u16, u64>,
}

impl Stats {
    pub fn new(_config: &Config) -> Self {
        Self {
            counts: Mutex::new(Counts::default()),
            bytes_in: Arc::new(AtomicU64::new(0)),
            bytes_out: Arc::new(AtomicU64::new(0)),
        }
    }

    pub fn record(&self, method: &str, route: &str, status: u16) {
        let mut c = self.counts.lock().unwrap_or_else(|e| e.into_inner());
        c.total += 1;
        *c.by_route
            .entry((method.to_owned(), route.to_owned()))
            .or_default() += 1;
        *c.by_method.entry(method.to_owned()).or_default() += 1;
        *c.by_status.entry(status).or_default() += 1;
    }

    pub fn reset(&self) {
        *self.counts.lock().unwrap_or_else(|e| e.into_inner()) = Counts::default();
        self.bytes_in.store(0, Ordering::Relaxed);
        self.bytes_out.store(0, Ordering::Relaxed);
    }

    pub fn bytes_in(&self) -> u64 {
        self.bytes_in.load(Ordering::Relaxed)
    }

    pub fn bytes_out(&self) -> u64 {
        self.bytes_out.load(Ordering::Relaxed)
    }

    /// The JSON of `GET /_emulator/stats` (without the fields other modules add).
    pub fn snapshot(&self) -> Value {
        let c = self.counts.lock().unwrap_or_else(|e| e.into_inner());
        let requests: Vec<Value> = c
            .by_route
            .iter()
            .map(|((m, r), n)| json!({"method": m, "route": r, "count": n}))
            .collect();
        let statuses: serde_json::Map<String, Value> = c
            .by_status
            .iter()
            .map(|(s, n)| (s.to_string(), json!(n)))
            .collect();
        json!({
            "total_requests": c.total,
            "by_method": c.by_method,
            "by_status": statuses,
            "requests": requests,
            "bytes_in": self.bytes_in(),
            "bytes_out": self.bytes_out(),
        })
    }
}

/// Middleware: counts every request but the admin routes, and the body bytes both ways.
pub async fn layer(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let path = req.uri().path().to_owned();
    if path.starts_with(crate::admin::PREFIX) {
        return next.run(req).await;
    }
    let method = req.method().as_str().to_owned();
    let (parts, body) = req.into_parts();
    let req = Request::from_parts(
        parts,
        Body::new(CountingBody::new(body, state.stats.bytes_in.clone())),
    );
    let resp = next.run(req).await;
    let route = match resp.extensions().get::<RouteLabel>() {
        Some(RouteLabel(l)) => l.clone(),
        None => path_shape(&path),
    };
    state.stats.record(&method, &route, resp.status().as_u16());
    let (parts, body) = resp.into_parts();
    Response::from_parts(
        parts,
        Body::new(CountingBody::new(body, state.stats.bytes_out.clone())),
    )
}

/// A path with its variable parts replaced: item and drive ids, path-addressed segments
/// (`root:/a/b:` → `root:{path}:`), pre-authenticated tokens, the tenant segment.
pub fn path_shape(path: &str) -> String {
    // Path addressing first: everything between the first `:` and the next `:` (or the
    // end) is a user path.
    let mut s = String::new();
    let mut rest = path;
    if let Some(i) = rest.find(':') {
        s.push_str(&rest[..=i]);
        let after = &rest[i + 1..];
        match after.find(':') {
            Some(j) => {
                s.push_str("{path}");
                rest = &after[j..];
            }
            None => {
                s.push_str("{path}");
                rest = "";
            }
        }
    }
    s.push_str(rest);
    let segs: Vec<&str> = s.split('/').collect();
    let mut out: Vec<String> = Vec::with_capacity(segs.len());
    for (i, seg) in segs.iter().enumerate() {
        let prev = if i > 0 { segs[i - 1] } else { "" };
        let next = segs.get(i + 1).copied().unwrap_or("");
        let var = matches!(
            prev,
            "items" | "drives" | "permissions" | "_dl" | "_up" | "_monitor" | "users"
        ) || (i == 1 && next == "oauth2");
        if var && !seg.is_empty() {
            // Keep a path-addressing suffix such as `{id}:{path}:`.
            match seg.find(':') {
                Some(k) => out.push(format!("{{id}}{}", &seg[k..])),
                None => out.push(if i == 1 {
                    "{tenant}".into()
                } else {
                    "{id}".into()
                }),
            }
        } else {
            out.push((*seg).to_owned());
        }
    }
    out.join("/")
}

/// Counts the data bytes of a body as they pass, keeping its size hint.
pub struct CountingBody<B> {
    inner: B,
    counter: Arc<AtomicU64>,
}

impl<B> CountingBody<B> {
    pub fn new(inner: B, counter: Arc<AtomicU64>) -> Self {
        Self { inner, counter }
    }
}

impl<B> http_body::Body for CountingBody<B>
where
    B: http_body::Body<Data = Bytes> + Unpin,
{
    type Data = Bytes;
    type Error = B::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Self::Error>>> {
        let r = Pin::new(&mut self.inner).poll_frame(cx);
        if let Poll::Ready(Some(Ok(frame))) = &r
            && let Some(d) = frame.data_ref()
        {
            self.counter.fetch_add(d.len() as u64, Ordering::Relaxed);
        }
        r
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}

#[cfg(test)]
mod tests {
    use super::path_shape;

    #[test]
    fn shapes() {
        assert_eq!(
            path_shape("/v1.0/me/drive/items/ABC!12/children"),
            "/v1.0/me/drive/items/{id}/children"
        );
        assert_eq!(
            path_shape("/v1.0/me/drive/root:/a b/c.txt:/content"),
            "/v1.0/me/drive/root:{path}:/content"
        );
        assert_eq!(
            path_shape("/v1.0/me/drive/root:/a/b"),
            "/v1.0/me/drive/root:{path}"
        );
        assert_eq!(
            path_shape("/v1.0/drives/d1/items/X!1:/new.txt:/createUploadSession"),
            "/v1.0/drives/{id}/items/{id}:{path}:/createUploadSession"
        );
        assert_eq!(path_shape("/_dl/tok.en"), "/_dl/{id}");
        assert_eq!(
            path_shape("/common/oauth2/v2.0/token"),
            "/{tenant}/oauth2/v2.0/token"
        );
    }
}
