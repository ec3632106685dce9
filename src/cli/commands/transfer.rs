//! `get` and `put`: arguments to the transfer engine, and its summary to output.
//!
//! One file behaves as it always did (one error line, the error's own exit code); with
//! several files the engine's summary goes to stderr and a partial failure exits 7.
//! SIGINT/SIGTERM stop the run, keep what is resumable, say so, and exit 130/143.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde_json::{Value, json};

use super::signals::{interrupted, stop_signal};
use super::{CommandResult, Ctx, Out, fail, to_value};
use crate::cli::args::{GetArgs, PutArgs, TransferArgs};
use crate::cli::exit::{ExitCode, Failure, drive_failure};
use crate::drive::download::{self, Destination, DownloadOptions, PartialRegistry};
use crate::drive::locate::{on_object, resolve_followed};
use crate::drive::range::ByteRange;
use crate::drive::resume::ResumeStore;
use crate::drive::upload::{self, Source, UploadOptions};
use crate::graph::{ConflictBehavior, GraphClient, ItemRef};
use crate::transfer::{self, Outcome, Summary, journal::Journal, plan, reporter};

/// The journal, unless `--no-resume`.
fn resume_store(ctx: &Ctx, t: &TransferArgs) -> Option<Arc<dyn ResumeStore>> {
    (!t.no_resume).then(|| Arc::new(Journal::new(ctx.state_dir.clone())) as Arc<dyn ResumeStore>)
}

pub async fn get(ctx: &Ctx, a: &GetArgs, range: Option<ByteRange>) -> CommandResult {
    let (objects, dst) = a.split();
    let t = &a.transfer;
    let single = objects.len() == 1 && !t.recursive;
    let partials: PartialRegistry = Default::default();
    let resume = resume_store(ctx, t);
    let work = async {
        if single {
            get_single(ctx, &objects[0], dst, range, resume.clone(), &partials).await
        } else {
            get_many(ctx, a, objects, dst, resume.clone(), &partials).await
        }
    };
    tokio::select! {
        r = work => r,
        stop = stop_signal() => {
            let kept: Vec<PathBuf> = partials.lock().map(|p| p.clone()).unwrap_or_default();
            let note = if kept.is_empty() {
                "nothing was left half-written".to_owned()
            } else if resume.is_none() {
                for p in &kept {
                    let _ = std::fs::remove_file(p);
                }
                format!("{} partial file(s) removed (--no-resume)", kept.len())
            } else {
                format!(
                    "{} kept ({}); run the same command again to resume",
                    kept.iter().map(|p| p.display().to_string()).collect::<Vec<_>>().join(", "),
                    if kept.len() == 1 { "partial file" } else { "partial files" }
                )
            };
            Err(interrupted(stop, "get", note))
        }
    }
}

async fn get_single(
    ctx: &Ctx,
    object: &str,
    dst: Option<&str>,
    range: Option<ByteRange>,
    resume: Option<Arc<dyn ResumeStore>>,
    partials: &PartialRegistry,
) -> CommandResult {
    let (obj, named) = ctx.named_object("get", Some(object)).await?;
    let named_stdout = dst == Some("-");
    let dst = match dst {
        None | Some("-") => Destination::Stdout,
        Some(p) => Destination::File(PathBuf::from(p)),
    };
    // File bytes printed on the terminal and a bar on the same terminal would mix.
    let to_terminal =
        dst == Destination::Stdout && std::io::IsTerminal::is_terminal(&std::io::stdout());
    let reporter = reporter::Reporter::new(ctx.progress_bars && !ctx.quiet && !to_terminal, 1, 0);
    // The bar's label: a link by its item's address (a link is never printed).
    let bar = reporter.file(&named);
    let opts = DownloadOptions {
        range,
        progress: bar.progress.clone(),
        resume,
        preserve_mtime: range.is_none(),
        partials: Some(partials.clone()),
        refuse_binary: to_terminal && !named_stdout,
    };
    let (dst, opts) = (&dst, &opts);
    let result = on_object(&ctx.graph, &obj, |g, r| async move {
        download::download(&g, &r, dst, opts).await
    })
    .await;
    bar.finish();
    reporter.finish();
    let done = result.map_err(|e| {
        let mut f = fail("get", object)(e);
        if let Some(p) = partials.lock().ok().and_then(|p| p.first().cloned()) {
            f.message.push_str(&format!(
                " ({} kept; run the same command again to resume)",
                p.display()
            ));
        }
        f
    })?;
    tracing::debug!(
        "downloaded {} bytes{}",
        done.bytes,
        if done.verified {
            ", QuickXorHash verified"
        } else {
            ""
        }
    );
    // Bytes went to stdout: never mix a result document into them.
    if *dst == Destination::Stdout {
        return Ok(None);
    }
    // What was written where and what was checked (the item is Graph's; never its
    // pre-authenticated download URL).
    let hash = done.item.quick_xor_hash().map(str::to_owned);
    ctx.result(serde_json::json!({
        "path": done.path.as_ref().map(|p| p.display().to_string()),
        "size": done.item.size,
        "bytesTransferred": done.bytes,
        "verified": if done.verified { Some("quickXorHash") } else { None },
        "quickXorHash": hash,
        "item": to_value(done.item),
    }))
}

