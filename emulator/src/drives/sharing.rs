//! Items another user shared with the signed-in user, `GET /me/drive/sharedWithMe`, and
//! shortcuts to shared folders ("Add to My files").
//!
//! - A grant (`POST /_emulator/share`) gives the user `read` or `write` on one item of
//!   another user's Personal drive and its subtree. Everything else in that drive
//!   answers 404 `itemNotFound`, as the service answers for an item the caller cannot
//!   see (OneDrive/onedrive-api-docs#908: the sharer's root path of a shared folder is
//!   `itemNotFound`; microsoftgraph/msgraph-sdk-dotnet#59). Writes under a `read` grant
//!   answer 403 `accessDenied`.
//! - `sharedWithMe` (learn.microsoft.com/en-us/graph/api/drive-sharedwithme) lists the
//!   granted items, newest grant first, each with the `remoteItem` facet. The API is
//!   deprecated ("will operate in a degraded state until November, 2026, after which it
//!   will stop returning data"); `--shared-with-me degraded` plays what public reports
//!   show since November 2025 (only one item, no nextLink:
//!   microsoftgraph/msgraph-sdk-design#120, microsoftgraph/msgraph-sdk-dotnet#3040) and
//!   `retired` an empty `value`.
//! - A shortcut ("Using remote items to access shared files and folders",
//!   learn.microsoft.com/en-us/onedrive/developer/rest-api/concepts/using-sharing-links)
//!   is an item of the user's drive, in its root only, that carries `remoteItem`. It is
//!   stored as an empty folder of the user's drive plus an entry here; the folder facet
//!   is not shown, and nothing can be reached or put through it by path (rclone's
//!   `readMetaDataForPath` comment: items in such a folder can only be addressed
//!   relative to the sharer's drive; OneDrive/onedrive-api-docs#976).

use std::collections::HashMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU8, Ordering};

use axum::http::StatusCode;
use axum::response::Response;
use jiff::Timestamp;
use serde_json::{Map, Value, json};

use super::registry::{DriveType, OtherDrive};
use crate::config::SharedWithMe;
use crate::error::{GraphError, GraphResult};
use crate::graph::Ctx;
use crate::state::AppState;
use crate::store::{Conflict, Item, ItemId, Store};

/// What a grant lets the user do.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Role {
    Read,
    Write,
}

impl Role {
    /// `read` or `write`.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "read" => Some(Self::Read),
            "write" => Some(Self::Write),
            _ => None,
        }
    }
}

/// One item of another user's drive shared with the signed-in user.
#[derive(Clone, Debug)]
pub struct Grant {
    pub drive_id: String,
    pub item_id: ItemId,
    pub role: Role,
    pub at: Timestamp,
}

/// A shortcut of the user's drive: the remote folder it stands for.
#[derive(Clone, Debug)]
pub struct Shortcut {
    pub drive_id: String,
    pub remote_id: ItemId,
}

/// Grants, shortcuts and the `sharedWithMe` mode.
pub struct Sharing {
    grants: Mutex<Vec<Grant>>,
    shortcuts: Mutex<HashMap<ItemId, Shortcut>>,
    mode: AtomicU8,
}

fn mode_code(m: SharedWithMe) -> u8 {
    match m {
        SharedWithMe::Full => 0,
        SharedWithMe::Degraded => 1,
        SharedWithMe::Retired => 2,
    }
}

/// 403 `accessDenied`: a write under a read grant.
pub fn access_denied() -> GraphError {
    GraphError::new(
        StatusCode::FORBIDDEN,
        "accessDenied",
        "Access denied. You do not have permission to perform this action or access this resource.",
    )
}

/// 404 `itemNotFound` for an item the caller cannot see.
pub fn not_visible() -> GraphError {
    GraphError::not_found("Item does not exist")
}

impl Sharing {
    pub fn new(mode: SharedWithMe) -> Self {
        Self {
            grants: Mutex::new(Vec::new()),
            shortcuts: Mutex::new(HashMap::new()),
            mode: AtomicU8::new(mode_code(mode)),
        }
    }

    /// The `sharedWithMe` mode now.
    pub fn mode(&self) -> SharedWithMe {
        match self.mode.load(Ordering::Relaxed) {
            1 => SharedWithMe::Degraded,
            2 => SharedWithMe::Retired,
            _ => SharedWithMe::Full,
        }
    }

    /// Changes the `sharedWithMe` mode (admin route).
    pub fn set_mode(&self, m: SharedWithMe) {
        self.mode.store(mode_code(m), Ordering::Relaxed);
    }

