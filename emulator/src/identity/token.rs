//! `POST /{tenant}/oauth2/v2.0/token`.
//!
//! Order of checks: tenant shape, form decoding, `grant_type` present, client
//! identified and authenticated ([`super::clients`]), grant type supported
//! (`unsupported_grant_type`, AADSTS70003), then the grant's own rules:
//! - `authorization_code`: the code exists (AADSTS70000), is not yet redeemed
//!   (AADSTS54005: codes are single-use), has not expired (AADSTS70008, lifetime
//!   `code_ttl`), belongs to this client, is redeemed at the tenant that issued it
//!   (AADSTS700005), `redirect_uri` equals the authorize one (AADSTS500112), the PKCE
//!   verifier matches ([`super::pkce`]). A failed attempt does not consume the code.
//! - `refresh_token`: the token is one of ours (AADSTS9002313 when malformed,
//!   AADSTS70000 when unknown or revoked), same client and tenant, not already used
//!   when `refresh_token_reuse` is off. Every refresh returns a new refresh token
//!   (Entra refresh-tokens doc: rotation; the old one is not revoked by the service,
//!   hence the default `refresh_token_reuse = true`).
//! - device code: see [`super::devicecode::poll`].
//!
//! An optional `scope` may narrow the granted permissions; asking for one that was
//! never granted is `invalid_grant` AADSTS65001 (no consent).

use std::time::Instant;

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};

use super::clients::Client;
use super::params::Params;
use super::response::Reply;
use super::scopes::Scopes;
use super::tokens::{Grant, REFRESH_PREFIX, key};
use super::{IdentityState, devicecode, response, tenant};
use crate::error::OAuthError;
use crate::state::AppState;

pub const DEVICE_CODE_GRANT: &str = "urn:ietf:params:oauth:grant-type:device_code";

pub async fn token(
    State(state): State<AppState>,
    Path(tenant): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let reply_user = state.store.drive_id();
    match handle(&state.identity, &tenant, &headers, &body, reply_user) {
        Ok(r) => r,
        Err(e) => e.into_response(),
    }
}

/// `GET` on a POST-only endpoint (AADSTS900561).
pub async fn wrong_method() -> OAuthError {
    OAuthError::new(
        "invalid_request",
        900561,
        "The endpoint only accepts POST, OPTIONS requests. Received a GET request.",
    )
}

fn handle(
    identity: &IdentityState,
    tenant_segment: &str,
    headers: &HeaderMap,
    body: &[u8],
    user_cid: String,
) -> Result<Response, OAuthError> {
    tenant::validate(tenant_segment)?;
    let params = Params::from_form(headers, body)?;
    let grant_type = params.require("grant_type")?;
    let client = identity
        .clients
        .authenticate(&params, headers, tenant_segment)?;
    let reply = Reply {
        client_info: params.get("client_info") == Some("1"),
        user_cid,
    };
    match grant_type {
        "authorization_code" => redeem_code(identity, tenant_segment, &client, &params, &reply),
        "refresh_token" => refresh(identity, tenant_segment, &client, &params, &reply),
        DEVICE_CODE_GRANT => devicecode::poll(identity, tenant_segment, &client, &params, &reply),
        other => Err(OAuthError::new(
            "unsupported_grant_type",
            70003,
            format!("The app requested an unsupported grant type '{other}'."),
        )),
    }
}

/// The permissions of an optional `scope` parameter, which must be covered by the grant.
fn narrowed(grant: &Grant, scope: Option<&str>, client_id: &str) -> Result<Scopes, OAuthError> {
    let Some(raw) = scope else {
        return Ok(grant.scopes.clone());
    };
    let asked = Scopes::parse(raw)?;
    if !grant.scopes.covers(&asked) {
        return Err(OAuthError::new(
            "invalid_grant",
            65001,
            format!(
                "The user or administrator has not consented to use the application with ID '{client_id}'. \
                 Send an interactive authorization request for this user and resource."
            ),
        ));
    }
    let resource = if asked.resource.is_empty() {
        grant.scopes.resource.clone()
    } else {
        asked.resource
    };
    Ok(Scopes {
        resource,
        oidc: grant.scopes.oidc.clone(),
    })
}

