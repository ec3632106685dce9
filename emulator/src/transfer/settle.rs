//! eTags that move after an upload (`--etag-settle-ms`).
//!
//! Seen on the service (OneDrive/onedrive-api-docs#800): right after an upload,
//! PATCHing the item (e.g. its `fileSystemInfo`) with the eTag the upload returned in
//! `If-Match` failed now and then with 412 `resourceModified` (409 without `If-Match`),
//! and worked later: the service was still working on the item, and its eTag moved once
//! more. With a settle time, the emulator plays that: once content is stored (simple
//! upload or session commit) the item is settling for that long; a PATCH meanwhile gets
//! 412 (with `If-Match`, whatever its value) or 409 (without), both `resourceModified`;
//! when the time is up the item's eTag changes once more (content, cTag and times
//! unchanged) and PATCHes work again.

use std::collections::HashMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

use axum::http::{HeaderMap, StatusCode, header};

use crate::drives::Drive;
use crate::error::GraphError;
use crate::state::AppState;

/// Items settling after an upload: id → the generation of their latest upload (a
/// newer upload restarts the time; the older timer then does nothing).
#[derive(Default)]
pub struct Settling {
    items: Mutex<HashMap<String, u64>>,
    next: AtomicU64,
}

impl Settling {
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, u64>> {
        self.items.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Content of `id` was just stored: it settles for `config.etag_settle` (nothing
    /// when that is zero). Needs a Tokio runtime (handlers have one).
    pub fn start(&self, state: &AppState, drive: &Drive, id: &str) {
        let time = state.config.etag_settle;
        if time.is_zero() {
            return;
        }
        let generation = self.next.fetch_add(1, Ordering::Relaxed) + 1;
        self.lock().insert(id.to_owned(), generation);
        let (state, drive, id) = (state.clone(), drive.clone(), id.to_owned());
        tokio::spawn(async move {
            tokio::time::sleep(time).await;
            let settling = &state.transfer.settling;
            if settling.lock().get(&id) != Some(&generation) {
                return;
            }
            // The eTag moves first, then writes are let through.
            let _ = drive.store().touch_etag(&id);
            let mut items = settling.lock();
            if items.get(&id) == Some(&generation) {
                items.remove(&id);
            }
        });
    }

    /// Refuses a PATCH of `id` while it settles: 412 `resourceModified` when the
    /// request has `If-Match`, else 409 `resourceModified`.
    pub fn check_patch(&self, id: &str, headers: &HeaderMap) -> Result<(), GraphError> {
        if !self.lock().contains_key(id) {
            return Ok(());
        }
        Err(if headers.contains_key(header::IF_MATCH) {
            GraphError::new(
                StatusCode::PRECONDITION_FAILED,
                "resourceModified",
                "ETag does not match current item's value",
            )
        } else {
            GraphError::new(
                StatusCode::CONFLICT,
                "resourceModified",
                "The resource has been modified since it was last read.",
            )
        })
    }

    /// Forgets every settling item (admin reset).
    pub fn clear(&self) {
        self.lock().clear();
    }
}
