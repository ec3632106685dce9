//! Microsoft identity platform v2.0 endpoints and access-token checks.
//! (Skeleton: being filled in by the identity work.)

use axum::Router;
use axum::http::HeaderMap;

use crate::config::Config;
use crate::error::GraphResult;
use crate::state::AppState;

/// Clients, codes, device codes, refresh and access tokens.
pub struct IdentityState {}

impl IdentityState {
    pub fn new(_config: &Config) -> Self {
        Self {}
    }
}

pub fn router() -> Router<AppState> {
    Router::new()
}

/// Checks the `Authorization: Bearer` header of a Graph request: 401 with Graph's error
/// body when missing, malformed or expired.
pub fn authenticate(_state: &AppState, _headers: &HeaderMap) -> GraphResult<()> {
    Ok(())
}
