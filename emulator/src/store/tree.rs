//! The item tree behind [`super::Store`]: nodes, the derived folder values (subtree
//! size, cTag), the recycle bin and the change log `delta` reads. Every method here runs
//! under the store's lock; the public wrappers in `mod.rs` take it.

use std::collections::{BTreeMap, HashMap};

use axum::http::StatusCode;
use base64::Engine as _;
use jiff::Timestamp;

use super::names::{name_key, numbered, same_text, validate_item_name, validate_path_len};
use super::{
    Blob, Conflict, DeletedItem, DeltaBatch, DeltaEntry, DeltaItem, FileMeta, FsInfo, Item, ItemId,
    ItemKind, ItemPatch, PopulateSummary, Quota, SPECIAL_FOLDERS,
};
use crate::error::{GraphError, GraphResult};

/// Server time at millisecond precision (what the service prints).
pub(crate) fn now() -> Timestamp {
    Timestamp::from_millisecond(Timestamp::now().as_millisecond()).unwrap_or(Timestamp::UNIX_EPOCH)
}

/// Client-supplied times are kept to whole seconds (OneDrive's mtime precision; rclone
/// trusts 1 s).
pub(crate) fn to_seconds(t: Timestamp) -> Timestamp {
    Timestamp::from_second(t.as_second()).unwrap_or(t)
}

#[derive(Clone)]
pub(crate) struct FileData {
    pub blob: Blob,
    /// Identifies the blob's bytes on disk (persistence); new for every new content.
    pub blob_key: u64,
    pub mime_type: String,
    /// Recorded at put time: the admin "corrupt" route swaps the blob, not these.
    pub size: u64,
    pub quick_xor_hash: String,
    pub sha1_hash: Option<String>,
    /// Hashes reported as `{}` until the content changes (see
    /// [`super::FileMeta::hashes_blank`]).
    pub hashes_blank: bool,
}

#[derive(Clone)]
pub(crate) enum Content {
    /// `children`: lowercase name → id (names are unique case-insensitively, and a
    /// BTreeMap gives the stable name order listings use). `size`: the subtree's bytes.
    Folder {
        children: BTreeMap<String, ItemId>,
        size: u64,
    },
    File(FileData),
}

#[derive(Clone)]
pub(crate) struct Node {
    pub id: ItemId,
    pub name: String,
    pub parent: Option<ItemId>,
    pub content: Content,
    pub created: Timestamp,
    pub modified: Timestamp,
    pub fs_created: Timestamp,
    pub fs_modified: Timestamp,
    pub description: Option<String>,
    /// Change sequence numbers (drive-wide counter) of the last metadata-or-content
    /// change (eTag), content change or descendant change (cTag), and of the last change
    /// `delta` must report.
    pub etag_seq: u64,
    pub ctag_seq: u64,
    pub changed_seq: u64,
    pub special: Option<String>,
}

impl Node {
    fn is_folder(&self) -> bool {
        matches!(self.content, Content::Folder { .. })
    }

    /// Bytes this node accounts for in its parent's subtree size.
    pub(crate) fn size(&self) -> u64 {
        match &self.content {
            Content::Folder { size, .. } => *size,
            Content::File(f) => f.size,
        }
    }
}

/// A deletion remembered for `delta`.
#[derive(Clone)]
pub(crate) struct Tombstone {
    pub seq: u64,
    pub item: DeletedItem,
    /// Ids of the item's ancestors when it was deleted (to scope `delta` on a folder).
    pub ancestors: Vec<ItemId>,
}

/// An entry of the recycle bin (metadata only: no restore API is emulated).
#[derive(Clone)]
pub(crate) struct Recycled {
    pub id: ItemId,
    pub name: String,
    pub bytes: u64,
    pub deleted_at: Timestamp,
}

/// How a drive names its items (graph-api-notes §2.5): Personal `{DRIVEID}!{n}`, or
/// Business/SharePoint 34 uppercase characters starting `01`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum IdStyle {
    Personal,
    /// `01` + this 8-character prefix (base32 letters) + a 24-digit base32 counter.
    Business(String),
}

pub(crate) struct Tree {
    pub drive_id: String,
    pub id_style: IdStyle,
    pub root_id: ItemId,
    pub next_id: u64,
    pub next_blob_key: u64,
    /// Drive-wide change counter; bumped once per mutation.
    pub seq: u64,
    /// Changes when the change log restarts (reset): older delta tokens then get 410.
    pub epoch: u64,
    pub nodes: HashMap<ItemId, Node>,
    pub quota_total: u64,
    pub used: u64,
    pub deleted_bytes: u64,
    pub recycle: Vec<Recycled>,
    pub tombstones: Vec<Tombstone>,
    pub legacy_sha1: bool,
    pub mkdir_existing_ok: bool,
}

/// An eTag or cTag: `a` + base64(`{prefix}{id}.{seq}`), built in one buffer (a listing
/// page computes two per item).
fn tag(prefix: &str, id: &str, seq: u64) -> String {
    use std::io::Write as _;
    // On the stack: ids are short (`{16 hex}!{n}`); a longer one spills to the heap.
    let mut stack = [0u8; 96];
    let mut cur = std::io::Cursor::new(&mut stack[..]);
    let raw: std::borrow::Cow<'_, [u8]> = if write!(cur, "{prefix}{id}.{seq}").is_ok() {
        let n = usize::try_from(cur.position()).unwrap_or(0);
        std::borrow::Cow::Borrowed(&stack[..n])
    } else {
        std::borrow::Cow::Owned(format!("{prefix}{id}.{seq}").into_bytes())
    };
    let mut out = String::with_capacity(1 + raw.len() * 4 / 3 + 4);
    out.push('a');
    base64::engine::general_purpose::STANDARD_NO_PAD.encode_string(&raw, &mut out);
    out
}

