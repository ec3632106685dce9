//! Error bodies in the service's shapes.
//!
//! Graph: `{"error":{"code","message","innerError":{"code"?,"date","request-id","client-request-id"}}}`
//! with the same `request-id` as the response header (Graph concepts/errors.md).
//! Identity platform: `{"error","error_description","error_codes",...}` (RFC 6749 §5.2 plus
//! Microsoft's fields; see [`OAuthError`]).

use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::json;

tokio::task_local! {
    /// The id of the request being served; set by the request-id middleware so that
    /// error bodies can repeat it (`innerError.request-id`).
    pub static REQUEST_ID: String;
}

tokio::task_local! {
    /// The `client-request-id` the client sent, if any: Graph echoes it in the response
    /// header and in `innerError.client-request-id` (otherwise both carry the request id).
    pub static CLIENT_REQUEST_ID: Option<String>;
}

/// The current request's id, or an empty string outside a request.
pub fn current_request_id() -> String {
    REQUEST_ID.try_with(|id| id.clone()).unwrap_or_default()
}

/// The client's `client-request-id`, else the request id.
pub fn current_client_request_id() -> String {
    CLIENT_REQUEST_ID
        .try_with(|id| id.clone())
        .ok()
        .flatten()
        .unwrap_or_else(current_request_id)
}

/// Service time as Graph prints it in `innerError.date` (no fractional seconds, no zone).
fn error_date() -> String {
    jiff::Timestamp::now()
        .strftime("%Y-%m-%dT%H:%M:%S")
        .to_string()
}

/// A Graph error response.
#[derive(Debug, Clone)]
pub struct GraphError {
    pub status: StatusCode,
    pub code: String,
    pub message: String,
    /// A more specific code (`innerError.code`), e.g. `fragmentOverlap`.
    pub inner_code: Option<String>,
    /// Extra response headers (`Retry-After`, `WWW-Authenticate`, ...).
    pub headers: HeaderMap,
    /// Extra top-level members of `error` (e.g. upload-session `nextExpectedRanges`).
    pub extra: Option<serde_json::Map<String, serde_json::Value>>,
}

pub type GraphResult<T> = Result<T, GraphError>;

impl GraphError {
    pub fn new(status: StatusCode, code: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            status,
            code: code.into(),
            message: message.into(),
            inner_code: None,
            headers: HeaderMap::new(),
            extra: None,
        }
    }

    pub fn inner(mut self, code: impl Into<String>) -> Self {
        self.inner_code = Some(code.into());
        self
    }

    pub fn header(mut self, name: header::HeaderName, value: &str) -> Self {
        if let Ok(v) = HeaderValue::from_str(value) {
            self.headers.insert(name, v);
        }
        self
    }

    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, "itemNotFound", message)
    }

    pub fn invalid_request(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "invalidRequest", message)
    }

    pub fn name_already_exists(message: impl Into<String>) -> Self {
        Self::new(StatusCode::CONFLICT, "nameAlreadyExists", message)
    }

    pub fn body(&self) -> serde_json::Value {
        let mut inner = serde_json::Map::new();
        if let Some(code) = &self.inner_code {
            inner.insert("code".into(), json!(code));
        }
        inner.insert("date".into(), json!(error_date()));
        let rid = current_request_id();
        inner.insert("request-id".into(), json!(rid));
        inner.insert(
            "client-request-id".into(),
            json!(current_client_request_id()),
        );
        let mut err = serde_json::Map::new();
        err.insert("code".into(), json!(self.code));
        err.insert("message".into(), json!(self.message));
        if let Some(extra) = &self.extra {
            for (k, v) in extra {
                err.insert(k.clone(), v.clone());
            }
        }
        err.insert("innerError".into(), serde_json::Value::Object(inner));
        json!({ "error": err })
    }
}

impl IntoResponse for GraphError {
    fn into_response(self) -> Response {
        let body = self.body();
        let mut resp = (self.status, axum::Json(body)).into_response();
        resp.headers_mut().extend(self.headers);
        resp
    }
}

/// An identity-platform error (token and devicecode endpoints answer it as JSON;
/// authorize answers it as a redirect with `error` and `error_description`, or as a
/// 400 page when the client or redirect URI cannot be trusted).
///
/// Shape per Entra's "Handling error codes" page: `error`, `error_description`
/// (`AADSTSnnnn: text` then trace id, correlation id and timestamp lines),
/// `error_codes`, `timestamp`, `trace_id`, `correlation_id`, `error_uri`.
#[derive(Debug, Clone)]
pub struct OAuthError {
    pub status: StatusCode,
    /// RFC 6749 code: `invalid_request`, `invalid_grant`, `invalid_client`, ...
    pub error: String,
    /// AADSTS number, e.g. 70008.
    pub aadsts: u32,
    pub description: String,
}

impl OAuthError {
    /// `invalid_client` answers 401 (RFC 6749 §5.2; the service does the same),
    /// everything else 400.
    pub fn new(error: &str, aadsts: u32, description: impl Into<String>) -> Self {
        let status = if error == "invalid_client" {
            StatusCode::UNAUTHORIZED
        } else {
            StatusCode::BAD_REQUEST
        };
        Self {
            status,
            error: error.into(),
            aadsts,
            description: description.into(),
        }
    }

    pub fn with_status(mut self, status: StatusCode) -> Self {
        self.status = status;
        self
    }

    /// AADSTS900144: a required parameter is absent (or empty).
    pub fn missing_parameter(name: &str) -> Self {
        Self::new(
            "invalid_request",
            900144,
            format!("The request body must contain the following parameter: '{name}'."),
        )
    }

    /// The `error_description` text: `AADSTSnnnn: ...` plus the diagnostic lines.
    pub fn full_description(&self, trace: &str, timestamp: &str) -> String {
        format!(
            "AADSTS{}: {}\r\nTrace ID: {trace}\r\nCorrelation ID: {trace}\r\nTimestamp: {timestamp}",
            self.aadsts, self.description
        )
    }

    pub fn body(&self) -> serde_json::Value {
        let trace = current_request_id();
        let timestamp = oauth_timestamp();
        json!({
            "error": self.error,
            "error_description": self.full_description(&trace, &timestamp),
            "error_codes": [self.aadsts],
            "timestamp": timestamp,
            "trace_id": trace,
            "correlation_id": trace,
            "error_uri": format!("https://login.microsoftonline.com/error?code={}", self.aadsts),
        })
    }
}

/// The identity platform's timestamp format (`2016-01-09 02:02:12Z`).
pub fn oauth_timestamp() -> String {
    jiff::Timestamp::now()
        .strftime("%Y-%m-%d %H:%M:%SZ")
        .to_string()
}

impl IntoResponse for OAuthError {
    fn into_response(self) -> Response {
        let mut resp = (self.status, axum::Json(self.body())).into_response();
        // RFC 6749 §5.1/§5.2: token responses must not be cached.
        resp.headers_mut()
            .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        resp.headers_mut()
            .insert(header::PRAGMA, HeaderValue::from_static("no-cache"));
        resp
    }
}
