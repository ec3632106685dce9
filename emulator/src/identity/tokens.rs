//! Issued codes, device codes, refresh tokens and access tokens, with their expiry.
//!
//! Every secret value comes from the thread-local CSPRNG (`rand::rng()`, ChaCha12
//! seeded by the OS), never from the fault seed: tokens must stay unguessable even
//! when a test fixes `--seed`. Values are opaque strings; none is logged.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use base64::Engine;
use rand::{Rng, RngCore};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::pkce::Challenge;
use super::scopes::Scopes;

/// Prefixes make each kind recognisable in a debugger and let a Graph request with
/// something that is not an access token at all be told apart ("CompactToken parsing
/// failed") from a token that was one but is no longer valid. Personal-account
/// access tokens are opaque compact tokens starting `EwA`/`EwB`; refresh tokens and
/// codes start `M.C`.
pub const ACCESS_PREFIX: &str = "EwB";
pub const REFRESH_PREFIX: &str = "M.C5_BL2.0.U.";
pub const CODE_PREFIX: &str = "M.C5_BL2.2.U.";
pub const DEVICE_PREFIX: &str = "DAQABIQEAAAD";

/// The map key of a token: its SHA-256, so that neither memory dumps nor the
/// `--data-dir` file hold usable tokens.
pub fn key(token: &str) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(Sha256::digest(token.as_bytes()))
}

/// `from + ttl`, saturating far in the future instead of overflowing (lifetimes come
/// from command-line flags and may be absurdly large).
pub fn deadline(from: Instant, ttl: Duration) -> Instant {
    const CENTURY: Duration = Duration::from_secs(100 * 365 * 24 * 3600);
    from.checked_add(ttl.min(CENTURY))
        .or_else(|| from.checked_add(Duration::from_secs(365 * 24 * 3600)))
        .unwrap_or(from)
}

/// Whether a record that expired at `expires` is old enough to forget.
fn forgettable(expires: Instant, now: Instant) -> bool {
    expires
        .checked_add(EXPIRED_KEEP)
        .is_some_and(|keep_until| keep_until <= now)
}

/// Random bytes, base64url without padding.
pub fn random_b64(bytes: usize) -> String {
    let mut buf = vec![0u8; bytes];
    rand::rng().fill_bytes(&mut buf);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(buf)
}

/// A random lower-case GUID.
pub fn random_guid() -> String {
    let v: u128 = rand::rng().random();
    let h = format!("{v:032x}");
    format!(
        "{}-{}-{}-{}-{}",
        &h[0..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..32]
    )
}

/// A user code as the device login page expects: 9 letters and digits, without the
/// easily confused `0`, `O`, `1`, `I`.
pub fn random_user_code() -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    let mut rng = rand::rng();
    (0..9)
        .map(|_| ALPHABET[rng.random_range(0..ALPHABET.len())] as char)
        .collect()
}

/// Whether a bearer value has the shape of an access token this emulator issues.
pub fn looks_like_access_token(token: &str) -> bool {
    token.len() > ACCESS_PREFIX.len() + 40
        && token.starts_with(ACCESS_PREFIX)
        && token
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// What the user consented to, for one client, at one tenant endpoint.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Grant {
    pub client_id: String,
    pub tenant: String,
    pub scopes: Scopes,
}

#[derive(Debug)]
pub struct AuthCode {
    pub grant: Grant,
    pub redirect_uri: String,
    pub challenge: Option<Challenge>,
    pub nonce: Option<String>,
    pub expires: Instant,
    pub redeemed: bool,
}

#[derive(Debug)]
pub struct RefreshRecord {
    pub grant: Grant,
    /// Already exchanged for a newer refresh token.
    pub used: bool,
}

#[derive(Debug)]
pub struct AccessRecord {
    pub client_id: String,
    pub scopes: Scopes,
    pub expires: Instant,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeviceState {
    Pending,
    Declined,
    Redeemed,
}

#[derive(Debug)]
pub struct DeviceRecord {
    pub grant: Grant,
    pub user_code: String,
    pub expires: Instant,
    /// Polls answered `authorization_pending` so far.
    pub pending_answers: u32,
    pub last_poll: Option<Instant>,
    /// Current minimum polling interval (grows by 5 s on each `slow_down`, RFC 8628 §3.5).
    pub interval: Duration,
    pub state: DeviceState,
}

/// Running totals, for tests and the admin stats route.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct IdentityCounts {
    pub codes_issued: u64,
    pub device_codes_issued: u64,
    pub access_tokens_issued: u64,
    pub refresh_tokens_issued: u64,
    /// Successful `refresh_token` grants.
    pub refreshes: u64,
}

