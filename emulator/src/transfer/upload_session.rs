//! Upload sessions (Graph: driveitem-createuploadsession): create, fragment PUTs, status,
//! cancel, explicit commit, expiry.
//!
//! The rules enforced are the documented ones, strictly, so that a client that passes
//! here passes against the service: fragments in order, each under 60 MiB and a multiple
//! of 320 KiB except the last, the same total on every request, `Content-Length` equal to
//! the range. Fragment bytes are hashed as they stream in; a fragment whose connection
//! breaks is rolled back whole ("all bytes of that request are discarded").

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use axum::Json;
use axum::body::Body;
use axum::extract::{Extension, Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use futures_util::StreamExt as _;
use jiff::Timestamp;
use serde_json::{Value, json};

use super::UploadTarget;
use super::range::parse_content_range;
use super::simple_upload::content_length;
use crate::drives::Drive;
use crate::error::{GraphError, GraphResult};
use crate::faults::KeepPartial;
use crate::state::AppState;
use crate::stats::RouteLabel;
use crate::store::{Blob, BlobWriter, Conflict, FsInfo, Item, ItemPatch};

/// Every fragment but the last must be a multiple of this (Graph: 320 KiB).
pub const FRAGMENT_MULTIPLE: u64 = 320 * 1024;
/// Fragments must be smaller than this (Graph: "less than 60 MiB").
pub const MAX_FRAGMENT: u64 = 60 * 1024 * 1024;

/// The largest file the service accepts (250 GB since 2021).
pub const MAX_FILE_SIZE: u64 = 250 * 1024 * 1024 * 1024;

fn too_big_file() -> GraphError {
    GraphError::new(
        StatusCode::BAD_REQUEST,
        "invalidArgument",
        "Max file size exceeded.",
    )
    .inner("maxFileSizeExceeded")
}

/// The upload sessions in progress, and the ids of those that expired (so that their
/// URLs keep answering as expired ones).
#[derive(Default)]
pub struct Sessions {
    map: Mutex<HashMap<String, Arc<Mutex<Session>>>>,
    expired: Mutex<Expired>,
    /// An expired session's URL answers 401 `expiredToken` (`true`) or 404
    /// `uploadSessionNotFound` (`false`, the default): `--upload-session-expiry-status`.
    expired_unauthorized: bool,
}

/// Expired sessions remembered: id → (created, expired), at most [`EXPIRED_KEPT`], the
/// oldest forgotten first (a forgotten one answers 404).
#[derive(Default)]
struct Expired {
    times: HashMap<String, (Timestamp, Timestamp)>,
    order: std::collections::VecDeque<String>,
}

const EXPIRED_KEPT: usize = 4096;

impl Expired {
    fn add(&mut self, id: &str, created: Timestamp, expires: Timestamp) {
        if self
            .times
            .insert(id.to_owned(), (created, expires))
            .is_none()
        {
            self.order.push_back(id.to_owned());
        }
        while self.order.len() > EXPIRED_KEPT {
            if let Some(old) = self.order.pop_front() {
                self.times.remove(&old);
            }
        }
    }
}

struct Session {
    id: String,
    /// The drive the file is stored in.
    drive: Drive,
    target: UploadTarget,
    /// The name shown in listings (the target's).
    name: String,
    conflict: Conflict,
    fs: FsInfo,
    description: Option<String>,
    defer_commit: bool,
    created: Timestamp,
    expires: Timestamp,
    /// Announced by the first fragment; every later one must agree.
    total: Option<u64>,
    /// Bytes accepted so far.
    received: u64,
    /// `None` while a fragment is streaming (it holds the writer) or once finished.
    writer: Option<BlobWriter>,
    /// All bytes received, not yet committed (deferCommit, or a failed commit).
    finished: Option<Blob>,
}

impl Session {
    fn next_expected(&self) -> Vec<String> {
        if self.finished.is_some() {
            Vec::new()
        } else {
            vec![format!("{}-", self.received)]
        }
    }

    fn status_json(&self) -> Value {
        json!({
            "expirationDateTime": graph_time(self.expires),
            "nextExpectedRanges": self.next_expected(),
        })
    }
}

/// Graph's timestamp form, e.g. `2015-01-29T09:21:55.523Z`.
pub(crate) fn graph_time(t: Timestamp) -> String {
    t.strftime("%Y-%m-%dT%H:%M:%S%.3fZ").to_string()
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

fn plus(t: Timestamp, d: Duration) -> Timestamp {
    let d = jiff::SignedDuration::try_from(d).unwrap_or(jiff::SignedDuration::MAX);
    t.checked_add(d).unwrap_or(Timestamp::MAX)
}

/// 404 `itemNotFound` inner `uploadSessionNotFound`: the answer of a session's URL once
/// the session is gone (cancelled, committed, dropped by a fault, expired by default).
pub fn session_not_found() -> GraphError {
    GraphError::not_found("The upload session was not found.").inner("uploadSessionNotFound")
}

impl Sessions {
    /// No sessions; expired ones answer 401 when `expired_unauthorized`, else 404.
    pub fn new(expired_unauthorized: bool) -> Self {
        Self {
            expired_unauthorized,
            ..Self::default()
        }
    }

    /// The live session `id`; an expired one is dropped and answers as expired from
    /// then on (404, or 401 with `--upload-session-expiry-status 401`).
    fn get(&self, id: &str) -> GraphResult<Arc<Mutex<Session>>> {
        let Some(s) = lock(&self.map).get(id).cloned() else {
            let times = lock(&self.expired).times.get(id).copied();
            return Err(match times {
                Some((created, expires)) => self.expired_error(created, expires),
                None => session_not_found(),
            });
        };
        let (created, expires) = {
            let g = lock(&s);
            (g.created, g.expires)
        };
        if expires <= Timestamp::now() {
            self.remove(id);
            lock(&self.expired).add(id, created, expires);
            return Err(self.expired_error(created, expires));
        }
        Ok(s)
    }

    /// The answer of an expired session's URL: 404 `uploadSessionNotFound`, or (as
    /// seen in OneDrive/onedrive-api-docs#1570, #1073) 401 `unauthenticated` inner
    /// `expiredToken` "The access token has expired. It's valid from … and to …".
    fn expired_error(&self, created: Timestamp, expires: Timestamp) -> GraphError {
        if !self.expired_unauthorized {
            return session_not_found();
        }
        let us = |t: Timestamp| t.strftime("%-m/%-d/%Y %-I:%M:%S %p").to_string();
        GraphError::new(
            StatusCode::UNAUTHORIZED,
            "unauthenticated",
            format!(
                "The access token has expired. It's valid from '{}' and to '{}'.",
                us(created),
                us(expires)
            ),
        )
        .inner("expiredToken")
    }

    /// Drops the session `id` at once (the `drop_session` fault): its URL answers 404
    /// from now on.
    pub fn forget(&self, id: &str) {
        self.remove(id);
    }

    fn remove(&self, id: &str) -> bool {
        lock(&self.map).remove(id).is_some()
    }

    fn insert(&self, s: Session) {
        let now = Timestamp::now();
        let mut map = lock(&self.map);
        // Expired sessions are swept whenever a new one starts (and remembered as
        // expired: lock order map → session → expired).
        map.retain(|id, v| {
            let g = lock(v);
            let live = g.expires > now;
            if !live {
                lock(&self.expired).add(id, g.created, g.expires);
            }
            live
        });
        map.insert(s.id.clone(), Arc::new(Mutex::new(s)));
    }

    /// Drops every session, and forgets the expired ones (admin reset).
    pub fn clear(&self) {
        lock(&self.map).clear();
        *lock(&self.expired) = Expired::default();
    }

    /// `GET /_emulator/uploads`.
    pub fn list(&self, base_url: &str) -> Vec<Value> {
        let now = Timestamp::now();
        let map = lock(&self.map);
        let mut out: Vec<(String, Value)> = map
            .values()
            .filter_map(|s| {
                let s = lock(s);
                (s.expires > now).then(|| {
                    let target = match &s.target {
                        UploadTarget::Existing(id) => json!({"itemId": id}),
                        UploadTarget::New { parent, name } => {
                            json!({"parentId": parent, "name": name})
                        }
                    };
                    (
                        s.id.clone(),
                        json!({
                            "uploadUrl": format!("{base_url}{}{}", super::UPLOAD_PREFIX, s.id),
                            "name": s.name,
                            "target": target,
                            "received": s.received,
                            "total": s.total,
                            "deferCommit": s.defer_commit,
                            "complete": s.finished.is_some(),
                            "expirationDateTime": graph_time(s.expires),
                        }),
                    )
                })
            })
            .collect();
        out.sort_by(|a, b| a.0.cmp(&b.0));
        out.into_iter().map(|(_, v)| v).collect()
    }
}

// ------------------------------------------------------------------ create

/// `POST …/createUploadSession` on the user's own drive: 200 with the session.
pub async fn create_upload_session(
    state: &AppState,
    target: UploadTarget,
    headers: &HeaderMap,
    body: bytes::Bytes,
) -> Response {
    create_upload_session_in(state, &Drive::Own(state.clone()), target, headers, body).await
}

/// `POST …/createUploadSession` in `drive`: 200 with the session (`uploadUrl`, …).
pub async fn create_upload_session_in(
    state: &AppState,
    drive: &Drive,
    target: UploadTarget,
    headers: &HeaderMap,
    body: bytes::Bytes,
) -> Response {
    match create(state, drive, target, headers, &body) {
        Ok(v) => (StatusCode::OK, Json(v)).into_response(),
        Err(e) => e.into_response(),
    }
}

fn bad_body(msg: &str) -> GraphError {
    GraphError::invalid_request(msg.to_owned())
}

fn parse_time(v: Option<&Value>, field: &str) -> GraphResult<Option<Timestamp>> {
    match v {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => s
            .parse::<Timestamp>()
            .map(Some)
            .map_err(|_| bad_body(&format!("Invalid value for fileSystemInfo.{field}."))),
        Some(_) => Err(bad_body(&format!(
            "Invalid value for fileSystemInfo.{field}."
        ))),
    }
}

fn create(
    state: &AppState,
    drive: &Drive,
    target: UploadTarget,
    headers: &HeaderMap,
    body: &[u8],
) -> GraphResult<Value> {
    let req: Value = if body.iter().all(u8::is_ascii_whitespace) {
        json!({})
    } else {
        serde_json::from_slice(body).map_err(|_| bad_body("The request body is not valid JSON."))?
    };
    let Value::Object(req) = req else {
        return Err(bad_body("The request body must be a JSON object."));
    };
    let item = match req.get("item") {
        None | Some(Value::Null) => serde_json::Map::new(),
        Some(Value::Object(m)) => m.clone(),
        Some(_) => return Err(bad_body("Invalid value for item.")),
    };
    // conflictBehavior belongs inside `item`; the documented default is `fail`.
    let conflict = match item.get("@microsoft.graph.conflictBehavior") {
        None | Some(Value::Null) => Conflict::Fail,
        Some(Value::String(s)) => Conflict::parse(s)
            .ok_or_else(|| bad_body("Invalid value for @microsoft.graph.conflictBehavior."))?,
        Some(_) => {
            return Err(bad_body(
                "Invalid value for @microsoft.graph.conflictBehavior.",
            ));
        }
    };
    let name = match item.get("name") {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) => Some(s.clone()),
        Some(_) => return Err(bad_body("Invalid value for name.")),
    };
    let file_size = match item.get("fileSize") {
        None | Some(Value::Null) => None,
        Some(v) => Some(
            v.as_u64()
                .ok_or_else(|| bad_body("Invalid value for fileSize."))?,
        ),
    };
    let description = match item.get("description") {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) => Some(s.clone()),
        Some(_) => return Err(bad_body("Invalid value for description.")),
    };
    let fs = match item.get("fileSystemInfo") {
        None | Some(Value::Null) => FsInfo::default(),
        Some(Value::Object(f)) => FsInfo {
            created: parse_time(f.get("createdDateTime"), "createdDateTime")?,
            modified: parse_time(f.get("lastModifiedDateTime"), "lastModifiedDateTime")?,
        },
        Some(_) => return Err(bad_body("Invalid value for fileSystemInfo.")),
    };
    let defer_commit = match req.get("deferCommit") {
        None | Some(Value::Null) => false,
        Some(Value::Bool(b)) => *b,
        Some(_) => return Err(bad_body("Invalid value for deferCommit.")),
    };

    // The item the upload would replace, if any, for preconditions and quota.
    let (existing, display_name): (Option<Item>, String) = match &target {
        UploadTarget::Existing(id) => {
            let it = drive.store().get(id)?;
            if it.is_folder() {
                return Err(GraphError::invalid_request(
                    "Content can only be uploaded to a file.",
                ));
            }
            let n = it.name.clone();
            (Some(it), n)
        }
        UploadTarget::New {
            parent,
            name: path_name,
        } => {
            // Graph: the name in the body must match the one in the path.
            if let Some(n) = &name
                && n != path_name
            {
                return Err(GraphError::invalid_request(
                    "The name in the request body does not match the name in the path.",
                ));
            }
            // A bad name is refused at once, not after the upload.
            crate::store::names::validate_item_name(path_name, false)?;
            let parent_item = drive.store().get(parent)?;
            if !parent_item.is_folder() {
                return Err(GraphError::invalid_request(
                    "The parent of an upload must be a folder.",
                ));
            }
            let existing = drive.store().child_by_name(parent, path_name)?;
            if let Some(it) = &existing {
                if it.is_folder() {
                    return Err(GraphError::name_already_exists(
                        "A folder with the specified name already exists.",
                    ));
                }
                if conflict == Conflict::Fail {
                    return Err(GraphError::name_already_exists(
                        "The specified item name already exists.",
                    ));
                }
            }
            (existing, path_name.clone())
        }
    };
    check_preconditions(headers, existing.as_ref())?;
    if file_size.is_some_and(|n| n > MAX_FILE_SIZE) {
        return Err(too_big_file());
    }
    if let Some(size) = file_size {
        let freed = match (&existing, conflict) {
            (Some(it), Conflict::Replace) => it.size,
            (Some(it), _) if matches!(target, UploadTarget::Existing(_)) => it.size,
            _ => 0,
        };
        // Graph: a fileSize over the remaining quota fails with 507, no session made.
        drive.store().check_quota(size.saturating_sub(freed))?;
    }

    let mut raw = [0u8; 32];
    raw.iter_mut().for_each(|b| *b = rand::random());
    let id = B64.encode(raw);
    let created = Timestamp::now();
    let expires = plus(created, state.config.upload_session_ttl);
    let session = Session {
        id: id.clone(),
        drive: drive.clone(),
        target,
        name: display_name,
        conflict,
        fs,
        description,
        defer_commit,
        created,
        expires,
        total: None,
        received: 0,
        writer: Some(BlobWriter::new(state.config.legacy_sha1)),
        finished: None,
    };
    state.transfer.sessions.insert(session);
    Ok(json!({
        "@odata.context": "https://graph.microsoft.com/v1.0/$metadata#microsoft.graph.uploadSession",
        "uploadUrl": format!("{}{}{id}", state.transfer_url, super::UPLOAD_PREFIX),
        "expirationDateTime": graph_time(expires),
        "nextExpectedRanges": ["0-"],
    }))
}

