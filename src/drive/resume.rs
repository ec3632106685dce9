//! Where resumable transfer state is kept between runs: an upload session's URL, a
//! partial download's eTag. The drive layer only asks for a [`ResumeStore`]; the
//! `transfer` engine gives it one backed by the state folder beside the config file
//! (`config::StateDir`), so a killed `put`/`get` can continue where it stopped.

use serde::{Deserialize, Serialize};

/// A small keyed store of JSON records. Keys are free text (local paths, remote ids);
/// implementations hash them into file names. Failures to read are "no record";
/// failures to write are reported, because a session that cannot be recorded cannot be
/// resumed and the caller may want to say so.
pub trait ResumeStore: Send + Sync {
    /// The record saved under `key`, if any and readable.
    fn load(&self, key: &str) -> Option<serde_json::Value>;
    /// Saves `value` under `key`, atomically (a crash leaves the old or the new record).
    fn save(&self, key: &str, value: &serde_json::Value) -> std::io::Result<()>;
    /// Forgets `key` (finished or abandoned transfers leave nothing behind).
    fn clear(&self, key: &str);
}

/// An upload session recorded before its first fragment (abraunegg/onedrive keeps the
/// same facts), so that a re-run can ask the session for `nextExpectedRanges`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionRecord {
    /// The pre-authenticated upload URL (a credential: the store is mode 0600).
    pub upload_url: String,
    /// `expirationDateTime` as the service sent it.
    pub expiration: Option<String>,
    /// The local file's size and fingerprint ([`crate::drive::local::fingerprint`]);
    /// a different value means the file changed and the session must not be resumed.
    pub size: u64,
    pub fingerprint: String,
}

/// A partial download recorded before its first byte: the item and version whose bytes
/// the `.partial` file holds. A later run appends to it only if the item's eTag is
/// unchanged.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PartialRecord {
    pub item_id: String,
    pub e_tag: String,
    pub size: u64,
}

/// Loads and decodes a record, or `None`.
pub fn load<T: for<'de> Deserialize<'de>>(store: &dyn ResumeStore, key: &str) -> Option<T> {
    store.load(key).and_then(|v| serde_json::from_value(v).ok())
}

/// Encodes and saves a record.
pub fn save<T: Serialize>(store: &dyn ResumeStore, key: &str, rec: &T) -> std::io::Result<()> {
    let v = serde_json::to_value(rec).map_err(std::io::Error::other)?;
    store.save(key, &v)
}
