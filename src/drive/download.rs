//! Downloads: streamed to a file or to stdout, never held in memory.
//!
//! The item's metadata is read first (one request): it says whether the object is a
//! file, and carries the QuickXorHash and a pre-authenticated `downloadUrl`, which is
//! then fetched without `Authorization` (Graph: `/content` would only redirect there).
//! A file destination is written to a temporary file in the destination folder and
//! renamed into place only when complete and, for a whole-file download, only when the
//! QuickXorHash matches: a failed download never leaves a truncated file behind.

use std::io::Write;
use std::path::{Path, PathBuf};

use futures_util::StreamExt as _;
use quickxorhash::QuickXorHash;

use super::error::{DriveError, Result};
use super::range::ByteRange;
use crate::graph::{DriveItem, GraphClient, ItemRef};

/// Where the bytes go.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Destination {
    Stdout,
    /// A file path; an existing directory (or a path ending in `/`) receives the file
    /// under its OneDrive name. Missing parent directories are created.
    File(PathBuf),
}

/// What was downloaded.
#[derive(Clone, Debug)]
pub struct Downloaded {
    pub item: DriveItem,
    pub bytes: u64,
    /// Where the file was written (`None` for stdout).
    pub path: Option<PathBuf>,
    /// Whether the QuickXorHash was checked (whole file, and the service sent one).
    pub verified: bool,
}

/// How often a download broken mid-body is resumed (with `Range`) before giving up.
const MAX_RESUMES: u32 = 5;

/// Where the bytes are written while they arrive.
enum Sink {
    Stdout(std::io::StdoutLock<'static>),
    /// The temporary file, renamed to `target` once complete and verified.
    File {
        tmp: tempfile::NamedTempFile,
        target: PathBuf,
    },
}

impl Sink {
    fn open(dst: &Destination, name: &str) -> Result<Sink> {
        match dst {
            Destination::Stdout => Ok(Sink::Stdout(std::io::stdout().lock())),
            Destination::File(path) => {
                let target = target_path(path, name);
                let dir = match target.parent() {
                    Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
                    _ => PathBuf::from("."),
                };
                std::fs::create_dir_all(&dir).map_err(|e| DriveError::local(&dir, e))?;
                let mut builder = tempfile::Builder::new();
                builder.prefix(".onedrive-cli-").suffix(".partial");
                // tempfile creates 0600 files; a downloaded file should get the mode any
                // new file gets (0666 less the umask, which open(2) applies), as with cp.
                #[cfg(unix)]
                builder.permissions(std::os::unix::fs::PermissionsExt::from_mode(0o666));
                let tmp = builder
                    .tempfile_in(&dir)
                    .map_err(|e| DriveError::local(&dir, e))?;
                Ok(Sink::File { tmp, target })
            }
        }
    }

    fn write(&mut self, data: &[u8]) -> std::io::Result<()> {
        match self {
            Sink::Stdout(out) => out.write_all(data),
            Sink::File { tmp, .. } => tmp.write_all(data),
        }
    }

    fn name(&self) -> PathBuf {
        match self {
            Sink::Stdout(_) => PathBuf::from("<stdout>"),
            Sink::File { tmp, .. } => tmp.path().to_path_buf(),
        }
    }

