//! Downloads: streamed to a file or to stdout, never held in memory.
//!
//! The item's metadata is read first (one request): it says whether the object is a
//! file, and carries the QuickXorHash, the eTag and a pre-authenticated `downloadUrl`,
//! which is then fetched without `Authorization` (Graph: `/content` would only
//! redirect there).
//!
//! A file destination `DST` is written to `DST.partial` (mode 0600 while written, in
//! the same folder), synced, checked (size, and QuickXorHash where the service sends
//! one), given the item's modification time and the mode `DST` had (or the mode a new
//! file gets), then renamed over `DST`: a failed or interrupted download never leaves
//! a truncated `DST`, and never widens the permissions of one it replaces.
//!
//! Resuming (`DownloadOptions::resume`): the `.partial` file's item id and eTag are
//! recorded before its first byte; a later run appends to it with a `Range` request if
//! the item is unchanged. Within a run, a body broken mid-way is resumed the same way,
//! and a download URL that expired meanwhile (401/403/404 on the download host) is
//! replaced by reading the item again. The service does not always honour `Range`
//! (OneDrive/onedrive-api-docs#62, #495, #133): only a 206 whose `Content-Range` starts
//! at the requested byte is appended; a 200 restarts the file from its first byte.

use std::io::{Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use futures_util::StreamExt as _;
use quickxorhash::QuickXorHash;

use super::error::{DriveError, Result};
use super::local;
use super::range::ByteRange;
use super::resume::{self, PartialRecord, ResumeStore};
use crate::graph::{DriveItem, GraphClient, ItemRef};
use crate::http::ErrorKind;

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
    /// Bytes written by this run (a resumed download counts only the new ones).
    pub bytes: u64,
    /// Where the file was written (`None` for stdout).
    pub path: Option<PathBuf>,
    /// Whether the QuickXorHash was checked (whole file, and the service sent one).
    pub verified: bool,
}

/// The `.partial` files on disk: being written, or kept by a failed download for the
/// next run. An interrupted run says which are kept (or deletes them with
/// `--no-resume`); a failed one names its partial.
pub type PartialRegistry = Arc<Mutex<Vec<PathBuf>>>;

/// How to download.
#[derive(Clone, Default)]
pub struct DownloadOptions {
    /// Only these bytes (`get -b`); the hash cannot be checked then.
    pub range: Option<ByteRange>,
    pub progress: super::Progress,
    /// Keep `.partial` files on failure and resume them; `None`: start afresh and
    /// delete the `.partial` on any failure.
    pub resume: Option<Arc<dyn ResumeStore>>,
    /// Set the local file's modification time to the item's (default in the CLI).
    pub preserve_mtime: bool,
    pub partials: Option<PartialRegistry>,
    /// Stdout is a terminal the user did not ask for by name (`get X`, not `get X -`):
    /// content that is not text is refused before its first byte is written
    /// ([`DriveError::BinaryToTerminal`]), as curl does.
    pub refuse_binary: bool,
}

/// How often in a row a download broken mid-body (or ended short) is resumed with
/// `Range` without receiving a byte before giving up ([`MAX_RESUMES_TOTAL`] bounds the
/// resumes that do bring bytes).
const MAX_RESUMES: u32 = 5;
/// Resumes of one download in all: a service that cuts every answer short still ends.
const MAX_RESUMES_TOTAL: u32 = 32;

/// The resumes of one download, under both bounds.
#[derive(Default)]
struct Resumes {
    /// In a row since the last byte arrived.
    in_a_row: u32,
    total: u32,
    /// Where the last one started.
    at: u64,
}

impl Resumes {
    /// Whether another resume, from byte `next`, may be made (counted when it may).
    /// Progress since the last one starts the count in a row afresh.
    fn allow(&mut self, next: u64) -> bool {
        if next > self.at {
            self.in_a_row = 0;
            self.at = next;
        }
        if self.in_a_row >= MAX_RESUMES || self.total >= MAX_RESUMES_TOTAL {
            return false;
        }
        self.in_a_row += 1;
        self.total += 1;
        true
    }
}
/// How often the item is read again for a fresh download URL (expired, or changed).
const MAX_REFRESHES: u32 = 2;

