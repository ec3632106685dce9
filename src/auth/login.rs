//! The sign-in operations behind `auth`, `auth URL`, `auth --device` and `auth_refresh`,
//! each reading settings from and writing tokens to the state file, so that the CLI
//! layer only prints and reads.
//!
//! Paste-URL mode spans one or two invocations: [`begin_paste`] records the `state` and
//! PKCE verifier of the new request in the state file (`auth.pkce_state`,
//! `auth.pkce_verifier`) and returns the URL to print; [`finish_paste`] takes the URL the
//! browser landed on (from the argument or stdin, in the same or a later invocation),
//! checks it against the recorded request and redeems the code.

use std::sync::Arc;

use url::Url;

use super::OAuthSettings;
use super::code::{AuthorizationRequest, exchange_code, parse_redirect};
use super::device::{self, DeviceAuthorization, DevicePollOptions};
use super::pkce::Pkce;
use super::token::{TokenManager, Tokens};
use crate::config::{State, StateFile};
use crate::http::{Error, HttpClient, Network, Result};

/// An HTTP client with the state file's `request.base_headers` and the invocation's
/// network settings.
pub fn http_for_state(state: &State, network: &Network) -> Result<HttpClient> {
    HttpClient::builder()
        .network(network)
        .base_headers(
            state
                .request
                .base_headers
                .iter()
                .map(|(k, v)| (k.as_str(), v.as_str())),
        )?
        .build()
}

fn load(store: &StateFile) -> Result<State> {
    Ok(store.load()?)
}

/// Starts a paste-URL sign-in: records `state` and the PKCE verifier in the state file
/// and returns the authorize URL for the user to open.
pub fn begin_paste(store: &StateFile) -> Result<Url> {
    let state = load(store)?;
    let settings = OAuthSettings::from_state(&state)?;
    let req = AuthorizationRequest::new(&settings)?;
    let (st, verifier) = (req.state.clone(), req.pkce.verifier.clone());
    store.update(|s| {
        s.auth.pkce_state = Some(st);
        s.auth.pkce_verifier = Some(verifier);
    })?;
    Ok(req.url)
}

/// Completes a paste-URL sign-in with the URL the browser landed on; stores the tokens.
pub async fn finish_paste(store: &StateFile, http: &HttpClient, landed: &str) -> Result<Tokens> {
    let state = load(store)?;
    let settings = OAuthSettings::from_state(&state)?;
    let (Some(expected), Some(verifier)) = (
        state.auth.pkce_state.clone(),
        state.auth.pkce_verifier.clone(),
    ) else {
        return Err(Error::Authorization(
            "no sign-in in progress: run `auth` without a URL first, open the URL it prints, \
             then pass the URL you land on"
                .into(),
        ));
    };
    // Rebuilding the request checks the stored verifier is well-formed.
    let req = AuthorizationRequest::with(&settings, expected, Pkce::from_verifier(verifier))?;
    let code = parse_redirect(landed, Some(&req.state))?;
    let resp = exchange_code(http, &settings, &code, &req.pkce.verifier).await?;
    let manager = TokenManager::from_state(http.clone(), &state, store.clone())?;
    manager.accept(&resp).await
}

/// Signs in with the device code flow; `show` gets the instructions to print (stderr).
pub async fn device_sign_in(
    store: &StateFile,
    http: &HttpClient,
    options: &DevicePollOptions,
    show: impl FnOnce(&DeviceAuthorization),
) -> Result<Tokens> {
    let state = load(store)?;
    let settings = OAuthSettings::from_state(&state)?;
    let resp = device::run(http, &settings, options, show).await?;
    let manager = TokenManager::from_state(http.clone(), &state, store.clone())?;
    manager.accept(&resp).await
}

/// Signs in through the localhost redirect listener: `show` gets the URL to open; the
/// browser's redirect is awaited at most `timeout`.
pub async fn loopback_sign_in(
    store: &StateFile,
    http: &HttpClient,
    timeout: std::time::Duration,
    show: impl FnOnce(&Url),
) -> Result<Tokens> {
    let state = load(store)?;
    let settings = OAuthSettings::from_state(&state)?;
    let listener = super::loopback::LoopbackSignIn::start(&settings).await?;
    show(listener.url());
    let resp = listener.finish(http, timeout).await?;
    let manager = TokenManager::from_state(http.clone(), &state, store.clone())?;
    manager.accept(&resp).await
}

/// `auth_refresh`: refreshes now and stores the rotated tokens.
pub async fn refresh(store: &StateFile, http: &HttpClient) -> Result<Tokens> {
    let state = load(store)?;
    TokenManager::from_state(http.clone(), &state, store.clone())?
        .refresh()
        .await
}

/// A token manager for Graph calls, from the state file.
pub fn token_manager(store: &StateFile, http: &HttpClient) -> Result<Arc<TokenManager>> {
    let state = load(store)?;
    Ok(Arc::new(TokenManager::from_state(
        http.clone(),
        &state,
        store.clone(),
    )?))
}
