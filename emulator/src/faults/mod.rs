//! Seeded random and scripted transient faults, and scripted plays of what the service
//! was seen doing wrong.
//!
//! The service fails transiently and clients must cope: Graph answers 429 or 503 with
//! `Retry-After` when throttling, 500/504 now and then, and connections break mid-body
//! (a fragment whose bytes are then discarded, a download that stops short). Tests need
//! those failures on demand and reproducibly, so:
//! - `--fault-rate P` picks a fraction P of the eligible requests (Graph calls, upload
//!   fragments, downloads) with a ChaCha RNG seeded by `--seed`: the same seed and the
//!   same sequence of requests give the same faults;
//! - `POST /_emulator/faults` queues scripted faults ([`ScriptEntry`]) that take
//!   precedence (and consume no randomness): "the next 3 fragment PUTs answer 503 with
//!   Retry-After: 1", "cut the next download after 1 MiB", and the behaviours of the
//!   service's public bug reports (an answer lost after the work was done, a fragment
//!   partly kept, a vanished upload session, odd download answers, a stalled transfer, a
//!   failed copy).
//!
//! A fault is decided before the handler runs. Unless it says otherwise (`after`,
//! `keep`, `copy_fail`), a failed request has no effect, like a throttled call on the
//! service. How each kind is applied is in [`layer`]; the bodies it wraps are in `body`.

mod body;
mod layer;

use std::collections::VecDeque;
use std::sync::Arc;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

use axum::http::{Method, StatusCode, header};
use rand::{Rng as _, SeedableRng as _};
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

use crate::config::Config;
use crate::error::GraphError;

pub use body::{CutBody, CutError, HOLD_LIMIT, StallBody, aborted_response};
pub use layer::layer;

/// Which requests a fault applies to.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum FaultRoute {
    /// Any `/v1.0/...` request.
    Graph,
    /// `PUT {uploadUrl}`.
    Fragment,
    /// `GET {downloadUrl}`.
    Download,
    /// Any of the above.
    #[default]
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

/// What a status fault does with a request body it answers before reading (`early`).
///
/// The service answers some errors (409, 413, 507, 429) while the client is still
/// sending; what a client then sees depends on whether the server goes on reading.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Early {
    /// Answer (with `Connection: close` on HTTP/1.x), then close the connection without
    /// reading the body: a client still sending may see a reset instead of the answer.
    Close,
    /// Answer at once, then go on reading and discarding the body (for at most
    /// [`HOLD_LIMIT`]) so that the connection ends cleanly and the client sees the
    /// answer.
    Drain,
}

/// A scripted answer of a download URL (`answer`), as the service was seen giving
/// (OneDrive/onedrive-api-docs#62, #495, #133).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DownloadAnswer {
    /// `Range` (and `If-Range`) ignored: 200 with the whole body, no `Content-Range`.
    Whole,
    /// 200 with an empty body (`Content-Length: 0`), whatever was asked (seen for an
    /// unsatisfiable range).
    Empty,
    /// 200 `text/html` with an HTML error page as the body (seen on Business).
    Html,
}

