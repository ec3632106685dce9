//! Audit (issue 2, "QuickXorHash of stored content matches the test vectors"): content
//! uploaded through the emulator (simple upload and an upload session) is reported with
//! the `quickXorHash` values of `shared/graph-api-notes.md` §9.2, written out here
//! rather than computed, so that a wrong hash in the store cannot go unnoticed.

use std::time::Duration;

use base64::Engine;
use reqwest::StatusCode;
use serde_json::Value;

struct Emu {
    running: onedrive_emulator::Running,
    http: reqwest::Client,
    token: String,
}

async fn start() -> Emu {
    let running = onedrive_emulator::start(onedrive_emulator::Config {
        listen: "127.0.0.1:0".parse().expect("addr"),
        ..onedrive_emulator::Config::default()
    })
    .await
    .expect("start emulator");
    let token = running
        .state
        .identity
        .mint_access_token(Duration::from_secs(3600));
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client");
    Emu {
        running,
        http,
        token,
    }
}

impl Emu {
    async fn put(&self, name: &str, data: Vec<u8>) -> Value {
        let r = self
            .http
            .put(format!(
                "{}/v1.0/me/drive/root:/{name}:/content",
                self.running.url
            ))
            .bearer_auth(&self.token)
            .body(data)
            .send()
            .await
            .expect("put");
        assert_eq!(r.status(), StatusCode::CREATED, "{name}");
        r.json().await.expect("json")
    }

    async fn get(&self, id: &str) -> Value {
        let r = self
            .http
            .get(format!("{}/v1.0/me/drive/items/{id}", self.running.url))
            .bearer_auth(&self.token)
            .send()
            .await
            .expect("get");
        assert_eq!(r.status(), StatusCode::OK);
        r.json().await.expect("json")
    }

    /// Uploads `data` through a session in 320 KiB fragments (the last one shorter).
    async fn session_upload(&self, name: &str, data: &[u8]) -> Value {
        let r = self
            .http
            .post(format!(
                "{}/v1.0/me/drive/root:/{name}:/createUploadSession",
                self.running.url
            ))
            .bearer_auth(&self.token)
            .json(&serde_json::json!({}))
            .send()
            .await
            .expect("create");
        assert_eq!(r.status(), StatusCode::OK);
        let v: Value = r.json().await.expect("json");
        let url = v["uploadUrl"].as_str().expect("uploadUrl").to_owned();
        let frag = 320 * 1024;
        let total = data.len();
        let mut last = Value::Null;
        for (i, chunk) in data.chunks(frag).enumerate() {
            let start = i * frag;
            let end = start + chunk.len() - 1;
            let r = self
                .http
                .put(&url)
                .header("Content-Range", format!("bytes {start}-{end}/{total}"))
                .body(chunk.to_vec())
                .send()
                .await
                .expect("fragment");
            let expect = if end + 1 == total {
                StatusCode::CREATED
            } else {
                StatusCode::ACCEPTED
            };
            assert_eq!(r.status(), expect, "{name} fragment {i}");
            last = r.json().await.expect("json");
        }
        last
    }
}

fn b64(s: &str) -> Vec<u8> {
    base64::engine::general_purpose::STANDARD
        .decode(s)
        .expect("vector input")
}

/// §9.2 vectors: (file name, content, expected base64 QuickXorHash).
fn vectors() -> Vec<(&'static str, Vec<u8>, &'static str)> {
    let mib: Vec<u8> = (0..4096).flat_map(|_| 0u8..=255).collect();
    vec![
        ("empty", Vec::new(), "AAAAAAAAAAAAAAAAAAAAAAAAAAA="),
        ("rc1", b64("Sg=="), "SgAAAAAAAAAAAAAAAQAAAAAAAAA="),
        ("rc2", b64("tbQ="), "taAFAAAAAAAAAAAAAgAAAAAAAAA="),
        ("rc3", b64("0pZP"), "0rDEEwAAAAAAAAAAAwAAAAAAAAA="),
        (
            "rc16",
            b64("2fuxhBJXtpWFe8dOfdGeHw=="),
            "O9tHLAghgSvYohKFyMMxnNCHaHg=",
        ),
        (
            "rc20",
            b64("T6LYJIfDh81JrAK309H2JMJTXis="),
            "zBTHrspn3mEcohlJdIUAbjGNaNg=",
        ),
        (
            "rc32",
            b64("NbYXsp5/K6mR+NmHwExjvWeWDJFnXTKWVlzYHoesp2E="),
            "wjuAuWDiq04qDt1R8hHWDDcwVoQ=",
        ),
        ("a", b"a".to_vec(), "YQAAAAAAAAAAAAAAAQAAAAAAAAA="),
        ("abc", b"abc".to_vec(), "YRDDGAAAAAAAAAAAAwAAAAAAAAA="),
        (
            "hello",
            b"hello world".to_vec(),
            "aCgDG9jwBhDc4Q1yawMZAAAAAAA=",
        ),
        (
            "contents",
            b"The contents of the file goes here.".to_vec(),
            "ReSWVXEBRVw+tb7EXyMlJRtIB58=",
        ),
        ("x1000", vec![b'x'; 1000], "RS960Yte9KIXvehFx3nR8573vOc="),
        ("mib", mib, "QkGEfSisZcA7k+FCh7x72dbCayY="),
    ]
}

#[tokio::test]
async fn simple_upload_reports_the_vector_hashes() {
    let emu = start().await;
    for (name, data, expected) in vectors() {
        let size = data.len();
        let item = emu.put(&format!("{name}.bin"), data).await;
        assert_eq!(item["size"], size, "{name}");
        assert_eq!(item["file"]["hashes"]["quickXorHash"], expected, "{name}");
        // The stored item (not just the upload's answer) carries it too.
        let again = emu.get(item["id"].as_str().expect("id")).await;
        assert_eq!(again["file"]["hashes"]["quickXorHash"], expected, "{name}");
    }
}

#[tokio::test]
async fn upload_session_reports_the_vector_hashes() {
    let emu = start().await;
    for (name, data, expected) in vectors().into_iter().filter(|(_, d, _)| !d.is_empty()) {
        let item = emu.session_upload(&format!("{name}.bin"), &data).await;
        assert_eq!(item["size"], data.len(), "{name}");
        assert_eq!(item["file"]["hashes"]["quickXorHash"], expected, "{name}");
    }
}
