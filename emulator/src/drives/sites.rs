//! SharePoint sites and their document libraries: `GET /sites?search=`, `GET
//! /sites/{site-id}`, `GET /sites/{site-id}/drives`, `GET /sites/{site-id}/drive`
//! (Graph: site-search, site-get, drive-list, drive-get; learn.microsoft.com/en-us/graph/api/...).
//!
//! A site's id is `{hostname},{siteCollectionGuid},{webGuid}` (the service's composite
//! form); in a URL path the commas may be raw or percent-encoded (`%2C`): the path
//! segment is decoded once like every other. The signed-in user is a member of every
//! site: read/write in all of their libraries.
//!
//! Search (site-search: "a free text search that uses multiple properties"; the exact
//! matching is not documented, so the emulator chooses): the query is split on
//! whitespace; a site matches when every word occurs, case-insensitively, in its
//! `name`, `displayName` or `description`. `*` (or an empty query) matches every site.
//! Results are in creation order (the doc: "the only property that works for sorting
//! is createdDateTime"), paged by `$top` (default `--sites-page-size`, 200) with
//! `@odata.nextLink` / `$skiptoken`.

use std::sync::{Arc, Mutex, RwLock};

use axum::http::StatusCode;
use axum::response::Response;
use jiff::Timestamp;
use serde_json::{Value, json};

use super::Drive;
use crate::error::{GraphError, GraphResult};
use crate::graph::{Ctx, json_response};

/// The host name of every emulated site (Microsoft's documentation tenant).
pub const HOSTNAME: &str = "contoso.sharepoint.com";

/// A SharePoint site (the root web of its own site collection).
pub struct Site {
    /// `{hostname},{collection_guid},{web_guid}`.
    pub id: String,
    pub collection_guid: String,
    pub web_guid: String,
    /// The URL name (`MarketingTeam`): the display name without spaces or punctuation.
    pub name: String,
    pub display_name: String,
    pub description: Option<String>,
    /// `https://contoso.sharepoint.com/sites/{name}`.
    pub web_url: String,
    pub created: Timestamp,
    /// Ids of its document libraries; the first is the default one (`/drive`).
    pub drives: Mutex<Vec<String>>,
}

impl Site {
    /// The site resource: `id`, `name`, `displayName`, `description`, `webUrl`,
    /// `createdDateTime`, `lastModifiedDateTime`, `siteCollection{hostname}`.
    pub fn json(&self) -> Value {
        let t = crate::graph::json::ts(self.created);
        let mut v = json!({
            "id": self.id,
            "name": self.name,
            "displayName": self.display_name,
            "webUrl": self.web_url,
            "createdDateTime": t,
            "lastModifiedDateTime": t,
            "siteCollection": {"hostname": HOSTNAME},
        });
        if let (Some(d), Some(o)) = (&self.description, v.as_object_mut()) {
            o.insert("description".into(), Value::String(d.clone()));
        }
        v
    }

    fn matches(&self, words: &[String]) -> bool {
        let hay = format!(
            "{}\n{}\n{}",
            self.name,
            self.display_name,
            self.description.as_deref().unwrap_or("")
        )
        .to_lowercase();
        words.iter().all(|w| hay.contains(w.as_str()))
    }
}

/// Every site, in creation order.
#[derive(Default)]
pub struct Sites {
    sites: RwLock<Vec<Arc<Site>>>,
}

impl Sites {
    /// The site whose display name is `display_name` (case-insensitively), or a new one.
    pub fn find_or_create(&self, display_name: &str, description: Option<String>) -> Arc<Site> {
        let mut sites = self.sites.write().unwrap_or_else(|e| e.into_inner());
        if let Some(s) = sites
            .iter()
            .find(|s| s.display_name.eq_ignore_ascii_case(display_name))
        {
            return s.clone();
        }
        let name: String = display_name
            .chars()
            .filter(|c| c.is_alphanumeric() || *c == '-' || *c == '_')
            .collect();
        let name = if name.is_empty() { "site".into() } else { name };
        let collection_guid = crate::identity::tokens::random_guid();
        let web_guid = crate::identity::tokens::random_guid();
        let site = Arc::new(Site {
            id: format!("{HOSTNAME},{collection_guid},{web_guid}"),
            web_url: format!("https://{HOSTNAME}/sites/{name}"),
            name,
            display_name: display_name.to_owned(),
            description,
            created: Timestamp::now(),
            drives: Mutex::new(Vec::new()),
            collection_guid,
            web_guid,
        });
        sites.push(site.clone());
        site
    }

    /// The site `id` (compared case-insensitively).
    pub fn find(&self, id: &str) -> Option<Arc<Site>> {
        self.sites
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .iter()
            .find(|s| s.id.eq_ignore_ascii_case(id))
            .cloned()
    }

    fn all(&self) -> Vec<Arc<Site>> {
        self.sites.read().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// Forgets every site (admin reset).
    pub fn clear(&self) {
        self.sites
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .clear();
    }
}

/// Graph's answer for a site id that names no site.
pub fn site_not_found() -> GraphError {
    GraphError::not_found("Requested site could not be found")
}

fn site(ctx: &Ctx, id: &str) -> GraphResult<Arc<Site>> {
    ctx.state.drives.sites.find(id).ok_or_else(site_not_found)
}

/// `GET /sites?search={query}`.
pub fn search(ctx: &Ctx) -> GraphResult<Response> {
    let Some(q) = ctx.query.odata("search") else {
        return Err(GraphError::invalid_request(
            "Listing sites needs the search query option: /sites?search={query}.",
        ));
    };
    let q = q.trim().trim_matches('"');
    let words: Vec<String> = if q == "*" {
        Vec::new()
    } else {
        q.split_whitespace().map(str::to_lowercase).collect()
    };
    let found: Vec<Arc<Site>> = ctx
        .state
        .drives
        .sites
        .all()
        .into_iter()
        .filter(|s| s.matches(&words))
        .collect();
    super::offset_page(
        ctx,
        &found,
        ctx.state.config.sites_page_size.max(1),
        format!("{}/v1.0/$metadata#sites", ctx.state.public_url),
        |s| s.json(),
    )
}

/// `GET /sites/{site-id}`.
pub fn get(ctx: &Ctx, id: &str) -> GraphResult<Response> {
    let s = site(ctx, id)?;
    let mut v = json!({
        "@odata.context": format!("{}/v1.0/$metadata#sites/$entity", ctx.state.public_url),
    });
    if let (Some(o), Value::Object(m)) = (v.as_object_mut(), s.json()) {
        o.extend(m);
    }
    Ok(json_response(StatusCode::OK, v))
}

/// `GET /sites/{site-id}/drives`: the site's document libraries.
pub fn drives(ctx: &Ctx, id: &str) -> GraphResult<Response> {
    let s = site(ctx, id)?;
    let ids = s.drives.lock().unwrap_or_else(|e| e.into_inner()).clone();
    let value: Vec<Value> = ids
        .iter()
        .filter_map(|d| ctx.state.drives.registry.find(d))
        .map(|d| Drive::Other(d).value(&ctx.state))
        .collect();
    Ok(json_response(
        StatusCode::OK,
        json!({
            "@odata.context": format!("{}/v1.0/$metadata#drives", ctx.state.public_url),
            "value": value,
        }),
    ))
}
