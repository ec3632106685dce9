//! Uploads: simple PUT for small files, upload sessions above (or when forced).
//!
//! Graph: a simple `PUT .../content` is documented up to 250 MB today but was 4 MB until
//! recently, so 4 MiB is the safe simple-upload ceiling; above it an upload session sends
//! fragments that are multiples of 320 KiB (except the last) and under 60 MiB each.
//!
//! What this module guarantees, and the service behaviour each rule answers:
//! - Fragments stream from the file ([`local::file_body`]): memory does not grow with
//!   the fragment size.
//! - The local modification time goes with the upload: `fileSystemInfo` in the
//!   session's `item`, or a PATCH after a simple upload that re-reads the item and
//!   retries once on 412/409 (the eTag may move just after an upload:
//!   OneDrive/onedrive-api-docs#800).
//! - A session is recorded in a [`ResumeStore`] before its first fragment; a later run
//!   asks it for `nextExpectedRanges` and continues (or starts over if the file changed
//!   or the session is gone).
//! - Resumes always follow what the session reports, never our own fragment boundary:
//!   a broken fragment may have been kept in part (OneDrive/onedrive-api-docs#75) or
//!   stored although answered 5xx (#64, #698).
//! - A session that vanishes (404) or whose URL expired (401/403 on the upload URL,
//!   #1570) is replaced by one new session, a bounded number of times.
//! - A connection cut while a body is sent is never retried blindly: the service may
//!   have answered early (409, 413, 507) and closed. A simple upload switches to an
//!   upload session, whose body-less creation carries the same checks; a fragment asks
//!   the session's status.
//! - The stored file's QuickXorHash is checked against the local bytes.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use quickxorhash::QuickXorHash;
use serde_json::json;

use super::error::{DriveError, Result};
use super::local;
use super::resume::{self, ResumeStore, SessionRecord};
use crate::graph::{
    ConflictBehavior, DriveItem, DriveSelector, FragmentOutcome, GraphClient, ItemRef,
};
use crate::http::ErrorKind;

/// Largest file sent with a simple PUT.
pub const SIMPLE_UPLOAD_MAX: u64 = 4 * 1024 * 1024;
/// Fragments must be multiples of this (Graph: 320 KiB).
pub const FRAGMENT_UNIT: u64 = 320 * 1024;
/// Graph: each fragment request must be *under* 60 MiB, so the largest legal fragment
/// is the largest 320 KiB multiple below 60 MiB (59.6875 MiB).
pub const MAX_FRAGMENT: u64 = (60 * 1024 * 1024 - 1) / FRAGMENT_UNIT * FRAGMENT_UNIT;
/// Default fragment size, chosen by `bench/transfers.sh` (README: "Transfer
/// defaults"): the larger the fragment, the fewer round trips per byte, and memory
/// does not depend on it (fragments stream from the file).
pub const DEFAULT_FRAGMENT: u64 = MAX_FRAGMENT;

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum SizeError {
    #[error("bad size '{0}': expected bytes, or a number with K, M or G (KiB, MiB, GiB)")]
    Syntax(String),
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

/// `--chunk-size`: the one fragment-size rule, as [`bits_frag_bytes`] (`1M` is 3 ×
/// 320 KiB).
pub fn chunk_size(input: &str) -> Result<u64, SizeError> {
    bits_frag_bytes(input)
}

/// `--bits-frag-bytes` (python-onedrive's option took any byte count): rounded down to a
/// 320 KiB multiple, at least 320 KiB, at most 60 MiB.
pub fn bits_frag_bytes(input: &str) -> Result<u64, SizeError> {
    let n = parse_size(input)?;
    Ok((n / FRAGMENT_UNIT * FRAGMENT_UNIT).clamp(FRAGMENT_UNIT, MAX_FRAGMENT))
}

/// How to upload.
#[derive(Clone)]
pub struct UploadOptions {
    /// Name of the file in OneDrive.
    pub name: String,
    /// What to do when the name exists (Graph's PUT default is replace).
    pub conflict: ConflictBehavior,
    /// Use an upload session even for a small file (`--bits`, `--chunk-size`).
    pub force_session: bool,
    /// Fragment size for sessions (a 320 KiB multiple, under 60 MiB).
    pub fragment: u64,
    /// Reported as bytes are accepted.
    pub progress: super::Progress,
    /// Where sessions are recorded for a later run; `None`: not resumable.
    pub resume: Option<Arc<dyn ResumeStore>>,
}

impl std::fmt::Debug for UploadOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("UploadOptions")
            .field("name", &self.name)
            .field("conflict", &self.conflict)
            .field("force_session", &self.force_session)
            .field("fragment", &self.fragment)
            .field("resumable", &self.resume.is_some())
            .finish()
    }
}

