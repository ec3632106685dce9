//! Copies and moves.
//!
//! Graph's copy is asynchronous: `POST /copy` answers 202 with a monitor URL, polled
//! (without the token) until `completed` or `failed`; `resourceId` is the new item.
//! A move is one `PATCH` of `parentReference`, which needs the real folder id (Graph
//! refuses the `root` alias there), so the destination is read first.

use std::time::Duration;

use super::error::{DriveError, Result};
use crate::graph::{DriveItem, GraphClient, ItemRef, ParentRef};

/// The destination folder as Graph wants it in a body: its real id and drive.
pub async fn folder_parent_ref(graph: &GraphClient, folder: &ItemRef) -> Result<ParentRef> {
    let item = graph.get_item(folder).await?;
    if item.folder.is_none() && item.root.is_none() {
        return Err(DriveError::NotAFolder);
    }
    let drive_id = item
        .parent_reference
        .as_ref()
        .and_then(|p| p.drive_id.clone());
    Ok(ParentRef {
        drive_id,
        id: item.id,
    })
}

/// Polling schedule: quick at first (small copies finish at once), then every second
/// (rclone polls every second too).
fn poll_delay(attempt: u32) -> Duration {
    Duration::from_millis((50u64 << attempt.min(5)).min(1000))
}

/// Copies `item` into `folder` and waits for the copy to finish; returns the new item.
pub async fn copy(
    graph: &GraphClient,
    item: &ItemRef,
    folder: &ItemRef,
    max_wait: Duration,
) -> Result<DriveItem> {
    let dest = folder_parent_ref(graph, folder)
        .await
        .map_err(DriveError::destination)?;
    let monitor = graph.copy_item(item, &dest, None, None).await?;
    let started = std::time::Instant::now();
    let mut attempt = 0;
    loop {
        let job = graph.poll_monitor(&monitor).await?;
        if job.is_completed() {
            let id = job.resource_id.ok_or_else(|| {
                DriveError::Protocol("copy completed without a resourceId".into())
            })?;
            return Ok(graph.get_item(&ItemRef::Id(id)).await?);
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

/// Moves `item` into `folder` (files and folders alike).
///
/// The move is sent by id: a path-named item is looked up while the destination is
/// (two requests at once, no extra round trip), so that a move whose answer was lost
/// (500/504, a cut connection) can be sent again; by path, the repeat would meet 404
/// after a move that took, and report a failure for a change that was made.
pub async fn move_to(graph: &GraphClient, item: &ItemRef, folder: &ItemRef) -> Result<DriveItem> {
    let by_id = async {
        match item {
            ItemRef::Path(_) | ItemRef::IdPath { .. } => Ok(ItemRef::Id(
                graph.get_item_with(item, "$select=id").await?.id,
            )),
            other => Ok::<_, DriveError>(other.clone()),
        }
    };
    let dest = async {
        folder_parent_ref(graph, folder)
            .await
            .map_err(DriveError::destination)
    };
    let (dest, item) = tokio::try_join!(dest, by_id)?;
    let dest = ParentRef {
        drive_id: None,
        id: dest.id,
    };
    Ok(graph.move_item(&item, Some(&dest), None).await?)
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
