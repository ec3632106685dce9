//! `put`: local files and folders to OneDrive.
//!
//! Round trips: one request resolves the destination folder; one creates (or, on 409,
//! reads) each remote folder of a tree, level by level; with `--skip-existing`, one
//! listing per folder that existed before; then the uploads (`drive::upload`: one
//! request for a small file, a session otherwise), `--transfers` at a time.

use std::collections::HashMap;

use futures_util::StreamExt as _;

use super::plan::{PutJob, PutPlan, folded};
use super::reporter::Reporter;
use super::{JobReport, Outcome, Summary, workers};
use crate::drive::local;
use crate::drive::upload::{self, Source, UploadOptions};
use crate::graph::{ConflictBehavior, DriveItem, GraphClient, ItemRef};
use crate::http::ErrorKind;

/// How to upload a planned set of files.
#[derive(Clone)]
pub struct PutOptions {
    /// Every file's upload options; the name and the progress are set per file.
    pub upload: UploadOptions,
    pub transfers: usize,
    /// Skip files whose remote twin has the same size and QuickXorHash.
    pub skip_existing: bool,
}

/// Uploads `plan` into the folder `dest` (already resolved: an id or the root).
/// `dest_shown` is how the user named it, for messages.
pub async fn run(
    graph: &GraphClient,
    plan: PutPlan,
    dest: &ItemRef,
    dest_shown: &str,
    opts: &PutOptions,
    reporter: &Reporter,
) -> Summary {
    let started = std::time::Instant::now();
    let mut summary = Summary::refused(plan.refused);
    // Remote folders: relative path → id, or the error that kept it from existing.
    let mut folders: HashMap<String, Result<ItemRef, String>> = HashMap::new();
    folders.insert(String::new(), Ok(dest.clone()));
    // Folders that existed before this run (their children may exist too).
    let mut existed: Vec<String> = vec![String::new()];
    ensure_folders(
        graph,
        &plan.folders,
        &mut folders,
        &mut existed,
        opts.transfers,
    )
    .await;

    let existing = if opts.skip_existing {
        list_existing(graph, &existed, &folders, opts.transfers).await
    } else {
        HashMap::new()
    };

    let jobs: Vec<PutJob> = plan.files;
    let results = workers::run(jobs, opts.transfers, |_, job| {
        let folders = &folders;
        let existing = &existing;
        async move {
            let remote = remote_path(dest_shown, &job.folder, &job.name);
            let outcome = upload_one(graph, &job, folders, existing, opts, reporter).await;
            (job, remote, outcome)
        }
    })
    .await;
    for (job, remote, (outcome, item)) in results {
        summary.jobs.push(JobReport {
            source: job.local.display().to_string(),
            destination: remote,
            outcome,
            item,
        });
    }
    summary.elapsed = started.elapsed();
    summary
}

fn remote_path(dest: &str, folder: &str, name: &str) -> String {
    [dest.trim_matches('/'), folder, name]
        .iter()
        .filter(|s| !s.is_empty())
        .cloned()
        .collect::<Vec<_>>()
        .join("/")
}

/// The parent of a relative folder path and its last name.
fn split(rel: &str) -> (&str, &str) {
    match rel.rfind('/') {
        Some(i) => (&rel[..i], &rel[i + 1..]),
        None => ("", rel),
    }
}

/// A folder's id and whether it existed before, or why it cannot be used.
type FolderResult = Result<(ItemRef, bool), String>;

/// Creates the planned folders level by level (several at once within a level).
/// Graph answers 409 for a name that exists (or 200 with it on Personal,
/// OneDrive/onedrive-api-docs#323): then the existing item is read, and must be a
/// folder.
async fn ensure_folders(
    graph: &GraphClient,
    planned: &[String],
    folders: &mut HashMap<String, Result<ItemRef, String>>,
    existed: &mut Vec<String>,
    concurrency: usize,
) {
    let mut by_depth: Vec<Vec<&String>> = Vec::new();
    for f in planned {
        let depth = f.matches('/').count();
        if by_depth.len() <= depth {
            by_depth.resize_with(depth + 1, Vec::new);
        }
        by_depth[depth].push(f);
    }
    for level in by_depth {
        let todo: Vec<(String, Result<ItemRef, String>)> = level
            .into_iter()
            .map(|rel| {
                let (parent, _) = split(rel);
                (rel.clone(), folders.get(parent).cloned())
            })
            .map(|(rel, parent)| match parent {
                Some(Ok(p)) => (rel, Ok(p)),
                Some(Err(e)) => (rel, Err(e)),
                None => (rel, Err("its parent folder was not created".to_owned())),
            })
            .collect();
        let results: Vec<(String, FolderResult)> = futures_util::stream::iter(todo)
            .map(|(rel, parent)| async move {
                let r = match parent {
                    Ok(p) => ensure_folder(graph, &p, split(&rel).1).await,
                    Err(e) => Err(e),
                };
                (rel, r)
            })
            .buffer_unordered(concurrency.max(1))
            .collect()
            .await;
        for (rel, r) in results {
            match r {
                Ok((id, was_there)) => {
                    if was_there {
                        existed.push(rel.clone());
                    }
                    folders.insert(rel, Ok(id));
                }
                Err(e) => {
                    folders.insert(rel, Err(e));
                }
            }
        }
    }
}

