//! `changes [FOLDER]`: what was added, modified or deleted under a folder since the
//! last call, for cron jobs (see `drive::changes` for how it is worked out).
//!
//! Changes are followed with the delta of the drive's root, filtered to the folder,
//! not with the folder's own delta: Business allows delta on the root only (501 below
//! it; onedrive-api-docs#842), and an item moved out of a folder is not reported by
//! that folder's delta, only by a delta whose scope still holds it (the root's: with its
//! new parent, outside the folder). A new watch takes the root's `token=latest` (no
//! enumeration of the drive), then reads the folder itself (delta on the folder, or
//! folder by folder where refused).

use serde_json::Value;
use url::Url;

use super::{CommandResult, Ctx, fail, fail_http, to_value};
use crate::cli::args::ChangesArgs;
use crate::cli::exit::{ExitCode, Failure};
use crate::drive::DriveError;
use crate::drive::changes::{Change, Record, Snapshot};
use crate::drive::resolve::Object;
use crate::drive::walk::{self, WalkOptions, is_container};
use crate::graph::{DriveItem, GraphClient, ItemRef};

/// State-folder kind of the records (`~/.lcrc.d/delta/`).
const KIND: &str = "delta";

/// What each delta item needs to carry for `changes`: the tree's shape.
const FIELDS: &str = walk::STRUCTURE_FIELDS;

