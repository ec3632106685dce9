//! The middleware that applies a decided [`Fault`] to a request.

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode, Version, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::body::{CutBody, StallBody, aborted_response, drain};
use super::{CopyFails, DownloadAnswer, Early, Fault, FaultRoute, KeepPartial, fault_error};
use crate::server::ConnKill;
use crate::state::AppState;

/// Middleware: applies faults to Graph calls, fragments and downloads.
pub async fn layer(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let Some(class) = FaultRoute::classify(req.method(), req.uri().path()) else {
        return next.run(req).await;
    };
    let Some(fault) = state.faults.decide(class, req.method(), req.uri().path()) else {
        return next.run(req).await;
    };
    match fault {
        Fault::Status {
            status,
            retry_after,
            after: true,
            ..
        } => {
            // The work is done; its answer is lost.
            let _ = next.run(req).await;
            fault_error(status, retry_after).into_response()
        }
        Fault::Status {
            status,
            retry_after,
            early,
            after: false,
        } => early_answer(req, fault_error(status, retry_after).into_response(), early),
        Fault::Cut { after, keep } => cut(req, next, after, keep).await,
        Fault::Stall { after } => stall(&state, req, next, after).await,
        Fault::DropSession => {
            let id = req
                .uri()
                .path()
                .strip_prefix(crate::transfer::UPLOAD_PREFIX)
                .unwrap_or_default();
            state.transfer.sessions.forget(id);
            crate::transfer::upload_session::session_not_found().into_response()
        }
        Fault::Answer(answer) => download_answer(req, next, answer).await,
        Fault::CopyFail => {
            let mut req = req;
            req.extensions_mut().insert(CopyFails);
            next.run(req).await
        }
    }
}

/// Whether the request announces a body.
fn has_body(req: &Request) -> bool {
    req.headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok())
        .is_some_and(|n| n > 0)
        || req.headers().contains_key(header::TRANSFER_ENCODING)
}

/// A status answered before the handler runs, the request body handled per `early`.
fn early_answer(req: Request, mut resp: Response, early: Option<Early>) -> Response {
    if !has_body(&req) {
        return resp;
    }
    match early {
        // As before: the body is dropped unread (hyper reads what it has buffered and,
        // when more is coming, closes the connection after the answer).
        None => {}
        // HTTP/2 has no Connection header: the unread stream is reset instead.
        Some(Early::Close) if req.version() < Version::HTTP_2 => {
            resp.headers_mut()
                .insert(header::CONNECTION, HeaderValue::from_static("close"));
        }
        Some(Early::Close) => {}
        Some(Early::Drain) => {
            // Read on in the background while hyper writes the answer.
            tokio::spawn(drain(req.into_body()));
        }
    }
    resp
}

/// Cuts the request body (uploads) or the response body (downloads, other GETs).
async fn cut(req: Request, next: Next, after: Option<u64>, keep: bool) -> Response {
    let wrap = |body: Body| Body::new(CutBody::new(body, after));
    wrap_body(req, next, keep, wrap).await
}

/// Stalls the request body (uploads) or the response body.
async fn stall(state: &AppState, req: Request, next: Next, after: u64) -> Response {
    let gauge = state.faults.stalled.clone();
    let wrap = |body: Body| Body::new(StallBody::new(body, after, gauge));
    wrap_body(req, next, false, wrap).await
}

/// Runs the request with `wrap` around its body when it has one (an upload: the
/// handler sees the body break or stall, and discards it, or keeps what came with
/// `keep`; the client sees its connection dropped with no answer at all), else around
/// the response body.
async fn wrap_body(
    req: Request,
    next: Next,
    keep: bool,
    wrap: impl FnOnce(Body) -> Body,
) -> Response {
    if has_body(&req) {
        let kill = req.extensions().get::<ConnKill>().cloned();
        let (mut parts, body) = req.into_parts();
        if keep {
            parts.extensions.insert(KeepPartial);
        }
        let _ = next.run(Request::from_parts(parts, wrap(body))).await;
        drop_connection(kill).await
    } else {
        let (parts, body) = next.run(req).await.into_parts();
        Response::from_parts(parts, wrap(body))
    }
}

/// Drops the connection without an answer (never returns when it can).
async fn drop_connection(kill: Option<ConnKill>) -> Response {
    match kill {
        Some(k) => {
            k.kill();
            std::future::pending::<Response>().await
        }
        None => aborted_response(),
    }
}

/// The HTML page of an `html` download answer (what a front end's error page looks
/// like: a complete document, not the file).
const HTML_PAGE: &str = "<!DOCTYPE html>\r\n<html><head><title>Something went wrong</title></head>\r\n<body><h1>Sorry, something went wrong</h1><p>An unexpected error has occurred. (emulated fault)</p></body></html>\r\n";

async fn download_answer(mut req: Request, next: Next, answer: DownloadAnswer) -> Response {
    if answer == DownloadAnswer::Html {
        let mut resp = (StatusCode::OK, HTML_PAGE).into_response();
        resp.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("text/html; charset=utf-8"),
        );
        return resp;
    }
    // Both other answers ignore the range.
    req.headers_mut().remove(header::RANGE);
    req.headers_mut().remove(header::IF_RANGE);
    let resp = next.run(req).await;
    if answer == DownloadAnswer::Whole || !resp.status().is_success() {
        return resp;
    }
    let (mut parts, _) = resp.into_parts();
    parts.status = StatusCode::OK;
    parts.headers.remove(header::CONTENT_RANGE);
    parts
        .headers
        .insert(header::CONTENT_LENGTH, HeaderValue::from(0u64));
    Response::from_parts(parts, Body::empty())
}
