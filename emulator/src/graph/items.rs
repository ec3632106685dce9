//! Single-item endpoints: GET, PATCH (rename / move / description / fileSystemInfo),
//! DELETE, and `POST children` (create folder).

use axum::body::Body;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value};

use super::address::DriveRef;
use super::json::{self, Select};
use super::query::{self, parse_conflict};
use super::{Ctx, json_response, listing};
use crate::drives::Drive;
use crate::error::{GraphError, GraphResult};
use crate::store::{Conflict, FsInfo, Item, ItemPatch, Store};

/// The item's JSON with `@odata.context`, `$select` and `$expand=children` applied.
pub fn render(ctx: &Ctx, item: &Item) -> GraphResult<Value> {
    let select = Select::parse_item(ctx.query.odata("select"))?;
    let mut v = json::item_json_in(&ctx.state, &ctx.drive, item);
    if let Some(expand) = ctx.query.odata("expand") {
        for e in expand.split(',').map(str::trim) {
            let name = e.split('(').next().unwrap_or("").trim();
            match name {
                "children" if item.is_folder() => {
                    // Graph: only the first page is expanded.
                    let kids = listing::first_children_page(ctx, &item.id)?;
                    if let Value::Object(o) = &mut v {
                        o.insert("children".into(), Value::Array(kids));
                    }
                }
                "children" | "thumbnails" | "permissions" | "versions" => {}
                other => {
                    return Err(GraphError::invalid_request(format!(
                        "Could not find a navigation property named '{other}' on driveItem."
                    ))
                    .inner("invalidQueryOption"));
                }
            }
        }
    }
    let mut v = select.apply(v);
    if let Value::Object(o) = &mut v {
        let mut with_ctx = Map::new();
        with_ctx.insert(
            "@odata.context".into(),
            Value::String(json::item_context(&ctx.state, &ctx.drive)),
        );
        with_ctx.extend(std::mem::take(o));
        *o = with_ctx;
    }
    Ok(v)
}

/// `GET {item}`: 304 when `If-None-Match` names the current eTag or cTag.
pub fn get(ctx: &Ctx, item: &Item) -> GraphResult<Response> {
    if query::not_modified(&ctx.headers, item) {
        return Ok(StatusCode::NOT_MODIFIED.into_response());
    }
    query::check_preconditions(&ctx.headers, item)?;
    Ok(json_response(StatusCode::OK, render(ctx, item)?))
}

/// Properties a PATCH may set (Graph's read-write driveItem properties on Personal).
const WRITABLE: &[&str] = &["name", "parentReference", "description", "fileSystemInfo"];

/// Read-only properties: present in a PATCH → 400 `propertyNotUpdateable`.
const READ_ONLY: &[&str] = &[
    "id",
    "size",
    "createdDateTime",
    "lastModifiedDateTime",
    "eTag",
    "cTag",
    "file",
    "folder",
    "root",
    "webUrl",
    "createdBy",
    "lastModifiedBy",
    "specialFolder",
    "deleted",
];

fn parse_time(v: &Value, field: &str) -> GraphResult<Option<jiff::Timestamp>> {
    match v {
        Value::Null => Ok(None),
        Value::String(s) => s.parse::<jiff::Timestamp>().map(Some).map_err(|_| {
            GraphError::invalid_request(format!("Invalid date/time value for '{field}'."))
        }),
        _ => Err(GraphError::invalid_request(format!(
            "'{field}' must be a date/time string."
        ))),
    }
}

/// Reads `fileSystemInfo` from a request body.
pub fn parse_fs_info(v: Option<&Value>) -> GraphResult<FsInfo> {
    let Some(v) = v else {
        return Ok(FsInfo::default());
    };
    let Some(o) = v.as_object() else {
        return Err(GraphError::invalid_request(
            "fileSystemInfo must be an object.",
        ));
    };
    let mut fs = FsInfo::default();
    for (k, val) in o {
        match k.as_str() {
            "createdDateTime" => fs.created = parse_time(val, k)?,
            "lastModifiedDateTime" => fs.modified = parse_time(val, k)?,
            "lastAccessedDateTime" | "@odata.type" => {}
            other => {
                return Err(GraphError::invalid_request(format!(
                    "Property '{other}' does not exist on fileSystemInfo."
                )));
            }
        }
    }
    Ok(fs)
}

fn as_object(v: Value) -> GraphResult<Map<String, Value>> {
    match v {
        Value::Object(o) => Ok(o),
        _ => Err(GraphError::invalid_request(
            "The request body must be a JSON object.",
        )),
    }
}

fn string_field(o: &Map<String, Value>, k: &str) -> GraphResult<Option<String>> {
    match o.get(k) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(_) => Err(GraphError::invalid_request(format!(
            "'{k}' must be a string."
        ))),
    }
}

