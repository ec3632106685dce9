//! Admin routes that set up other drives, sites and sharing without an account (JSON,
//! no authentication, like the rest of `/_emulator/`):
//!
//! - `POST /_emulator/drives`: `{"kind":"personal","owner":"Name"}` → another user's
//!   Personal drive; `{"kind":"documentLibrary","site":"Marketing Team","name"?:
//!   "Documents","description"?: "…","driveDescription"?: "…"}` → a library of that
//!   site (the site is made on first use, found again by display name).
//! - `GET /_emulator/drives`: every other drive.
//! - `POST /_emulator/share`: `{"driveId","path"|"id","role":"read"|"write"}` shares an
//!   item of another user's Personal drive with the signed-in user.
//! - `PUT /_emulator/drives/{driveId}/content?path=/a/b.txt` (body: the bytes) or
//!   `?path=/a/b&folder=true`: content or folders in any drive, whatever the grants.
//! - `GET|PUT /_emulator/shared-with-me`: the `sharedWithMe` mode (`{"mode"}`).
//! - `POST /_emulator/links`: `{"driveId","path"|"id","type":"view"|"edit","scope"?}`
//!   makes a sharing link on an item of any drive (as its owner would with createLink)
//!   and answers its permission (`link.webUrl`, `shareId`), for the Shares API.

use axum::Json;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use bytes::Bytes;
use serde::Deserialize;
use serde_json::{Value, json};

use super::registry::DriveType;
use super::sharing::Role;
use super::{Drive, find_by_id};
use crate::admin::{id_or_path, parse};
use crate::config::SharedWithMe;
use crate::error::{GraphError, GraphResult};
use crate::state::AppState;
use crate::store::{Blob, Conflict, FsInfo, Item};

/// The routes above (merged into [`crate::admin::router`]).
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/_emulator/drives", post(create_drive).get(list_drives))
        .route("/_emulator/drives/{drive}/content", put(put_content))
        .route("/_emulator/share", post(share))
        .route("/_emulator/shared-with-me", get(mode_get).put(mode_put))
        .route("/_emulator/links", post(create_link))
}

