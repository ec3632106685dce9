//! `/_emulator/...` control routes. (Skeleton: being filled in.)
use crate::state::AppState;
use axum::Router;

pub fn router() -> Router<AppState> {
    Router::new()
}
