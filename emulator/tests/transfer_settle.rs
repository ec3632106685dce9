//! eTags that move after an upload (`--etag-settle-ms`, OneDrive/onedrive-api-docs#800):
//! right after content is stored, a PATCH answers 412 (with `If-Match`) or 409
//! (without), both `resourceModified`; later the eTag has changed once more and writes
//! work again.

mod transfer_support;

use std::time::Duration;

use onedrive_emulator::Config;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use transfer_support::*;

const MTIME: &str = "2020-01-02T03:04:05Z";

async fn patch(emu: &Emu, path: &str, if_match: Option<&str>) -> (StatusCode, Value) {
    let mut rb = emu
        .graph(Method::PATCH, &format!("/me/drive/root:/{path}"))
        .json(&json!({"fileSystemInfo": {"lastModifiedDateTime": MTIME}}));
    if let Some(t) = if_match {
        rb = rb.header("if-match", t);
    }
    let r = rb.send().await.expect("PATCH");
    let st = r.status();
    (st, r.json().await.unwrap_or(Value::Null))
}

async fn item(emu: &Emu, path: &str) -> Value {
    emu.get_item(path).await.json().await.expect("item")
}

#[tokio::test]
async fn off_by_default_the_returned_etag_works_at_once() {
    let emu = start_default().await;
    let up = emu.put("a.txt", b"abc".to_vec()).await;
    let (st, v) = patch(&emu, "a.txt", up["eTag"].as_str()).await;
    assert_eq!(st, StatusCode::OK, "{v}");
    assert_eq!(v["fileSystemInfo"]["lastModifiedDateTime"], MTIME);
}

#[tokio::test]
async fn a_settling_item_refuses_patches_then_its_etag_moves() {
    let settle = Duration::from_millis(400);
    let emu = start(Config {
        etag_settle: settle,
        ..Config::default()
    })
    .await;
    let up = emu.put("a.txt", b"abc".to_vec()).await;
    let etag = up["eTag"].as_str().expect("eTag").to_owned();
    let (st, v) = patch(&emu, "a.txt", Some(&etag)).await;
    assert_eq!(st, StatusCode::PRECONDITION_FAILED, "{v}");
    assert_eq!(codes(&v).0, "resourceModified");
    let (st, v) = patch(&emu, "a.txt", Some("*")).await;
    assert_eq!(st, StatusCode::PRECONDITION_FAILED, "{v}");
    let (st, v) = patch(&emu, "a.txt", None).await;
    assert_eq!(st, StatusCode::CONFLICT, "{v}");
    assert_eq!(codes(&v).0, "resourceModified");
    // Reads are not affected.
    assert_eq!(emu.get_item("a.txt").await.status(), StatusCode::OK);

    // Once settled: a new eTag, the same content.
    tokio::time::sleep(settle).await;
    let mut now = item(&emu, "a.txt").await;
    for _ in 0..50 {
        if now["eTag"] != up["eTag"] {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
        now = item(&emu, "a.txt").await;
    }
    assert_ne!(now["eTag"], up["eTag"]);
    assert_eq!(now["cTag"], up["cTag"]);
    assert_eq!(now["file"]["hashes"], up["file"]["hashes"]);
    assert_eq!(now["size"], up["size"]);
    // The upload's eTag is stale now; the new one works.
    let (st, _) = patch(&emu, "a.txt", Some(&etag)).await;
    assert_eq!(st, StatusCode::PRECONDITION_FAILED);
    let (st, v) = patch(&emu, "a.txt", now["eTag"].as_str()).await;
    assert_eq!(st, StatusCode::OK, "{v}");
    let (st, _) = patch(&emu, "a.txt", None).await;
    assert_eq!(st, StatusCode::OK);
}

#[tokio::test]
async fn a_session_commit_settles_too() {
    let emu = start(Config {
        etag_settle: Duration::from_secs(30),
        ..Config::default()
    })
    .await;
    let (_, v) = emu.create_session("s.bin", json!({})).await;
    let url = v["uploadUrl"].as_str().expect("uploadUrl").to_owned();
    let r = emu.fragment(&url, 0, b"hello", 5).await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let (st, v) = patch(&emu, "s.bin", None).await;
    assert_eq!(st, StatusCode::CONFLICT, "{v}");
    // Other items are not settling.
    emu.admin(
        Method::POST,
        "populate",
        Some(json!({"files": 1, "size": 1})),
    )
    .await;
    let (st, _) = patch(&emu, "file-000000.bin", None).await;
    assert_eq!(st, StatusCode::OK);
}
