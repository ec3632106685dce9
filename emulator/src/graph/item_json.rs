//! The driveItem wire shape, written straight into the response body.
//!
//! A listing page holds up to 1,000 items (Graph's `$top` maximum), and clients walk
//! drives of tens of thousands. Building a `serde_json::Value` per item cost dozens of
//! small allocations per item and made the emulator, not the client, the bottleneck of
//! listing benchmarks; serializing through serde then spent a quarter of a page's time
//! escaping strings that cannot need it (ids, tags, hashes, timestamps, URLs the
//! emulator made). Here an item is written field by field as JSON text from the store's
//! snapshot, skipping what `$select` leaves out: strings that come from clients (names,
//! descriptions, paths, MIME types, the owner's name) are escaped by serde_json, the
//! emulator's own are copied. What every item of a response shares (drive id, owner,
//! parent paths) is computed once per response by [`Render`].
//!
//! Fields follow the Graph driveItem resource (graph-api-notes §2). Keys are written in
//! byte order, as the `Value`-based rendering did (serde_json's map is sorted), so
//! single items and pages read the same as before.

use std::cell::RefCell;
use std::collections::HashMap;
use std::io::Write as _;

use jiff::Timestamp;
use serde_json::Value;

use super::json::{ItemStyle, Select};
use crate::drives::Drive;
use crate::state::AppState;
use crate::store::{DeletedItem, Item, ItemFields};

/// What the items of one response share: the `$select`, the style, the drive and
/// owner, and a memo of parent paths (`parentReference.path`), so that rendering a
/// page of 1,000 items walks each parent's ancestry once.
pub struct Render<'a> {
    state: &'a AppState,
    select: &'a Select,
    style: ItemStyle,
    drive: &'a Drive,
    drive_id: String,
    drive_type: &'static str,
    /// `createdBy`/`lastModifiedBy`: the drive owner (Personal; its id is the drive's
    /// cid in lowercase) or, in a library, the signed-in user.
    author_name: String,
    author_id: String,
    /// `parentReference.path` prefix: `/drive/root:` or `/drives/{id}/root:`.
    path_prefix: String,
    /// Business/SharePoint rules: no `cTag` on folders (graph-api-notes §2.1).
    library: bool,
    /// What every item's `webUrl` is before its id, and whether it can be copied into
    /// a JSON string as it is.
    web_url_prefix: String,
    web_url_plain: bool,
    /// The `remoteItem` facets of the shortcuts of the user's drive, by item id.
    remote: HashMap<String, String>,
    paths: RefCell<HashMap<String, Option<std::rc::Rc<str>>>>,
    /// Whether the download URLs' base (a configured URL) can be copied into JSON
    /// strings as it is.
    plain_urls: bool,
    /// Adds `searchResult: {}` to every item (search results).
    pub search_result: bool,
    /// Adds `fileSystemInfo.lastAccessedDateTime` (`/me/drive/recent`).
    pub last_accessed: bool,
}

impl<'a> Render<'a> {
    pub fn new(
        state: &'a AppState,
        drive: &'a Drive,
        select: &'a Select,
        style: ItemStyle,
    ) -> Self {
        let (author_name, author_id) = drive.author(state);
        let remote = if drive.is_own() {
            state.drives.sharing.remote_facets(state)
        } else {
            HashMap::new()
        };
        let web_url_prefix = drive.item_web_url_prefix();
        Self {
            state,
            select,
            style,
            drive_id: drive.id(),
            web_url_plain: plain(&web_url_prefix),
            web_url_prefix,
            drive_type: drive.drive_type(),
            author_name,
            author_id,
            path_prefix: drive.path_prefix(),
            library: drive.is_library(),
            remote,
            drive,
            paths: RefCell::new(HashMap::new()),
            plain_urls: plain(&state.transfer_url),
            search_result: false,
            last_accessed: false,
        }
    }

    /// A writable view of a live item (a snapshot, or a node read in place).
    pub fn item<'r, F: ItemFields + ?Sized>(&'r self, item: &'r F) -> ItemJson<'r, 'a, F> {
        ItemJson { r: self, item }
    }

    /// The JSON of `item` as a `Value` (for answers that callers decorate further).
    pub fn value(&self, item: &Item) -> Value {
        let mut out = Vec::with_capacity(1200);
        self.item(item).write_json(&mut out);
        // What we wrote is JSON by construction.
        serde_json::from_slice(&out).unwrap_or(Value::Null)
    }

    /// A serializable view of a deletion (`delta`).
    pub fn deleted<'r>(&'r self, item: &'r DeletedItem) -> DeletedJson<'r, 'a> {
        DeletedJson { r: self, item }
    }

    /// `/drive/root:{path}` of a folder, or `None` when it no longer exists (shared:
    /// most items of a page have the same few parents). `src` tells it when it reads
    /// the store in place (its lock is held: the store must not be asked again).
    fn parent_path(
        &self,
        parent: &str,
        src: &(impl ItemFields + ?Sized),
    ) -> Option<std::rc::Rc<str>> {
        if let Some(p) = self.paths.borrow().get(parent) {
            return p.clone();
        }
        let path = src
            .path_of(parent)
            .unwrap_or_else(|| self.drive.store().path_of(parent).ok());
        let p: Option<std::rc::Rc<str>> =
            path.map(|path| format!("{}{path}", self.path_prefix).into());
        self.paths.borrow_mut().insert(parent.to_owned(), p.clone());
        p
    }
}

