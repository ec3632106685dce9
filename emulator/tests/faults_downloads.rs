//! Download answers the service was seen giving (`"answer": "whole" | "empty" |
//! "html"`; OneDrive/onedrive-api-docs#62, #495, #133) and stalled transfers
//! (`"stall_after": N`) for tests of read timeouts.

mod transfer_support;

use std::time::Duration;

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use transfer_support::*;

async fn script(emu: &Emu, v: Value) {
    let r = emu.admin(Method::POST, "faults", Some(v.clone())).await;
    assert_eq!(r.status(), StatusCode::OK, "{v}");
}

/// A 100 kB file and its download URL.
async fn file(emu: &Emu) -> (Vec<u8>, String) {
    let data = pattern(100_000, 6);
    let item = emu.put("d.bin", data.clone()).await;
    let url = emu.download_url(item["id"].as_str().expect("id")).await;
    (data, url)
}

async fn ranged(emu: &Emu, url: &str) -> reqwest::Response {
    emu.http
        .get(url)
        .header("range", "bytes=10-19")
        .send()
        .await
        .expect("GET")
}

#[tokio::test]
async fn ranges_are_honoured_by_default() {
    let emu = start_default().await;
    let (data, url) = file(&emu).await;
    let r = ranged(&emu, &url).await;
    assert_eq!(r.status(), StatusCode::PARTIAL_CONTENT);
    assert_eq!(r.headers()["content-range"], "bytes 10-19/100000");
    assert_eq!(r.bytes().await.expect("body").to_vec(), data[10..20]);
}

#[tokio::test]
async fn whole_ignores_the_range() {
    let emu = start_default().await;
    let (data, url) = file(&emu).await;
    script(&emu, json!({"route": "download", "answer": "whole"})).await;
    let r = ranged(&emu, &url).await;
    assert_eq!(r.status(), StatusCode::OK);
    assert!(r.headers().get("content-range").is_none());
    assert_eq!(r.headers()["content-length"], "100000");
    assert!(r.bytes().await.expect("body").to_vec() == data);
    // Used up: the next ranged GET is answered as asked.
    assert_eq!(
        ranged(&emu, &url).await.status(),
        StatusCode::PARTIAL_CONTENT
    );
}

#[tokio::test]
async fn empty_answers_200_with_no_bytes() {
    let emu = start_default().await;
    let (_, url) = file(&emu).await;
    script(&emu, json!({"route": "download", "answer": "empty"})).await;
    let r = ranged(&emu, &url).await;
    assert_eq!(r.status(), StatusCode::OK);
    assert!(r.headers().get("content-range").is_none());
    assert_eq!(r.headers()["content-length"], "0");
    assert!(r.bytes().await.expect("body").is_empty());
}

#[tokio::test]
async fn html_answers_200_with_an_error_page() {
    let emu = start_default().await;
    let (_, url) = file(&emu).await;
    script(&emu, json!({"route": "download", "answer": "html"})).await;
    let r = ranged(&emu, &url).await;
    assert_eq!(r.status(), StatusCode::OK);
    assert!(r.headers().get("content-range").is_none());
    let ct = r.headers()["content-type"]
        .to_str()
        .expect("ascii")
        .to_owned();
    assert!(ct.starts_with("text/html"), "{ct}");
    let body = r.text().await.expect("text");
    assert!(body.starts_with("<!DOCTYPE html>"), "{body}");
}

#[tokio::test]
async fn answer_is_for_downloads() {
    let emu = start_default().await;
    for bad in [
        json!({"route": "graph", "answer": "whole"}),
        json!({"route": "download", "answer": "partial"}),
        json!({"route": "download", "answer": "empty", "status": 500}),
    ] {
        let r = emu.admin(Method::POST, "faults", Some(bad.clone())).await;
        assert_eq!(r.status(), StatusCode::BAD_REQUEST, "{bad}");
    }
}

async fn stalled(emu: &Emu) -> u64 {
    let v = json_of(emu.admin(Method::GET, "faults", None).await).await;
    v["stalled"].as_u64().expect("stalled")
}

