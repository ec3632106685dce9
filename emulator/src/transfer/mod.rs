//! See `crate` docs. (Skeleton: being filled in.)
use axum::Router;
use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
}
