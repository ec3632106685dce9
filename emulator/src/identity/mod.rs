//! Microsoft identity platform v2.0 endpoints and the Graph-side access-token check.
//!
//! Routes (`{tenant}`: `common`, `organizations`, `consumers`, a GUID or a domain):
//! - `GET|POST /{tenant}/oauth2/v2.0/authorize`: auto-approving authorization endpoint
//!   ([`authorize`]);
//! - `POST /{tenant}/oauth2/v2.0/token`: `authorization_code`, `refresh_token` and
//!   device-code grants ([`token`]);
//! - `POST /{tenant}/oauth2/v2.0/devicecode` ([`devicecode`]);
//! - discovery documents and the `nativeclient` page ([`discovery`]).
//!
//! Other modules use [`authenticate`] on every Graph request, and tests and admin
//! routes use the public methods of [`IdentityState`] (minting a token without the
//! browser flow, expiring every access token, declining a device code).
//!
//! Module map: [`params`] (request decoding), [`tenant`], [`clients`] (registration,
//! client authentication, redirect URIs), [`scopes`], [`pkce`], [`tokens`] (issued
//! codes and tokens, expiry), [`response`] (token response, id_token), [`bearer`]
//! (Graph 401s).

pub mod authorize;
pub mod bearer;
pub mod clients;
pub mod devicecode;
pub mod discovery;
pub mod params;
pub mod persist;
pub mod pkce;
pub mod response;
pub mod scopes;
pub mod tenant;
pub mod token;
pub mod tokens;

use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, Instant};

use axum::Router;
use axum::http::HeaderMap;
use axum::routing::get;

use crate::config::Config;
use crate::error::{GraphResult, OAuthError};
use crate::state::AppState;

pub use tokens::IdentityCounts;

/// The consumer (Microsoft account) tenant id: the emulated user is a personal account.
pub const MSA_TENANT_ID: &str = "9188040d-6c67-4c5b-b112-36a304b66dad";

/// Client id recorded for tokens minted by [`IdentityState::mint_access_token`].
pub const TEST_CLIENT_ID: &str = "00000000-0000-0000-0000-00000000e5e5";

/// Settings copied from [`Config`] at start.
#[derive(Debug, Clone)]
pub struct Settings {
    pub token_ttl: Duration,
    pub code_ttl: Duration,
    pub refresh_token_reuse: bool,
    pub device_pending_polls: u32,
    pub device_code_ttl: Duration,
    pub device_interval: Duration,
    pub user_display_name: String,
    pub user_principal_name: String,
}

/// Clients, codes, device codes, refresh and access tokens.
pub struct IdentityState {
    pub(crate) clients: clients::Registry,
    pub(crate) settings: Settings,
    tables: Mutex<tokens::Tables>,
    /// `DIR/identity.json` with `--data-dir`.
    persist_file: Option<std::path::PathBuf>,
}

/// Tokens from [`IdentityState::mint_tokens`].
#[derive(Debug, Clone)]
pub struct MintedTokens {
    pub access_token: String,
    /// Present when the scope had `offline_access`.
    pub refresh_token: Option<String>,
    pub expires_in: u64,
}

impl IdentityState {
    pub fn new(config: &Config) -> Self {
        let persist_file = config.data_dir.as_deref().map(persist::path);
        let tables = persist_file
            .as_deref()
            .and_then(persist::load)
            .unwrap_or_default();
        Self {
            persist_file,
            clients: clients::Registry::new(&config.clients),
            settings: Settings {
                token_ttl: config.token_ttl,
                code_ttl: config.code_ttl,
                refresh_token_reuse: config.refresh_token_reuse,
                device_pending_polls: config.device_pending_polls,
                device_code_ttl: config.device_code_ttl,
                device_interval: Duration::from_secs(config.device_interval_secs),
                user_display_name: config.user_display_name.clone(),
                user_principal_name: config.user_principal_name.clone(),
            },
            tables: Mutex::new(tables),
        }
    }

    /// Saves refresh and access tokens when the emulator persists (`--data-dir`).
    /// Called with the tables locked, so saves happen in order. A failed save is not
    /// an error for the request: memory stays authoritative.
    pub(crate) fn persist(&self, t: &tokens::Tables) {
        if let Some(file) = &self.persist_file {
            let _ = persist::save(file, t);
        }
    }