/// `bytes 0-1023/2048` → (0, 1023).
fn parse_content_range(v: &str) -> Option<(u64, u64)> {
    let spec = v.trim().strip_prefix("bytes")?.trim();
    let (range, _total) = spec.split_once('/')?;
    let (a, b) = range.split_once('-')?;
    let (a, b): (u64, u64) = (a.trim().parse().ok()?, b.trim().parse().ok()?);
    // A range that ends before it starts, or at the last u64, is no range.
    (a <= b && b < u64::MAX).then_some((a, b))
}

/// Downloads `object` to `dst`: reads the item, then [`download_item`].
pub async fn download(
    graph: &GraphClient,
    object: &ItemRef,
    dst: &Destination,
    opts: &DownloadOptions,
) -> Result<Downloaded> {
    let item = graph.get_item(object).await?;
    if item.file.is_none() {
        return Err(DriveError::NotAFile);
    }
    match dst {
        Destination::Stdout => to_stdout(graph, item, opts).await,
        Destination::File(p) => {
            let target = target_path(p, item.name());
            download_item(graph, item, &target, opts).await
        }
    }
}

/// Fetches the item's bytes (`range` of them): through its download URL, else through
/// `/content`.
async fn fetch(
    graph: &GraphClient,
    item: &DriveItem,
    range: Option<crate::graph::ByteRange>,
) -> crate::http::Result<crate::graph::Download> {
    match item
        .download_url
        .as_deref()
        .and_then(|u| url::Url::parse(u).ok())
    {
        Some(u) => graph.download_url(&u, range).await,
        None => graph.download(&ItemRef::Id(item.id.clone()), range).await,
    }
}

/// A download URL refused: expired (401/403) or gone (404/410) on the download host.
fn url_refused(e: &crate::http::Error) -> bool {
    e.api().is_some_and(|a| a.preauthenticated)
        && matches!(e.kind(), ErrorKind::UrlExpired | ErrorKind::NotFound)
}

/// Where a download's bytes go while they arrive: the `.partial` file or stdout. Both
/// hash what they are given, so a resumed download is verified like any other.
trait Sink {
    /// Bytes received so far (for a `.partial` from an earlier run, its length).
    fn len(&self) -> u64;
    fn hasher(&self) -> &QuickXorHash;
    /// Appends `data`; `Ok(false)` when the reader went away and wants no more bytes.
    fn write(&mut self, data: &[u8]) -> Result<bool>;
    /// Forgets every byte (the service sent the file again from its first byte, or a
    /// new version).
    fn restart(&mut self) -> Result<()>;
}

/// Standard output. It cannot be rewound once bytes went out.
struct Stdout {
    out: std::io::StdoutLock<'static>,
    len: u64,
    hasher: QuickXorHash,
    /// See [`DownloadOptions::refuse_binary`].
    refuse_binary: bool,
}

/// Whether the first bytes of a file are not text: a NUL, or bytes that are not UTF-8
/// (a character cut at the end of the chunk is fine).
fn looks_binary(first: &[u8]) -> bool {
    first.contains(&0) || std::str::from_utf8(first).is_err_and(|e| e.error_len().is_some())
}

impl Sink for Stdout {
    fn len(&self) -> u64 {
        self.len
    }
    fn hasher(&self) -> &QuickXorHash {
        &self.hasher
    }
    fn write(&mut self, data: &[u8]) -> Result<bool> {
        if self.len == 0 && self.refuse_binary && looks_binary(data) {
            return Err(DriveError::BinaryToTerminal);
        }
        match self.out.write_all(data) {
            Ok(()) => {
                self.hasher.update(data);
                self.len += data.len() as u64;
                Ok(true)
            }
            // The reader went away (`| head`): it wanted no more bytes.
            Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(false),
            Err(e) => Err(DriveError::local("<stdout>", e)),
        }
    }
    fn restart(&mut self) -> Result<()> {
        if self.len == 0 {
            return Ok(());
        }
        Err(DriveError::Protocol(format!(
            "the service sent the file again from its first byte after {} bytes had gone to stdout",
            self.len
        )))
    }
}

