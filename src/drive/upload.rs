//! Uploads: simple PUT for small files, upload sessions above (or when forced).
//!
//! Graph: a simple `PUT .../content` is documented up to 250 MB today but was 4 MB until
//! recently, so 4 MiB is the safe simple-upload ceiling; above it an upload session sends
//! fragments that are multiples of 320 KiB (except the last) and under 60 MiB each.

/// Largest file sent with a simple PUT.
pub const SIMPLE_UPLOAD_MAX: u64 = 4 * 1024 * 1024;
/// Fragments must be multiples of this (Graph: 320 KiB).
pub const FRAGMENT_UNIT: u64 = 320 * 1024;
/// Default fragment: 10 MiB rounded down to a 320 KiB multiple (Graph recommends 5-10 MiB).
pub const DEFAULT_FRAGMENT: u64 = (10 * 1024 * 1024 / FRAGMENT_UNIT) * FRAGMENT_UNIT;
/// Graph: each fragment request must be under 60 MiB.
pub const MAX_FRAGMENT: u64 = (60 * 1024 * 1024 / FRAGMENT_UNIT) * FRAGMENT_UNIT;

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum SizeError {
    #[error("bad size '{0}': expected bytes, or a number with K, M or G (KiB, MiB, GiB)")]
    Syntax(String),
    #[error(
        "fragment size '{0}' must be a multiple of 320 KiB (327680 bytes), e.g. 320K, 640K, 10M"
    )]
    NotMultiple(String),
    #[error("fragment size '{0}' must be between 320 KiB and 60 MiB")]
    OutOfBounds(String),
}

/// Parses `1048576`, `320K`, `10M`, `10MiB`, `1G` (binary units).
pub fn parse_size(input: &str) -> Result<u64, SizeError> {
    let s = input.trim();
    let digits = s.bytes().take_while(u8::is_ascii_digit).count();
    let (num, unit) = s.split_at(digits);
    let n: u64 = num.parse().map_err(|_| SizeError::Syntax(input.into()))?;
    let mult: u64 = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1,
        "k" | "kib" | "kb" => 1 << 10,
        "m" | "mib" | "mb" => 1 << 20,
        "g" | "gib" | "gb" => 1 << 30,
        _ => return Err(SizeError::Syntax(input.into())),
    };
    n.checked_mul(mult)
        .ok_or_else(|| SizeError::Syntax(input.into()))
}

/// `--chunk-size`: must be a 320 KiB multiple within Graph's bounds.
pub fn chunk_size(input: &str) -> Result<u64, SizeError> {
    let n = parse_size(input)?;
    if n == 0 || n > MAX_FRAGMENT {
        return Err(SizeError::OutOfBounds(input.into()));
    }
    if n % FRAGMENT_UNIT != 0 {
        return Err(SizeError::NotMultiple(input.into()));
    }
    Ok(n)
}

/// `--bits-frag-bytes` (python-onedrive's option took any byte count): rounded down to a
/// 320 KiB multiple, at least 320 KiB, at most 60 MiB.
pub fn bits_frag_bytes(input: &str) -> Result<u64, SizeError> {
    let n = parse_size(input)?;
    Ok((n / FRAGMENT_UNIT * FRAGMENT_UNIT).clamp(FRAGMENT_UNIT, MAX_FRAGMENT))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes() {
        assert_eq!(parse_size("1048576").unwrap(), 1 << 20);
        assert_eq!(parse_size("320K").unwrap(), FRAGMENT_UNIT);
        assert_eq!(parse_size("10MiB").unwrap(), 10 << 20);
        assert!(parse_size("ten").is_err());
        assert!(parse_size("10X").is_err());
        assert!(parse_size("").is_err());
    }

    #[test]
    fn fragment_sizes() {
        assert_eq!(DEFAULT_FRAGMENT % FRAGMENT_UNIT, 0);
        assert!(DEFAULT_FRAGMENT <= 10 << 20 && DEFAULT_FRAGMENT > 9 << 20);
        assert_eq!(chunk_size("640K").unwrap(), 2 * FRAGMENT_UNIT);
        assert_eq!(
            chunk_size("100K"),
            Err(SizeError::NotMultiple("100K".into()))
        );
        assert_eq!(chunk_size("0"), Err(SizeError::OutOfBounds("0".into())));
        assert!(chunk_size("64M").is_err());
        assert_eq!(bits_frag_bytes("1000000").unwrap(), 3 * FRAGMENT_UNIT);
        assert_eq!(bits_frag_bytes("1").unwrap(), FRAGMENT_UNIT);
        assert_eq!(bits_frag_bytes("1G").unwrap(), MAX_FRAGMENT);
    }
}
