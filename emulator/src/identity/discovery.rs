//! Metadata documents that OpenID Connect / MSAL clients fetch before any flow, and
//! the blank `nativeclient` landing page.
//!
//! - `GET /{tenant}/v2.0/.well-known/openid-configuration`: the OIDC discovery document
//!   (endpoints, supported response modes and client authentication methods);
//! - `GET /{tenant}/discovery/instance`: MSAL's instance discovery answer (the aliases
//!   of the login host), with `tenant_discovery_endpoint` pointing at the above;
//! - `GET /{tenant}/discovery/v2.0/keys`: the signing keys (none: the emulator's
//!   id_tokens are unsigned in effect, see [`super::response`]);
//! - `GET /{tenant}/oauth2/nativeclient`: the blank page embedded-browser apps land
//!   on with `?code=...` (the redirect URI `.../common/oauth2/nativeclient`).
//!
//! Endpoint URLs use the host the request was sent to (so that, served under
//! `login.microsoftonline.com`, the document names that host as the service's does)
//! and the scheme of the emulator's public URL.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, Uri, header};
use axum::response::{Html, IntoResponse, Response};
use serde_json::json;
use sha2::{Digest, Sha256};

use super::{MSA_TENANT_ID, tenant};
use crate::state::AppState;
use crate::stats::RouteLabel;

/// `scheme://host[:port]` as the client reached the emulator.
fn base_url(state: &AppState, headers: &HeaderMap, uri: &Uri) -> String {
    let scheme = if state.public_url.starts_with("https:") {
        "https"
    } else {
        "http"
    };
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .map(str::to_owned)
        .or_else(|| uri.authority().map(|a| a.as_str().to_owned()))
        .filter(|h| {
            !h.is_empty()
                && h.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"-.:[]".contains(&b))
        });
    match host {
        Some(h) => format!("{scheme}://{h}"),
        None => state.public_url.clone(),
    }
}

/// The tenant id an issuer names: the consumer tenant for `consumers`, the GUID
/// itself, a stable made-up GUID for a domain, and the `{tenantid}` template for
/// the multi-tenant aliases (as the service publishes).
fn issuer_tenant(segment: &str) -> String {
    let lower = segment.to_ascii_lowercase();
    match lower.as_str() {
        "common" | "organizations" => "{tenantid}".to_owned(),
        "consumers" => MSA_TENANT_ID.to_owned(),
        _ if super::clients::is_guid(&lower) => lower,
        _ => {
            let h = Sha256::digest(lower.as_bytes());
            let x: String = h.iter().take(16).map(|b| format!("{b:02x}")).collect();
            format!(
                "{}-{}-{}-{}-{}",
                &x[0..8],
                &x[8..12],
                &x[12..16],
                &x[16..20],
                &x[20..32]
            )
        }
    }
}

fn labelled(mut resp: Response, label: &str) -> Response {
    resp.extensions_mut().insert(RouteLabel(label.to_owned()));
    resp
}

pub async fn openid_configuration(
    State(state): State<AppState>,
    Path(segment): Path<String>,
    headers: HeaderMap,
    uri: Uri,
) -> Response {
    if let Err(e) = tenant::validate(&segment) {
        return e.into_response();
    }
    let base = base_url(&state, &headers, &uri);
    let t = format!("{base}/{segment}");
    let body = json!({
        "token_endpoint": format!("{t}/oauth2/v2.0/token"),
        "token_endpoint_auth_methods_supported": ["client_secret_post", "client_secret_basic"],
        "jwks_uri": format!("{t}/discovery/v2.0/keys"),
        "response_modes_supported": ["query", "fragment", "form_post"],
        "subject_types_supported": ["pairwise"],
        "id_token_signing_alg_values_supported": ["RS256"],
        "response_types_supported": ["code"],
        "scopes_supported": ["openid", "profile", "email", "offline_access"],
        "issuer": format!("https://login.microsoftonline.com/{}/v2.0", issuer_tenant(&segment)),
        "request_uri_parameter_supported": false,
        "authorization_endpoint": format!("{t}/oauth2/v2.0/authorize"),
        "device_authorization_endpoint": format!("{t}/oauth2/v2.0/devicecode"),
        "code_challenge_methods_supported": ["plain", "S256"],
        "grant_types_supported": [
            "authorization_code",
            "refresh_token",
            "urn:ietf:params:oauth:grant-type:device_code"
        ],
        "claims_supported": [
            "sub", "iss", "aud", "exp", "iat", "nbf", "name", "preferred_username",
            "email", "oid", "tid", "nonce", "ver"
        ],
        "tenant_region_scope": null,
        "cloud_instance_name": "microsoftonline.com",
        "cloud_graph_host_name": "graph.windows.net",
        "msgraph_host": "graph.microsoft.com",
    });
    labelled(
        Json(body).into_response(),
        "GET /{tenant}/v2.0/.well-known/openid-configuration",
    )
}

pub async fn instance_discovery(
    State(state): State<AppState>,
    Path(segment): Path<String>,
    headers: HeaderMap,
    uri: Uri,
) -> Response {
    let base = base_url(&state, &headers, &uri);
    let host = base
        .split_once("://")
        .map(|(_, h)| h.to_owned())
        .unwrap_or_default();
    let body = json!({
        "tenant_discovery_endpoint": format!("{base}/{segment}/v2.0/.well-known/openid-configuration"),
        "api-version": "1.1",
        "metadata": [{
            "preferred_network": host,
            "preferred_cache": host,
            "aliases": [host],
        }],
    });
    labelled(
        Json(body).into_response(),
        "GET /{tenant}/discovery/instance",
    )
}

pub async fn keys() -> Response {
    labelled(
        Json(json!({"keys": []})).into_response(),
        "GET /{tenant}/discovery/v2.0/keys",
    )
}

pub async fn native_client() -> Response {
    labelled(
        Html("<html><head><title>Working...</title></head><body></body></html>").into_response(),
        "GET /{tenant}/oauth2/nativeclient",
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn issuer_tenants() {
        assert_eq!(issuer_tenant("common"), "{tenantid}");
        assert_eq!(issuer_tenant("consumers"), MSA_TENANT_ID);
        let g = "AAAAAAAA-BBBB-CCCC-DDDD-EEEEEEEEEEEE";
        assert_eq!(issuer_tenant(g), g.to_ascii_lowercase());
        let d = issuer_tenant("contoso.com");
        assert!(super::super::clients::is_guid(&d));
        assert_eq!(d, issuer_tenant("CONTOSO.com"));
    }
}
