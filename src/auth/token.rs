//! Access tokens for the HTTP layer: cached, refreshed ahead of expiry and once on a 401,
//! and persisted to the state file as soon as they change (the identity platform rotates
//! the refresh token on every refresh; the old one must be replaced at once, or a crash
//! would leave only a token the client was told to discard).

use std::sync::Arc;
use std::time::Duration;

use futures_util::future::BoxFuture;

use super::{OAuthSettings, TokenResponse, token_request};
use crate::config::{AuthSection, State, StateFile};
use crate::http::{Error, HttpClient, Result, TokenSource};

/// Refresh when less than this is left (clock skew, request duration).
pub const DEFAULT_REFRESH_MARGIN: Duration = Duration::from_secs(60);

/// The tokens held at one time.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Tokens {
    pub access_token: Option<String>,
    pub refresh_token: Option<String>,
    /// `None`: unknown, treated as expired.
    pub expires_at: Option<jiff::Timestamp>,
    /// The scopes granted (the token response's `scope`), when known.
    pub scope: Option<String>,
}

impl std::fmt::Debug for Tokens {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Tokens")
            .field(
                "access_token",
                &self.access_token.as_ref().map(|_| "REDACTED"),
            )
            .field(
                "refresh_token",
                &self.refresh_token.as_ref().map(|_| "REDACTED"),
            )
            .field("expires_at", &self.expires_at)
            .finish()
    }
}

impl Tokens {
    /// From the state file's `auth` section.
    pub fn from_auth(auth: &AuthSection) -> Self {
        Self {
            access_token: auth.access_token.clone().filter(|s| !s.is_empty()),
            refresh_token: auth.refresh_token.clone().filter(|s| !s.is_empty()),
            expires_at: auth.access_expires,
            scope: auth.scope.clone(),
        }
    }

    /// From a token response; a response without a refresh token keeps `previous`.
    pub fn from_response(resp: &TokenResponse, previous_refresh: Option<String>) -> Self {
        let now = jiff::Timestamp::now();
        let secs = resp.expires_in.unwrap_or(3600).min(i64::MAX as u64) as i64;
        Self {
            access_token: Some(resp.access_token.clone()),
            refresh_token: resp.refresh_token.clone().or(previous_refresh),
            expires_at: now.checked_add(jiff::SignedDuration::from_secs(secs)).ok(),
            scope: resp.scope.clone(),
        }
    }

    /// The access token if it stays valid for at least `margin`.
    pub fn valid_access(&self, margin: Duration) -> Option<&str> {
        let token = self.access_token.as_deref()?;
        let expires = self.expires_at?;
        let margin = jiff::SignedDuration::try_from(margin).ok()?;
        let limit = jiff::Timestamp::now().checked_add(margin).ok()?;
        (expires > limit).then_some(token)
    }
}

/// Hands out access tokens; implements [`TokenSource`] for [`HttpClient`].
pub struct TokenManager {
    /// Without a token source: the token endpoint takes no bearer token.
    http: HttpClient,
    settings: OAuthSettings,
    store: Option<StateFile>,
    tokens: tokio::sync::Mutex<Tokens>,
    margin: Duration,
}

impl std::fmt::Debug for TokenManager {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenManager")
            .field("settings", &self.settings)
            .field("store", &self.store)
            .finish()
    }
}

impl TokenManager {
    /// `store`: where to persist tokens (`None`: memory only).
    pub fn new(
        http: HttpClient,
        settings: OAuthSettings,
        store: Option<StateFile>,
        initial: Tokens,
    ) -> Self {
        Self {
            http,
            settings,
            store,
            tokens: tokio::sync::Mutex::new(initial),
            margin: DEFAULT_REFRESH_MARGIN,
        }
    }

    /// From a loaded state file (settings from `client`/`api`, tokens from `auth`).
    pub fn from_state(http: HttpClient, state: &State, store: StateFile) -> Result<Self> {
        Ok(Self::new(
            http,
            OAuthSettings::from_state(state)?,
            Some(store),
            Tokens::from_auth(&state.auth),
        ))
    }

    /// Refresh when less than `margin` is left (default 60 s).
    pub fn with_refresh_margin(mut self, margin: Duration) -> Self {
        self.margin = margin;
        self
    }

    pub fn settings(&self) -> &OAuthSettings {
        &self.settings
    }

    /// The HTTP client used for token requests.
    pub fn http(&self) -> &HttpClient {
        &self.http
    }

    /// A copy of the tokens currently held.
    pub async fn current(&self) -> Tokens {
        self.tokens.lock().await.clone()
    }

