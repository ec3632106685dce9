//! Drives other than the signed-in user's own, and how a request reaches one.
//!
//! - [`registry`]: other users' OneDrive Personal drives and SharePoint document
//!   libraries, each a full item store of its own (in memory only).
//! - [`sites`]: SharePoint sites and the `/sites` routes.
//! - [`sharing`]: grants of another user's items to the signed-in user,
//!   `sharedWithMe`, and shortcuts ("Add to My files").
//! - [`admin`]: the `/_emulator/drives`, `/_emulator/share`, `/_emulator/shared-with-me`
//!   routes that set all this up.
//!
//! A Graph request names a drive (`/me/drive`, `/drives/{id}`, `/sites/{id}/drive`);
//! [`resolve`] turns that into a [`Drive`] handle (whose [`Drive::store`] the endpoint
//! modules use) and the user's [`Access`] to it.

pub mod admin;
pub mod registry;
pub mod sharing;
pub mod sites;

use std::sync::Arc;

use axum::http::StatusCode;
use axum::response::Response;
use base64::Engine as _;
use serde_json::{Value, json};

use crate::config::Config;
use crate::error::{GraphError, GraphResult};
use crate::graph::address::DriveRef;
use crate::graph::{Ctx, json_response};
use crate::state::AppState;
use crate::store::{Item, Store};
use registry::{DriveType, OtherDrive};
use sharing::{Grant, Role};

/// The other drives, sites and grants.
pub struct DrivesState {
    pub registry: registry::Registry,
    pub sites: sites::Sites,
    pub sharing: sharing::Sharing,
}

impl DrivesState {
    pub fn new(config: &Config) -> Self {
        Self {
            registry: registry::Registry::new(config),
            sites: sites::Sites::default(),
            sharing: sharing::Sharing::new(config.shared_with_me),
        }
    }

    /// Forgets every other drive, site, grant and shortcut (admin reset).
    pub fn reset(&self) {
        self.registry.clear();
        self.sites.clear();
        self.sharing.clear();
    }
}

/// The drive a request works on.
#[derive(Clone)]
pub enum Drive {
    /// The signed-in user's own Personal drive (`AppState.store`).
    Own(AppState),
    /// Another drive of the registry.
    Other(Arc<OtherDrive>),
}

/// What the signed-in user may do in the drive a request names.
#[derive(Clone, Debug)]
pub enum Access {
    /// Their own drive, or a document library of a site they are a member of.
    Full,
    /// Another user's Personal drive: only the granted items and their subtrees.
    Shared(Vec<Grant>),
}

impl Access {
    /// The user's role on `item` (in `store`): `None` when they cannot see it.
    pub fn role(&self, store: &Store, item: &Item) -> Option<Role> {
        match self {
            Self::Full => Some(Role::Write),
            Self::Shared(grants) => sharing::role_in(store, grants, item),
        }
    }

    /// 404 unless the user can see `item`; 403 `accessDenied` when `write` is asked
    /// for and they may only read it.
    pub fn check(&self, store: &Store, item: &Item, write: bool) -> GraphResult<()> {
        match self.role(store, item) {
            None => Err(sharing::not_visible()),
            Some(Role::Read) if write => Err(sharing::access_denied()),
            Some(_) => Ok(()),
        }
    }

    /// Whether `item` is itself one of the granted items (it may not be renamed, moved
    /// or deleted through the grant).
    pub fn is_granted_root(&self, item: &Item) -> bool {
        match self {
            Self::Full => false,
            Self::Shared(grants) => grants.iter().any(|g| g.item_id == item.id),
        }
    }
}

impl Drive {
    /// The drive's item store.
    pub fn store(&self) -> &Store {
        match self {
            Self::Own(s) => &s.store,
            Self::Other(d) => &d.store,
        }
    }

    /// The drive id.
    pub fn id(&self) -> String {
        match self {
            Self::Own(s) => s.store.drive_id(),
            Self::Other(d) => d.id.clone(),
        }
    }

    /// Whether this is the signed-in user's own drive.
    pub fn is_own(&self) -> bool {
        matches!(self, Self::Own(_))
    }

