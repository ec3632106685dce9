//! The local side of a transfer: streaming a byte range of a file as a request body,
//! hashing ranges, modification times at whole seconds, and file modes.
//!
//! Why whole seconds: OneDrive keeps `fileSystemInfo.lastModifiedDateTime` to the
//! second (rclone trusts it to 1 s: `Precision()`), and clients that compared
//! sub-second times re-uploaded unchanged files (rclone/rclone#8090, abraunegg/onedrive#89).

use std::io::{Read, Seek, SeekFrom};
use std::path::Path;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use bytes::Bytes;
use quickxorhash::QuickXorHash;

use super::error::{DriveError, Result};

/// Bytes read from disk per body chunk: large enough for few system calls, small
/// enough that a transfer's memory does not depend on the fragment size.
pub const READ_CHUNK: usize = 1 << 20;

/// What tells that a local file changed while it was read: its size and modification
/// time.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Stamp {
    len: u64,
    modified: Option<std::time::SystemTime>,
}

impl Stamp {
    pub fn of(meta: &std::fs::Metadata) -> Self {
        Self {
            len: meta.len(),
            modified: meta.modified().ok(),
        }
    }
}

/// A request body streaming `len` bytes of `path` from `offset`, read `READ_CHUNK` at a
/// time on the blocking pool; each chunk is also handed to `observe` (hashing) before
/// it is sent. A file that became shorter, or whose size or modification time changed
/// since the body was opened (checked after every chunk, on the open file), ends the
/// stream with an error: the request then cannot complete, so a fragment never carries
/// bytes of two versions (and a last fragment never commits them).
pub fn file_body(
    path: &Path,
    offset: u64,
    len: u64,
    observe: impl FnMut(u64, &[u8]) + Send + 'static,
) -> Result<reqwest::Body> {
    let mut file = std::fs::File::open(path).map_err(|e| DriveError::local(path, e))?;
    file.seek(SeekFrom::Start(offset))
        .map_err(|e| DriveError::local(path, e))?;
    let opened = file
        .metadata()
        .map(|m| Stamp::of(&m))
        .map_err(|e| DriveError::local(path, e))?;
    let state = (Some(file), offset, offset + len, observe);
    let stream =
        futures_util::stream::try_unfold(state, move |(file, pos, end, mut observe)| async move {
            let Some(mut file) = file else {
                return Ok(None);
            };
            if pos >= end {
                return Ok(None);
            }
            let want = ((end - pos) as usize).min(READ_CHUNK);
            let (file, buf) = tokio::task::spawn_blocking(move || {
                let mut buf = vec![0u8; want];
                let r = file.read_exact(&mut buf).and_then(|()| {
                    if Stamp::of(&file.metadata()?) == opened {
                        Ok(buf)
                    } else {
                        Err(std::io::Error::other("the file changed while it was read"))
                    }
                });
                (file, r)
            })
            .await
            .map_err(std::io::Error::other)?;
            let buf = buf?;
            observe(pos, &buf);
            let next = pos + buf.len() as u64;
            Ok::<_, std::io::Error>(Some((Bytes::from(buf), (Some(file), next, end, observe))))
        });
    Ok(reqwest::Body::wrap_stream(stream))
}

/// QuickXorHash-feeds `hasher` with bytes `from..to` of `file` (to catch up on bytes a
/// resumed transfer did not read in this process).
pub fn hash_range(path: &Path, hasher: &mut QuickXorHash, from: u64, to: u64) -> Result<()> {
    let mut file = std::fs::File::open(path).map_err(|e| DriveError::local(path, e))?;
    file.seek(SeekFrom::Start(from))
        .map_err(|e| DriveError::local(path, e))?;
    let mut left = to.saturating_sub(from);
    let mut buf = vec![0u8; READ_CHUNK];
    while left > 0 {
        let n = (left as usize).min(buf.len());
        file.read_exact(&mut buf[..n])
            .map_err(|e| DriveError::local(path, e))?;
        hasher.update(&buf[..n]);
        left -= n as u64;
    }
    Ok(())
}

/// QuickXorHash (base64) and size of a whole local file.
pub fn hash_file(path: &Path) -> Result<(String, u64)> {
    let len = std::fs::metadata(path)
        .map_err(|e| DriveError::local(path, e))?
        .len();
    let mut h = QuickXorHash::new();
    hash_range(path, &mut h, 0, len)?;
    Ok((h.finish_base64(), len))
}

/// A cheap fingerprint of a local file's content for deciding whether an upload
/// session recorded earlier still belongs to it: size, modification time (ns), inode,
/// and the QuickXorHash of its first and last MiB. Not a proof of identity (the final
/// QuickXorHash check is), only a guard against resuming with a changed file.
pub fn fingerprint(path: &Path) -> Result<String> {
    let meta = std::fs::metadata(path).map_err(|e| DriveError::local(path, e))?;
    let len = meta.len();
    let mtime = meta
        .modified()
        .ok()
        .and_then(|t| t.duration_since(UNIX_EPOCH).ok())
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    #[cfg(unix)]
    let ino = std::os::unix::fs::MetadataExt::ino(&meta);
    #[cfg(not(unix))]
    let ino = 0u64;
    let edge = (1u64 << 20).min(len);
    let mut head = QuickXorHash::new();
    hash_range(path, &mut head, 0, edge)?;
    let mut tail = QuickXorHash::new();
    hash_range(path, &mut tail, len - edge, len)?;
    Ok(format!(
        "{len}:{mtime}:{ino}:{}:{}",
        head.finish_base64(),
        tail.finish_base64()
    ))
}

