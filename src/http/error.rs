//! Typed errors, and the decoding of the two error bodies the client meets:
//! Graph's `{"error":{"code","message","innerError":{…}}}` and the identity platform's
//! OAuth `{"error":"…","error_description":"…","error_codes":[…]}`.

use std::fmt;
use std::time::Duration;

use reqwest::StatusCode;
use reqwest::header::HeaderMap;
use serde_json::Value;

use super::client::TransportError;

/// Every failure of the network layers (HTTP, OAuth, Graph).
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The service answered with an error status (Graph error body decoded when present).
    #[error("{0}")]
    Api(Box<ApiError>),
    /// The identity platform refused a token request (RFC 6749 §5.2 error body).
    #[error("{0}")]
    OAuth(Box<OAuthError>),
    /// No usable credentials: `auth` must be run (again).
    #[error("authentication needed: {0}")]
    AuthRequired(String),
    /// The authorization response (the URL the browser landed on) is unusable.
    #[error("authorization failed: {0}")]
    Authorization(String),
    /// Connecting, sending or receiving failed (no HTTP status).
    #[error("{method} {url}: {}", error_chain(source.as_ref()))]
    Transport {
        method: String,
        /// Already redacted.
        url: String,
        #[source]
        source: TransportError,
    },
    /// The service answered with something this client cannot understand.
    #[error("unexpected response to {method} {url}: {detail}")]
    Unexpected {
        method: String,
        /// Already redacted.
        url: String,
        detail: String,
    },
    /// A request could not be built from the caller's input (bad URL in config, …).
    #[error("{0}")]
    InvalidInput(String),
    /// Local I/O while streaming a body.
    #[error(transparent)]
    Io(#[from] std::io::Error),
    /// The state file could not be read or written.
    #[error(transparent)]
    Config(#[from] crate::config::ConfigError),
}

/// An error and its causes on one line (`error sending request: connection refused`):
/// reqwest's top-level message alone does not say what went wrong.
pub fn error_chain(e: &(dyn std::error::Error + 'static)) -> String {
    let mut parts = vec![e.to_string()];
    let mut cur = e.source();
    while let Some(c) = cur {
        let s = c.to_string();
        if !parts.iter().any(|p| p.contains(&s)) {
            parts.push(s);
        }
        cur = c.source();
    }
    parts.join(": ")
}

/// Coarse classes of failure, for exit codes and control flow.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ErrorKind {
    /// 404 / `itemNotFound`.
    NotFound,
    /// 409 / `nameAlreadyExists`.
    Conflict,
    /// 401, missing/expired credentials, `invalid_grant`.
    AuthRequired,
    /// 501 / `notSupported`.
    NotSupported,
    /// 412 / `resourceModified`.
    PreconditionFailed,
    /// 429 / 503 (retries exhausted).
    Throttled,
    /// A pre-authenticated URL (download, upload session, copy monitor) refused with
    /// 401/403: it expired or was revoked. Never a problem of the user's sign-in (Graph:
    /// those URLs carry their own credential; OneDrive/onedrive-api-docs#1570 shows
    /// expired upload URLs answering 401): get a fresh URL instead.
    UrlExpired,
    /// Anything else.
    Other,
}

impl Error {
    /// The class of this error.
    pub fn kind(&self) -> ErrorKind {
        match self {
            Error::Api(e) => e.kind(),
            Error::OAuth(e) if e.error == "invalid_grant" || e.error == "interaction_required" => {
                ErrorKind::AuthRequired
            }
            Error::AuthRequired(_) => ErrorKind::AuthRequired,
            // A sign-in that did not complete (a redirect URL used twice, a changed
            // `state`, a declined consent): still not signed in.
            Error::Authorization(_) => ErrorKind::AuthRequired,
            // No sign-in is possible until the state file names the app registration.
            Error::Config(crate::config::ConfigError::NoClientId { .. }) => ErrorKind::AuthRequired,
            _ => ErrorKind::Other,
        }
    }

    /// The Graph error, if the service answered with an error status.
    pub fn api(&self) -> Option<&ApiError> {
        match self {
            Error::Api(e) => Some(e),
            _ => None,
        }
    }

    /// A failure worth trying again later: no answer at all (connection refused, cut,
    /// timed out) or a transient status ([`super::retry::is_transient_status`]). Used
    /// to decide whether an upload session or a partial download is kept for a re-run.
    pub fn is_transient(&self) -> bool {
        match self {
            Error::Transport { .. } => true,
            Error::Api(a) => super::retry::is_transient_status(a.status),
            _ => false,
        }
    }

    /// The HTTP status of a service error.
    pub fn status(&self) -> Option<StatusCode> {
        match self {
            Error::Api(e) => Some(e.status),
            Error::OAuth(e) => Some(e.status),
            _ => None,
        }
    }
}

/// A Graph error response.
#[derive(Clone, Debug, PartialEq)]
pub struct ApiError {
    pub status: StatusCode,
    /// `error.code`, e.g. `itemNotFound`; for a body that is not Graph's shape, the
    /// HTTP reason phrase.
    pub code: String,
    /// `error.message` (for developers; not localised, may change).
    pub message: String,
    /// Codes of the nested `innerError`s, outermost first (most specific last).
    pub inner_codes: Vec<String>,
    /// `request-id` from the body's innerError, or from the response header.
    pub request_id: Option<String>,
    pub client_request_id: Option<String>,
    /// `Retry-After` of the response, when present.
    pub retry_after: Option<Duration>,
    /// Method and redacted URL of the failed request, for the error line.
    pub method: String,
    pub url: String,
    /// The request went to a pre-authenticated URL (no bearer token was sent), so a
    /// 401/403 is about that URL, not about the user's tokens.
    pub preauthenticated: bool,
}

impl ApiError {
    /// Whether `code` is this error's code or one of its inner codes (case-insensitive:
    /// Graph mixes `InvalidAuthenticationToken` and `itemNotFound` styles).
    pub fn has_code(&self, code: &str) -> bool {
        self.code.eq_ignore_ascii_case(code)
            || self
                .inner_codes
                .iter()
                .any(|c| c.eq_ignore_ascii_case(code))
    }

    /// The most specific code: the innermost one, else the top-level code.
    pub fn most_specific_code(&self) -> &str {
        self.inner_codes.last().unwrap_or(&self.code)
    }

    pub fn kind(&self) -> ErrorKind {
        match self.status.as_u16() {
            401 | 403 if self.preauthenticated => ErrorKind::UrlExpired,
            404 | 410 => ErrorKind::NotFound,
            409 => ErrorKind::Conflict,
            401 => ErrorKind::AuthRequired,
            412 => ErrorKind::PreconditionFailed,
            429 | 503 => ErrorKind::Throttled,
            501 => ErrorKind::NotSupported,
            _ if self.has_code("itemNotFound") => ErrorKind::NotFound,
            _ if self.has_code("nameAlreadyExists") => ErrorKind::Conflict,
            _ if self.has_code("notSupported") => ErrorKind::NotSupported,
            _ => ErrorKind::Other,
        }
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} {}: HTTP {}",
            self.method,
            self.url,
            self.status.as_u16()
        )?;
        if !self.code.is_empty() {
            write!(f, " {}", self.code)?;
        }
        let inner = self.most_specific_code();
        if inner != self.code {
            write!(f, " ({inner})")?;
        }
        if !self.message.is_empty() {
            write!(f, ": {}", self.message)?;
        }
        if let Some(id) = &self.request_id {
            write!(f, " [request-id {id}]")?;
        }
        Ok(())
    }
}