/// Tokens a successful grant returns.
#[derive(Debug, Clone)]
pub struct Issued {
    pub access_token: String,
    pub refresh_token: Option<String>,
    pub expires_in: u64,
}

/// Expired access tokens are kept this long so that a late request still hears
/// "expired" rather than "invalid"; beyond it they are forgotten.
const EXPIRED_KEEP: Duration = Duration::from_secs(24 * 3600);
const PURGE_ABOVE: usize = 50_000;

#[derive(Debug, Default)]
/// Keyed by [`key`] of the token or code.
pub struct Tables {
    pub codes: HashMap<String, AuthCode>,
    pub refresh: HashMap<String, RefreshRecord>,
    pub access: HashMap<String, AccessRecord>,
    pub devices: HashMap<String, DeviceRecord>,
    pub counts: IdentityCounts,
}

impl Tables {
    pub fn insert_code(&mut self, code: AuthCode) -> String {
        let value = format!("{CODE_PREFIX}{}", random_b64(48));
        self.purge_codes();
        self.codes.insert(key(&value), code);
        self.counts.codes_issued += 1;
        value
    }

    pub fn insert_device(&mut self, record: DeviceRecord) -> String {
        let value = format!("{DEVICE_PREFIX}{}", random_b64(96));
        let now = Instant::now();
        if self.devices.len() > PURGE_ABOVE {
            self.devices.retain(|_, d| !forgettable(d.expires, now));
        }
        self.devices.insert(key(&value), record);
        self.counts.device_codes_issued += 1;
        value
    }

    /// Issues an access token (and a refresh token when the grant has
    /// `offline_access`).
    pub fn issue(&mut self, grant: &Grant, ttl: Duration) -> Issued {
        self.issue_with(grant, grant.scopes.clone(), ttl)
    }

    /// As [`Tables::issue`], with an access token narrowed to `access_scopes`; the
    /// refresh token keeps the whole grant (it is bound to user and client, not to
    /// one set of permissions).
    pub fn issue_with(&mut self, grant: &Grant, access_scopes: Scopes, ttl: Duration) -> Issued {
        let access_token = self.insert_access(&grant.client_id, access_scopes, ttl);
        let refresh_token = grant.scopes.offline_access().then(|| {
            let value = format!("{REFRESH_PREFIX}{}", random_b64(96));
            self.refresh.insert(
                key(&value),
                RefreshRecord {
                    grant: grant.clone(),
                    used: false,
                },
            );
            self.counts.refresh_tokens_issued += 1;
            value
        });
        Issued {
            access_token,
            refresh_token,
            expires_in: ttl.as_secs(),
        }
    }

    pub fn insert_access(&mut self, client_id: &str, scopes: Scopes, ttl: Duration) -> String {
        let now = Instant::now();
        if self.access.len() > PURGE_ABOVE {
            self.access.retain(|_, a| !forgettable(a.expires, now));
        }
        let value = format!("{ACCESS_PREFIX}{}", random_b64(120));
        self.access.insert(
            key(&value),
            AccessRecord {
                client_id: client_id.to_owned(),
                scopes,
                expires: deadline(now, ttl),
            },
        );
        self.counts.access_tokens_issued += 1;
        value
    }

    fn purge_codes(&mut self) {
        if self.codes.len() > PURGE_ABOVE {
            let now = Instant::now();
            self.codes.retain(|_, c| !forgettable(c.expires, now));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn random_values_are_distinct_and_well_formed() {
        let a = random_b64(32);
        assert_eq!(a.len(), 43);
        assert_ne!(a, random_b64(32));
        let code = random_user_code();
        assert_eq!(code.len(), 9);
        assert!(
            code.bytes()
                .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
        );
        assert!(super::super::clients::is_guid(&random_guid()));
    }

    #[test]
    fn huge_lifetimes_do_not_overflow() {
        let now = Instant::now();
        assert!(deadline(now, Duration::MAX) > now);
        assert_eq!(deadline(now, Duration::ZERO), now);
        let mut t = Tables::default();
        let tok = t.insert_access("c", Scopes::default(), Duration::MAX);
        assert!(t.access[&key(&tok)].expires > now);
        assert!(!forgettable(t.access[&key(&tok)].expires, now));
    }

    #[test]
    fn access_token_shape() {
        let mut t = Tables::default();
        let tok = t.insert_access("c", Scopes::default(), Duration::from_secs(60));
        assert!(looks_like_access_token(&tok));
        assert!(!looks_like_access_token("EwB"));
        assert!(!looks_like_access_token(
            "eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiJ9.e30.sig"
        ));
    }
}
