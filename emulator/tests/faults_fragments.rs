//! Scripted faults on upload fragments as the service was seen playing them: a cut
//! fragment that keeps its first bytes (OneDrive/onedrive-api-docs#75), and sessions
//! that vanish (#64, #698, #79) or expire with 401 (#1570).

mod transfer_support;

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use transfer_support::*;

async fn session(emu: &Emu, name: &str) -> String {
    let (st, v) = emu.create_session(name, json!({})).await;
    assert_eq!(st, StatusCode::OK, "{v}");
    v["uploadUrl"].as_str().expect("uploadUrl").to_owned()
}

async fn script(emu: &Emu, v: Value) {
    let r = emu.admin(Method::POST, "faults", Some(v.clone())).await;
    assert_eq!(r.status(), StatusCode::OK, "{v}");
}

/// Sends a fragment whose connection the server is expected to cut.
async fn cut_fragment(emu: &Emu, url: &str, data: &[u8], total: usize) {
    let r = emu
        .http
        .put(url)
        .header(
            "content-range",
            format!("bytes 0-{}/{total}", data.len() - 1),
        )
        .body(data.to_vec())
        .send()
        .await;
    assert!(r.is_err(), "the connection must break: {r:?}");
}

async fn next_expected(emu: &Emu, url: &str) -> Value {
    let r = emu.http.get(url).send().await.expect("status");
    assert_eq!(r.status(), StatusCode::OK);
    json_of(r).await["nextExpectedRanges"].clone()
}

#[tokio::test]
async fn a_kept_cut_leaves_next_expected_inside_the_fragment() {
    let emu = start_default().await;
    let data = pattern(3 * KIB320, 8);
    let url = session(&emu, "kept.bin").await;
    let kept = 100_000usize;
    script(
        &emu,
        json!({"route": "fragment", "cut_after": kept, "keep": true}),
    )
    .await;
    cut_fragment(&emu, &url, &data[..2 * KIB320], data.len()).await;
    assert_eq!(next_expected(&emu, &url).await, json!([format!("{kept}-")]));
    // Resending the fragment from its own start now overlaps what was kept.
    let r = emu.fragment(&url, 0, &data[..2 * KIB320], data.len()).await;
    assert_eq!(r.status(), StatusCode::RANGE_NOT_SATISFIABLE);
    let v = json_of(r).await;
    assert_eq!(codes(&v).1, "fragmentOverlap");
    assert_eq!(
        v["error"]["nextExpectedRanges"],
        json!([format!("{kept}-")])
    );
    // Resuming where the session says completes the file, byte for byte.
    let r = emu.fragment(&url, kept, &data[kept..], data.len()).await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let item = json_of(r).await;
    assert_eq!(
        item["file"]["hashes"]["quickXorHash"],
        quickxorhash::hash_base64(&data)
    );
    let id = item["id"].as_str().expect("id");
    assert!(emu.download(id).await == data);
}

#[tokio::test]
async fn without_keep_a_cut_fragment_is_dropped_whole() {
    let emu = start_default().await;
    let data = pattern(2 * KIB320, 9);
    let url = session(&emu, "dropped.bin").await;
    script(&emu, json!({"route": "fragment", "cut_after": 100_000})).await;
    cut_fragment(&emu, &url, &data[..KIB320], data.len()).await;
    assert_eq!(next_expected(&emu, &url).await, json!(["0-"]));
}

#[tokio::test]
async fn keep_needs_a_fragment_cut() {
    let emu = start_default().await;
    for bad in [
        json!({"route": "fragment", "keep": true}),
        json!({"route": "fragment", "status": 503, "keep": true}),
        json!({"route": "download", "cut_after": 10, "keep": true}),
        json!({"route": "any", "cut_after": 10, "keep": true}),
    ] {
        let r = emu.admin(Method::POST, "faults", Some(bad.clone())).await;
        assert_eq!(r.status(), StatusCode::BAD_REQUEST, "{bad}");
    }
}