/// An OAuth error from the identity platform's token or devicecode endpoint.
#[derive(Clone, Debug, PartialEq)]
pub struct OAuthError {
    pub status: StatusCode,
    /// `error`, e.g. `invalid_grant`, `authorization_pending`.
    pub error: String,
    /// `error_description`, e.g. `AADSTS70008: …\r\nTrace ID: …`.
    pub description: String,
    /// `error_codes`, the AADSTS numbers.
    pub error_codes: Vec<i64>,
    pub trace_id: Option<String>,
    pub correlation_id: Option<String>,
}

impl fmt::Display for OAuthError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "identity platform: {}", self.error)?;
        // The description carries "\r\nTrace ID: …" lines; the first line is the message.
        let first = self.description.lines().next().unwrap_or("").trim();
        if !first.is_empty() {
            write!(f, ": {first}")?;
        }
        Ok(())
    }
}

/// Looks up `key` in a JSON object ignoring ASCII case (`innerError` vs `innererror`).
fn get_ci<'a>(obj: &'a serde_json::Map<String, Value>, key: &str) -> Option<&'a Value> {
    obj.get(key).or_else(|| {
        obj.iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(key))
            .map(|(_, v)| v)
    })
}

fn str_ci(obj: &serde_json::Map<String, Value>, key: &str) -> Option<String> {
    get_ci(obj, key).and_then(Value::as_str).map(str::to_owned)
}

