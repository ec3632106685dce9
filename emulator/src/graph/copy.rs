//! `POST {item}/copy` and its monitor URL.
//!
//! Graph (graph-api-notes §7.4): the reply is `202 Accepted` with no body and
//! `Location:` a monitor URL; a name already in use is rejected synchronously (409). The
//! copy then runs asynchronously (here: after `config.copy_delay`). The monitor is polled
//! with a plain GET and NO Authorization (a bearer sent there is refused with 401, as
//! SharePoint's monitor does); it answers `202` with `inProgress` until done, then `200`
//! with `status: completed` and `resourceId` (the observed current behaviour), or
//! `failed` with `errorCode`, `statusDescription` and an `error` object
//! (`{"code","message"}`).
//!
//! Variants seen on the service, each behind a flag (OneDrive/onedrive-api-docs#852,
//! #80; O365/python-o365#872): `--copy-monitor-polls N` (exactly N 202s before the
//! outcome, however long the copy takes: the number of 202s is undefined),
//! `--copy-monitor-redirect` (the older OneDrive doc's `303 See Other` with `Location:`
//! the new driveItem when done), `--copy-accepted-gzip` (the copy's 202 says
//! `Content-Encoding: gzip` with `Content-Length: 0`); and the `copy_fail` scripted
//! fault (the job ends `failed`).
//!
//! `@microsoft.graph.conflictBehavior` (query; default `fail`): the doc says it is "not
//! supported for OneDrive Consumer", yet widely used clients (rclone) send `replace` to
//! every drive type and work; what Personal really does is unconfirmed, so the emulator
//! honours it: `replace` (files only, as documented: a folder source falls back to `fail`)
//! and `rename` (`name 1.txt`).
//!
//! Between drives (driveitem-copy: `parentReference` with the destination's `driveId`
//! and `id`): the source needs only be readable, the destination folder writable; names,
//! quota, new ids, the monitor's `resourceId` and its 303 are the destination drive's.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use super::items::resolve_destination;
use super::{Ctx, json_response, query};
use crate::error::{GraphError, GraphResult};
use crate::state::AppState;
use crate::stats::RouteLabel;
use crate::store::{Conflict, Item};

/// Path prefix of monitor URLs (outside `/v1.0`: no bearer token).
pub const MONITOR_PREFIX: &str = "/_monitor/";

#[derive(Clone, Debug)]
enum JobStatus {
    InProgress,
    Completed(String),
    Failed { code: String, message: String },
}

/// One copy job: where it stands, how often its monitor was polled, and the copy
/// itself while nobody has made it yet.
struct Job {
    status: JobStatus,
    polls: u32,
    /// The drive the copy is made in (its id goes into the 303's Location).
    drive_id: String,
    /// Taken by whoever makes the copy first: the timer (`config.copy_delay`), or the
    /// monitor poll that ends the 202s with `--copy-monitor-polls`.
    pending: Option<PendingCopy>,
}

/// What a copy job copies.
struct PendingCopy {
    /// The drive the source is in.
    source_drive: crate::drives::Drive,
    /// The drive the copy is made in (the same, or another: a copy between drives).
    drive: crate::drives::Drive,
    source: String,
    parent_id: String,
    name: String,
    conflict: Conflict,
    /// A `copy_fail` fault: the job ends `failed`.
    fails: bool,
}

/// Copy jobs by monitor id.
#[derive(Default)]
pub struct CopyJobs {
    jobs: Arc<Mutex<HashMap<String, Job>>>,
}

