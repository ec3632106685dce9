//! The delta walk: the whole subtree from one `GET {folder}/delta` stream.
//!
//! Graph (delta doc; graph-api-notes §4.2): without a token, delta enumerates every item
//! below the folder (the folder itself included), a page per round trip, following
//! `@odata.nextLink` until an `@odata.deltaLink`. Items come in their latest state; the
//! same item may appear more than once ("use the last occurrence"), deleted items carry
//! `deleted`, and `parentReference.path` may be missing (Business), so the tree is
//! rebuilt from parent ids alone.
//!
//! One stream costs a round trip per 1,000 items, one after the other. A large tree is
//! cheaper read as several streams at once, one per subfolder of the top folder: the
//! first page of the whole-tree stream and the top folder's children are asked for
//! together (one round trip); if the tree fits that page, it is done; otherwise each
//! subfolder gets its own stream, `checkers` at a time, and the longest one sets the
//! time (the 2,000-folder benchmark drive: 2 + 6 round trips instead of 24). Where the
//! service refuses delta below the top folder (Business: root only), the whole-tree
//! stream goes on from its second page instead.

use std::collections::HashMap;

use futures_util::{StreamExt as _, TryStreamExt as _};

use super::{TreeNode, assemble, is_container};
use crate::drive::error::{DriveError, Result};
use crate::graph::{DriveItem, GraphClient, ItemRef};
use crate::http::ErrorKind;

/// Whether `e` says delta is not offered for this folder (so the listing walk should
/// be used): 400 (invalid request), 403 (Business: delta on a folder other than the
/// root), 405, 501 (not supported).
pub fn refused(e: &DriveError) -> bool {
    let DriveError::Http(h) = e else { return false };
    h.kind() == ErrorKind::NotSupported
        || h.api()
            .is_some_and(|a| matches!(a.status.as_u16(), 400 | 403 | 405 | 501))
}

/// Reads the tree under `root` (a folder already read) with delta, one stream or one
/// per subfolder (`checkers` at a time; see the module docs), asking for the
/// `select`ed properties only (all when `None`).
pub async fn walk(
    graph: &GraphClient,
    root: &DriveItem,
    select: Option<&str>,
    checkers: usize,
) -> Result<TreeNode> {
    let top = ItemRef::Id(root.id.clone());
    let (first, children) = tokio::join!(
        graph.delta_first_page(&top, select),
        graph.list_children_selected(&top, select)
    );
    let first = first?;
    let Some(next) = first.next else {
        // The whole tree fitted in one page.
        return Ok(build(root.clone(), first.items));
    };
    let subfolders: Vec<String> = match &children {
        Ok(c) => c
            .iter()
            .filter(|i| is_container(i))
            .map(|i| i.id.clone())
            .collect(),
        Err(_) => Vec::new(),
    };
    if subfolders.len() >= 2 {
        let streams: std::result::Result<Vec<_>, crate::http::Error> =
            futures_util::stream::iter(subfolders)
                .map(|id| async move { graph.delta(&ItemRef::Id(id), None, select).await })
                .buffer_unordered(checkers.max(1))
                .try_collect()
                .await;
        match streams {
            Ok(rounds) => {
                let mut items = children.unwrap_or_default();
                for r in rounds {
                    items.extend(r.items);
                }
                return Ok(build(root.clone(), items));
            }
            // Refused below the top folder (Business), or a subfolder gone since the
            // listing: the whole-tree stream is in hand and goes on.
            Err(e) => {
                tracing::debug!(target: "onedrive_cli::walk",
                    "a subfolder stream of '{}' failed ({e}); one stream for the whole tree", root.name());
            }
        }
    }
    let round = graph.delta_from(next, first.items).await?;
    Ok(build(root.clone(), round.items))
}