async fn get_many(
    ctx: &Ctx,
    a: &GetArgs,
    objects: &[String],
    dst: Option<&str>,
    resume: Option<Arc<dyn ResumeStore>>,
    partials: &PartialRegistry,
) -> CommandResult {
    let t = &a.transfer;
    let walk = a.walk.options();
    let dest = PathBuf::from(dst.unwrap_or("."));
    if dest.exists() && !dest.is_dir() {
        return Err(Failure::usage(format!(
            "get: '{}' is not a folder; with several objects or -r the last argument is the local folder",
            dest.display()
        )));
    }
    let mut plan = plan::GetPlan::default();
    // Each object: one request for its metadata; folders are walked.
    for o in objects {
        let argument = ctx.argument(Some(o));
        let obj = match argument.clone().locate(&ctx.graph).await {
            Ok(obj) => obj,
            Err(e) if objects.len() == 1 => {
                return Err(drive_failure("get", Some(&argument.shown(o)), &e));
            }
            Err(e) => {
                plan.refused.push((argument.shown(o), refusal(&e)));
                continue;
            }
        };
        // How results and summaries name the object (a link by its item's address).
        let o = &argument.named(o, &obj);
        let planned = plan.files.len();
        // A shortcut stands for its shared folder, in the sharer's drive.
        let (graph, item) = match resolve_followed(&ctx.graph, &obj).await {
            Ok(found) => found,
            // One object that cannot be read: its own error line and exit code (3 for
            // a missing one), as `get` of one file gives, not a summary of one failure.
            Err(e) if objects.len() == 1 => {
                return Err(drive_failure("get", Some(o.as_str()), &e));
            }
            Err(e) => {
                plan.refused.push((o.clone(), refusal(&e)));
                continue;
            }
        };
        if crate::drive::walk::is_container(&item) {
            if !t.recursive {
                plan.refused
                    .push((o.clone(), "is a folder; use -r to download folders".into()));
                continue;
            }
            match crate::drive::walk::walk_from(&graph, item, walk).await {
                Ok(tree) => {
                    let remote = o.trim_matches('/').to_owned();
                    plan::plan_tree(&mut plan, &tree, &dest, &remote);
                }
                Err(e) => plan.refused.push((o.clone(), e.to_string())),
            }
        } else {
            plan::plan_file(&mut plan, item, &dest, o.clone());
        }
        if graph.drive_selector() != ctx.graph.drive_selector() {
            for job in &mut plan.files[planned..] {
                job.drive = Some(graph.drive_selector().clone());
            }
        }
    }
    if !ctx.quiet {
        for s in &plan.shortcuts {
            crate::cli::notice(&format!(
                "get: '{s}' is a shortcut to a shared folder, not entered; name it to download it"
            ));
        }
    }
    if !dest.exists() {
        std::fs::create_dir_all(&dest).map_err(|e| {
            Failure::new(ExitCode::Error, format!("get: '{}': {e}", dest.display()))
        })?;
    }
    let total: u64 = plan.files.iter().filter_map(|f| f.item.size).sum();
    let reporter =
        reporter::Reporter::new(ctx.progress_bars && !ctx.quiet, plan.files.len(), total);
    let opts = transfer::get::GetOptions {
        transfers: t.transfers as usize,
        skip_existing: t.skip_existing,
        resume,
        partials: partials.clone(),
    };
    let summary = transfer::get::run(&ctx.graph, plan, &opts, &reporter).await;
    reporter.finish();
    finish(ctx, "get", summary)
}