/// A fault script entry, as `POST /_emulator/faults` takes it (one or a list) and
/// `GET /_emulator/faults` lists it.
///
/// Exactly one kind: `status`, `cut_after`, `stall_after`, `drop_session`, `answer` or
/// `copy_fail`; the other fields refine it or select the requests it applies to (see
/// [`ScriptEntry::validate`] for the combinations refused).
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScriptEntry {
    pub route: FaultRoute,
    /// How many matching requests fail (default 1).
    #[serde(default = "one")]
    pub count: u32,
    /// Answer this status (400..=599) with Graph's error body instead of serving the
    /// request.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<u16>,
    /// `Retry-After` seconds to send with `status`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retry_after: Option<u64>,
    /// With `status` on a request that carries a body: answer before reading it, and
    /// then close (`close`) or drain (`drain`). Without it, the body is left unread as
    /// before: hyper reads at most what it already buffered and, when more is coming,
    /// closes the connection after the answer (`close` without the `Connection: close`
    /// header).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub early: Option<Early>,
    /// With `status`: serve the request first (the fragment is stored, the PATCH
    /// applied, the copy started), then answer `status` instead of the handler's answer:
    /// the answer is lost after the work was done (OneDrive/onedrive-api-docs#64, #698).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub after: bool,
    /// Cut the connection after this many body bytes (response body for downloads and
    /// other GETs, request body for uploads).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cut_after: Option<u64>,
    /// With `cut_after` on a fragment: the session keeps the bytes received before the
    /// cut (its `nextExpectedRanges` then points inside the fragment) instead of
    /// discarding the fragment whole (OneDrive/onedrive-api-docs#75).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub keep: bool,
    /// Send the headers and this many body bytes (of a response; of the request body
    /// for uploads: read this many), then stop without closing, until the client goes
    /// away (downloads) or [`HOLD_LIMIT`] passes: for tests of read timeouts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stall_after: Option<u64>,
    /// On a fragment: the upload session is dropped; this request and every later one
    /// on its URL answer 404 `itemNotFound` inner `uploadSessionNotFound`
    /// (OneDrive/onedrive-api-docs#64, #698, #79).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub drop_session: bool,
    /// On a download URL: answer as given (see [`DownloadAnswer`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub answer: Option<DownloadAnswer>,
    /// On `POST {item}/copy` (and only those requests): the copy is accepted (202)
    /// but its monitor ends `failed` with an `error` object.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub copy_fail: bool,
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

impl ScriptEntry {
    /// An entry for `route` with no kind yet (to fill in; `count` 1).
    pub fn new(route: FaultRoute) -> Self {
        Self {
            route,
            count: 1,
            ..Self::default()
        }
    }

    /// Refuses meaningless entries: no kind or more than one, a status outside
    /// 400..=599, `retry_after`/`early`/`after` without `status`, `early` with `after`,
    /// `keep` without `cut_after` or off the fragment route, `drop_session` off the
    /// fragment route, `answer` off the download route, `copy_fail` off the graph route.
    pub fn validate(&self) -> Result<(), String> {
        let kinds = [
            self.status.is_some(),
            self.cut_after.is_some(),
            self.stall_after.is_some(),
            self.drop_session,
            self.answer.is_some(),
            self.copy_fail,
        ];
        let kind_names = "status, cut_after, stall_after, drop_session, answer or copy_fail";
        match kinds.iter().filter(|k| **k).count() {
            0 => return Err(format!("give one of {kind_names}")),
            1 => {}
            _ => return Err(format!("give only one of {kind_names}")),
        }
        if let Some(s) = self.status
            && !(400..=599).contains(&s)
        {
            return Err("status must be within 400..=599".into());
        }
        let with_status = |field: &str, set: bool| {
            if set && self.status.is_none() {
                Err(format!("{field} goes with status"))
            } else {
                Ok(())
            }
        };
        with_status("retry_after", self.retry_after.is_some())?;
        with_status("early", self.early.is_some())?;
        with_status("after", self.after)?;
        if self.after && self.early.is_some() {
            return Err("after reads the body first: give early or after, not both".into());
        }
        if self.keep && self.cut_after.is_none() {
            return Err("keep goes with cut_after".into());
        }
        let on = |field: &str, set: bool, route: FaultRoute| {
            if set && self.route != route {
                Err(format!(
                    "{field} needs \"route\": \"{}\"",
                    format!("{route:?}").to_lowercase()
                ))
            } else {
                Ok(())
            }
        };
        on("keep", self.keep, FaultRoute::Fragment)?;
        on("drop_session", self.drop_session, FaultRoute::Fragment)?;
        on("answer", self.answer.is_some(), FaultRoute::Download)?;
        on("copy_fail", self.copy_fail, FaultRoute::Graph)?;
        Ok(())
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
            // A copy failure waits for a copy request.
            && (!self.copy_fail || (*method == Method::POST && path.ends_with("/copy")))
    }

    fn fault(&self) -> Fault {
        if let Some(status) = self.status {
            Fault::Status {
                status,
                retry_after: self.retry_after,
                early: self.early,
                after: self.after,
            }
        } else if let Some(after) = self.stall_after {
            Fault::Stall { after }
        } else if self.drop_session {
            Fault::DropSession
        } else if let Some(a) = self.answer {
            Fault::Answer(a)
        } else if self.copy_fail {
            Fault::CopyFail
        } else {
            Fault::Cut {
                after: self.cut_after,
                keep: self.keep,
            }
        }
    }
}

/// What happens to a request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fault {
    /// Answer `status` (Graph error body): before the handler runs (`after` false; a
    /// body is treated per `early`), or instead of its answer (`after` true).
    Status {
        status: u16,
        retry_after: Option<u64>,
        early: Option<Early>,
        after: bool,
    },
    /// Break the connection after `after` body bytes (`None`: half of the body);
    /// `keep`: a fragment keeps the bytes received.
    Cut { after: Option<u64>, keep: bool },
    /// Stop after `after` body bytes without closing.
    Stall { after: u64 },
    /// Drop the fragment's upload session, answer 404.
    DropSession,
    /// Answer a download as given.
    Answer(DownloadAnswer),
    /// Let a copy start, then fail.
    CopyFail,
}

