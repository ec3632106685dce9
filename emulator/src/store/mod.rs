//! The drive: an item tree with content blobs, quota accounting and a recycle bin.
//!
//! The public API below is the contract the `graph`, `transfer` and `admin` modules code
//! against. Every method takes `&self` (one `RwLock` inside) and returns cloned
//! snapshots ([`Item`]), so no lock is ever held across an `.await`.
//!
//! Semantics honoured (Graph docs, see the project's graph-api-notes §2):
//! - ids survive rename/move/content change; delete + recreate gives a new id. Ids are
//!   Personal-style: the drive id is 16 uppercase hex digits, items are `{DRIVEID}!{n}`,
//!   the root is `{DRIVEID}!101`.
//! - names are unique per folder case-insensitively and whatever their Unicode form
//!   (NFC or NFD), but are stored as sent; paths resolve the same way
//!   ([`names::name_key`], rclone/rclone#8634).
//! - a folder's `size` is its whole subtree's.
//! - `eTag` changes on content or metadata change, `cTag` on content change; a folder's
//!   cTag also changes when any descendant changes, its eTag only with its own properties.
//! - deleted items (folders recursively) go to a recycle bin counted in `quota.deleted`.
//! - file hashes and size are recorded when the content is stored, not recomputed: the
//!   admin "corrupt content" route ([`Store::set_blob_unchecked`]) changes the bytes only.
//!
//! Layout: [`names`] (name/path rules), [`mime`] (server-side mimeType), `tree` (the
//! tree itself), `persist` (the `--data-dir` format), [`blob`] (content bytes).

pub mod blob;
pub mod mime;
pub mod names;
mod persist;
mod tree;
pub mod view;

use std::path::PathBuf;
use std::sync::{Arc, Condvar, Mutex, RwLock, RwLockReadGuard, RwLockWriteGuard};
use std::time::Duration;

pub use blob::{Blob, BlobWriter};
use jiff::Timestamp;
pub use view::{ItemFields, NodeView};

use crate::config::Config;
use crate::error::GraphResult;
pub use tree::IdStyle;
use tree::Tree;

pub type ItemId = String;

/// `@microsoft.graph.conflictBehavior`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Conflict {
    Fail,
    Replace,
    Rename,
}

impl Conflict {
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "fail" => Some(Self::Fail),
            "replace" => Some(Self::Replace),
            "rename" => Some(Self::Rename),
            _ => None,
        }
    }
}

/// Client-side times (`fileSystemInfo`). `None` means "now" on creation and "unchanged"
/// on update. Stored to whole seconds.
#[derive(Clone, Debug, Default)]
pub struct FsInfo {
    pub created: Option<Timestamp>,
    pub modified: Option<Timestamp>,
}

/// Drive quota, as `drive.quota` reports it.
#[derive(Clone, Debug)]
pub struct Quota {
    pub total: u64,
    /// Bytes of live files (the recycle bin is reported apart, in `deleted`).
    pub used: u64,
    pub remaining: u64,
    pub deleted: u64,
    /// normal | nearing | critical | exceeded
    pub state: &'static str,
}

/// What a file item holds. `quick_xor_hash`/`sha1_hash` were recorded when the content
/// was stored (`sha1_hash` only when the blob computed one, i.e. legacy-Personal mode).
#[derive(Clone, Debug)]
pub struct FileMeta {
    pub blob: Blob,
    pub mime_type: String,
    pub quick_xor_hash: String,
    pub sha1_hash: Option<String>,
    /// `file.hashes` is reported as `{}` (admin `POST /_emulator/hashes`; seen on
    /// Business for 0-byte files, OneDrive/onedrive-api-docs#1704), until the content
    /// changes.
    pub hashes_blank: bool,
}

#[derive(Clone, Debug)]
pub enum ItemKind {
    Folder,
    File(FileMeta),
}