pub async fn put(ctx: &Ctx, a: &PutArgs, fragment: Option<u64>) -> CommandResult {
    let (sources, folder) = a.split();
    let t = &a.transfer;
    let conflict = if a.no_overwrite {
        ConflictBehavior::Fail
    } else if a.rename {
        ConflictBehavior::Rename
    } else {
        ConflictBehavior::Replace
    };
    let resume = resume_store(ctx, t);
    // Every file's options; the name and the progress are set per file.
    let upload_opts = UploadOptions {
        name: String::new(),
        conflict,
        force_session: a.bits || fragment.is_some(),
        fragment: fragment.unwrap_or(upload::DEFAULT_FRAGMENT),
        progress: Default::default(),
        resume: resume.clone(),
    };
    let work = async {
        // A link is named by its folder's address in results (see get_many).
        let (folder_obj, folder_named) =
            ctx.named_object("put: destination folder", folder).await?;
        let folder_shown = folder_named.as_str();
        let (graph, dest) = upload::destination_folder(&ctx.graph, &folder_obj)
            .await
            .map_err(|e| destination_failure(folder_shown, e))?;
        let graph = &graph;
        if sources.len() == 1 && (sources[0] == "-" || !Path::new(&sources[0]).is_dir()) {
            put_single(ctx, graph, a, &sources[0], &dest, &upload_opts).await
        } else {
            let paths: Vec<PathBuf> = sources.iter().map(PathBuf::from).collect();
            if sources.iter().any(|s| s == "-") {
                return Err(Failure::usage(
                    "put: '-' (stdin) cannot be mixed with other files",
                ));
            }
            let plan = plan::plan_put(&paths, t.recursive).map_err(|e| match e {
                plan::PlanError::FolderWithoutRecursive(_) => Failure::usage(format!("put: {e}")),
                plan::PlanError::Unreadable(..) => {
                    Failure::new(ExitCode::NotFound, format!("put {e}"))
                }
            })?;
            let total: u64 = plan.files.iter().map(|f| f.size).sum();
            let reporter =
                reporter::Reporter::new(ctx.progress_bars && !ctx.quiet, plan.files.len(), total);
            let opts = transfer::put::PutOptions {
                upload: upload_opts.clone(),
                transfers: t.transfers as usize,
                skip_existing: t.skip_existing,
            };
            let summary =
                transfer::put::run(graph, plan, &dest, folder_shown, &opts, &reporter).await;
            reporter.finish();
            finish(ctx, "put", summary)
        }
    };
    tokio::select! {
        r = work => r,
        stop = stop_signal() => {
            let note = if resume.is_some() {
                "upload sessions in progress are kept; run the same command again to resume"
            } else {
                "nothing is resumable (--no-resume)"
            };
            Err(interrupted(stop, "put", note.to_owned()))
        }
    }
}

/// Why an object of a multi-object `get` was not planned, in the summary's words (the
/// summary names the object itself).
fn refusal(e: &crate::drive::DriveError) -> String {
    drive_failure("get", None, e)
        .message
        .trim_start_matches("get: ")
        .to_owned()
}

/// A destination folder that cannot be used: name the folder, not the file.
fn destination_failure(folder: &str, e: crate::drive::DriveError) -> Failure {
    match e {
        crate::drive::DriveError::NotAFolder => Failure::new(
            ExitCode::Error,
            format!("put: destination '{folder}' is a file, not a folder"),
        ),
        e => drive_failure("put: destination folder", Some(folder), &e),
    }
}

