//! Answers lost after the work was done (`"after": true`): the fragment is stored or
//! the Graph request takes effect, but the client gets the scripted status
//! (OneDrive/onedrive-api-docs#64, #698).

mod transfer_support;

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use transfer_support::*;

async fn script(emu: &Emu, v: Value) {
    let r = emu.admin(Method::POST, "faults", Some(v.clone())).await;
    assert_eq!(r.status(), StatusCode::OK, "{v}");
}

#[tokio::test]
async fn a_fragment_stored_behind_a_503_meets_fragment_overlap_when_retried() {
    let emu = start_default().await;
    let data = pattern(3 * KIB320, 2);
    let (_, v) = emu.create_session("lost.bin", json!({})).await;
    let url = v["uploadUrl"].as_str().expect("uploadUrl").to_owned();
    script(
        &emu,
        json!({"route": "fragment", "status": 503, "retry_after": 2, "after": true}),
    )
    .await;
    let r = emu.fragment(&url, 0, &data[..KIB320], data.len()).await;
    assert_eq!(r.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(r.headers()["retry-after"], "2");
    assert_eq!(codes(&json_of(r).await).0, "serviceNotAvailable");
    // It was stored all the same.
    let v = json_of(emu.http.get(&url).send().await.expect("status")).await;
    assert_eq!(v["nextExpectedRanges"], json!([format!("{KIB320}-")]));
    // Retrying the same range overlaps, as on the service.
    let r = emu.fragment(&url, 0, &data[..KIB320], data.len()).await;
    assert_eq!(r.status(), StatusCode::RANGE_NOT_SATISFIABLE);
    let v = json_of(r).await;
    assert_eq!(codes(&v), ("invalidRange".into(), "fragmentOverlap".into()));
    assert_eq!(
        v["error"]["nextExpectedRanges"],
        json!([format!("{KIB320}-")])
    );
    // Going on from where the session says finishes the file.
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

#[tokio::test]
async fn a_graph_change_behind_a_504_took_effect() {
    let emu = start_default().await;
    emu.put("before.txt", b"x".to_vec()).await;
    script(
        &emu,
        json!({"route": "graph", "method": "PATCH", "status": 504, "after": true}),
    )
    .await;
    let r = emu
        .graph(Method::PATCH, "/me/drive/root:/before.txt")
        .json(&json!({"name": "after.txt"}))
        .send()
        .await
        .expect("PATCH");
    assert_eq!(r.status(), StatusCode::GATEWAY_TIMEOUT);
    assert_eq!(emu.get_item("after.txt").await.status(), StatusCode::OK);
    assert_eq!(
        emu.get_item("before.txt").await.status(),
        StatusCode::NOT_FOUND
    );

    // A folder created behind a 500: the retry meets the folder.
    script(
        &emu,
        json!({"route": "graph", "method": "POST", "path_contains": "/children", "status": 500, "after": true}),
    )
    .await;
    let mkdir = || {
        emu.graph(Method::POST, "/me/drive/root/children")
            .json(
                &json!({"name": "made", "folder": {}, "@microsoft.graph.conflictBehavior": "fail"}),
            )
            .send()
    };
    assert_eq!(
        mkdir().await.expect("POST").status(),
        StatusCode::INTERNAL_SERVER_ERROR
    );
    let r = mkdir().await.expect("POST");
    assert_eq!(r.status(), StatusCode::CONFLICT);
    assert_eq!(codes(&json_of(r).await).0, "nameAlreadyExists");
}

#[tokio::test]
async fn without_after_a_status_fault_has_no_effect() {
    let emu = start_default().await;
    emu.put("stays.txt", b"x".to_vec()).await;
    script(
        &emu,
        json!({"route": "graph", "method": "PATCH", "status": 504}),
    )
    .await;
    let r = emu
        .graph(Method::PATCH, "/me/drive/root:/stays.txt")
        .json(&json!({"name": "moved.txt"}))
        .send()
        .await
        .expect("PATCH");
    assert_eq!(r.status(), StatusCode::GATEWAY_TIMEOUT);
    assert_eq!(emu.get_item("stays.txt").await.status(), StatusCode::OK);
    assert_eq!(
        emu.get_item("moved.txt").await.status(),
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn after_goes_with_a_status() {
    let emu = start_default().await;
    for bad in [
        json!({"route": "graph", "after": true}),
        json!({"route": "fragment", "cut_after": 5, "after": true}),
    ] {
        let r = emu.admin(Method::POST, "faults", Some(bad.clone())).await;
        assert_eq!(r.status(), StatusCode::BAD_REQUEST, "{bad}");
    }
}