/// Request extension set by a `keep` cut: the fragment handler keeps the bytes that
/// arrived before the body broke.
#[derive(Clone, Copy, Debug)]
pub struct KeepPartial;

/// Request extension set by a `copy_fail` fault: the copy's monitor ends `failed`.
#[derive(Clone, Copy, Debug)]
pub struct CopyFails;

pub struct Faults {
    rate: f64,
    rng: Mutex<ChaCha8Rng>,
    script: Mutex<VecDeque<ScriptEntry>>,
    injected: AtomicU64,
    /// Stall faults whose request or response is still held.
    stalled: Arc<AtomicU64>,
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
            stalled: Arc::new(AtomicU64::new(0)),
        }
    }

    /// Queues script entries (after validating every one; none is queued when one is
    /// refused).
    pub fn add_entries(&self, entries: Vec<ScriptEntry>) -> Result<(), String> {
        for f in &entries {
            f.validate()?;
        }
        let mut q = lock(&self.script);
        q.extend(entries.into_iter().filter(|f| f.count > 0));
        Ok(())
    }

    /// Scripted faults not yet used up.
    pub fn pending(&self) -> Vec<ScriptEntry> {
        lock(&self.script).iter().cloned().collect()
    }

    pub fn clear_script(&self) {
        lock(&self.script).clear();
    }

    /// How many faults have been injected so far.
    pub fn injected(&self) -> u64 {
        self.injected.load(Ordering::Relaxed)
    }

    /// How many stalled requests or responses are held right now (`GET
    /// /_emulator/faults` `stalled`): each ends when its client goes away or after
    /// [`HOLD_LIMIT`].
    pub fn stalled(&self) -> u64 {
        self.stalled.load(Ordering::Relaxed)
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
        // A plain status, answered before the handler runs.
        let status = |status, retry_after| Fault::Status {
            status,
            retry_after,
            early: None,
            after: false,
        };
        Some(match rng.random_range(0..kinds) {
            0 => status(429, Some(1)),
            1 => status(503, Some(1)),
            2 => status(500, None),
            3 => status(504, None),
            _ => Fault::Cut {
                after: None,
                keep: false,
            },
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
        409 => (
            "nameAlreadyExists",
            "The specified item name already exists (emulated fault).",
        ),
        413 => (
            "invalidRequest",
            "The request is too large (emulated fault).",
        ),
        507 => (
            "quotaLimitReached",
            "Insufficient Space Available (emulated fault).",
        ),
        _ => ("generalException", "Emulated fault."),
    };
    let mut e = GraphError::new(st, code, message);
    if let Some(s) = retry_after {
        e = e.header(header::RETRY_AFTER, &s.to_string());
    }
    e
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
        f.add_entries(vec![ScriptEntry {
            count: 2,
            status: Some(503),
            retry_after: Some(1),
            ..ScriptEntry::new(FaultRoute::Fragment)
        }])
        .unwrap_or_default();
        assert_eq!(f.decide(FaultRoute::Graph, &Method::GET, "/v1.0/me"), None);
        let want = Some(Fault::Status {
            status: 503,
            retry_after: Some(1),
            early: None,
            after: false,
        });
        assert_eq!(f.decide(FaultRoute::Fragment, &Method::PUT, "/_up/x"), want);
        assert_eq!(f.decide(FaultRoute::Fragment, &Method::PUT, "/_up/x"), want);
        assert_eq!(f.decide(FaultRoute::Fragment, &Method::PUT, "/_up/x"), None);
        assert_eq!(f.injected(), 2);
        assert!(f.pending().is_empty());
    }
}
