//! Wire shapes: driveItem, drive, user, and the OData `$select` projection.
//!
//! Fields follow the Graph resources (driveItem, itemReference, file/folder/hashes
//! facets, drive, quota, user): see graph-api-notes §2. The emulated drive is a Personal
//! one (`driveType: personal`), so `cTag` is present on folders and `sha1Hash` only in
//! legacy-Personal mode (`config.legacy_sha1`).

use jiff::Timestamp;
use serde_json::{Map, Value, json};

use crate::drives::Drive;
use crate::error::{GraphError, GraphResult};
use crate::state::AppState;
use crate::store::Item;

/// The user's own drive's `driveType` (other drives: [`Drive::drive_type`]).
pub const DRIVE_TYPE: &str = "personal";

/// Every driveItem property a `$select` may name (Graph answers 400 for others).
const ITEM_PROPERTIES: &[&str] = &[
    "id",
    "name",
    "size",
    "createdDateTime",
    "lastModifiedDateTime",
    "eTag",
    "cTag",
    "parentReference",
    "file",
    "folder",
    "root",
    "specialFolder",
    "fileSystemInfo",
    "webUrl",
    "createdBy",
    "lastModifiedBy",
    "description",
    "deleted",
    "remoteItem",
    "package",
    "shared",
    "image",
    "photo",
    "audio",
    "video",
    "location",
    "malware",
    "searchResult",
    "pendingOperations",
    "publication",
    "webDavUrl",
    "bundle",
    "sharepointIds",
    "children",
    "thumbnails",
    "permissions",
    "versions",
    "content",
    "@microsoft.graph.downloadUrl",
    // The OneDrive API's older name of the same annotation, still selected by clients.
    "@content.downloadUrl",
];

const DRIVE_PROPERTIES: &[&str] = &[
    "id",
    "driveType",
    "name",
    "description",
    "owner",
    "quota",
    "webUrl",
    "createdBy",
    "createdDateTime",
    "lastModifiedBy",
    "lastModifiedDateTime",
    "sharepointIds",
    "system",
    "root",
    "items",
    "special",
];

/// Graph's timestamp form: ISO 8601 UTC with `Z`.
pub fn ts(t: Timestamp) -> String {
    t.to_string()
}

/// The user id shown in identity sets and `/me` (Personal: the drive's cid, lowercase).
pub fn user_id(state: &AppState) -> String {
    state.store.drive_id().to_lowercase()
}

fn identity_set(state: &AppState) -> Value {
    json!({"user": {"displayName": state.config.user_display_name, "id": user_id(state)}})
}

/// The browser URL of the drive (OneDrive Personal's shape; not served by the emulator).
/// Items' `webUrl`s add `&id={item id}` (see [`super::item_json`]).
fn web_url(drive_id: &str) -> String {
    format!("https://onedrive.live.com/?cid={}", drive_id.to_lowercase())
}

/// `@odata.context` for a single driveItem of `drive`.
pub fn item_context(state: &AppState, drive: &Drive) -> String {
    format!(
        "{}/v1.0/$metadata#drives('{}')/items/$entity",
        state.public_url,
        drive.id()
    )
}

/// `@odata.context` for a collection of driveItems.
pub fn items_context(state: &AppState) -> String {
    format!("{}/v1.0/$metadata#Collection(driveItem)", state.public_url)
}

/// How an item is rendered. The delta doc says `parentReference.path` is omitted in
/// delta responses, but that holds for Business only: Personal's delta carries it
/// (observed, e.g. `"parentReference":{…,"id":"…!107","path":"/drive/root:"}` in
/// abraunegg/onedrive#337), and abraunegg's onedrive 2.4 discards changes below the
/// root without it. The emulated drive is Personal, so delta keeps the path.
#[derive(Clone, Copy, Debug, Default)]
pub struct ItemStyle {
    pub with_path: bool,
}

impl ItemStyle {
    pub const FULL: Self = Self { with_path: true };
    pub const DELTA: Self = Self { with_path: true };
}

/// The driveItem JSON of `item` of the user's own drive (no `@odata.context`): every
/// property, rendered by [`super::item_json`].
pub fn item_json(state: &AppState, item: &Item) -> Value {
    item_json_in(state, &Drive::Own(state.clone()), item)
}

