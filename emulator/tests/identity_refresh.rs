//! `refresh_token` grant: rotation, the reuse flag, scope narrowing, tenant binding.

mod identity_support;

use identity_support::*;
use onedrive_emulator::Config;
use reqwest::StatusCode;

fn refresh_form(rt: &str) -> Vec<(&str, &str)> {
    vec![
        ("client_id", CLIENT),
        ("grant_type", "refresh_token"),
        ("refresh_token", rt),
    ]
}

#[tokio::test]
async fn each_refresh_rotates_and_old_tokens_still_work_by_default() {
    let emu = Emu::start(Config::default()).await;
    let first = emu.login("common", SCOPE).await;
    let rt0 = first["refresh_token"].as_str().unwrap().to_owned();

    let (status, r1) = emu.token("common", &refresh_form(&rt0)).await;
    assert_eq!(status, StatusCode::OK, "{r1}");
    let rt1 = r1["refresh_token"].as_str().unwrap().to_owned();
    assert_ne!(rt1, rt0, "a new refresh token each time");
    assert_ne!(r1["access_token"], first["access_token"]);

    let (status, r2) = emu.token("common", &refresh_form(&rt1)).await;
    assert_eq!(status, StatusCode::OK);
    assert_ne!(r2["refresh_token"].as_str().unwrap(), rt1);

    // Docs: the old token is not revoked on use.
    let (status, r3) = emu.token("common", &refresh_form(&rt0)).await;
    assert_eq!(status, StatusCode::OK, "{r3}");

    let counts = emu.running.state.identity.counts();
    assert_eq!(counts.refreshes, 3);
    assert_eq!(counts.refresh_tokens_issued, 4);
}

#[tokio::test]
async fn used_refresh_token_rejected_when_reuse_is_off() {
    let emu = Emu::start(Config {
        refresh_token_reuse: false,
        ..Config::default()
    })
    .await;
    let rt0 = emu.login("common", SCOPE).await["refresh_token"]
        .as_str()
        .unwrap()
        .to_owned();
    let (status, r1) = emu.token("common", &refresh_form(&rt0)).await;
    assert_eq!(status, StatusCode::OK);
    let (status, body) = emu.token("common", &refresh_form(&rt0)).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(oauth_error(&body).0, "invalid_grant");
    // The newest one still works.
    let (status, _) = emu
        .token(
            "common",
            &refresh_form(r1["refresh_token"].as_str().unwrap()),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
}

#[tokio::test]
async fn no_refresh_token_without_offline_access() {
    let emu = Emu::start(Config::default()).await;
    let body = emu.login("common", "Files.ReadWrite User.Read").await;
    assert!(body.get("refresh_token").is_none(), "{body}");
    assert!(body["access_token"].is_string());
}

#[tokio::test]
async fn unknown_revoked_and_misdirected_refresh_tokens() {
    let emu = Emu::start(Config::default()).await;
    let (status, body) = emu.token("common", &refresh_form("garbage")).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(oauth_error(&body), ("invalid_grant".into(), 9002313));

    let rt = emu.login("consumers", SCOPE).await["refresh_token"]
        .as_str()
        .unwrap()
        .to_owned();
    // Same tenant as the first request (Entra: polling and refresh use the same tenant).
    let (status, body) = emu.token("common", &refresh_form(&rt)).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(oauth_error(&body), ("invalid_grant".into(), 700005));
    // Another client cannot use it.
    let other = "11111111-2222-3333-4444-555555555555";
    let (status, body) = emu
        .token(
            "consumers",
            &[
                ("client_id", other),
                ("grant_type", "refresh_token"),
                ("refresh_token", &rt),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(oauth_error(&body).0, "invalid_grant");
    // Missing parameter.
    let (status, body) = emu
        .token(
            "consumers",
            &[("client_id", CLIENT), ("grant_type", "refresh_token")],
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(oauth_error(&body), ("invalid_request".into(), 900144));

    assert_eq!(emu.running.state.identity.revoke_all_refresh_tokens(), 1);
    let (status, body) = emu.token("consumers", &refresh_form(&rt)).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(oauth_error(&body).0, "invalid_grant");
}

#[tokio::test]
async fn scope_may_narrow_but_not_widen() {
    let emu = Emu::start(Config::default()).await;
    let rt = emu.login("common", SCOPE).await["refresh_token"]
        .as_str()
        .unwrap()
        .to_owned();
    let mut form = refresh_form(&rt);
    form.push(("scope", "Files.ReadWrite offline_access"));
    let (status, body) = emu.token("common", &form).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["scope"], "Files.ReadWrite");
    let mut form = refresh_form(&rt);
    form.push(("scope", "Files.ReadWrite.All"));
    let (status, body) = emu.token("common", &form).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(oauth_error(&body), ("invalid_grant".into(), 65001));
}

#[tokio::test]
async fn tokens_survive_a_restart_with_data_dir() {
    let dir = std::env::temp_dir().join(format!(
        "onedrive-emulator-identity-restart-{}-{}",
        std::process::id(),
        CLIENT
    ));
    let _ = std::fs::remove_dir_all(&dir);
    let config = || Config {
        data_dir: Some(dir.clone()),
        ..Config::default()
    };
    let emu = Emu::start(config()).await;
    let body = emu.login("common", SCOPE).await;
    let rt = body["refresh_token"].as_str().unwrap().to_owned();
    let at = body["access_token"].as_str().unwrap().to_owned();
    emu.running.shutdown().await.unwrap();

    let emu = Emu::start(config()).await;
    let mut h = axum::http::HeaderMap::new();
    h.insert(
        axum::http::header::AUTHORIZATION,
        format!("Bearer {at}").parse().unwrap(),
    );
    assert!(onedrive_emulator::identity::authenticate(&emu.running.state, &h).is_ok());
    let (status, body) = emu.token("common", &refresh_form(&rt)).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    emu.running.shutdown().await.unwrap();
    let _ = std::fs::remove_dir_all(&dir);
}
