//! Fault injection: seeded random faults are reproducible; scripted faults apply to the
//! routes they name, with Retry-After; cut downloads stop short.

mod transfer_support;

use onedrive_emulator::Config;
use reqwest::{Method, StatusCode};
use serde_json::json;
use transfer_support::*;

/// The statuses of 60 sequential Graph calls against a fresh emulator.
async fn run(seed: u64) -> Vec<u16> {
    let emu = start(Config {
        seed,
        fault_rate: 0.4,
        ..Config::default()
    })
    .await;
    let mut out = Vec::new();
    for _ in 0..60 {
        let r = emu
            .graph(Method::GET, "/me/drive")
            .send()
            .await
            .expect("get");
        out.push(r.status().as_u16());
    }
    out
}

#[tokio::test]
async fn same_seed_same_faults() {
    let a = run(42).await;
    let b = run(42).await;
    assert_eq!(a, b);
    let faults = a.iter().filter(|s| **s != 200).count();
    assert!(faults > 5 && faults < 50, "{a:?}");
    assert!(
        a.iter().all(|s| [200, 429, 500, 503, 504].contains(s)),
        "{a:?}"
    );
    // Another seed gives another sequence (60 draws: a collision is not plausible).
    assert_ne!(a, run(43).await);
}

#[tokio::test]
async fn scripted_status_faults() {
    let emu = start_default().await;
    let r = emu
        .admin(
            Method::POST,
            "faults",
            Some(json!([
                {"route": "graph", "count": 2, "status": 503, "retry_after": 1},
                {"route": "graph", "status": 429, "retry_after": 7, "path_contains": "/children"}
            ])),
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);

    for _ in 0..2 {
        let r = emu
            .graph(Method::GET, "/me/drive")
            .send()
            .await
            .expect("get");
        assert_eq!(r.status(), StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(r.headers()["retry-after"], "1");
        assert!(r.headers().contains_key("request-id"));
        let v: serde_json::Value = r.json().await.expect("json");
        assert!(v["error"]["code"].is_string());
    }
    let r = emu
        .graph(Method::GET, "/me/drive")
        .send()
        .await
        .expect("get");
    assert_eq!(r.status(), StatusCode::OK);
    let r = emu
        .graph(Method::GET, "/me/drive/root/children")
        .send()
        .await
        .expect("get");
    assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(r.headers()["retry-after"], "7");
    let r = emu
        .graph(Method::GET, "/me/drive/root/children")
        .send()
        .await
        .expect("get");
    assert_eq!(r.status(), StatusCode::OK);

    // Bad scripts are refused.
    for bad in [
        json!({"route": "graph"}),
        json!({"route": "nowhere", "status": 500}),
        json!({"route": "graph", "status": 200}),
        json!({"route": "graph", "status": 500, "cut_after": 3}),
    ] {
        let r = emu.admin(Method::POST, "faults", Some(bad.clone())).await;
        assert_eq!(r.status(), StatusCode::BAD_REQUEST, "{bad}");
    }
    let v: serde_json::Value = emu
        .admin(Method::GET, "faults", None)
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(v["injected"], 3);
}

#[tokio::test]
async fn cut_download_stops_short() {
    let emu = start_default().await;
    let data = pattern(3 * 1024 * 1024, 7);
    let item = emu.put("cut.bin", data.clone()).await;
    let id = item["id"].as_str().expect("id");
    let url = emu.download_url(id).await;
    emu.admin(
        Method::POST,
        "faults",
        Some(json!({"route": "download", "cut_after": 1048576})),
    )
    .await;
    let r = emu.http.get(&url).send().await.expect("headers arrive");
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(
        r.headers()["content-length"],
        data.len().to_string().as_str()
    );
    // At most the first MiB arrives (all of it unless the machine is very slow), then
    // the connection breaks.
    let mut r = r;
    let mut got = 0usize;
    let broke = loop {
        match r.chunk().await {
            Ok(Some(c)) => got += c.len(),
            Ok(None) => break false,
            Err(_) => break true,
        }
    };
    assert!(broke, "the body must break");
    assert!(got <= 1_048_576, "{got}");
    // The next download is whole.
    assert!(emu.download(id).await == data);
}

#[tokio::test]
async fn scripted_fragment_faults() {
    let emu = start_default().await;
    let (_, v) = emu.create_session("f.bin", json!({})).await;
    let url = v["uploadUrl"].as_str().expect("url").to_owned();
    emu.admin(
        Method::POST,
        "faults",
        Some(json!({"route": "fragment", "count": 3, "status": 503, "retry_after": 1})),
    )
    .await;
    for _ in 0..3 {
        let r = emu.fragment(&url, 0, b"abc", 3).await;
        assert_eq!(r.status(), StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(r.headers()["retry-after"], "1");
    }
    let r = emu.fragment(&url, 0, b"abc", 3).await;
    assert_eq!(r.status(), StatusCode::CREATED);
}

/// With every eligible request faulted (rate 1): the outcomes of 12 fragment PUTs and 12
/// downloads, each a status or "cut". The session and the file are made through the
/// library, since Graph calls would fail too.
async fn random_outcomes(seed: u64) -> Vec<String> {
    use onedrive_emulator::store::{Blob, Conflict, FsInfo};
    use onedrive_emulator::transfer::{self, UploadTarget};

    let emu = start(Config {
        seed,
        fault_rate: 1.0,
        ..Config::default()
    })
    .await;
    let st = &emu.running.state;
    let resp = transfer::create_upload_session(
        st,
        UploadTarget::New {
            parent: st.store.root_id(),
            name: "r.bin".into(),
        },
        &Default::default(),
        bytes::Bytes::from_static(b"{}"),
    )
    .await;
    let body = axum::body::to_bytes(resp.into_body(), 1 << 20)
        .await
        .expect("session body");
    let v: serde_json::Value = serde_json::from_slice(&body).expect("session json");
    let upload_url = v["uploadUrl"].as_str().expect("uploadUrl").to_owned();
    let (file, _) = st
        .store
        .put_file(
            &st.store.root_id(),
            "d.bin",
            Blob::from_bytes(pattern(100_000, 1)),
            Conflict::Fail,
            FsInfo::default(),
        )
        .expect("file");
    let download_url = transfer::download_url(st, &file.id);

    let mut out = Vec::new();
    for _ in 0..12 {
        let r = emu
            .http
            .put(&upload_url)
            .header("content-range", "bytes 0-2/3")
            .body(&b"abc"[..])
            .send()
            .await;
        out.push(match r {
            Ok(r) => r.status().as_u16().to_string(),
            Err(_) => "cut".into(),
        });
    }
    for _ in 0..12 {
        let r = emu.http.get(&download_url).send().await;
        out.push(match r {
            Ok(r) if r.status().is_success() => match r.bytes().await {
                Ok(b) => format!("{} bytes", b.len()),
                Err(_) => "cut".into(),
            },
            Ok(r) => r.status().as_u16().to_string(),
            Err(_) => "cut".into(),
        });
    }
    out
}

#[tokio::test]
async fn random_faults_on_fragments_and_downloads() {
    let a = random_outcomes(11).await;
    assert_eq!(a, random_outcomes(11).await);
    // Every request failed, with the documented mix.
    assert!(
        a.iter()
            .all(|o| ["429", "500", "503", "504", "cut"].contains(&o.as_str())),
        "{a:?}"
    );
    assert!(a.iter().any(|o| o == "cut"), "{a:?}");
    assert!(a.iter().any(|o| o != "cut"), "{a:?}");
}
