//! `/_emulator/...` control routes (JSON). No authentication: the emulator is a local
//! test tool, and tests must be able to steer it without going through OAuth.
//!
//! - `GET  stats`, `POST stats/reset`: request counts by method and route, bytes in/out.
//! - `POST reset`: empty drive, no other drives, sites, grants or shortcuts, no upload
//!   sessions, copy jobs, links or delta paging
//!   sessions, no scripted faults, zeroed stats (issued tokens stay valid).
//! - `GET|POST|DELETE faults`: the scripted-fault queue (see [`crate::faults`]).
//! - `POST populate`: a tree of F folders and N files in one call.
//! - `POST tokens`: a fresh access token without an OAuth flow (scripts, benchmarks).
//! - `POST tokens/expire`: every access token issued so far expires now.
//! - `POST corrupt`: change a file's stored bytes, keeping its advertised hashes.
//! - `POST hashes`: make a file report `"hashes": {}` until its content changes.
//! - `GET|PUT quota`: read or set the drive quota.
//! - `GET  uploads`: the upload sessions in progress.
//! - `drives`, `drives/{id}/content`, `share`, `shared-with-me`: other drives, sites and
//!   sharing (see [`crate::drives::admin`]).

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use bytes::Bytes;
use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};

use crate::error::{GraphError, GraphResult};
use crate::faults::ScriptEntry;
use crate::state::AppState;
use crate::store::{Blob, Conflict, Item, Store};

/// Path prefix of the admin routes.
pub const PREFIX: &str = "/_emulator/";

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/_emulator/stats", get(stats))
        .route("/_emulator/stats/reset", post(stats_reset))
        .route("/_emulator/reset", post(reset))
        .route(
            "/_emulator/faults",
            get(faults_list).post(faults_add).delete(faults_clear),
        )
        .route("/_emulator/populate", post(populate))
        .route("/_emulator/tokens", post(tokens_mint))
        .route("/_emulator/tokens/expire", post(tokens_expire))
        .route("/_emulator/corrupt", post(corrupt))
        .route("/_emulator/hashes", post(blank_hashes))
        .route("/_emulator/quota", get(quota_get).put(quota_put))
        .route("/_emulator/uploads", get(uploads))
        .merge(crate::drives::admin::router())
}

fn reply(r: GraphResult<Value>) -> Response {
    match r {
        Ok(v) => (StatusCode::OK, Json(v)).into_response(),
        Err(e) => e.into_response(),
    }
}

/// Parses a JSON body into `T` (an empty or blank body as `{}`), with a Graph-shaped
/// 400 on failure. The drive admin routes ([`crate::drives::admin`]) use it too.
pub(crate) fn parse<T: DeserializeOwned>(body: &[u8]) -> GraphResult<T> {
    let body = if body.iter().all(u8::is_ascii_whitespace) {
        &b"{}"[..]
    } else {
        body
    };
    serde_json::from_slice(body)
        .map_err(|e| GraphError::invalid_request(format!("Invalid request body: {e}")))
}

async fn stats(State(state): State<AppState>) -> Response {
    let mut v = state.stats.snapshot();
    if let Value::Object(m) = &mut v {
        m.insert("faults_injected".into(), json!(state.faults.injected()));
        m.insert(
            "upload_sessions".into(),
            json!(state.transfer.sessions.list(&state.transfer_url).len()),
        );
        m.insert("items".into(), json!(state.store.item_count()));
    }
    (StatusCode::OK, Json(v)).into_response()
}

async fn stats_reset(State(state): State<AppState>) -> StatusCode {
    state.stats.reset();
    StatusCode::NO_CONTENT
}

async fn reset(State(state): State<AppState>) -> StatusCode {
    state.store.reset();
    state.drives.reset();
    state.graph.reset();
    state.transfer.sessions.clear();
    state.transfer.settling.clear();
    state.faults.clear_script();
    state.stats.reset();
    StatusCode::NO_CONTENT
}

async fn faults_list(State(state): State<AppState>) -> Response {
    reply(Ok(json!({
        "pending": state.faults.pending(),
        "injected": state.faults.injected(),
        "stalled": state.faults.stalled(),
    })))
}

/// One fault object or a list of them.
#[derive(Deserialize)]
#[serde(untagged)]
enum OneOrMany {
    Many(Vec<ScriptEntry>),
    One(ScriptEntry),
}

async fn faults_add(State(state): State<AppState>, body: Bytes) -> Response {
    reply((|| {
        let list = match parse::<OneOrMany>(&body)? {
            OneOrMany::Many(v) => v,
            OneOrMany::One(f) => vec![f],
        };
        state
            .faults
            .add_entries(list)
            .map_err(GraphError::invalid_request)?;
        Ok(json!({ "pending": state.faults.pending() }))
    })())
}