/// The driveItem JSON of `item` of `drive` (no `@odata.context`): every property.
pub fn item_json_in(state: &AppState, drive: &Drive, item: &Item) -> Value {
    super::item_json::item_value(state, drive, item, ItemStyle::FULL)
}

/// `GET /me/drive`.
pub fn drive_json(state: &AppState) -> Value {
    let q = state.store.quota();
    let drive_id = state.store.drive_id();
    json!({
        "@odata.context": format!("{}/v1.0/$metadata#drives/$entity", state.public_url),
        "id": drive_id,
        "driveType": DRIVE_TYPE,
        "name": "OneDrive",
        "webUrl": web_url(&drive_id),
        "owner": identity_set(state),
        "quota": {
            "deleted": q.deleted,
            "remaining": q.remaining,
            "state": q.state,
            "total": q.total,
            "used": q.used,
            "storagePlanInformation": {"upgradeAvailable": false},
        },
    })
}

/// `GET /me`: the user resource's default property set (an MSA has few of them).
pub fn user_json(state: &AppState) -> Value {
    let display = &state.config.user_display_name;
    let mut parts = display.splitn(2, ' ');
    let given = parts.next().unwrap_or_default();
    let surname = parts.next();
    json!({
        "@odata.context": format!("{}/v1.0/$metadata#users/$entity", state.public_url),
        "businessPhones": [],
        "displayName": display,
        "givenName": given,
        "jobTitle": null,
        "mail": null,
        "mobilePhone": null,
        "officeLocation": null,
        "preferredLanguage": null,
        "surname": surname,
        "userPrincipalName": state.config.user_principal_name,
        "id": user_id(state),
    })
}

/// A parsed `$select`: the requested top-level properties.
#[derive(Clone, Debug, Default)]
pub struct Select(Option<Vec<String>>);

impl Select {
    pub fn all() -> Self {
        Self(None)
    }

    /// Parses `$select=a,b` for driveItems; unknown properties → 400.
    pub fn parse_item(raw: Option<&str>) -> GraphResult<Self> {
        Self::parse(raw, ITEM_PROPERTIES, "driveItem")
    }

    pub fn parse_drive(raw: Option<&str>) -> GraphResult<Self> {
        Self::parse(raw, DRIVE_PROPERTIES, "drive")
    }

    fn parse(raw: Option<&str>, known: &[&str], ty: &str) -> GraphResult<Self> {
        let Some(raw) = raw else {
            return Ok(Self(None));
        };
        let mut out = Vec::new();
        for p in raw.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            if !known.contains(&p) {
                return Err(GraphError::invalid_request(format!(
                    "Could not find a property named '{p}' on type 'microsoft.graph.{ty}'."
                ))
                .inner("invalidQueryOption"));
            }
            out.push(p.to_owned());
        }
        if out.is_empty() {
            return Ok(Self(None));
        }
        Ok(Self(Some(out)))
    }

    /// Whether property `key` is written: everything without `$select`; else what it
    /// names, plus `id` and OData annotations (`@odata.*`), which Graph always returns.
    pub fn wants(&self, key: &str) -> bool {
        match &self.0 {
            None => true,
            Some(keep) => {
                key == "id" || key.starts_with("@odata.") || keep.iter().any(|k| k == key)
            }
        }
    }

    /// Whether `$select` names `key` explicitly (for properties only returned when
    /// asked for, such as the `@content.downloadUrl` alias).
    pub fn names(&self, key: &str) -> bool {
        self.0
            .as_ref()
            .is_some_and(|keep| keep.iter().any(|k| k == key))
    }

    /// Keeps the selected members plus `id` and OData annotations (`@odata.*`).
    pub fn apply(&self, v: Value) -> Value {
        if self.0.is_none() {
            return v;
        }
        let Value::Object(mut map) = v else { return v };
        if self.names("@content.downloadUrl")
            && let Some(url) = map.get("@microsoft.graph.downloadUrl").cloned()
        {
            map.insert("@content.downloadUrl".into(), url);
        }
        let out: Map<String, Value> = map.into_iter().filter(|(k, _)| self.wants(k)).collect();
        Value::Object(out)
    }
}
