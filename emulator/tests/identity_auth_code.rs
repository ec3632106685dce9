//! Authorization-code flow: `/authorize` and the `authorization_code` grant.

mod identity_support;

use std::time::Duration;

use identity_support::*;
use onedrive_emulator::Config;
use reqwest::StatusCode;

fn base(pairs: &[(&'static str, &'static str)]) -> Vec<(&'static str, &'static str)> {
    let mut v = vec![
        ("client_id", CLIENT),
        ("response_type", "code"),
        ("redirect_uri", REDIRECT),
        ("scope", SCOPE),
    ];
    for (k, val) in pairs {
        v.retain(|(kk, _)| kk != k);
        v.push((k, val));
    }
    v
}

fn redeem<'a>(code: &'a str, verifier: Option<&'a str>) -> Vec<(&'a str, &'a str)> {
    let mut v = vec![
        ("client_id", CLIENT),
        ("grant_type", "authorization_code"),
        ("code", code),
        ("redirect_uri", REDIRECT),
    ];
    if let Some(ver) = verifier {
        v.push(("code_verifier", ver));
    }
    v
}

#[tokio::test]
async fn s256_happy_path_then_code_reuse_fails() {
    let emu = Emu::start(Config::default()).await;
    let resp = emu
        .authorize(
            "common",
            &base(&[
                ("code_challenge", CHALLENGE),
                ("code_challenge_method", "S256"),
                ("state", "xyz 1/2"),
            ]),
        )
        .await;
    assert_eq!(resp.status(), StatusCode::FOUND);
    let loc = location(&resp);
    assert_eq!(loc.host_str(), Some("localhost"));
    assert_eq!(loc.port(), Some(53682));
    let q = location_query(&resp);
    assert_eq!(q.get("state").map(String::as_str), Some("xyz 1/2"));
    let code = q.get("code").expect("code").clone();

    let (status, body) = emu.token("common", &redeem(&code, Some(VERIFIER))).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["token_type"], "Bearer");
    assert_eq!(body["expires_in"], 3600);
    assert_eq!(body["ext_expires_in"], 3600);
    let scope = body["scope"].as_str().unwrap();
    assert!(
        scope.contains("Files.ReadWrite") && scope.contains("User.Read"),
        "{scope}"
    );
    assert!(!scope.contains("offline_access"), "{scope}");
    assert!(body["access_token"].as_str().unwrap().len() > 40);
    assert!(body["refresh_token"].as_str().is_some());
    assert!(body.get("id_token").is_none(), "no id_token without openid");

    // Single use.
    let (status, body) = emu.token("common", &redeem(&code, Some(VERIFIER))).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(oauth_error(&body), ("invalid_grant".into(), 54005));
}

#[tokio::test]
async fn plain_pkce_and_method_defaults_to_plain() {
    let emu = Emu::start(Config::default()).await;
    for method in [Some("plain"), None] {
        let mut p = base(&[("code_challenge", VERIFIER)]);
        if let Some(m) = method {
            p.push(("code_challenge_method", m));
        }
        let resp = emu.authorize("consumers", &p).await;
        let code = location_query(&resp)["code"].clone();
        // The S256 transform of the verifier is not the plain challenge.
        let (status, body) = emu
            .token("consumers", &redeem(&code, Some(CHALLENGE)))
            .await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert_eq!(oauth_error(&body).0, "invalid_grant");
        let (status, body) = emu.token("consumers", &redeem(&code, Some(VERIFIER))).await;
        assert_eq!(status, StatusCode::OK, "{body}");
    }
}

#[tokio::test]
async fn pkce_mismatch_and_missing_verifier() {
    let emu = Emu::start(Config::default()).await;
    let code = emu.code("common", SCOPE).await;
    let wrong = "a".repeat(43);
    let (status, body) = emu.token("common", &redeem(&code, Some(&wrong))).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(oauth_error(&body), ("invalid_grant".into(), 501481));
    let (status, body) = emu.token("common", &redeem(&code, None)).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(oauth_error(&body).0, "invalid_grant");
    // Failed attempts do not spend the code.
    let (status, _) = emu.token("common", &redeem(&code, Some(VERIFIER))).await;
    assert_eq!(status, StatusCode::OK);
}

