//! Simple upload: `PUT …/content` with the raw bytes as the body (Graph:
//! driveitem-put-content). 201 for a new file, 200 when it replaced one.

use axum::Json;
use axum::body::Body;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use futures_util::StreamExt as _;

use super::UploadTarget;
use crate::drives::Drive;
use crate::error::{GraphError, GraphResult};
use crate::state::AppState;
use crate::store::{BlobWriter, Conflict, FsInfo, Item, Store};

/// The declared `Content-Length`, if any and well-formed.
pub(crate) fn content_length(headers: &HeaderMap) -> Option<u64> {
    headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse().ok())
}

pub(crate) fn too_large(limit: u64) -> GraphError {
    GraphError::new(
        StatusCode::PAYLOAD_TOO_LARGE,
        "invalidRequest",
        format!(
            "The request size exceeds the maximum limit ({limit} bytes for a simple upload; \
             use an upload session)."
        ),
    )
}

/// `PUT …/content` into `drive`: 201 with the new item, 200 when it replaced a file.
pub async fn simple_upload(
    state: &AppState,
    drive: &Drive,
    target: UploadTarget,
    conflict: Conflict,
    headers: &HeaderMap,
    body: Body,
) -> Response {
    match run(state, drive.store(), target, conflict, headers, body).await {
        Ok((item, created)) => {
            state.transfer.settling.start(state, drive, &item.id);
            let status = if created {
                StatusCode::CREATED
            } else {
                StatusCode::OK
            };
            (
                status,
                Json(crate::graph::json::item_json_in(state, drive, &item)),
            )
                .into_response()
        }
        Err(e) => e.into_response(),
    }
}

async fn run(
    state: &AppState,
    store: &Store,
    target: UploadTarget,
    conflict: Conflict,
    headers: &HeaderMap,
    body: Body,
) -> GraphResult<(Item, bool)> {
    let limit = state.config.simple_upload_limit;
    let declared = content_length(headers);
    // Reject before reading the body whatever can be decided from the headers.
    if declared.is_some_and(|n| n > limit) {
        return Err(too_large(limit));
    }
    precheck(store, &target, conflict, declared)?;

    let mut writer = BlobWriter::new(state.config.legacy_sha1);
    let mut stream = body.into_data_stream();
    while let Some(chunk) = stream.next().await {
        // A body that breaks mid-way stores nothing (the client is gone anyway).
        let chunk =
            chunk.map_err(|_| GraphError::invalid_request("The request body was interrupted."))?;
        if writer.len() + chunk.len() as u64 > limit {
            return Err(too_large(limit));
        }
        writer.push(chunk);
    }
    if declared.is_some_and(|n| n != writer.len()) {
        return Err(GraphError::invalid_request(
            "The body length does not match Content-Length.",
        ));
    }
    let blob = writer.finish();
    match target {
        UploadTarget::New { parent, name } => {
            store.put_file(&parent, &name, blob, conflict, FsInfo::default())
        }
        UploadTarget::Existing(id) => store
            .replace_content(&id, blob, FsInfo::default())
            .map(|it| (it, false)),
    }
}

/// The checks the store repeats at commit, done early so that a doomed upload fails
/// before its body is sent: the target must be (or become) a file, `fail` must not meet
/// an existing name, the declared size must fit the quota.
fn precheck(
    store: &Store,
    target: &UploadTarget,
    conflict: Conflict,
    declared: Option<u64>,
) -> GraphResult<()> {
    let replaced_size = match target {
        UploadTarget::Existing(id) => {
            let it = store.get(id)?;
            match it.file() {
                Some(_) => it.size,
                None => {
                    return Err(GraphError::invalid_request(
                        "Content can only be uploaded to a file.",
                    ));
                }
            }
        }
        UploadTarget::New { parent, name } => {
            // A bad name is refused before the body is read.
            crate::store::names::validate_item_name(name, false)?;
            let existing = store.child_by_name(parent, name)?;
            match existing {
                Some(it) if it.is_folder() => {
                    return Err(GraphError::name_already_exists(
                        "A folder with the specified name already exists.",
                    ));
                }
                Some(_) if conflict == Conflict::Fail => {
                    return Err(GraphError::name_already_exists(
                        "The specified item name already exists.",
                    ));
                }
                Some(it) if conflict == Conflict::Replace => it.size,
                _ => 0,
            }
        }
    };
    if let Some(n) = declared {
        store.check_quota(n.saturating_sub(replaced_size))?;
    }
    Ok(())
}
