//! `/v1.0/...`: routing, path addressing and the metadata endpoints.
//!
//! One catch-all route takes every `/v1.0` request: [`address`] parses the raw path,
//! `dispatch` authenticates, resolves the drive and item, and hands over to the
//! endpoint modules ([`items`], [`listing`], [`delta`], [`copy`], [`links`]) or, for
//! `/content` and `/createUploadSession`, to [`crate::transfer`]. Wire shapes live in
//! [`json`], query options and preconditions in [`query`].
//!
//! The copy monitor ([`copy::MONITOR_PREFIX`]) is a separate route outside `/v1.0`: like
//! the service's monitor URLs it takes no bearer token.
//!
//! # Endpoints (the user's own drive is a OneDrive Personal one)
//!
//! Drives and user: `GET /me`, `GET /me/drive`, `GET /drives/{id}` (the user's id
//! compared case-insensitively, left-padded to 16), `GET /me/drives`, `GET
//! /me/drive/recent`, `GET /me/drive/search(q='…')`, `GET /me/drive/sharedWithMe`.
//! Sites: `GET /sites?search=`, `GET /sites/{id}`, `GET /sites/{id}/drives`, `GET
//! /sites/{id}/drive` ([`crate::drives::sites`]).
//! Shares ([`shares`]): `GET /shares/{token}` (sharedDriveItem), `GET
//! /shares/{token}/permission`, and `/shares/{token}/driveItem|root|items/{id}` as item
//! bases restricted to the shared subtree, with the link's role (`Prefer:
//! redeemSharingLink` makes it a durable grant).
//!
//! `dispatch` resolves the drive a request names ([`crate::drives::resolve`]): the
//! user's own, another user's Personal drive (only what was shared: 404 elsewhere, 403
//! for writes under a `read` grant) or a document library; handlers use
//! `ctx.drive.store()`. Shortcuts of the user's drive ([`crate::drives::sharing`]) are
//! items of their own: nothing is reached or created through them (404).
//!
//! Items are addressed from `/me/drive/`, `/drives/{id}/` or `/sites/{id}/drive/` by `root` (alias
//! `items/root`), `items/{id}` or `special/{documents|photos|cameraroll|music|approot}`
//! (created on first GET, never by HEAD), optionally followed by a path
//! `:/a/b c/ü.txt` (closing `:` needed only before a further segment), then:
//!
//! | request | answer |
//! |---|---|
//! | `GET/HEAD {item}` | 200 driveItem; `$select`, `$expand=children`; `If-None-Match` 304 |
//! | `PATCH {item}` | 200; `name`, `parentReference{id\|path,driveId}`, `description`, `fileSystemInfo`; read-only fields 400 `propertyNotUpdateable`; `If-Match` 412 |
//! | `DELETE {item}` | 204, into the recycle bin (`quota.deleted`); root 403; `If-Match` 412 |
//! | `GET {folder}/children` | `$top` (default 200, 1..=1000), `$select`, `$orderby` (`name`, `size`, `lastModifiedDateTime`, `asc\|desc`), `$skiptoken` / `@odata.nextLink` |
//! | `POST {folder}/children` | create folder: 201 (200 with `mkdir_existing_ok`); conflictBehavior in body, legacy `@name.` key, or query; default `fail` → 409. With `remoteItem`: a shortcut, root only (400 elsewhere) |
//! | `GET {folder}/delta` | nextLink/deltaLink; `token=latest`; `delta(token='…')`; bad or stale token 410 + `Location` |
//! | `GET {folder}/search(q='…')` | name/description matches below the folder, paged |
//! | `POST {item}/copy` | 202 + `Location` monitor; conflictBehavior query honoured; taken name 409 sync; `parentReference.driveId` may name another reachable drive (the copy is made there) |
//! | `POST {item}/permanentDelete` | 204; the item (a folder with its subtree) is gone, not in the recycle bin (driveitem-permanentdelete) |
//! | `POST {item}/createLink` | 201 new / 200 existing permission (with `shareId`); `embed` allowed, `organization` 400 |
//! | `GET {item}/permissions` | the item's sharing links |
//! | `GET {item}/content`, `PUT …/content`, `POST …/createUploadSession` | [`crate::transfer`]; PUT by path creates missing parent folders |
//!
//! Errors use Graph's body; unknown segments 400 `BadRequest`; wrong methods 405 with
//! `Allow`; a missing/bad/expired token 401 (checked before the path).
//!
//! # Known differences from the real service (choices where the docs are silent)
//!
//! - `parentReference.path` is not percent-encoded (`/drive/root:/My Folder`).
//! - `quota.used` counts live files only; the recycle bin is in `deleted` and does not
//!   count against the quota. There is no API to restore or empty the recycle bin.
//! - Search matches names and descriptions, never file content.
//! - `recent` lists the 25 most recently modified files of the drive (no `remoteItem`).
//! - Delta reports every descendant of a deleted folder as deleted too, deleted items
//!   first, then live items parents-first; paging sessions are kept for 64 rounds.
//! - Copy keeps no mtime (observed on the service) and completes after
//!   `config.copy_delay`; the monitor answers 202 `inProgress`, then 200 `completed`
//!   (303 to the new item with `--copy-monitor-redirect`). A copy into its own subtree
//!   is accepted and then fails.
//! - PATCH applies every field or none (the service was seen applying part of one).
//! - `createLink`'s URLs (`https://1drv.ms/...`) and `webUrl`s are not served.
//! - Names: the support article's rules (invalid `" * : < > ? / \ |`, control
//!   characters, leading/trailing spaces, reserved names, `~$`, `_vti_`), folder names
//!   not ending with `.` (Graph addressing page), and a decoded path < 400 characters;
//!   no per-name length limit; the SharePoint-only rules (`forms` at a library root,
//!   names starting with `~`) are not played (see `store::names`).
//! - A folder `replace` conflict removes the existing item and creates a new folder.
//! - `@microsoft.graph.sourceUrl` commits (`PUT` of a parent path with a JSON body) are
//!   not routed yet: 405.

