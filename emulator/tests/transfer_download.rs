//! Downloads: `/content` → 302 → pre-authenticated URL with Range, HEAD, If-None-Match,
//! If-Range, expiry, and the refusal of an Authorization header.

mod transfer_support;

use std::time::Duration;

use onedrive_emulator::Config;
use onedrive_emulator::store::{Blob, Conflict, FsInfo};
use reqwest::StatusCode;
use transfer_support::*;

/// Stores `data` as `/name` directly in the store; returns the item id.
fn seed_file(emu: &Emu, name: &str, data: Vec<u8>) -> String {
    let store = &emu.running.state.store;
    let (item, _) = store
        .put_file(
            &store.root_id(),
            name,
            Blob::from_bytes(data),
            Conflict::Replace,
            FsInfo::default(),
        )
        .expect("seed file");
    item.id
}

#[tokio::test]
async fn every_range_form() {
    let emu = start_default().await;
    let data = pattern(1000, 1);
    let id = seed_file(&emu, "r.bin", data.clone());
    let url = emu.download_url(&id).await;
    assert!(url.starts_with(&emu.running.url), "{url}");

    let get = |range: Option<&'static str>| {
        let mut rb = emu.http.get(&url);
        if let Some(r) = range {
            rb = rb.header("range", r);
        }
        rb.send()
    };

    let r = get(None).await.expect("full");
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.headers()["accept-ranges"], "bytes");
    assert_eq!(r.headers()["content-length"], "1000");
    assert!(r.headers().contains_key("etag"));
    assert_eq!(r.bytes().await.expect("body").to_vec(), data);

    for (range, start, end) in [
        ("bytes=0-9", 0usize, 10usize),
        ("bytes=990-", 990, 1000),
        ("bytes=-10", 990, 1000),
        ("bytes=-5000", 0, 1000),
        ("bytes=500-100000", 500, 1000),
        ("bytes=999-999", 999, 1000),
    ] {
        let r = get(Some(range)).await.expect("range");
        assert_eq!(r.status(), StatusCode::PARTIAL_CONTENT, "{range}");
        assert_eq!(
            r.headers()["content-range"],
            format!("bytes {start}-{}/1000", end - 1).as_str(),
            "{range}"
        );
        assert_eq!(
            r.headers()["content-length"],
            (end - start).to_string().as_str()
        );
        assert_eq!(r.bytes().await.expect("body").to_vec(), &data[start..end]);
    }

    for range in ["bytes=1000-", "bytes=1000-2000", "bytes=-0"] {
        let r = get(Some(range)).await.expect("416");
        assert_eq!(r.status(), StatusCode::RANGE_NOT_SATISFIABLE, "{range}");
        assert_eq!(r.headers()["content-range"], "bytes */1000");
        let v: serde_json::Value = r.json().await.expect("error body");
        assert_eq!(codes(&v).0, "invalidRange");
    }

    // Invalid or multi-range requests are ignored: the whole body with 200.
    for range in ["bytes=9-3", "bytes=0-1,5-6", "lines=1-2", "bytes=abc"] {
        let r = get(Some(range)).await.expect("ignored range");
        assert_eq!(r.status(), StatusCode::OK, "{range}");
        assert_eq!(r.bytes().await.expect("body").len(), 1000);
    }
}

