//! `POST {item}/copy` and its monitor URL.
//!
//! Graph (graph-api-notes §7.4): the reply is `202 Accepted` with no body and
//! `Location:` a monitor URL; a name already in use is rejected synchronously (409). The
//! copy then runs asynchronously (here: after `config.copy_delay`). The monitor is polled
//! with a plain GET and NO Authorization (a bearer sent there is refused with 401, as
//! SharePoint's monitor does); it answers `202` with `inProgress` until done, then `200`
//! with `status: completed` and `resourceId` (the observed current behaviour; the older
//! OneDrive doc's `303 See Other` is not emulated), or `failed` with `errorCode`.
//!
//! `@microsoft.graph.conflictBehavior` (query; default `fail`): the doc says it is "not
//! supported for OneDrive Consumer", yet widely used clients (rclone) send `replace` to
//! every drive type and work; what Personal really does is unconfirmed, so the emulator
//! honours it: `replace` (files only, as documented: a folder source falls back to `fail`)
//! and `rename` (`name 1.txt`).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use super::items::resolve_parent_ref;
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

/// Copy jobs by monitor id.
#[derive(Default)]
pub struct CopyJobs {
    jobs: Arc<Mutex<HashMap<String, JobStatus>>>,
}

impl CopyJobs {
    pub fn clear(&self) {
        self.jobs.lock().unwrap_or_else(|e| e.into_inner()).clear();
    }

    fn set(&self, id: &str, s: JobStatus) {
        self.jobs
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(id.to_owned(), s);
    }

    fn get(&self, id: &str) -> Option<JobStatus> {
        self.jobs
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(id)
            .cloned()
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
    let store = &ctx.state.store;
    if item.is_root() {
        return Err(GraphError::invalid_request("The root cannot be copied."));
    }
    let parent = match o.get("parentReference").filter(|v| !v.is_null()) {
        Some(p) => resolve_parent_ref(ctx, p)?,
        None => None,
    };
    let parent_id = match parent {
        Some(p) => {
            if !p.is_folder() {
                return Err(GraphError::invalid_request(
                    "The destination is not a folder.",
                ));
            }
            p.id
        }
        None => item.parent_id.clone().unwrap_or_else(|| store.root_id()),
    };
    let name = match o.get("name") {
        None | Some(Value::Null) => item.name.clone(),
        Some(Value::String(s)) => s.clone(),
        Some(_) => return Err(GraphError::invalid_request("'name' must be a string.")),
    };
    crate::store::names::validate_name(&name)?;
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
    ctx.state.graph.copies.set(&job, JobStatus::InProgress);
    let state = ctx.state.clone();
    let (source, job_id, delay) = (item.id.clone(), job.clone(), ctx.state.config.copy_delay);
    let fails = ctx.copy_fails;
    tokio::spawn(async move {
        tokio::time::sleep(delay).await;
        let result = if fails {
            Err(GraphError::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                "generalException",
                "The copy failed (emulated fault).",
            ))
        } else {
            state.store.copy(&source, &parent_id, Some(&name), conflict)
        };
        let status = match result {
            Ok(new) => JobStatus::Completed(new.id),
            Err(e) => JobStatus::Failed {
                code: e.code,
                message: e.message,
            },
        };
        state.graph.copies.set(&job_id, status);
    });
    let location = format!("{}{}{}", ctx.state.transfer_url, MONITOR_PREFIX, job);
    let mut resp = StatusCode::ACCEPTED.into_response();
    if let Ok(v) = header::HeaderValue::from_str(&location) {
        resp.headers_mut().insert(header::LOCATION, v);
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
    match state.graph.copies.get(id) {
        None => GraphError::not_found("The monitor does not exist.").into_response(),
        Some(JobStatus::InProgress) => json_response(
            StatusCode::ACCEPTED,
            json!({"operation": "ItemCopy", "percentageComplete": 0.0, "status": "inProgress"}),
        ),
        Some(JobStatus::Completed(rid)) => json_response(
            StatusCode::OK,
            json!({"operation": "ItemCopy", "percentageComplete": 100.0, "resourceId": rid, "status": "completed"}),
        ),
        Some(JobStatus::Failed { code, message }) => json_response(
            StatusCode::OK,
            json!({"operation": "ItemCopy", "percentageComplete": 0.0, "status": "failed", "errorCode": code, "statusDescription": message}),
        ),
    }
}