pub mod address;
pub mod copy;
pub mod delta;
pub mod item_json;
pub mod items;
pub mod json;
pub mod links;
pub mod listing;
pub mod query;
pub mod shares;

use axum::Router;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{any, get};

use crate::config::Config;
use crate::drives::sharing;
use crate::drives::{Access, Drive};
use crate::error::{GraphError, GraphResult};
use crate::state::AppState;
use crate::stats::RouteLabel;
use crate::store::{Conflict, Item};
use crate::transfer::UploadTarget;
use address::{Action, ItemBase, Target};
use query::Query;

pub use json::item_json;

/// Copy jobs, sharing links, delta paging sessions.
pub struct GraphState {
    pub copies: copy::CopyJobs,
    pub links: links::Links,
    pub deltas: delta::DeltaSessions,
}

impl GraphState {
    pub fn new(_config: &Config) -> Self {
        Self {
            copies: copy::CopyJobs::default(),
            links: links::Links::default(),
            deltas: delta::DeltaSessions::default(),
        }
    }

    /// Forgets jobs, links and paging sessions (admin reset).
    pub fn reset(&self) {
        self.copies.clear();
        self.links.clear();
        self.deltas.clear();
    }
}

pub fn router() -> Router<AppState> {
    let monitor = Router::new()
        .route(
            &format!("{}{{id}}", copy::MONITOR_PREFIX),
            get(copy::monitor),
        )
        .route_layer(axum::middleware::from_fn(
            crate::preauth::refuse_authorization,
        ));
    Router::new()
        .route("/v1.0", any(handle))
        .route("/v1.0/", any(handle))
        .route("/v1.0/{*rest}", any(handle))
        .merge(monitor)
}