/// The id of the `n`-th item of a drive.
fn style_id(drive_id: &str, style: &IdStyle, n: u64) -> ItemId {
    match style {
        IdStyle::Personal => format!("{drive_id}!{n}"),
        IdStyle::Business(prefix) => {
            const B32: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
            let mut digits = [b'A'; 24];
            let mut v = n;
            for d in digits.iter_mut().rev() {
                *d = B32[(v % 32) as usize];
                v /= 32;
            }
            format!("01{prefix}{}", String::from_utf8_lossy(&digits))
        }
    }
}

fn not_a_folder(what: &str) -> GraphError {
    GraphError::invalid_request(format!("{what} is not a folder."))
}

impl Tree {
    /// A drive holding only its root.
    pub fn new(drive_id: String, quota_total: u64, epoch: u64) -> Self {
        Self::with_style(drive_id, IdStyle::Personal, quota_total, epoch)
    }

    /// A drive holding only its root, its ids in `style`.
    pub fn with_style(drive_id: String, style: IdStyle, quota_total: u64, epoch: u64) -> Self {
        let root_id = style_id(&drive_id, &style, 101);
        let t = now();
        let root = Node {
            id: root_id.clone(),
            name: "root".into(),
            parent: None,
            content: Content::Folder {
                children: BTreeMap::new(),
                size: 0,
            },
            created: t,
            modified: t,
            fs_created: t,
            fs_modified: t,
            description: None,
            etag_seq: 1,
            ctag_seq: 1,
            changed_seq: 1,
            special: None,
        };
        let mut nodes = HashMap::new();
        nodes.insert(root_id.clone(), root);
        Self {
            drive_id,
            id_style: style,
            root_id,
            next_id: 102,
            next_blob_key: 1,
            seq: 1,
            epoch,
            nodes,
            quota_total,
            used: 0,
            deleted_bytes: 0,
            recycle: Vec::new(),
            tombstones: Vec::new(),
            legacy_sha1: false,
            mkdir_existing_ok: false,
        }
    }

    // ---------------------------------------------------------------- reading

    pub fn node(&self, id: &str) -> GraphResult<&Node> {
        if let Some(n) = self.nodes.get(id) {
            return Ok(n);
        }
        // Personal drive ids come back in varying case and sometimes without a leading
        // zero (notes §2.5): accept `{driveid}!{n}` in any case, left-padded to 16.
        let normalized = id.split_once('!').and_then(|(drive, rest)| {
            let d = format!("{drive:0>16}").to_ascii_uppercase();
            (d == self.drive_id).then(|| format!("{d}!{rest}"))
        });
        normalized
            .and_then(|i| self.nodes.get(&i))
            .ok_or_else(|| GraphError::not_found("Item does not exist"))
    }

    fn folder_children(&self, id: &str) -> GraphResult<&BTreeMap<String, ItemId>> {
        match &self.node(id)?.content {
            Content::Folder { children, .. } => Ok(children),
            Content::File(_) => Err(not_a_folder("The item")),
        }
    }

    pub fn etag(&self, n: &Node) -> String {
        tag("", &n.id, n.etag_seq)
    }

    pub fn ctag(&self, n: &Node) -> String {
        tag("c:", &n.id, n.ctag_seq)
    }

    pub fn snapshot(&self, n: &Node) -> Item {
        let (kind, child_count) = match &n.content {
            Content::Folder { children, .. } => (ItemKind::Folder, children.len() as u64),
            Content::File(f) => (
                ItemKind::File(FileMeta {
                    blob: f.blob.clone(),
                    mime_type: f.mime_type.clone(),
                    quick_xor_hash: f.quick_xor_hash.clone(),
                    sha1_hash: f.sha1_hash.clone(),
                    hashes_blank: f.hashes_blank,
                }),
                0,
            ),
        };
        Item {
            id: n.id.clone(),
            name: n.name.clone(),
            parent_id: n.parent.clone(),
            kind,
            created: n.created,
            modified: n.modified,
            fs_created: n.fs_created,
            fs_modified: n.fs_modified,
            description: n.description.clone(),
            etag: self.etag(n),
            ctag: self.ctag(n),
            special_folder: n.special.clone(),
            size: n.size(),
            child_count,
        }
    }

    pub fn get(&self, id: &str) -> GraphResult<Item> {
        Ok(self.snapshot(self.node(id)?))
    }

    pub fn child_id(&self, parent: &str, name: &str) -> GraphResult<Option<ItemId>> {
        Ok(self.folder_children(parent)?.get(&name_key(name)).cloned())
    }

    pub fn resolve_path(&self, base: &str, path: &str) -> GraphResult<Item> {
        let segs: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
        self.resolve_segments(base, &segs)
    }

    pub fn resolve_segments<S: AsRef<str>>(&self, base: &str, segs: &[S]) -> GraphResult<Item> {
        let mut cur = self.node(base)?;
        for seg in segs.iter().map(AsRef::as_ref) {
            let next = match &cur.content {
                Content::Folder { children, .. } => children.get(&name_key(seg)),
                Content::File(_) => None,
            };
            cur = match next.and_then(|id| self.nodes.get(id)) {
                Some(n) => n,
                None => return Err(GraphError::not_found("Item does not exist")),
            };
        }
        Ok(self.snapshot(cur))
    }