async fn faults_clear(State(state): State<AppState>) -> StatusCode {
    state.faults.clear_script();
    StatusCode::NO_CONTENT
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PopulateReq {
    /// Folder to fill (created, with its ancestors, when missing). Default: the root.
    #[serde(default)]
    path: String,
    #[serde(default)]
    folders: usize,
    #[serde(default)]
    files: usize,
    /// Every file's size in bytes...
    #[serde(default)]
    size: Option<u64>,
    /// ...or sizes used round-robin.
    #[serde(default)]
    sizes: Vec<u64>,
    /// Levels the folders nest in (default 1: all in `path`).
    #[serde(default)]
    depth: usize,
}

/// The folder at `path` below the root, creating missing folders.
fn ensure_folder(state: &AppState, path: &str) -> GraphResult<Item> {
    let mut cur = state.store.get(&state.store.root_id())?;
    for seg in path.split('/').filter(|s| !s.is_empty()) {
        cur = match state.store.child_by_name(&cur.id, seg)? {
            Some(it) if it.is_folder() => it,
            Some(_) => {
                return Err(GraphError::name_already_exists(format!(
                    "{seg} exists and is not a folder"
                )));
            }
            None => state.store.create_folder(&cur.id, seg, Conflict::Fail)?.0,
        };
    }
    Ok(cur)
}

async fn populate(State(state): State<AppState>, body: Bytes) -> Response {
    reply((|| {
        let req: PopulateReq = parse(&body)?;
        const MAX: usize = 1_000_000;
        if req.folders > MAX || req.files > MAX {
            return Err(GraphError::invalid_request(
                "At most 1,000,000 folders and files per call.",
            ));
        }
        let mut sizes = req.sizes;
        if let Some(s) = req.size {
            sizes.push(s);
        }
        let parent = ensure_folder(&state, &req.path)?;
        let started = std::time::Instant::now();
        let summary =
            state
                .store
                .populate(&parent.id, req.folders, req.files, &sizes, req.depth)?;
        Ok(json!({
            "parentId": parent.id,
            "folders": summary.folder_ids.len(),
            "files": summary.file_ids.len(),
            "bytes": summary.bytes,
            "millis": started.elapsed().as_millis() as u64,
        }))
    })())
}

async fn tokens_mint(State(state): State<AppState>) -> Response {
    let ttl = state.config.token_ttl;
    let token = state.identity.mint_access_token(ttl);
    reply(Ok(json!({
        "token_type": "Bearer",
        "access_token": token,
        "expires_in": ttl.as_secs(),
    })))
}

async fn tokens_expire(State(state): State<AppState>) -> Response {
    let n = state.identity.expire_all_access_tokens();
    reply(Ok(json!({ "expired": n })))
}

/// `{"id"}` or `{"path"}`: the item an admin route acts on.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ItemReq {
    id: Option<String>,
    path: Option<String>,
}

impl ItemReq {
    fn resolve(self, state: &AppState) -> GraphResult<Item> {
        id_or_path(&state.store, self.id, self.path)
    }
}

/// The item named by exactly one of `id` and `path` (from the root) in `store`; 400
/// when both or neither are given, 404 when it does not exist. The drive admin routes
/// ([`crate::drives::admin`]) use it too.
pub(crate) fn id_or_path(
    store: &Store,
    id: Option<String>,
    path: Option<String>,
) -> GraphResult<Item> {
    match (id, path) {
        (Some(id), None) => store.get(&id),
        (None, Some(p)) => store.resolve_path(&store.root_id(), &p),
        _ => Err(GraphError::invalid_request(
            "Give exactly one of \"id\" and \"path\".",
        )),
    }
}

/// `POST /_emulator/hashes`: the file reports `"hashes": {}` until its content changes
/// (OneDrive/onedrive-api-docs#1704).
async fn blank_hashes(State(state): State<AppState>, body: Bytes) -> Response {
    reply((|| {
        let item = parse::<ItemReq>(&body)?.resolve(&state)?;
        let item = state.store.blank_hashes(&item.id)?;
        Ok(json!({ "id": item.id, "hashes": {} }))
    })())
}

async fn corrupt(State(state): State<AppState>, body: Bytes) -> Response {
    reply((|| {
        let item = parse::<ItemReq>(&body)?.resolve(&state)?;
        let Some(file) = item.file() else {
            return Err(GraphError::invalid_request("Only files can be corrupted."));
        };
        if file.blob.is_empty() {
            return Err(GraphError::invalid_request(
                "An empty file has no byte to corrupt.",
            ));
        }
        // Same length, first byte flipped: only a hash check can tell.
        let mut bytes = file.blob.to_vec();
        bytes[0] ^= 0xFF;
        let bad = Blob::from_bytes(bytes).with_hashes_of(&file.blob);
        state.store.set_blob_unchecked(&item.id, bad)?;
        Ok(json!({ "id": item.id, "corrupted": true }))
    })())
}

fn quota_json(state: &AppState) -> Value {
    let q = state.store.quota();
    json!({
        "total": q.total,
        "used": q.used,
        "remaining": q.remaining,
        "deleted": q.deleted,
        "state": q.state,
    })
}

async fn quota_get(State(state): State<AppState>) -> Response {
    reply(Ok(quota_json(&state)))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct QuotaReq {
    total: u64,
}

async fn quota_put(State(state): State<AppState>, body: Bytes) -> Response {
    reply((|| {
        let req: QuotaReq = parse(&body)?;
        state.store.set_quota(req.total);
        Ok(quota_json(&state))
    })())
}

async fn uploads(State(state): State<AppState>) -> Response {
    reply(Ok(
        json!({ "value": state.transfer.sessions.list(&state.transfer_url) }),
    ))
}