#[tokio::test]
async fn redirect_uri_must_match_at_redemption() {
    let emu = Emu::start(Config::default()).await;
    let code = emu.code("common", SCOPE).await;
    let mut form = redeem(&code, Some(VERIFIER));
    form.retain(|(k, _)| *k != "redirect_uri");
    form.push(("redirect_uri", "http://localhost:53682/other"));
    let (status, body) = emu.token("common", &form).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(oauth_error(&body), ("invalid_grant".into(), 500112));
    form.retain(|(k, _)| *k != "redirect_uri");
    let (status, body) = emu.token("common", &form).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(oauth_error(&body), ("invalid_request".into(), 900144));
}

#[tokio::test]
async fn expired_code() {
    let emu = Emu::start(Config {
        code_ttl: Duration::ZERO,
        ..Config::default()
    })
    .await;
    let code = emu.code("common", SCOPE).await;
    let (status, body) = emu.token("common", &redeem(&code, Some(VERIFIER))).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(oauth_error(&body), ("invalid_grant".into(), 70008));
}

#[tokio::test]
async fn code_redeemed_at_another_tenant_or_unknown() {
    let emu = Emu::start(Config::default()).await;
    let code = emu.code("consumers", SCOPE).await;
    let (status, body) = emu.token("common", &redeem(&code, Some(VERIFIER))).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(oauth_error(&body), ("invalid_grant".into(), 700005));
    let (status, body) = emu
        .token("consumers", &redeem("M.C5_nope", Some(VERIFIER)))
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(oauth_error(&body).0, "invalid_grant");
}

#[tokio::test]
async fn untrusted_client_or_redirect_is_not_redirected() {
    let emu = Emu::start(Config::default()).await;
    for (params, aadsts) in [
        (base(&[("client_id", "not-a-guid")]), 700038),
        (base(&[("redirect_uri", "https://evil.example/cb")]), 50011),
        (
            base(&[("redirect_uri", "http://localhost.evil.example/")]),
            50011,
        ),
    ] {
        let resp = emu.authorize("common", &params).await;
        assert_eq!(resp.status(), StatusCode::BAD_REQUEST);
        assert!(resp.headers().get("location").is_none());
        let body: serde_json::Value = resp.json().await.unwrap();
        assert_eq!(oauth_error(&body).1, aadsts);
    }
    let mut p = base(&[]);
    p.retain(|(k, _)| *k != "client_id");
    let resp = emu.authorize("common", &p).await;
    assert_eq!(resp.status(), StatusCode::BAD_REQUEST);
    let body: serde_json::Value = resp.json().await.unwrap();
    assert_eq!(oauth_error(&body), ("invalid_request".into(), 900144));
}

#[tokio::test]
async fn bad_parameters_redirect_with_error_and_state() {
    let emu = Emu::start(Config::default()).await;
    let cases: Vec<(Vec<(&str, &str)>, &str)> = vec![
        (
            base(&[("response_type", "token")]),
            "unsupported_response_type",
        ),
        (
            base(&[("scope", "https://outlook.office.com/Mail.Read")]),
            "invalid_scope",
        ),
        (
            base(&[
                ("code_challenge", CHALLENGE),
                ("code_challenge_method", "S384"),
            ]),
            "invalid_request",
        ),
        (
            base(&[
                ("code_challenge", "short"),
                ("code_challenge_method", "S256"),
            ]),
            "invalid_request",
        ),
        (base(&[("response_mode", "jwt")]), "invalid_request"),
    ];
    for (mut params, error) in cases {
        params.push(("state", "s&t=1"));
        let resp = emu.authorize("common", &params).await;
        assert_eq!(resp.status(), StatusCode::FOUND, "{error}");
        let q = location_query(&resp);
        assert_eq!(q.get("error").map(String::as_str), Some(error));
        assert!(q["error_description"].starts_with("AADSTS"), "{q:?}");
        assert_eq!(q.get("state").map(String::as_str), Some("s&t=1"));
        assert!(!q.contains_key("code"));
    }
    // Missing scope.
    let mut p = base(&[]);
    p.retain(|(k, _)| *k != "scope");
    let q = location_query(&emu.authorize("common", &p).await);
    assert_eq!(q["error"], "invalid_request");
    assert!(q["error_description"].starts_with("AADSTS900144:"));
}

