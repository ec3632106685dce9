//! PKCE (RFC 7636) with the S256 method: proves to the token endpoint that the code is
//! redeemed by the program that asked for it (recommended for every client).

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rand::RngCore;
use sha2::{Digest, Sha256};

/// A PKCE verifier and its S256 challenge.
#[derive(Clone, PartialEq, Eq)]
pub struct Pkce {
    /// 43 characters of `[A-Za-z0-9-_]` (32 random bytes, base64url): sent at the token
    /// request, kept secret until then.
    pub verifier: String,
    /// BASE64URL(SHA256(verifier)) without padding: sent at the authorize request.
    pub challenge: String,
}

impl std::fmt::Debug for Pkce {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Pkce")
            .field("verifier", &"REDACTED")
            .field("challenge", &self.challenge)
            .finish()
    }
}

impl Pkce {
    /// A fresh random verifier.
    pub fn generate() -> Self {
        Self::from_verifier(random_token(32))
    }

    /// The pair for a given verifier.
    pub fn from_verifier(verifier: String) -> Self {
        let challenge = challenge_s256(&verifier);
        Self {
            verifier,
            challenge,
        }
    }

    /// Always `S256` (`plain` gives no protection if the request is seen).
    pub fn method(&self) -> &'static str {
        "S256"
    }
}

/// `code_challenge` = BASE64URL(SHA256(ASCII(verifier))), no `=` padding.
pub fn challenge_s256(verifier: &str) -> String {
    URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()))
}

/// `n` random bytes from the OS-seeded generator, base64url without padding (also used
/// for the `state` parameter).
pub fn random_token(n: usize) -> String {
    let mut buf = vec![0u8; n];
    rand::rng().fill_bytes(&mut buf);
    URL_SAFE_NO_PAD.encode(buf)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc7636_appendix_b_vector() {
        assert_eq!(
            challenge_s256("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"),
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
        );
    }

    #[test]
    fn generated_verifiers_are_valid_and_distinct() {
        let a = Pkce::generate();
        let b = Pkce::generate();
        assert_ne!(a.verifier, b.verifier);
        for p in [&a, &b] {
            assert!((43..=128).contains(&p.verifier.len()));
            assert!(
                p.verifier
                    .bytes()
                    .all(|c| c.is_ascii_alphanumeric() || b"-._~".contains(&c))
            );
            assert_eq!(p.challenge, challenge_s256(&p.verifier));
            assert!(!p.challenge.contains('='));
        }
        assert!(!format!("{a:?}").contains(&a.verifier));
    }
}
