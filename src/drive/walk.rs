//! Walking a folder tree (`tree`).
//!
//! One request reads the starting folder, then one listing (paging followed) per folder,
//! several folders listed at once level by level: the round trips are the tree's depth,
//! not its folder count.

use std::collections::HashMap;

use futures_util::{StreamExt as _, TryStreamExt as _};

use super::error::{DriveError, Result};
use crate::graph::{DriveItem, GraphClient, ItemRef};

/// Folders listed concurrently.
const CONCURRENT_LISTINGS: usize = 4;

/// A folder and everything below it.
#[derive(Clone, Debug)]
pub struct TreeNode {
    pub item: DriveItem,
    /// Children, in the service's order; empty for files.
    pub children: Vec<TreeNode>,
}

/// Reads the whole tree under `folder`.
pub async fn walk(graph: &GraphClient, folder: &ItemRef) -> Result<TreeNode> {
    let root = graph.get_item(folder).await?;
    if !is_container(&root) {
        return Err(DriveError::NotAFolder);
    }
    let mut listed: HashMap<String, Vec<DriveItem>> = HashMap::new();
    let mut level = vec![root.id.clone()];
    while !level.is_empty() {
        let results: Vec<(String, Vec<DriveItem>)> = futures_util::stream::iter(level)
            .map(|id| async move {
                let children = graph.list_children(&ItemRef::Id(id.clone())).await?;
                Ok::<_, DriveError>((id, children))
            })
            .buffer_unordered(CONCURRENT_LISTINGS)
            .try_collect()
            .await?;
        level = Vec::new();
        for (id, children) in results {
            level.extend(
                children
                    .iter()
                    .filter(|c| is_container(c))
                    .map(|c| c.id.clone()),
            );
            listed.insert(id, children);
        }
    }
    Ok(assemble(root, &mut listed))
}

fn assemble(item: DriveItem, listed: &mut HashMap<String, Vec<DriveItem>>) -> TreeNode {
    let children = listed
        .remove(&item.id)
        .unwrap_or_default()
        .into_iter()
        .map(|c| assemble(c, listed))
        .collect();
    TreeNode { item, children }
}

/// Folders (and the root) have children; OneNote packages are shown as leaves.
pub fn is_container(item: &DriveItem) -> bool {
    item.folder.is_some() || item.root.is_some()
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