/// Streams the item (or `opts.range` of it) to stdout, resumed within the run like a
/// file download; nothing is kept between runs.
async fn to_stdout(
    graph: &GraphClient,
    item: DriveItem,
    opts: &DownloadOptions,
) -> Result<Downloaded> {
    let mut out = Stdout {
        out: std::io::stdout().lock(),
        len: 0,
        hasher: QuickXorHash::new(),
        refuse_binary: opts.refuse_binary,
    };
    let got = receive(graph, item, &mut out, opts).await?;
    if got.complete {
        match out.out.flush() {
            // The reader went away (`| head -c 10`): it wanted no more bytes.
            Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => {}
            r => r.map_err(|e| DriveError::local("<stdout>", e))?,
        }
    }
    Ok(Downloaded {
        item: got.item,
        bytes: got.written,
        path: None,
        verified: got.verified,
    })
}

/// `DST.partial`: beside the destination, so the final rename stays on one file system.
pub fn partial_path(target: &Path) -> PathBuf {
    let mut s = target.as_os_str().to_owned();
    s.push(".partial");
    PathBuf::from(s)
}

fn record_key(partial: &Path) -> String {
    let abs = std::path::absolute(partial).unwrap_or_else(|_| partial.to_path_buf());
    format!("download\n{}", abs.display())
}

/// The open `.partial` file and what it holds.
struct Partial {
    file: std::fs::File,
    path: PathBuf,
    /// Bytes of the item already in the file (its length).
    len: u64,
    hasher: QuickXorHash,
}

impl Partial {
    /// Opens `path` for appending if it holds a prefix of this very item version
    /// (recorded), else creates it empty. Mode 0600 while written: the content may be
    /// private, and the final mode is decided at the end.
    fn open(
        path: &Path,
        item: &DriveItem,
        store: Option<&dyn ResumeStore>,
        key: &str,
    ) -> Result<Partial> {
        let mut opts = std::fs::OpenOptions::new();
        opts.read(true).write(true).create(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut opts, 0o600);
        let mut file = opts.open(path).map_err(|e| DriveError::local(path, e))?;
        #[cfg(unix)]
        {
            // An existing partial (from an older version of this tool) may be wider.
            use std::os::unix::fs::PermissionsExt;
            file.set_permissions(std::fs::Permissions::from_mode(0o600))
                .map_err(|e| DriveError::local(path, e))?;
        }
        let size = item.size.unwrap_or(0);
        let existing = file
            .metadata()
            .map_err(|e| DriveError::local(path, e))?
            .len();
        let rec: Option<PartialRecord> = store.and_then(|s| resume::load(s, key));
        let same = rec.as_ref().is_some_and(|r| {
            r.item_id == item.id
                && Some(&r.e_tag) == item.e_tag.as_ref()
                && r.size == size
                && existing <= size
        });
        let mut hasher = QuickXorHash::new();
        let len = if same && existing > 0 {
            local::hash_range(path, &mut hasher, 0, existing)?;
            tracing::debug!("resuming {} at byte {existing}", path.display());
            existing
        } else {
            file.set_len(0).map_err(|e| DriveError::local(path, e))?;
            if let (Some(s), Some(tag)) = (store, item.e_tag.as_ref()) {
                let rec = PartialRecord {
                    item_id: item.id.clone(),
                    e_tag: tag.clone(),
                    size,
                };
                if let Err(e) = resume::save(s, key, &rec) {
                    tracing::warn!("cannot record the partial download ({e})");
                }
            }
            0
        };
        file.seek(SeekFrom::Start(len))
            .map_err(|e| DriveError::local(path, e))?;
        Ok(Partial {
            file,
            path: path.to_path_buf(),
            len,
            hasher,
        })
    }
}

