//! Graph wire types (serde), as the service sends them.
//!
//! Every struct keeps the fields it does not name in a flattened `extra` map, so that
//! serialising a value back (`-o`, `--json`) prints every field the service sent, and
//! new service fields need no code change. Field names follow Graph's camelCase.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// Unnamed fields of a wire object.
pub type Extra = Map<String, Value>;

/// A file or folder (`driveItem`). There is no "type" field: the facet present
/// (`file`, `folder`, `package`, `root`, `remoteItem`) tells what the item is.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DriveItem {
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Bytes; for a folder or the root, the size of the whole subtree.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub size: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub e_tag: Option<String>,
    /// Content tag; not returned for folders on Business.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub c_tag: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_date_time: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_modified_date_time: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub web_url: Option<String>,
    /// Absent on the root item.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parent_reference: Option<ItemReference>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub file: Option<FileFacet>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub folder: Option<FolderFacet>,
    /// `{}` on the drive root only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub root: Option<Value>,
    /// A file-like bundle (OneNote); has children but cannot be uploaded into.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub package: Option<Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub file_system_info: Option<FileSystemInfo>,
    /// An item stored in another drive (shared, recent).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub remote_item: Option<Box<DriveItem>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub special_folder: Option<SpecialFolder>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deleted: Option<Value>,
    /// Pre-authenticated, short-lived content URL: a credential, so it is read but
    /// never serialized. Results printed from an item (`info`, `ls -o`, `tree -o`,
    /// `--json`) and anything stored never carry it.
    #[serde(rename = "@microsoft.graph.downloadUrl", default, skip_serializing)]
    pub download_url: Option<String>,
    /// The OneDrive API's older name of the same URL (served when `$select`ed): read
    /// into its own field so that it is never serialized either (it would otherwise
    /// land in `extra` and be printed).
    #[serde(rename = "@content.downloadUrl", default, skip_serializing)]
    pub content_download_url: Option<String>,
    #[serde(flatten)]
    pub extra: Extra,
}

impl DriveItem {
    /// The name, or `""`.
    pub fn name(&self) -> &str {
        self.name.as_deref().unwrap_or("")
    }

    /// Has a `folder` facet (or is the root, or a package: things with children).
    pub fn is_folder(&self) -> bool {
        self.folder.is_some()
            || self.root.is_some()
            || self.package.is_some()
            || self
                .remote_item
                .as_ref()
                .is_some_and(|r| r.folder.is_some())
    }

    /// Has a `file` facet.
    pub fn is_file(&self) -> bool {
        self.file.is_some() || self.remote_item.as_ref().is_some_and(|r| r.file.is_some())
    }

    /// `lastModifiedDateTime` parsed.
    pub fn modified(&self) -> Option<jiff::Timestamp> {
        self.last_modified_date_time.as_deref()?.parse().ok()
    }

    /// `file.hashes.quickXorHash` (base64), the only hash guaranteed on every drive type.
    pub fn quick_xor_hash(&self) -> Option<&str> {
        self.file
            .as_ref()?
            .hashes
            .as_ref()?
            .quick_xor_hash
            .as_deref()
    }

    /// The whole item as JSON (every field the service sent).
    pub fn to_json(&self) -> Value {
        serde_json::to_value(self).unwrap_or(Value::Null)
    }
}

/// `itemReference` (`parentReference`).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ItemReference {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub drive_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub drive_type: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// API path such as `/drive/root:/Documents` (absent in delta responses); the
    /// readable part is after the first `:`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    #[serde(flatten)]
    pub extra: Extra,
}