    /// Flushes, and for a file renames it into place; returns its final path.
    fn finish(self) -> Result<Option<PathBuf>> {
        match self {
            Sink::Stdout(mut out) => {
                out.flush().map_err(|e| DriveError::local("<stdout>", e))?;
                Ok(None)
            }
            Sink::File { mut tmp, target } => {
                tmp.flush().map_err(|e| DriveError::local(tmp.path(), e))?;
                tmp.persist(&target)
                    .map_err(|e| DriveError::local(&target, e.error))?;
                Ok(Some(target))
            }
        }
    }
}

/// `bytes 0-1023/2048` → (0, 1023).
fn parse_content_range(v: &str) -> Option<(u64, u64)> {
    let spec = v.trim().strip_prefix("bytes")?.trim();
    let (range, _total) = spec.split_once('/')?;
    let (a, b) = range.split_once('-')?;
    Some((a.trim().parse().ok()?, b.trim().parse().ok()?))
}

/// Downloads `object` (or `range` of it) to `dst`. A body broken mid-way is resumed from
/// the next byte with a `Range` request (Graph's download URLs support ranges), up to
/// [`MAX_RESUMES`] times; the hash is computed over the bytes as they are written, so a
/// resumed download is verified like any other.
pub async fn download(
    graph: &GraphClient,
    object: &ItemRef,
    range: Option<ByteRange>,
    dst: &Destination,
    progress: &super::Progress,
) -> Result<Downloaded> {
    let item = graph.get_item(object).await?;
    if item.file.is_none() {
        return Err(DriveError::NotAFile);
    }
    let id_ref = if item.id.is_empty() {
        object.clone()
    } else {
        ItemRef::Id(item.id.clone())
    };
    let download_url = item
        .download_url
        .as_deref()
        .and_then(|u| url::Url::parse(u).ok());
    let fetch = |r: Option<crate::graph::ByteRange>| {
        let (graph, id_ref, download_url) = (graph, &id_ref, &download_url);
        async move {
            match download_url {
                Some(u) => graph.download_url(u, r).await,
                None => graph.download(id_ref, r).await,
            }
        }
    };
    let dl = fetch(range.map(crate::graph::ByteRange::from)).await?;
    // A 200 answer to a ranged request is the whole file (servers may ignore Range): only
    // then, or without a range, can the hash be checked.
    let whole = !dl.is_partial();
    let expected = if whole {
        item.quick_xor_hash().map(str::to_owned)
    } else {
        None
    };
    if range.is_some() && whole {
        tracing::debug!("server ignored the Range header and sent the whole file");
    }
    // The absolute byte span this download covers, to resume inside it.
    let span = if whole {
        dl.content_length()
            .or(item.size)
            .map(|len| (0, len.saturating_sub(1)))
    } else {
        dl.content_range().and_then(parse_content_range)
    };
    let expected_len = span.map(|(a, b)| b + 1 - a).unwrap_or(0);

    let mut sink = Sink::open(dst, item.name())?;
    let mut stream = Box::pin(dl.into_stream());
    let mut hasher = QuickXorHash::new();
    let mut total = 0u64;
    let mut resumes = 0u32;
    loop {
        match stream.next().await {
            None => break,
            Some(Ok(chunk)) => {
                hasher.update(&chunk);
                total += chunk.len() as u64;
                progress.report(total, expected_len.max(total));
                match sink.write(&chunk) {
                    Ok(()) => {}
                    // The reader went away (`| head`): it wanted no more bytes.
                    Err(e)
                        if e.kind() == std::io::ErrorKind::BrokenPipe
                            && matches!(sink, Sink::Stdout(_)) =>
                    {
                        return Ok(Downloaded {
                            verified: false,
                            item,
                            bytes: total,
                            path: None,
                        });
                    }
                    Err(e) => return Err(DriveError::local(sink.name(), e)),
                }
            }
            Some(Err(e)) => {
                let Some((start, end)) = span else {
                    return Err(e.into());
                };
                let next = start + total;
                if resumes >= MAX_RESUMES || next > end {
                    return Err(e.into());
                }
                resumes += 1;
                tracing::debug!(
                    "download broke after {total} bytes ({e}); resuming at byte {next}"
                );
                let dl = fetch(Some(crate::graph::ByteRange::FromTo(next, end))).await?;
                // Only a 206 starting exactly where we stopped can be appended.
                if dl.content_range().and_then(parse_content_range) != Some((next, end)) {
                    return Err(e.into());
                }
                stream = Box::pin(dl.into_stream());
            }
        }
    }
    // On mismatch the temporary file is dropped (deleted): nothing is renamed.
    check_hash(expected.as_deref(), &hasher)?;
    let path = sink.finish()?;
    Ok(Downloaded {
        verified: expected.is_some(),
        item,
        bytes: total,
        path,
    })
}

fn check_hash(expected: Option<&str>, hasher: &QuickXorHash) -> Result<()> {
    if let Some(exp) = expected {
        let actual = hasher.finish_base64();
        if actual != exp {
            return Err(DriveError::HashMismatch {
                expected: exp.to_owned(),
                actual,
            });
        }
    }
    Ok(())
}

/// `dst` itself, or `dst/name` when `dst` is an existing directory or ends in `/`.
fn target_path(dst: &Path, name: &str) -> PathBuf {
    let s = dst.as_os_str().to_string_lossy();
    if dst.is_dir() || s.ends_with('/') || s.ends_with(std::path::MAIN_SEPARATOR) {
        dst.join(name)
    } else {
        dst.to_path_buf()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn directory_destinations_get_the_item_name() {
        let d = tempfile::tempdir().unwrap();
        assert_eq!(target_path(d.path(), "a.txt"), d.path().join("a.txt"));
        assert_eq!(
            target_path(Path::new("x/y/"), "a.txt"),
            Path::new("x/y/a.txt")
        );
        assert_eq!(target_path(Path::new("x/y"), "a.txt"), Path::new("x/y"));
    }

    #[test]
    fn content_ranges() {
        assert_eq!(parse_content_range("bytes 0-1023/2048"), Some((0, 1023)));
        assert_eq!(parse_content_range("bytes 10-10/*"), Some((10, 10)));
        assert_eq!(parse_content_range("items 1-2/3"), None);
        assert_eq!(parse_content_range("bytes */2048"), None);
    }

    #[test]
    fn hash_check() {
        let mut h = QuickXorHash::new();
        h.update(b"hello world");
        assert!(check_hash(Some("aCgDG9jwBhDc4Q1yawMZAAAAAAA="), &h).is_ok());
        assert!(matches!(
            check_hash(Some("AAAAAAAAAAAAAAAAAAAAAAAAAAA="), &h),
            Err(DriveError::HashMismatch { .. })
        ));
        assert!(check_hash(None, &h).is_ok());
    }
}