    pub fn children(&self, id: &str) -> GraphResult<Vec<Item>> {
        self.children_page(id, 0, usize::MAX)
            .map(|(items, _)| items)
    }

    pub fn children_page(
        &self,
        id: &str,
        offset: usize,
        limit: usize,
    ) -> GraphResult<(Vec<Item>, usize)> {
        let children = self.folder_children(id)?;
        let page = children
            .values()
            .skip(offset)
            .take(limit)
            .filter_map(|c| self.nodes.get(c))
            .map(|n| self.snapshot(n))
            .collect();
        Ok((page, children.len()))
    }

    /// Ids from the root down to `id`, both included.
    fn lineage(&self, id: &str) -> Vec<ItemId> {
        let mut out = Vec::new();
        let mut cur = self.nodes.get(id);
        while let Some(n) = cur {
            out.push(n.id.clone());
            cur = n.parent.as_ref().and_then(|p| self.nodes.get(p));
        }
        out.reverse();
        out
    }

    pub fn path_of(&self, id: &str) -> GraphResult<String> {
        self.node(id)?;
        let mut path = String::new();
        for nid in self.lineage(id).iter().skip(1) {
            if let Some(n) = self.nodes.get(nid) {
                path.push('/');
                path.push_str(&n.name);
            }
        }
        Ok(path)
    }

    /// Characters of the decoded path `a/b/c` of `id` (0 for the root).
    fn path_chars(&self, id: &str) -> usize {
        self.lineage(id)
            .iter()
            .skip(1)
            .filter_map(|i| self.nodes.get(i))
            .map(|n| n.name.chars().count() + 1)
            .sum::<usize>()
            .saturating_sub(1)
    }

    /// Longest `/child/grandchild...` suffix below `id`, in characters.
    fn deepest_suffix(&self, id: &str) -> usize {
        let mut best = 0;
        let mut stack = vec![(id.to_owned(), 0usize)];
        while let Some((cur, len)) = stack.pop() {
            best = best.max(len);
            if let Ok(children) = self.folder_children(&cur) {
                for c in children.values() {
                    if let Some(n) = self.nodes.get(c) {
                        stack.push((c.clone(), len + 1 + n.name.chars().count()));
                    }
                }
            }
        }
        best
    }

    /// Checks the path a new child `name` of `parent` would have.
    fn check_child_path(&self, parent: &str, name: &str, suffix: usize) -> GraphResult<()> {
        let base = self.path_chars(parent);
        let own = name.chars().count() + usize::from(base > 0);
        validate_path_len(base + own + suffix)
    }

    /// Every id in the subtree of `id` (pre-order, `id` first).
    fn subtree(&self, id: &str) -> Vec<ItemId> {
        let mut out = Vec::new();
        let mut stack = vec![id.to_owned()];
        while let Some(cur) = stack.pop() {
            if let Some(Content::Folder { children, .. }) = self.nodes.get(&cur).map(|n| &n.content)
            {
                // Reverse so that the pre-order follows name order.
                for c in children.values().rev() {
                    stack.push(c.clone());
                }
            }
            out.push(cur);
        }
        out
    }

    pub fn quota(&self) -> Quota {
        let remaining = self.quota_total.saturating_sub(self.used);
        // Graph quota.state thresholds: nearing < 10% left, critical < 1%, exceeded none.
        let state = if remaining == 0 {
            "exceeded"
        } else if (remaining as u128) * 100 < self.quota_total as u128 {
            "critical"
        } else if (remaining as u128) * 10 < self.quota_total as u128 {
            "nearing"
        } else {
            "normal"
        };
        Quota {
            total: self.quota_total,
            used: self.used,
            remaining,
            deleted: self.deleted_bytes,
            state,
        }
    }

    pub fn check_quota(&self, extra: u64) -> GraphResult<()> {
        if self.used.saturating_add(extra) > self.quota_total {
            return Err(GraphError::new(
                StatusCode::INSUFFICIENT_STORAGE,
                "quotaLimitReached",
                "Insufficient Space Available",
            ));
        }
        Ok(())
    }

    // ---------------------------------------------------------------- writing helpers

    fn bump(&mut self) -> u64 {
        self.seq += 1;
        self.seq
    }

    fn new_id(&mut self) -> ItemId {
        let id = style_id(&self.drive_id, &self.id_style, self.next_id);
        self.next_id += 1;
        id
    }

    pub fn new_blob_key(&mut self) -> u64 {
        let k = self.next_blob_key;
        self.next_blob_key += 1;
        k
    }

    /// Propagates a change below `from` (a folder) to it and its ancestors: subtree
    /// size, cTag (Graph: a folder's cTag changes when any descendant changes), and the
    /// direct parent's lastModifiedDateTime.
    fn propagate(&mut self, from: &str, size_delta: i128, seq: u64, t: Timestamp) {
        let mut cur = Some(from.to_owned());
        let mut first = true;
        while let Some(id) = cur {
            let Some(n) = self.nodes.get_mut(&id) else {
                break;
            };
            if let Content::Folder { size, .. } = &mut n.content {
                *size = (*size as i128 + size_delta).max(0) as u64;
            }
            n.ctag_seq = seq;
            if first {
                n.modified = t;
                first = false;
            }
            cur = n.parent.clone();
        }
    }

