//! Downloads (302 to pre-authenticated URLs with Range), simple upload and upload
//! sessions.
//!
//! The graph router authenticates and resolves items, then calls [`content_redirect`],
//! [`simple_upload`] and [`create_upload_session`]. The pre-authenticated routes served
//! here ([`DOWNLOAD_PREFIX`], [`UPLOAD_PREFIX`]) take no bearer token: like the service's
//! download and upload hosts, they refuse one (401) so that a client leaking its token to
//! them is caught by tests.

pub mod body;
pub mod download;
pub mod range;
pub mod settle;
pub mod signing;
pub mod simple_upload;
pub mod upload_session;

// The entry points the graph router calls (it has authenticated the request and resolved
// the item or the parent + name), and the downloadUrl it puts in driveItem JSON.
pub use download::{content_redirect, download_url, download_url_in};
pub use simple_upload::simple_upload;
pub use upload_session::{create_upload_session, create_upload_session_in};

use axum::Router;
use axum::routing::get;

use crate::config::Config;
use crate::state::AppState;
use crate::store::ItemId;

/// Path prefix of pre-authenticated download URLs.
pub const DOWNLOAD_PREFIX: &str = "/_dl/";
/// Path prefix of upload-session URLs.
pub const UPLOAD_PREFIX: &str = "/_up/";

/// Download-URL signing, upload sessions, items settling after an upload.
pub struct TransferState {
    pub signer: signing::Signer,
    pub sessions: upload_session::Sessions,
    pub settling: settle::Settling,
}

impl TransferState {
    pub fn new(config: &Config) -> Self {
        Self {
            signer: signing::Signer::new(),
            sessions: upload_session::Sessions::new(config.upload_session_expiry_status == 401),
            settling: settle::Settling::default(),
        }
    }
}

/// The pre-authenticated routes: download URLs and upload-session URLs.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/_dl/{token}", get(download::serve))
        .route(
            "/_up/{session}",
            get(upload_session::status)
                .put(upload_session::put_fragment)
                .delete(upload_session::cancel)
                .post(upload_session::commit_deferred),
        )
        .route_layer(axum::middleware::from_fn(
            crate::preauth::refuse_authorization,
        ))
}

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
