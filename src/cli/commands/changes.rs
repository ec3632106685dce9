//! `changes [FOLDER]`: what was added, modified or deleted under a folder since the
//! last call, for cron jobs (see `drive::changes` for how it is worked out).

use serde_json::Value;
use url::Url;

use super::{CommandResult, Ctx, Out, fail, fail_http, to_value};
use crate::cli::args::ChangesArgs;
use crate::drive::DriveError;
use crate::drive::changes::{Change, Record, Snapshot};
use crate::drive::walk::is_container;
use crate::graph::{DriveItem, ItemRef};

/// State-folder kind of the records (`~/.lcrc.d/delta/`).
const KIND: &str = "delta";

/// What each delta item needs to carry for `changes`.
const FIELDS: &str = "id,name,folder,file,package,root,parentReference,deleted";

pub async fn changes(ctx: &Ctx, a: &ChangesArgs) -> CommandResult {
    let obj = ctx.object(a.folder.as_deref());
    let shown = obj.display();
    let folder = ctx
        .graph
        .get_item(&obj.item_ref())
        .await
        .map_err(fail_http("changes", &shown))?;
    if !is_container(&folder) {
        return Err(fail("changes", &shown)(DriveError::NotAFolder));
    }
    // Per drive and folder: the folder's id survives renames and moves of the folder.
    let key = format!("{}\n{}", ctx.graph.drive_selector().api_path(), folder.id);
    if a.reset {
        ctx.state_dir.remove(KIND, &key);
    }
    let record: Option<Record> = ctx
        .state_dir
        .read(KIND, &key)
        .and_then(|b| serde_json::from_slice(&b).ok());
    let folder_ref = ItemRef::Id(folder.id.clone());
    let (changes, snapshot, delta_link) = match record {
        None => {
            let round = ctx
                .graph
                .delta(&folder_ref, None, Some(FIELDS))
                .await
                .map_err(fail_http("changes", &shown))?;
            let mut s = Snapshot::new(folder.id.clone(), drive_path(&folder));
            let all = s.apply(round.items);
            eprintln!(
                "onedrive-cli: changes: now watching '{shown}' ({} items); the next call prints what changed since",
                s.items.len()
            );
            (if a.all { all } else { Vec::new() }, s, round.delta_link)
        }
        Some(r) => {
            let link = Url::parse(&r.delta_link).ok();
            let round = match &link {
                Some(l) => ctx.graph.delta(&folder_ref, Some(l), Some(FIELDS)).await,
                None => ctx.graph.delta(&folder_ref, None, Some(FIELDS)).await,
            };
            let mut s = r.snapshot;
            s.folder_path = drive_path(&folder);
            match round {
                Ok(round) if link.is_some() => {
                    let c = s.apply(round.items);
                    (c, s, round.delta_link)
                }
                Ok(round) => (s.rebuild(round.items), s, round.delta_link),
                // Graph: 410 Gone (resyncRequired & co.): the link is no longer usable;
                // enumerate again and compare with what was known.
                Err(e) if e.api().is_some_and(|x| x.status.as_u16() == 410) => {
                    eprintln!(
                        "onedrive-cli: changes: the service asked to start over (410 {}); compared with the last known state, so changed file contents are not shown this time",
                        e.api().map(|x| x.code.as_str()).unwrap_or("resyncRequired")
                    );
                    let round = ctx
                        .graph
                        .delta(&folder_ref, None, Some(FIELDS))
                        .await
                        .map_err(fail_http("changes", &shown))?;
                    (s.rebuild(round.items), s, round.delta_link)
                }
                Err(e) => return Err(fail_http("changes", &shown)(e)),
            }
        }
    };
    match delta_link {
        Some(link) => {
            let record = Record {
                delta_link: link.to_string(),
                snapshot,
            };
            let bytes = serde_json::to_vec(&record).unwrap_or_default();
            ctx.state_dir.write(KIND, &key, &bytes).map_err(|e| {
                super::super::exit::Failure::new(
                    super::super::exit::ExitCode::Error,
                    format!(
                        "changes: cannot record the state in '{}': {e}",
                        ctx.state_dir.path().display()
                    ),
                )
            })?;
        }
        None => eprintln!(
            "onedrive-cli: changes: the service gave no delta link; the next call starts over"
        ),
    }
    Ok(Some(Out {
        value: Value::Array(changes.iter().map(to_value).collect()),
        human: Some(changes.iter().map(line).collect()),
        human_value: None,
    }))
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
