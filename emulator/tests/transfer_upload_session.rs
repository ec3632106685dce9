//! Upload sessions: create, fragments, every fragment-rule violation, resume, cancel,
//! expiry, deferCommit, conflicts at create and at commit, quota.

mod transfer_support;

use std::time::Duration;

use onedrive_emulator::Config;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use transfer_support::*;

async fn session(emu: &Emu, path: &str, body: Value) -> String {
    let (st, v) = emu.create_session(path, body).await;
    assert_eq!(st, StatusCode::OK, "{v}");
    assert_eq!(v["nextExpectedRanges"], json!(["0-"]));
    assert!(
        v["expirationDateTime"]
            .as_str()
            .is_some_and(|s| s.ends_with('Z'))
    );
    v["uploadUrl"].as_str().expect("uploadUrl").to_owned()
}

async fn json_of(r: reqwest::Response) -> Value {
    r.json().await.unwrap_or(Value::Null)
}

#[tokio::test]
async fn fragments_resume_and_complete() {
    let emu = start_default().await;
    let data = pattern(2 * KIB320 + 1234, 9);
    let total = data.len();
    let store = &emu.running.state.store;
    store
        .create_folder(
            &store.root_id(),
            "dir",
            onedrive_emulator::store::Conflict::Fail,
        )
        .expect("mkdir");
    let url = session(&emu, "dir/big file.bin", json!({})).await;
    assert!(url.starts_with(&emu.running.url));

    let r = emu.fragment(&url, 0, &data[..KIB320], total).await;
    assert_eq!(r.status(), StatusCode::ACCEPTED);
    let v = json_of(r).await;
    assert_eq!(v["nextExpectedRanges"], json!([format!("{KIB320}-")]));

    // Resume: ask where we are.
    let st = emu.http.get(&url).send().await.expect("status");
    assert_eq!(st.status(), StatusCode::OK);
    let v = json_of(st).await;
    assert_eq!(v["nextExpectedRanges"], json!([format!("{KIB320}-")]));
    assert!(v["expirationDateTime"].is_string());

    let r = emu
        .fragment(&url, KIB320, &data[KIB320..2 * KIB320], total)
        .await;
    assert_eq!(r.status(), StatusCode::ACCEPTED);
    let r = emu
        .fragment(&url, 2 * KIB320, &data[2 * KIB320..], total)
        .await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let item = json_of(r).await;
    assert_eq!(item["name"], "big file.bin");
    assert_eq!(item["size"], total as u64);
    assert_eq!(
        item["file"]["hashes"]["quickXorHash"],
        quickxorhash::hash_base64(&data)
    );
    let id = item["id"].as_str().expect("id");
    assert!(emu.download(id).await == data);

    // The session is gone once committed.
    let r = emu.http.get(&url).send().await.expect("status");
    assert_eq!(r.status(), StatusCode::NOT_FOUND);

    // A session on the existing file replaces it: 200, same id.
    let url = session(
        &emu,
        "dir/big file.bin",
        json!({"item": {"@microsoft.graph.conflictBehavior": "replace"}}),
    )
    .await;
    let r = emu.fragment(&url, 0, b"small", 5).await;
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(json_of(r).await["id"], id);
}

