//! Downloads: `GET …/content` answers 302 to a pre-authenticated URL on this listener,
//! which serves the bytes (Graph: driveitem-get-content).

use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use percent_encoding::{NON_ALPHANUMERIC, utf8_percent_encode};

use super::body::BlobBody;
use super::range::{RangeRequest, parse_range};
use super::signing::TokenError;
use crate::drives::Drive;
use crate::error::GraphError;
use crate::state::AppState;
use crate::stats::RouteLabel;
use crate::store::ItemId;

/// The `@microsoft.graph.downloadUrl` of a file item of the user's own drive.
pub fn download_url(state: &AppState, item: &str) -> String {
    download_url_in(state, &Drive::Own(state.clone()), item)
}

/// The `@microsoft.graph.downloadUrl` of a file item of `drive`: signed, expiring after
/// `config.download_url_ttl`. The signed subject is the item id on the user's own drive,
/// `{driveId}/{itemId}` on another (ids never contain `/`), so the URL remembers its
/// drive.
pub fn download_url_in(state: &AppState, drive: &Drive, item: &str) -> String {
    let ttl = i64::try_from(state.config.download_url_ttl.as_secs()).unwrap_or(i64::MAX);
    let expires = jiff::Timestamp::now().as_second().saturating_add(ttl);
    let token = if drive.is_own() {
        state.transfer.signer.sign(item, expires)
    } else {
        state
            .transfer
            .signer
            .sign(&format!("{}/{item}", drive.id()), expires)
    };
    format!("{}{}{token}", state.transfer_url, super::DOWNLOAD_PREFIX)
}

/// `GET {item}/content`: 302 to the download URL; 304 when `If-None-Match` names the
/// item's current eTag or cTag (Graph documents both).
pub async fn content_redirect(
    state: &AppState,
    drive: &Drive,
    item: &ItemId,
    headers: &HeaderMap,
) -> Response {
    let it = match drive.store().get(item) {
        Ok(it) => it,
        Err(e) => return e.into_response(),
    };
    if it.file().is_none() {
        return GraphError::invalid_request("Only files can be downloaded.").into_response();
    }
    if let Some(inm) = headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        && inm.split(',').any(|t| t.trim() == "*" || it.matches_tag(t))
    {
        let mut resp = StatusCode::NOT_MODIFIED.into_response();
        if let Ok(v) = HeaderValue::from_str(&it.etag) {
            resp.headers_mut().insert(header::ETAG, v);
        }
        return resp;
    }
    let url = download_url_in(state, drive, &it.id);
    let mut resp = StatusCode::FOUND.into_response();
    if let Ok(v) = HeaderValue::from_str(&url) {
        resp.headers_mut().insert(header::LOCATION, v);
    }
    resp.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    resp
}

/// `GET|HEAD /_dl/{token}`: the bytes, with single-range support.
pub async fn serve(
    State(state): State<AppState>,
    Path(token): Path<String>,
    method: Method,
    headers: HeaderMap,
) -> Response {
    let mut resp = serve_inner(&state, &token, &method, &headers);
    resp.extensions_mut()
        .insert(RouteLabel("/_dl/{token}".into()));
    resp
}

fn serve_inner(state: &AppState, token: &str, method: &Method, headers: &HeaderMap) -> Response {
    let now = jiff::Timestamp::now().as_second();
    let id = match state.transfer.signer.verify(token, now) {
        Ok(id) => id,
        Err(TokenError::Expired) => {
            return GraphError::new(
                StatusCode::UNAUTHORIZED,
                "unauthenticated",
                "The download URL has expired.",
            )
            .inner("expiredToken")
            .into_response();
        }
        Err(TokenError::Invalid) => {
            return GraphError::new(
                StatusCode::UNAUTHORIZED,
                "unauthenticated",
                "The download URL is not valid.",
            )
            .into_response();
        }
    };
    // `{driveId}/{itemId}` names another drive (gone after an admin reset: 404).
    let found = match id.split_once('/') {
        None => state.store.get(&id),
        Some((drive_id, item_id)) => match state.drives.registry.find(drive_id) {
            Some(d) => d.store.get(item_id),
            None => Err(GraphError::not_found("The resource could not be found.")),
        },
    };
    let item = match found {
        Ok(it) => it,
        Err(e) => return e.into_response(),
    };
    let Some(file) = item.file() else {
        return GraphError::not_found("The resource could not be found.").into_response();
    };
    let blob = file.blob.clone();
    let mime = file.mime_type.clone();
    let len = blob.len();

    // If-Range: a range request applies only to the representation the client has.
    let if_range_ok = headers
        .get(header::IF_RANGE)
        .and_then(|v| v.to_str().ok())
        .is_none_or(|t| item.matches_tag(t));
    let range = if if_range_ok {
        parse_range(
            headers.get(header::RANGE).and_then(|v| v.to_str().ok()),
            len,
        )
    } else {
        RangeRequest::Full
    };

    let (status, start, end) = match range {
        RangeRequest::Full => (StatusCode::OK, 0, len),
        RangeRequest::Single { start, end } => (StatusCode::PARTIAL_CONTENT, start, end),
        RangeRequest::Unsatisfiable => {
            let mut resp = GraphError::new(
                StatusCode::RANGE_NOT_SATISFIABLE,
                "invalidRange",
                "The requested range is not satisfiable.",
            )
            .into_response();
            if let Ok(v) = HeaderValue::from_str(&format!("bytes */{len}")) {
                resp.headers_mut().insert(header::CONTENT_RANGE, v);
            }
            return resp;
        }
    };

    let body = if *method == Method::HEAD {
        Body::empty()
    } else {
        Body::new(BlobBody::new(blob, start, end))
    };
    let mut resp = Response::new(body);
    *resp.status_mut() = status;
    let h = resp.headers_mut();
    h.insert(header::CONTENT_LENGTH, HeaderValue::from(end - start));
    h.insert(header::ACCEPT_RANGES, HeaderValue::from_static("bytes"));
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_str(&mime)
            .unwrap_or_else(|_| HeaderValue::from_static("application/octet-stream")),
    );
    if status == StatusCode::PARTIAL_CONTENT
        && let Ok(v) = HeaderValue::from_str(&format!("bytes {start}-{}/{len}", end - 1))
    {
        h.insert(header::CONTENT_RANGE, v);
    }
    if let Ok(v) = HeaderValue::from_str(&item.etag) {
        h.insert(header::ETAG, v);
    }
    let disposition = format!(
        "attachment; filename*=UTF-8''{}",
        utf8_percent_encode(&item.name, NON_ALPHANUMERIC)
    );
    if let Ok(v) = HeaderValue::from_str(&disposition) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    resp
}
