//! Redaction of secrets in `--debug` traces and error messages.
//!
//! Secrets travel in four places: the `Authorization` header, URL query strings and
//! fragments (`code=` in the redirect URL the user pastes), form bodies of token requests
//! (`refresh_token=`, `client_secret=`, `code_verifier=`) and JSON bodies of token
//! responses. Pre-authenticated URLs (download URLs, upload sessions, copy monitors) are
//! secrets as a whole: anyone holding one can read or write the file, so only their
//! scheme and host are ever shown.

use serde_json::Value;
use url::Url;

/// Shown in place of a secret.
pub const REDACTED: &str = "REDACTED";

/// Query/form parameter names whose values are secrets (compared case-insensitively).
const SECRET_PARAMS: &[&str] = &[
    "access_token",
    "refresh_token",
    "id_token",
    "code",
    "code_verifier",
    "client_secret",
    "client_assertion",
    "device_code",
    "password",
    "assertion",
    "token",
    "tempauth",
    "sig",
    "signature",
];

/// JSON keys whose values are secrets.
const SECRET_JSON_KEYS: &[&str] = &[
    "access_token",
    "refresh_token",
    "id_token",
    "device_code",
    "client_secret",
    "password",
    "uploadUrl",
    "@microsoft.graph.downloadUrl",
    "@content.downloadUrl",
    "@microsoft.graph.sourceUrl",
];

fn is_secret_param(name: &str) -> bool {
    SECRET_PARAMS.iter().any(|p| p.eq_ignore_ascii_case(name))
}

fn redact_pairs(s: &str) -> String {
    s.split('&')
        .map(|pair| match pair.split_once('=') {
            Some((k, _)) => {
                let name = percent_encoding::percent_decode_str(k).decode_utf8_lossy();
                if is_secret_param(&name) {
                    format!("{k}={REDACTED}")
                } else {
                    pair.to_owned()
                }
            }
            None => pair.to_owned(),
        })
        .collect::<Vec<_>>()
        .join("&")
}

/// A URL with the values of secret query and fragment parameters replaced, and the
/// encoded sharing URL of a `/shares/u!…` path (a sharing link is a credential: anyone
/// holding an anonymous link reads the item).
pub fn url(u: &Url) -> String {
    let mut out = u.clone();
    if u.path().contains("/shares/u!") {
        let path: Vec<&str> = u.path().split('/').collect();
        let hidden: Vec<&str> = path
            .iter()
            .enumerate()
            .map(|(i, seg)| {
                if i > 0 && path[i - 1] == "shares" && seg.starts_with("u!") {
                    "u!REDACTED"
                } else {
                    seg
                }
            })
            .collect();
        out.set_path(&hidden.join("/"));
    }
    if let Some(q) = u.query() {
        out.set_query(Some(&redact_pairs(q)));
    }
    if let Some(f) = u.fragment() {
        out.set_fragment(Some(&redact_pairs(f)));
    }
    out.to_string()
}

/// Like [`url()`] for a string that may not parse; unparsable input is hidden entirely.
pub fn url_str(s: &str) -> String {
    match Url::parse(s) {
        Ok(u) => url(&u),
        Err(_) => REDACTED.to_owned(),
    }
}

/// A pre-authenticated URL: only scheme, host and port are shown.
pub fn preauthenticated_url(u: &Url) -> String {
    let host = u.host_str().unwrap_or("?");
    match u.port() {
        Some(p) => format!("{}://{host}:{p}/<pre-authenticated>", u.scheme()),
        None => format!("{}://{host}/<pre-authenticated>", u.scheme()),
    }
}

/// A form body (`application/x-www-form-urlencoded`) with secret values replaced.
pub fn form(body: &[u8]) -> String {
    redact_pairs(&String::from_utf8_lossy(body))
}

