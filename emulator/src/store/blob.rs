//! Content blobs: immutable file contents with their hashes, computed once while the
//! bytes stream in.
//!
//! A [`BlobWriter`] takes the body chunk by chunk (never the whole body as one buffer),
//! hashing as it goes; [`BlobWriter::finish`] yields a cheap-to-clone [`Blob`] whose byte
//! ranges are served as refcounted slices (no copy).
//!
//! Incoming chunks are coalesced into buffers of [`CHUNK`] bytes: a network read yields
//! anything from a few bytes to a few hundred KiB, and keeping those slices as they come
//! would both pin the reader's larger buffers and make every later download pay a
//! per-slice cost. One memcpy on the way in is far cheaper than either.

use std::sync::Arc;

use bytes::{Bytes, BytesMut};
use quickxorhash::QuickXorHash;
use sha1::Digest as _;

/// Size of the buffers a blob is stored in (and the largest frame a download sends).
pub const CHUNK: usize = 1 << 20;

#[derive(Clone)]
pub struct Blob(Arc<BlobInner>);

struct BlobInner {
    chunks: Vec<Bytes>,
    /// `starts[i]` is the offset of `chunks[i]` in the blob.
    starts: Vec<u64>,
    len: u64,
    quick_xor: String,
    sha1: Option<String>,
}

impl std::fmt::Debug for Blob {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Blob")
            .field("len", &self.0.len)
            .field("quick_xor", &self.0.quick_xor)
            .finish()
    }
}

impl Blob {
    pub fn empty() -> Self {
        BlobWriter::new(true).finish()
    }

    pub fn from_bytes(data: impl Into<Bytes>) -> Self {
        let mut w = BlobWriter::new(true);
        w.push(data.into());
        w.finish()
    }

    /// Same bytes, but reporting the hashes of `like` (the admin `corrupt` route: a stored
    /// file whose content no longer matches its advertised hashes).
    pub fn with_hashes_of(&self, like: &Blob) -> Blob {
        Blob(Arc::new(BlobInner {
            chunks: self.0.chunks.clone(),
            starts: self.0.starts.clone(),
            len: self.0.len,
            quick_xor: like.0.quick_xor.clone(),
            sha1: like.0.sha1.clone(),
        }))
    }

    pub fn len(&self) -> u64 {
        self.0.len
    }

    pub fn is_empty(&self) -> bool {
        self.0.len == 0
    }

    /// Base64 QuickXorHash of the content.
    pub fn quick_xor_hash(&self) -> &str {
        &self.0.quick_xor
    }

    /// Uppercase hex SHA-1, when it was computed.
    pub fn sha1_hex(&self) -> Option<&str> {
        self.0.sha1.as_deref()
    }

    /// The longest contiguous slice starting at `start` and ending at or before `end`
    /// (exclusive): one stored buffer's worth at most. Empty when `start >= end`.
    pub fn slice_at(&self, start: u64, end: u64) -> Bytes {
        let end = end.min(self.0.len);
        if start >= end {
            return Bytes::new();
        }
        let i = match self.0.starts.binary_search(&start) {
            Ok(i) => i,
            Err(i) => i - 1,
        };
        let cstart = self.0.starts[i];
        let chunk = &self.0.chunks[i];
        let cend = cstart + chunk.len() as u64;
        let a = (start - cstart) as usize;
        let b = (end.min(cend) - cstart) as usize;
        chunk.slice(a..b)
    }

    /// The bytes in `start..end` (end exclusive, clamped) as refcounted slices.
    pub fn range_chunks(&self, start: u64, end: u64) -> Vec<Bytes> {
        let end = end.min(self.0.len);
        let mut out = Vec::new();
        let mut pos = start;
        while pos < end {
            let s = self.slice_at(pos, end);
            pos += s.len() as u64;
            out.push(s);
        }
        out
    }

    /// The whole content in one buffer (tests and small files only).
    pub fn to_vec(&self) -> Vec<u8> {
        let mut v = Vec::with_capacity(self.0.len as usize);
        for c in &self.0.chunks {
            v.extend_from_slice(c);
        }
        v
    }
}

/// A position in a [`BlobWriter`] to roll back to.
pub struct Checkpoint {
    chunks: usize,
    len: u64,
    qx: QuickXorHash,
    sha1: Option<sha1::Sha1>,
}

/// Accumulates a body chunk by chunk, hashing as it goes.
pub struct BlobWriter {
    chunks: Vec<Bytes>,
    starts: Vec<u64>,
    /// Bytes not yet sealed into `chunks` (at most [`CHUNK`]).
    pending: BytesMut,
    len: u64,
    qx: QuickXorHash,
    sha1: Option<sha1::Sha1>,
}

impl BlobWriter {
    /// `with_sha1`: also compute SHA-1 (only needed in legacy-Personal mode; it costs
    /// throughput).
    pub fn new(with_sha1: bool) -> Self {
        Self {
            chunks: Vec::new(),
            starts: Vec::new(),
            pending: BytesMut::new(),
            len: 0,
            qx: QuickXorHash::new(),
            sha1: with_sha1.then(sha1::Sha1::new),
        }
    }