#[tokio::test]
async fn a_stalled_download_sends_n_bytes_then_nothing_until_the_client_leaves() {
    let emu = start_default().await;
    let data = pattern(3 << 20, 4);
    let item = emu.put("big.bin", data.clone()).await;
    let url = emu.download_url(item["id"].as_str().expect("id")).await;
    assert_eq!(stalled(&emu).await, 0);
    script(&emu, json!({"route": "download", "stall_after": 1_048_576})).await;
    let mut r = emu.http.get(&url).send().await.expect("headers arrive");
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(
        r.headers()["content-length"],
        (3 << 20).to_string().as_str()
    );
    let mut got = Vec::new();
    while got.len() < 1_048_576 {
        match tokio::time::timeout(Duration::from_secs(10), r.chunk()).await {
            Ok(Ok(Some(c))) => got.extend_from_slice(&c),
            other => panic!("the first MiB must arrive: {other:?}"),
        }
    }
    assert_eq!(got.len(), 1_048_576);
    assert!(got == data[..1_048_576]);
    // Then nothing: no byte, no end, no error.
    assert!(
        tokio::time::timeout(Duration::from_millis(500), r.chunk())
            .await
            .is_err()
    );
    assert_eq!(stalled(&emu).await, 1);
    // The client goes away: the server lets go of the stall.
    drop(r);
    let mut left = stalled(&emu).await;
    for _ in 0..100 {
        if left == 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
        left = stalled(&emu).await;
    }
    assert_eq!(left, 0);
    // Used up.
    assert!(emu.download(item["id"].as_str().expect("id")).await == data);
}

#[tokio::test]
async fn a_client_read_timeout_fires_on_a_stall() {
    let emu = start_default().await;
    script(&emu, json!({"route": "graph", "stall_after": 5})).await;
    let client = reqwest::Client::builder()
        .read_timeout(Duration::from_millis(300))
        .build()
        .expect("client");
    let r = client
        .get(emu.url("/v1.0/me/drive"))
        .bearer_auth(&emu.token)
        .send()
        .await
        .expect("headers arrive");
    assert_eq!(r.status(), StatusCode::OK);
    let e = r.bytes().await.expect_err("the body never ends");
    assert!(e.is_timeout(), "{e}");
}

#[tokio::test]
async fn a_stalled_upload_reads_n_bytes_and_never_answers() {
    let emu = start_default().await;
    let (_, v) = emu.create_session("s.bin", json!({})).await;
    let url = v["uploadUrl"].as_str().expect("uploadUrl").to_owned();
    emu.admin(Method::POST, "stats/reset", None).await;
    script(&emu, json!({"route": "fragment", "stall_after": 100_000})).await;
    // 40 × 320 KiB: more than the server's read buffer (4 MiB) and the socket
    // buffers can hold.
    let data = pattern(40 * KIB320, 1);
    let r = tokio::time::timeout(
        Duration::from_millis(800),
        emu.fragment_send(&url, 0, &data, 2 * data.len()),
    )
    .await;
    assert!(r.is_err(), "no answer comes: {r:?}");
    let v = json_of(emu.admin(Method::GET, "stats", None).await).await;
    // The server read the frames that brought the first 100,000 bytes, then stopped.
    let read = v["bytes_in"].as_u64().expect("bytes_in");
    assert!(
        (100_000..=100_000 + (4 << 20)).contains(&read) && read < data.len() as u64,
        "{read}"
    );
    assert_eq!(stalled(&emu).await, 1);
}

#[tokio::test]
async fn stall_after_stands_alone() {
    let emu = start_default().await;
    for bad in [
        json!({"route": "download", "stall_after": 5, "cut_after": 5}),
        json!({"route": "download", "stall_after": 5, "status": 503}),
        json!({"route": "download", "stall_after": -1}),
    ] {
        let r = emu.admin(Method::POST, "faults", Some(bad.clone())).await;
        assert_eq!(r.status(), StatusCode::BAD_REQUEST, "{bad}");
    }
}