    /// Adds a detached node under `parent` (already checked to be a free name).
    fn attach(&mut self, parent: &str, mut node: Node, seq: u64, t: Timestamp) {
        node.parent = Some(parent.to_owned());
        let key = name_key(&node.name);
        let size = node.size();
        let id = node.id.clone();
        self.nodes.insert(id.clone(), node);
        if let Some(Node {
            content: Content::Folder { children, .. },
            ..
        }) = self.nodes.get_mut(parent)
        {
            children.insert(key, id);
        }
        self.propagate(parent, size as i128, seq, t);
    }

    /// Removes `id` from its parent's children (the node itself stays in `nodes`).
    fn detach(&mut self, id: &str, seq: u64, t: Timestamp) {
        let Some(n) = self.nodes.get(id) else { return };
        let (key, size, parent) = (name_key(&n.name), n.size(), n.parent.clone());
        if let Some(p) = parent {
            if let Some(Node {
                content: Content::Folder { children, .. },
                ..
            }) = self.nodes.get_mut(&p)
            {
                children.remove(&key);
            }
            self.propagate(&p, -(size as i128), seq, t);
        }
    }

    /// The name to create under `parent` given a conflict behaviour: `Ok((name, existing))`
    /// where `existing` is the item a `replace` must overwrite.
    fn settle_name(
        &self,
        parent: &str,
        name: &str,
        conflict: Conflict,
        is_folder: bool,
    ) -> GraphResult<(String, Option<ItemId>)> {
        let children = self.folder_children(parent)?;
        let Some(existing) = children.get(&name_key(name)) else {
            return Ok((name.to_owned(), None));
        };
        match conflict {
            Conflict::Fail => Err(GraphError::name_already_exists(
                "The specified item name already exists.",
            )),
            Conflict::Replace => Ok((name.to_owned(), Some(existing.clone()))),
            Conflict::Rename => {
                let mut n = 1;
                loop {
                    let candidate = numbered(name, n, is_folder);
                    if !children.contains_key(&name_key(&candidate)) {
                        return Ok((candidate, None));
                    }
                    n += 1;
                }
            }
        }
    }

    fn new_node(&mut self, name: String, content: Content, fs: &FsInfo, seq: u64) -> Node {
        let t = now();
        Node {
            id: self.new_id(),
            name,
            parent: None,
            content,
            created: t,
            modified: t,
            fs_created: fs.created.map(to_seconds).unwrap_or(t),
            fs_modified: fs.modified.map(to_seconds).unwrap_or(t),
            description: None,
            etag_seq: seq,
            ctag_seq: seq,
            changed_seq: seq,
            special: None,
        }
    }

    fn file_data(&mut self, blob: Blob, name: &str) -> FileData {
        FileData {
            blob_key: self.new_blob_key(),
            mime_type: super::mime::mime_for_name(name).to_owned(),
            size: blob.len(),
            quick_xor_hash: blob.quick_xor_hash().to_owned(),
            sha1_hash: blob.sha1_hex().map(str::to_owned),
            hashes_blank: false,
            blob,
        }
    }

    // ---------------------------------------------------------------- mutations

    pub fn create_folder(
        &mut self,
        parent: &str,
        name: &str,
        conflict: Conflict,
    ) -> GraphResult<(Item, bool)> {
        validate_item_name(name, true)?;
        self.folder_children(parent)?;
        if let Some(existing) = self.child_id(parent, name)? {
            let n = self.node(&existing)?;
            // Observed on Personal (2019): an existing folder comes back with 200 whatever
            // the conflictBehavior; opt-in through config.mkdir_existing_ok.
            if self.mkdir_existing_ok && n.is_folder() {
                return Ok((self.snapshot(n), false));
            }
        }
        let (name, replace) = self.settle_name(parent, name, conflict, true)?;
        self.check_child_path(parent, &name, 0)?;
        if let Some(old) = replace {
            self.delete(&old, true)?;
        }
        let seq = self.bump();
        let folder = Content::Folder {
            children: BTreeMap::new(),
            size: 0,
        };
        let node = self.new_node(name, folder, &FsInfo::default(), seq);
        let id = node.id.clone();
        self.attach(parent, node, seq, now());
        Ok((self.get(&id)?, true))
    }

    pub fn ensure_folders<S: AsRef<str>>(&mut self, base: &str, segs: &[S]) -> GraphResult<Item> {
        let mut cur = self.node(base)?.id.clone();
        for seg in segs.iter().map(AsRef::as_ref) {
            cur = match self.child_id(&cur, seg)? {
                Some(id) if self.node(&id)?.is_folder() => id,
                Some(_) => {
                    return Err(GraphError::name_already_exists(format!(
                        "'{seg}' exists and is not a folder."
                    )));
                }
                None => self.create_folder(&cur, seg, Conflict::Fail)?.0.id,
            };
        }
        self.get(&cur)
    }

    pub fn put_file(
        &mut self,
        parent: &str,
        name: &str,
        blob: Blob,
        conflict: Conflict,
        fs: FsInfo,
    ) -> GraphResult<(Item, bool)> {
        validate_item_name(name, false)?;
        self.folder_children(parent)?;
        let (name, replace) = self.settle_name(parent, name, conflict, false)?;
        if let Some(old) = replace {
            if self.node(&old)?.is_folder() {
                return Err(GraphError::name_already_exists(
                    "A folder with the specified name already exists.",
                ));
            }
            let item = self.replace_content(&old, blob, fs)?;
            return Ok((item, false));
        }
        self.check_child_path(parent, &name, 0)?;
        self.check_quota(blob.len())?;
        let seq = self.bump();
        let data = self.file_data(blob, &name);
        self.used += data.size;
        let node = self.new_node(name, Content::File(data), &fs, seq);
        let id = node.id.clone();
        self.attach(parent, node, seq, now());
        Ok((self.get(&id)?, true))
    }

