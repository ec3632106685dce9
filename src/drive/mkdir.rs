//! Creating folders, optionally with their missing parents (`mkdir -p`).
//!
//! Graph's `POST children` does not create missing parents, so `-p` creates one level
//! per request; `conflictBehavior=fail` makes an existing level answer 409
//! `nameAlreadyExists` (some services answer 200 with the existing folder), and both
//! mean "already there" for `-p`.

use serde_json::Value;

use super::error::{DriveError, Result};
use super::resolve::Object;
use crate::graph::{ConflictBehavior, DriveItem, GraphClient, ItemRef};
use crate::http::ErrorKind;

/// Splits `a/b/c` into (`a/b`, `c`); backslashes count as separators (as the original).
pub fn split_name(name: &str) -> (Option<String>, String) {
    let name = name.replace('\\', "/");
    let trimmed = name.trim_matches('/');
    match trimmed.rsplit_once('/') {
        Some((dir, base)) => (Some(dir.to_owned()), base.to_owned()),
        None => (None, trimmed.to_owned()),
    }
}

/// Where `mkdir NAME [FOLDER]` makes its folder: the parent object, the name (which
/// may still hold a path, for `-p` to create), and the folder as messages name it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Placement {
    pub parent: Object,
    pub name: String,
    pub place: String,
}

/// Works out [`Placement`] without a request. NAME given as another drive's address
/// (`/drives/D/root:/a/b`, no FOLDER) makes that drive's item the parent. Without
/// `parents` (-p), NAME's own path joins the parent's address, so that a path through
/// a shortcut is followed like any object's (`drive::locate`); with -p, the path stays
/// in the name, to be created folder by folder.
pub fn placement(
    folder_arg: Option<&str>,
    mut parent: Object,
    name: &str,
    parents: bool,
    reading: super::resolve::Reading,
) -> Placement {
    let mut name = name.to_owned();
    if folder_arg.is_none()
        && let Object::InDrive {
            drive_id,
            id,
            path: Some(p),
        } = Object::parse(Some(&name), reading)
    {
        parent = Object::InDrive {
            drive_id,
            id,
            path: None,
        };
        name = p;
    }
    let (dir, base) = split_name(&name);
    let place = match (&parent, folder_arg, &dir) {
        (Object::InDrive { drive_id, id, .. }, None, _) => Object::InDrive {
            drive_id: drive_id.clone(),
            id: id.clone(),
            path: dir.clone(),
        }
        .display(),
        (_, Some(f), Some(d)) => format!("{}/{d}", f.trim_end_matches('/')),
        (_, Some(f), None) => f.to_owned(),
        (_, None, Some(d)) => d.clone(),
        (_, None, None) => "/".to_owned(),
    };
    if !parents && let Some(d) = &dir {
        let folded = match &parent {
            Object::Root => Some(Object::Path(d.clone())),
            Object::Path(p) => Some(Object::Path(format!("{p}/{d}"))),
            Object::InDrive { drive_id, id, path } => Some(Object::InDrive {
                drive_id: drive_id.clone(),
                id: id.clone(),
                path: Some(match path {
                    Some(p) => format!("{p}/{d}"),
                    None => d.clone(),
                }),
            }),
            Object::Id(_) => None,
        };
        if let Some(f) = folded {
            parent = f;
            name = base;
        }
    }
    Placement {
        parent,
        name,
        place,
    }
}

/// Creates `name` (which may contain a path) in `parent`. With `parents`, missing
/// intermediate folders are created and an existing folder is success.
///
/// A 404 can only be about where the folder goes (the new name does not exist yet):
/// it comes back as [`DriveError::Destination`].
pub async fn mkdir(
    graph: &GraphClient,
    parent: &ItemRef,
    name: &str,
    parents: bool,
    metadata: Option<&Value>,
) -> Result<DriveItem> {
    create(graph, parent, name, parents, metadata)
        .await
        .map_err(|e| match e {
            DriveError::Http(h) if h.kind() == ErrorKind::NotFound => DriveError::destination(h),
            e => e,
        })
}

async fn create(
    graph: &GraphClient,
    parent: &ItemRef,
    name: &str,
    parents: bool,
    metadata: Option<&Value>,
) -> Result<DriveItem> {
    let (dir, base) = split_name(name);
    if base.is_empty() {
        return Err(DriveError::Protocol("empty folder name".into()));
    }
    let mut graph = graph.clone();
    let mut folder = parent.clone();
    if let Some(dir) = &dir {
        if parents {
            for comp in dir.split('/').filter(|c| !c.is_empty()) {
                let existing = ensure_folder(&graph, &folder, comp).await?;
                // A shortcut on the way: go on in the shared folder, in its drive (a
                // path through it would meet 404, see drive::shortcut).
                match super::shortcut::follow(&graph, &existing) {
                    Some((g, at)) => (graph, folder) = (g, at),
                    None => folder = folder.join(comp),
                }
            }
        } else {
            folder = folder.join(dir);
        }
    }
    let graph = &graph;
    let created = if parents {
        ensure_folder(graph, &folder, &base).await?
    } else {
        graph
            .create_folder(&folder, &base, ConflictBehavior::Fail)
            .await?
    };
    match metadata {
        Some(m) if m.as_object().is_some_and(|o| !o.is_empty()) => Ok(graph
            .update_item(&ItemRef::Id(created.id.clone()), m, None)
            .await?),
        _ => Ok(created),
    }
}

async fn ensure_folder(graph: &GraphClient, parent: &ItemRef, name: &str) -> Result<DriveItem> {
    match graph
        .create_folder(parent, name, ConflictBehavior::Fail)
        .await
    {
        Ok(item) => Ok(item),
        Err(e) if e.kind() == ErrorKind::Conflict => {
            let existing = graph.get_item(&parent.join(name)).await?;
            // A shortcut to a shared folder counts as the folder it stands for.
            let shortcut_to_folder = existing
                .remote_item
                .as_ref()
                .is_some_and(|r| r.folder.is_some());
            if existing.folder.is_none() && !shortcut_to_folder {
                return Err(DriveError::NotAFolder);
            }
            Ok(existing)
        }
        Err(e) => Err(e.into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_split_like_the_original() {
        assert_eq!(split_name("a"), (None, "a".into()));
        assert_eq!(split_name("a/b/c"), (Some("a/b".into()), "c".into()));
        assert_eq!(split_name("/a\\b/"), (Some("a".into()), "b".into()));
    }
}