/// Where the bytes come from.
#[derive(Debug)]
pub enum Source {
    File(PathBuf),
    Stdin,
}

/// The folder an upload goes into, by id, with the client of its drive: the default
/// drive's root needs no request; any other folder (another drive's root included) is
/// read once: Graph creates missing folders on an upload addressed by path, so a
/// mistyped destination would silently become a new folder (the original tool failed
/// instead), and a file given as the destination is refused. A shortcut stands for its
/// shared folder, in the sharer's drive (`drive::shortcut`). Errors: [`DriveError::NotAFolder`] for a
/// file, the service's 404 `itemNotFound` for a folder or drive that is not there (or
/// not the user's to read).
pub async fn destination_folder(
    graph: &GraphClient,
    folder: &super::resolve::Object,
) -> Result<(GraphClient, ItemRef)> {
    // The default drive's root needs no check; another drive's root is read, so that a
    // drive that does not exist (or is not the user's to read) is named as such.
    if folder.item_ref() == ItemRef::Root && folder.drive_id().is_none() {
        return Ok((graph.clone(), ItemRef::Root));
    }
    let (graph, item) = super::locate::resolve_followed(graph, folder).await?;
    if !super::walk::is_container(&item) {
        return Err(DriveError::NotAFolder);
    }
    Ok((graph, ItemRef::Id(item.id)))
}

/// Uploads `source` into `folder` (resolved first, see [`destination_folder`]) as
/// `opts.name`. Files are streamed; stdin and other streams (`<(cmd)`, FIFOs) are
/// spooled to a temporary file first, because a session needs the total size up front
/// and a fragment must be re-readable to be retried.
pub async fn upload(
    graph: &GraphClient,
    folder: &super::resolve::Object,
    source: Source,
    opts: &UploadOptions,
) -> Result<DriveItem> {
    let (graph, parent) = destination_folder(graph, folder).await?;
    upload_into(&graph, &parent, source, opts).await
}

/// [`upload`] into a folder already resolved by [`destination_folder`] (an id or the root):
/// no request is spent on the destination.
pub async fn upload_into(
    graph: &GraphClient,
    parent: &ItemRef,
    source: Source,
    opts: &UploadOptions,
) -> Result<DriveItem> {
    let (path, spool, meta) = match source {
        Source::File(path) => {
            let meta = std::fs::metadata(&path).map_err(|e| DriveError::local(&path, e))?;
            if meta.is_dir() {
                return Err(DriveError::local(
                    &path,
                    std::io::Error::other("is a directory"),
                ));
            }
            if meta.is_file() {
                (path, None, meta)
            } else {
                let f = std::fs::File::open(&path).map_err(|e| DriveError::local(&path, e))?;
                spool(f, &path)?
            }
        }
        Source::Stdin => spool(std::io::stdin().lock(), Path::new("<stdin>"))?,
    };
    let size = meta.len();
    // A spooled stream's time is the spooling's, not the data's: none is sent.
    let modified = spool
        .is_none()
        .then(|| local::modified_rfc3339(&meta))
        .flatten();
    let target = parent.join(&opts.name);
    let file = LocalFile {
        path: &path,
        size,
        stamp: local::Stamp::of(&meta),
        modified: modified.as_deref(),
        // A spooled stream cannot be found again by a later run.
        resumable: spool.is_none(),
    };
    // Graph: sessions cannot carry an empty file (no fragment to send), and small files
    // are one request with a simple PUT.
    if size == 0 || (size <= SIMPLE_UPLOAD_MAX && !opts.force_session) {
        match simple_upload(graph, &target, &file, opts).await {
            Err(DriveError::Http(e)) if is_cut_connection(&e) && size > 0 => {
                tracing::debug!(
                    "connection cut while sending {} ({e}); asking through an upload session",
                    path.display()
                );
            }
            other => return other,
        }
    }
    let key = session_key(graph.drive_selector(), parent, &opts.name, &path);
    upload_session(graph, &target, &file, opts, &key).await
}