/// Resolves a `parentReference` (`id`, or `path` like `/drive/root:/a/b`; `driveId`
/// must be this drive: PATCH cannot move between drives). `None` when it names no item.
/// The folder must be one the user may write into (another user's drive: under a
/// `write` grant; 404 when they cannot see it, 403 under a `read` grant), and never a
/// shortcut (404: its folder is in another drive).
pub fn resolve_parent_ref(ctx: &Ctx, v: &Value) -> GraphResult<Option<Item>> {
    Ok(resolve_destination(ctx, v, false)?.map(|d| d.item))
}

/// The folder a `parentReference` names, in the drive it names.
pub struct Destination {
    pub drive: Drive,
    pub item: Item,
}

/// Resolves a `parentReference` that may name another drive (`driveId`, or a path
/// `/drives/{id}/root:/...`) when `other_drives` is set (copy); otherwise another drive
/// is 400 (move). An unknown drive, or another user's drive that shares nothing with
/// the user, is 404 as any unreachable item. `None` when it names no item in the
/// request's own drive (a copy then lands beside its source); naming another drive
/// without a folder is 400. The folder must be writable by the user and not a shortcut
/// (see [`resolve_parent_ref`]).
pub fn resolve_destination(
    ctx: &Ctx,
    v: &Value,
    other_drives: bool,
) -> GraphResult<Option<Destination>> {
    let Some(o) = v.as_object() else {
        return Err(GraphError::invalid_request(
            "parentReference must be an object.",
        ));
    };
    let path = string_field(o, "path")?;
    let named = match string_field(o, "driveId")? {
        Some(d) => Some(d),
        None => path.as_deref().and_then(|p| {
            p.strip_prefix("/drives/")
                .and_then(|r| r.split_once("/root:"))
                .map(|(d, _)| percent_decode(d))
        }),
    };
    let (drive, access) = match named {
        Some(d) if !same_drive(&d, &ctx.drive.id()) => {
            if !other_drives {
                return Err(GraphError::invalid_request(
                    "Items cannot be moved or copied between drives with this request.",
                ));
            }
            crate::drives::resolve(&ctx.state, &DriveRef::Id(d))?
        }
        _ => (ctx.drive.clone(), ctx.access.clone()),
    };
    let other = drive.id() != ctx.drive.id();
    let store = drive.store();
    let found = if let Some(id) = string_field(o, "id")? {
        // Graph: moving into the root needs the root's real id; the alias is refused.
        if id.eq_ignore_ascii_case("root") {
            return Err(GraphError::invalid_request(
                "'root' is not a valid item id in parentReference; use the root's id.",
            ));
        }
        Some(store.get(&id)?)
    } else if let Some(path) = path {
        let prefix = drive.path_prefix();
        let rel = path
            .strip_prefix(prefix.as_str())
            .or_else(|| path.strip_prefix("/drive/root:"))
            .or_else(|| {
                path.strip_prefix("/drives/")
                    .and_then(|r| r.split_once("/root:").map(|(_, p)| p))
            })
            .ok_or_else(|| GraphError::invalid_request(format!("Invalid path '{path}'.")))?;
        Some(store.resolve_path(&store.root_id(), rel)?)
    } else if other {
        return Err(GraphError::invalid_request(
            "parentReference must name the destination folder ('id' or 'path').",
        ));
    } else {
        None
    };
    let Some(item) = found else {
        return Ok(None);
    };
    access.check(store, &item, true)?;
    if drive.is_own() && ctx.state.drives.sharing.is_shortcut(&item.id) {
        return Err(crate::drives::sharing::not_visible());
    }
    Ok(Some(Destination { drive, item }))
}

/// Whether the drive id `named` (as a client sends it: any case, maybe without the
/// leading zeros of a Personal id) is `ours`.
fn same_drive(named: &str, ours: &str) -> bool {
    named == ours || format!("{named:0>16}").eq_ignore_ascii_case(ours)
}

/// A drive id taken from a `parentReference.path` (percent-encoded there, maybe).
fn percent_decode(s: &str) -> String {
    super::address::decode_segment(s).unwrap_or_else(|_| s.to_owned())
}