/// A parsed request as the endpoint modules see it.
pub struct Ctx {
    pub state: AppState,
    pub method: Method,
    pub headers: HeaderMap,
    /// The raw path after `/v1.0` (still percent-encoded), to build nextLinks.
    pub raw_path: String,
    pub query: Query,
    /// A `copy_fail` fault marked this request: a copy it starts ends `failed`.
    pub copy_fails: bool,
    /// The drive the request names (the user's own until `dispatch` resolves it):
    /// endpoint modules read and write `drive.store()`, never `state.store`.
    pub drive: Drive,
    /// The user's access to `drive`.
    pub access: Access,
    /// Under `/shares/{token}/…`: the shared item, which `root`/`driveItem` names and
    /// outside of whose subtree nothing is reached (404).
    pub share_root: Option<crate::store::ItemId>,
}

impl Ctx {
    /// `{public_url}/v1.0{raw_path}?{pairs}`: a full URL for `@odata.nextLink` & co.
    pub fn link(&self, pairs: &[(String, String)]) -> String {
        let mut url = format!("{}/v1.0{}", self.state.public_url, self.raw_path);
        if !pairs.is_empty() {
            url.push('?');
            url.push_str(&query::query_string(pairs));
        }
        url
    }
}

async fn handle(State(state): State<AppState>, req: Request) -> Response {
    let (parts, body) = req.into_parts();
    let raw_path = parts
        .uri
        .path()
        .strip_prefix("/v1.0")
        .unwrap_or("")
        .to_owned();
    let target = address::parse(&raw_path);
    let label = match &target {
        Ok(t) => Some(t.label()),
        Err(_) => None,
    };
    let ctx = Ctx {
        drive: Drive::Own(state.clone()),
        access: Access::Full,
        share_root: None,
        state,
        method: parts.method,
        headers: parts.headers,
        raw_path,
        query: Query::parse(parts.uri.query()),
        copy_fails: parts.extensions.get::<crate::faults::CopyFails>().is_some(),
    };
    let mut resp = match dispatch(ctx, target, body).await {
        Ok(r) => r,
        Err(e) => e.into_response(),
    };
    if let Some(l) = label {
        resp.extensions_mut().insert(RouteLabel(l));
    }
    resp
}

/// Graph's 405 for a method a resource does not support.
pub fn method_not_allowed(method: &Method, allow: &str) -> GraphError {
    GraphError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        "invalidRequest",
        format!("The HTTP method '{method}' is not supported on this resource."),
    )
    .header(header::ALLOW, allow)
}

fn is_get(m: &Method) -> bool {
    m == Method::GET || m == Method::HEAD
}

/// A response with an already serialized JSON `body`, and Graph's headers.
pub fn json_body_response(status: StatusCode, body: Vec<u8>) -> Response {
    let mut r = (status, body).into_response();
    let h = r.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    h.insert(
        header::HeaderName::from_static("odata-version"),
        HeaderValue::from_static("4.0"),
    );
    r
}

/// A JSON response of `v` (`200` unless told otherwise); listing pages write their
/// body themselves (see [`item_json`]) and go through [`json_body_response`] directly.
pub fn json_response(status: StatusCode, v: serde_json::Value) -> Response {
    json_body_response(status, serde_json::to_vec(&v).unwrap_or_default())
}

