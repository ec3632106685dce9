//! The driveItem wire shape, serialized straight to the response body.
//!
//! A listing page holds up to 1,000 items (Graph's `$top` maximum), and clients walk
//! drives of tens of thousands. Building a `serde_json::Value` per item cost dozens of
//! small allocations per item and made the emulator, not the client, the bottleneck of
//! listing benchmarks. Here an item is written field by field through serde from the
//! store's snapshot, skipping what `$select` leaves out, and what every item of a
//! response shares (drive id, owner, parent paths) is computed once per response by
//! [`Render`].
//!
//! Fields follow the Graph driveItem resource (graph-api-notes §2). Keys are written in
//! byte order, as the `Value`-based rendering did (serde_json's map is sorted), so
//! single items and pages read the same as before.

use std::cell::RefCell;
use std::collections::HashMap;
use std::fmt;

use jiff::Timestamp;
use serde::ser::{Serialize, SerializeMap, Serializer};
use serde_json::Value;

use super::json::{DRIVE_TYPE, ItemStyle, Select};
use crate::state::AppState;
use crate::store::{DeletedItem, Item, ItemKind};

/// What the items of one response share: the `$select`, the style, the drive and
/// owner, and a memo of parent paths (`parentReference.path`), so that rendering a
/// page of 1,000 items walks each parent's ancestry once.
pub struct Render<'a> {
    state: &'a AppState,
    select: &'a Select,
    style: ItemStyle,
    drive_id: String,
    /// The owner's id: the drive's cid in lowercase (Personal).
    cid: String,
    paths: RefCell<HashMap<String, Option<String>>>,
    /// Adds `searchResult: {}` to every item (search results).
    pub search_result: bool,
    /// Adds `fileSystemInfo.lastAccessedDateTime` (`/me/drive/recent`).
    pub last_accessed: bool,
}

impl<'a> Render<'a> {
    pub fn new(state: &'a AppState, select: &'a Select, style: ItemStyle) -> Self {
        let drive_id = state.store.drive_id();
        let cid = drive_id.to_lowercase();
        Self {
            state,
            select,
            style,
            drive_id,
            cid,
            paths: RefCell::new(HashMap::new()),
            search_result: false,
            last_accessed: false,
        }
    }

    /// A serializable view of a live item.
    pub fn item<'r>(&'r self, item: &'r Item) -> ItemJson<'r, 'a> {
        ItemJson { r: self, item }
    }

    /// A serializable view of a deletion (`delta`).
    pub fn deleted<'r>(&'r self, item: &'r DeletedItem) -> DeletedJson<'r, 'a> {
        DeletedJson { r: self, item }
    }

    /// `/drive/root:{path}` of a folder, or `None` when it no longer exists.
    fn parent_path(&self, parent: &str) -> Option<String> {
        if let Some(p) = self.paths.borrow().get(parent) {
            return p.clone();
        }
        let p = self
            .state
            .store
            .path_of(parent)
            .ok()
            .map(|path| format!("/drive/root:{path}"));
        self.paths.borrow_mut().insert(parent.to_owned(), p.clone());
        p
    }
}

/// A timestamp in Graph's form (ISO 8601 UTC with `Z`), written without a temporary.
struct Ts(Timestamp);

impl Serialize for Ts {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(&self.0)
    }
}

/// `{"user":{"displayName","id"}}`.
struct IdentitySet<'a> {
    name: &'a str,
    id: &'a str,
}

impl Serialize for IdentitySet<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        struct User<'a>(&'a IdentitySet<'a>);
        impl Serialize for User<'_> {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                let mut m = s.serialize_map(Some(2))?;
                m.serialize_entry("displayName", self.0.name)?;
                m.serialize_entry("id", self.0.id)?;
                m.end()
            }
        }
        let mut m = s.serialize_map(Some(1))?;
        m.serialize_entry("user", &User(self))?;
        m.end()
    }
}

/// `parentReference`: `{driveId, driveType, id?, path?}`.
struct ParentRef<'a> {
    drive_id: &'a str,
    id: Option<&'a str>,
    path: Option<&'a str>,
}

impl Serialize for ParentRef<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(None)?;
        m.serialize_entry("driveId", self.drive_id)?;
        m.serialize_entry("driveType", DRIVE_TYPE)?;
        if let Some(id) = self.id {
            m.serialize_entry("id", id)?;
        }
        if let Some(p) = self.path {
            m.serialize_entry("path", p)?;
        }
        m.end()
    }
}

/// Serializes as `{}`.
struct Empty;

impl Serialize for Empty {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_map(Some(0))?.end()
    }
}

/// A live driveItem; see [`Render::item`].
pub struct ItemJson<'r, 'a> {
    r: &'r Render<'a>,
    item: &'r Item,
}