#[tokio::test]
async fn fragment_and_form_post_modes() {
    let emu = Emu::start(Config::default()).await;
    let resp = emu
        .authorize(
            "common",
            &base(&[
                ("response_mode", "fragment"),
                ("state", "st"),
                (
                    "redirect_uri",
                    "https://login.microsoftonline.com/common/oauth2/nativeclient",
                ),
            ]),
        )
        .await;
    assert_eq!(resp.status(), StatusCode::FOUND);
    let loc = location(&resp);
    assert_eq!(loc.query(), None);
    let frag: std::collections::HashMap<String, String> =
        url::form_urlencoded::parse(loc.fragment().unwrap().as_bytes())
            .into_owned()
            .collect();
    assert!(frag.contains_key("code"));
    assert_eq!(frag["state"], "st");

    let resp = emu
        .authorize(
            "common",
            &base(&[("response_mode", "form_post"), ("state", "a\"b")]),
        )
        .await;
    assert_eq!(resp.status(), StatusCode::OK);
    let html = resp.text().await.unwrap();
    assert!(
        html.contains("action=\"http://localhost:53682/\""),
        "{html}"
    );
    assert!(html.contains("name=\"code\""));
    assert!(html.contains("value=\"a&quot;b\""), "{html}");
}

#[tokio::test]
async fn openid_adds_id_token_and_nonce() {
    let emu = Emu::start(Config::default()).await;
    let resp = emu
        .authorize(
            "common",
            &base(&[("scope", "openid profile Files.Read"), ("nonce", "n-0S6")]),
        )
        .await;
    let code = location_query(&resp)["code"].clone();
    let (status, body) = emu
        .token(
            "common",
            &[
                ("client_id", CLIENT),
                ("grant_type", "authorization_code"),
                ("code", &code),
                ("redirect_uri", REDIRECT),
                ("client_info", "1"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert!(
        body.get("refresh_token").is_none(),
        "no offline_access, no refresh token"
    );
    let id_token = body["id_token"].as_str().expect("id_token");
    let parts: Vec<&str> = id_token.split('.').collect();
    assert_eq!(parts.len(), 3);
    use base64::Engine;
    let claims: serde_json::Value = serde_json::from_slice(
        &base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(parts[1])
            .unwrap(),
    )
    .unwrap();
    assert_eq!(claims["aud"], CLIENT);
    assert_eq!(claims["nonce"], "n-0S6");
    assert_eq!(claims["preferred_username"], "user@example.com");
    // id_token `oid` and Graph's `/me` id name the same personal account.
    let me: serde_json::Value = emu
        .http
        .get(emu.url("/v1.0/me"))
        .bearer_auth(body["access_token"].as_str().unwrap())
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let cid = me["id"].as_str().expect("/me id");
    let oid = claims["oid"].as_str().unwrap();
    assert_eq!(
        oid.replace('-', "").trim_start_matches('0'),
        cid.trim_start_matches('0')
    );
    let info: serde_json::Value = serde_json::from_slice(
        &base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(body["client_info"].as_str().unwrap())
            .unwrap(),
    )
    .unwrap();
    assert_eq!(info["uid"], oid);
    assert_eq!(info["utid"], "9188040d-6c67-4c5b-b112-36a304b66dad");
}

#[tokio::test]
async fn token_endpoint_basics() {
    let emu = Emu::start(Config::default()).await;
    // No grant_type.
    let (status, body) = emu.token("common", &[("client_id", CLIENT)]).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(oauth_error(&body), ("invalid_request".into(), 900144));
    // Unknown grant type.
    let (status, body) = emu
        .token(
            "common",
            &[("client_id", CLIENT), ("grant_type", "password")],
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(oauth_error(&body), ("unsupported_grant_type".into(), 70003));
    // A JSON body is not a form: nothing is read.
    let resp = emu
        .http
        .post(emu.url("/common/oauth2/v2.0/token"))
        .json(&serde_json::json!({"grant_type": "refresh_token", "client_id": CLIENT}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::BAD_REQUEST);
    let body: serde_json::Value = resp.json().await.unwrap();
    assert_eq!(oauth_error(&body).1, 900144);
    // GET is refused.
    let resp = emu
        .http
        .get(emu.url("/common/oauth2/v2.0/token"))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::BAD_REQUEST);
    // Bad tenant segment.
    let (status, body) = emu
        .token(
            "not_a_tenant",
            &[("client_id", CLIENT), ("grant_type", "refresh_token")],
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(oauth_error(&body).1, 900023);
}