    pub fn len(&self) -> u64 {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    pub fn push(&mut self, data: Bytes) {
        self.push_slice(&data);
    }

    pub fn push_slice(&mut self, mut data: &[u8]) {
        if data.is_empty() {
            return;
        }
        self.qx.update(data);
        if let Some(s) = &mut self.sha1 {
            s.update(data);
        }
        self.len += data.len() as u64;
        while !data.is_empty() {
            if self.pending.capacity() == 0 {
                self.pending.reserve(CHUNK);
            }
            let room = CHUNK - self.pending.len();
            let n = room.min(data.len());
            self.pending.extend_from_slice(&data[..n]);
            data = &data[n..];
            if self.pending.len() == CHUNK {
                self.seal();
            }
        }
    }

    /// Marks the current end, so that what is pushed next can be taken back with
    /// [`BlobWriter::rollback`]: an upload fragment is hashed as it streams in, and
    /// discarded whole if its connection breaks (Graph: "all bytes of that request are
    /// discarded").
    pub fn checkpoint(&mut self) -> Checkpoint {
        self.seal();
        Checkpoint {
            chunks: self.chunks.len(),
            len: self.len,
            qx: self.qx.clone(),
            sha1: self.sha1.clone(),
        }
    }

    /// Forgets everything pushed since `cp`.
    pub fn rollback(&mut self, cp: Checkpoint) {
        self.chunks.truncate(cp.chunks);
        self.starts.truncate(cp.chunks);
        self.pending = BytesMut::new();
        self.len = cp.len;
        self.qx = cp.qx;
        self.sha1 = cp.sha1;
    }

    /// Moves the pending buffer into `chunks`.
    fn seal(&mut self) {
        if self.pending.is_empty() {
            return;
        }
        let start = self.starts.last().copied().unwrap_or(0)
            + self.chunks.last().map_or(0, |c| c.len() as u64);
        let full = std::mem::take(&mut self.pending).freeze();
        self.starts.push(start);
        self.chunks.push(full);
    }

    pub fn finish(mut self) -> Blob {
        self.seal();
        let sha1 = self.sha1.map(|s| {
            s.finalize()
                .iter()
                .map(|b| format!("{b:02X}"))
                .collect::<String>()
        });
        Blob(Arc::new(BlobInner {
            chunks: self.chunks,
            starts: self.starts,
            len: self.len,
            quick_xor: self.qx.finish_base64(),
            sha1,
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pattern(n: usize) -> Vec<u8> {
        (0..n).map(|i| (i * 7 % 251) as u8).collect()
    }

    #[test]
    fn chunks_reassemble_and_hash_like_one_buffer() {
        let data = pattern(3 * CHUNK + 12345);
        let mut w = BlobWriter::new(true);
        for piece in data.chunks(70_001) {
            w.push(Bytes::copy_from_slice(piece));
        }
        let blob = w.finish();
        assert_eq!(blob.len(), data.len() as u64);
        assert_eq!(blob.to_vec(), data);
        assert_eq!(blob.quick_xor_hash(), quickxorhash::hash_base64(&data));
        let one = Blob::from_bytes(data.clone());
        assert_eq!(one.sha1_hex(), blob.sha1_hex());
    }

    #[test]
    fn ranges_cross_chunk_boundaries() {
        let data = pattern(2 * CHUNK + 10);
        let blob = Blob::from_bytes(data.clone());
        for (a, b) in [(0, 1), (CHUNK - 3, CHUNK + 3), (5, 2 * CHUNK + 10), (7, 7)] {
            let got: Vec<u8> = blob
                .range_chunks(a as u64, b as u64)
                .iter()
                .flat_map(|c| c.iter().copied())
                .collect();
            assert_eq!(got, &data[a..b]);
        }
        assert!(blob.range_chunks(10, 5).is_empty());
        assert_eq!(blob.slice_at(CHUNK as u64 - 1, u64::MAX).len(), 1);
    }

    #[test]
    fn rollback_forgets_a_fragment() {
        let data = pattern(CHUNK + 999);
        let mut w = BlobWriter::new(true);
        w.push_slice(&data[..500]);
        let cp = w.checkpoint();
        w.push_slice(&pattern(2 * CHUNK + 5));
        w.rollback(cp);
        w.push_slice(&data[500..]);
        let blob = w.finish();
        assert_eq!(blob.to_vec(), data);
        assert_eq!(blob.quick_xor_hash(), quickxorhash::hash_base64(&data));
        assert_eq!(blob.sha1_hex(), Blob::from_bytes(data).sha1_hex());
    }

    #[test]
    fn corrupt_copy_keeps_hashes() {
        let a = Blob::from_bytes(&b"hello"[..]);
        let b = Blob::from_bytes(&b"jello"[..]);
        let c = b.with_hashes_of(&a);
        assert_eq!(c.to_vec(), b"jello");
        assert_eq!(c.quick_xor_hash(), a.quick_xor_hash());
    }
}