async fn dispatch(mut ctx: Ctx, target: GraphResult<Target>, body: Body) -> GraphResult<Response> {
    // Graph checks the bearer token before looking at the path.
    crate::identity::authenticate(&ctx.state, &ctx.headers)?;
    let target = target?;
    query::check_json_content_type(&ctx.method, &ctx.headers)?;
    let m = ctx.method.clone();
    let m = &m;
    match target {
        Target::Me => {
            if !is_get(m) {
                return Err(method_not_allowed(m, "GET"));
            }
            Ok(json_response(StatusCode::OK, json::user_json(&ctx.state)))
        }
        Target::MeDrives => {
            if !is_get(m) {
                return Err(method_not_allowed(m, "GET"));
            }
            let mut d = json::drive_json(&ctx.state);
            if let Some(o) = d.as_object_mut() {
                o.remove("@odata.context");
            }
            Ok(json_response(
                StatusCode::OK,
                serde_json::json!({
                    "@odata.context": format!("{}/v1.0/$metadata#drives", ctx.state.public_url),
                    "value": [d],
                }),
            ))
        }
        Target::Sites | Target::Site(_) | Target::SiteDrives(_) if !is_get(m) => {
            Err(method_not_allowed(m, "GET"))
        }
        Target::Sites => crate::drives::sites::search(&ctx),
        Target::Site(id) => crate::drives::sites::get(&ctx, &id),
        Target::SiteDrives(id) => crate::drives::sites::drives(&ctx, &id),
        Target::Drive(d) => {
            (ctx.drive, ctx.access) = crate::drives::resolve(&ctx.state, &d)?;
            if !is_get(m) {
                return Err(method_not_allowed(m, "GET"));
            }
            let select = json::Select::parse_drive(ctx.query.odata("select"))?;
            Ok(json_response(
                StatusCode::OK,
                select.apply(ctx.drive.json(&ctx.state)),
            ))
        }
        Target::SharedWithMe(d) => {
            (ctx.drive, ctx.access) = crate::drives::resolve(&ctx.state, &d)?;
            if !is_get(m) {
                return Err(method_not_allowed(m, "GET"));
            }
            if !ctx.drive.is_own() {
                // Only the signed-in user's own drive lists what is shared with them.
                return Err(sharing::access_denied());
            }
            sharing::shared_with_me(&ctx)
        }
        Target::Recent(d) => {
            (ctx.drive, ctx.access) = crate::drives::resolve(&ctx.state, &d)?;
            if !is_get(m) {
                return Err(method_not_allowed(m, "GET"));
            }
            visible_root(&ctx)?;
            listing::recent(&ctx)
        }
        Target::DriveSearch(d, q) => {
            (ctx.drive, ctx.access) = crate::drives::resolve(&ctx.state, &d)?;
            if !is_get(m) {
                return Err(method_not_allowed(m, "GET"));
            }
            let root = visible_root(&ctx)?;
            listing::search(&ctx, &root.id, &q)
        }
        Target::Share(_) | Target::SharePermission(_) if !is_get(m) => {
            Err(method_not_allowed(m, "GET"))
        }
        Target::Share(token) => {
            let share = shares::resolve(&ctx.state, &token, &ctx.headers)?;
            Ok(shares::shared_drive_item(&ctx.state, &share))
        }
        Target::SharePermission(token) => {
            let share = shares::resolve(&ctx.state, &token, &ctx.headers)?;
            Ok(shares::permission(&ctx.state, &share))
        }
        Target::Item {
            drive: address::DriveRef::Share(token),
            base,
            path,
            action,
        } => {
            let share = shares::resolve(&ctx.state, &token, &ctx.headers)?;
            ctx.drive = share.drive;
            ctx.access = share.access;
            ctx.share_root = Some(share.item.id);
            item_request(&ctx, base, path, action, body).await
        }
        Target::Item {
            drive,
            base,
            path,
            action,
        } => {
            (ctx.drive, ctx.access) = crate::drives::resolve(&ctx.state, &drive)?;
            item_request(&ctx, base, path, action, body).await
        }
    }
}

/// The drive's root, when the user may see it (404 in another user's drive unless its
/// root itself was shared).
fn visible_root(ctx: &Ctx) -> GraphResult<Item> {
    let store = ctx.drive.store();
    let root = store.get(&store.root_id())?;
    ctx.access.check(store, &root, false)?;
    Ok(root)
}

/// Whether a request changes something (and so needs a `write` grant).
fn is_write(m: &Method, action: &Action) -> bool {
    match action {
        Action::None | Action::Children => !is_get(m),
        Action::Content => *m == Method::PUT,
        Action::CreateUploadSession | Action::CreateLink | Action::PermanentDelete => true,
        // A copy reads its source; the folder it writes into is checked by the copy
        // (it may be in another drive).
        Action::Copy | Action::Permissions | Action::Delta(_) | Action::Search(_) => false,
    }
}

