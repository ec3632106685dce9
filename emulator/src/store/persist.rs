//! `--data-dir`: the drive survives a restart.
//!
//! Layout: `DIR/drive.json` (the tree, the counters, the recycle bin and the change log)
//! and `DIR/blobs/{key}` (one file per content version). Every file is written to a
//! temporary name and renamed into place, and blobs are written before the tree that
//! references them, so a crash leaves the previous consistent state. Blob files no tree
//! references any more are removed after the tree is saved.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, RwLock};

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use super::tree::{Content, FileData, Node, Recycled, Tombstone, Tree};
use super::{Blob, DeletedItem, ItemId};

const FORMAT_VERSION: u32 = 1;

pub(crate) struct Persist {
    dir: PathBuf,
    /// Blob keys known to be on disk. Held during a whole save: one save at a time.
    written: Mutex<HashSet<u64>>,
}

#[derive(Serialize, Deserialize)]
struct SavedDrive {
    version: u32,
    drive_id: String,
    root_id: ItemId,
    next_id: u64,
    next_blob_key: u64,
    seq: u64,
    epoch: u64,
    quota_total: u64,
    deleted_bytes: u64,
    /// Parents before children.
    nodes: Vec<SavedNode>,
    recycle: Vec<SavedRecycled>,
    tombstones: Vec<SavedTombstone>,
}

#[derive(Serialize, Deserialize)]
struct SavedNode {
    id: ItemId,
    name: String,
    parent: Option<ItemId>,
    created: Timestamp,
    modified: Timestamp,
    fs_created: Timestamp,
    fs_modified: Timestamp,
    description: Option<String>,
    etag_seq: u64,
    ctag_seq: u64,
    changed_seq: u64,
    special: Option<String>,
    file: Option<SavedFile>,
}

#[derive(Serialize, Deserialize)]
struct SavedFile {
    blob_key: u64,
    mime_type: String,
    size: u64,
    quick_xor_hash: String,
    sha1_hash: Option<String>,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    hashes_blank: bool,
}

#[derive(Serialize, Deserialize)]
struct SavedRecycled {
    id: ItemId,
    name: String,
    bytes: u64,
    deleted_at: Timestamp,
}

#[derive(Serialize, Deserialize)]
struct SavedTombstone {
    seq: u64,
    id: ItemId,
    name: String,
    parent_id: Option<ItemId>,
    is_folder: bool,
    ancestors: Vec<ItemId>,
}

fn write_atomic(path: &Path, chunks: &[bytes::Bytes]) -> std::io::Result<()> {
    let tmp = path.with_extension("tmp");
    {
        let mut f = std::fs::File::create(&tmp)?;
        for c in chunks {
            f.write_all(c)?;
        }
        f.sync_all()?;
    }
    std::fs::rename(&tmp, path)
}

