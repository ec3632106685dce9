//! Shared helpers of the Graph integration tests: plain HTTP (reqwest) against an
//! in-process emulator on 127.0.0.1:0, never through the client crate.
#![allow(dead_code)]

use std::time::Duration;

use onedrive_emulator::store::{Blob, Conflict, FsInfo, Item};
use onedrive_emulator::{Config, Running};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

pub struct Emu {
    pub running: Running,
    pub http: reqwest::Client,
    pub token: String,
}

/// Percent-encodes one path segment the way Graph expects (RFC 3986 pchar kept raw).
pub fn seg(s: &str) -> String {
    use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
    const KEEP: &AsciiSet = &NON_ALPHANUMERIC
        .remove(b'-')
        .remove(b'.')
        .remove(b'_')
        .remove(b'~')
        .remove(b'!')
        .remove(b'$')
        .remove(b'&')
        .remove(b'\'')
        .remove(b'(')
        .remove(b')')
        .remove(b'*')
        .remove(b'+')
        .remove(b',')
        .remove(b';')
        .remove(b'=')
        .remove(b'@');
    utf8_percent_encode(s, KEEP).to_string()
}

/// `a/b c/d` → `a/b%20c/d` (each segment on its own).
pub fn path(p: &str) -> String {
    p.split('/').map(seg).collect::<Vec<_>>().join("/")
}

impl Emu {
    pub async fn start() -> Self {
        Self::start_with(|_| {}).await
    }

    pub async fn start_with(f: impl FnOnce(&mut Config)) -> Self {
        let mut config = Config {
            copy_delay: Duration::from_millis(20),
            ..Config::default()
        };
        f(&mut config);
        let running = onedrive_emulator::start(config)
            .await
            .expect("start emulator");
        // Raw answers: in a workspace build another crate may turn on reqwest's gzip
        // feature, which would decode bodies and drop `Content-Encoding`.
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .no_gzip()
            .build()
            .expect("client");
        let token = access_token(&running);
        Self {
            running,
            http,
            token,
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.running.url)
    }

    /// A request to `/v1.0{path}` with the bearer token.
    pub fn req(&self, method: Method, path: &str) -> reqwest::RequestBuilder {
        self.http
            .request(method, self.url(&format!("/v1.0{path}")))
            .bearer_auth(&self.token)
    }

    /// Sends and returns status, headers and the JSON body (`Null` when empty).
    pub async fn send(
        &self,
        rb: reqwest::RequestBuilder,
    ) -> (StatusCode, reqwest::header::HeaderMap, Value) {
        let resp = rb.send().await.expect("request");
        let status = resp.status();
        let headers = resp.headers().clone();
        let bytes = resp.bytes().await.expect("body");
        let body = if bytes.is_empty() {
            Value::Null
        } else {
            serde_json::from_slice(&bytes).unwrap_or_else(|e| {
                panic!("non-JSON body ({e}): {}", String::from_utf8_lossy(&bytes))
            })
        };
        (status, headers, body)
    }

    pub async fn get(&self, path: &str) -> (StatusCode, Value) {
        let (s, _, b) = self.send(self.req(Method::GET, path)).await;
        (s, b)
    }

    pub async fn get_url(&self, url: &str) -> (StatusCode, Value) {
        let (s, _, b) = self.send(self.http.get(url).bearer_auth(&self.token)).await;
        (s, b)
    }

    pub async fn post(&self, path: &str, body: Value) -> (StatusCode, Value) {
        let (s, _, b) = self.send(self.req(Method::POST, path).json(&body)).await;
        (s, b)
    }

    pub async fn patch(&self, path: &str, body: Value) -> (StatusCode, Value) {
        let (s, _, b) = self.send(self.req(Method::PATCH, path).json(&body)).await;
        (s, b)
    }

    pub async fn delete(&self, path: &str) -> StatusCode {
        self.send(self.req(Method::DELETE, path)).await.0
    }

    pub fn root_id(&self) -> String {
        self.running.state.store.root_id()
    }

    pub fn drive_id(&self) -> String {
        self.running.state.store.drive_id()
    }

    /// Creates a folder through the store (fast setup).
    pub fn mkdir(&self, parent: &str, name: &str) -> Item {
        self.running
            .state
            .store
            .create_folder(parent, name, Conflict::Fail)
            .expect("mkdir")
            .0
    }

