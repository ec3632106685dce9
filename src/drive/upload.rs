//! Uploads: simple PUT for small files, upload sessions above (or when forced).
//!
//! Graph: a simple `PUT .../content` is documented up to 250 MB today but was 4 MB until
//! recently, so 4 MiB is the safe simple-upload ceiling; above it an upload session sends
//! fragments that are multiples of 320 KiB (except the last) and under 60 MiB each.

use std::io::{Read, Seek, SeekFrom};
use std::path::PathBuf;

use bytes::Bytes;
use quickxorhash::QuickXorHash;

use super::error::{DriveError, Result};
use crate::graph::{ConflictBehavior, DriveItem, FragmentOutcome, GraphClient, ItemRef};
use crate::http::ErrorKind;

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

/// How to upload.
#[derive(Clone, Debug)]
pub struct UploadOptions {
    /// Name of the file in OneDrive.
    pub name: String,
    /// What to do when the name exists (Graph's PUT default is replace).
    pub conflict: ConflictBehavior,
    /// Use an upload session even for a small file (`--bits`, `--chunk-size`).
    pub force_session: bool,
    /// Fragment size for sessions (a 320 KiB multiple).
    pub fragment: u64,
    /// Reported after each accepted fragment (and at the end of a simple upload).
    pub progress: super::Progress,
}

/// Where the bytes come from.
#[derive(Debug)]
pub enum Source {
    File(PathBuf),
    Stdin,
}

/// Uploads `source` into `folder` as `opts.name`. Memory stays bounded by one fragment:
/// files are read fragment by fragment; stdin and other streams (`<(cmd)`, FIFOs) are
/// spooled to a temporary file first, because a session needs the total size up front
/// and a fragment must be re-readable to be retried.
pub async fn upload(
    graph: &GraphClient,
    folder: &ItemRef,
    source: Source,
    opts: &UploadOptions,
) -> Result<DriveItem> {
    let (mut file, path, _spool) = match source {
        Source::File(path) => {
            let f = std::fs::File::open(&path).map_err(|e| DriveError::local(&path, e))?;
            let meta = f.metadata().map_err(|e| DriveError::local(&path, e))?;
            if meta.is_dir() {
                return Err(DriveError::local(
                    &path,
                    std::io::Error::other("is a directory"),
                ));
            }
            if meta.is_file() {
                (f, path, None)
            } else {
                let spool = spool(f, &path)?;
                let f = spool
                    .reopen()
                    .map_err(|e| DriveError::local(spool.path(), e))?;
                (f, path, Some(spool))
            }
        }
        Source::Stdin => {
            let spool = spool(std::io::stdin().lock(), std::path::Path::new("<stdin>"))?;
            let f = spool
                .reopen()
                .map_err(|e| DriveError::local(spool.path(), e))?;
            (f, PathBuf::from("<stdin>"), Some(spool))
        }
    };
    let size = file
        .metadata()
        .map_err(|e| DriveError::local(&path, e))?
        .len();
    let target = match folder {
        ItemRef::Root => folder.join(&opts.name),
        // Graph creates missing folders on an upload addressed by path, so a mistyped
        // destination would silently become a new folder; the original tool failed
        // instead. Resolving the folder first (one request) keeps that behaviour and
        // rejects a file given as the destination.
        _ => {
            let parent = graph.get_item(folder).await?;
            if !parent.is_folder() {
                return Err(DriveError::NotAFolder);
            }
            ItemRef::Id(parent.id).join(&opts.name)
        }
    };
    // Graph: sessions cannot carry an empty file (no fragment to send), and small files
    // are one request with a simple PUT.
    if size == 0 || (size <= SIMPLE_UPLOAD_MAX && !opts.force_session) {
        let mut buf = Vec::with_capacity(size as usize);
        file.read_to_end(&mut buf)
            .map_err(|e| DriveError::local(&path, e))?;
        let local = quickxorhash::hash_base64(&buf);
        let item = graph
            .upload_small(&target, Bytes::from(buf), Some(opts.conflict))
            .await?;
        opts.progress.report(size, size);
        return verified(item, &local);
    }
    upload_session(graph, &target, &mut file, &path, size, opts).await
}

/// Most consecutive failed fragments before giving up (each retried after re-reading the
/// session's `nextExpectedRanges`).
const FRAGMENT_ATTEMPTS: u32 = 5;