/// `If-Match` (412 unless it names the current eTag/cTag) and `If-None-Match` (412 when
/// it does), against the item the upload would replace.
fn check_preconditions(headers: &HeaderMap, existing: Option<&Item>) -> GraphResult<()> {
    let failed = || {
        GraphError::new(
            StatusCode::PRECONDITION_FAILED,
            "resourceModified",
            "The resource has changed since the caller last read it.",
        )
    };
    if let Some(im) = headers.get(header::IF_MATCH).and_then(|v| v.to_str().ok()) {
        let ok =
            existing.is_some_and(|it| im.split(',').any(|t| t.trim() == "*" || it.matches_tag(t)));
        if !ok {
            return Err(failed());
        }
    }
    if let Some(inm) = headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        && let Some(it) = existing
        && inm.split(',').any(|t| t.trim() == "*" || it.matches_tag(t))
    {
        return Err(failed());
    }
    Ok(())
}

// ------------------------------------------------------------------ uploadUrl routes

fn labelled(mut resp: Response, label: &str) -> Response {
    resp.extensions_mut().insert(RouteLabel(label.to_owned()));
    resp
}

/// `PUT {uploadUrl}`: one fragment.
pub async fn put_fragment(
    State(state): State<AppState>,
    Path(id): Path<String>,
    keep: Option<Extension<KeepPartial>>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let resp = match fragment(&state, &id, &headers, body, keep.is_some()).await {
        Ok(r) => r,
        Err(e) => e.into_response(),
    };
    labelled(resp, "PUT /_up/{session}")
}