/// The local side of one upload.
struct LocalFile<'a> {
    path: &'a Path,
    size: u64,
    /// Size and modification time when the upload started.
    stamp: local::Stamp,
    /// `fileSystemInfo.lastModifiedDateTime` to set (whole seconds).
    modified: Option<&'a str>,
    resumable: bool,
}

impl LocalFile<'_> {
    /// Fails when the file is no longer the one whose upload started (another size or
    /// modification time, or gone): its bytes would mix two versions, each fragment
    /// consistent with its own hash. Checked before each fragment, so that a changed
    /// file's session is cancelled before its last fragment commits it.
    fn still_as_read(&self) -> Result<()> {
        let meta = std::fs::metadata(self.path).map_err(|e| DriveError::local(self.path, e))?;
        if local::Stamp::of(&meta) != self.stamp {
            return Err(changed_while_reading(self.path));
        }
        Ok(())
    }
}

/// A transport failure (no HTTP answer at all).
fn is_cut_connection(e: &crate::http::Error) -> bool {
    matches!(e, crate::http::Error::Transport { .. })
}

async fn simple_upload(
    graph: &GraphClient,
    target: &ItemRef,
    file: &LocalFile<'_>,
    opts: &UploadOptions,
) -> Result<DriveItem> {
    let buf = std::fs::read(file.path).map_err(|e| DriveError::local(file.path, e))?;
    if buf.len() as u64 != file.size {
        return Err(changed_while_reading(file.path));
    }
    file.still_as_read()?;
    let local = quickxorhash::hash_base64(&buf);
    let item = graph
        .upload_small(target, Bytes::from(buf), Some(opts.conflict))
        .await?;
    opts.progress.report(file.size, file.size);
    let item = verified(item, &local, file.size)?;
    match file.modified {
        Some(m) => set_modified_after_upload(graph, item, m).await,
        None => Ok(item),
    }
}

/// Sets `fileSystemInfo.lastModifiedDateTime` on a just-uploaded item, with its eTag in
/// `If-Match`. Graph may change the eTag shortly after an upload (412 with `If-Match`,
/// 409 without: OneDrive/onedrive-api-docs#800, "later it worked"), so on 412/409 the
/// item is read again and the PATCH retried with the new eTag, backing off under the
/// retry policy. If the eTag never settles within it, the content is up and verified:
/// the upload stands, with a warning that its modification time is the service's.
async fn set_modified_after_upload(
    graph: &GraphClient,
    item: DriveItem,
    modified: &str,
) -> Result<DriveItem> {
    let id = ItemRef::Id(item.id.clone());
    let patch = json!({ "fileSystemInfo": { "lastModifiedDateTime": modified } });
    let mut etag = item.e_tag.clone();
    let policy = graph.http().retry_policy().clone();
    let mut backoff = policy.backoff();
    // The eTag did not settle within the policy, or could not be read again: the
    // upload stands.
    let give_up = |e: &dyn std::fmt::Display| {
        tracing::warn!(
            "{}: uploaded, but its modification time could not be set ({e})",
            item.name()
        );
    };
    loop {
        match graph.update_item(&id, &patch, etag.as_deref()).await {
            Ok(updated) => return Ok(updated),
            Err(e)
                if matches!(
                    e.kind(),
                    ErrorKind::PreconditionFailed | ErrorKind::Conflict
                ) =>
            {
                let Some(d) = backoff.next(None) else {
                    give_up(&e);
                    return Ok(item);
                };
                tracing::debug!(
                    "eTag moved after the upload ({e}); reading the item again in {d:?}"
                );
                tokio::time::sleep(d).await;
                match graph.get_item(&id).await {
                    Ok(fresh) => etag = fresh.e_tag,
                    Err(e) => {
                        give_up(&e);
                        return Ok(item);
                    }
                }
            }
            Err(e) => return Err(e.into()),
        }
    }
}