    /// An [`HttpClient`] for Graph calls, with this manager as its token source.
    pub fn authorized_http(self: &Arc<Self>) -> HttpClient {
        self.http.with_token_source(self.clone())
    }

    /// Takes the tokens of a completed sign-in (code or device flow) and persists them;
    /// also clears a pending paste-URL request from the state file.
    pub async fn accept(&self, resp: &TokenResponse) -> Result<Tokens> {
        let mut held = self.tokens.lock().await;
        let new = Tokens::from_response(resp, held.refresh_token.clone());
        self.persist(&new, true).await?;
        *held = new.clone();
        Ok(new)
    }

    /// Refreshes now (`auth_refresh`), whatever the access token's lifetime.
    pub async fn refresh(&self) -> Result<Tokens> {
        let mut held = self.tokens.lock().await;
        let _guard = self.refresh_guard().await?;
        self.adopt_stored(&mut held).await;
        let new = self.refresh_locked(&held).await?;
        *held = new.clone();
        Ok(new)
    }

    async fn refresh_locked(&self, held: &Tokens) -> Result<Tokens> {
        let rt = held.refresh_token.clone().ok_or_else(|| {
            Error::AuthRequired("no refresh token in the state file; run `auth`".into())
        })?;
        let resp = token_request(
            &self.http,
            &self.settings,
            &[
                ("grant_type", "refresh_token"),
                ("refresh_token", rt.as_str()),
                ("scope", self.settings.scope.as_str()),
            ],
        )
        .await?;
        let new = Tokens::from_response(&resp, Some(rt));
        // Persist before use: the old refresh token is to be discarded.
        self.persist(&new, false).await?;
        Ok(new)
    }

    /// The state file's cross-process refresh lock (none without a state file).
    async fn refresh_guard(&self) -> Result<Option<crate::config::RefreshLock>> {
        let Some(store) = self.store.clone() else {
            return Ok(None);
        };
        let guard = tokio::task::spawn_blocking(move || store.refresh_lock())
            .await
            .map_err(|e| Error::InvalidInput(format!("state file lock failed: {e}")))??;
        Ok(Some(guard))
    }

    /// Another process may have refreshed meanwhile: take newer tokens from the file.
    async fn adopt_stored(&self, held: &mut Tokens) {
        let Some(store) = self.store.clone() else {
            return;
        };
        let loaded = tokio::task::spawn_blocking(move || store.load_opt()).await;
        if let Ok(Ok(Some(state))) = loaded {
            let stored = Tokens::from_auth(&state.auth);
            if stored.refresh_token.is_some() && stored != *held {
                *held = stored;
            }
        }
    }

    async fn persist(&self, tokens: &Tokens, clear_pending: bool) -> Result<()> {
        let Some(store) = self.store.clone() else {
            return Ok(());
        };
        let t = tokens.clone();
        tokio::task::spawn_blocking(move || {
            store.update_with(true, |s| {
                s.auth.access_token = t.access_token.clone();
                s.auth.refresh_token = t.refresh_token.clone();
                s.auth.access_expires = t.expires_at;
                if t.scope.is_some() {
                    s.auth.scope = t.scope.clone();
                }
                if clear_pending {
                    s.auth.pkce_state = None;
                    s.auth.pkce_verifier = None;
                }
            })
        })
        .await
        .map_err(|e| Error::InvalidInput(format!("state file writer failed: {e}")))??;
        Ok(())
    }

    async fn token_for(&self, rejected: Option<&str>) -> Result<String> {
        let mut held = self.tokens.lock().await;
        let usable = |t: &Tokens| {
            t.valid_access(self.margin)
                .filter(|a| Some(*a) != rejected)
                .map(str::to_owned)
        };
        if let Some(a) = usable(&held) {
            return Ok(a);
        }
        self.adopt_stored(&mut held).await;
        if let Some(a) = usable(&held) {
            return Ok(a);
        }
        // One refresh at a time across processes; whoever waited re-reads the file and
        // normally finds fresh tokens there.
        let _guard = self.refresh_guard().await?;
        self.adopt_stored(&mut held).await;
        if let Some(a) = usable(&held) {
            return Ok(a);
        }
        let new = self.refresh_locked(&held).await?;
        *held = new;
        held.access_token
            .clone()
            .ok_or_else(|| Error::AuthRequired("the token endpoint gave no access token".into()))
    }
}

impl TokenSource for TokenManager {
    fn access_token<'a>(&'a self, rejected: Option<&'a str>) -> BoxFuture<'a, Result<String>> {
        Box::pin(self.token_for(rejected))
    }
}