#[tokio::test]
async fn a_dropped_session_answers_404_from_then_on() {
    let emu = start_default().await;
    let data = pattern(2 * KIB320, 1);
    let url = session(&emu, "gone.bin").await;
    assert_eq!(
        emu.fragment(&url, 0, &data[..KIB320], data.len())
            .await
            .status(),
        StatusCode::ACCEPTED
    );
    script(&emu, json!({"route": "fragment", "drop_session": true})).await;
    let r = emu
        .fragment(&url, KIB320, &data[KIB320..], data.len())
        .await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    assert_eq!(
        codes(&json_of(r).await),
        ("itemNotFound".into(), "uploadSessionNotFound".into())
    );
    // Every later request on the URL, fault or not.
    let r = emu.http.get(&url).send().await.expect("status");
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    let r = emu
        .fragment(&url, KIB320, &data[KIB320..], data.len())
        .await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    assert_eq!(codes(&json_of(r).await).1, "uploadSessionNotFound");
    let v = json_of(emu.admin(Method::GET, "uploads", None).await).await;
    assert_eq!(v["value"], json!([]));
    // Nothing was created.
    assert_eq!(
        emu.get_item("gone.bin").await.status(),
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn drop_session_is_for_fragments() {
    let emu = start_default().await;
    for bad in [
        json!({"route": "graph", "drop_session": true}),
        json!({"route": "any", "drop_session": true}),
        json!({"route": "fragment", "drop_session": true, "status": 404}),
    ] {
        let r = emu.admin(Method::POST, "faults", Some(bad.clone())).await;
        assert_eq!(r.status(), StatusCode::BAD_REQUEST, "{bad}");
    }
}

/// A session whose lifetime is `ttl`, expired by the time this returns.
async fn expired_session(emu: &Emu, name: &str, ttl: std::time::Duration) -> String {
    let url = session(emu, name).await;
    tokio::time::sleep(ttl + std::time::Duration::from_millis(200)).await;
    url
}

#[tokio::test]
async fn expired_sessions_answer_404_by_default() {
    let ttl = std::time::Duration::from_millis(300);
    let emu = start(onedrive_emulator::Config {
        upload_session_ttl: ttl,
        ..Default::default()
    })
    .await;
    let url = expired_session(&emu, "old.bin", ttl).await;
    for _ in 0..2 {
        let r = emu.http.get(&url).send().await.expect("status");
        assert_eq!(r.status(), StatusCode::NOT_FOUND);
        assert_eq!(codes(&json_of(r).await).1, "uploadSessionNotFound");
    }
}

#[tokio::test]
async fn expired_sessions_can_answer_401_expired_token() {
    let ttl = std::time::Duration::from_millis(300);
    let emu = start(onedrive_emulator::Config {
        upload_session_ttl: ttl,
        upload_session_expiry_status: 401,
        ..Default::default()
    })
    .await;
    let data = pattern(KIB320, 2);
    let url = expired_session(&emu, "old.bin", ttl).await;
    // The first request finds it expired, and so does every later one, whatever the
    // method; a new session (which sweeps expired ones) changes nothing.
    let r = emu.fragment(&url, 0, &data, data.len()).await;
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    let v = json_of(r).await;
    assert_eq!(codes(&v), ("unauthenticated".into(), "expiredToken".into()));
    let msg = v["error"]["message"].as_str().unwrap_or_default();
    assert!(
        msg.starts_with("The access token has expired. It's valid from '"),
        "{msg}"
    );
    session(&emu, "new.bin").await;
    let r = emu.http.get(&url).send().await.expect("status");
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    let r = emu.http.delete(&url).send().await.expect("cancel");
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(codes(&json_of(r).await).1, "expiredToken");
    // A session cancelled (not expired) still answers 404.
    let url = session(&emu, "cancelled.bin").await;
    emu.http.delete(&url).send().await.expect("cancel");
    let r = emu.http.get(&url).send().await.expect("status");
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
}