/// New sessions started when one disappears or expires during an upload.
const SESSION_RESTARTS: u32 = 2;

/// The key a session is recorded under: the destination (its drive, folder and name)
/// and the local file. The drive is part of it because a root, and a path, mean a
/// different folder in each drive: an upload into another drive's root must never
/// continue a session opened for the user's own root. The default drive keeps the
/// key's older form, so that sessions recorded before stay resumable.
fn session_key(drive: &DriveSelector, parent: &ItemRef, name: &str, path: &Path) -> String {
    let abs = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
    let drive = match drive {
        DriveSelector::Me => String::new(),
        other => format!("{}\n", other.api_path()),
    };
    format!(
        "upload\n{drive}{}\n{name}\n{}",
        target_text(parent),
        abs.display()
    )
}

fn target_text(parent: &ItemRef) -> String {
    match parent {
        ItemRef::Root => "root".to_owned(),
        ItemRef::Id(id) => id.clone(),
        other => format!("{other:?}"),
    }
}

/// A session's URL and where to continue.
struct Session {
    url: url::Url,
    offset: u64,
}

/// Continues the session recorded under `key` if it belongs to this file and still
/// exists; otherwise forgets it (cancelling a session of a changed file).
async fn recorded_session(
    graph: &GraphClient,
    r: Record<'_>,
    file: &LocalFile<'_>,
) -> Option<Session> {
    let (store, key) = (r.store, r.key);
    let rec: SessionRecord = resume::load(store, key)?;
    let url = url::Url::parse(&rec.upload_url).ok();
    let Some(url) = url else {
        store.clear(key);
        return None;
    };
    if rec.size != file.size || rec.fingerprint != r.fingerprint {
        tracing::debug!("the file changed since its upload started; starting over");
        let _ = graph.cancel_upload_session(&url).await;
        store.clear(key);
        return None;
    }
    match graph.upload_session_status(&url).await {
        Ok(s) => match s.next_expected_offset() {
            Some(offset) if offset < file.size => {
                tracing::debug!("resuming the recorded upload session at byte {offset}");
                Some(Session { url, offset })
            }
            _ => {
                store.clear(key);
                None
            }
        },
        Err(e) => {
            tracing::debug!("the recorded upload session is gone ({e}); starting over");
            store.clear(key);
            None
        }
    }
}

/// Where a session is recorded: the store, the record's key and the local file's
/// fingerprint ([`local::fingerprint`]).
#[derive(Clone, Copy)]
struct Record<'a> {
    store: &'a dyn ResumeStore,
    key: &'a str,
    fingerprint: &'a str,
}

/// One upload through sessions: what every step needs.
struct SessionUpload<'a> {
    graph: &'a GraphClient,
    target: &'a ItemRef,
    file: &'a LocalFile<'a>,
    opts: &'a UploadOptions,
    record: Option<Record<'a>>,
}