/// A snapshot of one driveItem.
#[derive(Clone, Debug)]
pub struct Item {
    pub id: ItemId,
    pub name: String,
    /// `None` for the root.
    pub parent_id: Option<ItemId>,
    pub kind: ItemKind,
    /// Server times (`createdDateTime`, `lastModifiedDateTime`).
    pub created: Timestamp,
    pub modified: Timestamp,
    /// Client times (`fileSystemInfo`).
    pub fs_created: Timestamp,
    pub fs_modified: Timestamp,
    pub description: Option<String>,
    pub etag: String,
    pub ctag: String,
    /// `specialFolder.name` (`documents`, `approot`, ...).
    pub special_folder: Option<String>,
    /// Bytes: the file's recorded size, or a folder's whole subtree.
    pub size: u64,
    /// Children of a folder (0 for files).
    pub child_count: u64,
}

impl Item {
    pub fn is_folder(&self) -> bool {
        matches!(self.kind, ItemKind::Folder)
    }

    pub fn is_root(&self) -> bool {
        self.parent_id.is_none()
    }

    /// The file's content (`None` for folders).
    pub fn file(&self) -> Option<&FileMeta> {
        match &self.kind {
            ItemKind::File(f) => Some(f),
            ItemKind::Folder => None,
        }
    }

    /// Whether `tag` (an If-Match / If-None-Match value, quoted or not, possibly `W/`)
    /// names this item's current eTag or cTag.
    pub fn matches_tag(&self, tag: &str) -> bool {
        let t = tag.trim();
        let t = t.strip_prefix("W/").unwrap_or(t);
        let t = t.trim_matches('"');
        t == self.etag || t == self.ctag
    }
}

/// A `PATCH` of an item. `None` fields are left alone.
#[derive(Clone, Debug, Default)]
pub struct ItemPatch {
    pub name: Option<String>,
    /// Move under this folder.
    pub parent_id: Option<ItemId>,
    /// `Some("")` clears the description.
    pub description: Option<String>,
    pub fs: FsInfo,
}

/// A deleted item as `delta` reports it.
#[derive(Clone, Debug)]
pub struct DeletedItem {
    pub id: ItemId,
    pub name: String,
    pub parent_id: Option<ItemId>,
    pub is_folder: bool,
}

/// One entry of a `delta` round, as recorded when the round starts: a live item, by id
/// (rendered in its state when its page is served, see [`Store::delta_items`]), or a
/// deletion.
#[derive(Clone, Debug)]
pub enum DeltaEntry {
    Item(ItemId),
    Deleted(DeletedItem),
}

/// A delta entry as served in a page.
#[derive(Clone, Debug)]
pub enum DeltaItem {
    Item(Box<Item>),
    Deleted(DeletedItem),
}

/// One round of `delta`: every entry, then the position to resume from next time.
#[derive(Clone, Debug)]
pub struct DeltaBatch {
    pub entries: Vec<DeltaEntry>,
    /// Change sequence number covered by this batch (the next round asks `since: seq`).
    pub seq: u64,
    /// Generation of the change log; a token from another epoch must get 410.
    pub epoch: u64,
}

/// What [`Store::populate`] created.
#[derive(Clone, Debug)]
pub struct PopulateSummary {
    pub folder_ids: Vec<ItemId>,
    pub file_ids: Vec<ItemId>,
    pub bytes: u64,
}

/// Special folders of a Personal drive: API name → path of the folder created on first
/// access (OneDrive Personal's display names).
pub const SPECIAL_FOLDERS: &[(&str, &str)] = &[
    ("documents", "Documents"),
    ("photos", "Pictures"),
    ("cameraroll", "Pictures/Camera Roll"),
    ("music", "Music"),
    ("approot", "Apps/Emulated App"),
];

/// The drive. All methods take `&self`.
pub struct Store {
    /// Never changes after open (reset keeps it): read without the lock.
    drive_id: String,
    shared: Arc<Shared>,
    flusher: Option<std::thread::JoinHandle<()>>,
}

struct Shared {
    tree: RwLock<Tree>,
    quota_default: u64,
    persist: Option<persist::Persist>,
    dirty: Mutex<Flags>,
    wake: Condvar,
}

#[derive(Default)]
struct Flags {
    dirty: bool,
    stop: bool,
}

/// Deterministic drive id for a seed: 16 uppercase hex digits.
fn drive_id_for(seed: u64) -> String {
    use rand::{Rng as _, SeedableRng as _};
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
    format!("{:016X}", rng.random::<u64>())
}

