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

/// Downloads `object` (or `range` of it) to `dst`.
pub async fn download(
    graph: &GraphClient,
    object: &ItemRef,
    range: Option<ByteRange>,
    dst: &Destination,
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
    let graph_range = range.map(crate::graph::ByteRange::from);
    let dl = match item
        .download_url
        .as_deref()
        .and_then(|u| url::Url::parse(u).ok())
    {
        Some(u) => graph.download_url(&u, graph_range).await?,
        None => graph.download(&id_ref, graph_range).await?,
    };
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
    let mut stream = Box::pin(dl.into_stream());
    let mut hasher = QuickXorHash::new();
    let mut total = 0u64;

    match dst {
        Destination::Stdout => {
            let mut out = std::io::stdout().lock();
            while let Some(chunk) = stream.next().await {
                let chunk = chunk?;
                hasher.update(&chunk);
                total += chunk.len() as u64;
                match out.write_all(&chunk) {
                    Ok(()) => {}
                    // The reader went away (`| head`): it wanted no more bytes.
                    Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => {
                        return Ok(Downloaded {
                            verified: false,
                            item,
                            bytes: total,
                            path: None,
                        });
                    }
                    Err(e) => return Err(DriveError::local("<stdout>", e)),
                }
            }
            out.flush().map_err(|e| DriveError::local("<stdout>", e))?;
            check_hash(expected.as_deref(), &hasher)?;
            Ok(Downloaded {
                verified: expected.is_some(),
                item,
                bytes: total,
                path: None,
            })
        }
        Destination::File(path) => {
            let target = target_path(path, item.name());
            let dir = match target.parent() {
                Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
                _ => PathBuf::from("."),
            };
            std::fs::create_dir_all(&dir).map_err(|e| DriveError::local(&dir, e))?;
            let mut tmp = tempfile::Builder::new()
                .prefix(".onedrive-cli-")
                .suffix(".partial")
                .tempfile_in(&dir)
                .map_err(|e| DriveError::local(&dir, e))?;
            while let Some(chunk) = stream.next().await {
                let chunk = chunk?;
                hasher.update(&chunk);
                total += chunk.len() as u64;
                tmp.write_all(&chunk)
                    .map_err(|e| DriveError::local(tmp.path(), e))?;
            }
            tmp.flush().map_err(|e| DriveError::local(tmp.path(), e))?;
            // On mismatch the temporary file is dropped (deleted): nothing is renamed.
            check_hash(expected.as_deref(), &hasher)?;
            tmp.persist(&target)
                .map_err(|e| DriveError::local(&target, e.error))?;
            Ok(Downloaded {
                verified: expected.is_some(),
                item,
                bytes: total,
                path: Some(target),
            })
        }
    }
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