/// The item a base names (special folders are provisioned unless `provision` is false).
fn base_item(ctx: &Ctx, base: &ItemBase, provision: bool) -> GraphResult<Item> {
    let store = ctx.drive.store();
    if let Some(root) = &ctx.share_root {
        // Through a sharing link: the shared item and its subtree only.
        return match base {
            ItemBase::Root => store.get(root),
            ItemBase::Id(id) => match store.get(id) {
                Ok(it) if shares::within(store, root, &it) => Ok(it),
                _ => Err(shares::outside()),
            },
            ItemBase::Special(_) => Err(shares::outside()),
        };
    }
    if matches!(ctx.access, Access::Shared(_)) && matches!(base, ItemBase::Special(_)) {
        // Another user's special folders are theirs: never provisioned, never shown.
        return Err(sharing::not_visible());
    }
    match base {
        ItemBase::Root => store.get(&store.root_id()),
        ItemBase::Id(id) => store.get(id),
        ItemBase::Special(name) => {
            if provision {
                store.special(name)
            } else {
                store.find_special(name).ok_or_else(|| {
                    GraphError::not_found("The special folder has not been created yet.")
                })
            }
        }
    }
}

/// Resolves the target of an upload: `items/{id}/content` → the existing item;
/// `{base}:/a/b/name:/content` → parent `a/b` (created if missing, as the service does
/// for PUT by path) and `name`.
fn upload_target(ctx: &Ctx, base: &Item, path: Option<&[String]>) -> GraphResult<UploadTarget> {
    let store = ctx.drive.store();
    let Some((name, dirs)) = path.and_then(<[String]>::split_last) else {
        return Ok(UploadTarget::Existing(base.id.clone()));
    };
    // A bad file name is refused before any missing parent folder is made.
    crate::store::names::validate_item_name(name, false)?;
    // Nothing is put through a shortcut by path (404, as reading through one): checked
    // on the folders that exist before any missing one is made.
    let mut cur = base.id.clone();
    for d in dirs {
        match store.child_by_name(&cur, d) {
            Ok(Some(it)) => {
                if ctx.drive.is_own() && ctx.state.drives.sharing.is_shortcut(&it.id) {
                    return Err(sharing::not_visible());
                }
                cur = it.id;
            }
            _ => break,
        }
    }
    let parent = if dirs.is_empty() {
        base.id.clone()
    } else {
        store.ensure_folders(&base.id, dirs)?.id
    };
    Ok(UploadTarget::New {
        parent,
        name: name.clone(),
    })
}