/// A header value as it may be printed.
pub fn header_value(name: &str, value: &[u8]) -> String {
    let n = name.to_ascii_lowercase();
    match n.as_str() {
        "authorization" | "proxy-authorization" | "cookie" | "set-cookie" => {
            // Keep the scheme ("Bearer") so traces still show that auth was sent.
            let v = String::from_utf8_lossy(value);
            match v.split_once(' ') {
                Some((scheme, _)) => format!("{scheme} {REDACTED}"),
                None => REDACTED.to_owned(),
            }
        }
        // Location of `/content` (302) and `/copy` (202) is a pre-authenticated URL.
        "location" | "content-location" => match Url::parse(&String::from_utf8_lossy(value)) {
            Ok(u) => preauthenticated_url(&u),
            Err(_) => REDACTED.to_owned(),
        },
        _ => String::from_utf8_lossy(value).into_owned(),
    }
}

fn redact_value(v: &mut Value) {
    match v {
        Value::Object(map) => {
            for (k, val) in map.iter_mut() {
                if SECRET_JSON_KEYS.iter().any(|s| s.eq_ignore_ascii_case(k)) {
                    *val = Value::String(REDACTED.to_owned());
                } else {
                    redact_value(val);
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(redact_value),
        _ => {}
    }
}

/// A JSON body with secret values replaced; non-JSON bodies are summarised by size.
pub fn json(body: &[u8]) -> String {
    match serde_json::from_slice::<Value>(body) {
        Ok(mut v) => {
            redact_value(&mut v);
            v.to_string()
        }
        Err(_) => format!("<{} bytes, not JSON>", body.len()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn url_query_and_fragment_secrets() {
        let u = Url::parse(
            "https://login.example/common/oauth2/nativeclient?code=M.SECRET&state=abc#access_token=AT&x=1",
        )
        .unwrap();
        let s = url(&u);
        assert!(!s.contains("M.SECRET") && !s.contains("AT&"), "{s}");
        assert!(s.contains("state=abc") && s.contains("x=1"), "{s}");
        assert!(s.contains("code=REDACTED"), "{s}");
    }

    #[test]
    fn sharing_tokens_in_paths() {
        let u = Url::parse(
            "https://graph.example/v1.0/shares/u!aHR0cHM6Ly8xZHJ2Lm1zL2Yvcw/driveItem?$select=id",
        )
        .unwrap();
        let s = url(&u);
        assert_eq!(
            s,
            "https://graph.example/v1.0/shares/u!REDACTED/driveItem?$select=id"
        );
        // A folder named like it elsewhere in a path is left alone.
        let u = Url::parse("https://graph.example/v1.0/me/drive/root:/u!x").unwrap();
        assert_eq!(url(&u), "https://graph.example/v1.0/me/drive/root:/u!x");
    }

    #[test]
    fn form_body_secrets() {
        let s =
            form(b"client_id=abc&grant_type=refresh_token&refresh_token=RT.1%2B2&client_secret=S3");
        assert_eq!(
            s,
            "client_id=abc&grant_type=refresh_token&refresh_token=REDACTED&client_secret=REDACTED"
        );
    }

    #[test]
    fn headers() {
        assert_eq!(
            header_value("Authorization", b"Bearer eyJ.secret"),
            "Bearer REDACTED"
        );
        assert_eq!(
            header_value("location", b"https://dl.example:8443/dl/TOKEN?x=1"),
            "https://dl.example:8443/<pre-authenticated>"
        );
        assert_eq!(header_value("content-type", b"text/plain"), "text/plain");
    }

    #[test]
    fn json_secrets_nested() {
        let s = json(
            br#"{"access_token":"AT","refresh_token":"RT","expires_in":3599,
                 "value":[{"@microsoft.graph.downloadUrl":"https://x/dl/T","name":"a"}],"uploadUrl":"https://u/T"}"#,
        );
        assert!(!s.contains("AT\"") && !s.contains("RT") && !s.contains("/dl/T"));
        assert!(!s.contains("https://u/T"));
        assert!(s.contains("\"name\":\"a\"") && s.contains("3599"));
        assert_eq!(json(b"\x00\x01"), "<2 bytes, not JSON>");
    }
}