/// The tree of `root` from a delta round's items (any order; later occurrences of an
/// id replace earlier ones; deleted items and items whose parent is not in the subtree
/// are left out).
pub fn build(root: DriveItem, items: Vec<DriveItem>) -> TreeNode {
    let mut children: HashMap<String, Vec<DriveItem>> = HashMap::new();
    for item in last_occurrences(items) {
        if item.deleted.is_some() || item.id == root.id {
            continue;
        }
        let Some(parent) = item.parent_reference.as_ref().and_then(|p| p.id.clone()) else {
            continue;
        };
        children.entry(parent).or_default().push(item);
    }
    let mut tree = assemble(root, &mut children);
    fill_paths(&mut tree);
    tree
}

/// The last occurrence of each id among a round's items, in the order ids were first
/// seen (delta doc: "The same item may appear more than once in a delta feed ... use
/// the last occurrence you see").
pub fn last_occurrences(items: Vec<DriveItem>) -> Vec<DriveItem> {
    let mut out: Vec<DriveItem> = Vec::with_capacity(items.len());
    let mut at: HashMap<String, usize> = HashMap::with_capacity(items.len());
    for item in items {
        match at.get(&item.id) {
            Some(&i) => out[i] = item,
            None => {
                at.insert(item.id.clone(), out.len());
                out.push(item);
            }
        }
    }
    out
}

/// Fills in `parentReference.path` where delta left it out, from the parent's own
/// path, so that objects print the same whichever walk read them.
fn fill_paths(node: &mut TreeNode) {
    let Some(path) = own_path(&node.item) else {
        return;
    };
    for c in &mut node.children {
        if let Some(p) = c.item.parent_reference.as_mut()
            && p.path.is_none()
        {
            p.path = Some(path.clone());
        }
        fill_paths(c);
    }
}

/// `/drive/root:/a/b` of a folder: its parent's path plus its name (`/drive/root:` for
/// the root), when known.
fn own_path(item: &DriveItem) -> Option<String> {
    if item.root.is_some() {
        return Some("/drive/root:".into());
    }
    let parent = item.parent_reference.as_ref()?.path.as_deref()?;
    Some(format!("{parent}/{}", item.name()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn item(json: &str) -> DriveItem {
        serde_json::from_str(json).unwrap()
    }

    fn names(node: &TreeNode) -> Vec<String> {
        node.children
            .iter()
            .map(|c| c.item.name().to_owned())
            .collect()
    }

    #[test]
    fn the_last_occurrence_wins_and_deleted_items_are_left_out() {
        let root = item(
            r#"{"id":"R","name":"top","folder":{},"parentReference":{"id":"P","path":"/drive/root:"}}"#,
        );
        let items = vec![
            item(r#"{"id":"R","name":"top","folder":{}}"#),
            item(r#"{"id":"A","name":"old name","folder":{},"parentReference":{"id":"R"}}"#),
            item(r#"{"id":"f","name":"f.txt","file":{},"parentReference":{"id":"A"}}"#),
            item(r#"{"id":"g","name":"gone.txt","file":{},"parentReference":{"id":"R"}}"#),
            // Later pages: A renamed, g deleted, an item whose parent is not in the subtree.
            item(r#"{"id":"A","name":"b folder","folder":{},"parentReference":{"id":"R"}}"#),
            item(
                r#"{"id":"g","name":"gone.txt","deleted":{"state":"deleted"},"parentReference":{"id":"R"}}"#,
            ),
            item(r#"{"id":"o","name":"orphan","file":{},"parentReference":{"id":"elsewhere"}}"#),
            item(r#"{"id":"c","name":"a.txt","file":{},"parentReference":{"id":"R"}}"#),
        ];
        let tree = build(root, items);
        assert_eq!(names(&tree), ["a.txt", "b folder"], "sorted by name");
        let folder = &tree.children[1];
        assert_eq!(names(folder), ["f.txt"]);
        // Paths rebuilt from parent ids where delta left them out.
        let path = |n: &TreeNode| n.item.parent_reference.as_ref().unwrap().path.clone();
        assert_eq!(path(folder).as_deref(), Some("/drive/root:/top"));
        assert_eq!(
            path(&folder.children[0]).as_deref(),
            Some("/drive/root:/top/b folder")
        );
    }
}
