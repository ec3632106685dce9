//! Paths through shared-folder shortcuts ("Add to My files").
//!
//! A folder another user shared can be added to the root of the user's drive. It then
//! appears there as an item with the `remoteItem` facet, which holds the real folder's
//! id and drive ("Using remote items to access shared files and folders",
//! learn.microsoft.com/onedrive/developer/rest-api/concepts/using-sharing-links; a
//! shared folder can only be added to the root). Path addressing does not go through
//! such an item on OneDrive Personal: an item inside can only be addressed by id in the
//! sharer's drive, or by a path relative to the folder's id there (rclone,
//! backend/onedrive `readMetaDataForPath`). So `Team Docs/plan.txt` answers 404 when
//! `Team Docs` is a shortcut.
//!
//! Finding out costs a request, and most paths hold no shortcut: a path is sent as it
//! is, and only when the service answers "not found" is its first segment read. If
//! that is a shortcut, the object is re-addressed as
//! `/drives/{remote drive}/items/{remote id}:/rest` and the operation is sent again
//! (`drive::locate::on_object`).

use super::error::Result;
use super::resolve::Object;
use crate::graph::{GraphClient, ItemRef};

/// The object behind the shortcut that `object` goes through, with the rest of its
/// path below the shared folder; `None` when no shortcut is on its way. The candidate
/// is the first segment of a path from a root (shortcuts live in the root only), or the
/// item an id names (a path below it being the rest). One request
/// (`GET {candidate}?$select=id,name,remoteItem`).
pub async fn through_shortcut(graph: &GraphClient, object: &Object) -> Result<Option<Object>> {
    let first_segment = |path: &str| match path.split_once('/') {
        Some((f, r)) => (
            ItemRef::path(format!("/{f}")),
            Some(r.trim_matches('/').to_owned()),
        ),
        None => (ItemRef::path(format!("/{path}")), None),
    };
    let (candidate, rest) = match object {
        Object::Path(p) => first_segment(p),
        Object::Id(id) => (ItemRef::Id(id.clone()), None),
        Object::InDrive {
            id: None,
            path: Some(p),
            ..
        } => first_segment(p),
        Object::InDrive {
            id: Some(id), path, ..
        } => (ItemRef::Id(id.clone()), path.clone()),
        Object::Root | Object::InDrive { .. } => return Ok(None),
    };
    let item = object
        .graph(graph)
        .get_item_with(&candidate, "$select=id,name,remoteItem")
        .await?;
    let Some(remote) = item.remote_item else {
        return Ok(None);
    };
    let drive_id = remote.parent_reference.and_then(|p| p.drive_id);
    match drive_id {
        Some(drive_id) if !remote.id.is_empty() => Ok(Some(Object::InDrive {
            drive_id,
            id: Some(remote.id),
            path: rest.filter(|r| !r.is_empty()),
        })),
        _ => Ok(None),
    }
}

/// The real item behind a shortcut item (one with `remoteItem`): a client for its
/// drive and its address there; `None` for an ordinary item.
pub fn follow(
    graph: &GraphClient,
    item: &crate::graph::DriveItem,
) -> Option<(GraphClient, ItemRef)> {
    let o = remote_object(item)?;
    Some((o.graph(graph), o.item_ref()))
}

/// The item a `remoteItem` facet points at (a shortcut's shared folder, a
/// `sharedWithMe` entry), as an object of its own drive: `/drives/{driveId}/items/{id}`
/// (Graph: "access the shared driveItem at
/// /drives/{remoteItem.parentReference.driveId}/items/{remoteItem.id}",
/// graph/api/drive-sharedwithme). `None` without a facet that names both.
pub fn remote_object(item: &crate::graph::DriveItem) -> Option<Object> {
    let remote = item.remote_item.as_ref()?;
    let drive_id = remote.parent_reference.as_ref()?.drive_id.clone()?;
    (!remote.id.is_empty()).then(|| Object::InDrive {
        drive_id,
        id: Some(remote.id.clone()),
        path: None,
    })
}
