//! The delta walk: the whole subtree from one `GET {folder}/delta` stream.
//!
//! Graph (delta doc; graph-api-notes §4.2): without a token, delta enumerates every item
//! below the folder (the folder itself included), a page per round trip, following
//! `@odata.nextLink` until an `@odata.deltaLink`. Items come in their latest state; the
//! same item may appear more than once ("use the last occurrence"), deleted items carry
//! `deleted`, and `parentReference.path` may be missing (Business), so the tree is
//! rebuilt from parent ids alone.

use std::collections::HashMap;

use super::{TreeNode, assemble};
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

/// Reads the tree under `root` (a folder already read) with one delta round, asking
/// for the `select`ed properties only (all when `None`).
pub async fn walk(graph: &GraphClient, root: &DriveItem, select: Option<&str>) -> Result<TreeNode> {
    let round = graph
        .delta(&ItemRef::Id(root.id.clone()), None, select)
        .await?;
    Ok(build(root.clone(), round.items))
}

/// The tree of `root` from a delta round's items (any order; later occurrences of an
/// id replace earlier ones; deleted items and items whose parent is not in the subtree
/// are left out).
pub fn build(root: DriveItem, items: Vec<DriveItem>) -> TreeNode {
    let mut latest: HashMap<String, DriveItem> = HashMap::with_capacity(items.len());
    for item in items {
        if item.deleted.is_some() {
            latest.remove(&item.id);
        } else {
            latest.insert(item.id.clone(), item);
        }
    }
    let mut children: HashMap<String, Vec<DriveItem>> = HashMap::new();
    for (id, item) in latest {
        if id == root.id {
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