async fn put_single(
    ctx: &Ctx,
    graph: &GraphClient,
    a: &PutArgs,
    file: &str,
    dest: &ItemRef,
    upload_opts: &UploadOptions,
) -> CommandResult {
    let (source, name) = if file == "-" {
        let name = a
            .name
            .clone()
            .ok_or_else(|| Failure::usage("put: reading stdin ('-') needs --name NAME"))?;
        (Source::Stdin, name)
    } else {
        let path = PathBuf::from(file);
        let name = match &a.name {
            Some(n) => n.clone(),
            None => path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .ok_or_else(|| Failure::usage(format!("put: '{file}' has no file name")))?,
        };
        (Source::File(path), name)
    };
    let reporter = reporter::Reporter::new(ctx.progress_bars && !ctx.quiet, 1, 0);
    let bar = reporter.file(&name);
    let opts = UploadOptions {
        name: name.clone(),
        progress: bar.progress.clone(),
        ..upload_opts.clone()
    };
    let result = upload::upload_into(graph, dest, source, &opts).await;
    bar.finish();
    reporter.finish();
    let item = result.map_err(|e| match e {
        // The service's answer is about the name the item would get: with --name (or
        // stdin) that is not the local file's, so name it as the user gave it.
        e @ crate::drive::DriveError::Http(_) if a.name.is_some() => {
            drive_failure("put --name", Some(&name), &e)
        }
        e => fail("put", file)(e),
    })?;
    ctx.result(to_value(item))
}

/// Prints the summary (stderr) and turns the run into the command's result: exit 0 if
/// nothing failed, 7 if some failed and some did not, else the failures' own code.
fn finish(ctx: &Ctx, what: &str, summary: Summary) -> CommandResult {
    // One failure line per file, in the same form (and, under --json, the same error
    // object) as a single-file command's; their codes make the exit code.
    let mut codes: Vec<ExitCode> = Vec::new();
    for j in &summary.jobs {
        let f = match &j.outcome {
            Outcome::Failed(e) => drive_failure(what, Some(&j.source), e),
            Outcome::Refused(why) => {
                Failure::new(ExitCode::Error, format!("{what} '{}': {why}", j.source))
            }
            _ => continue,
        };
        crate::cli::report(&f);
        codes.push(f.code);
    }
    if (!codes.is_empty() || !ctx.quiet) && !ctx.output.json {
        crate::cli::notice(&format!("{what}: {}", reporter::summary_line(&summary)));
    }
    let failed = codes.len();
    let total = summary.jobs.len();
    let value = if ctx.show_results {
        Some(Out::from(report_json(&summary)))
    } else {
        None
    };
    if failed == 0 {
        return Ok(value);
    }
    let code = if failed < total {
        ExitCode::Partial
    } else if codes.windows(2).all(|w| w[0] == w[1]) {
        codes.first().copied().unwrap_or(ExitCode::Error)
    } else {
        ExitCode::Error
    };
    if let Some(v) = &value {
        // The JSON report still goes to stdout: a script sees what did succeed.
        println!(
            "{}",
            serde_json::to_string_pretty(&v.value).unwrap_or_default()
        );
    }
    Err(Failure::new(
        code,
        format!("{what}: {failed} of {total} failed"),
    ))
}

/// `--json` of a multi-file run: one object per file.
fn report_json(s: &Summary) -> Value {
    let jobs: Vec<Value> = s
        .jobs
        .iter()
        .map(|j| {
            let (status, extra) = match &j.outcome {
                Outcome::Done { bytes } => ("done", json!({ "bytes": bytes })),
                Outcome::Skipped => ("skipped", json!({})),
                Outcome::Failed(e) => ("failed", json!({ "error": e.to_string() })),
                Outcome::Refused(why) => ("failed", json!({ "error": why })),
            };
            let mut v = json!({
                "source": j.source,
                "destination": j.destination,
                "status": status,
            });
            if let (Some(m), Some(e)) = (v.as_object_mut(), extra.as_object()) {
                m.extend(e.clone());
                if let Some(item) = &j.item {
                    m.insert("item".into(), to_value(item.clone()));
                }
            }
            v
        })
        .collect();
    json!({
        "transfers": jobs,
        "done": s.done(),
        "skipped": s.skipped(),
        "failed": s.failed(),
        "bytes": s.bytes(),
    })
}