async fn upload_session(
    graph: &GraphClient,
    target: &ItemRef,
    file: &LocalFile<'_>,
    opts: &UploadOptions,
    key: &str,
) -> Result<DriveItem> {
    let store = opts.resume.as_deref().filter(|_| file.resumable);
    let fingerprint = match store {
        Some(_) => local::fingerprint(file.path)?,
        None => String::new(),
    };
    let up = SessionUpload {
        graph,
        target,
        file,
        opts,
        record: store.map(|store| Record {
            store,
            key,
            fingerprint: &fingerprint,
        }),
    };
    let recorded = match up.record {
        Some(r) => recorded_session(graph, r, file).await,
        None => None,
    };
    let mut session = match recorded {
        Some(s) => s,
        None => up.new_session().await?,
    };
    let result = up.send_fragments(&mut session).await;
    match &result {
        // The network or the service was unavailable, nothing was wrong with the upload:
        // the record is kept for the next run, which continues from `nextExpectedRanges`.
        Err(DriveError::Http(e)) if e.is_transient() && store.is_some() => {}
        Ok(_) => up.forget(),
        Err(_) => {
            let _ = graph.cancel_upload_session(&session.url).await;
            up.forget();
        }
    }
    result
}

impl SessionUpload<'_> {
    /// Creates a session (carrying the conflict behaviour, the size for the quota check
    /// and the modification time) and records it before any fragment is sent.
    async fn new_session(&self) -> Result<Session> {
        let file = self.file;
        let session = self
            .graph
            .create_upload_session(
                self.target,
                Some(self.opts.conflict),
                Some(file.size),
                file.modified,
            )
            .await?;
        let raw = session.upload_url.clone().unwrap_or_default();
        let url = url::Url::parse(&raw)
            .map_err(|_| DriveError::Protocol("upload session without a valid uploadUrl".into()))?;
        if let Some(r) = self.record {
            let rec = SessionRecord {
                upload_url: raw,
                expiration: session.expiration_date_time.clone(),
                size: file.size,
                fingerprint: r.fingerprint.to_owned(),
            };
            if let Err(e) = resume::save(r.store, r.key, &rec) {
                tracing::warn!("cannot record the upload session ({e}); it will not be resumable");
            }
        }
        Ok(Session {
            url,
            offset: session.next_expected_offset().unwrap_or(0),
        })
    }

    /// Drops the session's record (finished, abandoned or replaced).
    fn forget(&self) {
        if let Some(r) = self.record {
            r.store.clear(r.key);
        }
    }

    /// The session vanished or its URL expired: one new session, a bounded number of
    /// times (its creation also tells a conflict or a full drive in a body-less answer).
    /// The new session starts at byte 0, so the hash does too.
    async fn renew(
        &self,
        err: crate::http::Error,
        restarts: &mut u32,
        hasher: &Mutex<QuickXorHash>,
    ) -> Result<Session> {
        if *restarts >= SESSION_RESTARTS {
            return Err(err.into());
        }
        *restarts += 1;
        tracing::info!("upload session lost ({err}); starting a new one");
        self.forget();
        let fresh = self.new_session().await?;
        *lock(hasher)? = QuickXorHash::new();
        Ok(fresh)
    }

    async fn send_fragments(&self, session: &mut Session) -> Result<DriveItem> {
        let (graph, file, opts) = (self.graph, self.file, self.opts);
        let size = file.size;
        let policy = graph.http().retry_policy().clone();
        // The local file's hash, fed in file order as fragments are read (a resume may
        // re-read bytes already hashed, or start past bytes this process never read).
        let hasher = Arc::new(Mutex::new(QuickXorHash::new()));
        // Consecutive failed fragments (each retried after re-reading the session's
        // `nextExpectedRanges`) are bounded by the policy's retries, like any request.
        let mut backoff = policy.backoff();
        let mut failures = 0u32;
        let mut restarts = 0u32;
        loop {
            let offset = session.offset;
            if offset >= size {
                return Err(DriveError::Protocol(format!(
                    "upload session expects byte {offset} of a {size}-byte file"
                )));
            }
            file.still_as_read()?;
            catch_up_hash(file.path, &hasher, offset)?;
            let len = opts.fragment.min(size - offset);
            let h = hasher.clone();
            let body = local::file_body(file.path, offset, len, move |pos, chunk| {
                if let Ok(mut h) = h.lock() {
                    let done = h.len();
                    let end = pos + chunk.len() as u64;
                    if pos <= done && done < end {
                        h.update(&chunk[(done - pos) as usize..]);
                    }
                }
            })?;
            let outcome = graph
                .upload_fragment(&session.url, offset, len, size, body)
                .await;
            let err = match outcome {
                Ok(FragmentOutcome::Completed(item)) => {
                    opts.progress.report(size, size);
                    // A change after the last bytes were read and before the service
                    // committed them: the stored file is not the local one.
                    file.still_as_read()?;
                    catch_up_hash(file.path, &hasher, size)?;
                    let local = lock(&hasher)?.finish_base64();
                    return verified(*item, &local, size);
                }
                Ok(FragmentOutcome::Accepted(s)) => {
                    failures = 0;
                    backoff.reset();
                    session.offset = s.next_expected_offset().unwrap_or(offset + len);
                    opts.progress.report(session.offset, size);
                    continue;
                }
                Err(e) => e,
            };
            if session_lost(&err) {
                *session = self.renew(err, &mut restarts, &hasher).await?;
                continue;
            }
            // 416 (`fragmentOverlap`: the bytes were stored after all) only needs the
            // session's status; the others are the transient failures of every request.
            let overlap = err.status().is_some_and(|s| s.as_u16() == 416);
            if !(overlap || err.is_transient()) {
                return Err(err.into());
            }
            failures += 1;
            // Throttling pauses every worker of the process (the shared governor); other
            // transient failures back off exponentially with jitter. A first overlap is
            // asked about at once; one that comes back at the same offset means the
            // session is held by a fragment that never finished (a connection this
            // process dropped after its idle limit): wait for it like any failure.
            let retry_after = err.api().and_then(|a| a.retry_after);
            let wait = if overlap && failures == 1 {
                Some(Duration::ZERO)
            } else if failures > policy.max_retries {
                None
            } else {
                backoff.next(retry_after)
            };
            let Some(d) = wait else {
                // Retries or time spent, or a Retry-After beyond the policy's bound: give
                // up rather than ignore it; a session stuck on an overlap is replaced.
                if overlap {
                    *session = self.renew(err, &mut restarts, &hasher).await?;
                    failures = 0;
                    backoff.reset();
                    continue;
                }
                return Err(err.into());
            };
            if !d.is_zero() {
                if retry_after.is_some() {
                    graph.http().governor().throttled(d);
                    tracing::info!(target: crate::http::WAIT_TARGET,
                        "the service asked to wait {d:.1?} (fragment at byte {offset}); waiting");
                } else {
                    tracing::info!("fragment at {offset} failed ({err}); retrying in {d:.1?}");
                }
                tokio::time::sleep(d).await;
            }
            graph.http().governor().ready().await;
            // Graph: a broken request discards its bytes (or keeps a prefix, #75), an
            // overlap answers 416: either way the session says where to resume.
            match graph.upload_session_status(&session.url).await {
                Ok(s) => {
                    if let Some(o) = s.next_expected_offset() {
                        session.offset = o;
                    }
                }
                Err(se) if session_lost(&se) => {
                    *session = self.renew(se, &mut restarts, &hasher).await?;
                }
                Err(_) => {}
            }
        }
    }
}

