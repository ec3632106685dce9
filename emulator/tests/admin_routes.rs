//! Admin routes: stats, reset, populate, corrupt, quota, token expiry.

mod transfer_support;

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use transfer_support::*;

async fn json_of(r: reqwest::Response) -> Value {
    r.json().await.unwrap_or(Value::Null)
}

fn count(stats: &Value, method: &str, route_part: &str) -> u64 {
    stats["requests"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter(|e| {
                    e["method"] == method
                        && e["route"].as_str().is_some_and(|r| r.contains(route_part))
                })
                .map(|e| e["count"].as_u64().unwrap_or(0))
                .sum()
        })
        .unwrap_or(0)
}

#[tokio::test]
async fn stats_count_requests_and_bytes() {
    let emu = start_default().await;
    let data = pattern(10_000, 1);
    let item = emu.put("s.bin", data.clone()).await;
    let id = item["id"].as_str().expect("id");
    for _ in 0..3 {
        let _ = emu.download(id).await;
    }
    let v = json_of(emu.admin(Method::GET, "stats", None).await).await;
    assert_eq!(count(&v, "PUT", "/content"), 1, "{v}");
    assert_eq!(count(&v, "GET", "/content"), 3, "{v}");
    assert_eq!(count(&v, "GET", "/_dl/"), 3, "{v}");
    assert_eq!(v["total_requests"], 7, "{v}");
    assert!(v["bytes_in"].as_u64().is_some_and(|n| n >= 10_000));
    assert!(v["bytes_out"].as_u64().is_some_and(|n| n >= 30_000));

    let r = emu.admin(Method::POST, "stats/reset", None).await;
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    let v = json_of(emu.admin(Method::GET, "stats", None).await).await;
    assert_eq!(v["total_requests"], 0);
    assert_eq!(v["bytes_out"], 0);
}

#[tokio::test]
async fn populate_then_reset() {
    let emu = start_default().await;
    let r = emu
        .admin(
            Method::POST,
            "populate",
            Some(json!({"path": "/bench/deep", "folders": 20, "files": 20_000, "size": 10})),
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let v = json_of(r).await;
    assert_eq!(v["folders"], 20);
    assert_eq!(v["files"], 20_000);
    assert_eq!(v["bytes"], 200_000);
    let parent = emu.get_item("bench/deep").await;
    assert_eq!(parent.status(), StatusCode::OK);
    let parent = json_of(parent).await;
    assert_eq!(parent["folder"]["childCount"], 20);
    assert_eq!(parent["size"], 200_000);

    let r = emu
        .admin(Method::POST, "populate", Some(json!({"files": -1})))
        .await;
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);

    let r = emu.admin(Method::POST, "reset", None).await;
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    assert_eq!(emu.get_item("bench").await.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn reset_forgets_copy_jobs() {
    let emu = start_default().await;
    let item = emu.put("src.txt", b"copy me".to_vec()).await;
    let id = item["id"].as_str().expect("id");
    let r = emu
        .graph(Method::POST, &format!("/me/drive/items/{id}/copy"))
        .json(&json!({"name": "dst.txt"}))
        .send()
        .await
        .expect("copy");
    assert_eq!(r.status(), StatusCode::ACCEPTED);
    let monitor = r.headers()["location"]
        .to_str()
        .expect("location")
        .to_owned();
    let plain = reqwest::Client::new();
    let before = plain.get(&monitor).send().await.expect("monitor");
    assert!(before.status().is_success(), "{}", before.status());

    let r = emu.admin(Method::POST, "reset", None).await;
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    let after = plain.get(&monitor).send().await.expect("monitor");
    assert_eq!(after.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn corrupt_keeps_reported_hashes() {
    let emu = start_default().await;
    let data = pattern(4096, 2);
    let item = emu.put("c.bin", data.clone()).await;
    let id = item["id"].as_str().expect("id");
    let r = emu
        .admin(Method::POST, "corrupt", Some(json!({"path": "/c.bin"})))
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let got = emu.download(id).await;
    assert_eq!(got.len(), data.len());
    assert!(got != data);
    let after = json_of(emu.get_item("c.bin").await).await;
    assert_eq!(
        after["file"]["hashes"]["quickXorHash"],
        item["file"]["hashes"]["quickXorHash"]
    );
    assert_ne!(
        quickxorhash::hash_base64(&got),
        after["file"]["hashes"]["quickXorHash"]
            .as_str()
            .unwrap_or_default()
    );
    // By id too; unknown ones are 404, bad bodies 400.
    let r = emu
        .admin(Method::POST, "corrupt", Some(json!({"id": id})))
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let r = emu
        .admin(Method::POST, "corrupt", Some(json!({"id": "NOPE!1"})))
        .await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    let r = emu.admin(Method::POST, "corrupt", Some(json!({}))).await;
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn quota_and_token_expiry() {
    let emu = start_default().await;
    let r = emu
        .admin(Method::PUT, "quota", Some(json!({"total": 5000})))
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(json_of(r).await["total"], 5000);
    let r = emu
        .graph(Method::PUT, "/me/drive/root:/q.bin:/content")
        .body(pattern(6000, 1))
        .send()
        .await
        .expect("put");
    assert_eq!(r.status(), StatusCode::INSUFFICIENT_STORAGE);

    let r = emu
        .graph(Method::GET, "/me/drive")
        .send()
        .await
        .expect("get");
    assert_eq!(r.status(), StatusCode::OK);
    let r = emu.admin(Method::POST, "tokens/expire", None).await;
    assert_eq!(r.status(), StatusCode::OK);
    let r = emu
        .graph(Method::GET, "/me/drive")
        .send()
        .await
        .expect("get");
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn bad_input_never_crashes() {
    let emu = start_default().await;
    for (head, body) in [
        (
            "POST /_emulator/populate HTTP/1.1\r\nContent-Length: 3",
            &b"{{{"[..],
        ),
        (
            "POST /_emulator/faults HTTP/1.1\r\nContent-Length: 2",
            &b"[]"[..],
        ),
        (
            "PUT /_up/nonexistent HTTP/1.1\r\nContent-Range: bytes 0-1/2\r\nContent-Length: 2",
            &b"ab"[..],
        ),
        ("GET /_dl/%FF%FE HTTP/1.1", &b""[..]),
    ] {
        let (code, text) = emu.raw(head, body).await;
        assert!((200..500).contains(&code), "{head}: {text}");
    }
    // A huge header is refused by the HTTP layer, and the server lives on.
    let big = "x".repeat(1_000_000);
    let (code, _) = emu
        .raw(&format!("GET /v1.0/me/drive HTTP/1.1\r\nX-Big: {big}"), b"")
        .await;
    assert_eq!(code, 431);
    let r = emu
        .graph(Method::GET, "/me/drive")
        .send()
        .await
        .expect("alive");
    assert_eq!(r.status(), StatusCode::OK);
}

#[tokio::test]
async fn latency_delays_graph_and_transfer_responses() {
    let emu = start(onedrive_emulator::Config {
        latency: std::time::Duration::from_millis(150),
        ..onedrive_emulator::Config::default()
    })
    .await;
    // A lower bound only: the delay is a sleep before the handler runs.
    for path in ["/v1.0/me/drive", "/_up/none"] {
        let t = std::time::Instant::now();
        let r = emu
            .http
            .get(emu.url(path))
            .bearer_auth(&emu.token)
            .send()
            .await
            .expect("get");
        assert!(r.status().as_u16() > 0);
        assert!(
            t.elapsed() >= std::time::Duration::from_millis(150),
            "{path}"
        );
    }
}