    pub fn replace_content(&mut self, id: &str, blob: Blob, fs: FsInfo) -> GraphResult<Item> {
        let n = self.node(id)?;
        let (old_size, name, parent) = match &n.content {
            Content::File(f) => (f.size, n.name.clone(), n.parent.clone()),
            Content::Folder { .. } => {
                return Err(GraphError::invalid_request(
                    "Content can only be uploaded to a file.",
                ));
            }
        };
        self.check_quota(blob.len().saturating_sub(old_size))?;
        let seq = self.bump();
        let data = self.file_data(blob, &name);
        let new_size = data.size;
        let t = now();
        if let Some(n) = self.nodes.get_mut(id) {
            n.content = Content::File(data);
            n.modified = t;
            n.fs_modified = fs.modified.map(to_seconds).unwrap_or(t);
            if let Some(c) = fs.created {
                n.fs_created = to_seconds(c);
            }
            n.etag_seq = seq;
            n.ctag_seq = seq;
            n.changed_seq = seq;
        }
        self.used = self.used - old_size + new_size;
        if let Some(p) = parent {
            self.propagate(&p, new_size as i128 - old_size as i128, seq, t);
        }
        self.get(id)
    }

    pub fn touch_etag(&mut self, id: &str) -> GraphResult<Item> {
        self.node(id)?;
        let seq = self.bump();
        if let Some(n) = self.nodes.get_mut(id) {
            n.etag_seq = seq;
            n.changed_seq = seq;
        }
        self.get(id)
    }

    pub fn blank_hashes(&mut self, id: &str) -> GraphResult<Item> {
        match self.nodes.get_mut(id).map(|n| &mut n.content) {
            Some(Content::File(f)) => f.hashes_blank = true,
            Some(Content::Folder { .. }) => {
                return Err(GraphError::invalid_request("Only files have hashes."));
            }
            None => return Err(GraphError::not_found("Item does not exist")),
        }
        self.get(id)
    }

    pub fn set_blob_unchecked(&mut self, id: &str, blob: Blob) -> GraphResult<()> {
        let key = self.new_blob_key();
        match self.nodes.get_mut(id).map(|n| &mut n.content) {
            Some(Content::File(f)) => {
                f.blob = blob;
                f.blob_key = key;
                Ok(())
            }
            Some(Content::Folder { .. }) => Err(GraphError::invalid_request(
                "Only a file has content to replace.",
            )),
            None => Err(GraphError::not_found("Item does not exist")),
        }
    }

    pub fn update(&mut self, id: &str, patch: ItemPatch) -> GraphResult<Item> {
        let node = self.node(id)?;
        let is_root = node.parent.is_none();
        let is_folder = node.is_folder();
        let cur_parent = node.parent.clone();
        let cur_name = node.name.clone();
        // A new name that is the same text in another Unicode form (NFC/NFD) does not
        // take: the service counts both as one name (rclone/rclone#8634). A change of
        // case does.
        let name_change = patch
            .name
            .as_ref()
            .filter(|n| !same_text(n, &cur_name))
            .cloned();
        let parent_change = patch
            .parent_id
            .as_ref()
            .filter(|p| Some(*p) != cur_parent.as_ref())
            .cloned();
        if is_root && (name_change.is_some() || parent_change.is_some()) {
            return Err(GraphError::invalid_request(
                "The root of the drive cannot be renamed or moved.",
            ));
        }
        let target_parent = parent_change.clone().or(cur_parent.clone());
        let target_name = name_change.clone().unwrap_or_else(|| cur_name.clone());
        if name_change.is_some() || parent_change.is_some() {
            validate_item_name(&target_name, is_folder)?;
            let Some(tp) = target_parent.as_deref() else {
                return Err(GraphError::invalid_request("The item has no parent."));
            };
            if self.folder_children(tp).is_err() {
                self.node(tp)?;
                return Err(not_a_folder("The destination"));
            }
            if parent_change.is_some() && self.lineage(tp).iter().any(|a| a == id) {
                return Err(GraphError::invalid_request(
                    "An item cannot be moved into itself or one of its descendants.",
                ));
            }
            if let Some(other) = self.child_id(tp, &target_name)?
                && other != id
            {
                return Err(GraphError::name_already_exists(
                    "The specified item name already exists.",
                ));
            }
            self.check_child_path(tp, &target_name, self.deepest_suffix(id))?;
        }
        let changes_any = name_change.is_some()
            || parent_change.is_some()
            || patch.description.is_some()
            || patch.fs.created.is_some()
            || patch.fs.modified.is_some();
        if !changes_any {
            return self.get(id);
        }
        let seq = self.bump();
        let t = now();
        let moving = name_change.is_some() || parent_change.is_some();
        if moving {
            self.detach(id, seq, t);
        }
        if let Some(n) = self.nodes.get_mut(id) {
            n.name = target_name;
            if let Some(d) = patch.description {
                n.description = (!d.is_empty()).then_some(d);
            }
            if let Some(c) = patch.fs.created {
                n.fs_created = to_seconds(c);
            }
            if let Some(m) = patch.fs.modified {
                n.fs_modified = to_seconds(m);
            }
            n.modified = t;
            n.etag_seq = seq;
            n.changed_seq = seq;
        }
        if moving {
            if let (Some(tp), Some(node)) = (target_parent, self.nodes.remove(id)) {
                self.attach(&tp, node, seq, t);
            }
        } else if let Some(p) = cur_parent {
            // Metadata of a descendant changed: ancestors' cTags change, sizes do not.
            self.propagate(&p, 0, seq, t);
        }
        self.get(id)
    }

