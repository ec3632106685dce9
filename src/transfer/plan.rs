//! Planning: what each command's arguments mean as a list of one-file jobs.
//!
//! `put`: local files and (with `-r`) folders, walked here; a folder source is created
//! *inside* the destination under its own name, as `cp -r` does. `get`: remote items,
//! folders walked with `drive::walk`; again a folder becomes a folder of that name.
//!
//! Safety rules, each naming the offending item:
//! - a remote name that could escape the destination folder (`.`, `..`, empty, with
//!   `/`, `\` or NUL) is refused: the service should never send one, but a local path
//!   is built from it;
//! - two local names OneDrive would see as one (it compares names without case, and
//!   treats canonically equivalent Unicode forms as the same name: rclone/rclone#8634;
//!   rclone's march does the same folding) are refused after the first, instead of one
//!   silently replacing the other;
//! - symbolic links to folders are not followed (no loops); links to files are.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use unicode_normalization::UnicodeNormalization as _;

use crate::drive::walk::TreeNode;
use crate::graph::DriveItem;

/// One file to upload.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PutJob {
    pub local: PathBuf,
    /// The remote folder, relative to the destination (`""`: the destination itself;
    /// `a/b`: names joined with `/`).
    pub folder: String,
    pub name: String,
    pub size: u64,
}

/// Everything `put` will do.
#[derive(Debug, Default)]
pub struct PutPlan {
    /// Remote folders to create (relative), parents before children.
    pub folders: Vec<String>,
    pub files: Vec<PutJob>,
    /// Sources refused before any request: (what, why).
    pub refused: Vec<(String, String)>,
}

/// A plan error that stops the command (before any request).
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum PlanError {
    #[error("'{0}' is a folder; use -r to upload folders")]
    FolderWithoutRecursive(String),
    #[error("'{0}': {1}")]
    Unreadable(String, String),
}

/// The name OneDrive compares: Unicode NFC, lower-cased.
pub fn folded(name: &str) -> String {
    name.nfc().collect::<String>().to_lowercase()
}

/// Expands `sources` into upload jobs. A missing or unreadable top-level source stops
/// the plan; unreadable entries inside a walked folder are refused one by one.
pub fn plan_put(sources: &[PathBuf], recursive: bool) -> Result<PutPlan, PlanError> {
    let mut plan = PutPlan::default();
    // Folded name → what took it, per remote folder.
    let mut taken: HashMap<(String, String), String> = HashMap::new();
    for src in sources {
        let shown = src.display().to_string();
        let meta = std::fs::metadata(src)
            .map_err(|e| PlanError::Unreadable(shown.clone(), e.to_string()))?;
        let name = source_name(src)
            .ok_or_else(|| PlanError::Unreadable(shown.clone(), "has no file name".to_owned()))?;
        if meta.is_dir() {
            if !recursive {
                return Err(PlanError::FolderWithoutRecursive(shown));
            }
            if claim(&mut taken, &mut plan.refused, "", &name, &shown) {
                plan.folders.push(name.clone());
                walk_local(src, &name, &mut plan, &mut taken);
            }
        } else if claim(&mut taken, &mut plan.refused, "", &name, &shown) {
            plan.files.push(PutJob {
                local: src.clone(),
                folder: String::new(),
                name,
                size: meta.len(),
            });
        }
    }
    Ok(plan)
}

/// The name a source gets remotely: its last component (`dir/` and `dir/.` name `dir`).
fn source_name(p: &Path) -> Option<String> {
    let name = p.file_name().map(|n| n.to_string_lossy().into_owned());
    match name {
        Some(n) => Some(n),
        None => std::path::absolute(p)
            .ok()?
            .components()
            .rfind(|c| matches!(c, std::path::Component::Normal(_)))
            .map(|c| c.as_os_str().to_string_lossy().into_owned()),
    }
}

