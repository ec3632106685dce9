//! When and how long to wait before re-sending a request.
//!
//! Graph throttles with 429 and, for OneDrive/SharePoint, 503, both with `Retry-After`
//! (seconds; decimals accepted). 500, 502 and 504 are transient too (rclone retries them;
//! the upload-session docs say to retry 5xx with exponential backoff). Without
//! `Retry-After` the delay grows exponentially with full jitter, so that many clients
//! throttled together do not come back together.
//!
//! This is the single place retry and throttling are decided: [`HttpClient`](super::HttpClient)
//! asks [`RetryPolicy`] for every decision, and a `Retry-After` pauses every request of
//! the process through the shared [`Governor`] (roadmap: one retry/throttle governor per
//! process; a request budget across workers would also live here).

use std::time::Duration;

use reqwest::{Method, StatusCode};

/// Retry settings. Cheap to copy; tests shrink the delays.
#[derive(Clone, Debug)]
pub struct RetryPolicy {
    /// Retries after the first attempt (0 disables retrying).
    pub max_retries: u32,
    /// Delay before the first retry when the server gave no `Retry-After`.
    pub base_delay: Duration,
    /// Cap of the exponential delay.
    pub max_delay: Duration,
    /// Cap of a server-provided `Retry-After`; a longer wait fails instead (a persistent
    /// 503 can mean the application is blocked).
    pub max_retry_after: Duration,
    /// Longest time one request may spend being retried, counted from its first
    /// failure: a retry whose wait would end later is not made (`--retry-max-time`).
    pub max_elapsed: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            max_retries: 5,
            base_delay: Duration::from_millis(500),
            max_delay: Duration::from_secs(30),
            max_retry_after: Duration::from_secs(300),
            max_elapsed: Duration::from_secs(600),
        }
    }
}

impl RetryPolicy {
    /// No retries at all.
    pub fn none() -> Self {
        Self {
            max_retries: 0,
            ..Self::default()
        }
    }

    /// Whether a response with `status` to a request is worth re-sending; `idempotent`:
    /// whether sending it twice does no more than sending it once (the method's own
    /// property, or a POST marked so by its caller).
    ///
    /// 429 and 503 mean the request was not processed, so any request may be retried.
    /// 500/502/504 may come after the work was done, so only idempotent requests are
    /// retried (a re-sent copy POST could start a second copy).
    pub fn is_retryable_status(&self, idempotent: bool, status: StatusCode) -> bool {
        match status.as_u16() {
            429 | 503 => true,
            _ => is_transient_status(status) && idempotent,
        }
    }

    /// The retry state of one request (or one run of fragments): count and time spent.
    pub fn backoff(&self) -> Backoff<'_> {
        Backoff {
            policy: self,
            attempt: 0,
            first_failure: None,
        }
    }

    /// The wait before retry number `attempt` (0-based), or `None` to give up. Ignores
    /// the time budget; [`Backoff::next`] applies it.
    pub fn delay(&self, attempt: u32, retry_after: Option<Duration>) -> Option<Duration> {
        if attempt >= self.max_retries {
            return None;
        }
        if let Some(ra) = retry_after {
            return (ra <= self.max_retry_after).then_some(ra);
        }
        let exp = self
            .base_delay
            .saturating_mul(2u32.saturating_pow(attempt.min(16)))
            .min(self.max_delay);
        // Full jitter: uniform in [exp/2, exp].
        let half = exp / 2;
        let jitter = if half.is_zero() {
            Duration::ZERO
        } else {
            half.mul_f64(rand::random::<f64>())
        };
        Some(half + jitter)
    }
}

/// Retries of one request under a [`RetryPolicy`]: how many were made and when the
/// first failure came, so that both bounds (`--retries`, `--retry-max-time`) hold on
/// every path (Graph calls, fragments, downloads).
#[derive(Debug)]
pub struct Backoff<'a> {
    policy: &'a RetryPolicy,
    attempt: u32,
    first_failure: Option<tokio::time::Instant>,
}

impl Backoff<'_> {
    /// The wait before the next retry after a failure (`retry_after`: the service's
    /// `Retry-After`), or `None` when the retries or the time budget are spent, or the
    /// service asked for a wait beyond [`RetryPolicy::max_retry_after`].
    pub fn next(&mut self, retry_after: Option<Duration>) -> Option<Duration> {
        let now = tokio::time::Instant::now();
        let since = now - *self.first_failure.get_or_insert(now);
        let d = self.policy.delay(self.attempt, retry_after)?;
        if since + d > self.policy.max_elapsed {
            return None;
        }
        self.attempt += 1;
        Some(d)
    }

    /// Retries made so far.
    pub fn attempts(&self) -> u32 {
        self.attempt
    }

    /// Progress was made (a fragment was accepted): the next failure starts afresh.
    pub fn reset(&mut self) {
        self.attempt = 0;
        self.first_failure = None;
    }
}

/// Process-wide throttle state shared by every clone of an `HttpClient` (so by every
/// worker of a process): when the service answers 429/503 with `Retry-After`, it is
/// throttling the *application*, not one request, so no request is sent to it until
/// that moment has passed.
#[derive(Debug, Default)]
pub struct Governor {
    resume_at: std::sync::Mutex<Option<tokio::time::Instant>>,
}