impl Sink for Partial {
    fn len(&self) -> u64 {
        self.len
    }
    fn hasher(&self) -> &QuickXorHash {
        &self.hasher
    }
    fn write(&mut self, data: &[u8]) -> Result<bool> {
        self.file
            .write_all(data)
            .map_err(|e| DriveError::local(&self.path, e))?;
        self.hasher.update(data);
        self.len += data.len() as u64;
        Ok(true)
    }
    fn restart(&mut self) -> Result<()> {
        self.file
            .set_len(0)
            .and_then(|_| self.file.seek(SeekFrom::Start(0)).map(|_| ()))
            .map_err(|e| DriveError::local(&self.path, e))?;
        self.len = 0;
        self.hasher = QuickXorHash::new();
        Ok(())
    }
}

/// Downloads `item` (already read: it carries the hash, eTag and download URL) to the
/// file `target` through `target.partial`, resuming a recorded partial when allowed.
pub async fn download_item(
    graph: &GraphClient,
    item: DriveItem,
    target: &Path,
    opts: &DownloadOptions,
) -> Result<Downloaded> {
    if item.file.is_none() {
        return Err(DriveError::NotAFile);
    }
    let dir = match target.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    std::fs::create_dir_all(&dir).map_err(|e| {
        // A file where a folder of the path should be (`get X part.bin/x.txt`): name it
        // rather than report "File exists".
        match dir.ancestors().find(|a| a.exists()) {
            Some(file) if !file.is_dir() => DriveError::destination(DriveError::local(
                file,
                std::io::Error::other("is a file, not a folder"),
            )),
            _ => DriveError::local(&dir, e),
        }
    })?;
    if target.is_dir() {
        return Err(DriveError::local(
            target,
            std::io::Error::other("is a directory"),
        ));
    }
    let partial_path = partial_path(target);
    let key = record_key(&partial_path);
    // A ranged download is not the file: never resumed, never recorded.
    let store = opts.resume.as_deref().filter(|_| opts.range.is_none());
    if let Some(reg) = &opts.partials
        && let Ok(mut r) = reg.lock()
    {
        r.push(partial_path.clone());
    }
    let result = fill_partial(graph, item, &partial_path, target, store, &key, opts).await;
    // Failures worth resuming from later (the network or the service, not the content;
    // a full disk or quota, once room is made) keep the partial, which stays in the
    // registry; anything else leaves nothing.
    let kept = store.is_some()
        && match &result {
            Err(DriveError::Http(e)) => e.is_transient(),
            Err(DriveError::Local { source, .. }) => out_of_room(source),
            _ => false,
        };
    if !kept {
        if result.is_err() {
            let _ = std::fs::remove_file(&partial_path);
        }
        if let Some(s) = store {
            s.clear(&key);
        }
        if let Some(reg) = &opts.partials
            && let Ok(mut r) = reg.lock()
        {
            r.retain(|p| p != &partial_path);
        }
    }
    result
}

/// A write failed for want of room (disk full, quota, file-size limit), not because the
/// bytes or the path were wrong.
fn out_of_room(e: &std::io::Error) -> bool {
    use std::io::ErrorKind as K;
    matches!(
        e.kind(),
        K::StorageFull | K::QuotaExceeded | K::FileTooLarge
    )
}

async fn fill_partial(
    graph: &GraphClient,
    item: DriveItem,
    partial_path: &Path,
    target: &Path,
    store: Option<&dyn ResumeStore>,
    key: &str,
    opts: &DownloadOptions,
) -> Result<Downloaded> {
    let mut part = Partial::open(partial_path, &item, store, key)?;
    let got = receive(graph, item, &mut part, opts).await?;
    finish(part, target, &got.item, opts)?;
    Ok(Downloaded {
        item: got.item,
        bytes: got.written,
        path: Some(target.to_path_buf()),
        verified: got.verified,
    })
}

/// What [`receive`] got.
struct Received {
    /// The item as last read (a refused download URL reads it again).
    item: DriveItem,
    /// Bytes written by this run.
    written: u64,
    /// The QuickXorHash of the whole item was checked.
    verified: bool,
    /// Every byte asked for arrived (false: the reader of stdout went away).
    complete: bool,
}

