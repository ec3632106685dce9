//! Idle timeouts: a connection that stops moving bytes is given up on, never waited on
//! for ever.
//!
//! A total timeout would be wrong for this client: a 60 MiB fragment on a slow link or a
//! multi-gigabyte download may rightly take an hour. What must not happen is a request
//! that hangs because the peer (or a middlebox) stopped sending without closing. So the
//! limit is on *idleness* (`--read-timeout`), as rclone's `--timeout` and curl's
//! `--speed-time` are:
//! - while the request is sent and its answer awaited ([`until_answer`]), the clock
//!   restarts whenever a chunk of a streamed request body is handed to the connection
//!   ([`SendActivity`]), so only the wait after the last byte counts;
//! - while an answer's body is read ([`IdleBody`]), the clock restarts with every chunk.
//!
//! reqwest's own `read_timeout` cannot serve: it starts with the request and covers the
//! upload of the body too, so a large fragment on a slow link would time out while bytes
//! are flowing.
//!
//! An idle timeout surfaces as a transport error (`TimedOut`), which the retry rules
//! treat like a cut connection: retried when the request may be repeated, resumed with
//! `Range` for downloads, and re-read from the session's `nextExpectedRanges` for
//! fragments.

use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::Bytes;
use http_body::{Body as HttpBody, Frame, SizeHint};
use tokio::time::{Instant, Sleep};

/// Connect and idle limits of every request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Timeouts {
    /// Longest wait for a TCP (and TLS) connection (`--connect-timeout`).
    pub connect: Duration,
    /// Longest time without progress: no request-body chunk taken and no answer byte
    /// received (`--read-timeout`).
    pub idle: Duration,
}

impl Default for Timeouts {
    /// 30 s to connect (rclone waits 60 s, curl 300 s); 120 s idle, long enough for
    /// the service to assemble a large file after its last fragment.
    fn default() -> Self {
        Self {
            connect: Duration::from_secs(30),
            idle: Duration::from_secs(120),
        }
    }
}

/// The error an idle connection gives.
pub fn timed_out(idle: Duration) -> std::io::Error {
    std::io::Error::new(
        std::io::ErrorKind::TimedOut,
        format!("no data moved for {} s", idle.as_secs_f64()),
    )
}

/// When the request last made progress, shared between its body and the wait.
#[derive(Clone, Debug)]
pub struct SendActivity(Arc<Mutex<Instant>>);

impl SendActivity {
    /// Progress as of now (the request is about to be sent).
    pub fn new() -> Self {
        Self(Arc::new(Mutex::new(Instant::now())))
    }

    fn touch(&self) {
        *self.0.lock().unwrap_or_else(|e| e.into_inner()) = Instant::now();
    }

    fn last(&self) -> Instant {
        *self.0.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Wraps a request body so that every chunk taken by the connection is progress.
    pub fn track(&self, body: reqwest::Body) -> reqwest::Body {
        reqwest::Body::wrap(Tracked {
            inner: body,
            activity: self.clone(),
        })
    }
}

impl Default for SendActivity {
    fn default() -> Self {
        Self::new()
    }
}

struct Tracked {
    inner: reqwest::Body,
    activity: SendActivity,
}

impl HttpBody for Tracked {
    type Data = Bytes;
    type Error = reqwest::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, reqwest::Error>>> {
        let r = Pin::new(&mut self.inner).poll_frame(cx);
        if let Poll::Ready(Some(Ok(_))) = &r {
            self.activity.touch();
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

/// Waits for `answer` (the transport's future) unless `idle` passes without progress
/// of `activity`; `Err(())` then.
pub async fn until_answer<F: Future>(
    answer: F,
    activity: &SendActivity,
    idle: Duration,
) -> Result<F::Output, ()> {
    let watchdog = async {
        loop {
            let deadline = activity.last() + idle;
            if Instant::now() >= deadline {
                return;
            }
            tokio::time::sleep_until(deadline).await;
        }
    };
    tokio::select! {
        biased;
        out = answer => Ok(out),
        () = watchdog => Err(()),
    }
}

/// An answer body that fails with `TimedOut` when no chunk arrives for `idle`.
pub struct IdleBody {
    inner: reqwest::Body,
    idle: Duration,
    timer: Pin<Box<Sleep>>,
}

impl IdleBody {
    /// Gives `response` an idle limit on its body (status, headers and extensions kept).
    pub fn wrap(response: reqwest::Response, idle: Duration) -> reqwest::Response {
        let response: http::Response<reqwest::Body> = response.into();
        let response = response.map(|inner| {
            reqwest::Body::wrap(IdleBody {
                inner,
                idle,
                timer: Box::pin(tokio::time::sleep(idle)),
            })
        });
        reqwest::Response::from(response)
    }
}

impl HttpBody for IdleBody {
    type Data = Bytes;
    type Error = Box<dyn std::error::Error + Send + Sync>;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Self::Error>>> {
        match Pin::new(&mut self.inner).poll_frame(cx) {
            Poll::Ready(r) => {
                let deadline = Instant::now() + self.idle;
                self.timer.as_mut().reset(deadline);
                Poll::Ready(r.map(|f| f.map_err(Into::into)))
            }
            Poll::Pending => match self.timer.as_mut().poll(cx) {
                Poll::Ready(()) => Poll::Ready(Some(Err(Box::new(timed_out(self.idle))))),
                Poll::Pending => Poll::Pending,
            },
        }
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
    use super::*;

    #[tokio::test]
    async fn an_answer_that_never_comes_times_out_but_progress_keeps_it_alive() {
        let activity = SendActivity::new();
        let idle = Duration::from_millis(300);
        let never = std::future::pending::<()>();
        assert!(until_answer(never, &activity, idle).await.is_err());

        // Progress every 100 ms for 1 s, then the answer: never timed out.
        let a = activity.clone();
        let slow = async move {
            for _ in 0..10 {
                tokio::time::sleep(Duration::from_millis(100)).await;
                a.touch();
            }
            7
        };
        activity.touch();
        assert_eq!(until_answer(slow, &activity, idle).await, Ok(7));
    }
}
