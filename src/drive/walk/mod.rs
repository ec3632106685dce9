//! Reading a whole folder tree (`tree`, `get -r`), by the cheapest strategy.
//!
//! Two ways to read a subtree, chosen by what they cost in round trips (each one a
//! request's latency; the bytes are small next to it):
//! - [`delta`](mod@delta): one `GET {folder}/delta` stream returns the whole subtree, a
//!   page of up to 1,000 items per round trip, whatever its shape: ceil(items / 1,000)
//!   round trips. A tree larger than one page is read as one stream per subfolder of
//!   the folder, `checkers` at a time: one round trip for the first page and the
//!   folder's children, then as many as the largest subfolder's stream. Graph allows
//!   delta on any folder of a Personal drive (on Business only on the root, which
//!   answers 4xx/501 for other folders; the one stream then goes on).
//! - [`listing`]: one `children` listing per folder (paging followed), with up to
//!   `checkers` folders listed at once from a work queue: at least the tree's depth, and
//!   at least folders / checkers, round trips.
//!
//! The rule: delta, unless it is refused for that folder (400, 403, 405, 501: Business,
//! or a service that does not offer it), then the listing walk; `--no-delta` forces the
//! listing walk. Delta is never more round trips than listing one folder at a time, and
//! it is fewer as soon as the tree has more folders than pages of 1,000 items per
//! checker, which is the common case (the listing benchmark's 2,000 folders and 20,000
//! files: 1 + 1 + 6 round trips split per subfolder, 1 + 23 as one stream, against
//! 2,001 / 8 = 250 for the listing walk).
//!
//! Both give the same tree: children sorted by name (code point order), the same
//! items. Delta items may lack `parentReference.path` (Business); paths are rebuilt from
//! parent ids, and filled in where absent, so `-o` prints the same objects.

pub mod delta;
pub mod listing;

use super::error::{DriveError, Result};
use crate::graph::{DriveItem, GraphClient, ItemRef};

/// Folders listed at once by the listing walk unless told otherwise: listings are small
/// and round-trip bound; 8 matches the transfer default and stays clear of per-user
/// throttling.
pub const DEFAULT_CHECKERS: usize = 8;

/// What a walk needs of each item to rebuild the tree (ids, names, kinds, parents,
/// deletions, and `remoteItem`, which marks a shortcut the walk must not enter), as a
/// `$select` list.
macro_rules! structure_fields {
    () => {
        "id,name,folder,file,package,root,parentReference,deleted,remoteItem"
    };
}

/// A `$select` list for walks that need only the tree's shape (ids, names, kinds,
/// parents, deletions).
pub const STRUCTURE_FIELDS: &str = structure_fields!();

/// The properties `tree` prints without `-o` (names and type words), plus what a walk
/// needs to rebuild the tree: a `$select` list that makes delta pages about a third of
/// their full size.
pub const TREE_FIELDS: &str = concat!(structure_fields!(), ",image,photo,audio,video");

/// How to read a subtree.
#[derive(Clone, Copy, Debug)]
pub struct WalkOptions {
    /// Use `delta` when the service allows it (see the module docs).
    pub delta: bool,
    /// Folders listed at once by the listing walk (at least 1).
    pub checkers: usize,
    /// Only these properties of each item (a `$select` list), or every one.
    pub select: Option<&'static str>,
}

impl Default for WalkOptions {
    fn default() -> Self {
        Self {
            delta: true,
            checkers: DEFAULT_CHECKERS,
            select: None,
        }
    }
}

/// A folder and everything below it.
#[derive(Clone, Debug)]
pub struct TreeNode {
    pub item: DriveItem,
    /// Children sorted by name (code point order); empty for files.
    pub children: Vec<TreeNode>,
}

impl TreeNode {
    /// Every item below this one (not itself), parents before their children.
    pub fn into_descendants(self) -> Vec<DriveItem> {
        let mut out = Vec::new();
        let mut stack = vec![self.children];
        while let Some(level) = stack.pop() {
            for c in level {
                out.push(c.item);
                stack.push(c.children);
            }
        }
        out
    }
}

/// Reads the whole tree under `folder` (one request for the folder, then the walk).
pub async fn walk(graph: &GraphClient, folder: &ItemRef, opts: WalkOptions) -> Result<TreeNode> {
    let root = graph.get_item(folder).await?;
    walk_from(graph, root, opts).await
}

/// Reads the whole tree under `root`, an item already read.
pub async fn walk_from(
    graph: &GraphClient,
    root: DriveItem,
    opts: WalkOptions,
) -> Result<TreeNode> {
    if !is_container(&root) {
        return Err(DriveError::NotAFolder);
    }
    if opts.delta {
        match delta::walk(graph, &root, opts.select, opts.checkers).await {
            Ok(tree) => return Ok(tree),
            Err(e) if delta::refused(&e) => {
                tracing::debug!(target: "onedrive_cli::walk",
                    "delta refused for '{}' ({e}); listing folder by folder", root.name());
            }
            Err(e) => return Err(e),
        }
    }
    listing::walk(graph, root, opts.checkers.max(1), opts.select).await
}

/// Builds the tree of `root` from `children` (parent id → its children), sorting each
/// folder's children by name.
pub(crate) fn assemble(
    item: DriveItem,
    children: &mut std::collections::HashMap<String, Vec<DriveItem>>,
) -> TreeNode {
    let mut kids = children.remove(&item.id).unwrap_or_default();
    kids.sort_by(|a, b| a.name().cmp(b.name()));
    let children = kids.into_iter().map(|c| assemble(c, children)).collect();
    TreeNode { item, children }
}

/// Folders (and the root) have children; OneNote packages are shown as leaves, and so
/// are shortcuts to shared folders (`remoteItem`): their content is in another drive,
/// reached by naming the shortcut itself (`drive::shortcut`), never by a walk from
/// above, which would otherwise pull a whole shared tree into a download.
pub fn is_container(item: &DriveItem) -> bool {
    (item.folder.is_some() || item.root.is_some()) && item.remote_item.is_none()
}

/// The type word shown by `tree` for a leaf, in the original's LiveConnect vocabulary
/// (`file`, `photo`, `audio`, `video`, `notebook`), from the facets Graph sends.
pub fn type_word(item: &DriveItem) -> &'static str {
    if is_container(item) {
        return "folder";
    }
    if item.package.is_some() {
        return "notebook";
    }
    if item.remote_item.is_some() {
        return "shortcut";
    }
    let has = |k: &str| item.extra.contains_key(k);
    if has("photo") || has("image") {
        "photo"
    } else if has("audio") {
        "audio"
    } else if has("video") {
        "video"
    } else {
        "file"
    }
}