impl CopyJobs {
    pub fn clear(&self) {
        self.lock().clear();
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Job>> {
        self.jobs.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn insert(&self, id: &str, pending: PendingCopy) {
        self.lock().insert(
            id.to_owned(),
            Job {
                status: JobStatus::InProgress,
                polls: 0,
                drive_id: pending.drive.id(),
                pending: Some(pending),
            },
        );
    }

    /// Makes the copy of job `id` unless it was made already (or the job is gone).
    fn run(&self, id: &str) {
        let Some(p) = self.lock().get_mut(id).and_then(|j| j.pending.take()) else {
            return;
        };
        let result = if p.fails {
            Err(GraphError::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                "generalException",
                "The copy failed (emulated fault).",
            ))
        } else {
            p.drive.store().copy_from(
                p.source_drive.store(),
                &p.source,
                &p.parent_id,
                Some(&p.name),
                p.conflict,
            )
        };
        let status = match result {
            Ok(new) => JobStatus::Completed(new.id),
            Err(e) => JobStatus::Failed {
                code: e.code,
                message: e.message,
            },
        };
        if let Some(j) = self.lock().get_mut(id) {
            j.status = status;
        }
    }

    /// Counts one poll of job `id`; its status, the number of polls so far and the
    /// drive id.
    fn poll(&self, id: &str) -> Option<(JobStatus, u32, String)> {
        let mut g = self.lock();
        let j = g.get_mut(id)?;
        j.polls = j.polls.saturating_add(1);
        Some((j.status.clone(), j.polls, j.drive_id.clone()))
    }
}

fn new_job_id() -> String {
    let v: u128 = rand::random();
    format!("{v:032x}")
}

/// `POST {item}/copy` with an optional `{"parentReference": {...}, "name": "..."}`.
pub async fn start(ctx: &Ctx, item: &Item, body: Body) -> GraphResult<Response> {
    let body = query::read_json(body).await?;
    let Value::Object(o) = body else {
        return Err(GraphError::invalid_request(
            "The request body must be a JSON object.",
        ));
    };
    let mut conflict = ctx.query.conflict()?.unwrap_or(Conflict::Fail);
    if conflict == Conflict::Replace && item.is_folder() {
        conflict = Conflict::Fail;
    }
    if item.is_root() {
        return Err(GraphError::invalid_request("The root cannot be copied."));
    }
    // The source needs only to be readable (the dispatcher checked it); the destination
    // folder must be writable, in whichever drive `parentReference` names.
    let dest = match o.get("parentReference").filter(|v| !v.is_null()) {
        Some(p) => resolve_destination(ctx, p, true)?,
        None => None,
    };
    let (drive, parent_id) = match dest {
        Some(d) => {
            if !d.item.is_folder() {
                return Err(GraphError::invalid_request(
                    "The destination is not a folder.",
                ));
            }
            (d.drive, d.item.id)
        }
        None => {
            let store = ctx.drive.store();
            // Another user's drive: the copy lands beside the item, under the grant
            // (a `read` grant on the item itself: 403, as any write there).
            ctx.access.check(store, item, true)?;
            let p = item.parent_id.clone().unwrap_or_else(|| store.root_id());
            ctx.access.check(store, &store.get(&p)?, true)?;
            (ctx.drive.clone(), p)
        }
    };
    let store = drive.store();
    let name = match o.get("name") {
        None | Some(Value::Null) => item.name.clone(),
        Some(Value::String(s)) => s.clone(),
        Some(_) => return Err(GraphError::invalid_request("'name' must be a string.")),
    };
    crate::store::names::validate_item_name(&name, item.is_folder())?;
    // Synchronous rejections: a taken name (unless replaced or renamed), not enough space.
    if let Some(existing) = store.child_by_name(&parent_id, &name)? {
        let replaceable = conflict == Conflict::Replace && !existing.is_folder();
        if conflict == Conflict::Fail || (conflict == Conflict::Replace && !replaceable) {
            return Err(GraphError::name_already_exists(
                "The specified item name already exists.",
            ));
        }
    }
    store.check_quota(item.size)?;
    let job = new_job_id();
    ctx.state.graph.copies.insert(
        &job,
        PendingCopy {
            source_drive: ctx.drive.clone(),
            drive,
            source: item.id.clone(),
            parent_id,
            name,
            conflict,
            fails: ctx.copy_fails,
        },
    );
    let state = ctx.state.clone();
    let (job_id, delay) = (job.clone(), ctx.state.config.copy_delay);
    tokio::spawn(async move {
        tokio::time::sleep(delay).await;
        state.graph.copies.run(&job_id);
    });
    let location = format!("{}{}{}", ctx.state.transfer_url, MONITOR_PREFIX, job);
    let mut resp = StatusCode::ACCEPTED.into_response();
    let h = resp.headers_mut();
    if let Ok(v) = header::HeaderValue::from_str(&location) {
        h.insert(header::LOCATION, v);
    }
    if ctx.state.config.copy_accepted_gzip {
        // Seen once (O365/python-o365#872): an empty 202 that says it is gzipped.
        h.insert(
            header::CONTENT_ENCODING,
            header::HeaderValue::from_static("gzip"),
        );
        h.insert(header::CONTENT_LENGTH, header::HeaderValue::from(0u32));
    }
    Ok(resp)
}

/// `GET /_monitor/{id}`: the asyncJobStatus of a copy.
pub async fn monitor(State(state): State<AppState>, Path(id): Path<String>) -> Response {
    let mut resp = monitor_inner(&state, &id);
    resp.extensions_mut()
        .insert(RouteLabel("/monitor/{id}".into()));
    resp
}

fn monitor_inner(state: &AppState, id: &str) -> Response {
    let copies = &state.graph.copies;
    let Some((mut status, polls, drive_id)) = copies.poll(id) else {
        return GraphError::not_found("The monitor does not exist.").into_response();
    };
    if let Some(n) = state.config.copy_monitor_polls {
        if polls <= n {
            // `--copy-monitor-polls`: this many 202s, however long the copy takes.
            status = JobStatus::InProgress;
        } else if matches!(status, JobStatus::InProgress) {
            // The 202s are used up: the copy is done now.
            copies.run(id);
            status = copies
                .lock()
                .get(id)
                .map_or(JobStatus::InProgress, |j| j.status.clone());
        }
    }
    match status {
        JobStatus::InProgress => json_response(
            StatusCode::ACCEPTED,
            json!({"operation": "ItemCopy", "percentageComplete": 0.0, "status": "inProgress"}),
        ),
        JobStatus::Completed(rid) => {
            let body = json!({"operation": "ItemCopy", "percentageComplete": 100.0, "resourceId": rid, "status": "completed"});
            if !state.config.copy_monitor_redirect {
                return json_response(StatusCode::OK, body);
            }
            // The OneDrive doc's answer: 303 to the new item (on Graph: it needs a
            // token there), with the status body too.
            let mut resp = json_response(StatusCode::SEE_OTHER, body);
            let url = format!("{}/v1.0/drives/{drive_id}/items/{rid}", state.public_url);
            if let Ok(v) = header::HeaderValue::from_str(&url) {
                resp.headers_mut().insert(header::LOCATION, v);
            }
            resp
        }
        JobStatus::Failed { code, message } => json_response(
            StatusCode::OK,
            json!({
                "operation": "ItemCopy",
                "percentageComplete": 0.0,
                "status": "failed",
                "errorCode": code,
                "statusDescription": message,
                "error": {"code": code, "message": message},
            }),
        ),
    }
}