    /// `driveType`: `personal` or `documentLibrary`.
    pub fn drive_type(&self) -> &'static str {
        match self {
            Self::Own(_) => DriveType::Personal.as_str(),
            Self::Other(d) => d.drive_type.as_str(),
        }
    }

    /// Whether items follow Business/SharePoint rules (a document library).
    pub fn is_library(&self) -> bool {
        matches!(self, Self::Other(d) if d.drive_type == DriveType::DocumentLibrary)
    }

    /// `createdBy`/`lastModifiedBy` of the drive's items: its owner on a Personal
    /// drive, the signed-in user in a library (a site member made them).
    pub fn author(&self, state: &AppState) -> (String, String) {
        match self {
            Self::Other(d) if d.drive_type == DriveType::Personal => {
                (d.owner_name.clone(), d.owner_id.clone())
            }
            _ => (
                state.config.user_display_name.clone(),
                crate::graph::json::user_id(state),
            ),
        }
    }

    /// What `parentReference.path` starts with: `/drive/root:` on the user's drive,
    /// `/drives/{id}/root:` elsewhere (the form the service answers for another user's
    /// items: OneDrive/onedrive-api-docs#908).
    pub fn path_prefix(&self) -> String {
        match self {
            Self::Own(_) => "/drive/root:".into(),
            Self::Other(d) => format!("/drives/{}/root:", d.id),
        }
    }

    /// The drive resource. The user's own: `GET /me/drive`'s JSON. Another drive:
    /// `id`, `driveType`, `name`, `description`?, `createdDateTime`, `webUrl`, `owner`
    /// (`user` for a Personal drive, `group` (the site) for a library) and, for a
    /// library only, `quota` (another user's quota is theirs: left out).
    pub fn json(&self, state: &AppState) -> Value {
        let d = match self {
            Self::Own(_) => return crate::graph::json::drive_json(state),
            Self::Other(d) => d,
        };
        let mut v = json!({
            "@odata.context": format!("{}/v1.0/$metadata#drives/$entity", state.public_url),
            "id": d.id,
            "driveType": d.drive_type.as_str(),
            "name": d.name,
            "createdDateTime": crate::graph::json::ts(d.created),
            "webUrl": d.web_url,
            "owner": d.owner_json(),
        });
        if let Some(o) = v.as_object_mut() {
            if let Some(desc) = &d.description {
                o.insert("description".into(), json!(desc));
            }
            if d.drive_type == DriveType::DocumentLibrary {
                let q = d.store.quota();
                o.insert(
                    "quota".into(),
                    json!({"deleted": q.deleted, "remaining": q.remaining, "state": q.state,
                           "total": q.total, "used": q.used}),
                );
            }
        }
        v
    }

    /// The drive resource without its `@odata.context` (an entry of a drive list).
    pub fn value(&self, state: &AppState) -> Value {
        let mut v = self.json(state);
        if let Some(o) = v.as_object_mut() {
            o.remove("@odata.context");
        }
        v
    }

    /// What an item's `webUrl` (not served by the emulator) is before its id: the same
    /// for every item of the drive (see [`OtherDrive::item_web_url_prefix`]).
    pub fn item_web_url_prefix(&self) -> String {
        match self {
            Self::Own(s) => format!(
                "https://onedrive.live.com/?cid={}&id=",
                s.store.drive_id().to_lowercase()
            ),
            Self::Other(d) => d.item_web_url_prefix(),
        }
    }
}

/// The drive `/drives/{id}` names, if any: the user's own (the id compared
/// case-insensitively, left-padded to 16) or one of the registry.
pub(crate) fn find_by_id(state: &AppState, id: &str) -> Option<Drive> {
    let padded = format!("{id:0>16}");
    if padded.eq_ignore_ascii_case(&state.store.drive_id()) {
        return Some(Drive::Own(state.clone()));
    }
    state.drives.registry.find(id).map(Drive::Other)
}

/// The drive a request names and the user's access to it. An unknown drive id, and
/// another user's Personal drive that shares nothing with the user, are 404
/// `itemNotFound`; an unknown site is 404 too.
pub fn resolve(state: &AppState, d: &DriveRef) -> GraphResult<(Drive, Access)> {
    let drive = match d {
        DriveRef::Me => return Ok((Drive::Own(state.clone()), Access::Full)),
        // A share is resolved with its link by `graph::shares`, never here.
        DriveRef::Share(_) => return Err(sharing::not_visible()),
        DriveRef::Id(id) => find_by_id(state, id)
            .ok_or_else(|| GraphError::not_found(format!("Drive '{id}' not found.")))?,
        DriveRef::Site(site) => {
            let s = state
                .drives
                .sites
                .find(site)
                .ok_or_else(sites::site_not_found)?;
            let first = s
                .drives
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .first()
                .cloned();
            first
                .and_then(|id| state.drives.registry.find(&id))
                .map(Drive::Other)
                .ok_or_else(|| GraphError::not_found("The site has no document library."))?
        }
    };
    let access = match &drive {
        Drive::Other(o) if o.drive_type == DriveType::Personal => {
            let grants = state.drives.sharing.grants_for(&o.id);
            if grants.is_empty() {
                return Err(GraphError::not_found(format!(
                    "Drive '{}' not found.",
                    o.id
                )));
            }
            Access::Shared(grants)
        }
        _ => Access::Full,
    };
    Ok((drive, access))
}

/// One page of a collection paged by offset (sites, sharedWithMe): `$top` (default
/// `default_top`) and a `$skiptoken` made by [`encode_offset`] choose the page of
/// `found`; 200 with `@odata.context` `context`, the page's entries as `render` renders
/// them, and an `@odata.nextLink` while entries remain. 400 for a bad `$top` or
/// `$skiptoken`.
pub fn offset_page<T>(
    ctx: &Ctx,
    found: &[T],
    default_top: usize,
    context: String,
    render: impl Fn(&T) -> Value,
) -> GraphResult<Response> {
    let top = ctx.query.top(default_top)?;
    let offset = match ctx.query.odata("skiptoken") {
        Some(t) => decode_offset(t)?,
        None => 0,
    };
    let end = offset.saturating_add(top).min(found.len());
    let value: Vec<Value> = found
        .get(offset.min(end)..end)
        .unwrap_or_default()
        .iter()
        .map(render)
        .collect();
    let mut body = json!({
        "@odata.context": context,
        "value": value,
    });
    if end < found.len()
        && let Some(o) = body.as_object_mut()
    {
        let mut pairs = ctx.query.without_paging();
        pairs.push(("$skiptoken".into(), encode_offset(end)));
        o.insert("@odata.nextLink".into(), Value::String(ctx.link(&pairs)));
    }
    Ok(json_response(StatusCode::OK, body))
}

/// A `$skiptoken` for the collection offset `n` (sites, sharedWithMe).
pub fn encode_offset(n: usize) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(format!("offset:{n}"))
}

/// The offset of a `$skiptoken` made by [`encode_offset`]; 400 otherwise.
pub fn decode_offset(token: &str) -> GraphResult<usize> {
    base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(token)
        .ok()
        .and_then(|b| String::from_utf8(b).ok())
        .and_then(|s| s.strip_prefix("offset:").and_then(|n| n.parse().ok()))
        .ok_or_else(|| {
            GraphError::invalid_request("The $skiptoken is not valid.").inner("invalidQueryOption")
        })
}