/// The upload URL answered 404 (the session is gone) or 401/403 (it expired).
fn session_lost(e: &crate::http::Error) -> bool {
    matches!(e.kind(), ErrorKind::NotFound | ErrorKind::UrlExpired)
}

/// The running hash, shared with the body stream that feeds it.
fn lock(hasher: &Mutex<QuickXorHash>) -> Result<std::sync::MutexGuard<'_, QuickXorHash>> {
    hasher
        .lock()
        .map_err(|_| DriveError::Protocol("hash state poisoned".into()))
}

/// Hashes the bytes before `offset` this process has not read yet.
fn catch_up_hash(path: &Path, hasher: &Mutex<QuickXorHash>, offset: u64) -> Result<()> {
    let mut h = lock(hasher)?;
    let done = h.len();
    if done < offset {
        local::hash_range(path, &mut h, done, offset)?;
    }
    Ok(())
}

fn changed_while_reading(path: &Path) -> DriveError {
    DriveError::local(
        path,
        std::io::Error::other("the file changed while it was read"),
    )
}

/// Checks the service's QuickXorHash and size of the stored file against the local
/// bytes' (Graph may omit hashes right after an upload, or send `{}` for empty files on
/// Business: OneDrive/onedrive-api-docs#1704; then the size is all there is to check).
fn verified(item: DriveItem, local: &str, size: u64) -> Result<DriveItem> {
    match item.quick_xor_hash() {
        Some(remote) if remote != local => Err(DriveError::UploadHashMismatch {
            local: local.to_owned(),
            remote: remote.to_owned(),
        }),
        None if item.size.is_some_and(|s| s != size) => Err(DriveError::Protocol(format!(
            "the service stored {} bytes of a {size}-byte file",
            item.size.unwrap_or(0)
        ))),
        _ => Ok(item),
    }
}

