//! Copies and moves.
//!
//! Graph's copy is asynchronous: `POST /copy` answers 202 with a monitor URL, polled
//! (without the token) until `completed` or `failed`; `resourceId` is the new item.
//! A move is one `PATCH` of `parentReference`, which needs the real folder id (Graph
//! refuses the `root` alias there), so the destination is read first.

use std::time::Duration;

use super::error::{DriveError, Result};
use super::locate;
use super::resolve::Object;
use crate::graph::{DriveItem, GraphClient, ItemRef, ParentRef};

/// The destination folder (already read, by `graph`) as Graph wants it in a body: its
/// real id and, when known or `need_drive`, its drive ([`locate::drive_id_of`]: a
/// root's drive costs `GET /me/drive` for the default drive, only when a copy between
/// drives needs it).
async fn folder_parent_ref(
    graph: &GraphClient,
    folder: &DriveItem,
    need_drive: bool,
) -> Result<ParentRef> {
    if folder.folder.is_none() && folder.root.is_none() {
        return Err(DriveError::NotAFolder);
    }
    let drive_id = if need_drive {
        Some(locate::drive_id_of(graph, Some(folder)).await?)
    } else {
        folder
            .parent_reference
            .as_ref()
            .and_then(|p| p.drive_id.clone())
    };
    Ok(ParentRef {
        drive_id,
        id: folder.id.clone(),
    })
}

/// Polling schedule: quick at first (small copies finish at once), then every second
/// (rclone polls every second too).
fn poll_delay(attempt: u32) -> Duration {
    Duration::from_millis((50u64 << attempt.min(5)).min(1000))
}

/// A copy's request: `POST {item}/copy` (`item` addressed by `graph`) into `folder`
/// (read by `dest_graph`, which may address another drive: Graph copies between drives
/// when the body names the destination's `driveId`); the monitor URL. Nothing has
/// started when this fails, so it may be sent again at another address of the item.
pub async fn start(
    graph: &GraphClient,
    item: &ItemRef,
    dest_graph: &GraphClient,
    folder: &DriveItem,
) -> Result<url::Url> {
    let between_drives = graph.drive_selector() != dest_graph.drive_selector();
    let dest = folder_parent_ref(dest_graph, folder, between_drives)
        .await
        .map_err(DriveError::destination)?;
    Ok(graph.copy_item(item, &dest, None, None).await?)
}

/// A copy's wait: polls the monitor (without the token) until the copy completes
/// (the new item, read in the destination's drive) or fails, for at most `max_wait`.
pub async fn wait(
    graph: &GraphClient,
    dest_graph: &GraphClient,
    monitor: &url::Url,
    max_wait: Duration,
) -> Result<DriveItem> {
    let monitor = monitor.clone();
    let started = std::time::Instant::now();
    let mut attempt = 0;
    loop {
        let job = graph.poll_monitor(&monitor).await?;
        if job.is_completed() {
            let id = job.resource_id.ok_or_else(|| {
                DriveError::Protocol("copy completed without a resourceId".into())
            })?;
            return Ok(dest_graph.get_item(&ItemRef::Id(id)).await?);
        }
        if job.is_failed() {
            // The monitor's `error` object (Graph's error shape) says most; older
            // monitors give only `errorCode` / `statusDescription`.
            let message = job
                .extra
                .get("error")
                .and_then(|e| e.get("message"))
                .and_then(|m| m.as_str())
                .map(str::to_owned);
            let why = [job.error_code, message.or(job.status_description)]
                .into_iter()
                .flatten()
                .collect::<Vec<_>>()
                .join(": ");
            let why = if why.is_empty() {
                "no reason given".into()
            } else {
                why
            };
            return Err(DriveError::Protocol(format!("copy failed: {why}")));
        }
        if started.elapsed() > max_wait {
            return Err(DriveError::Protocol(format!(
                "copy still {} after {}s; it may complete later",
                job.status.as_deref().unwrap_or("running"),
                max_wait.as_secs()
            )));
        }
        tokio::time::sleep(poll_delay(attempt)).await;
        attempt += 1;
    }
}

