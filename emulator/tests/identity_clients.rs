//! Client registration and client authentication at the token endpoint.

mod identity_support;

use identity_support::*;
use onedrive_emulator::Config;
use onedrive_emulator::config::ClientRegistration;
use reqwest::StatusCode;

const CONFIDENTIAL: &str = "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0";
const SECRET: &str = "s3cr+t:with/odd=chars";

fn registered() -> Config {
    Config {
        clients: vec![
            ClientRegistration {
                id: CLIENT.into(),
                secret: None,
            },
            ClientRegistration {
                id: CONFIDENTIAL.into(),
                secret: Some(SECRET.into()),
            },
        ],
        ..Config::default()
    }
}

/// A refresh token for `client` (minted: the grant path is tested elsewhere).
fn refresh_token(emu: &Emu, client: &str) -> String {
    emu.running
        .state
        .identity
        .mint_tokens(client, "common", SCOPE)
        .expect("mint")
        .refresh_token
        .expect("offline_access gives a refresh token")
}

#[tokio::test]
async fn public_client_must_not_send_a_secret() {
    let emu = Emu::start(Config::default()).await;
    let rt = refresh_token(&emu, CLIENT);
    let (status, body) = emu
        .token(
            "common",
            &[
                ("client_id", CLIENT),
                ("grant_type", "refresh_token"),
                ("refresh_token", &rt),
                ("client_secret", "x"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(oauth_error(&body), ("invalid_client".into(), 700025));
    let path = "/common/oauth2/v2.0/token";
    let form = [
        ("grant_type", "refresh_token"),
        ("refresh_token", rt.as_str()),
    ];
    let (status, body) = emu.post_form(path, &form, Some((CLIENT, "x"))).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(oauth_error(&body).1, 700025);
}

#[tokio::test]
async fn confidential_client_secret_missing_wrong_right() {
    let emu = Emu::start(registered()).await;
    let rt = refresh_token(&emu, CONFIDENTIAL);
    let path = "/common/oauth2/v2.0/token";
    let base = [
        ("client_id", CONFIDENTIAL),
        ("grant_type", "refresh_token"),
        ("refresh_token", rt.as_str()),
    ];
    let (status, body) = emu.post_form(path, &base, None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(oauth_error(&body), ("invalid_client".into(), 7000218));

    let mut wrong = base.to_vec();
    wrong.push(("client_secret", "nope"));
    let (status, body) = emu.post_form(path, &wrong, None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(oauth_error(&body), ("invalid_client".into(), 7000215));

    let (status, body) = emu
        .post_form(path, &base, Some((CONFIDENTIAL, "nope")))
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(oauth_error(&body).1, 7000215);

    let mut right = base.to_vec();
    right.push(("client_secret", SECRET));
    let (status, body) = emu.post_form(path, &right, None).await;
    assert_eq!(status, StatusCode::OK, "{body}");

    // HTTP Basic (RFC 6749 §2.3.1: id and secret form-urlencoded before base64).
    let enc = |s: &str| url::form_urlencoded::byte_serialize(s.as_bytes()).collect::<String>();
    let (status, body) = emu
        .post_form(path, &base, Some((CONFIDENTIAL, &enc(SECRET))))
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");

    // Both methods at once is a malformed request.
    let (status, body) = emu
        .post_form(path, &right, Some((CONFIDENTIAL, &enc(SECRET))))
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(oauth_error(&body).0, "invalid_request");
}

#[tokio::test]
async fn only_registered_ids_when_registrations_exist() {
    let emu = Emu::start(registered()).await;
    let stranger = "99999999-8888-7777-6666-555555555555";
    let (status, body) = emu
        .token(
            "common",
            &[
                ("client_id", stranger),
                ("grant_type", "refresh_token"),
                ("refresh_token", "x"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(oauth_error(&body), ("unauthorized_client".into(), 700016));
    // At authorize: shown, not redirected.
    let resp = emu
        .authorize(
            "common",
            &[
                ("client_id", stranger),
                ("response_type", "code"),
                ("redirect_uri", REDIRECT),
                ("scope", SCOPE),
            ],
        )
        .await;
    assert_eq!(resp.status(), StatusCode::BAD_REQUEST);
    assert!(resp.headers().get("location").is_none());
    // The registered public client works as usual.
    let body = emu.login("common", SCOPE).await;
    assert!(body["access_token"].is_string());
}

#[tokio::test]
async fn confidential_client_full_auth_code_flow() {
    let emu = Emu::start(registered()).await;
    let resp = emu
        .authorize(
            "common",
            &[
                ("client_id", CONFIDENTIAL),
                ("response_type", "code"),
                ("redirect_uri", REDIRECT),
                ("scope", SCOPE),
            ],
        )
        .await;
    let code = location_query(&resp)["code"].clone();
    let (status, body) = emu
        .token(
            "common",
            &[
                ("client_id", CONFIDENTIAL),
                ("client_secret", SECRET),
                ("grant_type", "authorization_code"),
                ("code", &code),
                ("redirect_uri", REDIRECT),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
}
