//! Device code flow (Entra v2-oauth2-device-code doc; RFC 8628).
//!
//! `POST /{tenant}/oauth2/v2.0/devicecode` with `client_id` and `scope` answers
//! `device_code`, `user_code`, `verification_uri` (`https://microsoft.com/devicelogin`),
//! `expires_in` (`device_code_ttl`), `interval` (`device_interval_secs`) and `message`.
//!
//! Polling the token endpoint with the device code answers, in this order:
//! - unknown code or another client's: `bad_verification_code`;
//! - another tenant than the devicecode request: `invalid_grant` AADSTS700005;
//! - already redeemed: `invalid_grant`;
//! - past `expires_in`: `expired_token`;
//! - declined by the user ([`super::IdentityState::decline_device_code`]):
//!   `authorization_declined`;
//! - polled sooner than the interval after the previous poll: `slow_down`, and the
//!   interval grows by 5 s (RFC 8628 §3.5). Microsoft does not list `slow_down`; RFC
//!   8628 clients must handle it. To stay tolerant of scheduling noise only a poll
//!   earlier than 3/4 of the interval counts, the first poll is never early, and an
//!   interval of 0 disables the check;
//! - the first `device_pending_polls` polls: `authorization_pending`;
//! - then tokens (the emulated user "signed in"), and the code is spent.

use std::time::{Duration, Instant};

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use serde_json::json;

use super::clients::Client;
use super::params::Params;
use super::response::Reply;
use super::scopes::Scopes;
use super::tokens::{DeviceRecord, DeviceState, Grant, deadline, key, random_user_code};
use super::{IdentityState, response, tenant};
use crate::error::OAuthError;
use crate::state::AppState;

pub const VERIFICATION_URI: &str = "https://microsoft.com/devicelogin";

pub async fn devicecode(
    State(state): State<AppState>,
    Path(tenant): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    match start(&state.identity, &tenant, &headers, &body) {
        Ok(r) => r,
        Err(e) => e.into_response(),
    }
}

fn start(
    identity: &IdentityState,
    tenant_segment: &str,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<Response, OAuthError> {
    tenant::validate(tenant_segment)?;
    let params = Params::from_form(headers, body)?;
    let client = identity.clients.identify(&params, tenant_segment)?;
    let scopes = Scopes::parse(params.require("scope")?)?;
    let s = &identity.settings;
    let user_code = random_user_code();
    let device_code = identity.tables().insert_device(DeviceRecord {
        grant: Grant {
            client_id: client.id,
            tenant: tenant_segment.to_owned(),
            scopes,
        },
        user_code: user_code.clone(),
        expires: deadline(Instant::now(), s.device_code_ttl),
        pending_answers: 0,
        last_poll: None,
        interval: s.device_interval,
        state: DeviceState::Pending,
    });
    Ok(Json(json!({
        "user_code": user_code,
        "device_code": device_code,
        "verification_uri": VERIFICATION_URI,
        "expires_in": s.device_code_ttl.as_secs(),
        "interval": s.device_interval.as_secs(),
        "message": format!(
            "To sign in, use a web browser to open the page {VERIFICATION_URI} and enter the code {user_code} to authenticate."
        ),
    }))
    .into_response())
}

/// The token endpoint's device-code grant.
pub fn poll(
    identity: &IdentityState,
    tenant_segment: &str,
    client: &Client,
    params: &Params,
    reply: &Reply,
) -> Result<Response, OAuthError> {
    let code = params.require("device_code")?;
    let now = Instant::now();
    let mut t = identity.tables();
    let d = match t.devices.get_mut(&key(code)) {
        Some(d) if d.grant.client_id == client.id => d,
        _ => {
            return Err(OAuthError::new(
                "bad_verification_code",
                70018,
                "The provided value for the 'device_code' parameter is not valid.",
            ));
        }
    };
    if !tenant::same(&d.grant.tenant, tenant_segment) {
        return Err(tenant::wrong_tenant("device code"));
    }
    if d.state == DeviceState::Redeemed {
        return Err(OAuthError::new(
            "invalid_grant",
            70000,
            "The provided value for the 'device_code' parameter has already been redeemed.",
        ));
    }
    if d.expires <= now {
        return Err(OAuthError::new(
            "expired_token",
            70019,
            "Verification code expired.",
        ));
    }
    if d.state == DeviceState::Declined {
        return Err(OAuthError::new(
            "authorization_declined",
            65004,
            "User declined to consent to access the app.",
        ));
    }
    let too_early = d
        .last_poll
        .is_some_and(|last| !d.interval.is_zero() && now.duration_since(last) < d.interval / 4 * 3);
    d.last_poll = Some(now);
    if too_early {
        d.interval = d.interval.saturating_add(Duration::from_secs(5));
        return Err(OAuthError::new(
            "slow_down",
            70016,
            format!(
                "OAuth 2.0 device flow error. Polling too frequently: wait at least {} seconds between requests.",
                d.interval.as_secs()
            ),
        ));
    }
    if d.pending_answers < identity.settings.device_pending_polls {
        d.pending_answers += 1;
        return Err(OAuthError::new(
            "authorization_pending",
            70016,
            "OAuth 2.0 device flow error. Authorization is pending. Continue polling.",
        ));
    }
    d.state = DeviceState::Redeemed;
    let grant = d.grant.clone();
    let issued = t.issue(&grant, identity.settings.token_ttl);
    identity.persist(&t);
    drop(t);
    Ok(response::success(identity, &grant, issued, None, reply))
}
