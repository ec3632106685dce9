//! Layer 2: OAuth 2.0 on the Microsoft identity platform (v2.0 endpoints).
//!
//! - [`pkce`]: S256 code challenge.
//! - [`code`]: authorization-code flow in paste-URL mode: build the authorize URL (with
//!   PKCE and `state`), parse the URL the browser landed on, redeem the code.
//! - [`device`]: device code flow (RFC 8628) for headless machines.
//! - [`token`]: [`TokenManager`]: hands access tokens to the HTTP layer, refreshing
//!   them before they expire and once on a 401, and persisting the rotated refresh
//!   token to the state file at once.
//!
//! Public client by default (no secret sent: the service answers AADSTS700025 when a
//! public client sends one); confidential when the state file has `client.secret`.

pub mod code;
pub mod device;
pub mod login;
pub mod loopback;
pub mod pkce;
pub mod token;

use serde::Deserialize;
use url::Url;

use crate::config::State;
use crate::http::{Error, HttpClient, Method, Request, Result};

pub use code::{AuthorizationRequest, parse_redirect};
pub use device::{DeviceAuthorization, DevicePollOptions};
pub use pkce::Pkce;
pub use token::{TokenManager, Tokens};

/// Scopes asked for: read-write on the user's files and files shared with them, a
/// refresh token, and the user's profile (for `user`).
pub const DEFAULT_SCOPE: &str = "Files.ReadWrite.All offline_access User.Read";

/// Everything needed to talk to the identity platform for one application.
#[derive(Clone, PartialEq, Eq)]
pub struct OAuthSettings {
    pub client_id: String,
    /// Confidential clients only.
    pub client_secret: Option<String>,
    /// `https://login.microsoftonline.com` (no trailing slash).
    pub login_url: String,
    /// `common`, `consumers`, `organizations` or a tenant id; polling and refresh must use
    /// the same tenant as the first request.
    pub tenant: String,
    pub redirect_uri: String,
    pub scope: String,
}

impl std::fmt::Debug for OAuthSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OAuthSettings")
            .field("client_id", &self.client_id)
            .field(
                "client_secret",
                &self.client_secret.as_ref().map(|_| "REDACTED"),
            )
            .field("login_url", &self.login_url)
            .field("tenant", &self.tenant)
            .field("redirect_uri", &self.redirect_uri)
            .field("scope", &self.scope)
            .finish()
    }
}

impl OAuthSettings {
    /// From the state file's `client` and `api` sections.
    pub fn from_state(state: &State) -> Result<Self> {
        let client_id = state
            .client
            .id
            .clone()
            .filter(|s| !s.trim().is_empty())
            .ok_or_else(|| {
                Error::Config(crate::config::ConfigError::NoClientId {
                    path: state.path.clone(),
                })
            })?;
        Ok(Self {
            client_id,
            client_secret: state.client.secret.clone().filter(|s| !s.is_empty()),
            login_url: state.api.login_url().trim_end_matches('/').to_owned(),
            tenant: state.api.tenant().to_owned(),
            redirect_uri: state.api.redirect_uri().to_owned(),
            scope: DEFAULT_SCOPE.to_owned(),
        })
    }

    /// `{login_url}/{tenant}/oauth2/v2.0/{endpoint}`.
    pub fn endpoint(&self, endpoint: &str) -> Result<Url> {
        let s = format!(
            "{}/{}/oauth2/v2.0/{endpoint}",
            self.login_url,
            crate::graph::encode_segment(&self.tenant)
        );
        Url::parse(&s).map_err(|e| Error::InvalidInput(format!("invalid login_url: {e}")))
    }

    /// Whether the application is a confidential client (has a secret).
    pub fn is_confidential(&self) -> bool {
        self.client_secret.is_some()
    }
}

/// The token endpoint's success body.
#[derive(Clone, Deserialize)]
pub struct TokenResponse {
    #[serde(default)]
    pub token_type: Option<String>,
    #[serde(default)]
    pub scope: Option<String>,
    /// Seconds; never parse the token itself (Graph tokens may not be decodable JWTs).
    #[serde(default)]
    pub expires_in: Option<u64>,
    pub access_token: String,
    /// Present when `offline_access` was granted; rotated on every refresh.
    #[serde(default)]
    pub refresh_token: Option<String>,
    #[serde(default)]
    pub id_token: Option<String>,
}

impl std::fmt::Debug for TokenResponse {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenResponse")
            .field("token_type", &self.token_type)
            .field("scope", &self.scope)
            .field("expires_in", &self.expires_in)
            .field("access_token", &"REDACTED")
            .field(
                "refresh_token",
                &self.refresh_token.as_ref().map(|_| "REDACTED"),
            )
            .finish()
    }
}

/// `POST {tenant}/oauth2/v2.0/token` with `params` plus `client_id` (and `client_secret`
/// for confidential clients). OAuth errors come back as [`Error::OAuth`].
pub async fn token_request(
    http: &HttpClient,
    settings: &OAuthSettings,
    params: &[(&str, &str)],
) -> Result<TokenResponse> {
    let url = settings.endpoint("token")?;
    let mut form: Vec<(&str, &str)> = vec![("client_id", settings.client_id.as_str())];
    form.extend_from_slice(params);
    if let Some(secret) = &settings.client_secret {
        form.push(("client_secret", secret.as_str()));
    }
    let resp: TokenResponse = http
        .send_json(Request::unauthenticated(Method::POST, url).form(&form))
        .await?;
    if let Some(tt) = &resp.token_type
        && !tt.eq_ignore_ascii_case("bearer")
    {
        return Err(Error::Authorization(format!(
            "unexpected token_type {tt:?} (expected Bearer)"
        )));
    }
    Ok(resp)
}

#[cfg(test)]
mod tests;
