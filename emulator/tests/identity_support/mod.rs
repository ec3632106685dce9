//! Shared helpers of the identity integration tests: plain HTTP against an
//! in-process emulator, never through the client crate.
#![allow(dead_code)]

use std::collections::HashMap;

use onedrive_emulator::{Config, Running};
use reqwest::StatusCode;
use serde_json::Value;

pub const CLIENT: &str = "6731de76-14a6-49ae-97bc-6eba6914391e";
pub const REDIRECT: &str = "http://localhost:53682/";
/// RFC 7636 Appendix B.
pub const VERIFIER: &str = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
pub const CHALLENGE: &str = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";
pub const SCOPE: &str = "Files.ReadWrite User.Read offline_access";

pub struct Emu {
    pub running: Running,
    pub http: reqwest::Client,
}

impl Emu {
    pub async fn start(config: Config) -> Self {
        let running = onedrive_emulator::start(config)
            .await
            .expect("start emulator");
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("client");
        Self { running, http }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.running.url)
    }

    /// GET authorize with the given query parameters.
    pub async fn authorize(&self, tenant: &str, params: &[(&str, &str)]) -> reqwest::Response {
        self.http
            .get(self.url(&format!("/{tenant}/oauth2/v2.0/authorize")))
            .query(params)
            .send()
            .await
            .expect("authorize request")
    }

    /// POST a form to the token endpoint; status and JSON body.
    pub async fn token(&self, tenant: &str, form: &[(&str, &str)]) -> (StatusCode, Value) {
        self.post_form(&format!("/{tenant}/oauth2/v2.0/token"), form, None)
            .await
    }

    pub async fn post_form(
        &self,
        path: &str,
        form: &[(&str, &str)],
        basic: Option<(&str, &str)>,
    ) -> (StatusCode, Value) {
        let mut req = self.http.post(self.url(path)).form(form);
        if let Some((user, pass)) = basic {
            req = req.basic_auth(user, Some(pass));
        }
        let resp = req.send().await.expect("token request");
        let status = resp.status();
        let body: Value = resp.json().await.expect("JSON body");
        (status, body)
    }

    /// Runs authorize with S256 PKCE and the given scope; returns the code.
    pub async fn code(&self, tenant: &str, scope: &str) -> String {
        let resp = self
            .authorize(
                tenant,
                &[
                    ("client_id", CLIENT),
                    ("response_type", "code"),
                    ("redirect_uri", REDIRECT),
                    ("scope", scope),
                    ("code_challenge", CHALLENGE),
                    ("code_challenge_method", "S256"),
                ],
            )
            .await;
        assert_eq!(resp.status(), StatusCode::FOUND);
        let q = location_query(&resp);
        q.get("code").cloned().expect("code in redirect")
    }

    /// Full auth-code flow; the token response body.
    pub async fn login(&self, tenant: &str, scope: &str) -> Value {
        let code = self.code(tenant, scope).await;
        let (status, body) = self
            .token(
                tenant,
                &[
                    ("client_id", CLIENT),
                    ("grant_type", "authorization_code"),
                    ("code", &code),
                    ("redirect_uri", REDIRECT),
                    ("code_verifier", VERIFIER),
                ],
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        body
    }
}

/// The `Location` header of a redirect.
pub fn location(resp: &reqwest::Response) -> url::Url {
    let loc = resp
        .headers()
        .get("location")
        .expect("Location header")
        .to_str()
        .expect("ASCII Location");
    url::Url::parse(loc).expect("absolute Location")
}

/// The query parameters of a redirect's `Location`.
pub fn location_query(resp: &reqwest::Response) -> HashMap<String, String> {
    location(resp).query_pairs().into_owned().collect()
}

/// Asserts the identity platform's error body shape and returns (`error`, AADSTS code).
pub fn oauth_error(body: &Value) -> (String, u64) {
    let error = body["error"].as_str().expect("error").to_owned();
    let desc = body["error_description"]
        .as_str()
        .expect("error_description");
    let codes = body["error_codes"].as_array().expect("error_codes");
    assert_eq!(codes.len(), 1, "{body}");
    let code = codes[0].as_u64().expect("numeric error code");
    assert!(
        desc.starts_with(&format!("AADSTS{code}: ")),
        "description {desc:?} should start with AADSTS{code}"
    );
    assert!(desc.contains("\r\nTrace ID: "), "{desc:?}");
    let ts = body["timestamp"].as_str().expect("timestamp");
    assert!(ts.ends_with('Z') && ts.len() == 20, "{ts}");
    for k in ["trace_id", "correlation_id"] {
        let v = body[k].as_str().expect(k);
        assert_eq!(v.len(), 36, "{k} should be a GUID: {v}");
    }
    (error, code)
}
