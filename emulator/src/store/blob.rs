//! Content blobs: immutable file contents with their hashes, computed once while the
//! bytes stream in.
//!
//! A [`BlobWriter`] takes the body chunk by chunk (never the whole body as one buffer),
//! hashing as it goes; [`BlobWriter::finish`] yields a cheap-to-clone [`Blob`] whose byte
//! ranges are served as refcounted slices (no copy).
//!
//! Incoming chunks are coalesced into larger buffers: a network read yields anything
//! from a few bytes to a few hundred KiB, and keeping those slices as they come would both
//! pin the reader's buffers and make every later download pay a per-slice cost. One
//! memcpy on the way in is cheap; what costs is faulting in fresh memory (a 1 GiB upload
//! touches 262,144 pages), so large blobs are stored in [`BIG_CHUNK`] buffers that are
//! faulted in with one system call each. Small blobs grow a buffer just as long as
//! needed: 20,000 small files must not cost a megabyte each.

use std::sync::Arc;

use bytes::Bytes;
use quickxorhash::QuickXorHash;
use sha1::Digest as _;

/// Buffer size while a blob is small.
pub const CHUNK: usize = 1 << 20;
/// Buffer size once a blob is past [`BIG_AFTER`] bytes.
pub const BIG_CHUNK: usize = 8 << 20;
/// Blobs larger than this are stored in [`BIG_CHUNK`] buffers.
pub const BIG_AFTER: u64 = 4 << 20;

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

    /// A blob holding `data` as it is (no copy).
    pub fn from_bytes(data: impl Into<Bytes>) -> Self {
        let data: Bytes = data.into();
        let mut w = BlobWriter::new(true);
        w.hash(&data);
        w.len = data.len() as u64;
        if !data.is_empty() {
            w.starts.push(0);
            w.chunks.push(data);
        }
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
    pending: usize,
    len: u64,
    qx: QuickXorHash,
    sha1: Option<sha1::Sha1>,
}

/// Accumulates a body chunk by chunk, hashing as it goes.
pub struct BlobWriter {
    chunks: Vec<Bytes>,
    starts: Vec<u64>,
    /// Bytes not yet sealed into `chunks`.
    pending: Vec<u8>,
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
            pending: Vec::new(),
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

    fn hash(&mut self, data: &[u8]) {
        self.qx.update(data);
        if let Some(s) = &mut self.sha1 {
            s.update(data);
        }
    }

    pub fn push_slice(&mut self, mut data: &[u8]) {
        if data.is_empty() {
            return;
        }
        self.hash(data);
        while !data.is_empty() {
            if self.pending.capacity() == self.pending.len() {
                if self.pending.len() >= CHUNK {
                    self.seal();
                }
                self.grow(data.len());
            }
            let room = self.pending.capacity() - self.pending.len();
            let n = room.min(data.len());
            self.pending.extend_from_slice(&data[..n]);
            self.len += n as u64;
            data = &data[n..];
        }
    }

    /// Makes room in `pending` for at least part of `want` more bytes.
    fn grow(&mut self, want: usize) {
        if self.pending.is_empty() && self.len >= BIG_AFTER {
            self.pending = Vec::with_capacity(BIG_CHUNK);
            prefault(&self.pending);
        } else {
            // Small blobs: grow geometrically, never past one chunk.
            let cap = self.pending.capacity();
            let target = (cap * 2).max(cap + want.min(CHUNK)).clamp(4096, CHUNK);
            self.pending.reserve_exact(target - self.pending.len());
        }
    }

    /// Marks the current end, so that what is pushed next can be taken back with
    /// [`BlobWriter::rollback`]: an upload fragment is hashed as it streams in, and
    /// discarded whole if its connection breaks (Graph: "all bytes of that request are
    /// discarded").
    pub fn checkpoint(&self) -> Checkpoint {
        Checkpoint {
            chunks: self.chunks.len(),
            pending: self.pending.len(),
            len: self.len,
            qx: self.qx.clone(),
            sha1: self.sha1.clone(),
        }
    }

    /// Forgets everything pushed since `cp`.
    pub fn rollback(&mut self, cp: Checkpoint) {
        if self.chunks.len() > cp.chunks {
            // What was pending at the checkpoint has been sealed since: take it back.
            let first = &self.chunks[cp.chunks];
            let mut p = Vec::with_capacity(first.len().max(cp.pending));
            p.extend_from_slice(&first[..cp.pending]);
            self.pending = p;
            self.chunks.truncate(cp.chunks);
            self.starts.truncate(cp.chunks);
        } else {
            self.pending.truncate(cp.pending);
        }
        self.len = cp.len;
        self.qx = cp.qx;
        self.sha1 = cp.sha1;
    }

    /// Moves the pending buffer into `chunks`.
    fn seal(&mut self) {
        if self.pending.is_empty() {
            return;
        }
        let mut full = std::mem::take(&mut self.pending);
        // A last, mostly empty buffer would waste its capacity for the blob's life.
        if full.capacity() - full.len() > full.len() / 4 {
            full.shrink_to_fit();
        }
        let start = self.len - full.len() as u64;
        self.starts.push(start);
        self.chunks.push(Bytes::from(full));
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

/// Faults a big buffer in with one system call (`MADV_POPULATE_WRITE`) rather than
/// one trap per 4 KiB page as the copy touches it: page faults are most of what storing
/// an upload costs. (Huge pages were tried: their compaction cost more than they saved.)
/// Kernels before 5.14 refuse the advice, harmlessly.
#[cfg(target_os = "linux")]
fn prefault(v: &Vec<u8>) {
    const PAGE: usize = 4096;
    let start = v.as_ptr() as usize;
    let end = start + v.capacity();
    let a = start.div_ceil(PAGE) * PAGE;
    let b = end / PAGE * PAGE;
    if b > a {
        // SAFETY: [a, b) lies inside the allocation owned by `v` (capacity, not yet
        // initialised); populating writes nothing but makes the pages present, zeroed.
        unsafe {
            libc::madvise(a as *mut libc::c_void, b - a, libc::MADV_POPULATE_WRITE);
        }
    }
}

#[cfg(not(target_os = "linux"))]
fn prefault(_v: &Vec<u8>) {}

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
        let mut w = BlobWriter::new(false);
        for piece in data.chunks(50_000) {
            w.push_slice(piece);
        }
        let blob = w.finish();
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
    fn rollback_across_big_buffers() {
        let data = pattern(BIG_AFTER as usize + BIG_CHUNK + 77);
        let mut w = BlobWriter::new(false);
        let mut pos = 0;
        for (i, piece) in data.chunks(3 * CHUNK + 5).enumerate() {
            let cp = w.checkpoint();
            // Every other fragment is first sent broken, then again whole.
            if i % 2 == 1 {
                for c in piece.chunks(100_000) {
                    w.push_slice(c);
                }
                w.push_slice(&pattern(BIG_CHUNK));
                w.rollback(cp);
            }
            for c in piece.chunks(100_000) {
                w.push_slice(c);
            }
            pos += piece.len();
        }
        assert_eq!(pos, data.len());
        let blob = w.finish();
        assert!(blob.to_vec() == data);
        assert_eq!(blob.quick_xor_hash(), quickxorhash::hash_base64(&data));
    }

    #[test]
    fn small_blobs_stay_small() {
        let mut w = BlobWriter::new(false);
        w.push_slice(b"tiny");
        let b = w.finish();
        assert_eq!(b.0.chunks.len(), 1);
        assert!(b.0.chunks[0].len() == 4);
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