impl Serialize for ItemJson<'_, '_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let (r, it) = (self.r, self.item);
        let want = |k: &str| r.select.wants(k);
        let owner = IdentitySet {
            name: &r.state.config.user_display_name,
            id: &r.cid,
        };
        let mut m = s.serialize_map(None)?;
        if let ItemKind::File(_) = &it.kind {
            let alias = r.select.names("@content.downloadUrl");
            if alias || want("@microsoft.graph.downloadUrl") {
                let url = crate::transfer::download_url(r.state, &it.id);
                if alias {
                    m.serialize_entry("@content.downloadUrl", &url)?;
                }
                if want("@microsoft.graph.downloadUrl") {
                    m.serialize_entry("@microsoft.graph.downloadUrl", &url)?;
                }
            }
        }
        if want("cTag") {
            m.serialize_entry("cTag", &it.ctag)?;
        }
        if want("createdBy") {
            m.serialize_entry("createdBy", &owner)?;
        }
        if want("createdDateTime") {
            m.serialize_entry("createdDateTime", &Ts(it.created))?;
        }
        if want("description")
            && let Some(d) = &it.description
        {
            m.serialize_entry("description", d)?;
        }
        if want("eTag") {
            m.serialize_entry("eTag", &it.etag)?;
        }
        if let ItemKind::File(f) = &it.kind
            && want("file")
        {
            m.serialize_entry(
                "file",
                &FileFacet {
                    f,
                    sha1: r.state.config.legacy_sha1,
                },
            )?;
        }
        if want("fileSystemInfo") {
            m.serialize_entry(
                "fileSystemInfo",
                &FsInfoJson {
                    created: it.fs_created,
                    accessed: r.last_accessed.then_some(it.modified),
                    modified: it.fs_modified,
                },
            )?;
        }
        if let ItemKind::Folder = it.kind
            && want("folder")
        {
            m.serialize_entry("folder", &FolderFacet(it.child_count))?;
        }
        m.serialize_entry("id", &it.id)?;
        if want("lastModifiedBy") {
            m.serialize_entry("lastModifiedBy", &owner)?;
        }
        if want("lastModifiedDateTime") {
            m.serialize_entry("lastModifiedDateTime", &Ts(it.modified))?;
        }
        if want("name") {
            m.serialize_entry("name", &it.name)?;
        }
        if want("parentReference") {
            match &it.parent_id {
                Some(parent) => {
                    let path = if r.style.with_path {
                        r.parent_path(parent)
                    } else {
                        None
                    };
                    m.serialize_entry(
                        "parentReference",
                        &ParentRef {
                            drive_id: &r.drive_id,
                            id: Some(parent),
                            path: path.as_deref(),
                        },
                    )?;
                }
                // Graph (observed on Personal and Business): the root carries a
                // parentReference naming only its drive, `{"driveId","driveType"}`, no
                // id or path. Clients read the drive id from it (abraunegg's onedrive
                // fails without it).
                None => m.serialize_entry(
                    "parentReference",
                    &ParentRef {
                        drive_id: &r.drive_id,
                        id: None,
                        path: None,
                    },
                )?,
            }
        }
        if it.parent_id.is_none() && want("root") {
            m.serialize_entry("root", &Empty)?;
        }
        if r.search_result && want("searchResult") {
            m.serialize_entry("searchResult", &Empty)?;
        }
        if want("size") {
            m.serialize_entry("size", &it.size)?;
        }
        if want("specialFolder")
            && let Some(sf) = &it.special_folder
        {
            m.serialize_entry("specialFolder", &SpecialFolder(sf))?;
        }
        if want("webUrl") {
            m.serialize_entry(
                "webUrl",
                &format_args!("https://onedrive.live.com/?cid={}&id={}", r.cid, it.id),
            )?;
        }
        m.end()
    }
}

/// `file`: `{"hashes":{"quickXorHash","sha1Hash"?},"mimeType"}` (`sha1Hash` only in
/// legacy-Personal mode).
struct FileFacet<'a> {
    f: &'a crate::store::FileMeta,
    sha1: bool,
}

impl Serialize for FileFacet<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        struct Hashes<'a>(&'a FileFacet<'a>);
        impl Serialize for Hashes<'_> {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                let mut m = s.serialize_map(None)?;
                m.serialize_entry("quickXorHash", &self.0.f.quick_xor_hash)?;
                if self.0.sha1
                    && let Some(sha1) = &self.0.f.sha1_hash
                {
                    m.serialize_entry("sha1Hash", sha1)?;
                }
                m.end()
            }
        }
        let mut m = s.serialize_map(Some(2))?;
        m.serialize_entry("hashes", &Hashes(self))?;
        m.serialize_entry("mimeType", &self.f.mime_type)?;
        m.end()
    }
}

/// `folder`: `{"childCount","view":{"sortBy","sortOrder","viewType"}}`.
struct FolderFacet(u64);

impl Serialize for FolderFacet {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        struct View;
        impl Serialize for View {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                let mut m = s.serialize_map(Some(3))?;
                m.serialize_entry("sortBy", "name")?;
                m.serialize_entry("sortOrder", "ascending")?;
                m.serialize_entry("viewType", "thumbnails")?;
                m.end()
            }
        }
        let mut m = s.serialize_map(Some(2))?;
        m.serialize_entry("childCount", &self.0)?;
        m.serialize_entry("view", &View)?;
        m.end()
    }
}