/// The range still missing: the user's range, or the file from the sink's end (a user
/// range restarts after a refresh, as its first byte may only be known from the answer).
fn missing_range(
    sink: &mut dyn Sink,
    opts: &DownloadOptions,
) -> Result<Option<crate::graph::ByteRange>> {
    Ok(match (opts.range, sink.len()) {
        (Some(r), 0) => Some(r.into()),
        (Some(r), _) => {
            sink.restart()?;
            Some(r.into())
        }
        (None, 0) => None,
        (None, n) => Some(crate::graph::ByteRange::From(n)),
    })
}

/// Fetches the item's bytes (or `opts.range` of them) into `sink`, after what it holds
/// already: a body broken mid-way is resumed with `Range`, a refused download URL is
/// replaced by reading the item again, and a 200 (or a wider 206) to a ranged request is
/// cut down to what was asked for.
/// For the whole item the size and QuickXorHash are checked at the end.
async fn receive(
    graph: &GraphClient,
    mut item: DriveItem,
    sink: &mut dyn Sink,
    opts: &DownloadOptions,
) -> Result<Received> {
    let size = item.size;
    // Absolute offset of the sink's first byte: 0 for the file, the first byte the
    // service sent for a user range (`-b -500` is only known from its answer).
    let mut base: Option<u64> = opts.range.is_none().then_some(0);
    let mut resumes = Resumes::default();
    let mut refreshes = 0u32;
    let mut written = 0u64;
    let mut ask = missing_range(sink, opts)?;
    // An empty file needs no request if the partial is complete (size 0).
    let whole_known = size.is_some() && opts.range.is_none();
    'fetching: loop {
        if whole_known && size == Some(sink.len()) && sink.len() > 0 {
            break 'fetching;
        }
        let dl = match fetch(graph, &item, ask).await {
            Ok(dl) => dl,
            Err(e) if url_refused(&e) && refreshes < MAX_REFRESHES => {
                refreshes += 1;
                item = refreshed(graph, &item, sink).await?;
                if opts.range.is_some() {
                    base = None;
                }
                ask = missing_range(sink, opts)?;
                continue 'fetching;
            }
            Err(e) if e.status().is_some_and(|s| s.as_u16() == 416) && whole_known => {
                // Nothing left to send: the partial is complete (checked below).
                break 'fetching;
            }
            Err(e) => return Err(e.into()),
        };
        let range = dl.content_range().and_then(parse_content_range);
        if !dl.is_partial() {
            check_whole_answer(&dl, &item)?;
        }
        // The whole file's length: the item's, else what this answer says.
        let total = size.or_else(|| {
            if dl.is_partial() {
                dl.content_range().and_then(content_range_total)
            } else {
                dl.content_length()
            }
        });
        // Where this body starts in the file, and the last byte it will send.
        let (start, body_end) = if dl.is_partial() {
            match range {
                Some((a, b)) => (a, Some(b)),
                None => {
                    return Err(DriveError::Protocol(
                        "206 answer without a usable Content-Range".into(),
                    ));
                }
            }
        } else {
            (0, total.and_then(|t| t.checked_sub(1)))
        };
        // The first byte wanted: after what the sink holds; for the first answer to a
        // user range, the range's first byte (only known from a 206, or from the size
        // when the service ignored Range and sent the whole file).
        // The user range's bytes, when the file's length is known (from the item, or
        // the `/N` of a Content-Range): never more than those are written, whatever a
        // 200 or 206 answer covers. A 206 to a suffix range of unknown length (`/*`)
        // is the only answer taken as it comes.
        let user = match opts.range {
            None => None,
            Some(_) if total.is_none() && dl.is_partial() => None,
            Some(_) => Some(user_range_bounds(opts.range, total)?),
        };
        let base_now = match base {
            Some(b) => b,
            None => user.map_or(start, |u| u.0),
        };
        base = Some(base_now);
        let want = base_now + sink.len();
        if start > want {
            return Err(DriveError::Protocol(format!(
                "asked for byte {want} and the service sent from byte {start}"
            )));
        }
        if start < want {
            // A 200 to a ranged request (OneDrive/onedrive-api-docs#62, #133), or a
            // 206 that starts earlier: what was asked for is cut out of it.
            tracing::debug!(
                "the service sent {} bytes before the range; skipping them",
                want - start
            );
        }
        let mut skip = want - start;
        // The last byte wanted: the user range's, else the file's.
        let wanted_end = match user {
            Some(u) => Some(u.1),
            None if opts.range.is_some() => body_end,
            None => total.and_then(|t| t.checked_sub(1)).or(body_end),
        };
        let expected_end = match (wanted_end, body_end) {
            (Some(w), Some(b)) => Some(w.min(b)),
            (w, b) => w.or(b),
        };
        let span = expected_end.map_or(0, |e| (e + 1).saturating_sub(base_now));
        let mut stream = Box::pin(dl.into_stream());
        loop {
            match stream.next().await {
                None => {
                    // An answer that ended before what was wanted (a short 206): ask for
                    // the rest rather than end short.
                    let next = base_now + sink.len();
                    match wanted_end.filter(|end| next <= *end) {
                        Some(end) if resumes.allow(next) => {
                            tracing::debug!("the answer ended at byte {next}; asking for the rest");
                            ask = Some(crate::graph::ByteRange::FromTo(next, end));
                            continue 'fetching;
                        }
                        Some(_) => {
                            return Err(DriveError::Protocol(format!(
                                "the service kept ending its answers early (at byte {next})"
                            )));
                        }
                        None => break 'fetching,
                    }
                }
                Some(Ok(chunk)) => {
                    let mut data = &chunk[..];
                    let dropped = skip.min(data.len() as u64) as usize;
                    data = &data[dropped..];
                    skip -= dropped as u64;
                    // Never more than was asked for, whatever the service sends.
                    if let Some(end) = expected_end {
                        let room = (end + 1).saturating_sub(base_now + sink.len());
                        data = &data[..data.len().min(room as usize)];
                    }
                    if !data.is_empty() && !sink.write(data)? {
                        return Ok(Received {
                            item,
                            written,
                            verified: false,
                            complete: false,
                        });
                    }
                    written += data.len() as u64;
                    opts.progress.report(sink.len(), span.max(sink.len()));
                    if wanted_end.is_some_and(|end| base_now + sink.len() > end) {
                        break 'fetching;
                    }
                }
                Some(Err(e)) => {
                    let next = base_now + sink.len();
                    let Some(end) = expected_end.filter(|end| next <= *end) else {
                        return Err(e.into());
                    };
                    if !resumes.allow(next) {
                        return Err(e.into());
                    }
                    tracing::info!("download broke ({e}); resuming at byte {next}");
                    ask = Some(crate::graph::ByteRange::FromTo(next, end));
                    continue 'fetching;
                }
            }
        }
    }
    if opts.range.is_none()
        && let Some(s) = size
        && s != sink.len()
    {
        return Err(DriveError::Protocol(format!(
            "received {} bytes of a {s}-byte file",
            sink.len()
        )));
    }
    // The whole item: asked for, or sent whole although a range was asked for.
    let whole = opts.range.is_none() || (base == Some(0) && size == Some(sink.len()));
    let expected = whole.then(|| item.quick_xor_hash()).flatten();
    // Corrupt bytes are never resumed (the caller removes the partial).
    check_hash(expected, sink.hasher())?;
    Ok(Received {
        verified: expected.is_some(),
        item,
        written,
        complete: true,
    })
}

