//! Audit (issue 2, "Errors ... with the request-id header on every response"): the
//! request ids of an error, as Graph reports them (Graph concepts/errors.md:
//! `innerError.request-id` is the `request-id` header; `client-request-id` echoes the
//! one the client sent, else repeats the request id).

use std::time::Duration;

use serde_json::Value;

async fn start() -> (onedrive_emulator::Running, reqwest::Client, String) {
    let running = onedrive_emulator::start(onedrive_emulator::Config {
        listen: "127.0.0.1:0".parse().expect("addr"),
        ..onedrive_emulator::Config::default()
    })
    .await
    .expect("start emulator");
    let token = running
        .state
        .identity
        .mint_access_token(Duration::from_secs(3600));
    (running, reqwest::Client::new(), token)
}

#[tokio::test]
async fn error_bodies_echo_the_client_request_id() {
    let (running, http, token) = start().await;
    let url = format!("{}/v1.0/me/drive/root:/missing.txt:", running.url);
    let cid = "9f1c2d3e-0000-4000-8000-123456789abc";

    let r = http
        .get(&url)
        .bearer_auth(&token)
        .header("client-request-id", cid)
        .send()
        .await
        .expect("get");
    assert_eq!(r.status(), 404);
    let rid = r.headers()["request-id"]
        .to_str()
        .expect("ascii")
        .to_owned();
    assert_eq!(r.headers()["client-request-id"], cid);
    let v: Value = r.json().await.expect("json");
    let inner = &v["error"]["innerError"];
    assert_eq!(inner["request-id"], rid.as_str());
    assert_eq!(inner["client-request-id"], cid);
    assert_ne!(rid, cid);

    // Without one, both carry the request id; every request gets a new one.
    let r = http
        .get(&url)
        .bearer_auth(&token)
        .send()
        .await
        .expect("get");
    let rid2 = r.headers()["request-id"]
        .to_str()
        .expect("ascii")
        .to_owned();
    assert_eq!(r.headers()["client-request-id"], rid2.as_str());
    let v: Value = r.json().await.expect("json");
    assert_eq!(v["error"]["innerError"]["request-id"], rid2.as_str());
    assert_eq!(v["error"]["innerError"]["client-request-id"], rid2.as_str());
    assert_ne!(rid, rid2);
}
