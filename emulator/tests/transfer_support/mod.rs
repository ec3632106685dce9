//! Helpers shared by the transfer, faults and admin tests: an in-process emulator on an
//! ephemeral port, a reqwest client that never follows redirects, a bearer token, and a
//! raw-socket request for malformed input reqwest refuses to send.
#![allow(dead_code)]

use std::time::Duration;

use onedrive_emulator::{Config, Running};
use reqwest::{Client, Response, StatusCode};
use serde_json::Value;
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};

pub const KIB320: usize = 320 * 1024;

pub struct Emu {
    pub running: Running,
    pub http: Client,
    pub token: String,
}

pub async fn start(config: Config) -> Emu {
    let running = onedrive_emulator::start(Config {
        listen: "127.0.0.1:0".parse().expect("addr"),
        ..config
    })
    .await
    .expect("emulator starts");
    let token = running
        .state
        .identity
        .mint_access_token(Duration::from_secs(3600));
    let http = Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client");
    Emu {
        running,
        http,
        token,
    }
}

pub async fn start_default() -> Emu {
    start(Config::default()).await
}

/// Deterministic test content.
pub fn pattern(n: usize, seed: u8) -> Vec<u8> {
    (0..n)
        .map(|i| ((i as u64 * 31 + seed as u64 * 7 + (i as u64 >> 8)) % 251) as u8)
        .collect()
}

impl Emu {
    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.running.url, path)
    }

    pub fn graph(&self, method: reqwest::Method, path: &str) -> reqwest::RequestBuilder {
        self.http
            .request(method, self.url(&format!("/v1.0{path}")))
            .bearer_auth(&self.token)
    }

    /// Simple upload of `data` to `/me/drive/root:/{path}:/content`.
    pub async fn put(&self, path: &str, data: Vec<u8>) -> Value {
        let r = self
            .graph(
                reqwest::Method::PUT,
                &format!("/me/drive/root:/{path}:/content"),
            )
            .body(data)
            .send()
            .await
            .expect("PUT");
        assert!(
            r.status() == StatusCode::CREATED || r.status() == StatusCode::OK,
            "upload of {path}: {}",
            r.status()
        );
        r.json().await.expect("item json")
    }

    pub async fn get_item(&self, path: &str) -> Response {
        self.graph(reqwest::Method::GET, &format!("/me/drive/root:/{path}"))
            .send()
            .await
            .expect("GET item")
    }

    /// The download URL of a file (the `Location` of `/content`).
    pub async fn download_url(&self, id: &str) -> String {
        let r = self
            .graph(
                reqwest::Method::GET,
                &format!("/me/drive/items/{id}/content"),
            )
            .send()
            .await
            .expect("GET content");
        assert_eq!(r.status(), StatusCode::FOUND);
        r.headers()
            .get("location")
            .and_then(|v| v.to_str().ok())
            .expect("Location")
            .to_owned()
    }

    /// Downloads a file's bytes through the redirect, without Authorization.
    pub async fn download(&self, id: &str) -> Vec<u8> {
        let url = self.download_url(id).await;
        let r = self.http.get(url).send().await.expect("download");
        assert_eq!(r.status(), StatusCode::OK);
        r.bytes().await.expect("body").to_vec()
    }

    /// `POST …/createUploadSession` for `/root:/{path}:`; returns (status, json).
    pub async fn create_session(&self, path: &str, body: Value) -> (StatusCode, Value) {
        let r = self
            .graph(
                reqwest::Method::POST,
                &format!("/me/drive/root:/{path}:/createUploadSession"),
            )
            .json(&body)
            .send()
            .await
            .expect("createUploadSession");
        let st = r.status();
        (st, r.json().await.unwrap_or(Value::Null))
    }

    /// One fragment PUT of `data` at `first` of a `total`-byte upload.
    pub async fn fragment(
        &self,
        upload_url: &str,
        first: usize,
        data: &[u8],
        total: usize,
    ) -> Response {
        self.fragment_send(upload_url, first, data, total)
            .await
            .expect("fragment PUT")
    }

    /// The same fragment PUT, its outcome as it is (for connections a fault breaks).
    pub async fn fragment_send(
        &self,
        upload_url: &str,
        first: usize,
        data: &[u8],
        total: usize,
    ) -> reqwest::Result<Response> {
        self.http
            .put(upload_url)
            .header(
                "content-range",
                format!("bytes {first}-{}/{total}", first + data.len() - 1),
            )
            .body(data.to_vec())
            .send()
            .await
    }

    pub async fn admin(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<Value>,
    ) -> Response {
        let mut rb = self
            .http
            .request(method, self.url(&format!("/_emulator/{path}")));
        if let Some(b) = body {
            rb = rb.json(&b);
        }
        rb.send().await.expect("admin request")
    }

    /// Sends `head` (request line and headers, without the blank line) and `body` on a
    /// fresh connection; returns the status code and the raw response text.
    pub async fn raw(&self, head: &str, body: &[u8]) -> (u16, String) {
        let mut s = tokio::net::TcpStream::connect(self.running.addr)
            .await
            .expect("connect");
        let req = format!(
            "{head}\r\nHost: {}\r\nConnection: close\r\n\r\n",
            self.running.addr
        );
        s.write_all(req.as_bytes()).await.expect("write head");
        // The server may answer (and close) before reading a body it refuses.
        let _ = s.write_all(body).await;
        let mut out = Vec::new();
        let _ = s.read_to_end(&mut out).await;
        let text = String::from_utf8_lossy(&out).into_owned();
        let code = text
            .split_whitespace()
            .nth(1)
            .and_then(|c| c.parse().ok())
            .unwrap_or(0);
        (code, text)
    }
}

/// `error.code` and the innermost `innerError.code` of a Graph error body.
/// The JSON body of `r` (asserts there is one).
pub async fn json_of(r: Response) -> Value {
    r.json().await.expect("json body")
}

pub fn codes(v: &Value) -> (String, String) {
    let code = v["error"]["code"].as_str().unwrap_or_default().to_owned();
    let inner = v["error"]["innerError"]["code"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    (code, inner)
}
