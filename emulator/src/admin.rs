//! `/_emulator/...` control routes. (Skeleton: being filled in.)
use crate::state::AppState;
use axum::Router;

/// Path prefix of the admin routes.
pub const PREFIX: &str = "/_emulator/";

pub fn router() -> Router<AppState> {
    Router::new()
}
