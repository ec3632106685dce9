//! What changed under a folder since the last look (`changes`), from `delta`.
//!
//! Graph (delta doc; graph-api-notes §4.2): a round started from a previous
//! `@odata.deltaLink` returns the items changed since, in their latest state (an item
//! may appear more than once: the last occurrence wins), deleted ones with `deleted`,
//! and the parents of changed items. A link the service can no longer serve answers
//! `410 Gone` (`resyncRequired`): enumerate again from scratch.
//!
//! Delta items carry ids, not always paths (Business omits `parentReference.path`), and
//! a deleted item carries neither, so the last known path of every item below the folder
//! is kept in the record with the deltaLink. That is what lets `changes` say which path
//! was deleted, tell a new item from a changed one, and, after a 410, compare the new
//! enumeration with the last known state instead of reporting everything again.

use std::collections::{HashMap, HashSet};

use serde::{Deserialize, Serialize};

use crate::graph::DriveItem;

/// The kind of a reported change.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ChangeKind {
    /// New below the folder (created, or moved in).
    Added,
    /// A file whose content or properties changed, or an item renamed or moved within
    /// the folder (the new path is shown).
    Modified,
    /// Gone from below the folder (deleted, or moved out); the last known path is shown.
    Deleted,
}

impl ChangeKind {
    /// `+`, `~` or `-`.
    pub fn sign(self) -> char {
        match self {
            Self::Added => '+',
            Self::Modified => '~',
            Self::Deleted => '-',
        }
    }
}

/// One reported change: `path` is the item's path from the drive root, without a
/// leading `/` (as other commands take it).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Change {
    pub change: ChangeKind,
    pub path: String,
    pub id: String,
    pub folder: bool,
}

/// What is known of one item below the folder.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Known {
    pub parent: String,
    pub name: String,
    pub folder: bool,
}

/// The state kept between two calls for one folder of one drive.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct Snapshot {
    /// The folder's id and its path from the drive root (`""` for the root).
    pub folder_id: String,
    pub folder_path: String,
    /// Every item below the folder (not the folder itself), by id.
    pub items: HashMap<String, Known>,
}

impl Snapshot {
    /// An empty snapshot of `folder_id` at `folder_path`.
    pub fn new(folder_id: String, folder_path: String) -> Self {
        Self {
            folder_id,
            folder_path,
            items: HashMap::new(),
        }
    }

    /// The path of a known item (or of the folder itself), from the drive root.
    pub fn path_of(&self, id: &str) -> Option<String> {
        let mut parts = Vec::new();
        let mut cur = id;
        // Bounded: a corrupt record with a cycle must not loop forever.
        for _ in 0..=self.items.len() {
            if cur == self.folder_id {
                parts.reverse();
                let rel = parts.join("/");
                return Some(match (self.folder_path.is_empty(), rel.is_empty()) {
                    (true, _) => rel,
                    (false, true) => self.folder_path.clone(),
                    (false, false) => format!("{}/{rel}", self.folder_path),
                });
            }
            let k = self.items.get(cur)?;
            parts.push(k.name.as_str());
            cur = &k.parent;
        }
        None
    }

    /// Applies a round of delta items (any order of pages; the last occurrence of an id
    /// wins) and returns what changed, sorted by path (deletions of a folder's content
    /// before the folder's own).
    pub fn apply(&mut self, items: Vec<DriveItem>) -> Vec<Change> {
        let latest = crate::drive::walk::delta::last_occurrences(items);
        let before = self.clone();
        // New state: drop deleted items, then place every live one under its parent.
        let mut live: Vec<&DriveItem> = Vec::new();
        for item in &latest {
            if item.id == self.folder_id {
                continue;
            }
            if item.deleted.is_some() {
                // What was below it no longer reaches the folder: the pass below drops it.
                self.items.remove(&item.id);
            } else {
                live.push(item);
            }
        }
        for item in &live {
            // An item without a parent id keeps the one it had (or is skipped when new):
            // it must not look moved out.
            let parent = match item.parent_reference.as_ref().and_then(|p| p.id.clone()) {
                Some(p) => p,
                None => match self.items.get(&item.id) {
                    Some(k) => k.parent.clone(),
                    None => continue,
                },
            };
            self.items.insert(
                item.id.clone(),
                Known {
                    parent,
                    name: item.name().to_owned(),
                    folder: item.folder.is_some() || item.package.is_some(),
                },
            );
        }
        // Items whose parent chain no longer reaches the folder moved out of it.
        let outside: Vec<String> = self
            .items
            .keys()
            .filter(|id| self.path_of(id).is_none())
            .cloned()
            .collect();
        for id in outside {
            self.items.remove(&id);
        }
        self.diff(&before, &live.iter().map(|i| i.id.as_str()).collect())
    }

    /// Replaces the state with a full enumeration (after `410 Gone`, or at every call
    /// for a folder the service offers no delta for) and returns the
    /// differences with the last known state: additions, deletions, renames and moves
    /// (a changed file content cannot be told from a full enumeration of names).
    pub fn rebuild(&mut self, items: Vec<DriveItem>) -> Vec<Change> {
        let mut fresh = Snapshot::new(self.folder_id.clone(), self.folder_path.clone());
        fresh.apply(items);
        let changes = fresh.diff(self, &HashSet::new());
        *self = fresh;
        changes
    }