/// Copies a stream to a temporary file: its path, the file (kept alive: dropping it
/// deletes the copy) and its metadata.
fn spool(
    mut from: impl std::io::Read,
    name: &Path,
) -> Result<(PathBuf, Option<tempfile::NamedTempFile>, std::fs::Metadata)> {
    let mut spool =
        tempfile::NamedTempFile::new().map_err(|e| DriveError::local(std::env::temp_dir(), e))?;
    std::io::copy(&mut from, &mut spool).map_err(|e| DriveError::local(name, e))?;
    let meta = spool
        .as_file()
        .metadata()
        .map_err(|e| DriveError::local(spool.path(), e))?;
    Ok((spool.path().to_path_buf(), Some(spool), meta))
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
                resume: None,
            };
            let err = upload(
                &graph,
                &crate::drive::resolve::Object::Root,
                Source::File(path.clone()),
                &opts,
            )
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
        assert_eq!(MAX_FRAGMENT, 62_586_880);
        const { assert!(DEFAULT_FRAGMENT <= MAX_FRAGMENT && MAX_FRAGMENT < 60 << 20) };
        // One rule for both options: rounded down to a 320 KiB multiple, at least 320 KiB,
        // under 60 MiB (Graph: fragments must be *under* 60 MiB, so 60M becomes the max).
        assert_eq!(chunk_size("60M").unwrap(), MAX_FRAGMENT);
        assert_eq!(chunk_size("62586880").unwrap(), MAX_FRAGMENT);
        assert_eq!(chunk_size("640K").unwrap(), 2 * FRAGMENT_UNIT);
        assert_eq!(chunk_size("1M").unwrap(), 3 * FRAGMENT_UNIT);
        assert_eq!(chunk_size("100K").unwrap(), FRAGMENT_UNIT);
        assert_eq!(chunk_size("0").unwrap(), FRAGMENT_UNIT);
        assert_eq!(chunk_size("64M").unwrap(), MAX_FRAGMENT);
        assert_eq!(chunk_size("10X"), Err(SizeError::Syntax("10X".into())));
        assert_eq!(bits_frag_bytes("1000000").unwrap(), 3 * FRAGMENT_UNIT);
        assert_eq!(bits_frag_bytes("1").unwrap(), FRAGMENT_UNIT);
        assert_eq!(bits_frag_bytes("1G").unwrap(), MAX_FRAGMENT);
    }
}
