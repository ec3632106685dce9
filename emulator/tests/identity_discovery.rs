//! Discovery documents and the nativeclient landing page.

mod identity_support;

use identity_support::*;
use onedrive_emulator::Config;
use reqwest::StatusCode;
use serde_json::Value;

#[tokio::test]
async fn openid_configuration_points_at_working_endpoints() {
    let emu = Emu::start(Config::default()).await;
    let doc: Value = emu
        .http
        .get(emu.url("/consumers/v2.0/.well-known/openid-configuration"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let base = &emu.running.url;
    assert_eq!(
        doc["token_endpoint"],
        format!("{base}/consumers/oauth2/v2.0/token")
    );
    assert_eq!(
        doc["issuer"],
        "https://login.microsoftonline.com/9188040d-6c67-4c5b-b112-36a304b66dad/v2.0"
    );
    // The advertised device endpoint works.
    let resp = emu
        .http
        .post(doc["device_authorization_endpoint"].as_str().unwrap())
        .form(&[("client_id", CLIENT), ("scope", SCOPE)])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    // The advertised authorize endpoint works.
    let resp = emu
        .http
        .get(doc["authorization_endpoint"].as_str().unwrap())
        .query(&[
            ("client_id", CLIENT),
            ("response_type", "code"),
            ("redirect_uri", REDIRECT),
            ("scope", SCOPE),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::FOUND);

    let resp = emu
        .http
        .get(emu.url("/bad_tenant/v2.0/.well-known/openid-configuration"))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn instance_discovery_keys_and_nativeclient() {
    let emu = Emu::start(Config::default()).await;
    let inst: Value = emu
        .http
        .get(emu.url("/common/discovery/instance?api-version=1.1"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let tde = inst["tenant_discovery_endpoint"].as_str().unwrap();
    let resp = emu.http.get(tde).send().await.unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    let keys: Value = emu
        .http
        .get(emu.url("/common/discovery/v2.0/keys"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(keys["keys"].is_array());
    let resp = emu
        .http
        .get(emu.url("/common/oauth2/nativeclient?code=abc"))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
}
