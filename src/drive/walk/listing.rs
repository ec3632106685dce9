//! The listing walk: one `children` listing per folder, from a work queue.
//!
//! Up to `checkers` folders are listed at once, and a folder's subfolders join the
//! queue as soon as its listing arrives, so a slow folder holds up only its own subtree,
//! not the rest of its level. Every request goes through the process's one retry and
//! throttle governor (`http::retry`).

use std::collections::{HashMap, VecDeque};

use futures_util::StreamExt as _;
use futures_util::stream::FuturesUnordered;

use super::{TreeNode, assemble, is_container};
use crate::drive::error::Result;
use crate::graph::{DriveItem, GraphClient, ItemRef};

/// Reads the tree under `root` (a folder already read), `checkers` listings at a time,
/// asking for the `select`ed properties only (all when `None`).
pub async fn walk(
    graph: &GraphClient,
    root: DriveItem,
    checkers: usize,
    select: Option<&str>,
) -> Result<TreeNode> {
    let mut listed: HashMap<String, Vec<DriveItem>> = HashMap::new();
    let mut queue = VecDeque::from([root.id.clone()]);
    let mut running = FuturesUnordered::new();
    loop {
        while running.len() < checkers {
            let Some(id) = queue.pop_front() else { break };
            running.push(async move {
                let children = graph
                    .list_children_selected(&ItemRef::Id(id.clone()), select)
                    .await;
                (id, children)
            });
        }
        let Some((id, children)) = running.next().await else {
            break;
        };
        let children = children?;
        queue.extend(
            children
                .iter()
                .filter(|c| is_container(c))
                .map(|c| c.id.clone()),
        );
        listed.insert(id, children);
    }
    Ok(assemble(root, &mut listed))
}