/// Whether `s` can be written between quotes as it is (no quote, backslash or control
/// character).
fn plain(s: &str) -> bool {
    s.bytes().all(|b| b >= 0x20 && b != b'"' && b != b'\\')
}

/// A JSON string that may need escaping (text from clients).
fn text(out: &mut Vec<u8>, s: &str) {
    // Writing a `&str` into a Vec cannot fail.
    let _ = serde_json::to_writer(&mut *out, s);
}

/// A JSON string the emulator made (ids, tags, hashes): copied as it is.
fn own(out: &mut Vec<u8>, s: &str) {
    out.push(b'"');
    out.extend_from_slice(s.as_bytes());
    out.push(b'"');
}

/// A timestamp in Graph's form (ISO 8601 UTC with `Z`).
fn ts(out: &mut Vec<u8>, t: Timestamp) {
    let _ = write!(out, "\"{t}\"");
}

/// An object being written: keys in the order given, separated by commas.
struct Obj<'o> {
    out: &'o mut Vec<u8>,
    first: bool,
}

impl<'o> Obj<'o> {
    fn open(out: &'o mut Vec<u8>) -> Self {
        out.push(b'{');
        Self { out, first: true }
    }

    /// Starts the member `key` (a literal: never needs escaping); its value follows.
    fn key(&mut self, key: &str) -> &mut Vec<u8> {
        if !self.first {
            self.out.push(b',');
        }
        self.first = false;
        self.out.push(b'"');
        self.out.extend_from_slice(key.as_bytes());
        self.out.extend_from_slice(b"\":");
        self.out
    }

    fn close(self) {
        self.out.push(b'}');
    }
}

/// Something written as one JSON value.
pub trait WriteJson {
    fn write_json(&self, out: &mut Vec<u8>);
}

/// `{"user":{"displayName","id"}}`.
fn identity_set(out: &mut Vec<u8>, name: &str, id: &str) {
    out.extend_from_slice(b"{\"user\":{\"displayName\":");
    text(out, name);
    out.extend_from_slice(b",\"id\":");
    own(out, id);
    out.extend_from_slice(b"}}");
}

/// `parentReference`: `{driveId, driveType, id?, path?}`.
fn parent_ref(
    out: &mut Vec<u8>,
    (drive_id, drive_type): (&str, &str),
    id: Option<&str>,
    path: Option<&str>,
) {
    let mut o = Obj::open(out);
    own(o.key("driveId"), drive_id);
    own(o.key("driveType"), drive_type);
    if let Some(id) = id {
        own(o.key("id"), id);
    }
    if let Some(p) = path {
        text(o.key("path"), p);
    }
    o.close();
}

/// A live driveItem; see [`Render::item`].
pub struct ItemJson<'r, 'a, F: ItemFields + ?Sized = Item> {
    r: &'r Render<'a>,
    item: &'r F,
}