fn new_epoch() -> u64 {
    rand::random()
}

impl Store {
    /// An empty drive (root only), or the one persisted in `config.data_dir`.
    pub fn open(config: &Config) -> std::io::Result<Self> {
        let persist = config.data_dir.clone().map(persist::Persist::new);
        let loaded = match &persist {
            Some(p) => p.load()?,
            None => None,
        };
        let tree = match loaded {
            Some(t) => t,
            None => Tree::new(drive_id_for(config.seed), config.quota, new_epoch()),
        };
        let mut store = Self::with_tree(tree, config, persist);
        if store.shared.persist.is_some() {
            let s = store.shared.clone();
            store.flusher = Some(
                std::thread::Builder::new()
                    .name("emulator-store-flush".into())
                    .spawn(move || flush_loop(&s))?,
            );
        }
        Ok(store)
    }

    /// An empty in-memory drive (root only) with the given id and id style: another
    /// user's drive or a document library (never persisted). Quota and the hash and
    /// folder options come from `config`, as for the user's own drive.
    pub fn in_memory(drive_id: String, style: IdStyle, config: &Config) -> Self {
        let tree = Tree::with_style(drive_id, style, config.quota, new_epoch());
        Self::with_tree(tree, config, None)
    }

    /// A store of `tree` with `config`'s quota, hash and folder options, saved to
    /// `persist` (once a flusher is started) or never.
    fn with_tree(mut tree: Tree, config: &Config, persist: Option<persist::Persist>) -> Self {
        tree.legacy_sha1 = config.legacy_sha1;
        tree.mkdir_existing_ok = config.mkdir_existing_ok;
        Self {
            drive_id: tree.drive_id.clone(),
            shared: Arc::new(Shared {
                tree: RwLock::new(tree),
                quota_default: config.quota,
                persist,
                dirty: Mutex::new(Flags::default()),
                wake: Condvar::new(),
            }),
            flusher: None,
        }
    }