#[tokio::test]
async fn fragment_rule_violations() {
    let emu = start_default().await;
    let data = pattern(3 * KIB320, 1);
    let total = data.len();
    let url = session(&emu, "v.bin", json!({})).await;

    // Not a multiple of 320 KiB (and not the last).
    let r = emu.fragment(&url, 0, &data[..1000], total).await;
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);

    // Out of order: a gap.
    let r = emu
        .fragment(&url, KIB320, &data[KIB320..2 * KIB320], total)
        .await;
    assert_eq!(r.status(), StatusCode::RANGE_NOT_SATISFIABLE);
    assert_eq!(codes(&json_of(r).await).1, "fragmentOutOfOrder");

    let r = emu.fragment(&url, 0, &data[..KIB320], total).await;
    assert_eq!(r.status(), StatusCode::ACCEPTED);

    // Overlap: bytes already received.
    let r = emu.fragment(&url, 0, &data[..KIB320], total).await;
    assert_eq!(r.status(), StatusCode::RANGE_NOT_SATISFIABLE);
    let v = json_of(r).await;
    assert_eq!(codes(&v), ("invalidRange".into(), "fragmentOverlap".into()));

    // The total changed.
    let r = emu
        .fragment(&url, KIB320, &data[KIB320..2 * KIB320], total + 1)
        .await;
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    assert_eq!(codes(&json_of(r).await).1, "fragmentLengthMismatch");

    // Missing and garbled Content-Range.
    let r = emu
        .http
        .put(&url)
        .body(data[KIB320..2 * KIB320].to_vec())
        .send()
        .await
        .expect("put");
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    for cr in [
        "bytes 327680-655359/*",
        "bytes=327680-655359/983040",
        "garbage",
        "bytes 5-1/983040",
    ] {
        let r = emu
            .http
            .put(&url)
            .header("content-range", cr)
            .body(data[KIB320..2 * KIB320].to_vec())
            .send()
            .await
            .expect("put");
        assert_eq!(r.status(), StatusCode::BAD_REQUEST, "{cr}");
    }

    // Content-Length that disagrees with Content-Range.
    let path = url.strip_prefix(&emu.running.url).expect("same host");
    let (code, _) = emu
        .raw(
            &format!(
                "PUT {path} HTTP/1.1\r\nContent-Range: bytes {KIB320}-{}/{total}\r\nContent-Length: 10",
                2 * KIB320 - 1
            ),
            &[0u8; 10],
        )
        .await;
    assert_eq!(code, 400);

    // 60 MiB or more in one request: refused from the headers alone.
    let big = 60 * 1024 * 1024;
    let (code, text) = emu
        .raw(
            &format!(
                "PUT {path} HTTP/1.1\r\nContent-Range: bytes {KIB320}-{}/{}\r\nContent-Length: {big}",
                KIB320 + big - 1,
                KIB320 + big + 10
            ),
            &[],
        )
        .await;
    assert_eq!(code, 413, "{text}");
    assert!(text.contains("maxFragmentLengthExceeded"), "{text}");

    // None of that moved the session.
    let v = json_of(emu.http.get(&url).send().await.expect("status")).await;
    assert_eq!(v["nextExpectedRanges"], json!([format!("{KIB320}-")]));

    // A token on the uploadUrl is refused (401), whatever the method.
    let r = emu
        .http
        .put(&url)
        .bearer_auth(&emu.token)
        .header(
            "content-range",
            format!("bytes {KIB320}-{}/{total}", 2 * KIB320 - 1),
        )
        .body(data[KIB320..2 * KIB320].to_vec())
        .send()
        .await
        .expect("put");
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    let r = emu
        .http
        .get(&url)
        .bearer_auth(&emu.token)
        .send()
        .await
        .expect("get");
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);

    // Finish properly.
    let r = emu.fragment(&url, KIB320, &data[KIB320..], total).await;
    assert_eq!(r.status(), StatusCode::CREATED);
}

