//! `GET|POST /{tenant}/oauth2/v2.0/authorize`: the authorization endpoint, with the
//! user always signed in and always consenting (no login page).
//!
//! As the service does (Entra auth-code flow doc, "Error response"), problems that
//! make the redirect target untrustworthy (tenant, `client_id`, `redirect_uri`) are
//! shown to the user agent as a 400 (here the identity platform's JSON error body)
//! and never redirected; every later problem is redirected to `redirect_uri` with
//! `error`, `error_description`, `error_uri` and `state`.
//!
//! Checked: `response_type` must be `code` (other types, e.g. the implicit `token`,
//! are `unsupported_response_type`: a native app registration does not enable them);
//! `scope` ([`super::scopes`]); `code_challenge`/`code_challenge_method`
//! ([`super::pkce`]). `response_mode` may be `query` (default), `fragment` or
//! `form_post` (a 200 page with a self-submitting form, as the service sends).
//! `prompt`, `login_hint` and `domain_hint` are accepted and ignored.

use std::time::Instant;

use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};

use super::clients::check_redirect_uri;
use super::params::Params;
use super::pkce::parse_challenge;
use super::scopes::Scopes;
use super::tokens::{AuthCode, Grant, deadline};
use super::{IdentityState, tenant};
use crate::error::{OAuthError, current_request_id, oauth_timestamp};
use crate::state::AppState;

pub async fn authorize_get(
    State(state): State<AppState>,
    Path(tenant): Path<String>,
    RawQuery(query): RawQuery,
) -> Response {
    match Params::parse(query.unwrap_or_default().as_bytes()) {
        Ok(p) => handle(&state.identity, &tenant, &p),
        Err(e) => page(e),
    }
}

pub async fn authorize_post(
    State(state): State<AppState>,
    Path(tenant): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    match Params::from_form(&headers, &body) {
        Ok(p) => handle(&state.identity, &tenant, &p),
        Err(e) => page(e),
    }
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Mode {
    Query,
    Fragment,
    FormPost,
}

/// An error shown to the user agent instead of redirecting.
fn page(e: OAuthError) -> Response {
    e.with_status(StatusCode::BAD_REQUEST).into_response()
}

fn handle(identity: &IdentityState, tenant_segment: &str, params: &Params) -> Response {
    if let Err(e) = tenant::validate(tenant_segment) {
        return page(e);
    }
    let client = match identity.clients.identify(params, tenant_segment) {
        Ok(c) => c,
        Err(e) => return page(e),
    };
    let redirect_uri = match params.require("redirect_uri") {
        Ok(r) => r,
        Err(e) => return page(e),
    };
    if let Err(e) = check_redirect_uri(redirect_uri, &client.id) {
        return page(e);
    }
    let state = params.get("state");
    let (mode, mode_error) = match params.get("response_mode") {
        None | Some("query") => (Mode::Query, None),
        Some("fragment") => (Mode::Fragment, None),
        Some("form_post") => (Mode::FormPost, None),
        Some(other) => (
            Mode::Query,
            Some(OAuthError::new(
                "invalid_request",
                70007,
                format!(
                    "The response_mode '{other}' is not supported. Supported values are 'query', 'fragment' and 'form_post'."
                ),
            )),
        ),
    };
    let result = match mode_error {
        Some(e) => Err(e),
        None => issue_code(identity, tenant_segment, client.id, redirect_uri, params),
    };
    let mut pairs: Vec<(&str, String)> = match result {
        Ok(code) => vec![("code", code)],
        Err(e) => {
            let trace = current_request_id();
            vec![
                ("error", e.error.clone()),
                (
                    "error_description",
                    e.full_description(&trace, &oauth_timestamp()),
                ),
                (
                    "error_uri",
                    format!("https://login.microsoftonline.com/error?code={}", e.aadsts),
                ),
            ]
        }
    };
    if let Some(s) = state {
        pairs.push(("state", s.to_owned()));
    }
    respond(mode, redirect_uri, &pairs)
}

fn issue_code(
    identity: &IdentityState,
    tenant_segment: &str,
    client_id: String,
    redirect_uri: &str,
    params: &Params,
) -> Result<String, OAuthError> {
    let response_type = params.require("response_type")?;
    if response_type != "code" {
        return Err(OAuthError::new(
            "unsupported_response_type",
            700051,
            format!("response_type '{response_type}' is not enabled for the application."),
        ));
    }
    let scopes = Scopes::parse(params.require("scope")?)?;
    let challenge = parse_challenge(
        params.get("code_challenge"),
        params.get("code_challenge_method"),
    )?;
    let code = identity.tables().insert_code(AuthCode {
        grant: Grant {
            client_id,
            tenant: tenant_segment.to_owned(),
            scopes,
        },
        redirect_uri: redirect_uri.to_owned(),
        challenge,
        nonce: params.get("nonce").map(str::to_owned),
        expires: deadline(Instant::now(), identity.settings.code_ttl),
        redeemed: false,
    });
    Ok(code)
}

fn respond(mode: Mode, redirect_uri: &str, pairs: &[(&str, String)]) -> Response {
    match mode {
        Mode::FormPost => form_post(redirect_uri, pairs),
        Mode::Query | Mode::Fragment => {
            // Checked by `check_redirect_uri`, so it parses.
            let Ok(mut url) = url::Url::parse(redirect_uri) else {
                return page(OAuthError::new(
                    "invalid_request",
                    90102,
                    "'redirect_uri' value must be a valid absolute URI.",
                ));
            };
            if mode == Mode::Query {
                url.query_pairs_mut()
                    .extend_pairs(pairs.iter().map(|(k, v)| (*k, v.as_str())));
            } else {
                let mut ser = url::form_urlencoded::Serializer::new(String::new());
                ser.extend_pairs(pairs.iter().map(|(k, v)| (*k, v.as_str())));
                url.set_fragment(Some(&ser.finish()));
            }
            let mut resp = StatusCode::FOUND.into_response();
            if let Ok(v) = HeaderValue::from_str(url.as_str()) {
                resp.headers_mut().insert(header::LOCATION, v);
            }
            resp.headers_mut()
                .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
            resp
        }
    }
}

fn html_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// `response_mode=form_post`: a page whose form posts the parameters to the
/// redirect URI as soon as it loads.
fn form_post(redirect_uri: &str, pairs: &[(&str, String)]) -> Response {
    let inputs: String = pairs
        .iter()
        .map(|(k, v)| {
            format!(
                "<input type=\"hidden\" name=\"{}\" value=\"{}\" />",
                html_escape(k),
                html_escape(v)
            )
        })
        .collect();
    let body = format!(
        "<html><head><title>Working...</title></head><body>\
         <form method=\"POST\" name=\"hiddenform\" action=\"{}\">{inputs}\
         <noscript><p>Script is disabled. Click Submit to continue.</p><input type=\"submit\" value=\"Submit\" /></noscript>\
         </form><script language=\"javascript\">document.forms[0].submit();</script></body></html>",
        html_escape(redirect_uri)
    );
    let mut resp = Html(body).into_response();
    resp.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    resp
}