    /// Folders added by a round whose content the round did not (fully) carry: Graph
    /// reports a folder moved into the watched folder, but not what it holds
    /// (microsoftgraph/microsoft-graph-docs-contrib#7188). `items` are the round's
    /// items; the caller reads these folders and applies what they hold.
    pub fn unexplored(&self, changes: &[Change], items: &[DriveItem]) -> Vec<DriveItem> {
        let mut known_children: HashMap<&str, u64> = HashMap::new();
        for k in self.items.values() {
            *known_children.entry(k.parent.as_str()).or_default() += 1;
        }
        let added: HashSet<&str> = changes
            .iter()
            .filter(|c| c.folder && c.change == ChangeKind::Added)
            .map(|c| c.id.as_str())
            .collect();
        items
            .iter()
            .filter(|i| added.contains(i.id.as_str()) && i.deleted.is_none())
            .filter(|i| {
                let count = i.folder.as_ref().and_then(|f| f.child_count).unwrap_or(0);
                known_children.get(i.id.as_str()).copied().unwrap_or(0) < count
            })
            .cloned()
            .collect()
    }

    /// Changes from `before` to `self`; `reported`: ids the round named (a file named
    /// changed even when its path did not).
    fn diff(&self, before: &Snapshot, reported: &HashSet<&str>) -> Vec<Change> {
        let mut out = Vec::new();
        for (id, k) in &self.items {
            let path = self.path_of(id).unwrap_or_default();
            let change = match before.items.get(id) {
                None => Some(ChangeKind::Added),
                Some(old) => {
                    // Its own rename or move (not one of a folder above it: the content
                    // of a renamed folder moves with it and is not listed).
                    let moved = old.parent != k.parent || old.name != k.name;
                    // A folder is reported when something below it changed: only its
                    // own rename or move is a change of the folder.
                    let touched = reported.contains(id.as_str()) && !k.folder;
                    (moved || touched).then_some(ChangeKind::Modified)
                }
            };
            if let Some(change) = change {
                out.push(Change {
                    change,
                    path,
                    id: id.clone(),
                    folder: k.folder,
                });
            }
        }
        for (id, k) in &before.items {
            if !self.items.contains_key(id) {
                out.push(Change {
                    change: ChangeKind::Deleted,
                    path: before.path_of(id).unwrap_or_default(),
                    id: id.clone(),
                    folder: k.folder,
                });
            }
        }
        out.sort_by(report_order);
        out
    }
}

/// The order changes are reported in: additions and modifications by path, then
/// deletions in reverse path order (a folder's content before the folder).
pub fn report_order(a: &Change, b: &Change) -> std::cmp::Ordering {
    let del = |c: &Change| c.change == ChangeKind::Deleted;
    match (del(a), del(b)) {
        (false, false) => a.path.cmp(&b.path),
        (true, true) => b.path.cmp(&a.path),
        (false, true) => std::cmp::Ordering::Less,
        (true, false) => std::cmp::Ordering::Greater,
    }
}

/// The state-folder record of one watched folder: the snapshot and the deltaLink to
/// continue from (a credential-free URL of the Graph host).
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Record {
    pub delta_link: String,
    pub snapshot: Snapshot,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn item(id: &str, name: &str, parent: &str, folder: bool) -> DriveItem {
        let facet = if folder {
            r#""folder":{}"#
        } else {
            r#""file":{}"#
        };
        serde_json::from_str(&format!(
            r#"{{"id":"{id}","name":"{name}","parentReference":{{"id":"{parent}"}},{facet}}}"#
        ))
        .unwrap()
    }

    fn deleted(id: &str) -> DriveItem {
        serde_json::from_str(&format!(
            r#"{{"id":"{id}","deleted":{{"state":"deleted"}}}}"#
        ))
        .unwrap()
    }

    fn lines(c: &[Change]) -> Vec<String> {
        c.iter()
            .map(|c| format!("{} {}", c.change.sign(), c.path))
            .collect()
    }

    #[test]
    fn adds_renames_moves_and_deletes() {
        let mut s = Snapshot::new("F".into(), "top".into());
        let first = s.apply(vec![
            item("F", "top", "R", true),
            item("a", "a", "F", true),
            item("x", "x.txt", "a", false),
            item("y", "y.txt", "F", false),
            item("d", "d", "F", true),
            item("z", "z.txt", "d", false),
        ]);
        assert_eq!(first.len(), 5, "everything is new the first time");
        let changes = s.apply(vec![
            // a renamed to b (x moves with it, unreported), y edited, d deleted with z,
            // a new file, a file moved out of the folder, and an item seen twice.
            item("a", "b", "F", true),
            item("y", "y.txt", "F", false),
            deleted("d"),
            item("n", "new.txt", "a", false),
            item("n", "new2.txt", "a", false),
            item("x", "x.txt", "elsewhere", false),
        ]);
        assert_eq!(
            lines(&changes),
            [
                "~ top/b",
                "+ top/b/new2.txt",
                "~ top/y.txt",
                "- top/d/z.txt",
                "- top/d",
                "- top/a/x.txt",
            ]
        );
        assert_eq!(s.path_of("n").as_deref(), Some("top/b/new2.txt"));
    }

    #[test]
    fn the_root_has_an_empty_path() {
        let mut s = Snapshot::new("R".into(), String::new());
        s.apply(vec![item("a", "a", "R", true), item("f", "f", "a", false)]);
        assert_eq!(s.path_of("f").as_deref(), Some("a/f"));
    }
}
