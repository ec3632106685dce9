//! Device code flow: `/devicecode` and polling the token endpoint.

mod identity_support;

use std::time::Duration;

use identity_support::*;
use onedrive_emulator::Config;
use reqwest::StatusCode;
use serde_json::Value;

const GRANT: &str = "urn:ietf:params:oauth:grant-type:device_code";

async fn start_flow(emu: &Emu, tenant: &str) -> Value {
    let (status, body) = emu
        .post_form(
            &format!("/{tenant}/oauth2/v2.0/devicecode"),
            &[("client_id", CLIENT), ("scope", SCOPE)],
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body
}

async fn poll(emu: &Emu, tenant: &str, device_code: &str) -> (StatusCode, Value) {
    emu.token(
        tenant,
        &[
            ("client_id", CLIENT),
            ("grant_type", GRANT),
            ("device_code", device_code),
        ],
    )
    .await
}

fn config(pending: u32, interval: u64) -> Config {
    Config {
        device_pending_polls: pending,
        device_interval_secs: interval,
        ..Config::default()
    }
}

#[tokio::test]
async fn devicecode_response_shape() {
    let emu = Emu::start(Config::default()).await;
    let body = start_flow(&emu, "consumers").await;
    assert_eq!(
        body["verification_uri"],
        "https://microsoft.com/devicelogin"
    );
    assert_eq!(body["expires_in"], 900);
    assert_eq!(body["interval"], 5);
    let user_code = body["user_code"].as_str().unwrap();
    assert!(body["message"].as_str().unwrap().contains(user_code));
    assert!(body["device_code"].as_str().unwrap().len() > 40);
    assert!(body.get("verification_uri_complete").is_none());
}

#[tokio::test]
async fn pending_n_times_then_tokens_then_spent() {
    let emu = Emu::start(config(3, 0)).await;
    let body = start_flow(&emu, "common").await;
    let dc = body["device_code"].as_str().unwrap();
    for _ in 0..3 {
        let (status, body) = poll(&emu, "common", dc).await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert_eq!(oauth_error(&body), ("authorization_pending".into(), 70016));
    }
    let (status, body) = poll(&emu, "common", dc).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["token_type"], "Bearer");
    assert!(body["refresh_token"].is_string());
    let (status, body) = poll(&emu, "common", dc).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(oauth_error(&body).0, "invalid_grant");
}

#[tokio::test]
async fn expired_device_code() {
    let emu = Emu::start(Config {
        device_code_ttl: Duration::ZERO,
        ..config(0, 0)
    })
    .await;
    let body = start_flow(&emu, "common").await;
    assert_eq!(body["expires_in"], 0);
    let (status, body) = poll(&emu, "common", body["device_code"].as_str().unwrap()).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(oauth_error(&body), ("expired_token".into(), 70019));
}

#[tokio::test]
async fn polling_faster_than_interval_gets_slow_down() {
    // A long interval: the second, immediate poll is certainly early.
    let emu = Emu::start(config(5, 60)).await;
    let body = start_flow(&emu, "common").await;
    let dc = body["device_code"].as_str().unwrap();
    let (_, body) = poll(&emu, "common", dc).await;
    assert_eq!(
        body["error"], "authorization_pending",
        "first poll is never early"
    );
    let (status, body) = poll(&emu, "common", dc).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(oauth_error(&body).0, "slow_down");
    assert!(
        body["error_description"]
            .as_str()
            .unwrap()
            .contains("65 seconds"),
        "interval grows by 5 s: {body}"
    );
}

#[tokio::test]
async fn unknown_code_other_tenant_and_declined() {
    let emu = Emu::start(config(1, 0)).await;
    let (status, body) = poll(&emu, "common", "DAQABIQEAAADnope").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(oauth_error(&body).0, "bad_verification_code");

    let body = start_flow(&emu, "consumers").await;
    let dc = body["device_code"].as_str().unwrap().to_owned();
    let user_code = body["user_code"].as_str().unwrap().to_owned();
    let (_, body) = poll(&emu, "common", &dc).await;
    assert_eq!(oauth_error(&body), ("invalid_grant".into(), 700005));

    assert!(emu.running.state.identity.decline_device_code(&user_code));
    let (status, body) = poll(&emu, "consumers", &dc).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(oauth_error(&body).0, "authorization_declined");
    assert!(!emu.running.state.identity.decline_device_code("NOSUCHCODE"));
}

#[tokio::test]
async fn devicecode_request_errors() {
    let emu = Emu::start(Config::default()).await;
    let (status, body) = emu
        .post_form(
            "/common/oauth2/v2.0/devicecode",
            &[("client_id", CLIENT)],
            None,
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(oauth_error(&body), ("invalid_request".into(), 900144));
    let (status, body) = emu
        .post_form("/common/oauth2/v2.0/devicecode", &[("scope", SCOPE)], None)
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(oauth_error(&body), ("invalid_request".into(), 900144));
    let (status, body) = emu
        .post_form(
            "/common/oauth2/v2.0/devicecode",
            &[("client_id", "nope"), ("scope", SCOPE)],
            None,
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(oauth_error(&body).1, 700038);
}
