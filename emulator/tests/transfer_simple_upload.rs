//! Simple upload: `PUT …/content` with every conflictBehavior, the size limit, the quota.

mod transfer_support;

use onedrive_emulator::Config;
use reqwest::{Method, StatusCode};
use serde_json::Value;
use transfer_support::*;

async fn put_with(emu: &Emu, path: &str, query: &str, data: Vec<u8>) -> (StatusCode, Value) {
    let r = emu
        .graph(
            Method::PUT,
            &format!("/me/drive/root:/{path}:/content{query}"),
        )
        .body(data)
        .send()
        .await
        .expect("PUT");
    let st = r.status();
    (st, r.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn new_then_replace_then_download() {
    let emu = start_default().await;
    let a = pattern(5000, 1);
    let (st, item) = put_with(&emu, "doc.txt", "", a.clone()).await;
    assert_eq!(st, StatusCode::CREATED);
    assert_eq!(item["name"], "doc.txt");
    assert_eq!(item["size"], 5000);
    assert_eq!(
        item["file"]["hashes"]["quickXorHash"],
        quickxorhash::hash_base64(&a)
    );
    let id = item["id"].as_str().expect("id").to_owned();
    assert_eq!(emu.download(&id).await, a);

    // The PUT default is replace: same id, 200.
    let b = pattern(7000, 2);
    let (st, item2) = put_with(&emu, "doc.txt", "", b.clone()).await;
    assert_eq!(st, StatusCode::OK);
    assert_eq!(item2["id"], id.as_str());
    assert_eq!(item2["size"], 7000);
    assert_ne!(item2["eTag"], item["eTag"]);
    assert_eq!(emu.download(&id).await, b);

    // By id.
    let c = pattern(10, 3);
    let r = emu
        .graph(Method::PUT, &format!("/me/drive/items/{id}/content"))
        .body(c.clone())
        .send()
        .await
        .expect("PUT by id");
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(emu.download(&id).await, c);

    // Empty file.
    let (st, item) = put_with(&emu, "empty", "", Vec::new()).await;
    assert_eq!(st, StatusCode::CREATED);
    assert_eq!(item["size"], 0);
}

#[tokio::test]
async fn conflict_behaviors() {
    let emu = start_default().await;
    emu.put("c.txt", b"one".to_vec()).await;

    let (st, v) = put_with(
        &emu,
        "c.txt",
        "?@microsoft.graph.conflictBehavior=fail",
        b"two".to_vec(),
    )
    .await;
    assert_eq!(st, StatusCode::CONFLICT);
    assert_eq!(codes(&v).0, "nameAlreadyExists");

    let (st, v) = put_with(
        &emu,
        "c.txt",
        "?@microsoft.graph.conflictBehavior=rename",
        b"three".to_vec(),
    )
    .await;
    assert_eq!(st, StatusCode::CREATED);
    assert_eq!(v["name"], "c 1.txt");

    let (st, v) = put_with(
        &emu,
        "c.txt",
        "?@microsoft.graph.conflictBehavior=replace",
        b"four".to_vec(),
    )
    .await;
    assert_eq!(st, StatusCode::OK);
    assert_eq!(v["size"], 4);

    // A folder of that name is never replaced by a file.
    let root = emu.running.state.store.root_id();
    emu.running
        .state
        .store
        .create_folder(&root, "dir", onedrive_emulator::store::Conflict::Fail)
        .expect("mkdir");
    let (st, v) = put_with(&emu, "dir", "", b"x".to_vec()).await;
    assert_eq!(st, StatusCode::CONFLICT, "{v}");
}

#[tokio::test]
async fn size_limit_and_quota() {
    let emu = start(Config {
        simple_upload_limit: 1000,
        quota: 2500,
        ..Config::default()
    })
    .await;
    let (st, _) = put_with(&emu, "ok.bin", "", pattern(1000, 1)).await;
    assert_eq!(st, StatusCode::CREATED);
    let (st, v) = put_with(&emu, "big.bin", "", pattern(1001, 1)).await;
    assert_eq!(st, StatusCode::PAYLOAD_TOO_LARGE);
    assert!(v["error"]["code"].is_string(), "{v}");

    // Without Content-Length (chunked), the limit is enforced while streaming.
    let chunks: Vec<Result<Vec<u8>, std::io::Error>> =
        vec![Ok(pattern(600, 1)), Ok(pattern(600, 2))];
    let r = emu
        .graph(Method::PUT, "/me/drive/root:/chunked.bin:/content")
        .body(reqwest::Body::wrap_stream(futures_util::stream::iter(
            chunks,
        )))
        .send()
        .await;
    if let Ok(r) = r {
        assert_eq!(r.status(), StatusCode::PAYLOAD_TOO_LARGE);
    }
    assert_eq!(
        emu.get_item("chunked.bin").await.status(),
        StatusCode::NOT_FOUND
    );

    // Quota: 1000 used of 2500.
    put_with(&emu, "b.bin", "", pattern(1000, 2)).await;
    let (st, v) = put_with(&emu, "c.bin", "", pattern(1000, 3)).await;
    assert_eq!(st, StatusCode::INSUFFICIENT_STORAGE, "{v}");
    assert_eq!(codes(&v).0, "quotaLimitReached");
    // Replacing a file only needs the difference.
    let (st, _) = put_with(&emu, "b.bin", "", pattern(900, 4)).await;
    assert_eq!(st, StatusCode::OK);
}

#[tokio::test]
async fn hashes_with_legacy_sha1() {
    let emu = start(Config {
        legacy_sha1: true,
        ..Config::default()
    })
    .await;
    let v = emu.put("s.txt", b"abc".to_vec()).await;
    assert_eq!(
        v["file"]["hashes"]["sha1Hash"],
        "A9993E364706816ABA3E25717850C26C9CD0D89D"
    );
}
