//! `get`: OneDrive files and folders to local files.
//!
//! Round trips: one request reads each named object (its metadata carries the hash,
//! eTag and download URL); a folder (`-r`) is walked with `drive::walk` (one listing
//! per folder, several at once); then one download request per file, `--transfers` at
//! a time. Local folders are created for every remote folder, empty ones included.

use std::path::PathBuf;
use std::sync::Arc;

use super::plan::{GetJob, GetPlan};
use super::reporter::Reporter;
use super::{JobReport, Outcome, Summary, workers};
use crate::drive::download::{self, DownloadOptions, PartialRegistry};
use crate::drive::{local, resume::ResumeStore};
use crate::graph::{DriveItem, GraphClient};

/// How to download a planned set of files.
#[derive(Clone)]
pub struct GetOptions {
    pub transfers: usize,
    /// Skip files whose local twin has the same size and QuickXorHash.
    pub skip_existing: bool,
    pub resume: Option<Arc<dyn ResumeStore>>,
    pub partials: PartialRegistry,
}

/// Downloads `plan`'s files (creating its folders first).
pub async fn run(
    graph: &GraphClient,
    plan: GetPlan,
    opts: &GetOptions,
    reporter: &Reporter,
) -> Summary {
    let started = std::time::Instant::now();
    let mut summary = Summary::refused(plan.refused);
    let mut failed_dirs: Vec<(PathBuf, String)> = Vec::new();
    for d in &plan.dirs {
        if let Err(e) = std::fs::create_dir_all(d) {
            failed_dirs.push((d.clone(), e.to_string()));
        }
    }
    let results = workers::run(plan.files, opts.transfers, |_, job| {
        let failed_dirs = &failed_dirs;
        async move {
            let outcome = match failed_dirs.iter().find(|(d, _)| job.local.starts_with(d)) {
                Some((d, e)) => (
                    Outcome::Refused(format!("cannot create {}: {e}", d.display())),
                    None,
                ),
                None => get_one(graph, &job, opts, reporter).await,
            };
            (job, outcome)
        }
    })
    .await;
    for (job, (outcome, item)) in results {
        summary.jobs.push(JobReport {
            source: job.remote,
            destination: job.local.display().to_string(),
            outcome,
            item,
        });
    }
    summary.elapsed = started.elapsed();
    summary
}

async fn get_one(
    graph: &GraphClient,
    job: &GetJob,
    opts: &GetOptions,
    reporter: &Reporter,
) -> (Outcome, Option<DriveItem>) {
    if opts.skip_existing
        && let Some(size) = job.item.size
        && let Some(rh) = job.item.quick_xor_hash()
        && std::fs::metadata(&job.local).is_ok_and(|m| m.is_file() && m.len() == size)
        && local::hash_file(&job.local).is_ok_and(|(lh, _)| lh == rh)
    {
        reporter.advance(size);
        return (Outcome::Skipped, Some(job.item.clone()));
    }
    let bar = reporter.file(job.item.name());
    let o = DownloadOptions {
        range: None,
        progress: bar.progress.clone(),
        resume: opts.resume.clone(),
        preserve_mtime: true,
        partials: Some(opts.partials.clone()),
        refuse_binary: false,
    };
    let graph = match &job.drive {
        Some(d) => graph.for_drive(d.clone()),
        None => graph.clone(),
    };
    let r = download::download_item(&graph, job.item.clone(), &job.local, &o).await;
    bar.finish();
    match r {
        Ok(d) => (Outcome::Done { bytes: d.bytes }, Some(d.item)),
        Err(e) => (Outcome::Failed(e), None),
    }
}
