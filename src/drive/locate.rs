//! How a command reaches its object: the client of the object's drive and its address
//! there, following a shortcut into the drive its shared folder lives in.
//!
//! Most objects need no request to be addressed (`drive::resolve`; a sharing link is
//! read once, by `resolve::Argument::locate`). Two need one more when met: a path
//! through a shortcut, learnt from the service's 404 ([`super::shortcut`]), and a
//! shortcut named itself, whose shared folder is read. Here too: which drive an item
//! is in, for the operations that cannot cross drives (a move).

use std::future::Future;

use super::error::{DriveError, NotFound, Result};
use super::resolve::Object;
use super::shortcut::{follow, through_shortcut};
use crate::graph::{DriveItem, GraphClient, ItemRef};

/// Runs `op` with the client and address of `object` (its own drive's client for a
/// `/drives/...` object). When the service answers "not found" for a path that goes
/// through a shortcut, `op` runs once more on the shared folder's own address; any
/// other outcome, or a failure to look the shortcut up, gives `op`'s first result.
///
/// `op` must change nothing before the request that can meet that 404 (a path through
/// a shortcut meets it at once): it may be sent twice. A copy, say, runs only its POST
/// here and waits for the monitor outside.
pub async fn on_object<T, E, F, Fut>(
    graph: &GraphClient,
    object: &Object,
    mut op: F,
) -> std::result::Result<T, E>
where
    E: NotFound,
    F: FnMut(GraphClient, ItemRef) -> Fut,
    Fut: Future<Output = std::result::Result<T, E>>,
{
    let first = op(object.graph(graph), object.item_ref()).await;
    match first {
        Err(e) if e.is_not_found() => match through_shortcut(graph, object).await {
            Ok(Some(o)) => {
                tracing::debug!(target: "onedrive_cli::shortcut",
                    "'{}' goes through a shortcut; sending to {}", object.display(), o.display());
                op(o.graph(graph), o.item_ref()).await
            }
            _ => Err(e),
        },
        r => r,
    }
}

/// Reads `object`'s item and, when it is a shortcut, the shared folder it stands for:
/// the client for the drive the item lives in, and the item. Folder operations (walks,
/// downloads, uploads into it) act on what this returns.
pub async fn resolve_followed(
    graph: &GraphClient,
    object: &Object,
) -> Result<(GraphClient, crate::graph::DriveItem)> {
    let (g, item) = on_object(graph, object, |g, r| async move {
        let item = g.get_item(&r).await?;
        Ok::<_, DriveError>((g, item))
    })
    .await?;
    match follow(&g, &item) {
        Some((real_graph, real)) => {
            // Shown under the name the user gave the shortcut (a renamed shortcut names
            // a local folder in `get -r`, and the top of `tree`).
            let mut real_item = real_graph.get_item(&real).await?;
            real_item.name = item.name;
            Ok((real_graph, real_item))
        }
        None => Ok((g, item)),
    }
}

/// The id of the drive `item` (read through `graph`) lives in: its
/// `parentReference.driveId`, else (a root, which has no `parentReference`, notes
/// §2.3; or no item: the drive itself) the drive `graph` addresses, read with
/// `GET /me/drive` (one request) for the default drive.
pub async fn drive_id_of(graph: &GraphClient, item: Option<&DriveItem>) -> Result<String> {
    let known = item
        .and_then(|i| i.parent_reference.as_ref())
        .and_then(|p| p.drive_id.clone());
    Ok(
        match known.or_else(|| graph.drive_selector().id().map(str::to_owned)) {
            Some(d) => d,
            None => graph.get_drive().await?.id,
        },
    )
}

/// Whether two items (each read through its client; `None`: the client's drive itself)
/// are in one drive. Clients that address the drive alike answer at once; otherwise the
/// drive ids are compared as the service does: case-insensitively, and without the
/// leading zeros Personal drive ids sometimes lose (notes §2.5: `driveId` seen with 15
/// hex digits where 16 were expected; the emulator pads them back).
pub async fn same_drive(
    a_graph: &GraphClient,
    a: Option<&DriveItem>,
    b_graph: &GraphClient,
    b: Option<&DriveItem>,
) -> Result<bool> {
    if a_graph.drive_selector() == b_graph.drive_selector() {
        return Ok(true);
    }
    let (x, y) = tokio::try_join!(drive_id_of(a_graph, a), drive_id_of(b_graph, b))?;
    let norm = |s: &str| s.trim_start_matches('0').to_ascii_lowercase();
    Ok(norm(&x) == norm(&y))
}
