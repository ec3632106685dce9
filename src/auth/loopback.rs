//! Optional localhost redirect listener: the browser's final redirect lands on a
//! one-shot HTTP listener on the loopback interface, so the user need not paste a URL.
//!
//! The identity platform accepts `http://localhost` (and `http://127.0.0.1`) redirect
//! URIs for native apps with any port (the port is ignored when matching the registered
//! URI), so the listener binds an ephemeral port on 127.0.0.1. Only the first request
//! carrying `code` or `error` is considered; others (a browser's `/favicon.ico`) get 404.

use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;
use url::Url;

use super::code::{AuthorizationRequest, exchange_code, parse_redirect};
use super::{OAuthSettings, TokenResponse};
use crate::http::{Error, HttpClient, Result};

/// Largest request head read from the browser.
const MAX_HEAD: usize = 16 * 1024;

const DONE_PAGE: &str = "<!doctype html><title>onedrive-cli</title>\
<p>Sign-in complete. You can close this window and return to the terminal.</p>";

/// A listening sign-in request.
pub struct LoopbackSignIn {
    listener: TcpListener,
    request: AuthorizationRequest,
    settings: OAuthSettings,
}

impl LoopbackSignIn {
    /// Binds `127.0.0.1:0` and builds the authorize URL with
    /// `redirect_uri=http://localhost:{port}/` (or the configured loopback URI with the
    /// bound port, when `settings.redirect_uri` is already a loopback one).
    pub async fn start(settings: &OAuthSettings) -> Result<Self> {
        let listener = TcpListener::bind(("127.0.0.1", 0)).await?;
        let port = listener.local_addr()?.port();
        let mut redirect = match Url::parse(&settings.redirect_uri) {
            Ok(u)
                if u.scheme() == "http"
                    && matches!(u.host_str(), Some("localhost") | Some("127.0.0.1")) =>
            {
                u
            }
            _ => Url::parse("http://localhost/").map_err(|e| Error::InvalidInput(e.to_string()))?,
        };
        redirect
            .set_port(Some(port))
            .map_err(|_| Error::InvalidInput("cannot set the redirect port".into()))?;
        let mut settings = settings.clone();
        settings.redirect_uri = redirect.to_string();
        let request = AuthorizationRequest::new(&settings)?;
        Ok(Self {
            listener,
            request,
            settings,
        })
    }

    /// The URL for the user's browser.
    pub fn url(&self) -> &Url {
        &self.request.url
    }

    /// The redirect URI in use (`http://localhost:{port}/`).
    pub fn redirect_uri(&self) -> &str {
        &self.settings.redirect_uri
    }

    /// Waits (at most `timeout`) for the browser's redirect, then redeems the code.
    pub async fn finish(self, http: &HttpClient, timeout: Duration) -> Result<TokenResponse> {
        let landed = tokio::time::timeout(timeout, self.wait_for_redirect())
            .await
            .map_err(|_| {
                Error::Authorization(format!(
                    "no redirect reached {} within {} s",
                    self.settings.redirect_uri,
                    timeout.as_secs()
                ))
            })??;
        let code = parse_redirect(landed.as_str(), Some(&self.request.state))?;
        exchange_code(http, &self.settings, &code, &self.request.pkce.verifier).await
    }

    async fn wait_for_redirect(&self) -> Result<Url> {
        let base = Url::parse(&self.settings.redirect_uri)
            .map_err(|e| Error::InvalidInput(e.to_string()))?;
        loop {
            let (mut sock, _) = self.listener.accept().await?;
            let mut head = Vec::new();
            let mut buf = [0u8; 2048];
            while !head.windows(4).any(|w| w == b"\r\n\r\n") && head.len() < MAX_HEAD {
                let n = sock.read(&mut buf).await?;
                if n == 0 {
                    break;
                }
                head.extend_from_slice(&buf[..n]);
            }
            let text = String::from_utf8_lossy(&head);
            let target = text
                .lines()
                .next()
                .and_then(|l| {
                    let mut parts = l.split_whitespace();
                    match (parts.next(), parts.next()) {
                        (Some("GET"), Some(t)) => Some(t.to_owned()),
                        _ => None,
                    }
                })
                .unwrap_or_default();
            let landed = base.join(&target).ok();
            let relevant = landed
                .as_ref()
                .is_some_and(|u| u.query_pairs().any(|(k, _)| k == "code" || k == "error"));
            let (status, body) = if relevant {
                ("200 OK", DONE_PAGE)
            } else {
                ("404 Not Found", "")
            };
            let resp = format!(
                "HTTP/1.1 {status}\r\nContent-Type: text/html; charset=utf-8\r\n\
                 Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            );
            let _ = sock.write_all(resp.as_bytes()).await;
            let _ = sock.shutdown().await;
            if let (true, Some(u)) = (relevant, landed) {
                return Ok(u);
            }
        }
    }
}