/// Parses `Retry-After`: delay-seconds (decimals accepted: some services send them) or an
/// HTTP-date (RFC 9110 §10.2.3).
pub fn parse_retry_after(headers: &HeaderMap) -> Option<Duration> {
    let v = headers
        .get(reqwest::header::RETRY_AFTER)?
        .to_str()
        .ok()?
        .trim();
    if let Ok(secs) = v.parse::<f64>() {
        if secs.is_finite() && secs >= 0.0 {
            return Some(Duration::from_secs_f64(secs.min(86_400.0)));
        }
        return None;
    }
    let when = jiff::fmt::strtime::parse("%a, %d %b %Y %H:%M:%S GMT", v)
        .ok()?
        .to_datetime()
        .ok()?
        .to_zoned_datetime(jiff::tz::TimeZone::UTC)
        .ok()?
        .timestamp();
    let now = jiff::Timestamp::now();
    let d = now.duration_until(when);
    Some(Duration::try_from(d).unwrap_or(Duration::ZERO))
}

/// Decodes an error response body into [`Error::Api`] or [`Error::OAuth`].
///
/// Graph: `{"error":{"code","message","innerError":{"code","request-id",…,"innerError":…}}}`;
/// the inner chain is walked to collect the more specific codes. Identity platform:
/// `{"error":"invalid_grant","error_description":…}`. Any other body (HTML from a proxy,
/// empty) still gives an `Api` error carrying the status.
pub fn decode_error(
    status: StatusCode,
    headers: &HeaderMap,
    body: &[u8],
    method: &str,
    url: &str,
) -> Error {
    let header_request_id = headers
        .get("request-id")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let header_client_request_id = headers
        .get("client-request-id")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let retry_after = parse_retry_after(headers);
    let mut api = ApiError {
        status,
        code: String::new(),
        message: String::new(),
        inner_codes: Vec::new(),
        request_id: header_request_id,
        client_request_id: header_client_request_id,
        retry_after,
        method: method.to_owned(),
        url: url.to_owned(),
        preauthenticated: false,
    };
    let parsed: Option<serde_json::Map<String, Value>> = serde_json::from_slice::<Value>(body)
        .ok()
        .and_then(|v| match v {
            Value::Object(m) => Some(m),
            _ => None,
        });
    match parsed
        .as_ref()
        .and_then(|m| get_ci(m, "error").map(|e| (m, e)))
    {
        Some((top, Value::String(error))) => {
            // The identity platform's OAuth error shape.
            return Error::OAuth(Box::new(OAuthError {
                status,
                error: error.clone(),
                description: str_ci(top, "error_description").unwrap_or_default(),
                error_codes: get_ci(top, "error_codes")
                    .and_then(Value::as_array)
                    .map(|a| a.iter().filter_map(Value::as_i64).collect())
                    .unwrap_or_default(),
                trace_id: str_ci(top, "trace_id"),
                correlation_id: str_ci(top, "correlation_id"),
            }));
        }
        Some((_, Value::Object(err))) => {
            api.code = str_ci(err, "code").unwrap_or_default();
            api.message = str_ci(err, "message").unwrap_or_default();
            let mut inner = get_ci(err, "innerError").and_then(Value::as_object);
            // Bounded walk: a hostile body cannot make us loop long.
            let mut depth = 0;
            while let Some(obj) = inner {
                if let Some(code) = str_ci(obj, "code") {
                    api.inner_codes.push(code);
                }
                if let Some(id) = str_ci(obj, "request-id") {
                    api.request_id = Some(id);
                }
                if let Some(id) = str_ci(obj, "client-request-id") {
                    api.client_request_id = Some(id);
                }
                depth += 1;
                if depth >= 16 {
                    break;
                }
                inner = get_ci(obj, "innerError").and_then(Value::as_object);
            }
        }
        _ => {
            api.code = status.canonical_reason().unwrap_or("error").to_owned();
            let text = String::from_utf8_lossy(body);
            let text: String = text
                .chars()
                .map(|c| if c.is_control() { ' ' } else { c })
                .take(200)
                .collect();
            api.message = text.trim().to_owned();
        }
    }
    Error::Api(Box::new(api))
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::HeaderValue;

    fn decode(status: u16, body: &str) -> Error {
        decode_error(
            StatusCode::from_u16(status).unwrap(),
            &HeaderMap::new(),
            body.as_bytes(),
            "GET",
            "https://graph/x",
        )
    }

    #[test]
    fn graph_error_with_camel_case_inner_error() {
        let e = decode(
            404,
            r#"{"error":{"code":"itemNotFound","message":"The resource could not be found.",
               "innerError":{"date":"2023-02-20T05:06:48","request-id":"rid-1","client-request-id":"cid-1"}}}"#,
        );
        let api = e.api().expect("api error");
        assert_eq!(api.code, "itemNotFound");
        assert_eq!(api.message, "The resource could not be found.");
        assert_eq!(api.request_id.as_deref(), Some("rid-1"));
        assert_eq!(api.client_request_id.as_deref(), Some("cid-1"));
        assert!(api.inner_codes.is_empty());
        assert_eq!(e.kind(), ErrorKind::NotFound);
        let line = e.to_string();
        assert!(
            line.contains("itemNotFound") && line.contains("rid-1"),
            "{line}"
        );
    }

    #[test]
    fn nested_lower_case_innererror_codes_are_walked() {
        let e = decode(
            416,
            r#"{"error":{"code":"invalidRange","message":"Uploaded fragment overlaps with existing data.",
               "innererror":{"code":"fragmentOverlap","innererror":{"code":"deeper"}}}}"#,
        );
        let api = e.api().unwrap();
        assert_eq!(api.inner_codes, vec!["fragmentOverlap", "deeper"]);
        assert_eq!(api.most_specific_code(), "deeper");
        assert!(api.has_code("FRAGMENTOVERLAP"));
        assert!(!api.has_code("nameAlreadyExists"));
    }

    #[test]
    fn oauth_error_shape() {
        let e = decode(
            400,
            r#"{"error":"invalid_grant","error_description":"AADSTS70008: The code has expired.\r\nTrace ID: t\r\nCorrelation ID: c","error_codes":[70008],"trace_id":"t"}"#,
        );
        match &e {
            Error::OAuth(o) => {
                assert_eq!(o.error, "invalid_grant");
                assert_eq!(o.error_codes, vec![70008]);
                assert_eq!(o.trace_id.as_deref(), Some("t"));
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(e.kind(), ErrorKind::AuthRequired);
        assert_eq!(
            e.to_string(),
            "identity platform: invalid_grant: AADSTS70008: The code has expired."
        );
    }

    #[test]
    fn non_json_body_keeps_status() {
        let e = decode(502, "<html>\nBad gateway</html>");
        let api = e.api().unwrap();
        assert_eq!(api.status.as_u16(), 502);
        assert_eq!(api.code, "Bad Gateway");
        assert!(!api.message.contains('\n'));
    }

    #[test]
    fn retry_after_seconds_decimal_and_date() {
        let mut h = HeaderMap::new();
        h.insert("retry-after", HeaderValue::from_static("2"));
        assert_eq!(parse_retry_after(&h), Some(Duration::from_secs(2)));
        h.insert("retry-after", HeaderValue::from_static("0.25"));
        assert_eq!(parse_retry_after(&h), Some(Duration::from_millis(250)));
        h.insert("retry-after", HeaderValue::from_static("-3"));
        assert_eq!(parse_retry_after(&h), None);
        h.insert(
            "retry-after",
            HeaderValue::from_static("Wed, 21 Oct 2015 07:28:00 GMT"),
        );
        // A date in the past means "now".
        assert_eq!(parse_retry_after(&h), Some(Duration::ZERO));
        h.insert("retry-after", HeaderValue::from_static("soon"));
        assert_eq!(parse_retry_after(&h), None);
    }
}
