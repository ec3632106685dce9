//! PKCE (RFC 7636) as the identity platform applies it: `code_challenge_method` is
//! `S256` or `plain`, `plain` when omitted; the verifier is 43–128 characters of
//! `[A-Za-z0-9-._~]`; a missing or wrong verifier is `invalid_grant`.

use base64::Engine;
use sha2::{Digest, Sha256};

use crate::error::OAuthError;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    Plain,
    S256,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Challenge {
    pub method: Method,
    pub value: String,
}

/// Validates the authorize request's challenge parameters.
pub fn parse_challenge(
    challenge: Option<&str>,
    method: Option<&str>,
) -> Result<Option<Challenge>, OAuthError> {
    let Some(value) = challenge else {
        if method.is_some() {
            return Err(OAuthError::missing_parameter("code_challenge"));
        }
        return Ok(None);
    };
    let method = match method {
        None | Some("plain") => Method::Plain,
        Some("S256") => Method::S256,
        Some(other) => {
            return Err(OAuthError::new(
                "invalid_request",
                50148,
                format!(
                    "The code_challenge_method '{other}' is not supported. Supported values are 'plain' and 'S256'."
                ),
            ));
        }
    };
    // S256 challenges are a base64url SHA-256 (43 characters); plain ones are verifiers.
    let size_ok = match method {
        Method::S256 => value.len() == 43,
        Method::Plain => (43..=128).contains(&value.len()),
    };
    if !size_ok || !value.bytes().all(is_unreserved) {
        return Err(OAuthError::new(
            "invalid_request",
            501491,
            "Invalid size of Code_Challenge parameter.",
        ));
    }
    Ok(Some(Challenge {
        method,
        value: value.to_owned(),
    }))
}

/// BASE64URL(SHA256(ASCII(verifier))) without padding.
pub fn s256(verifier: &str) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()))
}

fn is_unreserved(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~')
}

fn well_formed_verifier(v: &str) -> bool {
    (43..=128).contains(&v.len()) && v.bytes().all(is_unreserved)
}

/// Checks the token request's `code_verifier` against what authorize recorded.
pub fn verify(challenge: Option<&Challenge>, verifier: Option<&str>) -> Result<(), OAuthError> {
    match (challenge, verifier) {
        (None, None) => Ok(()),
        (Some(_), None) => Err(OAuthError::new(
            "invalid_grant",
            50148,
            "The code_verifier does not match the code_challenge supplied in the authorization request for PKCE.",
        )),
        // A verifier for a code obtained without a challenge cannot match anything.
        (None, Some(_)) => Err(mismatch()),
        (Some(c), Some(v)) => {
            if !well_formed_verifier(v) {
                return Err(mismatch());
            }
            let derived = match c.method {
                Method::Plain => v.to_owned(),
                Method::S256 => s256(v),
            };
            if derived == c.value {
                Ok(())
            } else {
                Err(mismatch())
            }
        }
    }
}

fn mismatch() -> OAuthError {
    OAuthError::new(
        "invalid_grant",
        501481,
        "The Code_Verifier does not match the code_challenge supplied in the authorization request.",
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    // RFC 7636 Appendix B.
    const VERIFIER: &str = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
    const CHALLENGE: &str = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";

    #[test]
    fn rfc7636_vector() {
        assert_eq!(s256(VERIFIER), CHALLENGE);
        let c = parse_challenge(Some(CHALLENGE), Some("S256")).unwrap();
        assert!(verify(c.as_ref(), Some(VERIFIER)).is_ok());
        let wrong = format!("{}A", &VERIFIER[..VERIFIER.len() - 1]);
        assert_eq!(
            verify(c.as_ref(), Some(&wrong)).unwrap_err().error,
            "invalid_grant"
        );
        assert_eq!(verify(c.as_ref(), None).unwrap_err().error, "invalid_grant");
    }

    #[test]
    fn plain_is_the_default_method() {
        let c = parse_challenge(Some(VERIFIER), None).unwrap().unwrap();
        assert_eq!(c.method, Method::Plain);
        assert!(verify(Some(&c), Some(VERIFIER)).is_ok());
        assert!(verify(Some(&c), Some(CHALLENGE)).is_err());
    }

    #[test]
    fn malformed_parameters() {
        assert_eq!(
            parse_challenge(Some(CHALLENGE), Some("S512"))
                .unwrap_err()
                .error,
            "invalid_request"
        );
        assert_eq!(
            parse_challenge(Some("short"), Some("S256"))
                .unwrap_err()
                .aadsts,
            501491
        );
        assert_eq!(
            parse_challenge(None, Some("S256")).unwrap_err().aadsts,
            900144
        );
        let c = parse_challenge(Some(&"a".repeat(43)), Some("plain")).unwrap();
        // Too short / bad characters never match, even when equal to the challenge.
        assert!(verify(c.as_ref(), Some(&"a".repeat(42))).is_err());
        let bad = format!("{}!", "a".repeat(43));
        assert!(verify(c.as_ref(), Some(&bad)).is_err());
        assert!(verify(None, Some(VERIFIER)).is_err());
    }
}