    /// Deletes `id` and its subtree: to the recycle bin (`DELETE`), or for good
    /// (`permanentDelete`, `to_recycle_bin` false). Delta reports them deleted either way.
    pub fn delete(&mut self, id: &str, to_recycle_bin: bool) -> GraphResult<()> {
        let node = self.node(id)?;
        if node.parent.is_none() {
            return Err(GraphError::new(
                StatusCode::FORBIDDEN,
                "accessDenied",
                "The root of the drive cannot be deleted.",
            ));
        }
        let top_name = node.name.clone();
        let ancestors = self.lineage(id);
        let seq = self.bump();
        let t = now();
        self.detach(id, seq, t);
        let ids = self.subtree(id);
        let mut bytes = 0;
        // Graph: the folder's tombstone first, then its descendants (pre-order).
        let mut parents_of: HashMap<ItemId, Vec<ItemId>> = HashMap::new();
        parents_of.insert(id.to_owned(), ancestors[..ancestors.len() - 1].to_vec());
        for nid in &ids {
            let Some(n) = self.nodes.remove(nid) else {
                continue;
            };
            let own_ancestors = parents_of.remove(nid).unwrap_or_default();
            if let Content::Folder { children, .. } = &n.content {
                let mut next = own_ancestors.clone();
                next.push(n.id.clone());
                for c in children.values() {
                    parents_of.insert(c.clone(), next.clone());
                }
            }
            if let Content::File(f) = &n.content {
                bytes += f.size;
            }
            self.tombstones.push(Tombstone {
                seq,
                item: DeletedItem {
                    id: n.id.clone(),
                    name: n.name.clone(),
                    parent_id: n.parent.clone(),
                    is_folder: n.is_folder(),
                },
                ancestors: own_ancestors,
            });
        }
        self.used = self.used.saturating_sub(bytes);
        if to_recycle_bin {
            self.deleted_bytes += bytes;
            self.recycle.push(Recycled {
                id: id.to_owned(),
                name: top_name,
                bytes,
                deleted_at: t,
            });
        }
        Ok(())
    }

    pub fn copy(
        &mut self,
        id: &str,
        new_parent: &str,
        new_name: Option<&str>,
        conflict: Conflict,
    ) -> GraphResult<Item> {
        let (src, deepest) = self.export(id)?;
        if self.lineage(new_parent).iter().any(|a| a == id) {
            self.node(new_parent)?;
            if self.folder_children(new_parent).is_ok() {
                return Err(GraphError::invalid_request(
                    "An item cannot be copied into itself or one of its descendants.",
                ));
            }
        }
        self.paste(src, deepest, new_parent, new_name, conflict, Some(id))
    }

    /// The subtree of `id` (pre-order, `id` first), as a copy reads it, and its longest
    /// `/child/grandchild...` suffix below `id` in characters: what [`Tree::paste`]
    /// writes into this or another drive. The root cannot be copied.
    pub fn export(&self, id: &str) -> GraphResult<(Vec<Node>, usize)> {
        let src = self.node(id)?;
        if src.parent.is_none() {
            return Err(GraphError::invalid_request("The root cannot be copied."));
        }
        let nodes = self
            .subtree(id)
            .iter()
            .filter_map(|i| self.nodes.get(i).cloned())
            .collect();
        Ok((nodes, self.deepest_suffix(id)))
    }

    /// Writes the exported subtree `src` (whose longest suffix below its top is
    /// `deepest` characters) under `new_parent` with new ids of this drive, the top item
    /// named `new_name` or its own name. `same` is the source's id when it lives in this
    /// drive (a copy onto itself leaves it as it is).
    pub fn paste(
        &mut self,
        src: Vec<Node>,
        deepest: usize,
        new_parent: &str,
        new_name: Option<&str>,
        conflict: Conflict,
        same: Option<&str>,
    ) -> GraphResult<Item> {
        let Some(top) = src.first() else {
            return Err(GraphError::not_found("Item does not exist"));
        };
        let is_folder = top.is_folder();
        let name = new_name
            .map(str::to_owned)
            .unwrap_or_else(|| top.name.clone());
        validate_item_name(&name, is_folder)?;
        if self.folder_children(new_parent).is_err() {
            self.node(new_parent)?;
            return Err(not_a_folder("The destination"));
        }
        let (name, replace) = self.settle_name(new_parent, &name, conflict, is_folder)?;
        if same.is_some() && replace.as_deref() == same {
            // Copying an item onto itself leaves it as it is.
            return self.get(&top.id);
        }
        self.check_child_path(new_parent, &name, deepest)?;
        let bytes: u64 = src
            .iter()
            .map(|n| match &n.content {
                Content::File(f) => f.size,
                Content::Folder { .. } => 0,
            })
            .sum();
        self.check_quota(bytes)?;
        if let Some(old) = replace {
            self.delete(&old, true)?;
        }
        let seq = self.bump();
        let t = now();
        // Pre-order: every parent exists before its children.
        let mut mapping: HashMap<ItemId, ItemId> = HashMap::new();
        let mut root_copy = None;
        for orig in src {
            let new_id = self.new_id();
            mapping.insert(orig.id.clone(), new_id.clone());
            let content = match orig.content {
                Content::Folder { .. } => Content::Folder {
                    children: BTreeMap::new(),
                    size: 0,
                },
                Content::File(f) => {
                    self.used += f.size;
                    Content::File(FileData {
                        blob_key: self.new_blob_key(),
                        hashes_blank: false,
                        ..f
                    })
                }
            };
            let is_top = root_copy.is_none();
            let node = Node {
                id: new_id.clone(),
                name: if is_top { name.clone() } else { orig.name },
                parent: None,
                content,
                created: t,
                modified: t,
                // Observed: a copy does not keep the source's mtime (rclone re-PATCHes it).
                fs_created: t,
                fs_modified: t,
                description: orig.description,
                etag_seq: seq,
                ctag_seq: seq,
                changed_seq: seq,
                special: None,
            };
            let parent = if is_top {
                root_copy = Some(new_id.clone());
                new_parent.to_owned()
            } else {
                match orig.parent.as_ref().and_then(|p| mapping.get(p)) {
                    Some(p) => p.clone(),
                    None => continue,
                }
            };
            self.attach(&parent, node, seq, t);
        }
        match root_copy {
            Some(r) => self.get(&r),
            None => Err(GraphError::not_found("Item does not exist")),
        }
    }

