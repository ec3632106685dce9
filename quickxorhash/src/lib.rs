//! QuickXorHash: the content hash OneDrive reports in `file.hashes.quickXorHash`.
//!
//! It is the only hash Microsoft documents as present on both OneDrive Personal and
//! OneDrive for work or school, so both the client (to verify transfers) and the
//! emulator (to report stored content) compute it. It lives in its own crate so that
//! each has one audited implementation, tested against published vectors.
//!
//! The algorithm: input byte `i` (counted across the whole stream) is XORed into a
//! circular 160-bit register at bit offset `(11 * i) mod 160`. Because `11 * 160 ≡ 0
//! (mod 160)`, bytes `i` and `i + 160` land at the same offset, so we XOR-fold the input
//! into 160 per-position byte accumulators (a loop the compiler vectorises) and only
//! place each accumulator into the register once, at the end. Finalisation writes the
//! register as 20 little-endian bytes, XORs the total length (u64, little-endian) into
//! bytes 12..20, and encodes with standard Base64.

use base64::Engine as _;

/// Width of the hash register, in bits.
const WIDTH_BITS: usize = 160;
/// Bit shift applied per input byte.
const SHIFT: usize = 11;
/// Size of the digest in bytes.
pub const DIGEST_LEN: usize = WIDTH_BITS / 8;

/// Incremental QuickXorHash state.
#[derive(Clone)]
pub struct QuickXorHash {
    /// `acc[k]` is the XOR of every input byte whose index is `≡ k (mod 160)`.
    acc: [u8; WIDTH_BITS],
    /// Total bytes hashed so far.
    len: u64,
}

impl Default for QuickXorHash {
    fn default() -> Self {
        Self::new()
    }
}

impl std::fmt::Debug for QuickXorHash {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("QuickXorHash")
            .field("len", &self.len)
            .finish_non_exhaustive()
    }
}

impl QuickXorHash {
    pub fn new() -> Self {
        Self {
            acc: [0; WIDTH_BITS],
            len: 0,
        }
    }

    /// Number of bytes hashed so far.
    pub fn len(&self) -> u64 {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Feeds more bytes; chunk boundaries do not matter.
    pub fn update(&mut self, mut data: &[u8]) {
        let mut pos = (self.len % WIDTH_BITS as u64) as usize;
        self.len += data.len() as u64;
        // Bring the position back to 0 so whole 160-byte blocks line up with `acc`.
        if pos != 0 {
            let head = (WIDTH_BITS - pos).min(data.len());
            for (a, b) in self.acc[pos..pos + head].iter_mut().zip(&data[..head]) {
                *a ^= *b;
            }
            pos = (pos + head) % WIDTH_BITS;
            data = &data[head..];
            if pos != 0 {
                return;
            }
        }
        let mut blocks = data.chunks_exact(WIDTH_BITS);
        for block in &mut blocks {
            for (a, b) in self.acc.iter_mut().zip(block) {
                *a ^= *b;
            }
        }
        for (a, b) in self.acc.iter_mut().zip(blocks.remainder()) {
            *a ^= *b;
        }
    }

    /// The 20-byte digest.
    pub fn digest(&self) -> [u8; DIGEST_LEN] {
        let mut out = [0u8; DIGEST_LEN];
        for (k, &v) in self.acc.iter().enumerate() {
            if v == 0 {
                continue;
            }
            let offset = (k * SHIFT) % WIDTH_BITS;
            for bit in 0..8 {
                if v & (1 << bit) != 0 {
                    let p = (offset + bit) % WIDTH_BITS;
                    out[p / 8] ^= 1 << (p % 8);
                }
            }
        }
        for (o, l) in out[DIGEST_LEN - 8..].iter_mut().zip(self.len.to_le_bytes()) {
            *o ^= l;
        }
        out
    }

    /// The digest as OneDrive reports it: standard Base64 with padding (28 characters).
    pub fn finish_base64(&self) -> String {
        base64::engine::general_purpose::STANDARD.encode(self.digest())
    }
}

/// Hashes a whole buffer at once.
pub fn hash_base64(data: &[u8]) -> String {
    let mut h = QuickXorHash::new();
    h.update(data);
    h.finish_base64()
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64::engine::general_purpose::STANDARD;

    /// Vectors from `../shared/graph-api-notes.md` §9.2 (rclone's table, raw input in Base64).
    const B64_VECTORS: &[(&str, &str)] = &[
        ("", "AAAAAAAAAAAAAAAAAAAAAAAAAAA="),
        ("Sg==", "SgAAAAAAAAAAAAAAAQAAAAAAAAA="),
        ("tbQ=", "taAFAAAAAAAAAAAAAgAAAAAAAAA="),
        ("0pZP", "0rDEEwAAAAAAAAAAAwAAAAAAAAA="),
        ("2fuxhBJXtpWFe8dOfdGeHw==", "O9tHLAghgSvYohKFyMMxnNCHaHg="),
        (
            "T6LYJIfDh81JrAK309H2JMJTXis=",
            "zBTHrspn3mEcohlJdIUAbjGNaNg=",
        ),
        (
            "NbYXsp5/K6mR+NmHwExjvWeWDJFnXTKWVlzYHoesp2E=",
            "wjuAuWDiq04qDt1R8hHWDDcwVoQ=",
        ),
    ];

    /// ASCII vectors from the same notes.
    const ASCII_VECTORS: &[(&str, &str)] = &[
        ("a", "YQAAAAAAAAAAAAAAAQAAAAAAAAA="),
        ("abc", "YRDDGAAAAAAAAAAAAwAAAAAAAAA="),
        ("hello world", "aCgDG9jwBhDc4Q1yawMZAAAAAAA="),
        (
            "The contents of the file goes here.",
            "ReSWVXEBRVw+tb7EXyMlJRtIB58=",
        ),
    ];

    fn chunked(data: &[u8], chunk: usize) -> String {
        let mut h = QuickXorHash::new();
        for c in data.chunks(chunk.max(1)) {
            h.update(c);
        }
        h.finish_base64()
    }

    #[test]
    fn rclone_vectors_whole_and_chunked() {
        for (input, expected) in B64_VECTORS {
            let data = STANDARD.decode(input).unwrap();
            assert_eq!(hash_base64(&data), *expected, "input {input}");
            for chunk in [1, 2, 3, 7, 160, 161] {
                assert_eq!(
                    chunked(&data, chunk),
                    *expected,
                    "input {input} chunk {chunk}"
                );
            }
        }
    }

    #[test]
    fn ascii_vectors() {
        for (input, expected) in ASCII_VECTORS {
            assert_eq!(hash_base64(input.as_bytes()), *expected, "input {input:?}");
        }
        assert_eq!(hash_base64(&[b'x'; 1000]), "RS960Yte9KIXvehFx3nR8573vOc=");
    }

    #[test]
    fn one_mebibyte_vector_in_odd_chunks() {
        let data: Vec<u8> = (0..1_048_576u32).map(|i| (i % 256) as u8).collect();
        let expected = "QkGEfSisZcA7k+FCh7x72dbCayY=";
        assert_eq!(hash_base64(&data), expected);
        for chunk in [1, 159, 320 * 1024 + 1, 65_536] {
            assert_eq!(chunked(&data, chunk), expected, "chunk {chunk}");
        }
    }
}
