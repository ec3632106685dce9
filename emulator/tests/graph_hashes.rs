//! Empty hashes (OneDrive/onedrive-api-docs#1704): `--no-hashes-for-empty-files` makes
//! 0-byte files report `"hashes": {}`, and `POST /_emulator/hashes` blanks one file's
//! hashes until its content changes.

mod transfer_support;

use onedrive_emulator::Config;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use transfer_support::*;

/// `file.hashes` of `name` as GET, children and delta show it.
async fn hashes_everywhere(emu: &Emu, name: &str) -> [Value; 3] {
    let item = json_of(emu.get_item(name).await).await;
    let find = |page: &Value| {
        page["value"]
            .as_array()
            .expect("value")
            .iter()
            .find(|v| v["name"] == name)
            .map(|v| v["file"]["hashes"].clone())
            .expect("listed")
    };
    let children = json_of(
        emu.graph(Method::GET, "/me/drive/root/children")
            .send()
            .await
            .expect("children"),
    )
    .await;
    let delta = json_of(
        emu.graph(Method::GET, "/me/drive/root/delta")
            .send()
            .await
            .expect("delta"),
    )
    .await;
    [
        item["file"]["hashes"].clone(),
        find(&children),
        find(&delta),
    ]
}

#[tokio::test]
async fn empty_files_have_a_hash_by_default() {
    let emu = start_default().await;
    let item = emu.put("empty.bin", Vec::new()).await;
    let want = json!({"quickXorHash": quickxorhash::hash_base64(b"")});
    assert_eq!(item["file"]["hashes"], want);
    for h in hashes_everywhere(&emu, "empty.bin").await {
        assert_eq!(h, want);
    }
}

#[tokio::test]
async fn the_flag_blanks_the_hashes_of_empty_files_only() {
    let emu = start(Config {
        no_hashes_for_empty_files: true,
        legacy_sha1: true,
        ..Config::default()
    })
    .await;
    let item = emu.put("empty.bin", Vec::new()).await;
    assert_eq!(item["file"]["hashes"], json!({}));
    assert_eq!(item["size"], 0);
    for h in hashes_everywhere(&emu, "empty.bin").await {
        assert_eq!(h, json!({}));
    }
    let full = emu.put("full.bin", b"abc".to_vec()).await;
    assert_eq!(
        full["file"]["hashes"]["quickXorHash"],
        quickxorhash::hash_base64(b"abc")
    );
    assert!(full["file"]["hashes"]["sha1Hash"].is_string());
}

#[tokio::test]
async fn the_admin_route_blanks_one_file_until_its_content_changes() {
    let emu = start_default().await;
    let a = emu.put("a.bin", b"hello".to_vec()).await;
    let b = emu.put("b.bin", b"world".to_vec()).await;
    let r = emu
        .admin(Method::POST, "hashes", Some(json!({"path": "/a.bin"})))
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(json_of(r).await, json!({"id": a["id"], "hashes": {}}));
    for h in hashes_everywhere(&emu, "a.bin").await {
        assert_eq!(h, json!({}));
    }
    // Tags and the other file are untouched.
    let now = json_of(emu.get_item("a.bin").await).await;
    assert_eq!(now["eTag"], a["eTag"]);
    let other = json_of(emu.get_item("b.bin").await).await;
    assert_eq!(other["file"]["hashes"], b["file"]["hashes"]);
    // By id works too.
    let r = emu
        .admin(Method::POST, "hashes", Some(json!({"id": b["id"]})))
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let other = json_of(emu.get_item("b.bin").await).await;
    assert_eq!(other["file"]["hashes"], json!({}));
    // New content brings the hash back.
    let again = emu.put("a.bin", b"hello!".to_vec()).await;
    assert_eq!(
        again["file"]["hashes"]["quickXorHash"],
        quickxorhash::hash_base64(b"hello!")
    );
}

#[tokio::test]
async fn the_admin_route_refuses_what_has_no_hashes() {
    let emu = start_default().await;
    emu.put("dir/x.bin", b"x".to_vec()).await;
    for (body, status) in [
        (json!({"path": "/dir"}), StatusCode::BAD_REQUEST),
        (json!({"path": "/nope.bin"}), StatusCode::NOT_FOUND),
        (json!({}), StatusCode::BAD_REQUEST),
        (
            json!({"path": "/dir/x.bin", "id": "x"}),
            StatusCode::BAD_REQUEST,
        ),
        (json!({"name": "x.bin"}), StatusCode::BAD_REQUEST),
    ] {
        let r = emu.admin(Method::POST, "hashes", Some(body.clone())).await;
        assert_eq!(r.status(), status, "{body}");
    }
}
