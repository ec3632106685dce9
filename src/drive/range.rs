//! Range arguments, parsed and checked before any request is made.
//!
//! - `ls -r`: python-onedrive's `offset-limit`, `offset-`, `-limit`, `limit` (also `:` as
//!   the separator), applied to the name-sorted listing.
//! - `get -b`: an RFC 7233 byte-range-spec without the unit: `first-last`, `first-`,
//!   `-suffix` (the last `suffix` bytes). One range only.

use std::fmt;

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("bad range '{input}': {reason}")]
pub struct RangeError {
    pub input: String,
    pub reason: &'static str,
}

fn err(input: &str, reason: &'static str) -> RangeError {
    RangeError {
        input: input.to_owned(),
        reason,
    }
}

fn number(s: &str, input: &str) -> Result<Option<u64>, RangeError> {
    if s.is_empty() {
        return Ok(None);
    }
    if !s.bytes().all(|b| b.is_ascii_digit()) {
        return Err(err(input, "expected non-negative integers"));
    }
    s.parse()
        .map(Some)
        .map_err(|_| err(input, "number too large"))
}

/// `ls -r`: which slice of the sorted listing to print.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ListRange {
    pub offset: Option<u64>,
    pub limit: Option<u64>,
}

impl ListRange {
    pub fn parse(input: &str) -> Result<Self, RangeError> {
        let s = input.trim();
        match s.find(['-', ':']) {
            None => {
                let limit = number(s, input)?
                    .ok_or_else(|| err(input, "expected 'offset-limit' or 'limit'"))?;
                Ok(Self {
                    offset: None,
                    limit: Some(limit),
                })
            }
            Some(i) => {
                let (a, b) = (&s[..i], &s[i + 1..]);
                Ok(Self {
                    offset: number(a, input)?,
                    limit: number(b, input)?,
                })
            }
        }
    }

    /// Applies the range to an already sorted list.
    pub fn apply<T>(&self, items: Vec<T>) -> Vec<T> {
        let offset = usize::try_from(self.offset.unwrap_or(0)).unwrap_or(usize::MAX);
        let it = items.into_iter().skip(offset);
        match self.limit {
            Some(l) => it.take(usize::try_from(l).unwrap_or(usize::MAX)).collect(),
            None => it.collect(),
        }
    }
}

/// `get -b`: an RFC 7233 byte range.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ByteRange {
    /// `first-last`, both inclusive.
    FromTo(u64, u64),
    /// `first-`: from `first` to the end.
    From(u64),
    /// `-n`: the last `n` bytes.
    Suffix(u64),
}

impl ByteRange {
    pub fn parse(input: &str) -> Result<Self, RangeError> {
        let s = input.trim();
        let s = s.strip_prefix("bytes=").unwrap_or(s);
        if s.contains(',') {
            return Err(err(input, "only one range is supported"));
        }
        let (a, b) = s
            .split_once('-')
            .ok_or_else(|| err(input, "expected 'first-last', 'first-' or '-suffix'"))?;
        match (number(a, input)?, number(b, input)?) {
            (Some(f), Some(l)) if f <= l => Ok(Self::FromTo(f, l)),
            (Some(_), Some(_)) => Err(err(input, "first byte is after last byte")),
            (Some(f), None) => Ok(Self::From(f)),
            (None, Some(0)) => Err(err(input, "empty suffix range")),
            (None, Some(n)) => Ok(Self::Suffix(n)),
            (None, None) => Err(err(input, "expected 'first-last', 'first-' or '-suffix'")),
        }
    }

    /// The `Range` header value.
    pub fn header(&self) -> String {
        format!("bytes={self}")
    }
}

impl fmt::Display for ByteRange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ByteRange::FromTo(a, b) => write!(f, "{a}-{b}"),
            ByteRange::From(a) => write!(f, "{a}-"),
            ByteRange::Suffix(n) => write!(f, "-{n}"),
        }
    }
}

impl From<ByteRange> for crate::graph::ByteRange {
    fn from(r: ByteRange) -> Self {
        match r {
            ByteRange::FromTo(a, b) => crate::graph::ByteRange::FromTo(a, b),
            ByteRange::From(a) => crate::graph::ByteRange::From(a),
            ByteRange::Suffix(n) => crate::graph::ByteRange::Last(n),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn list_range_forms() {
        let r = |s| ListRange::parse(s).unwrap();
        assert_eq!(
            r("10"),
            ListRange {
                offset: None,
                limit: Some(10)
            }
        );
        assert_eq!(
            r("5-10"),
            ListRange {
                offset: Some(5),
                limit: Some(10)
            }
        );
        assert_eq!(
            r("5-"),
            ListRange {
                offset: Some(5),
                limit: None
            }
        );
        assert_eq!(
            r("-10"),
            ListRange {
                offset: None,
                limit: Some(10)
            }
        );
        assert_eq!(
            r("5:2"),
            ListRange {
                offset: Some(5),
                limit: Some(2)
            }
        );
        for bad in ["", "a", "1-b", "-x", "1-2-3", "1.5"] {
            assert!(ListRange::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn list_range_apply() {
        let v: Vec<u32> = (0..10).collect();
        assert_eq!(
            ListRange::parse("3").unwrap().apply(v.clone()),
            vec![0, 1, 2]
        );
        assert_eq!(ListRange::parse("8-").unwrap().apply(v.clone()), vec![8, 9]);
        assert_eq!(
            ListRange::parse("2-2").unwrap().apply(v.clone()),
            vec![2, 3]
        );
        assert!(ListRange::parse("20-").unwrap().apply(v).is_empty());
    }

    #[test]
    fn byte_range_forms() {
        let r = |s| ByteRange::parse(s).unwrap();
        assert_eq!(r("0-499"), ByteRange::FromTo(0, 499));
        assert_eq!(r("-500"), ByteRange::Suffix(500));
        assert_eq!(r("500-"), ByteRange::From(500));
        assert_eq!(r("bytes=1-1"), ByteRange::FromTo(1, 1));
        assert_eq!(r("0-499").header(), "bytes=0-499");
        assert_eq!(r("-500").header(), "bytes=-500");
        for bad in ["", "-", "5", "9-3", "-0", "a-b", "0-1,3-4", "1--2"] {
            assert!(ByteRange::parse(bad).is_err(), "{bad}");
        }
    }
}
