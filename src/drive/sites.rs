//! SharePoint sites and their document libraries (`drives --site`).
//!
//! Graph finds sites by keywords (`GET /sites?search=`, "Search for sites",
//! learn.microsoft.com/graph/api/site-search; work or school accounts) and lists a
//! site's libraries as drives (`GET /sites/{id}/drives`, "List drives",
//! learn.microsoft.com/graph/api/drive-list). A library is then worked on like any
//! drive, by its id (`--drive ID`, `/drives/ID/root:/…`).

use futures_util::{StreamExt as _, TryStreamExt as _};

use super::error::DriveError;
use crate::graph::{Drive, GraphClient, Site};

/// Sites listed at once: one request each, few sites per search.
const SITES_AT_ONCE: usize = 4;

/// The sites matching `query` (every page), each with its document libraries, in the
/// service's order: one request for the search plus one per site, [`SITES_AT_ONCE`]
/// at a time. Errors: the service's (a personal account has no sites: 400 or 404),
/// with the display name of the site whose libraries could not be listed (`None`: the
/// search itself failed).
pub async fn libraries(
    graph: &GraphClient,
    query: &str,
) -> std::result::Result<Vec<(Site, Vec<Drive>)>, (Option<String>, DriveError)> {
    let sites = graph
        .search_sites(query)
        .await
        .map_err(|e| (None, e.into()))?;
    let drives: Vec<Vec<Drive>> = futures_util::stream::iter(&sites)
        .map(|s| async move {
            graph.site_drives(&s.id).await.map_err(|e| {
                let name = s.display_name.clone().unwrap_or_else(|| s.id.clone());
                (Some(name), DriveError::from(e))
            })
        })
        .buffered(SITES_AT_ONCE)
        .try_collect()
        .await?;
    Ok(sites.into_iter().zip(drives).collect())
}