/// `PATCH {item}`: 200 with the updated item.
pub async fn patch(ctx: &Ctx, item: &Item, body: Body) -> GraphResult<Response> {
    let o = as_object(query::read_json(body).await?)?;
    // Just uploaded, with `--etag-settle-ms`: 412/409 for a while (onedrive-api-docs#800).
    ctx.state
        .transfer
        .settling
        .check_patch(&item.id, &ctx.headers)?;
    query::check_preconditions(&ctx.headers, item)?;
    let mut patch = ItemPatch::default();
    for k in o.keys() {
        if k.starts_with('@') || WRITABLE.contains(&k.as_str()) {
            continue;
        }
        if READ_ONLY.contains(&k.as_str()) {
            return Err(GraphError::invalid_request(format!(
                "Property '{k}' is read-only and cannot be set."
            ))
            .inner("propertyNotUpdateable"));
        }
        return Err(GraphError::invalid_request(format!(
            "Property '{k}' does not exist on type 'microsoft.graph.driveItem'."
        )));
    }
    patch.name = string_field(&o, "name")?;
    if let Some(n) = &patch.name
        && n.is_empty()
    {
        return Err(GraphError::invalid_request("The name cannot be empty.").inner("invalidPath"));
    }
    patch.description = match o.get("description") {
        None => None,
        Some(Value::Null) => Some(String::new()),
        Some(Value::String(s)) => Some(s.clone()),
        Some(_) => {
            return Err(GraphError::invalid_request(
                "'description' must be a string.",
            ));
        }
    };
    patch.fs = parse_fs_info(o.get("fileSystemInfo"))?;
    if let Some(p) = o.get("parentReference").filter(|p| !p.is_null())
        && let Some(parent) = resolve_parent_ref(ctx, p)?
    {
        patch.parent_id = Some(parent.id);
    }
    if patch.parent_id.is_some()
        && ctx.drive.is_own()
        && ctx.state.drives.sharing.is_shortcut(&item.id)
    {
        return Err(crate::drives::sharing::root_only());
    }
    let updated = ctx.drive.store().update(&item.id, patch)?;
    Ok(json_response(StatusCode::OK, render(ctx, &updated)?))
}

/// `DELETE {item}`: 204; the item goes to the recycle bin.
pub fn delete(ctx: &Ctx, item: &Item) -> GraphResult<Response> {
    remove(ctx, item, Store::delete)
}

/// `POST {item}/permanentDelete`: 204; the item is removed without going to the recycle
/// bin (Graph "driveItem: permanentDelete": "permanently removed and aren't sent to the
/// recycle bin").
pub fn permanent_delete(ctx: &Ctx, item: &Item) -> GraphResult<Response> {
    remove(ctx, item, Store::delete_permanently)
}

/// Removes `item` with `how` after its preconditions; 204.
fn remove(
    ctx: &Ctx,
    item: &Item,
    how: fn(&Store, &str) -> GraphResult<()>,
) -> GraphResult<Response> {
    query::check_preconditions(&ctx.headers, item)?;
    how(ctx.drive.store(), &item.id)?;
    if ctx.drive.is_own() {
        // A shortcut goes alone: the shared folder stays in its owner's drive.
        ctx.state.drives.sharing.forget_shortcut(&item.id);
    }
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// `POST {folder}/children` with `{"name", "folder": {}, "@microsoft.graph.conflictBehavior"}`.
/// 201 for a new folder; 200 for an existing one (only with `config.mkdir_existing_ok`).
pub async fn create_folder(ctx: &Ctx, parent: &Item, body: Body) -> GraphResult<Response> {
    let o = as_object(query::read_json(body).await?)?;
    if !parent.is_folder() {
        return Err(GraphError::invalid_request(
            "Children can only be created in a folder.",
        ));
    }
    if o.get("remoteItem").is_some_and(|r| !r.is_null()) {
        // "Add to My files": a shortcut to a shared folder (using-sharing-links).
        let conflict = match string_field(&o, "@microsoft.graph.conflictBehavior")? {
            Some(v) => parse_conflict(&v)?,
            None => ctx.query.conflict()?.unwrap_or(Conflict::Fail),
        };
        let (item, _) = crate::drives::sharing::create_shortcut(ctx, parent, &o, conflict)?;
        return Ok(json_response(StatusCode::CREATED, render(ctx, &item)?));
    }
    let Some(name) = string_field(&o, "name")? else {
        return Err(GraphError::invalid_request(
            "The property 'name' is required.",
        ));
    };
    if !o.contains_key("folder") {
        // Files are created by uploading content, not by POST children.
        return Err(GraphError::invalid_request(
            "A folder facet is required to create an item with POST children.",
        ));
    }
    // The body annotation (documented examples) or the query (documented rule); the
    // legacy `@name.conflictBehavior` is still accepted. Default: fail.
    let conflict = match string_field(&o, "@microsoft.graph.conflictBehavior")?
        .or(string_field(&o, "@name.conflictBehavior")?)
    {
        Some(v) => parse_conflict(&v)?,
        None => ctx.query.conflict()?.unwrap_or(Conflict::Fail),
    };
    let mut extra = FsInfo::default();
    if o.contains_key("fileSystemInfo") {
        extra = parse_fs_info(o.get("fileSystemInfo"))?;
    }
    let description = string_field(&o, "description")?;
    let store = ctx.drive.store();
    let (mut item, created) = store.create_folder(&parent.id, &name, conflict)?;
    if created && (extra.created.is_some() || extra.modified.is_some() || description.is_some()) {
        item = store.update(
            &item.id,
            ItemPatch {
                description,
                fs: extra,
                ..ItemPatch::default()
            },
        )?;
    }
    let status = if created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok(json_response(status, render(ctx, &item)?))
}
