//! Graph-side token checks: tokens from the token endpoint, checked by
//! `identity::authenticate` (the function every Graph route calls).

mod identity_support;

use std::time::Duration;

use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use identity_support::*;
use onedrive_emulator::Config;
use onedrive_emulator::identity::authenticate;

fn bearer(token: &str) -> HeaderMap {
    let mut h = HeaderMap::new();
    h.insert(
        header::AUTHORIZATION,
        HeaderValue::from_str(&format!("Bearer {token}")).unwrap(),
    );
    h
}

#[tokio::test]
async fn issued_token_is_accepted_until_expired_by_admin_hook() {
    let emu = Emu::start(Config::default()).await;
    let body = emu.login("common", SCOPE).await;
    let token = body["access_token"].as_str().unwrap();
    let state = &emu.running.state;
    assert!(authenticate(state, &bearer(token)).is_ok());
    assert!(state.identity.expire_all_access_tokens() >= 1);
    let e = authenticate(state, &bearer(token)).unwrap_err();
    assert_eq!(e.status, StatusCode::UNAUTHORIZED);
    assert_eq!(e.code, "InvalidAuthenticationToken");
    assert_eq!(e.message, "Access token has expired or is not yet valid.");
    let www = e.headers[header::WWW_AUTHENTICATE].to_str().unwrap();
    assert!(www.starts_with("Bearer "), "{www}");
    assert!(www.contains("expired_token"), "{www}");
}

#[tokio::test]
async fn token_ttl_expiry() {
    let emu = Emu::start(Config {
        token_ttl: Duration::ZERO,
        ..Config::default()
    })
    .await;
    let body = emu.login("common", SCOPE).await;
    assert_eq!(body["expires_in"], 0);
    let token = body["access_token"].as_str().unwrap();
    let e = authenticate(&emu.running.state, &bearer(token)).unwrap_err();
    assert_eq!(e.code, "InvalidAuthenticationToken");
    // The error body is Graph's shape.
    let b = e.body();
    assert_eq!(b["error"]["code"], "InvalidAuthenticationToken");
    assert!(b["error"]["innerError"]["date"].is_string());
}

#[tokio::test]
async fn missing_and_malformed_tokens() {
    let emu = Emu::start(Config::default()).await;
    let state = &emu.running.state;
    let e = authenticate(state, &HeaderMap::new()).unwrap_err();
    assert_eq!(
        (e.status, e.code.as_str()),
        (StatusCode::UNAUTHORIZED, "unauthenticated")
    );
    assert_eq!(e.message, "Must be authenticated to use '/drive' syntax");
    let e = authenticate(state, &bearer("garbage")).unwrap_err();
    assert_eq!(e.code, "InvalidAuthenticationToken");
    assert!(
        e.message.starts_with("CompactToken parsing failed"),
        "{}",
        e.message
    );
    // A refresh token is not an access token.
    let body = emu.login("common", SCOPE).await;
    let rt = body["refresh_token"].as_str().unwrap();
    assert!(authenticate(state, &bearer(rt)).is_err());
    // The minting helper gives a usable token without any flow.
    let minted = state.identity.mint_access_token(Duration::from_secs(60));
    assert!(authenticate(state, &bearer(&minted)).is_ok());
}

/// Over HTTP: a Graph URL answers 401 without, with a garbled and with an expired
/// token, and 200 with a fresh one (through the graph router, which calls
/// `authenticate`).
#[tokio::test]
async fn graph_requests_over_http() {
    let emu = Emu::start(Config {
        token_ttl: Duration::ZERO,
        ..Config::default()
    })
    .await;
    let url = emu.url("/v1.0/me/drive");

    let resp = emu.http.get(&url).send().await.unwrap();
    assert_eq!(resp.status(), reqwest::StatusCode::UNAUTHORIZED);
    let body: serde_json::Value = resp.json().await.unwrap();
    assert_eq!(body["error"]["code"], "unauthenticated");

    let resp = emu
        .http
        .get(&url)
        .bearer_auth("garbled")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), reqwest::StatusCode::UNAUTHORIZED);
    let body: serde_json::Value = resp.json().await.unwrap();
    assert_eq!(body["error"]["code"], "InvalidAuthenticationToken");

    // token_ttl 0: the token from the flow is expired on arrival.
    let token = emu.login("common", SCOPE).await["access_token"]
        .as_str()
        .unwrap()
        .to_owned();
    let resp = emu.http.get(&url).bearer_auth(&token).send().await.unwrap();
    assert_eq!(resp.status(), reqwest::StatusCode::UNAUTHORIZED);
    let www = resp.headers()["www-authenticate"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(www.contains("expired_token"), "{www}");
    assert!(resp.headers().get("request-id").is_some());
    let body: serde_json::Value = resp.json().await.unwrap();
    assert_eq!(body["error"]["code"], "InvalidAuthenticationToken");
    assert_eq!(
        body["error"]["message"],
        "Access token has expired or is not yet valid."
    );

    let fresh = emu
        .running
        .state
        .identity
        .mint_access_token(Duration::from_secs(600));
    let resp = emu.http.get(&url).bearer_auth(&fresh).send().await.unwrap();
    assert_eq!(resp.status(), reqwest::StatusCode::OK);
}
