//! Copy monitor variants seen on the service (OneDrive/onedrive-api-docs#852, #80;
//! O365/python-o365#872): a fixed number of 202s (`--copy-monitor-polls`), a 303 to
//! the new item (`--copy-monitor-redirect`), a copy that fails (`copy_fail` fault), a
//! gzip-labelled empty 202 (`--copy-accepted-gzip`).

mod graph_support;

use std::time::Duration;

use graph_support::*;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

/// Starts a copy of `/src.txt` as `name`; returns the 202's headers.
async fn copy(emu: &Emu, name: &str) -> reqwest::header::HeaderMap {
    let (st, h, body) = emu
        .send(
            emu.req(Method::POST, "/me/drive/root:/src.txt:/copy")
                .json(&json!({"name": name})),
        )
        .await;
    assert_eq!(st, StatusCode::ACCEPTED, "{body}");
    h
}

fn monitor_url(h: &reqwest::header::HeaderMap) -> String {
    h["location"].to_str().expect("ascii").to_owned()
}

async fn poll(emu: &Emu, url: &str) -> (StatusCode, reqwest::header::HeaderMap, Value) {
    emu.send(emu.http.get(url)).await
}

/// Polls until the monitor stops answering 202 (at most 5 s).
async fn outcome(emu: &Emu, url: &str) -> (StatusCode, reqwest::header::HeaderMap, Value) {
    for _ in 0..250 {
        let r = poll(emu, url).await;
        if r.0 != StatusCode::ACCEPTED {
            return r;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("the copy never ended");
}

async fn with_source(f: impl FnOnce(&mut onedrive_emulator::Config)) -> Emu {
    let emu = Emu::start_with(f).await;
    emu.file(&emu.root_id(), "src.txt", b"copy me");
    emu
}

#[tokio::test]
async fn by_default_the_monitor_answers_200_and_the_202_is_plain() {
    let emu = with_source(|_| {}).await;
    let h = copy(&emu, "a.txt").await;
    assert!(h.get("content-encoding").is_none());
    let (st, h, v) = outcome(&emu, &monitor_url(&h)).await;
    assert_eq!(st, StatusCode::OK);
    assert!(h.get("location").is_none());
    assert_eq!(v["status"], "completed");
}

#[tokio::test]
async fn the_monitor_answers_exactly_n_202s() {
    // The copy is made at once, but the monitor says "in progress" three times.
    let emu = with_source(|c| {
        c.copy_delay = Duration::ZERO;
        c.copy_monitor_polls = Some(3);
    })
    .await;
    let url = monitor_url(&copy(&emu, "a.txt").await);
    tokio::time::sleep(Duration::from_millis(100)).await;
    for _ in 0..3 {
        let (st, _, v) = poll(&emu, &url).await;
        assert_eq!(st, StatusCode::ACCEPTED);
        assert_eq!(v["status"], "inProgress");
    }
    let (st, _, v) = poll(&emu, &url).await;
    assert_eq!(st, StatusCode::OK);
    assert_eq!(v["status"], "completed");

    // A copy that would take an hour is done after the 202s all the same.
    let emu = with_source(|c| {
        c.copy_delay = Duration::from_secs(3600);
        c.copy_monitor_polls = Some(1);
    })
    .await;
    let url = monitor_url(&copy(&emu, "b.txt").await);
    assert_eq!(poll(&emu, &url).await.0, StatusCode::ACCEPTED);
    let (st, _, v) = poll(&emu, &url).await;
    assert_eq!(st, StatusCode::OK, "{v}");
    let (st, item) = emu.get("/me/drive/root:/b.txt").await;
    assert_eq!(st, StatusCode::OK);
    assert_eq!(item["id"], v["resourceId"]);
}

#[tokio::test]
async fn a_finished_copy_can_redirect_to_the_new_item() {
    let emu = with_source(|c| c.copy_monitor_redirect = true).await;
    let url = monitor_url(&copy(&emu, "a.txt").await);
    let (st, h, v) = outcome(&emu, &url).await;
    assert_eq!(st, StatusCode::SEE_OTHER);
    assert_eq!(v["status"], "completed");
    let rid = v["resourceId"].as_str().expect("resourceId");
    let location = h["location"].to_str().expect("ascii");
    assert_eq!(
        location,
        format!(
            "{}/v1.0/drives/{}/items/{rid}",
            emu.running.url,
            emu.drive_id()
        )
    );
    // The Location is a Graph URL: it takes the token.
    let (st, item) = emu.get_url(location).await;
    assert_eq!(st, StatusCode::OK);
    assert_eq!(item["name"], "a.txt");
}

#[tokio::test]
async fn a_scripted_copy_failure_ends_failed_with_an_error() {
    let emu = with_source(|_| {}).await;
    let r = emu
        .http
        .post(emu.url("/_emulator/faults"))
        .json(&json!({"route": "graph", "copy_fail": true}))
        .send()
        .await
        .expect("script");
    assert_eq!(r.status(), StatusCode::OK);
    // Other requests leave it queued.
    assert_eq!(emu.get("/me/drive/root:/src.txt").await.0, StatusCode::OK);
    let url = monitor_url(&copy(&emu, "a.txt").await);
    let (st, _, v) = outcome(&emu, &url).await;
    assert_eq!(st, StatusCode::OK);
    assert_eq!(v["status"], "failed");
    assert!(v["error"]["code"].is_string(), "{v}");
    assert!(v["error"]["message"].is_string(), "{v}");
    assert_eq!(v["errorCode"], v["error"]["code"]);
    assert_eq!(
        emu.get("/me/drive/root:/a.txt").await.0,
        StatusCode::NOT_FOUND
    );
    // Used up: the next copy works.
    let url = monitor_url(&copy(&emu, "b.txt").await);
    assert_eq!(outcome(&emu, &url).await.2["status"], "completed");
    // Only on the graph route.
    let r = emu
        .http
        .post(emu.url("/_emulator/faults"))
        .json(&json!({"route": "any", "copy_fail": true}))
        .send()
        .await
        .expect("script");
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn the_accepted_answer_can_claim_gzip() {
    let emu = with_source(|c| c.copy_accepted_gzip = true).await;
    let h = copy(&emu, "a.txt").await;
    assert_eq!(h["content-encoding"], "gzip");
    assert_eq!(h["content-length"], "0");
    let (st, _, v) = outcome(&emu, &monitor_url(&h)).await;
    assert_eq!(st, StatusCode::OK);
    assert_eq!(v["status"], "completed");
}
