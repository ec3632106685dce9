//! A response body that streams a byte range of a [`Blob`] as refcounted slices.
//!
//! It reports its exact length (`size_hint`), so hyper frames the response with
//! `Content-Length` rather than chunked encoding, and every frame is one stored buffer
//! (up to [`crate::store::blob::CHUNK`]), handed to the socket without copying.

use std::convert::Infallible;
use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::Bytes;
use http_body::{Frame, SizeHint};

use crate::store::Blob;

pub struct BlobBody {
    blob: Blob,
    pos: u64,
    end: u64,
}

impl BlobBody {
    /// Streams `start..end` (end exclusive, clamped to the blob).
    pub fn new(blob: Blob, start: u64, end: u64) -> Self {
        let end = end.min(blob.len());
        Self {
            blob,
            pos: start.min(end),
            end,
        }
    }
}

impl http_body::Body for BlobBody {
    type Data = Bytes;
    type Error = Infallible;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        _cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Infallible>>> {
        if self.pos >= self.end {
            return Poll::Ready(None);
        }
        let s = self.blob.slice_at(self.pos, self.end);
        self.pos += s.len() as u64;
        Poll::Ready(Some(Ok(Frame::data(s))))
    }

    fn is_end_stream(&self) -> bool {
        self.pos >= self.end
    }

    fn size_hint(&self) -> SizeHint {
        SizeHint::with_exact(self.end - self.pos)
    }
}
