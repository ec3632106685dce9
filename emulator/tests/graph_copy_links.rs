//! Async copy with its monitor URL, and sharing links.

mod graph_support;

use std::time::Duration;

use graph_support::{Emu, error_code};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

/// Polls a monitor URL (no Authorization) until it is no longer in progress.
async fn wait_monitor(emu: &Emu, url: &str) -> (StatusCode, Value) {
    for _ in 0..500 {
        let resp = emu.http.get(url).send().await.expect("monitor");
        let status = resp.status();
        let body: Value = resp.json().await.expect("monitor JSON");
        if status != StatusCode::ACCEPTED {
            return (status, body);
        }
        assert_eq!(body["status"], "inProgress");
        assert_eq!(body["operation"], "ItemCopy");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!("copy never finished");
}

async fn start_copy(
    emu: &Emu,
    id: &str,
    body: Value,
) -> (StatusCode, reqwest::header::HeaderMap, Value) {
    emu.send(
        emu.req(Method::POST, &format!("/me/drive/items/{id}/copy"))
            .header("prefer", "respond-async")
            .json(&body),
    )
    .await
}

#[tokio::test]
async fn copy_folder_with_monitor() {
    let emu = Emu::start().await;
    let root = emu.root_id();
    let src = emu.mkdir(&root, "src");
    let sub = emu.mkdir(&src.id, "sub");
    emu.file(&sub.id, "f.txt", b"hello world");
    let dst = emu.mkdir(&root, "dst");
    let (s, h, body) = start_copy(
        &emu,
        &src.id,
        json!({"parentReference": {"driveId": emu.drive_id(), "id": dst.id}, "name": "copy of src"}),
    )
    .await;
    assert_eq!(s, StatusCode::ACCEPTED);
    assert!(body.is_null(), "no body: {body}");
    let monitor = h["location"].to_str().unwrap().to_owned();
    assert!(monitor.starts_with(&emu.running.url));
    assert!(!monitor.contains("/v1.0/"));
    // The monitor refuses a bearer token.
    let resp = emu
        .http
        .get(&monitor)
        .bearer_auth(&emu.token)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::UNAUTHORIZED);
    let (s, done) = wait_monitor(&emu, &monitor).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(done["status"], "completed");
    assert_eq!(done["percentageComplete"], 100.0);
    let new_id = done["resourceId"].as_str().unwrap();
    assert_ne!(new_id, src.id);
    let (s, j) = emu.get(&format!("/me/drive/items/{new_id}")).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(j["name"], "copy of src");
    assert_eq!(j["size"], 11);
    assert_eq!(j["parentReference"]["id"], dst.id.as_str());
    let (s, f) = emu
        .get("/me/drive/root:/dst/copy%20of%20src/sub/f.txt")
        .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(
        f["file"]["hashes"]["quickXorHash"],
        "aCgDG9jwBhDc4Q1yawMZAAAAAAA="
    );
    // The source is untouched; the quota counts both.
    let (_, d) = emu.get("/me/drive").await;
    assert_eq!(d["quota"]["used"], 22);
    // Unknown monitor.
    let resp = emu
        .http
        .get(emu.url("/_monitor/ffff"))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn copy_defaults_and_errors() {
    let emu = Emu::start().await;
    let root = emu.root_id();
    let f = emu.file(&root, "a.txt", b"abc");
    // No body fields: same folder, same name → taken → synchronous 409.
    let (s, _, b) = start_copy(&emu, &f.id, json!({})).await;
    assert_eq!(s, StatusCode::CONFLICT);
    assert_eq!(error_code(&b), "nameAlreadyExists");
    // conflictBehavior in the query: rename gives "a 1.txt"; replace overwrites a file.
    let copy_with = |cb: &str| {
        emu.req(
            Method::POST,
            &format!(
                "/me/drive/items/{}/copy?@microsoft.graph.conflictBehavior={cb}",
                f.id
            ),
        )
        .json(&json!({}))
    };
    let (s, h, _) = emu.send(copy_with("rename")).await;
    assert_eq!(s, StatusCode::ACCEPTED);
    let (_, done) = wait_monitor(&emu, h["location"].to_str().unwrap()).await;
    let (_, renamed) = emu
        .get(&format!(
            "/me/drive/items/{}",
            done["resourceId"].as_str().unwrap()
        ))
        .await;
    assert_eq!(renamed["name"], "a 1.txt");
    let other = emu.file(&root, "other.txt", b"other content");
    let (s, h, _) = emu
        .send(
            emu.req(
                Method::POST,
                &format!(
                    "/me/drive/items/{}/copy?@microsoft.graph.conflictBehavior=replace",
                    f.id
                ),
            )
            .json(&json!({"name": "other.txt"})),
        )
        .await;
    assert_eq!(s, StatusCode::ACCEPTED);
    let (_, done) = wait_monitor(&emu, h["location"].to_str().unwrap()).await;
    assert_eq!(done["status"], "completed");
    let (_, replaced) = emu.get("/me/drive/root:/other.txt").await;
    assert_eq!(replaced["size"], 3);
    assert_ne!(replaced["id"], other.id.as_str());
    let (s, _, _) = emu.send(copy_with("sideways")).await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    // replace is for files only: a folder onto a taken name still fails.
    let d1 = emu.mkdir(&root, "d1");
    emu.mkdir(&root, "d2");
    let (s, _, _) = emu
        .send(
            emu.req(
                Method::POST,
                &format!(
                    "/me/drive/items/{}/copy?@microsoft.graph.conflictBehavior=replace",
                    d1.id
                ),
            )
            .json(&json!({"name": "d2"})),
        )
        .await;
    assert_eq!(s, StatusCode::CONFLICT);
    // New name in the same folder, by path addressing.
    let (s, h, _) = emu
        .send(
            emu.req(Method::POST, "/me/drive/root:/a.txt:/copy")
                .json(&json!({"name": "b.txt"})),
        )
        .await;
    assert_eq!(s, StatusCode::ACCEPTED);
    let (_, done) = wait_monitor(&emu, h["location"].to_str().unwrap()).await;
    assert_eq!(done["status"], "completed");
    let (s, _) = emu.get("/me/drive/root:/b.txt").await;
    assert_eq!(s, StatusCode::OK);
    // Errors: invalid name, unknown parent, file as parent, folder into itself, root.
    let d = emu.mkdir(&root, "d");
    let (s, _, _) = start_copy(&emu, &f.id, json!({"name": "bad:name"})).await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    let (s, _, _) = start_copy(&emu, &f.id, json!({"parentReference": {"id": "NOPE!1"}})).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (s, _, _) = start_copy(&emu, &d.id, json!({"parentReference": {"id": f.id}})).await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    let (s, _, _) = start_copy(&emu, &root, json!({"name": "x"})).await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    // Copy into its own subtree: accepted, then the job fails.
    let (s, h, _) = start_copy(&emu, &d.id, json!({"parentReference": {"id": d.id}})).await;
    assert_eq!(s, StatusCode::ACCEPTED);
    let (_, done) = wait_monitor(&emu, h["location"].to_str().unwrap()).await;
    assert_eq!(done["status"], "failed");
    assert!(done["errorCode"].is_string());
    let (s, _, _) = start_copy(&emu, &f.id, json!({"name": 5})).await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn copy_respects_quota() {
    let emu = Emu::start_with(|c| c.quota = 10).await;
    let f = emu.file(&emu.root_id(), "f", b"123456");
    let (s, _, b) = start_copy(&emu, &f.id, json!({"name": "g"})).await;
    assert_eq!(s, StatusCode::INSUFFICIENT_STORAGE);
    assert_eq!(error_code(&b), "quotaLimitReached");
}

#[tokio::test]
async fn create_link_types_and_scopes() {
    let emu = Emu::start().await;
    let f = emu.file(&emu.root_id(), "doc.txt", b"x");
    let url = format!("/me/drive/items/{}/createLink", f.id);
    let (s, view) = emu
        .post(&url, json!({"type": "view", "scope": "anonymous"}))
        .await;
    assert_eq!(s, StatusCode::CREATED);
    assert_eq!(view["roles"], json!(["read"]));
    assert_eq!(view["link"]["type"], "view");
    assert_eq!(view["link"]["scope"], "anonymous");
    assert!(
        view["link"]["webUrl"]
            .as_str()
            .unwrap()
            .starts_with("https://")
    );
    assert!(view["link"].get("webHtml").is_none());
    // Same type and scope again → 200 with the same link.
    let (s, again) = emu
        .post(&url, json!({"type": "view", "scope": "anonymous"}))
        .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(again["id"], view["id"]);
    assert_eq!(again["link"]["webUrl"], view["link"]["webUrl"]);
    // Default scope on Personal is anonymous.
    let (s, _) = emu.post(&url, json!({"type": "view"})).await;
    assert_eq!(s, StatusCode::OK);
    let (s, edit) = emu.post(&url, json!({"type": "edit"})).await;
    assert_eq!(s, StatusCode::CREATED);
    assert_eq!(edit["roles"], json!(["write"]));
    assert_ne!(edit["link"]["webUrl"], view["link"]["webUrl"]);
    let (s, embed) = emu.post(&url, json!({"type": "embed"})).await;
    assert_eq!(s, StatusCode::CREATED);
    assert!(
        embed["link"]["webHtml"]
            .as_str()
            .unwrap()
            .contains("<iframe")
    );
    // Password + expiry.
    let (s, p) = emu
        .post(
            &url,
            json!({"type": "view", "scope": "users", "password": "pw", "expirationDateTime": "2030-01-01T00:00:00Z"}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED);
    assert_eq!(p["hasPassword"], true);
    assert_eq!(p["expirationDateTime"], "2030-01-01T00:00:00Z");
    // By path, on a folder.
    emu.mkdir(&emu.root_id(), "shared dir");
    let (s, _) = emu
        .post(
            "/me/drive/root:/shared%20dir:/createLink",
            json!({"type": "view"}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED);
    // Errors.
    for body in [
        json!({"type": "view", "scope": "organization"}),
        json!({"type": "bogus"}),
        json!({"scope": "anonymous"}),
        json!({"type": "view", "scope": "galaxy"}),
        json!({"type": "view", "expirationDateTime": "soon"}),
    ] {
        let (s, b) = emu.post(&url, body.clone()).await;
        assert_eq!(s, StatusCode::BAD_REQUEST, "{body}");
        assert_eq!(error_code(&b), "invalidRequest");
    }
    let (s, _) = emu
        .post("/me/drive/items/NOPE!1/createLink", json!({"type": "view"}))
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    // The item's permissions list the links.
    let (s, perms) = emu
        .get(&format!("/me/drive/items/{}/permissions", f.id))
        .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(perms["value"].as_array().unwrap().len(), 4);
}