/// Refuses a whole-file (200) answer that cannot be the file, before any byte of it is
/// written: a length other than the item's (an empty 200 was seen for an unsatisfiable
/// range, OneDrive/onedrive-api-docs#495), or an HTML page for an item that is not one
/// (seen on Business for ranged requests, #133).
fn check_whole_answer(dl: &crate::graph::Download, item: &DriveItem) -> Result<()> {
    if let (Some(len), Some(size)) = (dl.content_length(), item.size)
        && len != size
    {
        return Err(DriveError::Protocol(format!(
            "the download answered {len} bytes for a {size}-byte file"
        )));
    }
    let html = dl.media_type().is_some_and(|t| t == "text/html");
    let item_html = item
        .file
        .as_ref()
        .and_then(|f| f.mime_type.as_deref())
        .is_some_and(|m| m.eq_ignore_ascii_case("text/html"))
        || {
            let name = item.name().to_ascii_lowercase();
            name.ends_with(".html") || name.ends_with(".htm")
        };
    if html && !item_html {
        return Err(DriveError::Protocol(
            "the download answered with an HTML page, not the file".into(),
        ));
    }
    Ok(())
}

/// The first and last byte (inclusive, absolute) of a user range in a file of `total`
/// bytes; `None` range means the whole file.
fn user_range_bounds(range: Option<ByteRange>, total: Option<u64>) -> Result<(u64, u64)> {
    let Some(total) = total else {
        return Err(DriveError::Protocol(
            "the service ignored the range and did not say the file's length".into(),
        ));
    };
    let last = total
        .checked_sub(1)
        .ok_or_else(|| DriveError::Protocol("the range is past the end of an empty file".into()))?;
    let r: Option<crate::graph::ByteRange> = range.map(Into::into);
    let (a, b) = match r {
        None => (0, last),
        Some(crate::graph::ByteRange::FromTo(a, b)) => (a, b.min(last)),
        Some(crate::graph::ByteRange::From(a)) => (a, last),
        Some(crate::graph::ByteRange::Last(n)) => (total - n.min(total), last),
    };
    if a > last {
        return Err(DriveError::Protocol(format!(
            "the range starts at byte {a} of a {total}-byte file"
        )));
    }
    Ok((a, b))
}