    /// Shares `item_id` of `drive_id` with the user; a second grant of the same item
    /// replaces the first (its role, and it becomes the newest).
    pub fn grant(&self, drive_id: &str, item_id: &str, role: Role) {
        let mut g = self.grants.lock().unwrap_or_else(|e| e.into_inner());
        g.retain(|x| !(x.drive_id == drive_id && x.item_id == item_id));
        g.push(Grant {
            drive_id: drive_id.to_owned(),
            item_id: item_id.to_owned(),
            role,
            at: Timestamp::now(),
        });
    }

    /// The grants in drive `drive_id`, oldest first.
    pub fn grants_for(&self, drive_id: &str) -> Vec<Grant> {
        self.grants
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .iter()
            .filter(|g| g.drive_id == drive_id)
            .cloned()
            .collect()
    }

    fn all_grants(&self) -> Vec<Grant> {
        self.grants
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// Whether the user's item `id` is a shortcut (asked on every request of the user's
    /// drive: nothing is cloned).
    pub fn is_shortcut(&self, id: &str) -> bool {
        self.shortcuts
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .contains_key(id)
    }

    /// Forgets the shortcut stored as `id` (it was deleted); nothing if it is none.
    pub fn forget_shortcut(&self, id: &str) {
        self.shortcuts
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(id);
    }

    /// Forgets every grant and shortcut (admin reset); the mode stays.
    pub fn clear(&self) {
        self.grants
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clear();
        self.shortcuts
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clear();
    }

    /// The `remoteItem` JSON of every shortcut, by the user's item id (for rendering the
    /// user's items). Empty, without touching other drives, when there are none.
    pub fn remote_facets(&self, state: &AppState) -> HashMap<ItemId, String> {
        let shortcuts = self
            .shortcuts
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone();
        let mut out = HashMap::new();
        for (local, s) in shortcuts {
            let found = state
                .drives
                .registry
                .find(&s.drive_id)
                .and_then(|d| Some((d.store.get(&s.remote_id).ok()?, d)));
            let v = match found {
                Some((it, d)) => remote_item_json(&d, &it),
                // The remote folder (or its drive) is gone: what is left is its reference.
                None => json!({"id": s.remote_id, "parentReference": {"driveId": s.drive_id}}),
            };
            out.insert(local, v.to_string());
        }
        out
    }
}

/// The user's role on `item` of `store` under `grants`: the nearest granted ancestor's
/// (the item itself included); `None` when no grant covers it.
pub fn role_in(store: &Store, grants: &[Grant], item: &Item) -> Option<Role> {
    let mut cur = item.clone();
    // Bounded: a tree has no cycles, but never loop forever on a broken one.
    for _ in 0..10_000 {
        if let Some(g) = grants.iter().rev().find(|g| g.item_id == cur.id) {
            return Some(g.role);
        }
        let parent = cur.parent_id.clone()?;
        cur = store.get(&parent).ok()?;
    }
    None
}

/// The `remoteItem` facet of `item` of the other drive `d`: `id`, `name`, `size`,
/// `file{mimeType}` or `folder{childCount}`, `parentReference{driveId, driveType, id}`,
/// `shared{owner{user}}`, `createdBy`, `createdDateTime`, `lastModifiedDateTime`,
/// `fileSystemInfo`, `webUrl` (drive-sharedwithme example).
pub fn remote_item_json(d: &OtherDrive, item: &Item) -> Value {
    let who = json!({"user": {"displayName": d.owner_name, "id": d.owner_id}});
    let mut parent = Map::new();
    parent.insert("driveId".into(), json!(d.id));
    parent.insert("driveType".into(), json!(d.drive_type.as_str()));
    if let Some(p) = &item.parent_id {
        parent.insert("id".into(), json!(p));
    }
    let mut v = json!({
        "id": item.id,
        "name": item.name,
        "size": item.size,
        "parentReference": parent,
        "shared": {"owner": d.owner_json()},
        "createdBy": who,
        "createdDateTime": crate::graph::json::ts(item.created),
        "lastModifiedDateTime": crate::graph::json::ts(item.modified),
        "fileSystemInfo": {
            "createdDateTime": crate::graph::json::ts(item.fs_created),
            "lastModifiedDateTime": crate::graph::json::ts(item.fs_modified),
        },
        "webUrl": format!("{}{}", d.item_web_url_prefix(), item.id),
    });
    if let Some(o) = v.as_object_mut() {
        match item.file() {
            Some(f) => {
                o.insert("file".into(), json!({"mimeType": f.mime_type}));
            }
            None => {
                o.insert("folder".into(), json!({"childCount": item.child_count}));
            }
        }
    }
    v
}

/// `GET /me/drive/sharedWithMe`: the granted items that still exist, newest grant first,
/// each a driveItem with `id`, `name`, `size`, `file`/`folder`, `createdDateTime`,
/// `lastModifiedDateTime`, `webUrl` and the `remoteItem` facet. Full mode pages with
/// `$top` (default 200) and `@odata.nextLink`; degraded: the newest only, no nextLink;
/// retired: an empty `value`.
pub fn shared_with_me(ctx: &Ctx) -> GraphResult<Response> {
    let state = &ctx.state;
    let mode = state.drives.sharing.mode();
    let mut found: Vec<Value> = Vec::new();
    if mode != SharedWithMe::Retired {
        for g in state.drives.sharing.all_grants().iter().rev() {
            let Some(d) = state.drives.registry.find(&g.drive_id) else {
                continue;
            };
            let Ok(item) = d.store.get(&g.item_id) else {
                continue;
            };
            let remote = remote_item_json(&d, &item);
            let mut v = Map::new();
            for k in [
                "id",
                "name",
                "size",
                "file",
                "folder",
                "createdDateTime",
                "lastModifiedDateTime",
                "webUrl",
            ] {
                if let Some(x) = remote.get(k) {
                    v.insert(k.into(), x.clone());
                }
            }
            v.insert("remoteItem".into(), remote);
            found.push(Value::Object(v));
            if mode == SharedWithMe::Degraded {
                break;
            }
        }
    }
    super::offset_page(
        ctx,
        &found,
        crate::graph::listing::DEFAULT_PAGE,
        crate::graph::json::items_context(state),
        Value::clone,
    )
}

/// The error the using-sharing-links page states for a shortcut outside the root.
pub(crate) fn root_only() -> GraphError {
    GraphError::invalid_request("A shared folder can only be added to the root of a user's drive.")
}

/// `POST {folder}/children` with a `remoteItem` (`{"name"?, "remoteItem": {"id",
/// "parentReference": {"driveId"}}, "@microsoft.graph.conflictBehavior"?}`): adds a
/// shortcut to a shared folder. Only on the user's own drive and in its root (400
/// otherwise); `id` and `driveId` are required (400); a remote item the user has no
/// grant on (or that does not exist) is 404 `itemNotFound`, as any item the user cannot
/// see; a file is 400 (only folders can be added). 201 with the new item (its
/// `remoteItem` facet included); a taken name follows the conflict behaviour (default
/// `fail`: 409).
pub fn create_shortcut(
    ctx: &Ctx,
    parent: &Item,
    body: &Map<String, Value>,
    conflict: Conflict,
) -> GraphResult<(Item, bool)> {
    if !ctx.drive.is_own() || !parent.is_root() {
        return Err(root_only());
    }
    let remote = body
        .get("remoteItem")
        .and_then(Value::as_object)
        .ok_or_else(|| GraphError::invalid_request("remoteItem must be an object."))?;
    let id = remote.get("id").and_then(Value::as_str);
    let drive_id = remote
        .get("parentReference")
        .and_then(|p| p.get("driveId"))
        .and_then(Value::as_str);
    let (Some(id), Some(drive_id)) = (id, drive_id) else {
        return Err(GraphError::invalid_request(
            "remoteItem.id and remoteItem.parentReference.driveId are required.",
        ));
    };
    let state = &ctx.state;
    let d = state
        .drives
        .registry
        .find(drive_id)
        .ok_or_else(not_visible)?;
    let item = d.store.get(id).map_err(|_| not_visible())?;
    let visible = match d.drive_type {
        DriveType::DocumentLibrary => true,
        DriveType::Personal => {
            role_in(&d.store, &state.drives.sharing.grants_for(&d.id), &item).is_some()
        }
    };
    if !visible {
        return Err(not_visible());
    }
    if !item.is_folder() {
        return Err(GraphError::invalid_request(
            "Only a shared folder can be added to a drive.",
        ));
    }
    let name = match body.get("name") {
        None | Some(Value::Null) => item.name.clone(),
        Some(Value::String(s)) => s.clone(),
        Some(_) => return Err(GraphError::invalid_request("'name' must be a string.")),
    };
    let store = ctx.drive.store();
    // A shortcut is never "the existing folder": a taken name fails unless renamed.
    let conflict = if conflict == Conflict::Replace {
        Conflict::Fail
    } else {
        conflict
    };
    if conflict == Conflict::Fail && store.child_by_name(&parent.id, &name)?.is_some() {
        return Err(GraphError::name_already_exists(
            "The specified item name already exists.",
        ));
    }
    let (local, created) = store.create_folder(&parent.id, &name, conflict)?;
    if !created {
        return Err(GraphError::name_already_exists(
            "The specified item name already exists.",
        ));
    }
    state
        .drives
        .sharing
        .shortcuts
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .insert(
            local.id.clone(),
            Shortcut {
                drive_id: d.id.clone(),
                remote_id: item.id.clone(),
            },
        );
    Ok((local, true))
}