impl Persist {
    pub fn new(dir: PathBuf) -> Self {
        Self {
            dir,
            written: Mutex::new(HashSet::new()),
        }
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    fn blob_dir(&self) -> PathBuf {
        self.dir.join("blobs")
    }

    /// The drive saved in the directory, if any.
    pub fn load(&self) -> std::io::Result<Option<Tree>> {
        let path = self.dir.join("drive.json");
        let text = match std::fs::read(&path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(e),
        };
        let saved: SavedDrive = serde_json::from_slice(&text).map_err(|e| {
            std::io::Error::new(
                std::io::ErrorKind::InvalidData,
                format!("{}: {e}", path.display()),
            )
        })?;
        if saved.version != FORMAT_VERSION {
            return Err(std::io::Error::new(
                std::io::ErrorKind::InvalidData,
                format!(
                    "{}: unknown format version {}",
                    path.display(),
                    saved.version
                ),
            ));
        }
        let mut tree = Tree::new(saved.drive_id, saved.quota_total, saved.epoch);
        tree.nodes.clear();
        tree.root_id = saved.root_id;
        tree.next_id = saved.next_id;
        tree.next_blob_key = saved.next_blob_key;
        tree.seq = saved.seq;
        tree.deleted_bytes = saved.deleted_bytes;
        let mut written = HashSet::new();
        let mut children_of: HashMap<ItemId, BTreeMap<String, ItemId>> = HashMap::new();
        for n in &saved.nodes {
            if let Some(p) = &n.parent {
                children_of
                    .entry(p.clone())
                    .or_default()
                    .insert(super::names::name_key(&n.name), n.id.clone());
            }
        }
        for n in saved.nodes {
            let content = match n.file {
                Some(f) => {
                    let bytes = std::fs::read(self.blob_dir().join(f.blob_key.to_string()))?;
                    written.insert(f.blob_key);
                    tree.used += f.size;
                    Content::File(FileData {
                        blob: Blob::from_bytes(bytes),
                        blob_key: f.blob_key,
                        mime_type: f.mime_type,
                        size: f.size,
                        quick_xor_hash: f.quick_xor_hash,
                        sha1_hash: f.sha1_hash,
                        hashes_blank: f.hashes_blank,
                    })
                }
                None => Content::Folder {
                    children: children_of.remove(&n.id).unwrap_or_default(),
                    size: 0,
                },
            };
            tree.nodes.insert(
                n.id.clone(),
                Node {
                    id: n.id,
                    name: n.name,
                    parent: n.parent,
                    content,
                    created: n.created,
                    modified: n.modified,
                    fs_created: n.fs_created,
                    fs_modified: n.fs_modified,
                    description: n.description,
                    etag_seq: n.etag_seq,
                    ctag_seq: n.ctag_seq,
                    changed_seq: n.changed_seq,
                    special: n.special,
                },
            );
        }
        tree.recompute_sizes();
        tree.recycle = saved
            .recycle
            .into_iter()
            .map(|r| Recycled {
                id: r.id,
                name: r.name,
                bytes: r.bytes,
                deleted_at: r.deleted_at,
            })
            .collect();
        tree.tombstones = saved
            .tombstones
            .into_iter()
            .map(|t| Tombstone {
                seq: t.seq,
                item: DeletedItem {
                    id: t.id,
                    name: t.name,
                    parent_id: t.parent_id,
                    is_folder: t.is_folder,
                },
                ancestors: t.ancestors,
            })
            .collect();
        if !tree.nodes.contains_key(&tree.root_id) {
            return Err(std::io::Error::new(
                std::io::ErrorKind::InvalidData,
                format!("{}: the root item is missing", path.display()),
            ));
        }
        *self.written.lock().unwrap_or_else(|e| e.into_inner()) = written;
        Ok(Some(tree))
    }

    /// Saves the tree: new blobs first, then `drive.json`, then drops unreferenced blobs.
    pub fn save(&self, tree: &RwLock<Tree>) -> std::io::Result<()> {
        let mut written = self.written.lock().unwrap_or_else(|e| e.into_inner());
        // Snapshot under the read lock; write files after releasing it.
        let (saved, new_blobs, live_keys) = {
            let t = tree.read().unwrap_or_else(|e| e.into_inner());
            let mut nodes = Vec::with_capacity(t.nodes.len());
            let mut new_blobs = Vec::new();
            let mut live = HashSet::new();
            let mut stack = vec![t.root_id.clone()];
            while let Some(id) = stack.pop() {
                let Some(n) = t.nodes.get(&id) else { continue };
                let file = match &n.content {
                    Content::Folder { children, .. } => {
                        stack.extend(children.values().cloned());
                        None
                    }
                    Content::File(f) => {
                        live.insert(f.blob_key);
                        if !written.contains(&f.blob_key) {
                            new_blobs.push((f.blob_key, f.blob.clone()));
                        }
                        Some(SavedFile {
                            blob_key: f.blob_key,
                            mime_type: f.mime_type.clone(),
                            size: f.size,
                            quick_xor_hash: f.quick_xor_hash.clone(),
                            sha1_hash: f.sha1_hash.clone(),
                            hashes_blank: f.hashes_blank,
                        })
                    }
                };
                nodes.push(SavedNode {
                    id: n.id.clone(),
                    name: n.name.clone(),
                    parent: n.parent.clone(),
                    created: n.created,
                    modified: n.modified,
                    fs_created: n.fs_created,
                    fs_modified: n.fs_modified,
                    description: n.description.clone(),
                    etag_seq: n.etag_seq,
                    ctag_seq: n.ctag_seq,
                    changed_seq: n.changed_seq,
                    special: n.special.clone(),
                    file,
                });
            }
            let saved = SavedDrive {
                version: FORMAT_VERSION,
                drive_id: t.drive_id.clone(),
                root_id: t.root_id.clone(),
                next_id: t.next_id,
                next_blob_key: t.next_blob_key,
                seq: t.seq,
                epoch: t.epoch,
                quota_total: t.quota_total,
                deleted_bytes: t.deleted_bytes,
                nodes,
                recycle: t
                    .recycle
                    .iter()
                    .map(|r| SavedRecycled {
                        id: r.id.clone(),
                        name: r.name.clone(),
                        bytes: r.bytes,
                        deleted_at: r.deleted_at,
                    })
                    .collect(),
                tombstones: t
                    .tombstones
                    .iter()
                    .map(|x| SavedTombstone {
                        seq: x.seq,
                        id: x.item.id.clone(),
                        name: x.item.name.clone(),
                        parent_id: x.item.parent_id.clone(),
                        is_folder: x.item.is_folder,
                        ancestors: x.ancestors.clone(),
                    })
                    .collect(),
            };
            (saved, new_blobs, live)
        };
        std::fs::create_dir_all(self.blob_dir())?;
        for (key, blob) in new_blobs {
            let chunks = blob.range_chunks(0, blob.len());
            write_atomic(&self.blob_dir().join(key.to_string()), &chunks)?;
            written.insert(key);
        }
        let json = serde_json::to_vec(&saved).map_err(std::io::Error::other)?;
        write_atomic(&self.dir.join("drive.json"), &[json.into()])?;
        // Garbage: blobs of deleted or replaced content (and leftovers of older runs).
        for entry in std::fs::read_dir(self.blob_dir())? {
            let entry = entry?;
            let name = entry.file_name();
            let keep = name
                .to_str()
                .and_then(|s| s.parse::<u64>().ok())
                .is_some_and(|k| live_keys.contains(&k));
            if !keep {
                let _ = std::fs::remove_file(entry.path());
            }
        }
        written.retain(|k| live_keys.contains(k));
        Ok(())
    }
}
