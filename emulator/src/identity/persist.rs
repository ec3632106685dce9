//! `--data-dir`: refresh and access tokens survive a restart, so a script's stored
//! refresh token keeps working against a persisted drive (as it would against the
//! service). Authorization and device codes live minutes and are not kept.
//!
//! File: `DIR/identity.json`, written to a temporary name and renamed into place after
//! every change to the refresh or access tokens. It holds only token hashes
//! ([`super::tokens::key`]), never usable tokens. An unreadable file is ignored (the
//! emulator starts with no tokens; clients sign in again).

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};

use super::scopes::Scopes;
use super::tokens::{AccessRecord, Grant, IdentityCounts, RefreshRecord, Tables, deadline};

const FORMAT_VERSION: u32 = 1;
pub const FILE_NAME: &str = "identity.json";

#[derive(Serialize, Deserialize)]
struct Saved {
    version: u32,
    counts: IdentityCounts,
    refresh: Vec<SavedRefresh>,
    access: Vec<SavedAccess>,
}

#[derive(Serialize, Deserialize)]
struct SavedRefresh {
    key: String,
    grant: Grant,
    used: bool,
}

#[derive(Serialize, Deserialize)]
struct SavedAccess {
    key: String,
    client_id: String,
    scopes: Scopes,
    /// Milliseconds since the Unix epoch.
    expires_ms: u64,
}

fn unix_ms(t: SystemTime) -> u64 {
    t.duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or(0)
}

pub fn path(dir: &Path) -> PathBuf {
    dir.join(FILE_NAME)
}

/// Writes the persistent part of `t`. Errors are returned for the caller to ignore
/// or report; the in-memory state stays authoritative.
pub fn save(file: &Path, t: &Tables) -> std::io::Result<()> {
    let now_i = Instant::now();
    let now_ms = unix_ms(SystemTime::now());
    let saved = Saved {
        version: FORMAT_VERSION,
        counts: t.counts,
        refresh: t
            .refresh
            .iter()
            .map(|(k, r)| SavedRefresh {
                key: k.clone(),
                grant: r.grant.clone(),
                used: r.used,
            })
            .collect(),
        access: t
            .access
            .iter()
            .map(|(k, a)| SavedAccess {
                key: k.clone(),
                client_id: a.client_id.clone(),
                scopes: a.scopes.clone(),
                expires_ms: now_ms.saturating_add(
                    u64::try_from(a.expires.saturating_duration_since(now_i).as_millis())
                        .unwrap_or(u64::MAX),
                ),
            })
            .collect(),
    };
    let json = serde_json::to_vec(&saved).map_err(std::io::Error::other)?;
    if let Some(dir) = file.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let tmp = file.with_extension("json.tmp");
    std::fs::write(&tmp, json)?;
    std::fs::rename(&tmp, file)
}

/// Reads a saved state; `None` when absent or unreadable.
pub fn load(file: &Path) -> Option<Tables> {
    let bytes = std::fs::read(file).ok()?;
    let saved: Saved = serde_json::from_slice(&bytes).ok()?;
    if saved.version != FORMAT_VERSION {
        return None;
    }
    let now_i = Instant::now();
    let now_ms = unix_ms(SystemTime::now());
    let mut t = Tables {
        counts: saved.counts,
        ..Tables::default()
    };
    for r in saved.refresh {
        t.refresh.insert(
            r.key,
            RefreshRecord {
                grant: r.grant,
                used: r.used,
            },
        );
    }
    for a in saved.access {
        let left = Duration::from_millis(a.expires_ms.saturating_sub(now_ms));
        t.access.insert(
            a.key,
            AccessRecord {
                client_id: a.client_id,
                scopes: a.scopes,
                expires: deadline(now_i, left),
            },
        );
    }
    Some(t)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_keeps_tokens_and_expiry() {
        let dir = std::env::temp_dir().join(format!(
            "onedrive-emulator-identity-{}",
            super::super::tokens::random_b64(8)
        ));
        let file = path(&dir);
        let mut t = Tables::default();
        let grant = Grant {
            client_id: "c".into(),
            tenant: "common".into(),
            scopes: Scopes::parse("Files.Read offline_access").unwrap(),
        };
        let live = t.issue(&grant, Duration::from_secs(600));
        let dead = t.issue(&grant, Duration::ZERO);
        save(&file, &t).unwrap();
        let raw = std::fs::read_to_string(&file).unwrap();
        assert!(!raw.contains(&live.access_token), "no usable token on disk");
        let back = load(&file).unwrap();
        let key = super::super::tokens::key;
        let now = Instant::now();
        assert!(back.access[&key(&live.access_token)].expires > now);
        assert!(back.access[&key(&dead.access_token)].expires <= now);
        assert!(
            back.refresh
                .contains_key(&key(live.refresh_token.as_deref().unwrap()))
        );
        assert_eq!(back.counts, t.counts);
        std::fs::write(&file, b"{not json").unwrap();
        assert!(load(&file).is_none());
        let _ = std::fs::remove_dir_all(&dir);
    }
}