/// The file's modification time at whole seconds, as Graph's RFC 3339 text
/// (`2021-03-04T05:06:07Z`), or `None` if the platform has none.
pub fn modified_rfc3339(meta: &std::fs::Metadata) -> Option<String> {
    let t = meta.modified().ok()?;
    let secs = match t.duration_since(UNIX_EPOCH) {
        Ok(d) => d.as_secs() as i64,
        Err(e) => -(e.duration().as_secs_f64().ceil() as i64),
    };
    let ts = jiff::Timestamp::from_second(secs).ok()?;
    Some(ts.strftime("%Y-%m-%dT%H:%M:%SZ").to_string())
}

/// Parses Graph's timestamp into a `SystemTime` truncated to whole seconds.
pub fn parse_time(s: &str) -> Option<SystemTime> {
    let ts: jiff::Timestamp = s.parse().ok()?;
    let secs = ts.as_second();
    if secs >= 0 {
        Some(UNIX_EPOCH + Duration::from_secs(secs as u64))
    } else {
        UNIX_EPOCH.checked_sub(Duration::from_secs(secs.unsigned_abs()))
    }
}

/// The mode a new file gets in this process (0666 less the umask, as open(2) applies
/// it), found once by creating a probe file: the umask cannot be read without
/// changing it, which is unsafe with other threads creating files.
#[cfg(unix)]
pub fn new_file_mode(dir: &Path) -> u32 {
    use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
    static MODE: std::sync::OnceLock<u32> = std::sync::OnceLock::new();
    *MODE.get_or_init(|| {
        let probe = tempfile::Builder::new()
            .prefix(".onedrive-cli-mode-")
            .make_in(dir, |p| {
                std::fs::OpenOptions::new()
                    .write(true)
                    .create_new(true)
                    .mode(0o666)
                    .open(p)
            });
        match probe {
            Ok(f) => f
                .as_file()
                .metadata()
                .map(|m| m.permissions().mode() & 0o7777)
                .unwrap_or(0o644),
            Err(_) => 0o644,
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use futures_util::StreamExt as _;

    #[test]
    fn times_are_whole_seconds_in_graph_form() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("f");
        std::fs::write(&p, b"x").unwrap();
        let f = std::fs::File::options().write(true).open(&p).unwrap();
        let t = UNIX_EPOCH + Duration::from_millis(1_614_834_367_890); // 2021-03-04 05:06:07.89
        f.set_modified(t).unwrap();
        let meta = std::fs::metadata(&p).unwrap();
        assert_eq!(
            modified_rfc3339(&meta).as_deref(),
            Some("2021-03-04T05:06:07Z")
        );
        assert_eq!(
            parse_time("2021-03-04T05:06:07.89Z"),
            Some(UNIX_EPOCH + Duration::from_secs(1_614_834_367))
        );
        assert_eq!(parse_time("garbage"), None);
    }

    #[tokio::test]
    async fn file_bodies_stream_the_range_and_show_every_byte_once() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("f");
        let data: Vec<u8> = (0..3 * READ_CHUNK + 17).map(|i| (i % 251) as u8).collect();
        std::fs::write(&p, &data).unwrap();
        let seen = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let s2 = seen.clone();
        let from = 5u64;
        let len = (2 * READ_CHUNK + 3) as u64;
        let body = file_body(&p, from, len, move |pos, b| {
            s2.lock().unwrap().push((pos, b.len()))
        })
        .unwrap();
        let mut out = Vec::new();
        let mut stream = http_body_util::BodyDataStream::new(body);
        while let Some(c) = stream.next().await {
            out.extend_from_slice(&c.unwrap());
        }
        assert_eq!(out, &data[from as usize..(from + len) as usize]);
        let seen = seen.lock().unwrap();
        assert_eq!(seen[0], (from, READ_CHUNK));
        assert_eq!(seen.iter().map(|s| s.1 as u64).sum::<u64>(), len);
    }

    #[test]
    fn hashes_and_fingerprints() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("f");
        std::fs::write(&p, b"hello world").unwrap();
        assert_eq!(
            hash_file(&p).unwrap(),
            ("aCgDG9jwBhDc4Q1yawMZAAAAAAA=".to_owned(), 11)
        );
        let a = fingerprint(&p).unwrap();
        assert_eq!(a, fingerprint(&p).unwrap());
        std::fs::write(&p, b"hello worle").unwrap();
        assert_ne!(a, fingerprint(&p).unwrap());
    }
}
