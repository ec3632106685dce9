//! The other drives: other users' OneDrive Personal drives and SharePoint document
//! libraries, each a full in-memory [`Store`] of its own.
//!
//! Ids follow graph-api-notes §2.5: another Personal drive has a 16-hex-digit id and
//! items `{DRIVEID}!{n}` (as the user's own drive); a document library has a Business
//! drive id (`b!` + 64 base64url characters) and item ids of 34 uppercase characters
//! starting `01`. Ids are drawn from `--seed` and a counter, so a run is repeatable.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};

use base64::Engine as _;
use jiff::Timestamp;
use rand::{Rng as _, SeedableRng as _};
use serde_json::{Value, json};

use crate::config::Config;
use crate::store::{IdStyle, Store};

/// `drive.driveType` of a drive of the registry.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DriveType {
    /// Another user's OneDrive Personal drive: reachable only through what that user
    /// shared with the signed-in user (see [`super::sharing`]).
    Personal,
    /// A SharePoint document library of a site (see [`super::sites`]); the signed-in
    /// user is a site member with read/write access.
    DocumentLibrary,
}

impl DriveType {
    /// The wire value (`personal`, `documentLibrary`).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Personal => "personal",
            Self::DocumentLibrary => "documentLibrary",
        }
    }
}

/// A drive that is not the signed-in user's own: its metadata and its items.
pub struct OtherDrive {
    pub id: String,
    pub drive_type: DriveType,
    /// `drive.name` (`OneDrive` for a Personal drive, the library's name).
    pub name: String,
    pub description: Option<String>,
    /// `owner.user` (Personal) or `owner.group` (library: the site) display name and id.
    pub owner_name: String,
    pub owner_id: String,
    pub web_url: String,
    pub created: Timestamp,
    /// The site a library belongs to.
    pub site_id: Option<String>,
    pub store: Store,
}

impl OtherDrive {
    /// `owner` of the drive and of what it shares: `user` (a Personal drive's owner) or
    /// `group` (a library's site).
    pub fn owner_json(&self) -> Value {
        let who = json!({"displayName": self.owner_name, "id": self.owner_id});
        match self.drive_type {
            DriveType::Personal => json!({ "user": who }),
            DriveType::DocumentLibrary => json!({ "group": who }),
        }
    }

    /// What the `webUrl` of an item is before its id: Personal's
    /// `https://onedrive.live.com/?cid=…&id=`, a library's `{library url}?id=`.
    pub fn item_web_url_prefix(&self) -> String {
        match self.drive_type {
            DriveType::Personal => format!("{}&id=", self.web_url),
            DriveType::DocumentLibrary => format!("{}?id=", self.web_url),
        }
    }
}

/// Every other drive, in creation order.
pub struct Registry {
    drives: RwLock<Vec<Arc<OtherDrive>>>,
    counter: AtomicU64,
    seed: u64,
}

/// Hex digits of a Personal drive id.
fn personal_id(rng: &mut rand_chacha::ChaCha8Rng) -> String {
    format!("{:016X}", rng.random::<u64>())
}

impl Registry {
    pub fn new(config: &Config) -> Self {
        Self {
            drives: RwLock::new(Vec::new()),
            counter: AtomicU64::new(1),
            seed: config.seed,
        }
    }

    fn rng(&self) -> rand_chacha::ChaCha8Rng {
        let n = self.counter.fetch_add(1, Ordering::Relaxed);
        rand_chacha::ChaCha8Rng::seed_from_u64(
            self.seed ^ 0x0D21_7E5E_ED00_0000_u64.wrapping_add(n.wrapping_mul(0x9E37_79B9)),
        )
    }

    fn push(&self, d: OtherDrive) -> Arc<OtherDrive> {
        let d = Arc::new(d);
        self.drives
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .push(d.clone());
        d
    }

    /// A new Personal drive owned by `owner` (its id differs from `own_id`, the user's).
    pub fn create_personal(&self, config: &Config, owner: &str, own_id: &str) -> Arc<OtherDrive> {
        let mut rng = self.rng();
        let mut id = personal_id(&mut rng);
        while id.eq_ignore_ascii_case(own_id) || self.find(&id).is_some() {
            id = personal_id(&mut rng);
        }
        let cid = id.to_lowercase();
        self.push(OtherDrive {
            store: Store::in_memory(id.clone(), IdStyle::Personal, config),
            web_url: format!("https://onedrive.live.com/?cid={cid}"),
            owner_id: cid,
            owner_name: owner.to_owned(),
            name: "OneDrive".into(),
            description: None,
            drive_type: DriveType::Personal,
            created: Timestamp::now(),
            site_id: None,
            id,
        })
    }

    /// A new document library `name` of the site (`site_id`, `site_name`, `web_url`).
    pub fn create_library(
        &self,
        config: &Config,
        site: &super::sites::Site,
        name: &str,
        description: Option<String>,
    ) -> Arc<OtherDrive> {
        let mut rng = self.rng();
        let mut raw = [0u8; 48];
        rng.fill(&mut raw[..]);
        let id = format!(
            "b!{}",
            base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(raw)
        );
        const B32: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
        let prefix: String = (0..8)
            .map(|_| B32[rng.random_range(0..32)] as char)
            .collect();
        self.push(OtherDrive {
            store: Store::in_memory(id.clone(), IdStyle::Business(prefix), config),
            web_url: format!("{}/{}", site.web_url, name.replace(' ', "%20")),
            owner_id: site.collection_guid.clone(),
            owner_name: site.display_name.clone(),
            name: name.to_owned(),
            description,
            drive_type: DriveType::DocumentLibrary,
            created: Timestamp::now(),
            site_id: Some(site.id.clone()),
            id,
        })
    }

    /// The drive `id`: Personal ids compared case-insensitively and left-padded to 16
    /// (graph-api-notes §2.5), library ids exactly.
    pub fn find(&self, id: &str) -> Option<Arc<OtherDrive>> {
        let padded = format!("{id:0>16}");
        self.drives
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .iter()
            .find(|d| match d.drive_type {
                DriveType::Personal => d.id.eq_ignore_ascii_case(&padded),
                DriveType::DocumentLibrary => d.id == id,
            })
            .cloned()
    }

    /// Every drive, in creation order.
    pub fn all(&self) -> Vec<Arc<OtherDrive>> {
        self.drives
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// Forgets every drive (admin reset).
    pub fn clear(&self) {
        self.drives
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .clear();
    }
}
