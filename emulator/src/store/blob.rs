//! Content blobs: immutable file contents with their hashes, computed once while the
//! bytes stream in. Owned by the "transfer" work.
//!
//! A [`BlobWriter`] takes the body chunk by chunk (never the whole body as one buffer),
//! hashing as it goes; [`BlobWriter::finish`] yields a cheap-to-clone [`Blob`] whose byte
//! ranges are served as refcounted slices (no copy).

use std::sync::Arc;

use bytes::Bytes;
use quickxorhash::QuickXorHash;
use sha1::Digest as _;

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

    /// The bytes in `start..end` (end exclusive, clamped) as refcounted slices.
    pub fn range_chunks(&self, start: u64, end: u64) -> Vec<Bytes> {
        let end = end.min(self.0.len);
        let mut out = Vec::new();
        if start >= end {
            return out;
        }
        let first = match self.0.starts.binary_search(&start) {
            Ok(i) => i,
            Err(i) => i - 1,
        };
        for (chunk, &cstart) in self.0.chunks[first..].iter().zip(&self.0.starts[first..]) {
            if cstart >= end {
                break;
            }
            let cend = cstart + chunk.len() as u64;
            let a = start.max(cstart) - cstart;
            let b = end.min(cend) - cstart;
            out.push(chunk.slice(a as usize..b as usize));
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

/// Accumulates a body chunk by chunk, hashing as it goes.
pub struct BlobWriter {
    chunks: Vec<Bytes>,
    starts: Vec<u64>,
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
        if data.is_empty() {
            return;
        }
        self.qx.update(&data);
        if let Some(s) = &mut self.sha1 {
            s.update(&data);
        }
        self.starts.push(self.len);
        self.len += data.len() as u64;
        self.chunks.push(data);
    }

    pub fn finish(self) -> Blob {
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