/// `GET {uploadUrl}`: status, to resume.
pub async fn status(State(state): State<AppState>, Path(id): Path<String>) -> Response {
    let r = match state.transfer.sessions.get(&id) {
        Ok(s) => (StatusCode::OK, Json(lock(&s).status_json())).into_response(),
        Err(e) => e.into_response(),
    };
    labelled(r, "GET /_up/{session}")
}

/// `DELETE {uploadUrl}`: cancel (204).
pub async fn cancel(State(state): State<AppState>, Path(id): Path<String>) -> Response {
    let r = match state.transfer.sessions.get(&id) {
        Ok(_) => {
            state.transfer.sessions.remove(&id);
            StatusCode::NO_CONTENT.into_response()
        }
        Err(e) => e.into_response(),
    };
    labelled(r, "DELETE /_up/{session}")
}

/// `POST {uploadUrl}` with an empty body: commit a `deferCommit` session (the
/// Business/SharePoint way; Graph: "Completing a file").
pub async fn commit_deferred(
    State(state): State<AppState>,
    Path(id): Path<String>,
    body: bytes::Bytes,
) -> Response {
    let r = (|| {
        if !body.is_empty() {
            return Err(GraphError::invalid_request(
                "The commit request must have an empty body.",
            ));
        }
        let s = state.transfer.sessions.get(&id)?;
        let mut g = lock(&s);
        if g.finished.is_none() {
            return Err(GraphError::invalid_request(
                "The upload session is not complete: not all bytes were received.",
            )
            .inner("uploadSessionIncomplete"));
        }
        let r = commit(&state, &mut g);
        drop(g);
        if r.is_ok() {
            state.transfer.sessions.remove(&id);
        }
        r
    })();
    labelled(
        r.unwrap_or_else(|e| e.into_response()),
        "POST /_up/{session}",
    )
}