/// Records `name` in `folder`; false (and a refusal) if OneDrive would see it as a
/// name already planned there.
fn claim(
    taken: &mut HashMap<(String, String), String>,
    refused: &mut Vec<(String, String)>,
    folder: &str,
    name: &str,
    shown: &str,
) -> bool {
    let key = (folded(folder), folded(name));
    if let Some(first) = taken.get(&key) {
        refused.push((
            shown.to_owned(),
            format!("same name on OneDrive as '{first}' (OneDrive ignores case and Unicode form)"),
        ));
        return false;
    }
    taken.insert(key, shown.to_owned());
    true
}

fn walk_local(
    dir: &Path,
    remote: &str,
    plan: &mut PutPlan,
    taken: &mut HashMap<(String, String), String>,
) {
    let mut entries: Vec<_> = match std::fs::read_dir(dir) {
        Ok(rd) => rd.filter_map(|e| e.ok()).collect(),
        Err(e) => {
            plan.refused
                .push((dir.display().to_string(), e.to_string()));
            return;
        }
    };
    // A stable order: the same tree gives the same plan (and the same "first" name).
    entries.sort_by_key(|e| e.file_name());
    for e in entries {
        let path = e.path();
        let shown = path.display().to_string();
        let Some(name) = e.file_name().to_str().map(str::to_owned) else {
            plan.refused
                .push((shown, "the name is not valid UTF-8".to_owned()));
            continue;
        };
        let link = e.file_type().map(|t| t.is_symlink()).unwrap_or(false);
        let meta = match std::fs::metadata(&path) {
            Ok(m) => m,
            Err(err) => {
                plan.refused.push((shown, err.to_string()));
                continue;
            }
        };
        if meta.is_dir() {
            if link {
                plan.refused
                    .push((shown, "symbolic link to a folder (not followed)".to_owned()));
                continue;
            }
            if claim(taken, &mut plan.refused, remote, &name, &shown) {
                let sub = format!("{remote}/{name}");
                plan.folders.push(sub.clone());
                walk_local(&path, &sub, plan, taken);
            }
        } else if meta.is_file() {
            if claim(taken, &mut plan.refused, remote, &name, &shown) {
                plan.files.push(PutJob {
                    local: path,
                    folder: remote.to_owned(),
                    name,
                    size: meta.len(),
                });
            }
        } else {
            plan.refused
                .push((shown, "not a regular file or folder".to_owned()));
        }
    }
}

/// One file to download.
#[derive(Clone, Debug)]
pub struct GetJob {
    pub item: DriveItem,
    pub local: PathBuf,
    /// The remote path as the user would name it (for messages).
    pub remote: String,
    /// The drive the item lives in when it is not the command's (`/drives/...`
    /// objects, shared folders reached through a shortcut); `None` for the command's.
    pub drive: Option<crate::graph::DriveSelector>,
}

/// Everything `get -r` will do.
#[derive(Debug, Default)]
pub struct GetPlan {
    /// Local folders to create (including empty remote folders), parents first.
    pub dirs: Vec<PathBuf>,
    pub files: Vec<GetJob>,
    pub refused: Vec<(String, String)>,
    /// Shortcuts to shared folders met in a walk (remote paths): not entered, so that a
    /// download never pulls a whole shared tree in unasked (see `drive::shortcut`).
    pub shortcuts: Vec<String>,
    /// Local files already planned: their item id and remote name. Two downloads into
    /// one file would race (and one would lose); the same item named twice (a path and
    /// a link, say) is fetched once.
    taken: HashMap<PathBuf, (String, String)>,
}

/// Why a remote name cannot become a local path component, or `None` if it can.
pub fn unsafe_name(name: &str) -> Option<&'static str> {
    if name.is_empty() {
        Some("an empty name")
    } else if name == "." || name == ".." {
        Some("'.' and '..' would leave the destination folder")
    } else if name.contains('/') || name.contains('\\') {
        Some("a name with a path separator would leave the destination folder")
    } else if name.contains('\0') {
        Some("a name with a NUL character")
    } else {
        None
    }
}