    pub fn find_special(&self, name: &str) -> Option<Item> {
        let lower = name.to_ascii_lowercase();
        self.nodes
            .values()
            .find(|n| n.special.as_deref() == Some(lower.as_str()))
            .map(|n| self.snapshot(n))
    }

    pub fn special(&mut self, name: &str) -> GraphResult<Item> {
        let lower = name.to_ascii_lowercase();
        let Some((_, path)) = SPECIAL_FOLDERS.iter().find(|(k, _)| *k == lower) else {
            return Err(GraphError::invalid_request(format!(
                "'{name}' is not a valid special folder name."
            )));
        };
        if let Some(n) = self
            .nodes
            .values()
            .find(|n| n.special.as_deref() == Some(lower.as_str()))
        {
            return Ok(self.snapshot(n));
        }
        // Created on first access (Graph: "even GET /special/approot provisions it"); an
        // existing folder with the display name is adopted.
        let mut parent = self.root_id.clone();
        for seg in path.split('/') {
            parent = match self.child_id(&parent, seg)? {
                Some(id) if self.node(&id)?.is_folder() => id,
                _ => self.create_folder(&parent, seg, Conflict::Rename)?.0.id,
            };
        }
        let seq = self.bump();
        if let Some(n) = self.nodes.get_mut(&parent) {
            n.special = Some(lower);
            n.etag_seq = seq;
            n.changed_seq = seq;
        }
        self.get(&parent)
    }

    pub fn populate(
        &mut self,
        parent: &str,
        folders: usize,
        files: usize,
        sizes: &[u64],
        depth: usize,
    ) -> GraphResult<PopulateSummary> {
        self.folder_children(parent)?;
        let total: u64 = (0..files)
            .map(|i| sizes.get(i % sizes.len().max(1)).copied().unwrap_or(0))
            .sum();
        self.check_quota(total)?;
        let fanout = populate_fanout(folders, depth);
        let mut folder_ids: Vec<ItemId> = Vec::with_capacity(folders);
        for i in 0..folders {
            // Heap order: the first `fanout` folders go in `parent`, folder i's parent is
            // folder i / fanout - 1, so level l holds fanout^l folders.
            let dir = if i < fanout {
                parent.to_owned()
            } else {
                folder_ids[i / fanout - 1].clone()
            };
            let (item, _) =
                self.create_folder(&dir, &format!("folder-{i:05}"), Conflict::Rename)?;
            folder_ids.push(item.id);
        }
        // One blob per distinct size: clones share the bytes.
        let mut blobs: HashMap<u64, Blob> = HashMap::new();
        let mut file_ids = Vec::with_capacity(files);
        for i in 0..files {
            let size = sizes.get(i % sizes.len().max(1)).copied().unwrap_or(0);
            let blob = blobs
                .entry(size)
                .or_insert_with(|| Blob::from_bytes(pattern(size)))
                .clone();
            let dir = if folder_ids.is_empty() {
                parent.to_owned()
            } else {
                folder_ids[i % folder_ids.len()].clone()
            };
            let (item, _) = self.put_file(
                &dir,
                &format!("file-{i:06}.bin"),
                blob,
                Conflict::Rename,
                FsInfo::default(),
            )?;
            file_ids.push(item.id);
        }
        Ok(PopulateSummary {
            folder_ids,
            file_ids,
            bytes: total,
        })
    }

    /// Recomputes every folder's subtree size (after loading from disk).
    pub fn recompute_sizes(&mut self) {
        let order = self.subtree(&self.root_id.clone());
        for id in order.iter().rev() {
            let total = match self.nodes.get(id).map(|n| &n.content) {
                Some(Content::Folder { children, .. }) => children
                    .values()
                    .filter_map(|c| self.nodes.get(c))
                    .map(Node::size)
                    .sum(),
                _ => continue,
            };
            if let Some(Node {
                content: Content::Folder { size, .. },
                ..
            }) = self.nodes.get_mut(id)
            {
                *size = total;
            }
        }
    }

    // ---------------------------------------------------------------- delta, search

