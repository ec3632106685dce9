//! Convenience API over the Graph wrapper: object resolution, ranges, walks, uploads,
//! downloads, copies. Knows the service's habits; knows nothing about the command line.

pub mod changes;
pub mod copy;
pub mod download;
pub mod error;
pub mod local;
pub mod locate;
pub mod mkdir;
pub mod range;
pub mod resolve;
pub mod resume;
pub mod sharing_url;
pub mod shortcut;
pub mod sites;
pub mod upload;
pub mod walk;

pub use error::{DriveError, Result};

/// Transfer progress: called with (bytes done, total bytes) as a transfer advances. The
/// CLI draws a bar with it on terminals; the library itself prints nothing.
#[derive(Clone, Default)]
pub struct Progress(Option<std::sync::Arc<dyn Fn(u64, u64) + Send + Sync>>);

impl Progress {
    pub fn new(f: impl Fn(u64, u64) + Send + Sync + 'static) -> Self {
        Progress(Some(std::sync::Arc::new(f)))
    }

    /// No reporting.
    pub fn none() -> Self {
        Progress(None)
    }

    pub fn report(&self, done: u64, total: u64) {
        if let Some(f) = &self.0 {
            f(done, total);
        }
    }
}

impl std::fmt::Debug for Progress {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(if self.0.is_some() {
            "Progress(on)"
        } else {
            "Progress(off)"
        })
    }
}