    /// Stores a file through the store (uploads belong to the transfer tests).
    pub fn file(&self, parent: &str, name: &str, data: &[u8]) -> Item {
        self.running
            .state
            .store
            .put_file(
                parent,
                name,
                Blob::from_bytes(data.to_vec()),
                Conflict::Fail,
                FsInfo::default(),
            )
            .expect("put file")
            .0
    }
}

/// A valid bearer token for the emulated user, minted by the identity module (the
/// browser flow itself is covered by the identity tests).
pub fn access_token(running: &Running) -> String {
    running
        .state
        .identity
        .mint_access_token(Duration::from_secs(3600))
}

/// Asserts Graph's error shape and returns `error.code`.
pub fn error_code(body: &Value) -> String {
    let err = &body["error"];
    assert!(err["message"].is_string(), "error message in {body}");
    assert!(
        err["innerError"]["request-id"].is_string(),
        "innerError.request-id in {body}"
    );
    err["code"].as_str().unwrap_or_default().to_owned()
}

pub fn inner_code(body: &Value) -> Option<String> {
    body["error"]["innerError"]["code"]
        .as_str()
        .map(str::to_owned)
}

impl Emu {
    /// `POST /_emulator/{path}` with a JSON body: status and JSON answer.
    pub async fn admin_post(&self, path: &str, body: Value) -> (StatusCode, Value) {
        self.admin_send(
            self.http
                .post(self.url(&format!("/_emulator/{path}")))
                .json(&body),
        )
        .await
    }

    /// `PUT /_emulator/{path}` with raw bytes: status and JSON answer.
    pub async fn admin_put(&self, path: &str, body: Vec<u8>) -> (StatusCode, Value) {
        self.admin_send(
            self.http
                .put(self.url(&format!("/_emulator/{path}")))
                .body(body),
        )
        .await
    }

    /// Sends an admin request: status and JSON answer (`Null` when there is none).
    async fn admin_send(&self, rb: reqwest::RequestBuilder) -> (StatusCode, Value) {
        let resp = rb.send().await.expect("admin request");
        let status = resp.status();
        let v = resp.json().await.unwrap_or(Value::Null);
        (status, v)
    }

    /// `POST /_emulator/drives` for another user's Personal drive owned by `owner`
    /// (asserts 201): its id and the drive JSON.
    pub async fn personal_drive(&self, owner: &str) -> (String, Value) {
        let (s, d) = self
            .admin_post("drives", json!({"kind": "personal", "owner": owner}))
            .await;
        assert_eq!(s, StatusCode::CREATED, "{d}");
        let id = d["id"].as_str().expect("drive id").to_owned();
        (id, d)
    }

    /// `POST /_emulator/share` of `path` in drive `drive` with `role` (asserts 200):
    /// the shared item JSON.
    pub async fn share(&self, drive: &str, path: &str, role: &str) -> Value {
        let (s, v) = self
            .admin_post(
                "share",
                json!({"driveId": drive, "path": path, "role": role}),
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{v}");
        v
    }

    /// Puts `data` at `path` of drive `drive` through the admin route (no grants
    /// needed); the item JSON.
    pub async fn seed_file(&self, drive: &str, path: &str, data: &[u8]) -> Value {
        let (s, v) = self
            .admin_put(
                &format!("drives/{}/content?path={}", seg(drive), seg(path)),
                data.to_vec(),
            )
            .await;
        assert!(s.is_success(), "seed {path}: {s} {v}");
        v
    }

    /// Makes the folder `path` (and its ancestors) in drive `drive`; the item JSON.
    pub async fn seed_folder(&self, drive: &str, path: &str) -> Value {
        let (s, v) = self
            .admin_put(
                &format!(
                    "drives/{}/content?path={}&folder=true",
                    seg(drive),
                    seg(path)
                ),
                Vec::new(),
            )
            .await;
        assert!(s.is_success(), "seed folder {path}: {s} {v}");
        v
    }

    /// Follows a `/content` redirect (without the token) and returns the bytes.
    pub async fn download(&self, path: &str) -> Vec<u8> {
        let resp = self.req(Method::GET, path).send().await.expect("content");
        assert_eq!(resp.status(), StatusCode::FOUND, "{path}");
        let loc = resp
            .headers()
            .get("location")
            .and_then(|v| v.to_str().ok())
            .expect("Location")
            .to_owned();
        let got = self.http.get(&loc).send().await.expect("download");
        assert_eq!(got.status(), StatusCode::OK);
        got.bytes().await.expect("bytes").to_vec()
    }
}