    /// The token tables. A panic elsewhere while holding the lock leaves them usable.
    pub(crate) fn tables(&self) -> MutexGuard<'_, tokens::Tables> {
        self.tables.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// A valid access token for the emulated user, without the browser flow, valid
    /// for `ttl` (scope `Files.ReadWrite User.Read`). For tests and benchmarks.
    pub fn mint_access_token(&self, ttl: Duration) -> String {
        let scopes = scopes::Scopes::parse("Files.ReadWrite User.Read").unwrap_or_default();
        let mut t = self.tables();
        let token = t.insert_access(TEST_CLIENT_ID, scopes, ttl);
        self.persist(&t);
        token
    }

    /// Access (and, with `offline_access`, refresh) token for `client_id` as if it had
    /// completed a flow at `/{tenant}/...` with `scope`. The access token lives the
    /// configured `token_ttl`. Errors as the token endpoint would for a bad client id,
    /// tenant or scope.
    pub fn mint_tokens(
        &self,
        client_id: &str,
        tenant: &str,
        scope: &str,
    ) -> Result<MintedTokens, OAuthError> {
        tenant::validate(tenant)?;
        let client = self.clients.lookup(client_id, tenant)?;
        let grant = tokens::Grant {
            client_id: client.id,
            tenant: tenant.to_owned(),
            scopes: scopes::Scopes::parse(scope)?,
        };
        let mut t = self.tables();
        let issued = t.issue(&grant, self.settings.token_ttl);
        self.persist(&t);
        drop(t);
        Ok(MintedTokens {
            access_token: issued.access_token,
            refresh_token: issued.refresh_token,
            expires_in: issued.expires_in,
        })
    }

    /// Makes every access token issued so far expired (the admin route "expire all
    /// access tokens"); Graph then answers them 401 "expired". Returns how many were
    /// still valid.
    pub fn expire_all_access_tokens(&self) -> usize {
        let now = Instant::now();
        let mut t = self.tables();
        let mut n = 0;
        for a in t.access.values_mut() {
            if a.expires > now {
                a.expires = now;
                n += 1;
            }
        }
        self.persist(&t);
        n
    }

    /// Revokes every refresh token (as a password change would): later refreshes get
    /// `invalid_grant`. Returns how many there were.
    pub fn revoke_all_refresh_tokens(&self) -> usize {
        let mut t = self.tables();
        let n = t.refresh.len();
        t.refresh.clear();
        self.persist(&t);
        n
    }

    /// The user declines a pending device-code request, named by its `user_code`
    /// (what the user would type) or its `device_code`; polling then answers
    /// `authorization_declined`. False when no pending request has that code.
    pub fn decline_device_code(&self, code: &str) -> bool {
        let mut t = self.tables();
        let hashed = tokens::key(code);
        let found = t
            .devices
            .iter_mut()
            .find(|(k, d)| **k == hashed || d.user_code.eq_ignore_ascii_case(code));
        match found {
            Some((_, d)) if d.state == tokens::DeviceState::Pending => {
                d.state = tokens::DeviceState::Declined;
                true
            }
            _ => false,
        }
    }

    /// Counts of issued codes and tokens.
    pub fn counts(&self) -> IdentityCounts {
        self.tables().counts
    }

    /// Forgets every code and token (an emulator reset).
    pub fn clear(&self) {
        let mut t = self.tables();
        let counts = t.counts;
        *t = tokens::Tables::default();
        t.counts = counts;
        self.persist(&t);
    }
}

pub fn router() -> Router<AppState> {
    Router::new()
        .route(
            "/{tenant}/oauth2/v2.0/authorize",
            get(authorize::authorize_get).post(authorize::authorize_post),
        )
        .route(
            "/{tenant}/oauth2/v2.0/token",
            get(token::wrong_method).post(token::token),
        )
        .route(
            "/{tenant}/oauth2/v2.0/devicecode",
            get(token::wrong_method).post(devicecode::devicecode),
        )
        .route(
            "/{tenant}/v2.0/.well-known/openid-configuration",
            get(discovery::openid_configuration),
        )
        .route(
            "/{tenant}/discovery/instance",
            get(discovery::instance_discovery),
        )
        .route("/{tenant}/discovery/v2.0/keys", get(discovery::keys))
        .route(
            "/{tenant}/oauth2/nativeclient",
            get(discovery::native_client),
        )
}

/// Checks the `Authorization: Bearer` header of a Graph request: 401 with Graph's error
/// body when missing, malformed or expired (see [`bearer`] for the exact answers).
// GraphError is the crate-wide Graph error type (not ours to box).
#[allow(clippy::result_large_err)]
pub fn authenticate(state: &AppState, headers: &HeaderMap) -> GraphResult<()> {
    bearer::check(&state.identity, headers)
}
