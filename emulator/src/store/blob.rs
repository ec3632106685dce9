//! Content blobs: immutable file contents with their hashes, computed once while the
//! bytes stream in. Owned by the "transfer" work.
//!
//! Contract: a [`BlobWriter`] takes the body chunk by chunk (never the whole body at once),
//! hashing as it goes; [`BlobWriter::finish`] yields a cheap-to-clone [`Blob`] that can be
//! served as a stream of any byte range.