/// Creates `name` in `parent`, or finds the folder already there. Returns its id and
/// whether it existed.
async fn ensure_folder(
    graph: &GraphClient,
    parent: &ItemRef,
    name: &str,
) -> Result<(ItemRef, bool), String> {
    match graph
        .create_folder(parent, name, ConflictBehavior::Fail)
        .await
    {
        Ok(item) => Ok((ItemRef::Id(item.id), false)),
        Err(e) if e.kind() == ErrorKind::Conflict => {
            let item = graph
                .get_item(&parent.join(name))
                .await
                .map_err(|e| format!("folder '{name}': {}", service_reason(&e)))?;
            if item.remote_item.is_some() {
                // Its content is in the sharer's drive, which this run does not write to
                // (drive::shortcut): say how to reach it instead of failing file by file.
                Err(format!(
                    "'{name}' is a shortcut to a shared folder; put into it by naming it as the destination folder"
                ))
            } else if item.is_folder() {
                Ok((ItemRef::Id(item.id), true))
            } else {
                Err(format!("'{name}' exists on OneDrive and is not a folder"))
            }
        }
        Err(e) => Err(format!(
            "cannot create folder '{name}': {}",
            service_reason(&e)
        )),
    }
}

/// The service's answer in the form of the other failure lines, `code (HTTP n):
/// message` (no URL or request ids: the line names the folder already); any other
/// error as it reads.
fn service_reason(e: &crate::http::Error) -> String {
    match e.api() {
        Some(a) => format!("{} (HTTP {}): {}", a.code, a.status.as_u16(), a.message),
        None => e.to_string(),
    }
}

/// The children of every folder that existed before the run, by folded name.
async fn list_existing(
    graph: &GraphClient,
    existed: &[String],
    folders: &HashMap<String, Result<ItemRef, String>>,
    concurrency: usize,
) -> HashMap<(String, String), DriveItem> {
    let listings: Vec<(String, Vec<DriveItem>)> = futures_util::stream::iter(existed)
        .filter_map(|rel| async move {
            match folders.get(rel) {
                Some(Ok(r)) => Some((rel.clone(), r.clone())),
                _ => None,
            }
        })
        .map(|(rel, r)| async move {
            // A listing that fails only means nothing is skipped there.
            let items = graph.list_children(&r).await.unwrap_or_default();
            (rel, items)
        })
        .buffer_unordered(concurrency.max(1))
        .collect()
        .await;
    let mut map = HashMap::new();
    for (rel, items) in listings {
        for it in items {
            map.insert((rel.clone(), folded(it.name())), it);
        }
    }
    map
}

async fn upload_one(
    graph: &GraphClient,
    job: &PutJob,
    folders: &HashMap<String, Result<ItemRef, String>>,
    existing: &HashMap<(String, String), DriveItem>,
    opts: &PutOptions,
    reporter: &Reporter,
) -> (Outcome, Option<DriveItem>) {
    let parent = match folders.get(&job.folder) {
        Some(Ok(p)) => p.clone(),
        Some(Err(e)) => return (Outcome::Refused(e.clone()), None),
        None => return (Outcome::Refused("destination folder unknown".into()), None),
    };
    if let Some(remote) = existing.get(&(job.folder.clone(), folded(&job.name)))
        && remote.size == Some(job.size)
        && let Some(rh) = remote.quick_xor_hash()
    {
        // The local hash is computed once, and only when the sizes match.
        match local::hash_file(&job.local) {
            Ok((lh, _)) if lh == rh => {
                reporter.advance(job.size);
                return (Outcome::Skipped, Some(remote.clone()));
            }
            Ok(_) => {}
            Err(e) => return (Outcome::Failed(e), None),
        }
    }
    let bar = reporter.file(&job.name);
    let uo = UploadOptions {
        name: job.name.clone(),
        progress: bar.progress.clone(),
        ..opts.upload.clone()
    };
    let r = upload::upload_into(graph, &parent, Source::File(job.local.clone()), &uo).await;
    bar.finish();
    match r {
        Ok(item) => (Outcome::Done { bytes: job.size }, Some(item)),
        Err(e) => (Outcome::Failed(e), None),
    }
}