    fn read(&self) -> RwLockReadGuard<'_, Tree> {
        self.shared.tree.read().unwrap_or_else(|e| e.into_inner())
    }

    /// Runs a mutation and schedules a save (when persisting).
    fn write<T>(&self, f: impl FnOnce(&mut Tree) -> GraphResult<T>) -> GraphResult<T> {
        let out = {
            let mut t: RwLockWriteGuard<'_, Tree> =
                self.shared.tree.write().unwrap_or_else(|e| e.into_inner());
            f(&mut t)
        };
        if self.shared.persist.is_some() {
            let mut flags = self.shared.dirty.lock().unwrap_or_else(|e| e.into_inner());
            flags.dirty = true;
            self.shared.wake.notify_all();
        }
        out
    }

    // ---------------------------------------------------------------- reading

    /// The drive id (16 uppercase hex digits for the user's own drive).
    pub fn drive_id(&self) -> String {
        self.drive_id.clone()
    }

    pub fn root_id(&self) -> ItemId {
        self.read().root_id.clone()
    }

    /// The item `id`; 404 `itemNotFound` when there is none.
    pub fn get(&self, id: &str) -> GraphResult<Item> {
        self.read().get(id)
    }

    /// Resolves a decoded relative path (`a/b c/ü.txt`, segments split on `/`, empty
    /// segments ignored) below `base`, names compared as [`names::name_key`] does. 404
    /// when any segment is missing.
    pub fn resolve_path(&self, base: &str, path: &str) -> GraphResult<Item> {
        self.read().resolve_path(base, path)
    }

    /// Like [`Store::resolve_path`] with already split, decoded segments (a segment may
    /// hold a `/` that came percent-encoded: it then matches no name).
    pub fn resolve_segments<S: AsRef<str>>(&self, base: &str, segs: &[S]) -> GraphResult<Item> {
        self.read().resolve_segments(base, segs)
    }

    /// The special folder `name` if it exists already (HEAD never provisions one).
    pub fn find_special(&self, name: &str) -> Option<Item> {
        self.read().find_special(name)
    }

    /// The child of `parent` named `name` (compared as names are: case-insensitively,
    /// Unicode forms alike). Err when `parent` is missing
    /// (404) or not a folder (400).
    pub fn child_by_name(&self, parent: &str, name: &str) -> GraphResult<Option<Item>> {
        let t = self.read();
        match t.child_id(parent, name)? {
            Some(id) => Ok(Some(t.get(&id)?)),
            None => Ok(None),
        }
    }

    /// The children of a folder, in case-insensitive name order (stable across calls).
    pub fn children(&self, id: &str) -> GraphResult<Vec<Item>> {
        self.read().children(id)
    }

    /// `limit` children from position `offset` in [`Store::children`] order, and the
    /// total number of children (cheap paging: only the page is snapshotted).
    pub fn children_page(
        &self,
        id: &str,
        offset: usize,
        limit: usize,
    ) -> GraphResult<(Vec<Item>, usize)> {
        self.read().children_page(id, offset, limit)
    }

    /// The decoded path of `id` below the root: `""` for the root, `/a/b` otherwise.
    /// (`parentReference.path` is `/drive/root:` + the parent's path.)
    pub fn path_of(&self, id: &str) -> GraphResult<String> {
        self.read().path_of(id)
    }

    pub fn quota(&self) -> Quota {
        self.read().quota()
    }

    /// Checks that `extra` more bytes fit in the quota: else 507 `quotaLimitReached`.
    /// (Store writes check the quota themselves; this is for pre-checks such as an upload
    /// session's `fileSize`.)
    pub fn check_quota(&self, extra: u64) -> GraphResult<()> {
        self.read().check_quota(extra)
    }

    /// Changes below `folder` since the change number `since` (`None`: the whole
    /// current subtree, `folder` included). Deleted items first, then live items in tree
    /// pre-order (parents before children), each in its latest state.
    pub fn delta(&self, folder: &str, since: Option<u64>) -> GraphResult<DeltaBatch> {
        self.read().delta(folder, since)
    }

    /// The entries of one delta page in their current state, under one read lock.
    /// An item deleted since the round started (at change number `since`), or moved out
    /// of `folder`'s subtree, is left out: the next round reports it (its change is
    /// newer than the round).
    pub fn delta_items(&self, folder: &str, entries: &[DeltaEntry], since: u64) -> Vec<DeltaItem> {
        self.read().delta_items(folder, entries, since)
    }

    /// The next at most `limit` items of a full enumeration of `folder`'s subtree in
    /// pre-order (parents first, children in name order), continuing the walk whose
    /// pending ids are `stack` (start with `[folder]`; empty when the walk is done),
    /// each handed to `each` as a [`NodeView`] read in place under the read lock (no
    /// copy; `each` must not call the store). Items deleted, or moved out of the
    /// subtree, since the round started at change number `since` are taken but left
    /// out. Returns how many ids were taken from the stack. Walking page by page keeps
    /// the cost of a page proportional to the page, not to the subtree.
    pub fn delta_walk_each(
        &self,
        folder: &str,
        stack: &mut Vec<ItemId>,
        limit: usize,
        since: u64,
        each: impl FnMut(&NodeView<'_>),
    ) -> usize {
        self.read()
            .delta_walk_each(folder, stack, limit, since, each)
    }

    /// The current change position `(epoch, seq)` (for `delta?token=latest`).
    pub fn delta_position(&self) -> (u64, u64) {
        let t = self.read();
        (t.epoch, t.seq)
    }

    /// Items below `folder` whose name or description contains `query` (compared as
    /// names are: case-insensitively, Unicode forms alike), in tree pre-order.
    pub fn search(&self, folder: &str, query: &str) -> GraphResult<Vec<Item>> {
        self.read().search(folder, query)
    }

    /// The `limit` most recently modified files, newest first.
    pub fn recent(&self, limit: usize) -> Vec<Item> {
        self.read().recent(limit)
    }

    /// Number of live items, root included.
    pub fn item_count(&self) -> usize {
        self.read().nodes.len()
    }

    // ---------------------------------------------------------------- writing

    /// `POST children` with `folder:{}`. Returns the folder and whether it was created
    /// (Graph: 201) or is an existing one (200, only with `config.mkdir_existing_ok`).
    /// Conflict: fail → 409 `nameAlreadyExists`; rename → `My Folder 1`; replace → the
    /// existing item goes to the recycle bin and a new empty folder takes its name.
    pub fn create_folder(
        &self,
        parent: &str,
        name: &str,
        conflict: Conflict,
    ) -> GraphResult<(Item, bool)> {
        self.write(|t| t.create_folder(parent, name, conflict))
    }

    /// The folder at `segs` below `base`, creating the missing ones (one lock: parallel
    /// uploads into the same new folder all find one folder). A file in the way → 409.
    pub fn ensure_folders<S: AsRef<str>>(&self, base: &str, segs: &[S]) -> GraphResult<Item> {
        self.write(|t| t.ensure_folders(base, segs))
    }

    /// Stores a file named `name` under `parent`. Returns the item and `true` when it is
    /// new (Graph: 201) or `false` when an existing file's content was replaced (200; its
    /// id and name are kept). Conflict: fail → 409; rename → `name 1.txt`; replace over a
    /// folder → 409. Quota → 507.
    pub fn put_file(
        &self,
        parent: &str,
        name: &str,
        blob: Blob,
        conflict: Conflict,
        fs: FsInfo,
    ) -> GraphResult<(Item, bool)> {
        self.write(|t| t.put_file(parent, name, blob, conflict, fs))
    }

    /// Replaces the content of the file `id` (new eTag and cTag). 400 for a folder.
    pub fn replace_content(&self, id: &str, blob: Blob, fs: FsInfo) -> GraphResult<Item> {
        self.write(|t| t.replace_content(id, blob, fs))
    }

    /// Rename, move, description, fileSystemInfo. Moving an item into itself or a
    /// descendant → 400; a taken name → 409; the root cannot be renamed or moved (400).
    pub fn update(&self, id: &str, patch: ItemPatch) -> GraphResult<Item> {
        self.write(|t| t.update(id, patch))
    }

    /// Moves `id` (recursively) to the recycle bin. 403 for the root.
    pub fn delete(&self, id: &str) -> GraphResult<()> {
        self.write(|t| t.delete(id, true))
    }

    /// Removes `id` (and its subtree) without a recycle-bin entry (`permanentDelete`).
    pub fn delete_permanently(&self, id: &str) -> GraphResult<()> {
        self.write(|t| t.delete(id, false))
    }

    /// Deep copy of `id` into `new_parent`, named `new_name` or the source's name. New
    /// ids, server and client times set to now (the service does not keep mtimes).
    pub fn copy(
        &self,
        id: &str,
        new_parent: &str,
        new_name: Option<&str>,
        conflict: Conflict,
    ) -> GraphResult<Item> {
        self.write(|t| t.copy(id, new_parent, new_name, conflict))
    }

    /// Deep copy of `id` of the drive `src` into `new_parent` of this drive (a copy
    /// between drives): new ids of this drive's format, this drive's quota. The source
    /// is read under its own lock, then written here under this one.
    pub fn copy_from(
        &self,
        src: &Store,
        id: &str,
        new_parent: &str,
        new_name: Option<&str>,
        conflict: Conflict,
    ) -> GraphResult<Item> {
        if Arc::ptr_eq(&self.shared, &src.shared) {
            return self.copy(id, new_parent, new_name, conflict);
        }
        let (nodes, deepest) = src.read().export(id)?;
        self.write(|t| t.paste(nodes, deepest, new_parent, new_name, conflict, None))
    }

    /// The special folder `name` (see [`SPECIAL_FOLDERS`]), created on first access.
    /// Unknown names → 400.
    pub fn special(&self, name: &str) -> GraphResult<Item> {
        // Most calls find it provisioned: no write lock, no save.
        if let Some(i) = self.find_special(name) {
            return Ok(i);
        }
        self.write(|t| t.special(name))
    }

    /// Gives `id` a new eTag, nothing else changed (its cTag, content and times stay):
    /// the service's eTag moving after an upload (`--etag-settle-ms`).
    pub fn touch_etag(&self, id: &str) -> GraphResult<Item> {
        self.write(|t| t.touch_etag(id))
    }

    /// Makes the file `id` report `"hashes": {}` until its content changes (its tags
    /// do not change). 400 for a folder.
    pub fn blank_hashes(&self, id: &str) -> GraphResult<Item> {
        self.write(|t| t.blank_hashes(id))
    }

    /// Replaces a file's bytes WITHOUT touching its recorded size, hashes or tags (the
    /// admin "corrupt content" route, to test client-side hash checks).
    pub fn set_blob_unchecked(&self, id: &str, blob: Blob) -> GraphResult<()> {
        self.write(|t| t.set_blob_unchecked(id, blob))
    }

    pub fn set_quota(&self, total: u64) {
        let _ = self.write(|t| {
            t.quota_total = total;
            Ok(())
        });
    }

    /// Creates `folders` folders (`folder-00000`, ...) under `parent` and `files` files
    /// (`file-000000.bin`, ...) spread round-robin over them (or in `parent` when
    /// `folders` is 0), the i-th file of size `sizes[i % sizes.len()]` (0 when empty).
    /// With `depth` > 1 the folders nest, up to `depth` levels below `parent`, each
    /// holding the same number of subfolders (the fewest that fit); 0 or 1: all in
    /// `parent`. Taken names are renamed. One lock for the whole batch: 20,000 items take
    /// a few ms.
    pub fn populate(
        &self,
        parent: &str,
        folders: usize,
        files: usize,
        sizes: &[u64],
        depth: usize,
    ) -> GraphResult<PopulateSummary> {
        self.write(|t| t.populate(parent, folders, files, sizes, depth))
    }

    /// Back to an empty drive (same drive id and root id, the configured quota), recycle
    /// bin and change log cleared; older delta tokens become invalid. Item ids are not
    /// reused.
    pub fn reset(&self) {
        let quota = self.shared.quota_default;
        let _ = self.write(|t| {
            let mut fresh =
                Tree::with_style(t.drive_id.clone(), t.id_style.clone(), quota, new_epoch());
            // Ids are never reused, even across a reset: links, copy jobs and clients
            // holding an old id must not meet a new item under it.
            fresh.next_id = t.next_id;
            fresh.next_blob_key = t.next_blob_key;
            fresh.legacy_sha1 = t.legacy_sha1;
            fresh.mkdir_existing_ok = t.mkdir_existing_ok;
            *t = fresh;
            Ok(())
        });
    }

    /// Writes the drive to `data_dir` now (a no-op in memory). Saves also happen in the
    /// background shortly after each change, and when the store is dropped.
    pub fn flush(&self) -> std::io::Result<()> {
        match &self.shared.persist {
            Some(p) => {
                {
                    let mut flags = self.shared.dirty.lock().unwrap_or_else(|e| e.into_inner());
                    flags.dirty = false;
                }
                p.save(&self.shared.tree)
            }
            None => Ok(()),
        }
    }

    /// The data directory, when persisting.
    pub fn data_dir(&self) -> Option<PathBuf> {
        self.shared.persist.as_ref().map(|p| p.dir().to_owned())
    }
}

/// Background saver: waits for a change, lets a burst of changes settle, saves.
fn flush_loop(shared: &Shared) {
    let Some(p) = &shared.persist else { return };
    loop {
        let stop = {
            let mut flags = shared.dirty.lock().unwrap_or_else(|e| e.into_inner());
            while !flags.dirty && !flags.stop {
                flags = shared.wake.wait(flags).unwrap_or_else(|e| e.into_inner());
            }
            flags.stop
        };
        if !stop {
            std::thread::sleep(Duration::from_millis(200));
        }
        let was_dirty = {
            let mut flags = shared.dirty.lock().unwrap_or_else(|e| e.into_inner());
            std::mem::take(&mut flags.dirty)
        };
        if was_dirty && let Err(e) = p.save(&shared.tree) {
            eprintln!("onedrive-emulator: saving the drive failed: {e}");
        }
        if stop {
            return;
        }
    }
}

impl Drop for Store {
    fn drop(&mut self) {
        {
            let mut flags = self.shared.dirty.lock().unwrap_or_else(|e| e.into_inner());
            flags.stop = true;
            self.shared.wake.notify_all();
        }
        if let Some(t) = self.flusher.take() {
            let _ = t.join();
        }
    }
}

#[cfg(test)]
mod tests;