/// `fileSystemInfo`: client times (and the last access for `recent`).
struct FsInfoJson {
    created: Timestamp,
    accessed: Option<Timestamp>,
    modified: Timestamp,
}

impl Serialize for FsInfoJson {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(None)?;
        m.serialize_entry("createdDateTime", &Ts(self.created))?;
        if let Some(a) = self.accessed {
            m.serialize_entry("lastAccessedDateTime", &Ts(a))?;
        }
        m.serialize_entry("lastModifiedDateTime", &Ts(self.modified))?;
        m.end()
    }
}

/// `specialFolder`: `{"name"}`.
struct SpecialFolder<'a>(&'a str);

impl Serialize for SpecialFolder<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(Some(1))?;
        m.serialize_entry("name", self.0)?;
        m.end()
    }
}

/// A deleted item in `delta`; see [`Render::deleted`]. Personal omits `cTag` and
/// `size` on delete; the `deleted` facet stays whatever `$select` asked for, so a
/// deletion is always recognisable.
pub struct DeletedJson<'r, 'a> {
    r: &'r Render<'a>,
    item: &'r DeletedItem,
}

impl Serialize for DeletedJson<'_, '_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        struct State;
        impl Serialize for State {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                let mut m = s.serialize_map(Some(1))?;
                m.serialize_entry("state", "deleted")?;
                m.end()
            }
        }
        struct ZeroChildren;
        impl Serialize for ZeroChildren {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                let mut m = s.serialize_map(Some(1))?;
                m.serialize_entry("childCount", &0)?;
                m.end()
            }
        }
        let (r, d) = (self.r, self.item);
        let want = |k: &str| r.select.wants(k);
        let mut m = s.serialize_map(None)?;
        m.serialize_entry("deleted", &State)?;
        if !d.is_folder && want("file") {
            m.serialize_entry("file", &Empty)?;
        }
        if d.is_folder && want("folder") {
            m.serialize_entry("folder", &ZeroChildren)?;
        }
        m.serialize_entry("id", &d.id)?;
        if want("name") {
            m.serialize_entry("name", &d.name)?;
        }
        if want("parentReference")
            && let Some(p) = &d.parent_id
        {
            m.serialize_entry(
                "parentReference",
                &ParentRef {
                    drive_id: &r.drive_id,
                    id: Some(p),
                    path: None,
                },
            )?;
        }
        m.end()
    }
}

/// A collection response: `{"@odata.context","@odata.deltaLink"?,"@odata.nextLink"?,
/// "value":[...]}` (Graph's paging annotations, graph-api-notes §4.1/§4.2).
pub struct Page<T> {
    pub context: String,
    pub next_link: Option<String>,
    pub delta_link: Option<String>,
    pub value: Vec<T>,
}

impl<T: Serialize> Serialize for Page<T> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(None)?;
        m.serialize_entry("@odata.context", &self.context)?;
        if let Some(l) = &self.delta_link {
            m.serialize_entry("@odata.deltaLink", l)?;
        }
        if let Some(l) = &self.next_link {
            m.serialize_entry("@odata.nextLink", l)?;
        }
        m.serialize_entry("value", &self.value)?;
        m.end()
    }
}

impl<T: Serialize> Page<T> {
    /// The page as a 200 response. The body is written into a buffer sized for the page
    /// up front (about 1 KiB per item), instead of one grown by doubling from 128 bytes.
    pub fn into_response(self) -> axum::response::Response {
        let mut body = Vec::with_capacity(512 + 1200 * self.value.len());
        match serde_json::to_writer(&mut body, &self) {
            Ok(()) => super::json_body_response(axum::http::StatusCode::OK, body),
            Err(e) => axum::response::IntoResponse::into_response(crate::error::GraphError::new(
                axum::http::StatusCode::INTERNAL_SERVER_ERROR,
                "generalException",
                e.to_string(),
            )),
        }
    }
}

/// One delta entry as served: a live item or a deletion.
pub enum DeltaJson<'r, 'a> {
    Item(ItemJson<'r, 'a>),
    Deleted(DeletedJson<'r, 'a>),
}

impl Serialize for DeltaJson<'_, '_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Self::Item(i) => i.serialize(s),
            Self::Deleted(d) => d.serialize(s),
        }
    }
}

/// The driveItem JSON of `item`, every property (no `@odata.context`): for single-item
/// answers, which callers decorate further.
pub fn item_value(state: &AppState, item: &Item, style: ItemStyle) -> Value {
    let all = Select::all();
    let r = Render::new(state, &all, style);
    // Serializing our own types to a Value cannot fail (string keys, no floats).
    serde_json::to_value(r.item(item)).unwrap_or(Value::Null)
}

impl fmt::Debug for Render<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Render")
            .field("select", self.select)
            .field("style", &self.style)
            .finish_non_exhaustive()
    }
}