    pub fn delta(&self, folder: &str, since: Option<u64>) -> GraphResult<DeltaBatch> {
        self.folder_children(folder)?;
        let mut entries = Vec::new();
        let order = self.subtree(folder);
        match since {
            None => {
                entries.extend(order.into_iter().map(DeltaEntry::Item));
            }
            Some(since) => {
                for t in self.tombstones.iter().filter(|t| t.seq > since) {
                    if t.ancestors.iter().any(|a| a == folder) {
                        entries.push(DeltaEntry::Deleted(t.item.clone()));
                    }
                }
                // Changed items plus their ancestors up to `folder` (Graph includes the
                // parents of changed items), in tree pre-order so parents come first.
                let mut wanted = std::collections::HashSet::new();
                for id in &order {
                    let Some(n) = self.nodes.get(id) else {
                        continue;
                    };
                    if n.changed_seq > since || n.ctag_seq > since {
                        for a in self.lineage(id).into_iter().rev() {
                            let stop = a == folder;
                            if !wanted.insert(a) || stop {
                                break;
                            }
                        }
                    }
                }
                entries.extend(
                    order
                        .into_iter()
                        .filter(|id| wanted.contains(id))
                        .map(DeltaEntry::Item),
                );
            }
        }
        Ok(DeltaBatch {
            entries,
            seq: self.seq,
            epoch: self.epoch,
        })
    }

    /// See [`crate::store::Store::delta_items`].
    pub fn delta_items(&self, folder: &str, entries: &[DeltaEntry], since: u64) -> Vec<DeltaItem> {
        // Nothing changed since the round started: nothing can have left the subtree.
        let unchanged = self.seq == since;
        entries
            .iter()
            .filter_map(|e| match e {
                DeltaEntry::Item(id) => {
                    let n = self.nodes.get(id)?;
                    (unchanged || self.within(id, folder))
                        .then(|| DeltaItem::Item(Box::new(self.snapshot(n))))
                }
                DeltaEntry::Deleted(d) => Some(DeltaItem::Deleted(d.clone())),
            })
            .collect()
    }

    /// See [`crate::store::Store::delta_walk_each`].
    pub fn delta_walk_each(
        &self,
        folder: &str,
        stack: &mut Vec<ItemId>,
        limit: usize,
        since: u64,
        mut each: impl FnMut(&super::NodeView<'_>),
    ) -> usize {
        let unchanged = self.seq == since;
        let (mut taken, mut given) = (0, 0);
        while given < limit {
            let Some(id) = stack.pop() else { break };
            taken += 1;
            let Some(n) = self.nodes.get(&id) else {
                continue;
            };
            if !unchanged && !self.within(&id, folder) {
                continue;
            }
            if let Content::Folder { children, .. } = &n.content {
                // Reversed, so that the pops follow name order.
                stack.extend(children.values().rev().cloned());
            }
            each(&super::NodeView {
                tree: self,
                node: n,
            });
            given += 1;
        }
        taken
    }

    /// Whether `id` is `folder` or below it.
    fn within(&self, id: &str, folder: &str) -> bool {
        let mut cur = Some(id);
        while let Some(c) = cur {
            if c == folder {
                return true;
            }
            cur = self.nodes.get(c).and_then(|n| n.parent.as_deref());
        }
        false
    }

    pub fn search(&self, folder: &str, query: &str) -> GraphResult<Vec<Item>> {
        self.folder_children(folder)?;
        let q = name_key(query);
        Ok(self
            .subtree(folder)
            .iter()
            .skip(1)
            .filter_map(|id| self.nodes.get(id))
            .filter(|n| {
                name_key(&n.name).contains(&q)
                    || n.description
                        .as_ref()
                        .is_some_and(|d| name_key(d).contains(&q))
            })
            .map(|n| self.snapshot(n))
            .collect())
    }

    pub fn recent(&self, limit: usize) -> Vec<Item> {
        let mut files: Vec<&Node> = self.nodes.values().filter(|n| !n.is_folder()).collect();
        files.sort_by(|a, b| b.modified.cmp(&a.modified).then(b.id.cmp(&a.id)));
        files
            .into_iter()
            .take(limit)
            .map(|n| self.snapshot(n))
            .collect()
    }
}

/// Children per folder so that `folders` folders fit in `depth` levels (fanout +
/// fanout² + … + fanout^depth ≥ folders): all in one level when `depth` ≤ 1.
fn populate_fanout(folders: usize, depth: usize) -> usize {
    if depth <= 1 || folders <= 1 {
        return folders.max(1);
    }
    (2..folders)
        .find(|&k| {
            let (mut level, mut sum) = (1usize, 0usize);
            for _ in 0..depth {
                level = level.saturating_mul(k);
                sum = sum.saturating_add(level);
            }
            sum >= folders
        })
        .unwrap_or(folders)
}

/// Deterministic filler content for `populate`.
fn pattern(size: u64) -> Vec<u8> {
    (0..size).map(|i| (i % 251) as u8).collect()
}

#[cfg(test)]
mod tag_tests {
    use base64::Engine as _;

    #[test]
    fn tags_are_a_and_base64_of_prefix_id_and_seq_whatever_the_id_length() {
        let b64 = |s: &str| base64::engine::general_purpose::STANDARD_NO_PAD.encode(s);
        for id in ["6B4CBD6E4F61C2E6!103", &"X".repeat(200)] {
            assert_eq!(
                super::tag("", id, 42),
                format!("a{}", b64(&format!("{id}.42")))
            );
            assert_eq!(
                super::tag("c:", id, u64::MAX),
                format!("a{}", b64(&format!("c:{id}.{}", u64::MAX)))
            );
        }
    }
}
