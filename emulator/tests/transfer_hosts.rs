//! `--transfer-url`: download, upload-session and copy-monitor URLs on a second host name
//! of the same listener (the service serves them on other hosts than Graph), while Graph's
//! own links stay on the public URL.

mod transfer_support;

use reqwest::{Method, StatusCode};
use serde_json::json;
use transfer_support::{pattern, start};

const TRANSFERS: &str = "http://transfers.invalid:9";

#[tokio::test]
async fn transfer_urls_use_the_transfer_host() {
    let emu = start(onedrive_emulator::Config {
        transfer_url: Some(format!("{TRANSFERS}/")),
        ..Default::default()
    })
    .await;
    // The same listener serves the transfer routes whatever host name was used.
    let local = |u: &str| u.replacen(TRANSFERS, &emu.running.url, 1);

    let data = pattern(10_000, 7);
    let item = emu.put("t.bin", data.clone()).await;
    let id = item["id"].as_str().expect("id");
    let dl = emu.download_url(id).await;
    assert!(dl.starts_with(&format!("{TRANSFERS}/")), "{dl}");
    assert_eq!(
        item["@microsoft.graph.downloadUrl"]
            .as_str()
            .map(|u| u.starts_with(TRANSFERS)),
        Some(true)
    );
    let r = emu.http.get(local(&dl)).send().await.expect("download");
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.bytes().await.expect("body").to_vec(), data);

    let (st, session) = emu.create_session("s.bin", json!({})).await;
    assert_eq!(st, StatusCode::OK, "{session}");
    let up = session["uploadUrl"].as_str().expect("uploadUrl");
    assert!(up.starts_with(&format!("{TRANSFERS}/")), "{up}");
    let r = emu.http.get(local(up)).send().await.expect("status");
    assert_eq!(r.status(), StatusCode::OK);

    let r = emu
        .graph(Method::POST, &format!("/me/drive/items/{id}/copy"))
        .json(&json!({"name": "copy.bin"}))
        .send()
        .await
        .expect("copy");
    assert_eq!(r.status(), StatusCode::ACCEPTED);
    let monitor = r.headers()["location"]
        .to_str()
        .expect("location")
        .to_owned();
    assert!(monitor.starts_with(&format!("{TRANSFERS}/")), "{monitor}");
    let r = emu.http.get(local(&monitor)).send().await.expect("monitor");
    assert!(r.status().is_success(), "{}", r.status());

    // Graph's own paging links stay on the public URL.
    for i in 0..3 {
        emu.put(&format!("p/{i}.txt"), b"x".to_vec()).await;
    }
    let r = emu
        .graph(Method::GET, "/me/drive/root:/p:/children?$top=1")
        .send()
        .await
        .expect("children");
    let page: serde_json::Value = r.json().await.expect("json");
    let next = page["@odata.nextLink"].as_str().expect("nextLink");
    assert!(
        next.starts_with(&format!("{}/v1.0/", emu.running.url)),
        "{next}"
    );
}