#[tokio::test]
async fn if_range_head_and_if_none_match() {
    let emu = start_default().await;
    let data = pattern(300, 2);
    let id = seed_file(&emu, "h.txt", data.clone());
    let url = emu.download_url(&id).await;

    let full = emu.http.get(&url).send().await.expect("get");
    let etag = full.headers()["etag"].to_str().expect("etag").to_owned();

    // If-Range with the current tag: the range applies; with another: the whole body.
    let r = emu
        .http
        .get(&url)
        .header("range", "bytes=0-1")
        .header("if-range", &etag)
        .send()
        .await
        .expect("if-range");
    assert_eq!(r.status(), StatusCode::PARTIAL_CONTENT);
    let r = emu
        .http
        .get(&url)
        .header("range", "bytes=0-1")
        .header("if-range", "\"{00000000-0000-0000-0000-000000000000},1\"")
        .send()
        .await
        .expect("if-range stale");
    assert_eq!(r.status(), StatusCode::OK);

    let r = emu.http.head(&url).send().await.expect("head");
    assert_eq!(r.status(), StatusCode::OK);
    // The file's mimeType, as the item reports it.
    assert_eq!(r.headers()["content-type"], "text/plain");
    assert_eq!(r.headers()["content-length"], "300");
    assert!(r.bytes().await.expect("head body").is_empty());

    // If-None-Match on /content with the item's eTag or cTag: 304, no redirect.
    let item: serde_json::Value = emu
        .graph(reqwest::Method::GET, &format!("/me/drive/items/{id}"))
        .send()
        .await
        .expect("item")
        .json()
        .await
        .expect("json");
    for tag in ["eTag", "cTag"] {
        let t = item[tag].as_str().expect("tag");
        let r = emu
            .graph(
                reqwest::Method::GET,
                &format!("/me/drive/items/{id}/content"),
            )
            .header("if-none-match", t)
            .send()
            .await
            .expect("conditional");
        assert_eq!(r.status(), StatusCode::NOT_MODIFIED, "{tag}");
    }
    let r = emu
        .graph(
            reqwest::Method::GET,
            &format!("/me/drive/items/{id}/content"),
        )
        .header("if-none-match", "\"other\"")
        .send()
        .await
        .expect("conditional miss");
    assert_eq!(r.status(), StatusCode::FOUND);
}

#[tokio::test]
async fn authorization_header_is_refused() {
    let emu = start_default().await;
    let id = seed_file(&emu, "a.bin", pattern(10, 3));
    let url = emu.download_url(&id).await;
    let r = emu
        .http
        .get(&url)
        .bearer_auth(&emu.token)
        .send()
        .await
        .expect("get");
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    let v: serde_json::Value = r.json().await.expect("json");
    assert_eq!(codes(&v).0, "unauthenticated");
}

#[tokio::test]
async fn expired_and_forged_urls_are_refused() {
    let emu = start(Config {
        download_url_ttl: Duration::ZERO,
        ..Config::default()
    })
    .await;
    let id = seed_file(&emu, "e.bin", pattern(10, 4));
    let url = emu.download_url(&id).await;
    let r = emu.http.get(&url).send().await.expect("get");
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    let v: serde_json::Value = r.json().await.expect("json");
    assert_eq!(codes(&v), ("unauthenticated".into(), "expiredToken".into()));

    for forged in [
        format!("/_dl/{id}"),
        "/_dl/AAAA.BBBB".into(),
        "/_dl/x".into(),
    ] {
        let r = emu.http.get(emu.url(&forged)).send().await.expect("get");
        assert_eq!(r.status(), StatusCode::UNAUTHORIZED, "{forged}");
    }
}

#[tokio::test]
async fn folder_has_no_content_and_deleted_file_is_gone() {
    let emu = start_default().await;
    let id = seed_file(&emu, "d.bin", pattern(10, 5));
    let url = emu.download_url(&id).await;
    emu.running.state.store.delete(&id).expect("delete");
    let r = emu.http.get(&url).send().await.expect("get");
    assert_eq!(r.status(), StatusCode::NOT_FOUND);

    let root = emu.running.state.store.root_id();
    let r = emu
        .graph(
            reqwest::Method::GET,
            &format!("/me/drive/items/{root}/content"),
        )
        .send()
        .await
        .expect("folder content");
    assert!(r.status().is_client_error(), "{}", r.status());
}

#[tokio::test]
async fn large_file_streams_intact() {
    let emu = start_default().await;
    let data = pattern(5 * 1024 * 1024 + 17, 6);
    let id = seed_file(&emu, "big.bin", data.clone());
    let got = emu.download(&id).await;
    assert_eq!(got.len(), data.len());
    assert!(got == data);
    // A range straddling the store's 1 MiB buffers.
    let url = emu.download_url(&id).await;
    let r = emu
        .http
        .get(&url)
        .header("range", "bytes=1048570-3145740")
        .send()
        .await
        .expect("range");
    assert_eq!(r.status(), StatusCode::PARTIAL_CONTENT);
    assert!(r.bytes().await.expect("body").to_vec() == data[1_048_570..=3_145_740]);
}