impl<F: ItemFields + ?Sized> WriteJson for ItemJson<'_, '_, F> {
    fn write_json(&self, out: &mut Vec<u8>) {
        let (r, it) = (self.r, self.item);
        let want = |k: &str| r.select.wants(k);
        let name = &r.author_name;
        let remote = r.remote.get(it.id());
        let mut o = Obj::open(out);
        if it.file().is_some() {
            let alias = r.select.names("@content.downloadUrl");
            if alias || want("@microsoft.graph.downloadUrl") {
                let url = crate::transfer::download_url_in(r.state, r.drive, it.id());
                let write = |out: &mut Vec<u8>| {
                    if r.plain_urls {
                        own(out, &url);
                    } else {
                        text(out, &url);
                    }
                };
                if alias {
                    write(o.key("@content.downloadUrl"));
                }
                if want("@microsoft.graph.downloadUrl") {
                    write(o.key("@microsoft.graph.downloadUrl"));
                }
            }
        }
        if want("cTag") && !(r.library && it.file().is_none()) {
            own(o.key("cTag"), &it.ctag());
        }
        if want("createdBy") {
            identity_set(o.key("createdBy"), name, &r.author_id);
        }
        if want("createdDateTime") {
            ts(o.key("createdDateTime"), it.created());
        }
        if want("description")
            && let Some(d) = it.description()
        {
            text(o.key("description"), d);
        }
        if want("eTag") {
            own(o.key("eTag"), &it.etag());
        }
        if let Some((mime, qxh, sha1)) = it.file()
            && want("file")
        {
            // `{"hashes":{"quickXorHash","sha1Hash"?},"mimeType"}` (`sha1Hash` only in
            // legacy-Personal mode); `"hashes":{}` for a file whose hashes were blanked,
            // or an empty one with `--no-hashes-for-empty-files`
            // (OneDrive/onedrive-api-docs#1704).
            let blank =
                it.hashes_blank() || (r.state.config.no_hashes_for_empty_files && it.size() == 0);
            let out = o.key("file");
            out.extend_from_slice(b"{\"hashes\":{");
            if !blank {
                out.extend_from_slice(b"\"quickXorHash\":");
                own(out, qxh);
                if r.state.config.legacy_sha1
                    && let Some(sha1) = sha1
                {
                    out.extend_from_slice(b",\"sha1Hash\":");
                    own(out, sha1);
                }
            }
            out.extend_from_slice(b"},\"mimeType\":");
            text(out, mime);
            out.push(b'}');
        }
        if want("fileSystemInfo") {
            let out = o.key("fileSystemInfo");
            out.extend_from_slice(b"{\"createdDateTime\":");
            ts(out, it.fs_created());
            if r.last_accessed {
                out.extend_from_slice(b",\"lastAccessedDateTime\":");
                ts(out, it.modified());
            }
            out.extend_from_slice(b",\"lastModifiedDateTime\":");
            ts(out, it.fs_modified());
            out.push(b'}');
        }
        if let Some(child_count) = it.child_count()
            && want("folder")
            && remote.is_none()
        {
            let _ = write!(
                o.key("folder"),
                "{{\"childCount\":{},\"view\":{{\"sortBy\":\"name\",\"sortOrder\":\"ascending\",\"viewType\":\"thumbnails\"}}}}",
                child_count
            );
        }
        own(o.key("id"), it.id());
        if want("lastModifiedBy") {
            identity_set(o.key("lastModifiedBy"), name, &r.author_id);
        }
        if want("lastModifiedDateTime") {
            ts(o.key("lastModifiedDateTime"), it.modified());
        }
        if want("name") {
            text(o.key("name"), it.name());
        }
        if want("parentReference") {
            match it.parent_id() {
                Some(parent) => {
                    let path = if r.style.with_path {
                        r.parent_path(parent, it)
                    } else {
                        None
                    };
                    parent_ref(
                        o.key("parentReference"),
                        (&r.drive_id, r.drive_type),
                        Some(parent),
                        path.as_deref(),
                    );
                }
                // Graph (observed on Personal and Business): the root carries a
                // parentReference naming only its drive, `{"driveId","driveType"}`, no
                // id or path. Clients read the drive id from it (abraunegg's onedrive
                // fails without it).
                None => parent_ref(
                    o.key("parentReference"),
                    (&r.drive_id, r.drive_type),
                    None,
                    None,
                ),
            }
        }
        if let Some(facet) = remote
            && want("remoteItem")
        {
            // A shortcut ("Add to My files"): the shared folder it stands for.
            o.key("remoteItem").extend_from_slice(facet.as_bytes());
        }
        if it.parent_id().is_none() && want("root") {
            o.key("root").extend_from_slice(b"{}");
        }
        if r.search_result && want("searchResult") {
            o.key("searchResult").extend_from_slice(b"{}");
        }
        if want("size") {
            let _ = write!(o.key("size"), "{}", it.size());
        }
        if want("specialFolder")
            && let Some(sf) = it.special_folder()
        {
            let out = o.key("specialFolder");
            out.extend_from_slice(b"{\"name\":");
            text(out, sf);
            out.push(b'}');
        }
        if want("webUrl") {
            let out = o.key("webUrl");
            if r.web_url_plain && plain(it.id()) {
                out.push(b'"');
                out.extend_from_slice(r.web_url_prefix.as_bytes());
                out.extend_from_slice(it.id().as_bytes());
                out.push(b'"');
            } else {
                text(out, &format!("{}{}", r.web_url_prefix, it.id()));
            }
        }
        o.close();
    }
}