/// The complete length of `bytes a-b/N` (`None` for `*`).
fn content_range_total(v: &str) -> Option<u64> {
    v.rsplit_once('/')?.1.trim().parse().ok()
}

/// Reads the item again for a fresh download URL. If it changed meanwhile (eTag), the
/// partial bytes belong to the old version: start over.
async fn refreshed(graph: &GraphClient, old: &DriveItem, sink: &mut dyn Sink) -> Result<DriveItem> {
    tracing::debug!("the download URL was refused; reading the item again");
    let fresh = graph.get_item(&ItemRef::Id(old.id.clone())).await?;
    if fresh.e_tag != old.e_tag || fresh.size != old.size {
        sink.restart()?;
    }
    Ok(fresh)
}

/// Syncs the partial, gives it the item's mtime and the final mode, renames it.
fn finish(part: Partial, target: &Path, item: &DriveItem, opts: &DownloadOptions) -> Result<()> {
    let Partial { file, path, .. } = part;
    file.sync_all().map_err(|e| DriveError::local(&path, e))?;
    if opts.preserve_mtime
        && let Some(t) = item
            .file_system_info
            .as_ref()
            .and_then(|f| f.last_modified_date_time.as_deref())
            .or(item.last_modified_date_time.as_deref())
            .and_then(local::parse_time)
    {
        file.set_modified(t)
            .map_err(|e| DriveError::local(&path, e))?;
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        // A re-download keeps the mode of the file it replaces (never widens it); a new
        // file gets the mode any new file gets here.
        let mode = match std::fs::metadata(target) {
            Ok(m) => m.permissions().mode() & 0o7777,
            Err(_) => local::new_file_mode(target.parent().unwrap_or(Path::new("."))),
        };
        file.set_permissions(std::fs::Permissions::from_mode(mode))
            .map_err(|e| DriveError::local(&path, e))?;
    }
    drop(file);
    std::fs::rename(&path, target).map_err(|e| DriveError::local(target, e))?;
    Ok(())
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
pub fn target_path(dst: &Path, name: &str) -> PathBuf {
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
        assert_eq!(parse_content_range("bytes 9-3/2048"), None);
        assert_eq!(
            parse_content_range("bytes 0-18446744073709551615/*"),
            None,
            "no overflow later"
        );
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