/// Copies `object` into the folder `dest` names (both reached as
/// [`super::locate`] does: other drives, shortcuts) and waits up to `max_wait`; the new
/// item. The destination is read first: a copy needs its real id, and its drive when
/// that differs from the source's (Graph copies between drives). Errors: the
/// destination's own are [`DriveError::Destination`].
pub async fn copy_object(
    graph: &GraphClient,
    object: &Object,
    dest: &Object,
    max_wait: Duration,
) -> Result<DriveItem> {
    let (dest_graph, folder) = locate::resolve_followed(graph, dest)
        .await
        .map_err(DriveError::destination)?;
    let (dest_graph, folder) = (&dest_graph, &folder);
    // Only the POST may be sent again at a shared folder's address (locate::on_object):
    // once it is answered, a copy is under way.
    let (src_graph, monitor) = locate::on_object(graph, object, |g, r| async move {
        let monitor = start(&g, &r, dest_graph, folder).await?;
        Ok::<_, DriveError>((g, monitor))
    })
    .await?;
    wait(&src_graph, dest_graph, &monitor, max_wait).await
}

/// Moves `object` into the folder `dest` names (reached as [`super::locate`] does), by
/// id: the destination and the object's id are read at once (no extra round trip).
/// Graph's PATCH cannot move between drives (notes §7.2): when the two sides are
/// addressed differently their drive ids are compared first, and a move between drives
/// is [`DriveError::BetweenDrives`] without a request.
pub async fn move_object(graph: &GraphClient, object: &Object, dest: &Object) -> Result<DriveItem> {
    let dest = async {
        locate::resolve_followed(graph, dest)
            .await
            .map_err(DriveError::destination)
    };
    // A path-named object is read (with its drive) for its id; see [`move_to`].
    let item = locate::on_object(graph, object, |g, r| async move {
        if !matches!(r, ItemRef::Path(_) | ItemRef::IdPath { .. }) {
            return Ok::<_, DriveError>((g, r, None));
        }
        let item = g.get_item_with(&r, "$select=id,parentReference").await?;
        Ok((g, ItemRef::Id(item.id.clone()), Some(item)))
    });
    let ((dest_graph, folder), (src_graph, id, read)) = tokio::try_join!(dest, item)?;
    if src_graph.drive_selector() != dest_graph.drive_selector() {
        let read = match read {
            Some(r) => r,
            None => {
                src_graph
                    .get_item_with(&id, "$select=id,parentReference")
                    .await?
            }
        };
        if !locate::same_drive(&src_graph, Some(&read), &dest_graph, Some(&folder)).await? {
            return Err(DriveError::BetweenDrives);
        }
    }
    move_to(&src_graph, &id, &folder).await
}

/// Moves `item` into `folder` (an item of the same drive, already read), files and
/// folders alike.
///
/// Callers send the move by id: a move whose answer was lost (500/504, a cut
/// connection) can then be sent again; by path, the repeat would meet 404 after a move
/// that took, and report a failure for a change that was made.
pub async fn move_to(graph: &GraphClient, item: &ItemRef, folder: &DriveItem) -> Result<DriveItem> {
    if folder.folder.is_none() && folder.root.is_none() {
        return Err(DriveError::destination(DriveError::NotAFolder));
    }
    let dest = ParentRef {
        drive_id: None,
        id: folder.id.clone(),
    };
    Ok(graph.move_item(item, Some(&dest), None).await?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn poll_delay_grows_to_a_second() {
        assert_eq!(poll_delay(0), Duration::from_millis(50));
        assert!(poll_delay(3) > poll_delay(2));
        assert_eq!(poll_delay(30), Duration::from_secs(1));
    }
}
