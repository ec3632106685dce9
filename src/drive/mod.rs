//! Convenience API over the Graph wrapper: object resolution, ranges, walks, uploads,
//! downloads, copies. Knows the service's habits; knows nothing about the command line.

pub mod copy;
pub mod download;
pub mod error;
pub mod mkdir;
pub mod range;
pub mod resolve;
pub mod upload;
pub mod walk;

pub use error::{DriveError, Result};
