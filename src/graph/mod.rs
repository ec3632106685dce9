//! Layer 3: a thin typed wrapper over Microsoft Graph, one method per call the CLI makes.
//!
//! - [`types`]: the wire types (serde), lossless for `-o`/`--json` output.
//! - [`address`]: [`ItemRef`] and [`DriveSelector`]: naming items and building their
//!   percent-encoded API paths without any request.
//! - [`client`]: [`GraphClient`], the calls themselves; paging followed transparently.

pub mod address;
pub mod client;
pub mod connect;
pub mod types;

pub use address::{DriveSelector, ItemRef, encode_path, encode_segment};
pub use client::{
    ByteRange, DEFAULT_GRAPH_URL, DeltaPage, DeltaRound, Download, FragmentOutcome, GraphClient,
    PAGE_SIZE, ParentRef,
};
pub use connect::Connection;
pub use types::*;

#[cfg(test)]
mod tests;
