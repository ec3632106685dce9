//! Layer 1: the one place where requests are sent, retried and traced.
//!
//! Every request of the library (Graph calls, token requests, pre-authenticated download
//! and upload URLs, copy monitors) goes through [`HttpClient::send`], so that retry and
//! throttling ([`retry`]), secret redaction in `--debug` traces ([`redact`]) and the
//! decoding of error bodies into typed errors ([`error`]) each live in exactly one place.
//! Idle and connect limits live in [`timeout`].

pub mod client;
pub mod error;
pub mod redact;
pub mod retry;
pub mod timeout;

pub use client::{
    Auth, Body, HttpClient, HttpClientBuilder, Network, Request, TokenSource, Transport,
    TransportError,
};
pub use error::{ApiError, Error, ErrorKind, OAuthError};
pub use retry::{Backoff, Governor, RetryPolicy};
pub use timeout::Timeouts;

/// Re-exported so callers need no direct `reqwest` imports for common types.
pub use reqwest::{Method, StatusCode, header};

/// The `tracing` target of "the service asked to wait" notices, shown on a terminal
/// even without `-v` (a long `Retry-After` must not look like a hang).
pub const WAIT_TARGET: &str = "onedrive_cli::wait";

/// Result type of the whole client library's network layers.
pub type Result<T, E = Error> = std::result::Result<T, E>;

#[cfg(test)]
mod tests;
