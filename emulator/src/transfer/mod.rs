//! Downloads (302 to pre-authenticated URLs with Range), simple upload and upload
//! sessions.
//!
//! The graph router authenticates and resolves items, then calls [`content_redirect`],
//! [`simple_upload`] and [`create_upload_session`]. The pre-authenticated routes served
//! here ([`DOWNLOAD_PREFIX`], [`UPLOAD_PREFIX`]) take no bearer token: like the service's
//! download and upload hosts, they refuse one (401) so that a client leaking its token to
//! them is caught by tests.

pub mod body;
pub mod range;
pub mod signing;

use axum::Router;

use crate::config::Config;
use crate::state::AppState;

/// Path prefix of pre-authenticated download URLs.
pub const DOWNLOAD_PREFIX: &str = "/_dl/";
/// Path prefix of upload-session URLs.
pub const UPLOAD_PREFIX: &str = "/_up/";

/// Download-URL signing, upload sessions.
pub struct TransferState {
    pub signer: signing::Signer,
}

impl TransferState {
    pub fn new(_config: &Config) -> Self {
        Self {
            signer: signing::Signer::new(),
        }
    }
}

pub fn router() -> Router<AppState> {
    Router::new()
}

use axum::body::Body;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};

use crate::error::GraphError;
use crate::store::{Conflict, ItemId};

/// Where a simple upload or an upload session writes.
#[derive(Clone, Debug)]
pub enum UploadTarget {
    /// `/items/{id}/content`: replace an existing file's content.
    Existing(ItemId),
    /// `/items/{parent}:/{name}:/content` or `/root:/{path}:/content`: create or replace
    /// the child `name` of `parent` (the graph router resolves every path segment but the
    /// last to `parent`).
    New { parent: ItemId, name: String },
}

/// `GET {item}/content`: 302 to the item's pre-authenticated download URL.
/// The graph router has already authenticated the request and resolved `item`.
pub async fn content_redirect(_state: &AppState, _item: &ItemId, _headers: &HeaderMap) -> Response {
    GraphError::new(StatusCode::NOT_IMPLEMENTED, "notSupported", "not yet").into_response()
}

/// `PUT {target}/content` (simple upload); `conflict` from the query string (default replace).
pub async fn simple_upload(
    _state: &AppState,
    _target: UploadTarget,
    _conflict: Conflict,
    _headers: &HeaderMap,
    _body: Body,
) -> Response {
    GraphError::new(StatusCode::NOT_IMPLEMENTED, "notSupported", "not yet").into_response()
}

/// `POST {target}/createUploadSession`; `body` is the request's JSON (may be empty).
pub async fn create_upload_session(
    _state: &AppState,
    _target: UploadTarget,
    _headers: &HeaderMap,
    _body: bytes::Bytes,
) -> Response {
    GraphError::new(StatusCode::NOT_IMPLEMENTED, "notSupported", "not yet").into_response()
}

/// The `@microsoft.graph.downloadUrl` of a file item.
pub fn download_url(state: &AppState, item: &ItemId) -> String {
    format!("{}/_dl/{item}", state.public_url)
}