impl ItemReference {
    /// The readable folder path of `path` (`/drive/root:/a/b` → `/a/b`, root → `/`),
    /// percent-decoded.
    pub fn readable_path(&self) -> Option<String> {
        let p = self.path.as_deref()?;
        let rest = p.split_once(':').map(|(_, r)| r).unwrap_or("");
        let decoded = percent_encoding::percent_decode_str(rest).decode_utf8_lossy();
        Some(if decoded.is_empty() {
            "/".to_owned()
        } else {
            decoded.into_owned()
        })
    }
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FileFacet {
    /// Decided by the server; may differ from the uploaded `Content-Type`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mime_type: Option<String>,
    /// May be missing right after an upload.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hashes: Option<Hashes>,
    #[serde(flatten)]
    pub extra: Extra,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Hashes {
    /// Base64.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub quick_xor_hash: Option<String>,
    /// Hex (case varies).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sha1_hash: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sha256_hash: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub crc32_hash: Option<String>,
    #[serde(flatten)]
    pub extra: Extra,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FolderFacet {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub child_count: Option<u64>,
    #[serde(flatten)]
    pub extra: Extra,
}

/// Client-side times (writable).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FileSystemInfo {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_date_time: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_modified_date_time: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_accessed_date_time: Option<String>,
    #[serde(flatten)]
    pub extra: Extra,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct SpecialFolder {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(flatten)]
    pub extra: Extra,
}

/// `identitySet`: `{"user":{…},"application":{…},"device":{…}}`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct IdentitySet {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user: Option<Identity>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub application: Option<Identity>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub device: Option<Identity>,
    #[serde(flatten)]
    pub extra: Extra,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Identity {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
    #[serde(flatten)]
    pub extra: Extra,
}

/// `drive` (`GET /me/drive`).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Drive {
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub id: String,
    /// `personal`, `business` or `documentLibrary`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub drive_type: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owner: Option<IdentitySet>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub quota: Option<Quota>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub web_url: Option<String>,
    #[serde(flatten)]
    pub extra: Extra,
}

/// A SharePoint site (`site`, learn.microsoft.com/graph/api/resources/site), as
/// `GET /sites?search=` lists it. Its document libraries are drives
/// (`GET /sites/{id}/drives`).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Site {
    /// `{hostname},{site collection guid},{web guid}` (resources/site, "id": "the
    /// unique identifier of the item", in that composite form).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub id: String,
    /// The site's URL name (`MarketingTeam`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// The title shown to people (`Marketing Team`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// The site in a browser.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub web_url: Option<String>,
    /// Every other field the service sent (printed back by `--json`).
    #[serde(flatten)]
    pub extra: Extra,
}

/// `quota` of a drive, in bytes.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Quota {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub total: Option<u64>,
    /// Personal: the unified quota across Microsoft services, so it can exceed the files.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub used: Option<u64>,
    /// Signed: may go negative when the quota is exceeded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub remaining: Option<i64>,
    /// Bytes in the recycle bin.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deleted: Option<u64>,
    /// `normal`, `nearing`, `critical`, `exceeded`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state: Option<String>,
    #[serde(flatten)]
    pub extra: Extra,
}

/// `user` (`GET /me`). MSAs may have nulls in the default property set.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct User {
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_principal_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mail: Option<String>,
    #[serde(flatten)]
    pub extra: Extra,
}

/// `permission` (the result of `createLink`).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Permission {
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub id: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub roles: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub link: Option<SharingLink>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub has_password: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub share_id: Option<String>,
    #[serde(flatten)]
    pub extra: Extra,
}

/// `sharingLink`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SharingLink {
    /// `view`, `edit` or `embed`.
    #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
    pub link_type: Option<String>,
    /// `anonymous`, `organization` or `users`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scope: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub web_url: Option<String>,
    /// iframe HTML (embed links only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub web_html: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub application: Option<Identity>,
    #[serde(flatten)]
    pub extra: Extra,
}

/// `uploadSession` (create, fragment 202 and status replies).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UploadSession {
    /// Pre-authenticated (a credential). Absent in fragment and status replies.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub upload_url: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expiration_date_time: Option<String>,
    /// Zero-based `"start-end"` or `"start-"`; may not list every gap.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub next_expected_ranges: Vec<String>,
    #[serde(flatten)]
    pub extra: Extra,
}

impl UploadSession {
    /// The start offset of the first expected range (`"26-"` → 26).
    pub fn next_expected_offset(&self) -> Option<u64> {
        let first = self.next_expected_ranges.first()?;
        first.split('-').next()?.trim().parse().ok()
    }
}

/// `asyncJobStatus`, the body of a copy monitor.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AsyncJobStatus {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub operation: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub percentage_complete: Option<f64>,
    /// The new item's id once `completed`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resource_id: Option<String>,
    /// `notStarted`, `inProgress`, `completed`, `failed`, `cancelled`, `waiting`, …
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status_description: Option<String>,
    /// Observed on failures (e.g. `AccessDenied_…`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error_code: Option<String>,
    #[serde(flatten)]
    pub extra: Extra,
}

impl AsyncJobStatus {
    pub fn is_completed(&self) -> bool {
        self.status
            .as_deref()
            .is_some_and(|s| s.eq_ignore_ascii_case("completed"))
    }

    pub fn is_failed(&self) -> bool {
        self.status.as_deref().is_some_and(|s| {
            s.eq_ignore_ascii_case("failed") || s.eq_ignore_ascii_case("cancelled")
        })
    }
}