async fn item_request(
    ctx: &Ctx,
    base: ItemBase,
    path: Option<Vec<String>>,
    action: Action,
    body: Body,
) -> GraphResult<Response> {
    let m = ctx.method.clone();
    let store = ctx.drive.store();
    // HEAD never provisions a special folder.
    let base_item = base_item(ctx, &base, m != Method::HEAD)?;
    let write = is_write(&m, &action);
    // Another user's drive: only what was shared (404 otherwise); writes need `write`.
    ctx.access.check(store, &base_item, write)?;
    let shortcuts = &ctx.state.drives.sharing;
    if ctx.drive.is_own()
        && shortcuts.is_shortcut(&base_item.id)
        && (path.as_ref().is_some_and(|p| !p.is_empty())
            || !matches!(action, Action::None | Action::PermanentDelete))
    {
        // A shortcut is only an item of its own: its folder lives in the sharer's drive
        // and is reached there (rclone `readMetaDataForPath`; onedrive-api-docs#976).
        return Err(sharing::not_visible());
    }
    // Uploads may name an item that does not exist yet.
    match action {
        Action::Content if m == Method::PUT => {
            let target = upload_target(ctx, &base_item, path.as_deref())?;
            if let UploadTarget::Existing(id) = &target {
                query::check_preconditions(&ctx.headers, &store.get(id)?)?;
            }
            let conflict = ctx.query.conflict()?.unwrap_or(Conflict::Replace);
            return Ok(crate::transfer::simple_upload(
                &ctx.state,
                &ctx.drive,
                target,
                conflict,
                &ctx.headers,
                body,
            )
            .await);
        }
        Action::CreateUploadSession => {
            if m != Method::POST {
                return Err(method_not_allowed(&m, "POST"));
            }
            let target = upload_target(ctx, &base_item, path.as_deref())?;
            let bytes = query::read_small(body).await?;
            return Ok(crate::transfer::create_upload_session_in(
                &ctx.state,
                &ctx.drive,
                target,
                &ctx.headers,
                bytes,
            )
            .await);
        }
        _ => {}
    }
    // Without a path the item is the base, checked above already.
    let resolved = path.is_some();
    let item = match &path {
        Some(p) => store.resolve_segments(&base_item.id, p)?,
        None => base_item,
    };
    if ctx.drive.is_own() {
        // The user's own drive is theirs in full, shortcuts aside.
        if resolved
            && !matches!(action, Action::None | Action::PermanentDelete)
            && shortcuts.is_shortcut(&item.id)
        {
            return Err(sharing::not_visible());
        }
    } else if !matches!(ctx.access, Access::Full) {
        // The nearest grant decides (a folder inside may be shared with another role).
        if resolved {
            ctx.access.check(store, &item, write)?;
        }
        let changes_root = matches!(action, Action::None | Action::PermanentDelete)
            && (m == Method::PATCH || m == Method::DELETE || m == Method::POST);
        if changes_root && ctx.access.is_granted_root(&item) {
            // The shared item itself belongs to its owner: not renamed, moved or
            // deleted through the grant.
            return Err(sharing::access_denied());
        }
    }
    match action {
        Action::None => match m {
            Method::GET | Method::HEAD => items::get(ctx, &item),
            Method::PATCH => items::patch(ctx, &item, body).await,
            Method::DELETE => items::delete(ctx, &item),
            _ => Err(method_not_allowed(&m, "GET, HEAD, PATCH, DELETE")),
        },
        Action::Children => match m {
            Method::GET | Method::HEAD => listing::children(ctx, &item),
            Method::POST => items::create_folder(ctx, &item, body).await,
            _ => Err(method_not_allowed(&m, "GET, POST")),
        },
        Action::Content => {
            if !is_get(&m) {
                return Err(method_not_allowed(&m, "GET, HEAD, PUT"));
            }
            Ok(
                crate::transfer::content_redirect(&ctx.state, &ctx.drive, &item.id, &ctx.headers)
                    .await,
            )
        }
        Action::Copy => {
            if m != Method::POST {
                return Err(method_not_allowed(&m, "POST"));
            }
            copy::start(ctx, &item, body).await
        }
        Action::CreateLink => {
            if m != Method::POST {
                return Err(method_not_allowed(&m, "POST"));
            }
            links::create(ctx, &item, body).await
        }
        Action::Permissions => {
            if !is_get(&m) {
                return Err(method_not_allowed(&m, "GET"));
            }
            links::list(ctx, &item)
        }
        Action::PermanentDelete => {
            if m != Method::POST {
                return Err(method_not_allowed(&m, "POST"));
            }
            items::permanent_delete(ctx, &item)
        }
        Action::Delta(token) => {
            if !is_get(&m) {
                return Err(method_not_allowed(&m, "GET"));
            }
            delta::delta(ctx, &item, token)
        }
        Action::Search(q) => {
            if !is_get(&m) {
                return Err(method_not_allowed(&m, "GET"));
            }
            listing::search(ctx, &item.id, &q)
        }
        Action::CreateUploadSession => Err(method_not_allowed(&m, "POST")),
    }
}
