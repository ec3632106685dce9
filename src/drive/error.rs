//! Errors of the convenience layer: the network layers' errors plus local ones.

use std::path::PathBuf;

/// A failure of a drive operation.
#[derive(Debug, thiserror::Error)]
pub enum DriveError {
    /// The service or the network failed (already typed by the HTTP layer).
    #[error(transparent)]
    Http(#[from] crate::http::Error),
    /// A local file could not be read or written.
    #[error("{}: {source}", path.display())]
    Local {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// The object is a folder where a file is needed.
    #[error("is a folder, not a file")]
    NotAFile,
    /// The object is a file where a folder is needed.
    #[error("is a file, not a folder")]
    NotAFolder,
    /// The downloaded bytes do not match the service's QuickXorHash.
    #[error("QuickXorHash mismatch: the service says {expected}, the bytes received give {actual}")]
    HashMismatch { expected: String, actual: String },
    /// The service stored bytes whose QuickXorHash differs from the local file's.
    #[error(
        "QuickXorHash mismatch after upload: the local bytes give {local}, the service stored {remote}"
    )]
    UploadHashMismatch { local: String, remote: String },
    /// The service answered something inconsistent (e.g. a copy that never finished).
    #[error("{0}")]
    Protocol(String),
    /// The destination folder of a copy, move or new folder could not be used (missing,
    /// a file, …): the failure is about it, not about the object being copied or moved,
    /// and an error line must name it.
    #[error("destination folder: {0}")]
    Destination(Box<DriveError>),
    /// A move from one drive to another: Graph's PATCH cannot do it (notes §7.2); a copy
    /// then a removal can.
    #[error("cannot move between drives; copy with cp, then remove the original with rm")]
    BetweenDrives,
    /// Content that is not text, about to go to a terminal nobody asked for by name.
    #[error(
        "binary content is not written to a terminal; give a destination file, or '-' to write it here anyway"
    )]
    BinaryToTerminal,
}

impl DriveError {
    /// Marks a failure as the destination folder's (see [`DriveError::Destination`]).
    pub fn destination(e: impl Into<DriveError>) -> Self {
        DriveError::Destination(Box::new(e.into()))
    }

    pub fn local(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        DriveError::Local {
            path: path.into(),
            source,
        }
    }
}

pub type Result<T, E = DriveError> = std::result::Result<T, E>;

/// An error that can say "the service found no such item" (404 `itemNotFound`, or
/// 410): what makes `drive::locate::on_object` look for a shortcut on the way.
pub trait NotFound {
    /// The service answered that the addressed item does not exist.
    fn is_not_found(&self) -> bool;
}

impl NotFound for crate::http::Error {
    fn is_not_found(&self) -> bool {
        self.kind() == crate::http::ErrorKind::NotFound
    }
}

impl NotFound for DriveError {
    fn is_not_found(&self) -> bool {
        match self {
            DriveError::Http(e) => e.is_not_found(),
            // mkdir and uploads name a missing parent as their destination's failure.
            DriveError::Destination(inner) => inner.is_not_found(),
            _ => false,
        }
    }
}
