//! The bodies the faults wrap: a body cut after N bytes ([`CutBody`]), a body that
//! stalls after N bytes ([`StallBody`]), and the drain of an unread request body.

use std::future::Future as _;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::task::{Context, Poll};
use std::time::Duration;

use axum::body::Body;
use axum::http::StatusCode;
use axum::response::Response;
use bytes::Bytes;
use futures_util::StreamExt as _;
use http_body::{Frame, SizeHint};

/// The longest a fault holds a connection open on purpose: a stalled body, a drained
/// request body. The server never keeps a task for a faulted request longer than this
/// (a stalled download also ends as soon as its client goes away).
pub const HOLD_LIMIT: Duration = Duration::from_secs(600);

/// Reads and discards `body` to its end, an error, or [`HOLD_LIMIT`], whichever comes
/// first (the `drain` early answer).
pub(super) async fn drain(body: Body) {
    let mut stream = body.into_data_stream();
    let _ = tokio::time::timeout(HOLD_LIMIT, async {
        while let Some(Ok(_)) = stream.next().await {}
    })
    .await;
}

/// Without a [`crate::server::ConnKill`] (a router served by other means): a 500 whose announced body
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

/// A frame and whether its data was cut short.
type LimitedFrame = Option<Result<(Frame<Bytes>, bool), axum::BoxError>>;

/// The next frame of `inner`, its data cut to at most `left` bytes (counted off
/// `left`), and whether it was cut.
fn poll_limited<B>(inner: &mut B, cx: &mut Context<'_>, left: &mut u64) -> Poll<LimitedFrame>
where
    B: http_body::Body<Data = Bytes> + Unpin,
    B::Error: Into<axum::BoxError>,
{
    match Pin::new(inner).poll_frame(cx) {
        Poll::Ready(Some(Ok(frame))) => Poll::Ready(Some(Ok(match frame.into_data() {
            Ok(mut data) => {
                let cut = data.len() as u64 > *left;
                if cut {
                    data.truncate(*left as usize);
                }
                *left -= data.len() as u64;
                (Frame::data(data), cut)
            }
            Err(frame) => (frame, false),
        }))),
        Poll::Ready(Some(Err(e))) => Poll::Ready(Some(Err(e.into()))),
        Poll::Ready(None) => Poll::Ready(None),
        Poll::Pending => Poll::Pending,
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
        let this = &mut *self;
        match poll_limited(&mut this.inner, cx, &mut this.left) {
            Poll::Ready(Some(Ok((frame, _)))) => {
                this.sent |= frame.data_ref().is_some_and(|d| !d.is_empty());
                Poll::Ready(Some(Ok(frame)))
            }
            other => other.map(|o| o.map(|r| r.map(|(frame, _)| frame))),
        }
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}

/// The error a stalled body yields when [`HOLD_LIMIT`] has passed.
#[derive(Debug, thiserror::Error)]
#[error("stall ended by the emulator's hold limit")]
pub struct StallEnded;

/// Wraps a body and, after `after` bytes, stops: no more data, no end, no error, until
/// [`HOLD_LIMIT`] passes (then an error). The announced length is kept, so the peer
/// waits for the rest. Counted in a gauge while it exists (`stalled` in `GET
/// /_emulator/faults`); hyper drops a response body when the client closes its
/// connection, which ends the stall.
pub struct StallBody<B> {
    inner: B,
    left: u64,
    /// Whether a frame was cut short (then the body never ends on its own).
    truncated: bool,
    until: Option<Pin<Box<tokio::time::Sleep>>>,
    gauge: Arc<AtomicU64>,
}

impl<B> StallBody<B> {
    pub fn new(inner: B, after: u64, gauge: Arc<AtomicU64>) -> Self {
        gauge.fetch_add(1, Ordering::Relaxed);
        Self {
            inner,
            left: after,
            truncated: false,
            until: None,
            gauge,
        }
    }
}

impl<B> Drop for StallBody<B> {
    fn drop(&mut self) {
        self.gauge.fetch_sub(1, Ordering::Relaxed);
    }
}

impl<B> http_body::Body for StallBody<B>
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
            // Everything was sent already: nothing to stall.
            if !self.truncated && self.inner.is_end_stream() {
                return Poll::Ready(None);
            }
            let until = self
                .until
                .get_or_insert_with(|| Box::pin(tokio::time::sleep(HOLD_LIMIT)));
            return match until.as_mut().poll(cx) {
                Poll::Pending => Poll::Pending,
                Poll::Ready(()) => Poll::Ready(Some(Err(Box::new(StallEnded)))),
            };
        }
        let this = &mut *self;
        match poll_limited(&mut this.inner, cx, &mut this.left) {
            Poll::Ready(Some(Ok((frame, cut)))) => {
                this.truncated |= cut;
                Poll::Ready(Some(Ok(frame)))
            }
            other => other.map(|o| o.map(|r| r.map(|(frame, _)| frame))),
        }
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}
