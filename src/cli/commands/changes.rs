//! `changes [FOLDER]`: what was added, modified or deleted under a folder since the
//! last call, for cron jobs (see `drive::changes` for how it is worked out).

use std::io::Write as _;

use serde_json::Value;
use url::Url;

use super::{CommandResult, Ctx, fail, fail_http, to_value};
use crate::cli::args::ChangesArgs;
use crate::cli::exit::{ExitCode, Failure};
use crate::drive::DriveError;
use crate::drive::changes::{Change, Record, Snapshot};
use crate::drive::walk::{self, TreeNode, WalkOptions, is_container};
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
    // A record of another folder (edited or corrupt) is no record.
    let record: Option<Record> = ctx
        .state_dir
        .read(KIND, &key)
        .and_then(|b| serde_json::from_slice::<Record>(&b).ok())
        .filter(|r| r.snapshot.folder_id == folder.id);
    let folder_ref = ItemRef::Id(folder.id.clone());
    let full = || async {
        ctx.graph
            .delta(&folder_ref, None, Some(FIELDS))
            .await
            .map_err(fail_http("changes", &shown))
    };
    let (changes, snapshot, delta_link) = match record {
        None => {
            let round = full().await?;
            let mut s = Snapshot::new(folder.id.clone(), drive_path(&folder));
            let all = s.apply(round.items);
            eprintln!(
                "onedrive-cli: changes: now watching '{shown}' ({} items); the next call prints what changed since",
                s.items.len()
            );
            (if a.all { all } else { Vec::new() }, s, round.delta_link)
        }
        Some(r) => {
            let mut s = r.snapshot;
            s.folder_path = drive_path(&folder);
            // A link that cannot be followed (unreadable, or on another host than the
            // configured Graph URL) is like one the service refuses: start over.
            let link = Url::parse(&r.delta_link)
                .ok()
                .filter(|l| ctx.graph.is_graph_link(l));
            let round = match &link {
                Some(l) => ctx.graph.delta(&folder_ref, Some(l), Some(FIELDS)).await,
                None => Err(crate::http::Error::Unexpected {
                    method: "GET".into(),
                    url: shown.clone(),
                    detail: "the recorded delta link cannot be used".into(),
                }),
            };
            match round {
                Ok(round) => {
                    let mut c = s.apply(round.items.clone());
                    // Folders moved in come without their content: read it.
                    let mut seen = std::collections::HashSet::new();
                    for f in s.unexplored(&c, &round.items) {
                        if !seen.insert(f.id.clone()) {
                            continue;
                        }
                        let opts = WalkOptions {
                            select: Some(FIELDS),
                            ..WalkOptions::default()
                        };
                        let tree = walk::walk_from(&ctx.graph, f, opts)
                            .await
                            .map_err(fail("changes", &shown))?;
                        let mut inside = Vec::new();
                        flatten(tree, &mut inside);
                        c.extend(s.apply(inside));
                    }
                    c.sort_by(crate::drive::changes::report_order);
                    (c, s, round.delta_link)
                }
                // Graph: 410 Gone (resyncRequired & co.): the link is no longer usable;
                // enumerate again and compare with what was known.
                Err(e) if e.api().is_some_and(|x| x.status.as_u16() == 410) || link.is_none() => {
                    eprintln!(
                        "onedrive-cli: changes: starting over ({}); compared with the last known state, so changed file contents are not shown this time",
                        match e.api() {
                            Some(x) => format!("the service answered 410 {}", x.code),
                            None => "the recorded link cannot be used".into(),
                        }
                    );
                    let round = full().await?;
                    (s.rebuild(round.items), s, round.delta_link)
                }
                Err(e) => return Err(fail_http("changes", &shown)(e)),
            }
        }
    };
    // Print first, then record: if printing fails (a full disk, a closed pipe) the
    // next call reports these changes again instead of losing them.
    let value = Value::Array(changes.iter().map(to_value).collect());
    let text = if ctx.output.json || ctx.output.template.is_some() {
        crate::cli::output::render(&value, &ctx.output)
    } else {
        changes.iter().map(line).collect()
    };
    let mut out = std::io::stdout().lock();
    if let Err(e) = out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        if e.kind() == std::io::ErrorKind::BrokenPipe {
            return Ok(None);
        }
        return Err(Failure::new(
            ExitCode::Error,
            format!("writing output: {e}"),
        ));
    }
    match delta_link {
        Some(link) => {
            let record = Record {
                delta_link: link.to_string(),
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
        None => eprintln!(
            "onedrive-cli: changes: the service gave no delta link; the next call starts over"
        ),
    }
    Ok(None)
}

/// Every item below `node`, depth first.
fn flatten(node: TreeNode, out: &mut Vec<DriveItem>) {
    for c in node.children {
        let TreeNode { item, children } = c;
        out.push(item);
        flatten(
            TreeNode {
                item: DriveItem::default(),
                children,
            },
            out,
        );
    }
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