/// A deleted item in `delta`; see [`Render::deleted`]. Personal omits `cTag` and
/// `size` on delete; the `deleted` facet stays whatever `$select` asked for, so a
/// deletion is always recognisable.
pub struct DeletedJson<'r, 'a> {
    r: &'r Render<'a>,
    item: &'r DeletedItem,
}

impl WriteJson for DeletedJson<'_, '_> {
    fn write_json(&self, out: &mut Vec<u8>) {
        let (r, d) = (self.r, self.item);
        let want = |k: &str| r.select.wants(k);
        let mut o = Obj::open(out);
        o.key("deleted")
            .extend_from_slice(b"{\"state\":\"deleted\"}");
        if !d.is_folder && want("file") {
            o.key("file").extend_from_slice(b"{}");
        }
        if d.is_folder && want("folder") {
            o.key("folder").extend_from_slice(b"{\"childCount\":0}");
        }
        own(o.key("id"), &d.id);
        if want("name") {
            text(o.key("name"), &d.name);
        }
        if want("parentReference")
            && let Some(p) = &d.parent_id
        {
            parent_ref(
                o.key("parentReference"),
                (&r.drive_id, r.drive_type),
                Some(p),
                None,
            );
        }
        o.close();
    }
}

/// A collection response: `{"@odata.context","@odata.deltaLink"?,"@odata.nextLink"?,
/// "value":[...]}` (Graph's paging annotations, graph-api-notes §4.1/§4.2).
pub struct Page<T> {
    pub context: String,
    pub next_link: Option<String>,
    pub delta_link: Option<String>,
    pub value: Vec<T>,
    /// Items already written (JSON values separated by commas), used instead of
    /// `value` when present.
    pub written: Option<std::sync::Arc<Vec<u8>>>,
}

impl<T> Page<T> {
    /// A page with no items that leads on to `next_link` (`--empty-pages`: an empty
    /// page that still carries a nextLink, OneDrive/onedrive-api-docs#516).
    pub fn empty(context: String, next_link: String) -> Self {
        Self {
            context,
            next_link: Some(next_link),
            delta_link: None,
            value: Vec::new(),
            written: None,
        }
    }
}

impl<T: WriteJson> Page<T> {
    /// The page as a 200 response, written into a buffer sized for the page up front
    /// (about 1 KiB per item).
    pub fn into_response(self) -> axum::response::Response {
        let mut body = Vec::with_capacity(
            512 + 1200 * self.value.len() + self.written.as_ref().map_or(0, |w| w.len()),
        );
        let mut o = Obj::open(&mut body);
        text(o.key("@odata.context"), &self.context);
        if let Some(l) = &self.delta_link {
            text(o.key("@odata.deltaLink"), l);
        }
        if let Some(l) = &self.next_link {
            text(o.key("@odata.nextLink"), l);
        }
        let out = o.key("value");
        out.push(b'[');
        match &self.written {
            Some(w) => out.extend_from_slice(w),
            None => {
                for (i, v) in self.value.iter().enumerate() {
                    if i > 0 {
                        out.push(b',');
                    }
                    v.write_json(out);
                }
            }
        }
        out.push(b']');
        o.close();
        super::json_body_response(axum::http::StatusCode::OK, body)
    }
}

/// One delta entry as served: a live item or a deletion.
pub enum DeltaJson<'r, 'a> {
    Item(ItemJson<'r, 'a>),
    Deleted(DeletedJson<'r, 'a>),
}

impl WriteJson for DeltaJson<'_, '_> {
    fn write_json(&self, out: &mut Vec<u8>) {
        match self {
            Self::Item(i) => i.write_json(out),
            Self::Deleted(d) => d.write_json(out),
        }
    }
}

/// The driveItem JSON of `item`, every property (no `@odata.context`): for single-item
/// answers, which callers decorate further.
pub fn item_value(state: &AppState, drive: &Drive, item: &Item, style: ItemStyle) -> Value {
    let all = Select::all();
    Render::new(state, drive, &all, style).value(item)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strings_from_clients_are_escaped_and_ours_copied() {
        let mut out = Vec::new();
        let mut o = Obj::open(&mut out);
        text(o.key("name"), "a \"quoted\" \\ name\n\u{1}");
        own(o.key("id"), "ABC!1");
        ts(o.key("t"), Timestamp::from_second(0).unwrap());
        o.close();
        let v: Value = serde_json::from_slice(&out).unwrap();
        assert_eq!(v["name"], "a \"quoted\" \\ name\n\u{1}");
        assert_eq!(v["id"], "ABC!1");
        assert_eq!(v["t"], "1970-01-01T00:00:00Z");
        assert!(plain("https://graph.microsoft.com/_dl/"));
        assert!(!plain("http://x/\"") && !plain("a\\b") && !plain("a\tb"));
    }
}