impl Governor {
    /// Waits until no throttle pause is in force.
    pub async fn ready(&self) {
        loop {
            let until = *self.resume_at.lock().unwrap_or_else(|e| e.into_inner());
            match until {
                Some(t) if t > tokio::time::Instant::now() => tokio::time::sleep_until(t).await,
                _ => return,
            }
        }
    }

    /// Records a `Retry-After` of `delay` from now (the later of overlapping pauses wins).
    pub fn throttled(&self, delay: Duration) {
        let t = tokio::time::Instant::now() + delay;
        let mut g = self.resume_at.lock().unwrap_or_else(|e| e.into_inner());
        if g.is_none_or(|cur| cur < t) {
            *g = Some(t);
        }
    }

    /// Time left before requests may go out again.
    pub fn pause_left(&self) -> Duration {
        let g = self.resume_at.lock().unwrap_or_else(|e| e.into_inner());
        g.map(|t| t.saturating_duration_since(tokio::time::Instant::now()))
            .unwrap_or_default()
    }
}

/// Statuses that say "the service could not answer now" rather than "this request is
/// wrong": throttling (429, 503) and the transient 500/502/504. Callers that resume on
/// their own terms (upload sessions, partial downloads) use this set too, so the one
/// definition lives here.
pub fn is_transient_status(status: StatusCode) -> bool {
    matches!(status.as_u16(), 429 | 500 | 502 | 503 | 504)
}

/// RFC 9110 §9.2.2 idempotent methods.
pub fn is_idempotent(method: &Method) -> bool {
    matches!(
        *method,
        Method::GET | Method::HEAD | Method::PUT | Method::DELETE | Method::OPTIONS
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn governor_pauses_everyone_until_retry_after() {
        let g = Governor::default();
        assert_eq!(g.pause_left(), Duration::ZERO);
        g.ready().await;
        g.throttled(Duration::from_millis(40));
        g.throttled(Duration::from_millis(1)); // shorter: does not shorten the pause
        assert!(g.pause_left() > Duration::from_millis(1));
        let start = tokio::time::Instant::now();
        g.ready().await;
        // Sleeping never ends early, so this lower bound holds on any machine.
        assert!(start.elapsed() >= Duration::from_millis(30));
        assert_eq!(g.pause_left(), Duration::ZERO);
    }

    #[test]
    fn statuses() {
        let p = RetryPolicy::default();
        let post = is_idempotent(&Method::POST);
        assert!(p.is_retryable_status(post, StatusCode::TOO_MANY_REQUESTS));
        assert!(p.is_retryable_status(post, StatusCode::SERVICE_UNAVAILABLE));
        assert!(!p.is_retryable_status(post, StatusCode::BAD_GATEWAY));
        assert!(p.is_retryable_status(true, StatusCode::GATEWAY_TIMEOUT));
        assert!(p.is_retryable_status(is_idempotent(&Method::GET), StatusCode::BAD_GATEWAY));
        assert!(p.is_retryable_status(is_idempotent(&Method::PUT), StatusCode::GATEWAY_TIMEOUT));
        assert!(!p.is_retryable_status(true, StatusCode::NOT_FOUND));
        assert!(!p.is_retryable_status(true, StatusCode::INSUFFICIENT_STORAGE));
    }

    #[test]
    fn delays_are_bounded_and_honour_retry_after() {
        let p = RetryPolicy {
            max_retries: 3,
            base_delay: Duration::from_millis(100),
            max_delay: Duration::from_millis(300),
            max_retry_after: Duration::from_secs(10),
            max_elapsed: Duration::from_secs(600),
        };
        for attempt in 0..3 {
            let d = p.delay(attempt, None).unwrap();
            let cap = Duration::from_millis(100 * 2u64.pow(attempt)).min(p.max_delay);
            assert!(d <= cap && d >= cap / 2, "attempt {attempt}: {d:?}");
        }
        assert_eq!(p.delay(3, None), None);
        assert_eq!(
            p.delay(0, Some(Duration::from_millis(1500))),
            Some(Duration::from_millis(1500))
        );
        assert_eq!(p.delay(0, Some(Duration::from_secs(11))), None);
        assert_eq!(RetryPolicy::none().delay(0, None), None);
    }

    #[tokio::test]
    async fn backoff_stops_at_the_time_budget_and_restarts_after_progress() {
        let p = RetryPolicy {
            max_retries: 1000,
            base_delay: Duration::from_millis(10),
            max_delay: Duration::from_millis(10),
            max_retry_after: Duration::from_secs(300),
            max_elapsed: Duration::from_millis(100),
        };
        let mut b = p.backoff();
        let mut slept = Duration::ZERO;
        while let Some(d) = b.next(None) {
            tokio::time::sleep(d).await;
            slept += d;
        }
        // The 100 ms budget ends it, long before the 1,000 retries; the waits granted
        // never add up to more than the budget (sleeps only ever last longer).
        assert!(slept <= Duration::from_millis(100), "{slept:?}");
        assert!(b.attempts() >= 1 && b.attempts() <= 20, "{}", b.attempts());
        // After progress the budget starts again; a Retry-After longer than the whole
        // budget is not waited for.
        b.reset();
        assert_eq!(b.next(Some(Duration::from_millis(150))), None);
        assert_eq!(
            b.next(Some(Duration::from_millis(30))),
            Some(Duration::from_millis(30))
        );
        assert_eq!(b.attempts(), 1);
    }
}
