//! Graph's side of OAuth: the `Authorization: Bearer` check on every Graph request.
//!
//! Answers, all 401 with Graph's error body (graph-api-notes §1.12):
//! - no `Authorization` header: `unauthenticated`, "Must be authenticated to use
//!   '/drive' syntax" (observed on `/drive` calls);
//! - `Bearer` with nothing after it: `InvalidAuthenticationToken`, "Access token is
//!   empty." (observed on Graph);
//! - a header that is not `Bearer <token>`, or a value that is not a token this
//!   emulator issues: `InvalidAuthenticationToken`, "CompactToken parsing failed with
//!   error code: 80049217" (what personal-account Graph says for garbled tokens);
//! - a token that was issued but has expired, or is unknown (issued by a previous
//!   run): `InvalidAuthenticationToken`, "Access token has expired or is not yet valid.".
//!
//! `WWW-Authenticate` follows the OneDrive personal API: an expired token gets
//! `Bearer realm="OneDriveAPI", error="expired_token", error_description="Auth token
//! expired. Try refreshing."` (clients such as rclone refresh and retry when they see
//! `expired_token`); any other failure gets `error="invalid_token"` (RFC 6750 §3.1),
//! and a request without credentials gets the bare challenge (RFC 6750 §3.1: no error
//! code when the request lacks authentication).

use std::time::Instant;

use axum::http::{HeaderMap, StatusCode, header};

use super::IdentityState;
use super::tokens::{key, looks_like_access_token};
use crate::error::{GraphError, GraphResult};

const CHALLENGE: &str = "Bearer realm=\"OneDriveAPI\"";

// GraphError is the crate-wide Graph error type (not ours to box).
#[allow(clippy::result_large_err)]
pub fn check(identity: &IdentityState, headers: &HeaderMap) -> GraphResult<()> {
    let Some(value) = headers.get(header::AUTHORIZATION) else {
        return Err(GraphError::new(
            StatusCode::UNAUTHORIZED,
            "unauthenticated",
            "Must be authenticated to use '/drive' syntax",
        )
        .header(header::WWW_AUTHENTICATE, CHALLENGE));
    };
    let text = value.to_str().unwrap_or("").trim();
    let (scheme, rest) = text.split_once(' ').unwrap_or((text, ""));
    if scheme.eq_ignore_ascii_case("bearer") && rest.trim().is_empty() {
        return Err(invalid("Access token is empty."));
    }
    let token = Some(rest.trim())
        .filter(|_| scheme.eq_ignore_ascii_case("bearer"))
        .filter(|t| looks_like_access_token(t));
    let Some(token) = token else {
        return Err(invalid(
            "CompactToken parsing failed with error code: 80049217",
        ));
    };
    let now = Instant::now();
    let t = identity.tables();
    match t.access.get(&key(token)) {
        Some(a) if a.expires > now => Ok(()),
        Some(_) => Err(GraphError::new(
            StatusCode::UNAUTHORIZED,
            "InvalidAuthenticationToken",
            "Access token has expired or is not yet valid.",
        )
        .header(
            header::WWW_AUTHENTICATE,
            &format!("{CHALLENGE}, error=\"expired_token\", error_description=\"Auth token expired. Try refreshing.\""),
        )),
        None => Err(invalid("Access token has expired or is not yet valid.")),
    }
}

fn invalid(message: &str) -> GraphError {
    GraphError::new(
        StatusCode::UNAUTHORIZED,
        "InvalidAuthenticationToken",
        message,
    )
    .header(
        header::WWW_AUTHENTICATE,
        &format!("{CHALLENGE}, error=\"invalid_token\", error_description=\"Invalid auth token\""),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Config;
    use std::time::Duration;

    fn with_auth(v: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(header::AUTHORIZATION, v.parse().unwrap());
        h
    }

    #[test]
    fn answers() {
        let id = IdentityState::new(&Config::default());
        let good = id.mint_access_token(Duration::from_secs(600));
        assert!(check(&id, &with_auth(&format!("Bearer {good}"))).is_ok());
        assert!(check(&id, &with_auth(&format!("bearer {good}"))).is_ok());

        let e = check(&id, &HeaderMap::new()).unwrap_err();
        assert_eq!(
            (e.status, e.code.as_str()),
            (StatusCode::UNAUTHORIZED, "unauthenticated")
        );

        let e = check(&id, &with_auth("Bearer not-a-token")).unwrap_err();
        assert_eq!(e.code, "InvalidAuthenticationToken");
        assert!(e.message.starts_with("CompactToken parsing failed"));
        for empty in ["Bearer", "Bearer   "] {
            let e = check(&id, &with_auth(empty)).unwrap_err();
            assert_eq!(e.message, "Access token is empty.");
        }
        let e = check(&id, &with_auth(&format!("Basic {good}"))).unwrap_err();
        assert!(e.message.starts_with("CompactToken parsing failed"));

        let old = id.mint_access_token(Duration::ZERO);
        let e = check(&id, &with_auth(&format!("Bearer {old}"))).unwrap_err();
        assert_eq!(e.message, "Access token has expired or is not yet valid.");
        let www = e
            .headers
            .get(header::WWW_AUTHENTICATE)
            .unwrap()
            .to_str()
            .unwrap();
        assert!(www.contains("expired_token"), "{www}");

        // Well-formed but never issued: invalid, not "expired".
        let forged = format!("EwB{}", "A".repeat(160));
        let e = check(&id, &with_auth(&format!("Bearer {forged}"))).unwrap_err();
        let www = e
            .headers
            .get(header::WWW_AUTHENTICATE)
            .unwrap()
            .to_str()
            .unwrap();
        assert!(www.contains("invalid_token"), "{www}");

        assert_eq!(id.expire_all_access_tokens(), 1);
        let e = check(&id, &with_auth(&format!("Bearer {good}"))).unwrap_err();
        assert_eq!(e.code, "InvalidAuthenticationToken");
    }
}