fn overlap(s: &Session) -> GraphError {
    let mut e = GraphError::new(
        StatusCode::RANGE_NOT_SATISFIABLE,
        "invalidRange",
        "Uploaded fragment overlaps with existing data.",
    )
    .inner("fragmentOverlap");
    let mut extra = serde_json::Map::new();
    extra.insert("nextExpectedRanges".into(), json!(s.next_expected()));
    e.extra = Some(extra);
    e
}

/// One fragment. `keep_partial` (the `keep` cut fault): a body that breaks keeps the
/// bytes that arrived, as the service was seen doing (OneDrive/onedrive-api-docs#75),
/// instead of the documented discard-all.
async fn fragment(
    state: &AppState,
    id: &str,
    headers: &HeaderMap,
    body: Body,
    keep_partial: bool,
) -> GraphResult<Response> {
    let session = state.transfer.sessions.get(id)?;
    let range = headers
        .get(header::CONTENT_RANGE)
        .and_then(|v| v.to_str().ok())
        .and_then(parse_content_range)
        .ok_or_else(|| {
            GraphError::invalid_request(
                "Missing or invalid Content-Range header: expected bytes {first}-{last}/{total}.",
            )
        })?;
    let declared = content_length(headers).ok_or_else(|| {
        GraphError::new(
            StatusCode::LENGTH_REQUIRED,
            "invalidRequest",
            "A Content-Length header is required.",
        )
    })?;
    if declared != range.len() {
        return Err(GraphError::invalid_request(
            "Content-Length does not match the Content-Range.",
        ));
    }
    if range.len() >= MAX_FRAGMENT {
        return Err(GraphError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "invalidRequest",
            "Each fragment must be smaller than 60 MiB.",
        )
        .inner("maxFragmentLengthExceeded"));
    }
    let is_last = range.last + 1 == range.total;
    if !is_last && range.len() % FRAGMENT_MULTIPLE != 0 {
        return Err(GraphError::invalid_request(
            "Every fragment but the last must be a multiple of 320 KiB (327,680 bytes).",
        ));
    }

    // Claim the session's writer for this fragment.
    let (mut writer, checkpoint) = {
        let mut s = lock(&session);
        if let Some(total) = s.total
            && total != range.total
        {
            return Err(GraphError::invalid_request(
                "The total length differs from earlier fragments.",
            )
            .inner("fragmentLengthMismatch"));
        }
        if range.total > MAX_FILE_SIZE {
            return Err(too_big_file());
        }
        if range.first < s.received || s.finished.is_some() {
            return Err(overlap(&s));
        }
        if range.first > s.received {
            let mut e = GraphError::new(
                StatusCode::RANGE_NOT_SATISFIABLE,
                "invalidRange",
                "The fragment is out of order: it does not start at the next expected byte.",
            )
            .inner("fragmentOutOfOrder");
            let mut extra = serde_json::Map::new();
            extra.insert("nextExpectedRanges".into(), json!(s.next_expected()));
            e.extra = Some(extra);
            return Err(e);
        }
        // Another request is streaming the same range right now.
        let Some(w) = s.writer.take() else {
            return Err(overlap(&s));
        };
        s.total = Some(range.total);
        let cp = w.checkpoint();
        (w, cp)
    };

    // Stream the body, hashing as it comes.
    let mut ok = true;
    let mut stream = body.into_data_stream();
    let mut got: u64 = 0;
    while let Some(chunk) = stream.next().await {
        match chunk {
            Ok(c) => {
                got += c.len() as u64;
                if got > declared {
                    ok = false;
                    break;
                }
                writer.push(c);
            }
            Err(_) => {
                ok = false;
                break;
            }
        }
    }
    if got != declared {
        ok = false;
    }

    let mut s = lock(&session);
    if !ok && keep_partial && got <= declared && got < range.len() {
        // The bytes that came stay; the session expects the rest of the fragment.
        s.received += got;
        s.writer = Some(writer);
        return Err(GraphError::invalid_request(
            "The fragment body was interrupted; the bytes received were kept.",
        ));
    }
    if !ok {
        writer.rollback(checkpoint);
        s.writer = Some(writer);
        return Err(GraphError::invalid_request(
            "The fragment body was interrupted or did not match Content-Length; its bytes were discarded.",
        ));
    }
    s.received += got;
    if state.config.upload_session_sliding {
        s.expires = plus(Timestamp::now(), state.config.upload_session_ttl);
    }
    if s.received < range.total {
        s.writer = Some(writer);
        return Ok((StatusCode::ACCEPTED, Json(s.status_json())).into_response());
    }
    s.finished = Some(writer.finish());
    if s.defer_commit {
        // Everything is here; the file appears only on the explicit commit.
        return Ok((StatusCode::ACCEPTED, Json(s.status_json())).into_response());
    }
    let r = commit(state, &mut s);
    // Lock order is map → session: release the session before touching the map.
    drop(s);
    if r.is_ok() {
        state.transfer.sessions.remove(id);
    }
    r
}

/// Stores the finished blob. On failure (a name taken meanwhile with `fail`, quota) the
/// session survives with its bytes, as on the service; on success the caller removes it
/// (after releasing the session lock).
fn commit(state: &AppState, s: &mut Session) -> GraphResult<Response> {
    let Some(blob) = s.finished.clone() else {
        return Err(
            GraphError::invalid_request("The upload session is not complete.")
                .inner("uploadSessionIncomplete"),
        );
    };
    let store = s.drive.store();
    let (item, created) = match &s.target {
        UploadTarget::New { parent, name } => {
            store.put_file(parent, name, blob, s.conflict, s.fs.clone())?
        }
        UploadTarget::Existing(id) => (store.replace_content(id, blob, s.fs.clone())?, false),
    };
    let item = match &s.description {
        Some(d) => store
            .update(
                &item.id,
                ItemPatch {
                    description: Some(d.clone()),
                    ..ItemPatch::default()
                },
            )
            .unwrap_or(item),
        None => item,
    };
    s.finished = None;
    state.transfer.settling.start(state, &s.drive, &item.id);
    let status = if created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    let json = crate::graph::json::item_json_in(state, &s.drive, &item);
    Ok((status, Json(json)).into_response())
}