/// Adds the tree `node` (a folder, whose own name is `node`'s) under `dest`: the
/// folder becomes `dest/NAME`, its files jobs, its subfolders recursively.
pub fn plan_tree(plan: &mut GetPlan, node: &TreeNode, dest: &Path, remote: &str) {
    let name = node.item.name();
    if let Some(why) = unsafe_name(name) {
        plan.refused.push((remote.to_owned(), why.to_owned()));
        return;
    }
    let here = dest.join(name);
    plan.dirs.push(here.clone());
    for child in &node.children {
        let cname = child.item.name();
        let crem = if remote.is_empty() {
            cname.to_owned()
        } else {
            format!("{remote}/{cname}")
        };
        if crate::drive::walk::is_container(&child.item) {
            plan_tree(plan, child, &here, &crem);
        } else if child.item.remote_item.is_some() {
            plan.shortcuts.push(crem);
        } else {
            plan_file(plan, child.item.clone(), &here, crem);
        }
    }
}

/// Adds the file `item` (named `remote` by the user) as `dest/NAME`, or its refusal.
pub fn plan_file(plan: &mut GetPlan, item: DriveItem, dest: &Path, remote: String) {
    if let Some(why) = unsafe_name(item.name()) {
        plan.refused.push((remote, why.to_owned()));
    } else if item.file.is_some() {
        let local = dest.join(item.name());
        match plan.taken.get(&local) {
            Some((id, _)) if *id == item.id => {}
            Some((_, other)) => plan.refused.push((
                remote,
                format!("'{other}' is written to {} already", local.display()),
            )),
            None => {
                plan.taken
                    .insert(local.clone(), (item.id.clone(), remote.clone()));
                plan.files.push(GetJob {
                    local,
                    item,
                    remote,
                    drive: None,
                });
            }
        }
    } else {
        plan.refused
            .push((remote, "not a file (e.g. a OneNote notebook)".to_owned()));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folding_is_case_and_unicode_form_insensitive() {
        assert_eq!(folded("Café.TXT"), folded("cafe\u{301}.txt"));
        assert_ne!(folded("a.txt"), folded("b.txt"));
    }

    #[test]
    fn put_plans_trees_parents_first_and_refuses_collisions() {
        let d = tempfile::tempdir().unwrap();
        let root = d.path().join("tree");
        std::fs::create_dir_all(root.join("sub/empty")).unwrap();
        std::fs::write(root.join("a.txt"), b"1").unwrap();
        std::fs::write(root.join("A.TXT"), b"22").unwrap();
        std::fs::write(root.join("sub/café"), b"").unwrap();
        std::fs::write(root.join("sub/cafe\u{301}"), b"").unwrap();
        let single = d.path().join("one.bin");
        std::fs::write(&single, b"xyz").unwrap();
        let plan = plan_put(&[root.clone(), single.clone()], true).unwrap();
        assert_eq!(plan.folders, vec!["tree", "tree/sub", "tree/sub/empty"]);
        let files: Vec<(&str, &str, u64)> = plan
            .files
            .iter()
            .map(|j| (j.folder.as_str(), j.name.as_str(), j.size))
            .collect();
        // Sorted by byte order: "A.TXT" < "a.txt"; the second of each pair is refused.
        assert_eq!(
            files,
            vec![
                ("tree", "A.TXT", 2),
                ("tree/sub", "cafe\u{301}", 0),
                ("", "one.bin", 3)
            ]
        );
        assert_eq!(plan.refused.len(), 2, "{:?}", plan.refused);
        assert!(plan.refused[0].1.contains("same name on OneDrive"));
        assert_eq!(
            plan_put(&[root], false).unwrap_err(),
            PlanError::FolderWithoutRecursive(d.path().join("tree").display().to_string())
        );
        assert!(matches!(
            plan_put(&[d.path().join("missing")], false),
            Err(PlanError::Unreadable(..))
        ));
    }

    #[test]
    fn remote_names_that_escape_are_refused() {
        for bad in ["", ".", "..", "a/b", "..\\x", "nul\0"] {
            assert!(unsafe_name(bad).is_some(), "{bad:?}");
        }
        for good in ["a", "..a", "a..", "#%&", "名前"] {
            assert!(unsafe_name(good).is_none(), "{good:?}");
        }
    }
}