/// An OData collection page: `{"value":[…],"@odata.nextLink":"…"}`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Collection<T> {
    #[serde(default = "Vec::new")]
    pub value: Vec<T>,
    /// Full URL of the next page, to be fetched verbatim (never re-encoded).
    #[serde(
        rename = "@odata.nextLink",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub next_link: Option<String>,
    #[serde(
        rename = "@odata.deltaLink",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub delta_link: Option<String>,
}

/// `@microsoft.graph.conflictBehavior`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ConflictBehavior {
    Fail,
    Replace,
    Rename,
}

impl ConflictBehavior {
    pub fn as_str(self) -> &'static str {
        match self {
            ConflictBehavior::Fail => "fail",
            ConflictBehavior::Replace => "replace",
            ConflictBehavior::Rename => "rename",
        }
    }
}

/// `createLink` `type`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LinkType {
    View,
    Edit,
    /// Personal only.
    Embed,
}

impl LinkType {
    pub fn as_str(self) -> &'static str {
        match self {
            LinkType::View => "view",
            LinkType::Edit => "edit",
            LinkType::Embed => "embed",
        }
    }
}

/// `createLink` `scope`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LinkScope {
    Anonymous,
    /// Business/SharePoint only.
    Organization,
    Users,
}

impl LinkScope {
    pub fn as_str(self) -> &'static str {
        match self {
            LinkScope::Anonymous => "anonymous",
            LinkScope::Organization => "organization",
            LinkScope::Users => "users",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn drive_item_round_trip_keeps_unknown_fields() {
        let src = r#"{"id":"ABC!103","name":"a b.txt","size":11,"eTag":"e1","cTag":"c1",
            "file":{"mimeType":"text/plain","hashes":{"quickXorHash":"aCgDG9jwBhDc4Q1yawMZAAAAAAA="},"processingMetadata":false},
            "parentReference":{"driveId":"ABC","id":"ABC!101","path":"/drive/root:/My%20Docs"},
            "fileSystemInfo":{"lastModifiedDateTime":"2016-09-20T14:34:00Z"},
            "@microsoft.graph.downloadUrl":"https://dl/x","@content.downloadUrl":"https://dl/x","shared":{"scope":"users"},
            "createdBy":{"user":{"displayName":"U"}}}"#;
        let item: DriveItem = serde_json::from_str(src).unwrap();
        assert_eq!(item.name(), "a b.txt");
        assert!(item.is_file() && !item.is_folder());
        assert_eq!(item.quick_xor_hash(), Some("aCgDG9jwBhDc4Q1yawMZAAAAAAA="));
        assert_eq!(
            item.parent_reference
                .as_ref()
                .unwrap()
                .readable_path()
                .as_deref(),
            Some("/My Docs")
        );
        assert!(item.extra.contains_key("shared"));
        let back = item.to_json();
        let mut orig: Value = serde_json::from_str(src).unwrap();
        // Everything comes back but the pre-authenticated URL, a credential.
        for k in ["@microsoft.graph.downloadUrl", "@content.downloadUrl"] {
            orig.as_object_mut().unwrap().remove(k);
        }
        assert_eq!(back, orig);
        assert_eq!(item.download_url.as_deref(), Some("https://dl/x"));
    }

    #[test]
    fn root_and_folder_facets() {
        let item: DriveItem = serde_json::from_str(
            r#"{"id":"r","name":"root","root":{},"folder":{"childCount":3},"size":5}"#,
        )
        .unwrap();
        assert!(item.is_folder());
        assert_eq!(item.folder.unwrap().child_count, Some(3));
        let r = ItemReference {
            path: Some("/drive/root:".into()),
            ..Default::default()
        };
        assert_eq!(r.readable_path().as_deref(), Some("/"));
    }

    #[test]
    fn collection_and_session() {
        let c: Collection<DriveItem> = serde_json::from_str(
            r#"{"value":[{"id":"1"}],"@odata.nextLink":"https://g/next?$skiptoken=x"}"#,
        )
        .unwrap();
        assert_eq!(c.value.len(), 1);
        assert_eq!(c.next_link.as_deref(), Some("https://g/next?$skiptoken=x"));
        let s: UploadSession = serde_json::from_str(
            r#"{"expirationDateTime":"2026-01-01T00:00:00Z","nextExpectedRanges":["26-","40-50"]}"#,
        )
        .unwrap();
        assert_eq!(s.next_expected_offset(), Some(26));
        let j: AsyncJobStatus = serde_json::from_str(
            r#"{"percentageComplete":100.0,"resourceId":"X","status":"completed"}"#,
        )
        .unwrap();
        assert!(j.is_completed() && !j.is_failed());
    }
}