fn reply(status: StatusCode, r: GraphResult<Value>) -> Response {
    match r {
        Ok(v) => (status, Json(v)).into_response(),
        Err(e) => e.into_response(),
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct DriveReq {
    kind: String,
    owner: Option<String>,
    site: Option<String>,
    name: Option<String>,
    description: Option<String>,
    #[serde(rename = "driveDescription")]
    drive_description: Option<String>,
}

/// `POST /_emulator/drives`: 201 with the drive (`personal`) or `{"site","drive"}`
/// (`documentLibrary`); 400 for a bad body, 409 for a library name the site has.
async fn create_drive(State(state): State<AppState>, body: Bytes) -> Response {
    let r = (|| {
        let req: DriveReq = parse(&body)?;
        match req.kind.as_str() {
            "personal" => {
                let owner = req
                    .owner
                    .filter(|o| !o.trim().is_empty())
                    .ok_or_else(|| GraphError::invalid_request("\"owner\" is required."))?;
                let d = state.drives.registry.create_personal(
                    &state.config,
                    &owner,
                    &state.store.drive_id(),
                );
                Ok(Drive::Other(d).value(&state))
            }
            "documentLibrary" => {
                let site_name = req
                    .site
                    .filter(|s| !s.trim().is_empty())
                    .ok_or_else(|| GraphError::invalid_request("\"site\" is required."))?;
                let name = req.name.unwrap_or_else(|| "Documents".into());
                if name.trim().is_empty() {
                    return Err(GraphError::invalid_request("\"name\" cannot be empty."));
                }
                let site = state
                    .drives
                    .sites
                    .find_or_create(&site_name, req.description);
                let mut ids = site.drives.lock().unwrap_or_else(|e| e.into_inner());
                let taken = ids.iter().any(|id| {
                    state
                        .drives
                        .registry
                        .find(id)
                        .is_some_and(|d| d.name.eq_ignore_ascii_case(&name))
                });
                if taken {
                    return Err(GraphError::name_already_exists(format!(
                        "The site already has a library named '{name}'."
                    )));
                }
                let d = state.drives.registry.create_library(
                    &state.config,
                    &site,
                    &name,
                    req.drive_description,
                );
                ids.push(d.id.clone());
                drop(ids);
                Ok(json!({
                    "site": site.json(),
                    "drive": Drive::Other(d).value(&state),
                }))
            }
            other => Err(GraphError::invalid_request(format!(
                "\"kind\" must be \"personal\" or \"documentLibrary\", not \"{other}\"."
            ))),
        }
    })();
    reply(StatusCode::CREATED, r)
}

/// `GET /_emulator/drives`: `{"value": [drive, …]}`, in creation order.
async fn list_drives(State(state): State<AppState>) -> Response {
    let value: Vec<Value> = state
        .drives
        .registry
        .all()
        .into_iter()
        .map(|d| Drive::Other(d).value(&state))
        .collect();
    reply(StatusCode::OK, Ok(json!({ "value": value })))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ShareReq {
    #[serde(rename = "driveId")]
    drive_id: String,
    path: Option<String>,
    id: Option<String>,
    role: String,
}

/// `POST /_emulator/share`: 200 with the shared item (as its drive renders it). 404 for
/// an unknown drive or item; 400 for a drive that is not another user's Personal drive,
/// a bad role, or not exactly one of `path` and `id`.
async fn share(State(state): State<AppState>, body: Bytes) -> Response {
    let r = (|| {
        let req: ShareReq = parse(&body)?;
        let role = Role::parse(&req.role).ok_or_else(|| {
            GraphError::invalid_request("\"role\" must be \"read\" or \"write\".")
        })?;
        let d =
            state.drives.registry.find(&req.drive_id).ok_or_else(|| {
                GraphError::not_found(format!("Drive '{}' not found.", req.drive_id))
            })?;
        if d.drive_type != DriveType::Personal {
            return Err(GraphError::invalid_request(
                "Only items of another user's Personal drive are shared (site members reach libraries).",
            ));
        }
        let item = id_or_path(&d.store, req.id, req.path)?;
        state.drives.sharing.grant(&d.id, &item.id, role);
        Ok(crate::graph::json::item_json_in(
            &state,
            &Drive::Other(d),
            &item,
        ))
    })();
    reply(StatusCode::OK, r)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct LinkReq {
    #[serde(rename = "driveId")]
    drive_id: String,
    path: Option<String>,
    id: Option<String>,
    #[serde(rename = "type")]
    kind: String,
    scope: Option<String>,
}

/// `POST /_emulator/links`: 201 with the new link's permission (200 with the existing
/// link of that type and scope). The user's own drive id works too. 404 for an unknown
/// drive or item; 400 for a type other than `view`/`edit`, a scope the drive refuses,
/// or not exactly one of `path` and `id`.
async fn create_link(State(state): State<AppState>, body: Bytes) -> Response {
    let mut status = StatusCode::CREATED;
    let r = (|| {
        let req: LinkReq = parse(&body)?;
        if !matches!(req.kind.as_str(), "view" | "edit") {
            return Err(GraphError::invalid_request(
                "\"type\" must be \"view\" or \"edit\".",
            ));
        }
        let d = find_by_id(&state, &req.drive_id)
            .ok_or_else(|| GraphError::not_found(format!("Drive '{}' not found.", req.drive_id)))?;
        let item = id_or_path(d.store(), req.id, req.path)?;
        let mut o = serde_json::Map::new();
        o.insert("type".into(), json!(req.kind));
        if let Some(s) = req.scope {
            o.insert("scope".into(), json!(s));
        }
        let (s, mut permission) = crate::graph::links::make_link(&state, &d, &item, &o)?;
        status = s;
        if let Some(p) = permission.as_object_mut() {
            p.remove("@odata.context");
        }
        Ok(permission)
    })();
    reply(status, r)
}

#[derive(Deserialize)]
struct ContentQuery {
    path: Option<String>,
    folder: Option<String>,
}

/// The folder at `segs` below the root of `d`, made when missing.
fn ensure(d: &Drive, segs: &[&str]) -> GraphResult<Item> {
    let store = d.store();
    let root = store.root_id();
    if segs.is_empty() {
        return store.get(&root);
    }
    store.ensure_folders(&root, segs)
}

/// `PUT /_emulator/drives/{driveId}/content?path=…[&folder=true]`: 201 with the new item
/// (200 when it replaced a file or the folder existed). The user's own drive id works
/// too. 404 for an unknown drive, 400 without a path (or a file at the root), 409 when
/// a file is in the way of a folder.
async fn put_content(
    State(state): State<AppState>,
    Path(drive): Path<String>,
    Query(q): Query<ContentQuery>,
    body: Bytes,
) -> Response {
    let mut status = StatusCode::CREATED;
    let r = (|| {
        let d = find_by_id(&state, &drive)
            .ok_or_else(|| GraphError::not_found(format!("Drive '{drive}' not found.")))?;
        let path = q
            .path
            .ok_or_else(|| GraphError::invalid_request("The query needs path=/a/b."))?;
        let segs: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
        let folder = matches!(q.folder.as_deref(), Some("true" | "1"));
        let item = if folder {
            let existed = d.store().resolve_path(&d.store().root_id(), &path).is_ok();
            if existed {
                status = StatusCode::OK;
            }
            ensure(&d, &segs)?
        } else {
            let Some((name, dirs)) = segs.split_last() else {
                return Err(GraphError::invalid_request("A file needs a name."));
            };
            crate::store::names::validate_item_name(name, false)?;
            let parent = ensure(&d, dirs)?;
            let (item, created) = d.store().put_file(
                &parent.id,
                name,
                Blob::from_bytes(body.clone()),
                Conflict::Replace,
                FsInfo::default(),
            )?;
            if !created {
                status = StatusCode::OK;
            }
            item
        };
        Ok(crate::graph::json::item_json_in(&state, &d, &item))
    })();
    reply(status, r)
}

async fn mode_get(State(state): State<AppState>) -> Response {
    let m = state.drives.sharing.mode();
    reply(StatusCode::OK, Ok(json!({ "mode": m.as_str() })))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ModeReq {
    mode: String,
}

/// `PUT /_emulator/shared-with-me` `{"mode":"full|degraded|retired"}`: 200 `{"mode"}`.
async fn mode_put(State(state): State<AppState>, body: Bytes) -> Response {
    let r = (|| {
        let req: ModeReq = parse(&body)?;
        let m = SharedWithMe::parse(&req.mode).ok_or_else(|| {
            GraphError::invalid_request("\"mode\" must be full, degraded or retired.")
        })?;
        state.drives.sharing.set_mode(m);
        Ok(json!({ "mode": m.as_str() }))
    })();
    reply(StatusCode::OK, r)
}