async fn upload_session(
    graph: &GraphClient,
    target: &ItemRef,
    file: &mut std::fs::File,
    path: &std::path::Path,
    size: u64,
    opts: &UploadOptions,
) -> Result<DriveItem> {
    let session = graph
        .create_upload_session(target, Some(opts.conflict), Some(size), None)
        .await?;
    let url = session
        .upload_url
        .as_deref()
        .and_then(|u| url::Url::parse(u).ok())
        .ok_or_else(|| DriveError::Protocol("upload session without a valid uploadUrl".into()))?;
    let mut offset = session.next_expected_offset().unwrap_or(0);
    let mut failures = 0u32;
    // The local file's hash, fed in file order as fragments are first read (a resume may
    // re-read bytes already hashed), to check what the service stored.
    let mut hasher = QuickXorHash::new();
    loop {
        if offset >= size {
            return Err(DriveError::Protocol(format!(
                "upload session expects byte {offset} of a {size}-byte file"
            )));
        }
        let len = opts.fragment.min(size - offset);
        let buf = read_fragment(file, path, offset, len)?;
        let hashed = hasher.len();
        if offset <= hashed && hashed < offset + len {
            hasher.update(&buf[(hashed - offset) as usize..]);
        }
        match graph.upload_fragment(&url, offset, size, buf).await {
            Ok(FragmentOutcome::Completed(item)) => {
                opts.progress.report(size, size);
                if hasher.len() != size {
                    // Only possible if the session skipped bytes we never sent.
                    return Err(DriveError::Protocol(format!(
                        "upload session completed after {} of {size} bytes were sent",
                        hasher.len()
                    )));
                }
                return verified(*item, &hasher.finish_base64());
            }
            Ok(FragmentOutcome::Accepted(s)) => {
                failures = 0;
                offset = s.next_expected_offset().unwrap_or(offset + len);
                opts.progress.report(offset, size);
            }
            Err(e) => {
                failures += 1;
                let gone = e.kind() == ErrorKind::NotFound;
                if gone || failures >= FRAGMENT_ATTEMPTS {
                    if !gone {
                        let _ = graph.cancel_upload_session(&url).await;
                    }
                    return Err(e.into());
                }
                // Graph: a broken request discards all its bytes, and an overlap answers
                // 416; either way the session says where to resume.
                tracing::debug!(
                    "fragment at {offset} failed ({e}); asking the session where to resume"
                );
                match graph.upload_session_status(&url).await {
                    Ok(s) => offset = s.next_expected_offset().unwrap_or(offset),
                    Err(se) if se.kind() == ErrorKind::NotFound => return Err(e.into()),
                    Err(_) => {}
                }
            }
        }
    }
}

/// Checks the service's QuickXorHash of the stored file against the local bytes' (Graph
/// may omit hashes right after an upload: then there is nothing to check).
fn verified(item: DriveItem, local: &str) -> Result<DriveItem> {
    match item.quick_xor_hash() {
        Some(remote) if remote != local => Err(DriveError::UploadHashMismatch {
            local: local.to_owned(),
            remote: remote.to_owned(),
        }),
        _ => Ok(item),
    }
}

fn read_fragment(
    file: &mut std::fs::File,
    path: &std::path::Path,
    offset: u64,
    len: u64,
) -> Result<Bytes> {
    let mut buf = vec![0u8; len as usize];
    file.seek(SeekFrom::Start(offset))
        .and_then(|_| file.read_exact(&mut buf))
        .map_err(|e| DriveError::local(path, e))?;
    Ok(Bytes::from(buf))
}

fn spool(mut from: impl Read, name: &std::path::Path) -> Result<tempfile::NamedTempFile> {
    let mut spool =
        tempfile::NamedTempFile::new().map_err(|e| DriveError::local(std::env::temp_dir(), e))?;
    std::io::copy(&mut from, &mut spool).map_err(|e| DriveError::local(name, e))?;
    Ok(spool)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A stub service that stores nothing and reports a hash no content has, for simple
    /// PUTs and for the last fragment of a session: the upload must be reported as failed.
    #[tokio::test]
    async fn a_stored_hash_that_differs_from_the_local_bytes_is_an_error() {
        use std::sync::Arc;

        use axum::http::{Method, StatusCode, Uri};
        use futures_util::future::BoxFuture;

        use crate::graph::DriveSelector;
        use crate::http::{HttpClient, TokenSource};

        struct Fixed;
        impl TokenSource for Fixed {
            fn access_token<'a>(
                &'a self,
                _rejected: Option<&'a str>,
            ) -> BoxFuture<'a, crate::http::Result<String>> {
                Box::pin(async { Ok("t".to_owned()) })
            }
        }

        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let up = format!("{base}/up");
        let app = axum::Router::new().fallback(move |method: Method, uri: Uri| {
            let up = up.clone();
            async move {
                let item = serde_json::json!({"id": "A!1", "name": "f.bin", "file":
                    {"hashes": {"quickXorHash": "AAAAAAAAAAAAAAAAAAAAAAAAAAA="}}});
                let (status, body) = match (method, uri.path()) {
                    (Method::POST, p) if p.ends_with("createUploadSession") => {
                        (StatusCode::OK, serde_json::json!({"uploadUrl": up}))
                    }
                    _ => (StatusCode::CREATED, item),
                };
                (status, axum::Json(body))
            }
        });
        tokio::spawn(async move { axum::serve(listener, app).await });

        let http = HttpClient::new()
            .unwrap()
            .with_token_source(Arc::new(Fixed));
        let graph = GraphClient::new(http, &format!("{base}/v1.0"), DriveSelector::Me).unwrap();
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("f.bin");
        std::fs::write(&path, vec![7u8; 1000]).unwrap();
        for force_session in [false, true] {
            let opts = UploadOptions {
                name: "f.bin".into(),
                conflict: ConflictBehavior::Replace,
                force_session,
                fragment: FRAGMENT_UNIT,
                progress: Default::default(),
            };
            let err = upload(&graph, &ItemRef::Root, Source::File(path.clone()), &opts)
                .await
                .unwrap_err();
            assert!(
                matches!(&err, DriveError::UploadHashMismatch { local, .. }
                    if *local == quickxorhash::hash_base64(&[7u8; 1000])),
                "session {force_session}: {err}"
            );
        }
    }

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
        const { assert!(DEFAULT_FRAGMENT <= 10 << 20 && DEFAULT_FRAGMENT > 9 << 20) };
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
