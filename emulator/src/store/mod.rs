//! The drive: an item tree with content blobs, quota accounting and a recycle bin.
//!
//! Owned by the "store + graph metadata" work. The public API below is the contract the
//! `graph`, `transfer` and `admin` modules code against; keep it stable, extend it freely.
//!
//! Semantics to honour (Graph docs): ids survive rename/move/content change; names are
//! unique per folder case-insensitively but keep their case; a folder's `size` is its
//! subtree's; `eTag` changes on content or metadata change, `cTag` on content change (a
//! folder's cTag when any descendant changes); deleted items go to a recycle bin counted
//! in `quota.deleted`.

pub mod blob;

pub use blob::{Blob, BlobWriter};

use crate::config::Config;
use crate::error::GraphResult;

pub type ItemId = String;

/// `@microsoft.graph.conflictBehavior`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Conflict {
    Fail,
    Replace,
    Rename,
}

impl Conflict {
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "fail" => Some(Self::Fail),
            "replace" => Some(Self::Replace),
            "rename" => Some(Self::Rename),
            _ => None,
        }
    }
}

/// Client-side times (`fileSystemInfo`).
#[derive(Clone, Debug, Default)]
pub struct FsInfo {
    pub created: Option<jiff::Timestamp>,
    pub modified: Option<jiff::Timestamp>,
}

/// Drive quota, as `drive.quota` reports it.
#[derive(Clone, Debug)]
pub struct Quota {
    pub total: u64,
    pub used: u64,
    pub remaining: u64,
    pub deleted: u64,
    /// normal | nearing | critical | exceeded
    pub state: &'static str,
}

/// The drive. Cheap to share behind `Arc`; all methods take `&self`.
pub struct Store {
    _private: (),
}

impl Store {
    /// An empty drive (root only), or the one persisted in `config.data_dir`.
    pub fn open(_config: &Config) -> std::io::Result<Self> {
        Ok(Self { _private: () })
    }

    /// Checks that `extra` more bytes fit in the quota: else 507 `quotaLimitReached`.
    pub fn check_quota(&self, _extra: u64) -> GraphResult<()> {
        Ok(())
    }
}
