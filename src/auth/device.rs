//! Device code flow (RFC 8628) for headless machines and cron set-ups.
//!
//! `POST /devicecode` gives a user code and a verification URI (the `message` says what
//! to do, and the CLI prints it on stderr); then the token endpoint is polled with the
//! device code, waiting at least `interval` seconds between polls:
//! `authorization_pending` → keep polling; `slow_down` → add 5 s to the interval for
//! every later poll (RFC 8628 §3.5; Microsoft does not list it, but handling it costs
//! nothing); `authorization_declined`, `expired_token`, `bad_verification_code` → stop.

use std::time::{Duration, Instant};

use serde::Deserialize;

use super::{OAuthSettings, TokenResponse, token_request};
use crate::http::{Error, HttpClient, Method, Request, Result};

const DEVICE_GRANT: &str = "urn:ietf:params:oauth:grant-type:device_code";

/// The devicecode endpoint's answer.
#[derive(Clone, Deserialize)]
pub struct DeviceAuthorization {
    /// Secret: only sent back to the token endpoint.
    pub device_code: String,
    /// What the user types at `verification_uri`.
    pub user_code: String,
    pub verification_uri: String,
    /// Seconds the codes stay valid (observed: 900).
    #[serde(default = "default_expires_in")]
    pub expires_in: u64,
    /// Seconds between polls (observed: 5).
    #[serde(default = "default_interval")]
    pub interval: u64,
    /// Instructions for the user (includes the code and the URI).
    #[serde(default)]
    pub message: String,
}

fn default_expires_in() -> u64 {
    900
}

fn default_interval() -> u64 {
    5
}

impl std::fmt::Debug for DeviceAuthorization {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DeviceAuthorization")
            .field("device_code", &"REDACTED")
            .field("user_code", &self.user_code)
            .field("verification_uri", &self.verification_uri)
            .field("expires_in", &self.expires_in)
            .field("interval", &self.interval)
            .finish()
    }
}

impl DeviceAuthorization {
    /// The line to show the user: the service's `message`, or one built from the code.
    pub fn instructions(&self) -> String {
        if self.message.trim().is_empty() {
            format!(
                "To sign in, open {} and enter the code {}",
                self.verification_uri, self.user_code
            )
        } else {
            self.message.trim().to_owned()
        }
    }
}

/// Polling settings (tests shrink them).
#[derive(Clone, Debug)]
pub struct DevicePollOptions {
    /// Added to the interval on `slow_down` (RFC 8628: 5 seconds).
    pub slow_down_step: Duration,
    /// Upper bound of the interval actually waited (the service's value is honoured up
    /// to this).
    pub max_interval: Duration,
}

impl Default for DevicePollOptions {
    fn default() -> Self {
        Self {
            slow_down_step: Duration::from_secs(5),
            max_interval: Duration::from_secs(60),
        }
    }
}

/// `POST {tenant}/oauth2/v2.0/devicecode`.
pub async fn start(http: &HttpClient, settings: &OAuthSettings) -> Result<DeviceAuthorization> {
    let url = settings.endpoint("devicecode")?;
    let form = [
        ("client_id", settings.client_id.as_str()),
        ("scope", settings.scope.as_str()),
    ];
    http.send_json(Request::unauthenticated(Method::POST, url).form(&form))
        .await
}

/// Polls the token endpoint until the user has signed in, declined, or the code expired.
pub async fn poll(
    http: &HttpClient,
    settings: &OAuthSettings,
    auth: &DeviceAuthorization,
    options: &DevicePollOptions,
) -> Result<TokenResponse> {
    let deadline = Instant::now() + Duration::from_secs(auth.expires_in);
    let mut interval = Duration::from_secs(auth.interval).min(options.max_interval);
    loop {
        tokio::time::sleep(interval).await;
        let result = token_request(
            http,
            settings,
            &[
                ("grant_type", DEVICE_GRANT),
                ("device_code", auth.device_code.as_str()),
            ],
        )
        .await;
        match result {
            Ok(tokens) => return Ok(tokens),
            Err(Error::OAuth(e)) => match e.error.as_str() {
                "authorization_pending" => {}
                "slow_down" => {
                    interval = (interval + options.slow_down_step).min(options.max_interval);
                }
                "authorization_declined" => {
                    return Err(Error::Authorization(
                        "the sign-in was declined (authorization_declined)".into(),
                    ));
                }
                "expired_token" => {
                    return Err(Error::Authorization(
                        "the device code expired before sign-in (expired_token); run `auth --device` again"
                            .into(),
                    ));
                }
                _ => return Err(Error::OAuth(e)),
            },
            Err(other) => return Err(other),
        }
        if Instant::now() >= deadline {
            return Err(Error::Authorization(
                "the device code expired before sign-in; run `auth --device` again".into(),
            ));
        }
    }
}

/// The whole flow: start, show the instructions through `show`, poll.
pub async fn run(
    http: &HttpClient,
    settings: &OAuthSettings,
    options: &DevicePollOptions,
    show: impl FnOnce(&DeviceAuthorization),
) -> Result<TokenResponse> {
    let auth = start(http, settings).await?;
    show(&auth);
    poll(http, settings, &auth, options).await
}