fn invalid_code() -> OAuthError {
    OAuthError::new(
        "invalid_grant",
        70000,
        "The provided value for the 'code' parameter is not valid.",
    )
}

fn redeem_code(
    identity: &IdentityState,
    tenant_segment: &str,
    client: &Client,
    params: &Params,
    reply: &Reply,
) -> Result<Response, OAuthError> {
    let code = params.require("code")?;
    let redirect_uri = params.require("redirect_uri")?;
    let now = Instant::now();
    let mut t = identity.tables();
    let rec = t.codes.get_mut(&key(code)).ok_or_else(invalid_code)?;
    if rec.redeemed {
        return Err(OAuthError::new(
            "invalid_grant",
            54005,
            "OAuth2 Authorization code was already redeemed, please retry with a new valid code or use an existing refresh token.",
        ));
    }
    if rec.expires <= now {
        return Err(OAuthError::new(
            "invalid_grant",
            70008,
            "The provided authorization code or refresh token has expired due to inactivity. \
             Send a new interactive authorization request for this user and resource.",
        ));
    }
    if rec.grant.client_id != client.id {
        return Err(invalid_code());
    }
    if !tenant::same(&rec.grant.tenant, tenant_segment) {
        return Err(tenant::wrong_tenant("Authorization Code"));
    }
    if rec.redirect_uri != redirect_uri {
        return Err(OAuthError::new(
            "invalid_grant",
            500112,
            format!(
                "The reply address '{redirect_uri}' does not match the reply address '{}' provided when requesting Authorization code.",
                rec.redirect_uri
            ),
        ));
    }
    super::pkce::verify(rec.challenge.as_ref(), params.get("code_verifier"))?;
    let access_scopes = narrowed(&rec.grant, params.get("scope"), &client.id)?;
    rec.redeemed = true;
    let grant = rec.grant.clone();
    let nonce = rec.nonce.clone();
    let issued = t.issue_with(&grant, access_scopes.clone(), identity.settings.token_ttl);
    identity.persist(&t);
    drop(t);
    let shown = Grant {
        scopes: access_scopes,
        ..grant
    };
    Ok(response::success(
        identity,
        &shown,
        issued,
        nonce.as_deref(),
        reply,
    ))
}

fn refresh(
    identity: &IdentityState,
    tenant_segment: &str,
    client: &Client,
    params: &Params,
    reply: &Reply,
) -> Result<Response, OAuthError> {
    let token = params.require("refresh_token")?;
    let mut t = identity.tables();
    let Some(rec) = t.refresh.get_mut(&key(token)) else {
        return Err(if token.starts_with(REFRESH_PREFIX) {
            invalid_refresh()
        } else {
            OAuthError::new(
                "invalid_grant",
                9002313,
                "Invalid request. Request is malformed or invalid.",
            )
        });
    };
    if rec.used && !identity.settings.refresh_token_reuse {
        return Err(invalid_refresh());
    }
    if rec.grant.client_id != client.id {
        return Err(invalid_refresh());
    }
    if !tenant::same(&rec.grant.tenant, tenant_segment) {
        return Err(tenant::wrong_tenant("refresh token"));
    }
    let access_scopes = narrowed(&rec.grant, params.get("scope"), &client.id)?;
    rec.used = true;
    let grant = rec.grant.clone();
    let issued = t.issue_with(&grant, access_scopes.clone(), identity.settings.token_ttl);
    t.counts.refreshes += 1;
    identity.persist(&t);
    drop(t);
    let shown = Grant {
        scopes: access_scopes,
        ..grant
    };
    Ok(response::success(identity, &shown, issued, None, reply))
}

fn invalid_refresh() -> OAuthError {
    OAuthError::new(
        "invalid_grant",
        70000,
        "Provided grant is invalid or malformed.",
    )
}