pub async fn changes(ctx: &Ctx, a: &ChangesArgs) -> CommandResult {
    let obj = ctx.object("changes", a.folder.as_deref()).await?;
    let shown = obj.display();
    // A folder of another drive (`/drives/...`, a shortcut's shared folder) is watched
    // with that drive's delta.
    let (graph, folder) = crate::drive::locate::resolve_followed(&ctx.graph, &obj)
        .await
        .map_err(fail("changes", &shown))?;
    let graph = &graph;
    if !is_container(&folder) {
        return Err(fail("changes", &shown)(DriveError::NotAFolder));
    }
    // Per drive and folder: the folder's id survives renames and moves of the folder.
    let key = format!("{}\n{}", graph.drive_selector().api_path(), folder.id);
    if a.reset {
        ctx.state_dir.remove(KIND, &key);
    }
    // A record of another folder (edited) or an unreadable one is no record.
    let record: Option<Record> = match ctx.state_dir.read(KIND, &key) {
        None => None,
        Some(bytes) => {
            let r = serde_json::from_slice::<Record>(&bytes)
                .ok()
                .filter(|r| r.snapshot.folder_id == folder.id);
            if r.is_none() {
                crate::cli::notice(&format!(
                    "changes: the recorded state of '{shown}' is unreadable; starting over"
                ));
            }
            r
        }
    };
    // The scope whose delta is followed: the drive's root, except for a shared folder
    // of another user's drive (reached by id or through a shortcut), whose root the user
    // cannot read: there, the folder's own delta ("Delta does not report changes inside
    // shared folders added to a drive; query the shared folder itself", notes §4.2). A
    // document library is the user's to read whole (and Business allows delta on the
    // root only).
    let library = folder
        .parent_reference
        .as_ref()
        .and_then(|p| p.drive_type.as_deref())
        == Some("documentLibrary");
    let shared_folder = if graph.drive_selector() == ctx.graph.drive_selector() || library {
        false
    } else {
        // Another address of the user's own drive is not a shared folder either.
        !crate::drive::locate::same_drive(&ctx.graph, None, graph, Some(&folder))
            .await
            .map_err(fail("changes", &shown))?
    };
    // Paths are printed ready for `get`: from the root for the default drive, through
    // the shortcut as named, or as the `/drives/...` address of the folder.
    let followed = obj.graph(&ctx.graph).drive_selector() != graph.drive_selector();
    let folder_path = |f: &DriveItem| match &obj {
        Object::Path(p) if followed => p.clone(),
        _ if followed => format!(
            "/drives/{}/items/{}:",
            graph.drive_selector().id().unwrap_or_default(),
            f.id
        ),
        Object::InDrive {
            drive_id, id: None, ..
        } => format!("/drives/{drive_id}/root:/{}", drive_path(f))
            .trim_end_matches('/')
            .to_owned(),
        Object::InDrive { drive_id, .. } => format!("/drives/{drive_id}/items/{}:", f.id),
        _ => drive_path(f),
    };
    let root = if shared_folder {
        ItemRef::Id(folder.id.clone())
    } else {
        ItemRef::Root
    };
    // The root's current position, then what the folder holds now (in that order: a
    // change in between is reported again next time rather than lost).
    // `None`: the service offers no delta here (a folder shared from OneDrive for
    // Business, whose drive root the user cannot read and whose own delta Business
    // refuses, notes §4.2); changes are then found by comparing listings.
    // Only a shared folder's own delta may be missing for good (Business: 501
    // notSupported); any other refusal is an error, and the next call tries again.
    // The link it records: the delta link, or `""` where the service offers no delta
    // (read as "compare listings" next time).
    let start_over = || async {
        let link = match graph.delta_latest(&root, Some(FIELDS)).await {
            Ok(l) => l.to_string(),
            Err(e) if shared_folder && e.kind() == crate::http::ErrorKind::NotSupported => {
                crate::cli::notice(&format!(
                    "changes: the service offers no delta for '{shown}'; each call compares \
                     its listing with the last one (added and removed items, not changed \
                     contents; --reset tries delta again)"
                ));
                String::new()
            }
            Err(e) => return Err(fail_http("changes", &shown)(e)),
        };
        let items = read_folder(graph, folder.clone(), &shown).await?;
        Ok::<_, Failure>((items, link))
    };
    // What is recorded after printing: `None` when the service gave no link to record.
    let (changes, snapshot, delta_link): (_, _, Option<String>) = match record {
        // A record without a link: this folder is followed by comparing listings.
        Some(mut r) if r.delta_link.is_empty() => {
            r.snapshot.folder_path = folder_path(&folder);
            let items = read_folder(graph, folder.clone(), &shown).await?;
            let c = r.snapshot.rebuild(items);
            (c, r.snapshot, Some(String::new()))
        }
        None => {
            let (items, link) = start_over().await?;
            let mut s = Snapshot::new(folder.id.clone(), folder_path(&folder));
            let all = s.apply(items);
            let n = s.items.len();
            crate::cli::notice(&format!(
                "changes: now watching '{shown}' ({n} item{}); the next call prints what changed since",
                if n == 1 { "" } else { "s" }
            ));
            (if a.all { all } else { Vec::new() }, s, Some(link))
        }
        Some(r) => {
            let mut s = r.snapshot;
            s.folder_path = folder_path(&folder);
            // A link that cannot be followed (unreadable, or on another host than the
            // configured Graph URL) is like one the service refuses: start over.
            let link = Url::parse(&r.delta_link)
                .ok()
                .filter(|l| graph.is_graph_link(l));
            let round = match &link {
                Some(l) => match graph.delta(&root, Some(l), Some(FIELDS)).await {
                    Ok(round) => Ok(round),
                    // Graph: 410 Gone (resyncRequired & co.): the link is no longer
                    // usable; read the folder again and compare with what was known.
                    Err(e) if e.api().is_some_and(|x| x.status.as_u16() == 410) => Err(format!(
                        "the service answered 410 {}",
                        e.api().map(|x| x.code.as_str()).unwrap_or_default()
                    )),
                    Err(e) => return Err(fail_http("changes", &shown)(e)),
                },
                None => Err("the recorded link cannot be used".to_owned()),
            };
            match round {
                Ok(round) => {
                    // Folders moved in come without their content: read it.
                    let folders: Vec<DriveItem> = round
                        .items
                        .iter()
                        .filter(|i| i.folder.is_some())
                        .cloned()
                        .collect();
                    let mut c = s.apply(round.items);
                    let mut seen = std::collections::HashSet::new();
                    for f in s.unexplored(&c, &folders) {
                        if !seen.insert(f.id.clone()) {
                            continue;
                        }
                        let inside = read_folder(graph, f, &shown).await?;
                        c.extend(s.apply(inside));
                    }
                    c.sort_by(crate::drive::changes::report_order);
                    (c, s, round.delta_link.map(|l| l.to_string()))
                }
                Err(why) => {
                    crate::cli::notice(&format!(
                        "changes: starting over ({why}); compared with the last known state, so changed file contents are not shown this time"
                    ));
                    let (items, link) = start_over().await?;
                    (s.rebuild(items), s, Some(link))
                }
            }
        }
    };
    // Print first, then record: if printing fails (a full disk, a closed pipe) the
    // next call reports these changes again instead of losing them.
    let value = Value::Array(changes.iter().map(to_value).collect());
    let text = match (&ctx.output.template, ctx.output.json) {
        (_, true) => crate::cli::output::render(&value, &ctx.output),
        // One line per change, without the list's "- " (which would read as "deleted").
        (Some(t), false) => changes
            .iter()
            .filter_map(|c| t.render(&to_value(c)))
            .map(|l| l + "\n")
            .collect(),
        (None, false) => changes.iter().map(line).collect(),
    };
    if !crate::cli::output::print(&text)? {
        // The reader went away: record nothing, so these changes are reported again.
        return Ok(None);
    }
    match delta_link {
        Some(link) => {
            let record = Record {
                delta_link: link,
                snapshot,
            };
            let bytes = serde_json::to_vec(&record).unwrap_or_default();
            ctx.state_dir.write(KIND, &key, &bytes).map_err(|e| {
                Failure::new(
                    ExitCode::Error,
                    format!(
                        "changes: cannot record the state in '{}': {e}",
                        ctx.state_dir.path().display()
                    ),
                )
            })?;
        }
        None => {
            crate::cli::notice("changes: the service gave no delta link; the next call starts over")
        }
    }
    Ok(None)
}

/// Everything below `folder` now (delta on it, or folder by folder where refused),
/// with the properties `changes` needs.
async fn read_folder(
    graph: &GraphClient,
    folder: DriveItem,
    shown: &str,
) -> Result<Vec<DriveItem>, Failure> {
    let opts = WalkOptions {
        select: Some(FIELDS),
        ..WalkOptions::default()
    };
    let tree = walk::walk_from(graph, folder, opts)
        .await
        .map_err(fail("changes", shown))?;
    Ok(tree.into_descendants())
}

/// `+ path`, with a `/` after folders.
fn line(c: &Change) -> String {
    let slash = if c.folder { "/" } else { "" };
    format!("{} {}{slash}\n", c.change.sign(), c.path)
}

/// The folder's path from the drive root, without a leading `/` (`""` for the root).
fn drive_path(item: &DriveItem) -> String {
    if item.root.is_some() {
        return String::new();
    }
    let parent = item
        .parent_reference
        .as_ref()
        .and_then(|p| p.readable_path())
        .unwrap_or_default();
    let parent = parent.trim_matches('/');
    if parent.is_empty() {
        item.name().to_owned()
    } else {
        format!("{parent}/{}", item.name())
    }
}