#[tokio::test]
async fn cancel_and_unknown_session() {
    let emu = start_default().await;
    let url = session(&emu, "x.bin", json!({})).await;
    let r = emu.http.delete(&url).send().await.expect("delete");
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    let r = emu.http.get(&url).send().await.expect("get");
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    assert_eq!(codes(&json_of(r).await).0, "itemNotFound");
    let r = emu.fragment(&url, 0, b"abc", 3).await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    let r = emu.http.delete(&url).send().await.expect("delete again");
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    assert_eq!(emu.get_item("x.bin").await.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn sessions_expire() {
    let emu = start(Config {
        upload_session_ttl: Duration::ZERO,
        ..Config::default()
    })
    .await;
    let url = session(&emu, "e.bin", json!({})).await;
    let r = emu.fragment(&url, 0, b"abc", 3).await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    let r = emu.http.get(&url).send().await.expect("get");
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn defer_commit_then_post() {
    let emu = start_default().await;
    let url = session(&emu, "later.txt", json!({"deferCommit": true})).await;
    let r = emu.fragment(&url, 0, b"hello", 5).await;
    assert_eq!(r.status(), StatusCode::ACCEPTED);
    assert_eq!(json_of(r).await["nextExpectedRanges"], json!([]));
    assert_eq!(
        emu.get_item("later.txt").await.status(),
        StatusCode::NOT_FOUND
    );
    let r = emu
        .http
        .post(&url)
        .header("content-length", "0")
        .send()
        .await
        .expect("commit");
    assert_eq!(r.status(), StatusCode::CREATED);
    let item = json_of(r).await;
    assert_eq!(item["size"], 5);
    assert_eq!(emu.get_item("later.txt").await.status(), StatusCode::OK);

    // Committing an incomplete session fails.
    let url = session(&emu, "half.txt", json!({"deferCommit": true})).await;
    let r = emu
        .http
        .post(&url)
        .header("content-length", "0")
        .send()
        .await
        .expect("commit");
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    assert_eq!(codes(&json_of(r).await).1, "uploadSessionIncomplete");
}

#[tokio::test]
async fn create_checks() {
    let emu = start(Config {
        quota: 10_000,
        ..Config::default()
    })
    .await;
    emu.put("taken.txt", b"x".to_vec()).await;

    // Default conflictBehavior is fail, checked at create.
    let (st, v) = emu.create_session("taken.txt", json!({})).await;
    assert_eq!(st, StatusCode::CONFLICT);
    assert_eq!(codes(&v).0, "nameAlreadyExists");
    let (st, _) = emu
        .create_session(
            "taken.txt",
            json!({"item": {"@microsoft.graph.conflictBehavior": "rename"}}),
        )
        .await;
    assert_eq!(st, StatusCode::OK);

    // The body's name must match the path's.
    let (st, _) = emu
        .create_session("a.txt", json!({"item": {"name": "b.txt"}}))
        .await;
    assert_eq!(st, StatusCode::BAD_REQUEST);
    let (st, _) = emu
        .create_session("a.txt", json!({"item": {"name": "a.txt"}}))
        .await;
    assert_eq!(st, StatusCode::OK);

    // fileSize over the remaining quota: 507, no session.
    let (st, v) = emu
        .create_session("huge.bin", json!({"item": {"fileSize": 20_000}}))
        .await;
    assert_eq!(st, StatusCode::INSUFFICIENT_STORAGE);
    assert_eq!(codes(&v).0, "quotaLimitReached");

    // Malformed bodies.
    for body in [
        "{",
        "[1]",
        "{\"item\": 5}",
        "{\"deferCommit\": \"yes\"}",
        "{\"item\": {\"@microsoft.graph.conflictBehavior\": \"overwrite\"}}",
    ] {
        let r = emu
            .graph(Method::POST, "/me/drive/root:/m.bin:/createUploadSession")
            .header("content-type", "application/json")
            .body(body)
            .send()
            .await
            .expect("post");
        assert_eq!(r.status(), StatusCode::BAD_REQUEST, "{body}");
    }

    // fileSystemInfo is applied at commit.
    let url = session(
        &emu,
        "dated.txt",
        json!({"item": {"fileSystemInfo": {"lastModifiedDateTime": "2020-01-02T03:04:05Z"}}}),
    )
    .await;
    let r = emu.fragment(&url, 0, b"dated", 5).await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let item = json_of(r).await;
    assert_eq!(
        item["fileSystemInfo"]["lastModifiedDateTime"]
            .as_str()
            .map(|s| s.starts_with("2020-01-02T03:04:05")),
        Some(true),
        "{item}"
    );
}

#[tokio::test]
async fn conflict_at_commit_keeps_the_session() {
    let emu = start_default().await;
    let url = session(&emu, "race.txt", json!({})).await;
    // Someone else takes the name meanwhile.
    emu.put("race.txt", b"first".to_vec()).await;
    let r = emu.fragment(&url, 0, b"second", 6).await;
    assert_eq!(r.status(), StatusCode::CONFLICT);
    assert_eq!(codes(&json_of(r).await).0, "nameAlreadyExists");
    let r = emu.http.get(&url).send().await.expect("status");
    assert_eq!(r.status(), StatusCode::OK);

    // The admin view lists it.
    let v = json_of(emu.admin(Method::GET, "uploads", None).await).await;
    assert_eq!(v["value"].as_array().map(Vec::len), Some(1));
    assert_eq!(v["value"][0]["complete"], true);
}

#[tokio::test]
async fn cut_fragment_is_discarded() {
    let emu = start_default().await;
    let data = pattern(2 * KIB320, 4);
    let url = session(&emu, "cut.bin", json!({})).await;
    let r = emu
        .admin(
            Method::POST,
            "faults",
            Some(json!({"route": "fragment", "cut_after": 1000})),
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    // The connection breaks mid-body: no answer at all.
    let r = emu
        .http
        .put(&url)
        .header(
            "content-range",
            format!("bytes 0-{}/{}", KIB320 - 1, data.len()),
        )
        .body(data[..KIB320].to_vec())
        .send()
        .await;
    assert!(r.is_err(), "{r:?}");
    let v = json_of(emu.http.get(&url).send().await.expect("status")).await;
    assert_eq!(v["nextExpectedRanges"], json!(["0-"]));
    // Resume from 0 and finish: the content is exactly what was sent.
    assert_eq!(
        emu.fragment(&url, 0, &data[..KIB320], data.len())
            .await
            .status(),
        StatusCode::ACCEPTED
    );
    let r = emu
        .fragment(&url, KIB320, &data[KIB320..], data.len())
        .await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let item = json_of(r).await;
    assert_eq!(
        item["file"]["hashes"]["quickXorHash"],
        quickxorhash::hash_base64(&data)
    );
}
