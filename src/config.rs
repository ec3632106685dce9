//! The `~/.lcrc` state file. (Being filled in.)

use std::path::PathBuf;

/// A state-file failure: always names the file and the problem in one line.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("state file {path}: {message}")]
    File { path: PathBuf, message: String },
}
