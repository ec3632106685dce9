//! Pre-authenticated URLs: download URLs, upload-session URLs and copy monitors.
//!
//! The service hands these out as credentials in themselves, on other hosts than Graph; a
//! client must send them no `Authorization` header (createUploadSession: "might result in
//! an HTTP 401 Unauthorized"; a Graph token sent to a SharePoint monitor gives 401
//! "Invalid audience"). The emulator refuses such a request, always, so that a client
//! leaking its token there fails in tests instead of against the service. One layer on
//! every such route, rather than a check in each handler.

use axum::extract::{MatchedPath, Request};
use axum::http::{StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::error::GraphError;
use crate::stats::RouteLabel;

/// `route_layer` middleware: 401 `unauthenticated` when `Authorization` is present.
pub async fn refuse_authorization(req: Request, next: Next) -> Response {
    if !req.headers().contains_key(header::AUTHORIZATION) {
        return next.run(req).await;
    }
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map(|p| p.as_str().to_owned());
    let mut resp = GraphError::new(
        StatusCode::UNAUTHORIZED,
        "unauthenticated",
        "This URL is pre-authenticated: send no Authorization header.",
    )
    .into_response();
    if let Some(route) = route {
        resp.extensions_mut().insert(RouteLabel(route));
    }
    resp
}
