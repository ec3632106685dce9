//! The two byte-range headers of the transfer routes: `Range` on downloads (RFC 9110
//! §14.2) and `Content-Range` on upload-session fragments (`bytes a-b/total`).

/// What a `Range` header asks of a representation of `len` bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RangeRequest {
    /// No usable `Range`: send everything with 200. RFC 9110 lets a server ignore a header
    /// it cannot parse, other units, and (our choice, documented in the README) a request
    /// for several ranges, which would otherwise need a `multipart/byteranges` body.
    Full,
    /// One satisfiable range, `start..end` (end exclusive): 206.
    Single { start: u64, end: u64 },
    /// Syntactically fine but outside the representation: 416 with `bytes */len`.
    Unsatisfiable,
}

pub fn parse_range(header: Option<&str>, len: u64) -> RangeRequest {
    let Some(h) = header else {
        return RangeRequest::Full;
    };
    let h = h.trim();
    let Some((unit, set)) = h.split_once('=') else {
        return RangeRequest::Full;
    };
    if !unit.trim().eq_ignore_ascii_case("bytes") {
        return RangeRequest::Full;
    }
    let specs: Vec<&str> = set
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .collect();
    if specs.len() != 1 {
        return RangeRequest::Full;
    }
    let Some((a, b)) = specs[0].split_once('-') else {
        return RangeRequest::Full;
    };
    let (a, b) = (a.trim(), b.trim());
    if a.is_empty() {
        // Suffix: the last n bytes.
        let Some(n) = parse_u64(b) else {
            return RangeRequest::Full;
        };
        if n == 0 || len == 0 {
            return RangeRequest::Unsatisfiable;
        }
        return RangeRequest::Single {
            start: len.saturating_sub(n),
            end: len,
        };
    }
    let Some(start) = parse_u64(a) else {
        return RangeRequest::Full;
    };
    let last = if b.is_empty() {
        None
    } else {
        match parse_u64(b) {
            Some(v) if v >= start => Some(v),
            // `a-b` with b < a is invalid, hence ignored (RFC 9110 §14.1.1).
            _ => return RangeRequest::Full,
        }
    };
    if start >= len {
        return RangeRequest::Unsatisfiable;
    }
    let end = last.map_or(len, |l| l.saturating_add(1).min(len));
    RangeRequest::Single { start, end }
}

/// Digits only (no sign, no spaces inside), no overflow.
fn parse_u64(s: &str) -> Option<u64> {
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

/// `Content-Range: bytes {first}-{last}/{total}` of an upload fragment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FragmentRange {
    pub first: u64,
    /// Inclusive.
    pub last: u64,
    pub total: u64,
}

impl FragmentRange {
    pub fn len(&self) -> u64 {
        self.last - self.first + 1
    }

    pub fn is_empty(&self) -> bool {
        false
    }
}

/// Parses a fragment's `Content-Range`; `None` when garbled, open-ended (`*`) or
/// inconsistent (`last < first`, `last >= total`).
pub fn parse_content_range(h: &str) -> Option<FragmentRange> {
    let h = h.trim();
    let (unit, rest) = h.split_once(' ')?;
    if !unit.eq_ignore_ascii_case("bytes") {
        return None;
    }
    let (range, total) = rest.trim().split_once('/')?;
    let (a, b) = range.split_once('-')?;
    let first = parse_u64(a.trim())?;
    let last = parse_u64(b.trim())?;
    let total = parse_u64(total.trim())?;
    if last < first || last >= total {
        return None;
    }
    Some(FragmentRange { first, last, total })
}

#[cfg(test)]
mod tests {
    use super::RangeRequest::*;
    use super::*;

    #[test]
    fn range_forms() {
        let r = |h: &str| parse_range(Some(h), 100);
        assert_eq!(r("bytes=0-9"), Single { start: 0, end: 10 });
        assert_eq!(
            r("bytes=90-"),
            Single {
                start: 90,
                end: 100
            }
        );
        assert_eq!(
            r("bytes=-10"),
            Single {
                start: 90,
                end: 100
            }
        );
        assert_eq!(r("bytes=-1000"), Single { start: 0, end: 100 });
        assert_eq!(
            r("bytes=50-1000"),
            Single {
                start: 50,
                end: 100
            }
        );
        assert_eq!(r("bytes=100-"), Unsatisfiable);
        assert_eq!(r("bytes=100-200"), Unsatisfiable);
        assert_eq!(r("bytes=-0"), Unsatisfiable);
        assert_eq!(r("bytes=9-3"), Full);
        assert_eq!(r("bytes=0-1,5-6"), Full);
        assert_eq!(r("items=0-1"), Full);
        assert_eq!(r("bytes=x-1"), Full);
        assert_eq!(r("bytes=+1-2"), Full);
        assert_eq!(r("garbage"), Full);
        assert_eq!(parse_range(None, 5), Full);
        assert_eq!(parse_range(Some("bytes=-5"), 0), Unsatisfiable);
        assert_eq!(parse_range(Some("bytes=0-"), 0), Unsatisfiable);
    }

    #[test]
    fn content_range_forms() {
        assert_eq!(
            parse_content_range("bytes 0-25/128"),
            Some(FragmentRange {
                first: 0,
                last: 25,
                total: 128
            })
        );
        for bad in [
            "bytes 0-25/*",
            "bytes */128",
            "bytes 5-4/128",
            "bytes 0-128/128",
            "bytes=0-1/2",
            "0-1/2",
            "bytes 0-1/",
            "bytes -1-2/5",
            "",
        ] {
            assert_eq!(parse_content_range(bad), None, "{bad}");
        }
    }
}
