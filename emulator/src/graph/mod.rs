//! `/v1.0/...`: routing, path addressing and the metadata endpoints.
//! (Skeleton: being filled in by the store + graph work.)

use axum::Router;

use crate::config::Config;
use crate::state::AppState;

/// Copy jobs, sharing links, delta tokens.
pub struct GraphState {}

impl GraphState {
    pub fn new(_config: &Config) -> Self {
        Self {}
    }
}

pub fn router() -> Router<AppState> {
    Router::new()
}
